"""The append-only trigger of one audit table, for migrations that must rebuild or fill in the table."""


def create(schema_editor, table):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION opora_audit_append_only();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
        )


def drop(schema_editor, table):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")
