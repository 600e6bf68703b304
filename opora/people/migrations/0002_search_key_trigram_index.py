"""A GIN trigram index on the search key, for the forgiving name search (PostgreSQL only; SQLite searches
a small centre's people without it)."""

from django.db import migrations

INDEX = "people_person_search_key_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON people_person USING gin (search_key gin_trgm_ops);"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX};")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_pg_trgm"),
        ("people", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
