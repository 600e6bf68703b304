"""The benchmark's settings, from the environment (all optional; see docs/benchmarks.md)."""

import os
from dataclasses import dataclass

FULL_SCALE = 1_000_000
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_DATABASE = "opora_bench_people"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip().replace("_", "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


@dataclass(frozen=True)
class Config:
    """What to build and how much to measure.

    ``children``: how many children the database holds (other people come on top: parents, grandparents).
    A scale other than the full one goes into its own database, so that a quick run never replaces the
    million-row one.
    """

    children: int
    seed: int
    server: str
    database: str
    queries: int
    duplicates: int
    new_people: int
    warmup: int
    rounds: int
    regenerate: bool
    reindex: str

    @property
    def url(self) -> str:
        return f"{self.server.rstrip('/')}/{self.database}"

    @property
    def server_url(self) -> str:
        """The maintenance database, to create and drop the benchmark's own."""
        return f"{self.server.rstrip('/')}/postgres"


def from_environment() -> Config:
    children = _int("BENCH_PEOPLE_CHILDREN", FULL_SCALE)
    if children < 1000:
        raise SystemExit("BENCH_PEOPLE_CHILDREN must be at least 1000")
    default_database = DEFAULT_DATABASE if children == FULL_SCALE else f"{DEFAULT_DATABASE}_{children}"
    database = os.environ.get("BENCH_PEOPLE_DATABASE", "").strip() or default_database
    if not database.replace("_", "").isalnum():
        raise SystemExit("BENCH_PEOPLE_DATABASE may hold only letters, digits and underscores")
    reindex = os.environ.get("BENCH_PEOPLE_REINDEX", "auto").strip() or "auto"
    if reindex not in {"auto", "always", "never"}:
        raise SystemExit("BENCH_PEOPLE_REINDEX must be auto, always or never")
    return Config(
        children=children,
        seed=_int("BENCH_PEOPLE_SEED", 20260101),
        server=os.environ.get("BENCH_PEOPLE_SERVER", "").strip() or DEFAULT_SERVER,
        database=database,
        queries=_int("BENCH_PEOPLE_QUERIES", 300),
        duplicates=_int("BENCH_PEOPLE_DUPLICATES", 1200),
        new_people=_int("BENCH_PEOPLE_NEW", 1000),
        warmup=_int("BENCH_PEOPLE_WARMUP", 30),
        rounds=max(1, _int("BENCH_PEOPLE_ROUNDS", 3)),
        regenerate=os.environ.get("BENCH_PEOPLE_REGENERATE", "").strip().lower() in {"1", "true", "yes", "on"},
        reindex=reindex,
    )
