"""``python -m benchmarks.pages``: what ``make bench-pages`` runs.

Uses the database of ``make bench-people`` as it is (``BENCH_PEOPLE_CHILDREN`` picks a smaller one) and never
rebuilds its people: without a completed load it stops. It applies the migrations, adds the case work
(benchmarks/pages/casework.py, kept between runs) and measures (benchmarks/pages/measure.py).
"""

import os
import sys


def main() -> int:
    from benchmarks.people.config import from_environment
    from benchmarks.people.database import database_exists, read_marker

    config = from_environment()
    if not database_exists(config) or read_marker(config, "load") is None:
        print(f"{config.database} holds no completed load of people: run `make bench-people` first.", file=sys.stderr)
        return 1
    os.environ["DATABASE_URL"] = config.url
    os.environ.setdefault("OPORA_ENVIRONMENT", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.pages.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks.pages import casework, measure
    from opora.accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    casework.ensure(config, float(os.environ.get("BENCH_PAGES_SHARE", "0.2")))
    from opora.deadlines.models import StoredDueItem

    # The case work is written with COPY, around the signals that store the due items (rewriting it empties
    # their table too: TRUNCATE … CASCADE).
    if not StoredDueItem.objects.exists():
        call_command("sync_due_items", verbosity=1)
    # Every run: a table filled in one go has no statistics until autovacuum comes round (the planner took
    # 102,489 stored items for 52, which alone doubled "My tasks"), and no visibility map for index-only scans.
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (StoredDueItem._meta.db_table, StoredDueItem.services.through._meta.db_table):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
    administrator = User.objects.filter(memberships__role="administrator").order_by("pk").first()
    worker = User.objects.get(username="bench-worker-1")
    assert administrator is not None
    from django.db import connections

    connections.close_all()
    return measure.run(config.url, {"administrator": administrator.pk, "worker": worker.pk})


if __name__ == "__main__":
    sys.exit(main())
