"""The structures behind the name search, and the one place that keeps them.

A person is found by the words of their search key (``Person.search_key``: both spellings, transliterated
and folded). The database answers "who has one of these words for every query word?":

- PostgreSQL: a GIN index on the key's words as an array (``string_to_array(search_key, ' ')``), asked
  with the array containment operator ``@>``; and a second one on the words each tagged
  with the person's settlement (``PG_PLACED_WORDS``) for a name with a settlement;
- SQLite, the embedded default: an FTS5 table over the key, kept by triggers, asked with
  ``("ivan" OR "ivana") AND ("petrov" OR …)``.

Which words a query word may stand for (typos, a typed beginning) is decided first, against the
vocabulary of every name word (``NameWord``), so that the person tables are only ever asked for exact words.

Django rebuilds a SQLite table to alter it, which drops its triggers: ``ensure_sqlite_fts`` runs after every
``migrate`` and puts the table and the triggers back (and refills the table when it had to).
"""

from typing import Any

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

from opora.people.models import NameWord, Person, key_words

# The statements are written out whole (no names put together): they are the only SQL this module runs.
PG_WORDS_INDEX = (
    "CREATE INDEX IF NOT EXISTS people_person_search_words ON people_person "
    "USING gin ((string_to_array(search_key, ' ')))"
)
# Each word of the key with the person's settlement after it ("#" and its id; no word of a key holds a "#"):
# "ivanova#12 maria#12" for Мария Иванова of settlement 12. A name and a settlement are then one condition on
# short posting lists ("Мария Иванова Пловдив": the bearers of maria#12 and ivanova#12), instead of the
# hundreds of thousands living in a big city, or every Мария, intersected inside the index (14 ms → 1.3 ms
# at a million children).
PG_PLACED_WORDS = (
    "string_to_array(replace(people_person.search_key, ' ', '#' || COALESCE(people_person.settlement_id, 0)::text "
    "|| ' ') || ('#' || COALESCE(people_person.settlement_id, 0)::text), ' ')"
)
PG_PLACES_INDEX = (
    "CREATE INDEX IF NOT EXISTS people_person_search_placed_words ON people_person USING gin "
    "((string_to_array(replace(people_person.search_key, ' ', '#' || COALESCE(people_person.settlement_id, 0)::text "
    "|| ' ') || ('#' || COALESCE(people_person.settlement_id, 0)::text), ' ')))"
)
PG_FILL_VOCABULARY = (
    "INSERT INTO people_nameword (word) "
    "SELECT DISTINCT left(word, 100) FROM people_person, unnest(string_to_array(search_key, ' ')) AS word "
    "WHERE word NOT IN ('', '/') ON CONFLICT (word) DO NOTHING"
)
SQLITE_FTS = "people_person_fts"
SQLITE_CREATE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS people_person_fts USING fts5("
    "search_key, content='people_person', content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
)
SQLITE_REBUILD_FTS = "INSERT INTO people_person_fts(people_person_fts) VALUES ('rebuild')"
SQLITE_TRIGGERS = {
    "people_person_fts_insert": (
        "CREATE TRIGGER IF NOT EXISTS people_person_fts_insert AFTER INSERT ON people_person BEGIN "
        "INSERT INTO people_person_fts(rowid, search_key) VALUES (new.id, new.search_key); END"
    ),
    "people_person_fts_delete": (
        "CREATE TRIGGER IF NOT EXISTS people_person_fts_delete AFTER DELETE ON people_person BEGIN "
        "INSERT INTO people_person_fts(people_person_fts, rowid, search_key) "
        "VALUES ('delete', old.id, old.search_key); END"
    ),
    "people_person_fts_update": (
        "CREATE TRIGGER IF NOT EXISTS people_person_fts_update AFTER UPDATE OF search_key ON people_person BEGIN "
        "INSERT INTO people_person_fts(people_person_fts, rowid, search_key) "
        "VALUES ('delete', old.id, old.search_key); "
        "INSERT INTO people_person_fts(rowid, search_key) VALUES (new.id, new.search_key); END"
    ),
}


def create_pg_words_index(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        cursor.execute(PG_WORDS_INDEX)
        cursor.execute(PG_PLACES_INDEX)


def placed_words(words: list[str], settlement_id: int) -> list[str]:
    """The words ``PG_PLACED_WORDS`` holds for a person of ``settlement_id`` who bears ``words``."""
    return [f"{word}#{settlement_id}" for word in words]


def ensure_sqlite_fts(connection: BaseDatabaseWrapper) -> bool:
    """Create the FTS5 table and its triggers where they are missing; True when the table had to be refilled."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        tables = {name for (name,) in cursor.fetchall()}
        if "people_person" not in tables:
            return False
        missing = SQLITE_FTS not in tables or any(trigger not in tables for trigger in SQLITE_TRIGGERS)
        if not missing:
            return False
        cursor.execute(SQLITE_CREATE_FTS)
        for statement in SQLITE_TRIGGERS.values():
            cursor.execute(statement)
        # Changes made while a trigger was missing never reached the table: read everything again.
        cursor.execute(SQLITE_REBUILD_FTS)
    return True


def after_migrate(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: SQLite's table rebuilds drop triggers (see the module docstring)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        ensure_sqlite_fts(connection)


def rebuild_search_index(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Fill the vocabulary from every person's key (after a bulk load that bypassed ``Person.save``) and make
    sure the database's own structures exist."""
    if connection.vendor == "postgresql":
        create_pg_words_index(connection)
        with connection.cursor() as cursor:
            cursor.execute(PG_FILL_VOCABULARY)
        return
    if connection.vendor == "sqlite":
        ensure_sqlite_fts(connection)
        with connection.cursor() as cursor:
            cursor.execute(SQLITE_REBUILD_FTS)
    words: set[str] = set()
    for key in Person.objects.values_list("search_key", flat=True).iterator(chunk_size=5000):
        words.update(word[:100] for word in key_words(key))
    NameWord.objects.bulk_create([NameWord(word=word) for word in sorted(words)], ignore_conflicts=True)
