"""The databases are set up the way Opora's search and concurrency need them."""

from pathlib import Path

import pytest
from django.db import connection

from tests.support import last_line, run_manage

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="runs in the PostgreSQL pass")


@postgresql_only
@pytest.mark.django_db
def test_the_database_locale_is_not_c_so_trigrams_see_cyrillic() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
        (ctype,) = cursor.fetchone()
        assert ctype not in {"C", "POSIX"}, f"database created with LC_CTYPE={ctype}: pg_trgm will not see Cyrillic"
        cursor.execute("SELECT show_trgm('Иван')")
        (trigrams,) = cursor.fetchone()
    assert len(trigrams) >= 4, trigrams


@postgresql_only
@pytest.mark.django_db
def test_opora_creates_its_databases_from_template0_with_a_utf8_locale() -> None:
    suffix = connection.creation.sql_table_creation_suffix()
    assert "TEMPLATE template0" in suffix
    assert "UTF-8" in suffix


def test_the_embedded_database_runs_in_wal_mode(tmp_path: Path) -> None:
    code = (
        "from django.db import connection as c; k = c.cursor(); "
        "k.execute('PRAGMA journal_mode'); print(k.fetchone()[0])"
    )
    result = run_manage(tmp_path, "shell", "-c", code, environment="development")
    assert result.returncode == 0, result.stderr
    assert last_line(result) == "wal"
    assert (tmp_path / "opora.sqlite3").exists()


def test_several_app_servers_share_the_cache_through_redis(tmp_path: Path) -> None:
    code = (
        "from django.core.cache import cache; cache.set('opora-probe', 'shared', 30); print(cache.get('opora-probe'))"
    )
    result = run_manage(tmp_path, "shell", "-c", code, environment="development", REDIS_URL="redis://127.0.0.1:6379/15")
    assert result.returncode == 0, result.stderr
    assert last_line(result) == "shared"
    reader = (
        "from django.core.cache import caches; c = caches['default']; print(type(c).__name__, c.get('opora-probe'))"
    )
    other_process = run_manage(
        tmp_path, "shell", "-c", reader, environment="development", REDIS_URL="redis://127.0.0.1:6379/15"
    )
    assert last_line(other_process) == "RedisCache shared"


@postgresql_only
@pytest.mark.django_db
def test_postgresql_runs_without_jit_compilation() -> None:
    """A page's short queries must not pay for JIT compilation (seen: 290 ms for a 0.2 ms query)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
