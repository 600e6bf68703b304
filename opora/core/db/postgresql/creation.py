from django.db.backends.postgresql import creation

# C.UTF-8 exists on every Debian system; a deployment may choose bg_BG.UTF-8 instead.
DATABASE_LOCALE = "C.UTF-8"


class DatabaseCreation(creation.DatabaseCreation):
    def sql_table_creation_suffix(self) -> str:
        return f"WITH TEMPLATE template0 ENCODING 'UTF8' LOCALE '{DATABASE_LOCALE}'"
