"""``python -m benchmarks.people [all|generate|measure]``: what ``make bench-people`` runs.

``all`` (the default) builds the database if it does not hold a completed load of this generator, then
measures; ``generate`` only builds (or reuses); ``measure`` only measures an existing load. Settings come
from ``BENCH_PEOPLE_*`` variables (benchmarks/people/config.py, docs/benchmarks.md).
"""

import os
import sys

from benchmarks.people.config import from_environment
from benchmarks.people.database import create_database, database_exists


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "all"
    if action not in {"all", "generate", "measure"}:
        print(__doc__, file=sys.stderr)
        return 2
    config = from_environment()
    if not database_exists(config):
        if action == "measure":
            print(f"No database {config.database}: run `make bench-people` first.", file=sys.stderr)
            return 1
        create_database(config)
    # Settings are read when Django starts: point it at the benchmark's database, whatever DATABASE_URL says.
    os.environ["DATABASE_URL"] = config.url
    os.environ.setdefault("OPORA_ENVIRONMENT", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opora.settings")
    import django

    django.setup()
    from benchmarks.people import measure, prepare

    ready = prepare.ensure_data(config, generate_if_missing=action != "measure")
    if not ready:
        return 1
    if action == "generate":
        return 0
    return measure.run(config)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
