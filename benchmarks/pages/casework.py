"""Referrals, cases, assessments, plans and tasks for the people of ``make bench-people``, written with COPY.

A fifth of the children (``BENCH_PAGES_SHARE``) have a referral to a service that works with them: half are
accepted into a case (in every state, four in ten closed), the rest wait, are new, declined or redirected;
cases past the assessment have an approved assessment, cases in support an approved plan; one referral in
ten raises a concern of violence and so a coordination task. Each service has a social worker
(``bench-worker-<service id>``) who manages its cases. The rows are kept between runs (a marker notes which
load of the people they were made for) and never committed.
"""

import datetime
import random
import time
from collections.abc import Iterator
from typing import Any

import psycopg

from benchmarks.people.config import Config
from benchmarks.people.database import read_marker, reset_identity, write_marker

GENERATOR_VERSION = 2
MARKER = "pages_casework"
TABLES = [
    "cases_referral",
    "cases_referral_people",
    "cases_triagedecision",
    "cases_case",
    "cases_case_people",
    "cases_case_services",
    "cases_casetransition",
    "cases_assessment",
    "cases_supportplan",
    "cases_casetask",
]
NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
OPEN_FLOW = ["accepted", "assessment", "plan", "support"]
# Each referral's status, by where a random number in [0, 1) falls.
STATUSES = [("accepted", 0.5), ("waiting", 0.65), ("new", 0.8), ("declined", 0.9), ("redirected", 1.0)]
DECISIONS = {"accepted": "accept", "waiting": "waitlist", "declined": "decline", "redirected": "redirect"}


def signature(config: Config, share: float) -> dict[str, Any]:
    people = read_marker(config, "load") or {}
    return {"version": GENERATOR_VERSION, "share": share, "people_completed_at": people.get("completed_at")}


def ensure(config: Config, share: float) -> None:
    wanted = signature(config, share)
    marker = read_marker(config, MARKER)
    if marker is not None and {key: marker.get(key) for key in wanted} == wanted:
        print(f"Reusing the case work of {marker['completed_at']}: {marker['counts']} ({marker['seconds']:.0f} s).")
        return
    workers = _workers()
    started = time.perf_counter()
    with psycopg.connect(config.url) as connection:
        connection.execute("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE")
        counts = _write(connection, workers, share, random.Random(20261201))
        for table in TABLES:
            reset_identity(connection, table)
        connection.commit()
    with psycopg.connect(config.url, autocommit=True) as connection:
        for table in TABLES:
            connection.execute(f"VACUUM (ANALYZE) {table}")
    seconds = time.perf_counter() - started
    print(f"Case work written in {seconds:.0f} s: {counts}.")
    completed = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    write_marker(config, MARKER, {**wanted, "counts": counts, "seconds": seconds, "completed_at": completed})


def _workers() -> dict[int, int]:
    """Service id → the id of its benchmark social worker (made with the ORM: a few rows)."""
    from opora.accounts.models import User
    from opora.organisation.models import Membership, Role, Service

    workers = {}
    for service in Service.objects.all():
        user, created = User.objects.get_or_create(
            username=f"bench-worker-{service.pk}",
            defaults={
                "organisation_id": service.organisation_id,
                "first_name": "Работник",
                "last_name": str(service.pk),
            },
        )
        if created:
            Membership.objects.create(user=user, role=Role.SOCIAL_WORKER, service=service)
        workers[service.pk] = user.pk
    return workers


def _children(connection: psycopg.Connection[Any]) -> Iterator[tuple[int, int, str, int]]:
    """(child id, the first service working with the child, its municipality, its organisation)."""
    with connection.cursor(name="children") as cursor:
        cursor.itersize = 20000
        cursor.execute(
            "SELECT p.id, s.id, s.municipality, s.organisation_id FROM people_person p "
            "JOIN LATERAL (SELECT min(service_id) AS service_id FROM people_person_services "
            "WHERE person_id = p.id) f ON true "
            "JOIN organisation_service s ON s.id = f.service_id "
            "WHERE p.kind = 'child' AND p.merged_into_id IS NULL ORDER BY p.id"
        )
        yield from cursor


def _write(
    connection: psycopg.Connection[Any], workers: dict[int, int], share: float, rng: random.Random
) -> dict[str, int]:
    rows: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
    ids = dict.fromkeys(TABLES, 0)

    def add(table: str, **values: Any) -> int:
        ids[table] += 1
        rows[table].append({"id": ids[table], **values})
        return ids[table]

    for child, service, municipality, organisation in list(_children(connection)):
        if rng.random() >= share:
            continue
        worker = workers[service]
        received = NOW - datetime.timedelta(days=rng.uniform(0, 3 * 365))
        draw = rng.random()
        status = next(status for status, share_below in STATUSES if draw < share_below)
        violence = rng.random() < 0.1
        referral = add(
            "cases_referral", kind="referral", source="child_protection",
            referring_institution=f"ОЗД {municipality}", referring_person="", document_number="",
            received_at=received, reasons="Отсъства от училище, конфликти у дома.", urgent=rng.random() < 0.05,
            violence_concern=violence, child_alone=False, preliminary_assessment="",
            preliminary_assessment_file="", preliminary_assessment_filename="", home_municipality=municipality,
            from_other_municipality=False, status=status, recorded_at=received, recorded_by_id=worker,
            service_id=service, edit_version=1,
        )  # fmt: skip
        add("cases_referral_people", referral_id=referral, person_id=child)
        decided = received + datetime.timedelta(days=1)
        case = None
        if status == "accepted":
            state = "closed" if rng.random() < 0.4 else rng.choice(OPEN_FLOW)
            closed_at = decided + datetime.timedelta(days=rng.uniform(30, 300)) if state == "closed" else None
            outcome = "abandonment_prevented" if state == "closed" else ""
            case = add(
                "cases_case", state=state, from_other_municipality=False, opened_at=decided, closed_at=closed_at,
                case_manager_id=worker, organisation_id=organisation, referral_id=referral, outcome=outcome,
            )  # fmt: skip
            add("cases_case_people", case_id=case, person_id=child)
            add("cases_case_services", case_id=case, service_id=service)
            flow = OPEN_FLOW if state == "closed" else OPEN_FLOW[: OPEN_FLOW.index(state) + 1]
            previous = ""
            for step, to_state in enumerate([*flow, "closed"] if state == "closed" else flow):
                add(
                    "cases_casetransition", from_state=previous, to_state=to_state,
                    at=decided + datetime.timedelta(days=20 * step), reason="", override_reason="", by_id=worker,
                    case_id=case, outcome=outcome if to_state == "closed" else "",
                )  # fmt: skip
                previous = to_state
            if state != "accepted":
                approved = state != "assessment"
                approver = worker if approved else None
                assessment = add(
                    "cases_assessment", number=1, status="approved" if approved else "draft", edit_version=1,
                    created_at=decided, updated_at=decided, submitted_at=decided if approved else None,
                    approved_at=decided if approved else None, assessed_on=decided.date(), risk_level="medium",
                    summary="", children_views="", parents_participation="", professionals="",
                    approved_by_id=approver, case_id=case, created_by_id=worker, submitted_by_id=approver,
                    updated_by_id=worker,
                )  # fmt: skip
                if state in ("plan", "support", "closed"):
                    in_force = state != "plan"
                    approver = worker if in_force else None
                    add(
                        "cases_supportplan", number=1, status="approved" if in_force else "draft", edit_version=1,
                        created_at=decided, updated_at=decided, submitted_at=decided if in_force else None,
                        approved_at=decided if in_force else None, person_agreed=True, person_note="",
                        parents_agreed=None, parents_note="", contract_number="Д-1", contract_date=decided.date(),
                        contract_signed_by="Родител", approved_by_id=approver, assessment_id=assessment,
                        case_id=case, created_by_id=worker, submitted_by_id=approver, updated_by_id=worker,
                    )  # fmt: skip
        if status != "new":
            decision = DECISIONS[status]
            add(
                "cases_triagedecision", decision=decision, at=decided,
                decline_ground="not_target_group" if decision == "decline" else "",
                partner="Партньор" if decision == "redirect" else "", reason="", override_reason="",
                by_id=worker, case_id=case, referral_id=referral,
            )  # fmt: skip
        if violence:
            done = received < NOW - datetime.timedelta(days=30)
            add(
                "cases_casetask", kind="violence_coordination", title="Координация с ОЗД по сигнала за насилие",
                legal_source="ЗЗД, чл. 36г–36д", due_at=received + datetime.timedelta(hours=24), created_at=received,
                done_at=received + datetime.timedelta(hours=20) if done else None,
                done_note="Координирано." if done else "", assigned_to_id=worker, case_id=case,
                done_by_id=worker if done else None, service_id=service, referral_id=referral, immediate=False,
                signal_at=None, notified_at=None, notified_how="", notified_whom="",
            )  # fmt: skip
    for table in TABLES:
        _copy(connection, table, rows[table])
    return {table.removeprefix("cases_"): len(rows[table]) for table in TABLES}


def _copy(connection: psycopg.Connection[Any], table: str, rows: list[dict[str, Any]]) -> None:
    """COPY ``rows`` into ``table`` by column name; a column the model gained since this was written, that
    has no default in the database, stops the run with its name (rather than shifting every value)."""
    required = {
        name
        for name, nullable, default in connection.execute(
            "SELECT column_name, is_nullable, column_default FROM information_schema.columns WHERE table_name = %s",
            [table],
        )
        if nullable == "NO" and default is None
    }
    if not rows:
        return
    columns = list(rows[0])
    missing = sorted(required - set(columns) - {"id"})
    if missing:
        raise SystemExit(f"benchmarks/pages/casework.py writes no value for {table}.{', '.join(missing)}: add it.")
    with connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])
