"""Measure the people register on the benchmark's data, in one run.

- Timings (p50, p95, mean) of: exact ЕГН lookup through ``search_people`` as the organisation's
  administrator (so the real scoping runs); name search "first last" in Cyrillic, in Latin, with one typo,
  with two typos (in different words); ``duplicate_candidates`` for new registrations.
- Duplicate detection: existing children registered again without their ЕГН, with the same birth date
  and a disguised name (typos, Latin spellings, first and last name swapped, combinations): recall = the
  share whose original is among the top 5 candidates; precision of the top 5 = correct candidates / all
  candidates returned. And genuinely new people: how many get any candidate at all.

Every query set is drawn with a fixed seed from the data itself (identifiers decrypted with the
configured keys), so two runs on the same database ask the same questions. A warm-up of other queries
of each kind runs first and is not counted.
"""

import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from benchmarks.people import disguise, habits, names
from benchmarks.people.config import Config
from benchmarks.people.database import read_marker
from benchmarks.people.generate import ADMIN_USERNAME, FIRST_BIRTH, LAST_BIRTH, ORGANISATION_NAME
from opora.accounts.models import User
from opora.core.transliteration import search_key, transliterate
from opora.organisation.models import Organisation
from opora.people.models import IdentityKind, Person, PersonKind
from opora.people.search import duplicate_candidates, search_people

TOP = 5
REPORTED_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "random_page_cost",
    "jit",
    "max_parallel_workers_per_gather",
)

# The targets of the issue; machine speed cancels out of the ratio, not of the absolute limits.
TARGET_NAME_RATIO = 10.0
TARGET_NAME_P95_MS = 100.0
TARGET_DUPLICATES_P95_MS = 50.0
TARGET_RECALL = 0.97
TARGET_PRECISION = 0.90

NAME_KINDS = {
    "cyrillic": "name, Cyrillic",
    "latin": "name, Latin",
    "one_typo": "name, one typo",
    "two_typos": "name, two typos",
    # Issue 8: Latin spelling habits ("Alex" for Aleks), and a name with the big city the person lives in.
    "latin_habits": "name, Latin habits",
    "big_city": "name and a big city",
}
# The settlements of the big-city queries (most of the register lives there, so a city narrows little).
BIG_CITIES = ("София", "Пловдив", "Варна", "Русе")
DISGUISES = {
    "typo": "one typo (first or last name)",
    "two_typos": "typos in first and last name",
    "latin": "Latin, Transliteration Act",
    "latin_other": "Latin, another spelling",
    "latin_typo": "Latin with a typo",
    "swapped": "first and last name swapped",
    "swapped_typo": "swapped, with a typo",
    # Slips the generator never makes (issue 8): the birth date, and a surname added.
    "day_off": "birth date a day off, no father's name",
    "day_off_father": "birth date a day off, father's name",
    "day_month_swapped": "day and month swapped, no father's name",
    "double_surname": "a second surname added (Иванова-Колева)",
    "search_box_day_off": "search box: name and a date a day off",
}
# The name kinds of issue 8, drawn after the others with a generator of their own.
_LATER = ("latin_habits", "big_city")
# The kinds whose birth date is typed wrong, and how.
_FATHER = {"day_off": False, "day_off_father": True, "day_month_swapped": False}


# --- Timing ----------------------------------------------------------------------------------------------------


@dataclass
class Timings:
    """Milliseconds and SQL statements of each measured call."""

    label: str
    milliseconds: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    found: list[bool] = field(default_factory=list)

    def merge(self, other: "Timings", *, first: bool) -> None:
        """Add another round's times; whether found is the first round's (the same queries again)."""
        self.milliseconds += other.milliseconds
        self.statements += other.statements
        if first:
            self.found += other.found

    def summary(self) -> dict[str, Any]:
        values = self.milliseconds
        return {
            "label": self.label,
            "n": len(values),
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
            "mean_ms": sum(values) / len(values) if values else 0.0,
            "max_ms": max(values, default=0.0),
            "sql_per_call": sum(self.statements) / len(self.statements) if self.statements else 0.0,
            "found": sum(self.found) / len(self.found) if self.found else None,
        }


def percentile(values: list[float], share: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * share / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@contextmanager
def counting_statements() -> Iterator[list[int]]:
    counter = [0]

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        counter[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def timed[T](call: Callable[[], T], timings: Timings | None) -> T:
    with counting_statements() as counter:
        started = time.perf_counter()
        result = call()
        elapsed = (time.perf_counter() - started) * 1000
    if timings is not None:
        timings.milliseconds.append(elapsed)
        timings.statements.append(counter[0])
    return result


# --- Drawing people from the data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sampled:
    pk: int
    kind: str
    first: str
    middle: str
    last: str
    first_latin: str
    last_latin: str
    birth_date: datetime.date | None
    identity_kind: str
    identifier_encrypted: str
    settlement: str | None


FIELDS = (
    "pk",
    "kind",
    "first_name",
    "middle_name",
    "last_name",
    "first_name_latin",
    "last_name_latin",
    "birth_date",
    "identity_kind",
    "identifier_encrypted",
    "settlement__name",
)


def draw(rng: random.Random, count: int, accept: Callable[[Sampled], bool], taken: set[int]) -> list[Sampled]:
    """``count`` people chosen at random by id among those ``accept`` takes, none of them in ``taken``."""
    last = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    chosen: list[Sampled] = []
    for _round in range(1000):
        if len(chosen) >= count:
            break
        batch = sorted({rng.randint(1, last) for _ in range(max(200, 2 * (count - len(chosen))))} - taken)
        rows = {row[0]: Sampled(*row) for row in Person.objects.filter(pk__in=batch).values_list(*FIELDS)}
        for pk in batch:  # in the drawn order, not the database's, so the result depends only on the seed
            person = rows.get(pk)
            if person is not None and person.pk not in taken and accept(person) and len(chosen) < count:
                chosen.append(person)
                taken.add(person.pk)
    if len(chosen) < count:
        raise SystemExit(f"Only {len(chosen)} of the {count} people wanted were found in the data.")
    return chosen


def named(person: Sampled) -> bool:
    return bool(person.first and person.last) and person.kind != PersonKind.UNBORN


def in_a_big_city(person: Sampled) -> bool:
    return named(person) and person.settlement in BIG_CITIES


def named_child(person: Sampled) -> bool:
    return named(person) and person.kind == PersonKind.CHILD and person.birth_date is not None


# --- The measured runs ---------------------------------------------------------------------------------------------


@dataclass
class DuplicateResult:
    kind: str
    found_at: int | None  # 1-based rank of the original among the candidates, or None
    candidates: int


def exact_lookups(user: User, people: list[Sampled], timings: Timings | None) -> None:
    for person in people:
        number = Person(identifier_encrypted=person.identifier_encrypted).identifier
        found = timed(partial(search_people, user, number), timings)
        if timings is not None:
            timings.found.append(any(result.pk == person.pk for result in found))


def name_queries(people: list[Sampled], kind: str, rng: random.Random) -> list[tuple[Sampled, str]]:
    queries = []
    for person in people:
        first, last = person.first, person.last
        if kind == "latin":
            first, last = person.first_latin, person.last_latin
        elif kind == "one_typo":
            if rng.random() < 0.5:
                first = disguise.typo(first, rng)
            else:
                last = disguise.typo(last, rng)
        elif kind == "two_typos":
            first, last = disguise.typo(first, rng), disguise.typo(last, rng)
        elif kind == "latin_habits":
            first, last = habits.respell(first, rng), habits.respell(last, rng)
        queries.append((person, f"{first} {last}"))
    return queries


def big_city_queries(people: list[Sampled]) -> list[tuple[Sampled, str]]:
    """ "Мария Иванова Пловдив" and "Georgi Dimitrov Varna", in turn: a name and the city the person lives in."""
    queries = []
    for index, person in enumerate(people):
        assert person.settlement is not None
        if index % 2:
            text = f"{person.first_latin} {person.last_latin} {transliterate(person.settlement)}"
        else:
            text = f"{person.first} {person.last} {person.settlement}"
        queries.append((person, text))
    return queries


def name_searches(user: User, queries: list[tuple[Sampled, str]], timings: Timings | None) -> None:
    for person, text in queries:
        found = timed(partial(search_people, user, text), timings)
        if timings is not None:
            timings.found.append(any(result.pk == person.pk for result in found))


def interleaved(
    user: User, with_egn: list[Sampled], queries: dict[str, list[tuple[Sampled, str]]]
) -> tuple[Timings, dict[str, Timings]]:
    """One round: an exact lookup, then one name query of each kind, and again, so that a burst of load
    from outside falls on every kind alike and cancels out of their ratio."""
    exact = Timings("exact ЕГН lookup")
    by_kind = {kind: Timings(label) for kind, label in NAME_KINDS.items()}
    for index, person in enumerate(with_egn):
        exact_lookups(user, [person], exact)
        for kind, timings in by_kind.items():
            name_searches(user, queries[kind][index : index + 1], timings)
    return exact, by_kind


def worst_ratio(exact: Timings, by_kind: dict[str, Timings]) -> float:
    """The worst kind's name search p95 over the exact lookup's p95, in one round."""
    exact_p95 = percentile(exact.milliseconds, 95)
    worst = max(percentile(timings.milliseconds, 95) for timings in by_kind.values())
    return worst / exact_p95 if exact_p95 else 0.0


def namesakes_below_limit(
    organisation: Organisation, people: list[Sampled], limit: int = 50, *, in_settlement: bool = False
) -> list[bool]:
    """Whether fewer than ``limit`` people bear every word of each one's "first last" (in any of their names:
    "Георги Иванов" is also every Георги whose father is Иван), and with ``in_settlement`` live where the
    person lives. Then a search for the name can show them all, and missing the person is the search's
    fault, not the length of the page."""
    flags = []
    with connection.cursor() as cursor:
        for person in people:
            words = search_key(f"{person.first} {person.last}").split()
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM people_person WHERE organisation_id = %s "
                "AND string_to_array(search_key, ' ') @> %s::text[] "
                "AND (NOT %s OR settlement_id = (SELECT settlement_id FROM people_person WHERE id = %s)) "
                "LIMIT %s) AS bearing",
                [organisation.pk, words, in_settlement, person.pk, limit],
            )
            row = cursor.fetchone()
            flags.append(row is not None and row[0] < limit)
    return flags


@dataclass
class Registration:
    """What a worker types for a new registration (never an ЕГН here)."""

    kind: str
    first: str
    middle: str
    last: str
    birth_date: datetime.date | None
    original: int | None


def disguised(person: Sampled, kind: str, rng: random.Random) -> Registration:
    first, middle, last = person.first, person.middle if rng.random() < 0.7 else "", person.last
    if kind == "typo":
        if rng.random() < 0.5:
            first = disguise.typo(first, rng)
        else:
            last = disguise.typo(last, rng)
    elif kind == "two_typos":
        first, last = disguise.typo(first, rng), disguise.typo(last, rng)
    elif kind in ("latin", "latin_typo"):
        first, middle, last = transliterate(first), transliterate(middle), transliterate(last)
        if kind == "latin_typo":
            if rng.random() < 0.5:
                first = disguise.typo(first, rng)
            else:
                last = disguise.typo(last, rng)
    elif kind == "latin_other":
        first, middle, last = (disguise.latin_variant(part, rng) for part in (first, middle, last))
    elif kind in ("swapped", "swapped_typo"):
        first, last = last, first
        if kind == "swapped_typo":
            if rng.random() < 0.5:
                first = disguise.typo(first, rng)
            else:
                last = disguise.typo(last, rng)
    born = person.birth_date
    if kind in _FATHER or kind == "search_box_day_off":
        assert born is not None
        middle = person.middle if _FATHER.get(kind) else ""
        if kind == "day_month_swapped":
            born = born.replace(month=born.day, day=born.month)
        else:
            born += datetime.timedelta(days=rng.choice((-1, 1)))
    elif kind == "double_surname":
        last = f"{last}-{_weighted(names.SURNAMES, rng)}"
        if person.last.endswith("а"):
            last = names.female_surname(last)
    return Registration(kind, first, middle, last, born, person.pk)


def _swappable(person: Sampled) -> bool:
    """Whether the birth date's day can be a month (and is not the month itself)."""
    return (
        person.birth_date is not None
        and person.birth_date.day <= 12
        and person.birth_date.day != person.birth_date.month
    )


def disguised_registrations(count: int, rng: random.Random, taken: set[int]) -> list[Registration]:
    """``count`` disguised re-registrations of existing children, the kinds in turn."""
    kinds = list(DISGUISES)
    wanted = {kind: count // len(kinds) + (1 if index < count % len(kinds) else 0) for index, kind in enumerate(kinds)}
    registrations = []
    for kind in kinds:

        def accept(person: Sampled, kind: str = kind) -> bool:
            if not named_child(person):
                return False
            if kind == "day_month_swapped":
                return _swappable(person)
            return kind != "latin_other" or disguise.has_latin_variant(person.first + person.last)

        registrations += [disguised(person, kind, rng) for person in draw(rng, wanted[kind], accept, taken)]
    rng.shuffle(registrations)
    return registrations


def new_registrations(organisation: Organisation, count: int, rng: random.Random) -> list[Registration]:
    """People who are not in the register: names from the same lists, no one of that name born that day."""
    boys = [(name, weight) for name, weight in names.CHILD_MALE]
    girls = [(name, weight) for name, weight in names.CHILD_FEMALE]
    fathers = [(patronymic, weight) for _name, weight, patronymic in names.ADULT_MALE]
    registrations: list[Registration] = []
    span = (LAST_BIRTH - FIRST_BIRTH).days
    while len(registrations) < count:
        male = rng.random() < 0.515
        first = _weighted(boys if male else girls, rng)
        middle = _weighted(fathers, rng)
        last = _weighted(names.SURNAMES, rng)
        if not male:
            middle, last = names.female_surname(middle), names.female_surname(last)
        born = FIRST_BIRTH + datetime.timedelta(days=rng.randrange(span + 1))
        exists = Person.objects.filter(
            organisation=organisation, birth_date=born, first_name__in=[first, last], last_name__in=[first, last]
        )
        if not exists.exists():
            registrations.append(Registration("new", first, middle, last, born, None))
    return registrations


def _weighted(weighted: list[tuple[str, int]], rng: random.Random) -> str:
    return rng.choices([value for value, _weight in weighted], weights=[weight for _value, weight in weighted])[0]


def check_duplicates(
    organisation: Organisation, registrations: list[Registration], timings: Timings | None
) -> list[DuplicateResult]:
    results = []
    for registration in registrations:
        if registration.kind == "search_box_day_off":
            results.append(_search_box(organisation, registration))
            continue
        call = partial(
            duplicate_candidates,
            organisation,
            first_name=registration.first,
            last_name=registration.last,
            middle_name=registration.middle,
            birth_date=registration.birth_date,
            limit=TOP,
        )
        candidates = timed(call, timings)
        pks = [person.pk for person, _score, _reasons in candidates[:TOP]]
        rank = pks.index(registration.original) + 1 if registration.original in pks else None
        results.append(DuplicateResult(registration.kind, rank, len(pks)))
    return results


def _search_box(organisation: Organisation, registration: Registration) -> DuplicateResult:
    """The one box, as a worker checks before registering: "first last DD.MM.YYYY" (not timed with the
    duplicate check, which it is not)."""
    user = User.objects.get(organisation=organisation, username=ADMIN_USERNAME)
    assert registration.birth_date is not None
    text = f"{registration.first} {registration.last} {registration.birth_date:%d.%m.%Y}"
    pks = [person.pk for person in search_people(user, text, limit=TOP)]
    rank = pks.index(registration.original) + 1 if registration.original in pks else None
    return DuplicateResult(registration.kind, rank, len(pks))


def duplicate_quality(results: list[DuplicateResult]) -> dict[str, Any]:
    total = len(results)
    found = sum(1 for result in results if result.found_at is not None)
    returned = sum(result.candidates for result in results)
    answered = sum(1 for result in results if result.candidates)
    first = sum(1 for result in results if result.found_at == 1)
    return {
        "n": total,
        "recall_at_5": found / total if total else 0.0,
        "precision_at_5": found / returned if returned else 0.0,
        "precision_at_1": first / answered if answered else 0.0,
        "top_1": first / total if total else 0.0,
        "candidates_per_query": returned / total if total else 0.0,
    }


# --- The run ---------------------------------------------------------------------------------------------------------


def run(config: Config) -> int:
    organisation = Organisation.objects.get(name=ORGANISATION_NAME)
    user = User.objects.get(username=ADMIN_USERNAME)
    rng = random.Random(config.seed + 2)
    taken: set[int] = set()
    total = config.warmup + config.queries

    print("Drawing the query sets from the data…", flush=True)
    with_egn = draw(rng, total, lambda person: person.identity_kind == IdentityKind.EGN, taken)
    for_names = draw(rng, total, named, taken)
    queries = {kind: name_queries(for_names, kind, rng) for kind in NAME_KINDS if kind not in _LATER}
    duplicate_set = disguised_registrations(config.duplicates, rng, taken)
    warmup_duplicates = disguised_registrations(config.warmup, rng, taken)
    new_set = new_registrations(organisation, config.new_people, rng)
    # The kinds of issue 8 draw with a generator of their own, so that the sets above stay what they were.
    later = random.Random(config.seed + 3)
    queries["latin_habits"] = name_queries(for_names, "latin_habits", later)
    queries["big_city"] = big_city_queries(draw(later, total, in_a_big_city, taken))
    names_below_limit = namesakes_below_limit(organisation, for_names[config.warmup :])
    below_limit = dict.fromkeys(NAME_KINDS, names_below_limit)
    below_limit["big_city"] = namesakes_below_limit(
        organisation, [person for person, _text in queries["big_city"][config.warmup :]], in_settlement=True
    )

    print("Warming up…", flush=True)
    exact_lookups(user, with_egn[: config.warmup], None)
    for kind in NAME_KINDS:
        name_searches(user, queries[kind][: config.warmup], None)
    check_duplicates(organisation, warmup_duplicates, None)

    print("Measuring…", flush=True)
    exact = Timings("exact ЕГН lookup")
    by_kind = {kind: Timings(label) for kind, label in NAME_KINDS.items()}
    round_ratios = []
    for _round in range(config.rounds):
        in_round = interleaved(user, with_egn[config.warmup :], {k: q[config.warmup :] for k, q in queries.items()})
        round_exact, round_kinds = in_round
        round_ratios.append(worst_ratio(round_exact, round_kinds))
        exact.merge(round_exact, first=not _round)
        for kind, timings in round_kinds.items():
            by_kind[kind].merge(timings, first=not _round)
    _done(exact)
    for timings in by_kind.values():
        _done(timings)
    all_names = Timings("name, all four kinds")
    for timings in by_kind.values():
        all_names.milliseconds += timings.milliseconds
        all_names.statements += timings.statements
        all_names.found += timings.found
    disguised_timings = Timings("duplicates, disguised")
    duplicate_results = check_duplicates(organisation, duplicate_set, disguised_timings)
    _done(disguised_timings)
    new_timings = Timings("duplicates, new people")
    new_results = check_duplicates(organisation, new_set, new_timings)
    _done(new_timings)
    all_duplicates = Timings("duplicates, all")
    all_duplicates.milliseconds = disguised_timings.milliseconds + new_timings.milliseconds
    all_duplicates.statements = disguised_timings.statements + new_timings.statements

    timing_rows = [exact, *by_kind.values(), all_names, disguised_timings, new_timings, all_duplicates]
    report = build_report(config, timing_rows, by_kind, below_limit, duplicate_results, new_results, round_ratios)
    print_report(report)
    path = write_report(config, report)
    print(f"\nWritten to {path}")
    return 0 if all(target["pass"] for target in report["targets"]) else 1


def _done(timings: Timings) -> None:
    print(f"  {timings.label}: {len(timings.milliseconds)} in {sum(timings.milliseconds) / 1000:.1f} s", flush=True)


def build_report(
    config: Config,
    timing_rows: list[Timings],
    by_kind: dict[str, Timings],
    below_limit: dict[str, list[bool]],
    duplicate_results: list[DuplicateResult],
    new_results: list[DuplicateResult],
    round_ratios: list[float],
) -> dict[str, Any]:
    summaries = [timings.summary() for timings in timing_rows]
    exact_p95 = summaries[0]["p95_ms"]
    for summary in summaries:
        summary["ratio_to_exact_p95"] = summary["p95_ms"] / exact_p95 if exact_p95 else None
    for kind, timings in by_kind.items():
        summary = next(row for row in summaries if row["label"] == timings.label)
        found_where_possible = [hit for hit, possible in zip(timings.found, below_limit[kind], strict=True) if possible]
        summary["found_below_50_namesakes"] = (
            sum(found_where_possible) / len(found_where_possible) if found_where_possible else None
        )
        summary["kind"] = kind
    # "all" is the duplicate check's; the search box's row is beside it, not in it.
    checked = [result for result in duplicate_results if not result.kind.startswith("search_box")]
    quality = {"all": duplicate_quality(checked)}
    for kind, label in DISGUISES.items():
        quality[kind] = {"label": label, **duplicate_quality([r for r in duplicate_results if r.kind == kind])}
    with_candidates = sum(1 for result in new_results if result.candidates)
    new_people = {
        "n": len(new_results),
        "with_any_candidate": with_candidates,
        "share_with_any_candidate": with_candidates / len(new_results) if new_results else 0.0,
        "candidates_per_query": sum(r.candidates for r in new_results) / len(new_results) if new_results else 0.0,
    }
    worst_name = max((row for row in summaries if "kind" in row), key=lambda row: row["p95_ms"])
    duplicates_all = summaries[-1]
    targets = [
        _target(
            f"name search p95 / exact p95, median of {len(round_ratios)} interleaved rounds",
            statistics.median(round_ratios),
            "≤",
            TARGET_NAME_RATIO,
            "×",
        ),
        _target(
            f"name search p95 (worst: {worst_name['label']})", worst_name["p95_ms"], "<", TARGET_NAME_P95_MS, " ms"
        ),
        _target("duplicate candidates p95", duplicates_all["p95_ms"], "<", TARGET_DUPLICATES_P95_MS, " ms"),
        _target("recall (original in the top 5)", quality["all"]["recall_at_5"], "≥", TARGET_RECALL, ""),
        _target("precision of the top 5", quality["all"]["precision_at_5"], "≥", TARGET_PRECISION, ""),
    ]
    return {
        "benchmark": "people",
        "run_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "config": {
            "children": config.children,
            "seed": config.seed,
            "database": config.database,
            "queries_per_kind": config.queries,
            "warmup_per_kind": config.warmup,
            "disguised_duplicates": config.duplicates,
            "new_people": config.new_people,
        },
        "environment": environment(),
        "data": data_description(config),
        "timings": summaries,
        "duplicates": quality,
        "new_people": new_people,
        "targets": targets,
        "name_ratio_rounds": round_ratios,
    }


def _target(label: str, value: float, comparison: str, limit: float, unit: str) -> dict[str, Any]:
    passed = {"≤": value <= limit, "<": value < limit, "≥": value >= limit}[comparison]
    return {"target": label, "value": value, "comparison": comparison, "limit": limit, "unit": unit, "pass": passed}


def environment() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute(
            "SELECT name, current_setting(name) FROM unnest(%s::text[]) AS name",
            [list(REPORTED_SETTINGS)],
        )
        pg_settings = dict(cursor.fetchall())
    return {
        "postgresql": version,
        "postgresql_settings": pg_settings,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_changed_files": len((_git("status", "--porcelain") or "").splitlines()),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=True, cwd=settings.BASE_DIR)  # noqa: S603, S607
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def data_description(config: Config) -> dict[str, Any]:
    marker = read_marker(config, "load") or {}
    index = read_marker(config, "search_index") or {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database()), pg_total_relation_size('people_person')")
        database_bytes, person_bytes = cursor.fetchone()
    return {
        "counts": marker.get("counts"),
        "build_seconds": marker.get("timings"),
        "built_at": marker.get("completed_at"),
        "search_index_seconds": index.get("seconds"),
        "database_bytes": database_bytes,
        "people_person_bytes": person_bytes,
    }


def print_report(report: dict[str, Any]) -> None:
    data = report["data"]
    counts = data["counts"] or {}
    env = report["environment"]
    print()
    print(
        f"People benchmark: {counts.get('children', 0):,} children, {counts.get('people', 0):,} people, "
        f"PostgreSQL {env['postgresql']}, {env['cpus']} CPUs ({env['cpu']})"
    )
    print()
    header = (
        f"{'query':<26}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'max ms':>9}"
        f"{'p95/exact':>11}{'SQL':>6}{'found':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in report["timings"]:
        ratio = row["ratio_to_exact_p95"]
        found = "" if row["found"] is None else f"{row['found'] * 100:.0f}%"
        print(
            f"{row['label']:<26}{row['n']:>6}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['mean_ms']:>9.1f}"
            f"{row['max_ms']:>9.1f}{'' if ratio is None else f'{ratio:.1f}×':>11}{row['sql_per_call']:>6.1f}{found:>8}"
        )
    namesakes = [row for row in report["timings"] if row.get("found_below_50_namesakes") is not None]
    if namesakes:
        shares = ", ".join(f"{row['label']} {row['found_below_50_namesakes'] * 100:.0f}%" for row in namesakes)
        print(f"found = the person is among the 50 results; where fewer than 50 bear both words of the name: {shares}")
    print()
    print(f"{'duplicates (no ЕГН)':<38}{'n':>6}{'recall@5':>10}{'prec@5':>9}{'prec@1':>9}{'cand/q':>8}")
    for kind, row in report["duplicates"].items():
        label = "all disguised" if kind == "all" else row["label"]
        print(
            f"{label:<38}{row['n']:>6}{row['recall_at_5']:>10.3f}{row['precision_at_5']:>9.3f}"
            f"{row['precision_at_1']:>9.3f}{row['candidates_per_query']:>8.2f}"
        )
    new = report["new_people"]
    print(
        f"new people (not in the register): {new['with_any_candidate']} of {new['n']} "
        f"({new['share_with_any_candidate'] * 100:.1f}%) got a candidate; {new['candidates_per_query']:.2f} per query"
    )
    print()
    rounds = ", ".join(f"{ratio:.1f}×" for ratio in report["name_ratio_rounds"])
    print(f"name search p95 / exact p95 in each interleaved round: {rounds}")
    print()
    print(f"{'target':<58}{'value':>12}  {'limit':<12}result")
    for target in report["targets"]:
        value = f"{target['value']:.3f}" if not target["unit"] else f"{target['value']:.1f}{target['unit']}"
        limit = f"{target['comparison']} {target['limit']:g}{target['unit']}"
        print(f"{target['target']:<58}{value:>12}  {limit:<12}{'PASS' if target['pass'] else 'FAIL'}")


def write_report(config: Config, report: dict[str, Any]) -> Path:
    directory = Path(settings.VAR_DIR) / "bench"
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    path = directory / f"people-{config.children}-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return path
