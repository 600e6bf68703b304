"""pg_trgm, for forgiving search on PostgreSQL (the people register builds on it)."""

from django.db import migrations


def create_extension(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm;")


class Migration(migrations.Migration):
    operations = [migrations.RunPython(create_extension, migrations.RunPython.noop)]
