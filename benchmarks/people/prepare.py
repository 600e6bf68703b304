"""Make the benchmark's data ready: migrate, build the people (or reuse a completed load), check a sample
against the model's own rules, and rebuild the search index when the search code or schema changed."""

import datetime
import hashlib
import importlib
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

from benchmarks.people.config import Config
from benchmarks.people.database import create_database, drop_database, read_marker, write_marker
from benchmarks.people.generate import GENERATOR_VERSION, data_signature, generate, key_check

SAMPLE_CHECKED = 300


def ensure_data(config: Config, *, generate_if_missing: bool) -> bool:
    """True when the database holds a completed load of this generator (built now if need be)."""
    _migrate()
    marker = read_marker(config, "load")
    reason = _why_rebuild(config, marker)
    if reason is None:
        assert marker is not None
        _print_reused(marker)
    elif not generate_if_missing:
        print(f"The database {config.database} cannot be used ({reason}): run `make bench-people`.")
        return False
    else:
        print(f"Building {config.database}: {reason}.", flush=True)
        connections.close_all()
        drop_database(config)
        create_database(config)
        started = time.perf_counter()
        _migrate()
        migrate_seconds = time.perf_counter() - started
        loaded = generate(config)
        loaded["timings"]["migrate"] = migrate_seconds
        loaded["timings"]["check"] = check_sample(config)
        write_marker(
            config,
            "load",
            {
                "signature": data_signature(config),
                "generator_version": GENERATOR_VERSION,
                "children": config.children,
                "seed": config.seed,
                "key_check": key_check(),
                "completed_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                **loaded,
            },
        )
        _print_timings(loaded["timings"])
    _ensure_search_index(config)
    return True


def _migrate() -> None:
    call_command("migrate", verbosity=0, interactive=False)


def _why_rebuild(config: Config, marker: dict[str, Any] | None) -> str | None:
    if config.regenerate:
        return "BENCH_PEOPLE_REGENERATE is set"
    if marker is None:
        return "no completed load in it"
    if marker.get("signature") != data_signature(config):
        return "it was built by another version of the generator, names, scale or seed"
    if marker.get("key_check") != key_check():
        return "its identifiers were encrypted under other keys (FIELD_ENCRYPTION_KEYS / LOOKUP_HASH_KEY)"
    return None


def _print_reused(marker: dict[str, Any]) -> None:
    counts = marker["counts"]
    total = _total(marker["timings"])
    print(
        f"Reusing the load of {marker['completed_at']}: {counts['children']:,} children, {counts['people']:,} people "
        f"(it took {total:.0f} s to build; BENCH_PEOPLE_REGENERATE=1 builds it again).",
        flush=True,
    )


def _total(timings: dict[str, float]) -> float:
    """The whole build: the load (``total``) with the migration before it and the sample check after it."""
    return timings["total"] + timings.get("migrate", 0.0) + timings.get("check", 0.0)


def _print_timings(timings: dict[str, float]) -> None:
    order = ["migrate", "setup", "generate_and_copy", "indexes", "vacuum_analyze", "check"]
    parts = ", ".join(f"{name} {timings[name]:.0f} s" for name in order if name in timings)
    total = _total(timings)
    print(f"Built in {total:.0f} s ({parts}).", flush=True)


# --- The search index -----------------------------------------------------------------------------------------


def _search_signature() -> str:
    """The schema and the search code (opora/people/search*.py): a change to either may change what the
    derived search tables must hold."""
    from opora.people import search

    digest = hashlib.sha256()
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        digest.update(f"{app}.{name};".encode())
    for path in sorted(Path(str(search.__file__)).parent.glob("search*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _rebuild_function() -> Callable[[], object] | None:
    """``rebuild_search_index`` of opora.people.search, or of opora.people.search_index where it lives today."""
    for module_name in ("opora.people.search", "opora.people.search_index"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        rebuild = getattr(module, "rebuild_search_index", None)
        if callable(rebuild):
            return rebuild
    return None


def _ensure_search_index(config: Config) -> None:
    rebuild = _rebuild_function()
    if rebuild is None:
        print(
            "WARNING: there is no rebuild_search_index() in opora.people.search(_index): the tables derived from "
            "people_person (e.g. the name vocabulary) were not filled after the bulk load, so name search may "
            "find nobody.",
            flush=True,
        )
        return
    signature = _search_signature()
    marker = read_marker(config, "search_index") or {}
    if config.reindex == "never" or (config.reindex == "auto" and marker.get("signature") == signature):
        if marker:
            print(f"Search index as rebuilt on {marker['at']} (in {marker['seconds']:.0f} s).", flush=True)
        return
    print(f"Rebuilding the search index ({rebuild.__module__}.rebuild_search_index)…", flush=True)
    started = time.perf_counter()
    rebuild()
    seconds = time.perf_counter() - started
    analysed = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    analyse_seconds = time.perf_counter() - analysed
    print(f"  rebuilt in {seconds:.0f} s, VACUUM ANALYZE {analyse_seconds:.0f} s.", flush=True)
    write_marker(
        config,
        "search_index",
        {
            "signature": signature,
            "seconds": seconds,
            "analyse_seconds": analyse_seconds,
            "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        },
    )


# --- A sample checked against the model ------------------------------------------------------------------------


def check_sample(config: Config) -> float:
    """Rows chosen at random must pass the model's own validation and agree with its derived columns.

    Catches a generator that drifts from the model (a rule added to ``Person.clean``, a change in how the
    search key is made) before anything is measured on wrong data.
    """
    from opora.core.identifiers import egn_info
    from opora.core.phones import normalise_phone
    from opora.people.models import HouseholdMember, IdentityKind, Person, Relationship, identifier_digest

    started = time.perf_counter()
    rng = random.Random(config.seed + 1)
    problems: list[str] = []
    last = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = rng.sample(range(1, last + 1), min(SAMPLE_CHECKED, last))
    for person in Person.objects.filter(pk__in=ids).select_related("mother"):
        stored = (person.first_name_latin, person.middle_name_latin, person.last_name_latin, person.search_key)
        person.fill_latin_names()
        person.refresh_search_key()
        if stored != (person.first_name_latin, person.middle_name_latin, person.last_name_latin, person.search_key):
            problems.append(f"person {person.pk}: derived names differ from the model's")
        try:
            person.full_clean()
        except ValidationError as error:
            problems.append(f"person {person.pk}: {error}")
        if person.identifier_encrypted:
            number = person.identifier
            if identifier_digest(person.identity_kind, number) != person.identifier_digest:
                problems.append(f"person {person.pk}: digest does not match the identifier")
            if person.identity_kind == IdentityKind.EGN:
                info = egn_info(number)
                if (info.birth_date, info.sex) != (person.birth_date, person.sex):
                    problems.append(f"person {person.pk}: ЕГН disagrees with the birth date or sex")
        if person.phone and normalise_phone(person.phone) != person.phone:
            problems.append(f"person {person.pk}: phone not in the stored form")
    for model in (Relationship, HouseholdMember):
        last_link = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        link_ids = rng.sample(range(1, last_link + 1), min(100, last_link))
        for record in model.objects.filter(pk__in=link_ids):
            try:
                record.full_clean()
            except ValidationError as error:
                problems.append(f"{model.__name__} {record.pk}: {error}")
    if problems:
        raise SystemExit("The generated data breaks the model's rules:\n  " + "\n  ".join(problems[:30]))
    seconds = time.perf_counter() - started
    print(f"Sample check: {len(ids)} people and 200 links pass the model's rules ({seconds:.0f} s).")
    return seconds
