"""The rule engine: from the facts of a case (its state and the times of its moves) or of an intake task, and
the organisation's values of the time limits, the items that are due, when, under which source, and whose.

Pure: no database, no clock. ``opora.deadlines.selectors`` reads the facts and passes ``now``.

Periods in days and months are counted on the calendar of Europe/Sofia (the project's time zone): the day the
period starts from is not counted, and the limit ends with its last day, as Bulgarian law counts terms. A
period in hours runs from the minute.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.utils import timezone

from opora.cases.casework.models import CaseState
from opora.deadlines.rules import DEFINITIONS, Anchor, PeriodUnit, RuleDefinition
from opora.organisation.models import ServiceKind


@dataclass(frozen=True)
class RuleValue:
    """An organisation's value of a time limit (its ``DeadlineRule``, or the default)."""

    code: str
    amount: int
    counts_from: str
    is_active: bool = True

    @property
    def definition(self) -> RuleDefinition:
        return DEFINITIONS[self.code]

    @property
    def unit(self) -> str:
        return self.definition.unit


def default_values() -> dict[str, RuleValue]:
    """Every time limit at its default."""
    return {
        code: RuleValue(code=code, amount=definition.default_amount, counts_from=definition.default_anchor)
        for code, definition in DEFINITIONS.items()
    }


@dataclass(frozen=True)
class CaseFacts:
    """What the engine needs to know about a case. ``moves`` are its transitions, oldest first, as
    (state moved to, when). ``last_review_at``: the day of the plan's last review (``PlanReview``), if any.
    ``kind``: general-access when every service of the case is (``case_kind``), else specialised."""

    case_id: int
    state: str
    manager_id: int
    service_ids: tuple[int, ...]
    moves: tuple[tuple[str, datetime.datetime], ...]
    referral_received_at: datetime.datetime | None = None
    last_review_at: datetime.datetime | None = None
    kind: str = ServiceKind.SPECIALISED


def case_kind(service_kinds: list[str]) -> str:
    """A case is general-access when every service of it is: one specialised service asks the case for what
    the law asks of specialised services (ЗСУ чл. 80)."""
    if service_kinds and all(kind == ServiceKind.GENERAL_ACCESS for kind in service_kinds):
        return ServiceKind.GENERAL_ACCESS
    return ServiceKind.SPECIALISED


@dataclass(frozen=True)
class TaskFacts:
    """An intake task of ``opora.cases`` (a ``CaseTask`` not yet done): its due time was set by its rule."""

    task_id: int
    code: str
    title: str
    legal_source: str
    due_at: datetime.datetime
    service_id: int
    assigned_to_id: int | None
    case_id: int | None
    referral_id: int | None
    case_manager_id: int | None = None
    signal_at: datetime.datetime | None = None
    immediate: bool = False


@dataclass(frozen=True)
class DueItem:
    """Something due: what, by when, under which source, for which case or referral, and whose (the people
    responsible and the services it belongs to). ``key`` names the item for notifications: a rule's item is
    keyed by its due day, so that a changed limit or a new cycle is a new item."""

    key: str
    code: str
    title: str
    due_at: datetime.datetime
    whole_day: bool
    legal_source: str
    overdue: bool
    service_ids: tuple[int, ...]
    responsible_ids: tuple[int, ...]
    case_id: int | None = None
    referral_id: int | None = None
    task_id: int | None = None
    # Due at once by law (``due_at`` is then the end of the grace), and when the signal came.
    immediate: bool = False
    signal_at: datetime.datetime | None = None
    # From when My tasks and the notifications show it (None: all along); the case page shows it all along.
    shown_from: datetime.datetime | None = None

    def is_shown(self, now: datetime.datetime) -> bool:
        return self.shown_from is None or self.shown_from <= now

    def due_within(self, now: datetime.datetime, lead: datetime.timedelta) -> bool:
        return self.due_at <= now + lead


# --- Calendar arithmetic ------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved ``months`` on; a day the month does not have becomes its last (31 August + 6 months is
    28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_day(moment: datetime.datetime) -> datetime.date:
    """The date of ``moment`` in Europe/Sofia, whatever time zone the request has activated."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last moment of ``day`` in Europe/Sofia (aware)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max), timezone.get_default_timezone())


def due_after(start: datetime.datetime, amount: int, unit: str) -> datetime.datetime:
    """When a period of ``amount`` ``unit`` that started at ``start`` ends."""
    if unit == PeriodUnit.HOURS:
        return start + datetime.timedelta(hours=amount)
    # The day is the local one: a case accepted at 01:30 in Sofia (23:30 UTC the day before) starts its
    # count on the Sofia date.
    first_day = local_day(start)
    if unit == PeriodUnit.DAYS:
        return end_of_day(first_day + datetime.timedelta(days=amount))
    return end_of_day(add_months(first_day, amount))


# --- A case's items -----------------------------------------------------------------------------------


def _last_move(
    facts: CaseFacts, states: tuple[str, ...], since: datetime.datetime | None = None
) -> datetime.datetime | None:
    times = [at for state, at in facts.moves if state in states and (since is None or at >= since)]
    return max(times) if times else None


def anchor_time(facts: CaseFacts, anchor: str) -> datetime.datetime | None:
    """When ``anchor`` happened in the case's current episode (since it was accepted or last reopened), or
    None if it has not happened yet."""
    episode = _last_move(facts, (CaseState.ACCEPTED, CaseState.REOPENED))
    if anchor == Anchor.CASE_ACCEPTED:
        return episode
    if anchor == Anchor.REFERRAL_RECEIVED:
        reopened = any(state == CaseState.REOPENED for state, _at in facts.moves)
        # A reopened case starts again from the reopening: the old referral's day would make it late at once.
        if reopened or facts.referral_received_at is None:
            return episode
        return facts.referral_received_at
    if anchor == Anchor.ASSESSMENT_STARTED:
        return _last_move(facts, (CaseState.ASSESSMENT,), episode)
    if anchor == Anchor.ASSESSMENT_COMPLETED:
        return _last_move(facts, (CaseState.PLAN,), episode)
    if anchor == Anchor.SUPPORT_STARTED:
        started = _last_move(facts, (CaseState.SUPPORT,), episode)
        if started is not None and facts.last_review_at is not None and facts.last_review_at > started:
            return facts.last_review_at
        return started
    return None


def rule_title_and_source(code: str) -> tuple[str, str]:
    """The title and the source of a limit, in the active language."""
    definition = DEFINITIONS[code]
    return definition.name, str(definition.legal_source)


def case_items(facts: CaseFacts, values: dict[str, RuleValue], now: datetime.datetime) -> list[DueItem]:
    """The items due in the case now, the earliest first."""
    items = []
    for value in values.values():
        definition = value.definition
        runs = facts.state in definition.pending_in and facts.kind in definition.service_kinds
        if not value.is_active or not runs:
            continue
        start = anchor_time(facts, value.counts_from)
        if start is None:
            continue
        due_at = due_after(start, value.amount, definition.unit)
        title, source = rule_title_and_source(value.code)
        items.append(
            DueItem(
                key=f"case:{facts.case_id}:{value.code}:{local_day(due_at):%Y-%m-%d}",
                code=value.code,
                title=title,
                due_at=due_at,
                whole_day=definition.unit != PeriodUnit.HOURS,
                legal_source=source,
                overdue=due_at < now,
                service_ids=facts.service_ids,
                responsible_ids=(facts.manager_id,),
                case_id=facts.case_id,
                shown_from=None if definition.shown_before is None else due_at - definition.shown_before,
            )
        )
    return sorted(items, key=lambda item: (item.due_at, item.key))


def task_item(facts: TaskFacts, now: datetime.datetime) -> DueItem:
    """An intake task as a due item. Its due time was set by its rule of law when the referral was recorded;
    it is the assignee's, or else the case manager's."""
    responsible = facts.assigned_to_id or facts.case_manager_id
    return DueItem(
        key=f"task:{facts.task_id}",
        code=facts.code,
        title=facts.title,
        due_at=facts.due_at,
        whole_day=False,
        legal_source=facts.legal_source,
        overdue=facts.due_at < now,
        service_ids=(facts.service_id,),
        responsible_ids=(responsible,) if responsible else (),
        case_id=facts.case_id,
        referral_id=facts.referral_id,
        task_id=facts.task_id,
        immediate=facts.immediate,
        signal_at=facts.signal_at,
    )


def by_due_date(items: list[DueItem]) -> list[DueItem]:
    return sorted(items, key=lambda item: (item.due_at, item.key))
