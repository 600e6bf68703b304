"""The benchmark's own PostgreSQL database: creating it, the marker of a completed load, and the secondary
indexes and constraints that are dropped around the bulk load and put back after it.

Plain psycopg, no Django: the database must exist before Django connects to it.
"""

import json
from typing import Any

import psycopg
from psycopg import sql

from benchmarks.people.config import Config

MARKER_TABLE = "bench_people_marker"


def database_exists(config: Config) -> bool:
    with psycopg.connect(config.server_url, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config.database]).fetchone()
    return found is not None


def create_database(config: Config) -> None:
    """A fresh database from template0 with a UTF-8 locale (pg_trgm needs it for Cyrillic)."""
    with psycopg.connect(config.server_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 LOCALE 'C.UTF-8'").format(sql.Identifier(config.database))
        )


def drop_database(config: Config) -> None:
    with psycopg.connect(config.server_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(config.database)))


# --- The marker -----------------------------------------------------------------------------------------


def read_marker(config: Config, key: str) -> dict[str, Any] | None:
    """The value stored under ``key`` ("load", "search_index"), or None."""
    with psycopg.connect(config.url, autocommit=True) as connection:
        exists = connection.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()
        if exists is None or exists[0] is None:
            return None
        row = connection.execute(
            sql.SQL("SELECT value FROM {} WHERE key = %s").format(sql.Identifier(MARKER_TABLE)), [key]
        ).fetchone()
    return None if row is None else dict(row[0])


def write_marker(config: Config, key: str, value: dict[str, Any]) -> None:
    with psycopg.connect(config.url, autocommit=True) as connection:
        table = sql.Identifier(MARKER_TABLE)
        connection.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (key text PRIMARY KEY, value jsonb NOT NULL, at timestamptz)"
            ).format(table)
        )
        connection.execute(
            sql.SQL(
                "INSERT INTO {} (key, value, at) VALUES (%s, %s, now()) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, at = EXCLUDED.at"
            ).format(table),
            [key, json.dumps(value, ensure_ascii=False)],
        )


# --- Secondary indexes and constraints ---------------------------------------------------------------------


def drop_secondary_structures(connection: psycopg.Connection[Any], tables: list[str]) -> list[str]:
    """Drop every index but the primary key and every unique and foreign-key constraint of ``tables``;
    return the statements that put them back, in the order to run them (indexes, unique constraints,
    then foreign keys, which need the referenced rows' indexes).

    The definitions are read from the catalogue, so whatever the migrations created (today or after a
    later migration) comes back exactly as it was.
    """
    indexes: list[str] = []
    uniques: list[str] = []
    foreign_keys: list[str] = []
    for table in tables:
        for name, kind, definition in connection.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
            [table],
        ).fetchall():
            statement = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(sql.Identifier(table), sql.Identifier(name))
            (uniques if kind == "u" else foreign_keys).append(statement.as_string(connection) + definition)
            connection.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name))
            )
        for name, definition in connection.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
            [table],
        ).fetchall():
            indexes.append(definition)
            connection.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return indexes + uniques + foreign_keys


def restore_secondary_structures(connection: psycopg.Connection[Any], statements: list[str]) -> None:
    for statement in statements:
        connection.execute(statement.encode())


def reset_identity(connection: psycopg.Connection[Any], table: str) -> None:
    """Move the id sequence past the ids the load wrote itself."""
    connection.execute(
        sql.SQL(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT max(id) FROM {}), 0) + 1, false)"
        ).format(sql.Identifier(table)),
        [table],
    )
