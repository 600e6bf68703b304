from django.db.backends.postgresql import base

from opora.core.db.postgresql.creation import DatabaseCreation


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
