"""PostgreSQL as Django's own backend, except that databases are created for Cyrillic text.

A database whose LC_CTYPE is C sees no trigrams in Cyrillic (pg_trgm's show_trgm('Иван') is empty), so
every database Opora creates — the test databases included — comes from template0 with a UTF-8 locale.
"""
