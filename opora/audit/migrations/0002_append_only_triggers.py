"""The database itself refuses to rewrite the audit trail: UPDATE on either table fails.

DELETE is left to the application (which refuses it) so that retention and anonymisation, later, can
work through a reviewed management command, and so that test databases can be emptied.
"""

from django.db import migrations

TABLES = ["audit_changeevent", "audit_viewevent"]

POSTGRESQL = """
CREATE OR REPLACE FUNCTION opora_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
    f"FOR EACH ROW EXECUTE FUNCTION opora_audit_append_only();\n"
    for table in TABLES
)

SQLITE = [
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    for table in TABLES
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
