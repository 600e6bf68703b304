"""Real sessions at once: each save runs in a thread of its own, with its own database connection."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two sessions at once need row locks: SQLite serialises whole-database writes, PostgreSQL pass only",
)


def run_at_once(*saves: Callable[[], Any]) -> list[Any]:
    """Run ``saves`` in threads of their own (each with its own database connection), released together;
    what each returned or raised."""
    start = threading.Barrier(len(saves))
    results: list[Any] = [None] * len(saves)

    def run(index: int, save: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = save()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, save)) for index, save in enumerate(saves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
