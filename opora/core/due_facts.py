"""The contract between the app that keeps the time limits (``opora.deadlines``) and the app whose records they
run on (``opora.cases``), so that neither imports the other.

Only types and registries live here, no rule: the facts the rule engine counts from (``CaseFacts``,
``TaskFacts``, ``ReferralFacts``), how a list row names a record (``RecordLabel``), what a provider of
facts answers (``DueFactsProvider``), and four meeting points:

- ``register_due_facts_provider(provider)``: the app that owns cases and tasks says where their facts are read
  (from its ``AppConfig.ready()``); ``due_facts_provider()`` is that provider. ``on_due_facts_changed(callback)``:
  the app that stores due items asks to be told when facts change; the provider is ``connect``-ed to every such
  callback, whichever of the two apps is ready first.
- ``referral_recorded``: the signal intake sends when a referral is recorded or corrected (the tasks of law it
  starts are the time limits' rules).
- ``show_on_case_page(part)`` / ``on_case_page_part(callback)``: what the time limits show on a case's page
  (the next due dates, the plan's next review date), handed to the app that draws the page, again whichever
  is ready first.
- ``count_due_per_service(counter)`` / ``due_per_service(...)``: what the time limits count per service (past
  their time; plans late), for the start page's table of services drawn by the app that owns cases.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import QuerySet
from django.dispatch import Signal
from django.http import HttpRequest
from django.urls import reverse

# --- Facts ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What the engine needs to know about a case, as facts rather than its owner's states.

    ``is_open``: not closed. ``accepted_at``: when the current episode started (the case was accepted, or last
    reopened; ``reopened`` says whether it ever was). Within that episode: ``assessment_started_at`` (the needs
    assessment started), ``assessment_approved_at`` (it was completed: the plan started), ``plan_approved_at``
    (support started under the approved plan); None while it has not happened. ``last_review_at``: the start of
    the day of the plan's last review, if any. ``general_access``: every service of the case is a
    general-access one (ЗСУ чл. 80 asks more of a specialised one)."""

    case_id: int
    organisation_id: int
    is_open: bool
    manager_id: int | None
    service_ids: tuple[int, ...]
    general_access: bool = False
    accepted_at: datetime.datetime | None = None
    reopened: bool = False
    referral_received_at: datetime.datetime | None = None
    assessment_started_at: datetime.datetime | None = None
    assessment_approved_at: datetime.datetime | None = None
    plan_approved_at: datetime.datetime | None = None
    last_review_at: datetime.datetime | None = None


@dataclass(frozen=True)
class TaskFacts:
    """A task a rule of law started (its due time was set by its rule): ``is_open`` while not done; it is the
    assignee's, else the case manager's."""

    task_id: int
    organisation_id: int
    is_open: bool
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
class ReferralFacts:
    """What the rules that start tasks with a referral ask of it. ``is_new``: it is being recorded (not
    corrected), so it has no task yet; a corrected one is asked which it has (``started_task_codes``)."""

    referral_id: int
    organisation_id: int
    service_id: int
    received_at: datetime.datetime
    child_alone: bool = False
    urgent: bool = False
    violence_concern: bool = False
    is_new: bool = True


@dataclass(frozen=True)
class NewTask:
    """A task of law to start on a referral: what, under which source, and when it is due."""

    code: str
    title: str
    legal_source: str
    due_at: datetime.datetime
    signal_at: datetime.datetime | None = None
    immediate: bool = False


@dataclass(frozen=True)
class RecordLabel:
    """How a list row names a case or a referral: its label (its number), the people of it the reader may
    see, and where it opens (a URL name and its arguments)."""

    label: str
    people: tuple[str, ...]
    url_name: str
    url_args: tuple[Any, ...]

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.url_args)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Changed:
    """What changed: the cases whose facts (and tasks) must be worked out again, and tasks on their own."""

    case_ids: frozenset[int] = field(default_factory=frozenset)
    task_ids: frozenset[int] = field(default_factory=frozenset)


OnChanged = Callable[[Changed], None]


class DueFactsProvider(Protocol):
    """What the app that owns cases and tasks answers. Every batch read costs a constant number of queries,
    however many ids."""

    def case_facts(self, case_ids: Iterable[int]) -> list[CaseFacts]:
        """The facts of these cases (closed ones too, ``is_open`` False)."""
        ...

    def record_facts(self, case: Any) -> CaseFacts:
        """The facts of a case record a page fetched, from what it prefetched (no query when it did)."""
        ...

    def task_facts(self, task_ids: Iterable[int]) -> list[TaskFacts]:
        """The facts of these tasks (done ones too, ``is_open`` False)."""
        ...

    def task_ids_of_cases(self, case_ids: Iterable[int]) -> list[int]:
        """The tasks of these cases."""
        ...

    def open_case_ids(self, organisation_id: int | None) -> QuerySet[Any, int]:
        """The open cases of an organisation (of every one when None), as a query of ids (for rebuilding)."""
        ...

    def open_task_ids_without_case(self, organisation_id: int | None) -> QuerySet[Any, int]:
        """The open tasks on no case (a referral's) of an organisation (every one when None)."""
        ...

    def open_cases_of(self, user: Any, permission: str, *, mine: bool) -> QuerySet[Any, Any]:
        """The open cases ``user`` reaches with ``permission`` (only those they manage or are on the team of
        when ``mine``), as a query of ids to filter by (one subquery, not a list)."""
        ...

    def reachable(self, user: Any, case_ids: Iterable[int], task_ids: Iterable[int]) -> tuple[set[int], set[int]]:
        """Which of these open cases and open tasks ``user`` may see now; two queries at most."""
        ...

    def describe(
        self, user: Any, case_ids: Iterable[int], referral_ids: Iterable[int]
    ) -> tuple[dict[int, RecordLabel], dict[int, RecordLabel]]:
        """How list rows name these cases and referrals (with the people ``user`` may see): two queries per
        kind asked for, however many rows."""
        ...

    def referral_facts(self, referral: Any) -> ReferralFacts:
        """The facts of the referral ``referral_recorded`` was sent with."""
        ...

    def started_task_codes(self, referral: Any) -> frozenset[str]:
        """The codes of the tasks the referral has already (a corrected referral does not start one twice)."""
        ...

    def start_tasks(self, referral: Any, tasks: list[NewTask], *, by: Any) -> None:
        """Write the tasks of law on the referral ``referral_recorded`` was sent with, assigned to ``by``."""
        ...

    def connect(self, on_changed: OnChanged) -> None:
        """Call ``on_changed`` whenever a fact of a case or a task changes (inside the writing transaction)."""
        ...


_provider: list[DueFactsProvider] = []
_listeners: list[OnChanged] = []


def register_due_facts_provider(provider: DueFactsProvider) -> None:
    """Say where the facts of cases and tasks are read (one provider; a second replaces the first)."""
    _provider[:] = [provider]
    for listener in _listeners:
        provider.connect(listener)


def due_facts_provider() -> DueFactsProvider:
    """The registered provider (an app that keeps time limits without one has nothing to count)."""
    if not _provider:
        raise LookupError("No provider of due facts is registered (opora.cases registers it in ready()).")
    return _provider[0]


def due_facts_providers() -> tuple[DueFactsProvider, ...]:
    return tuple(_provider)


def on_due_facts_changed(callback: OnChanged) -> None:
    """Be told of every change of facts (connected to the provider now, or when it registers)."""
    if callback in _listeners:
        return
    _listeners.append(callback)
    for provider in _provider:
        provider.connect(callback)


# --- Intake ------------------------------------------------------------------------------------------------

# Sent inside the transaction that records (or corrects) a referral, under its recorder as the actor:
# ``referral`` (the provider's record, read through ``referral_facts``) and ``by``.
referral_recorded = Signal()


# --- The case's page ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CasePagePart:
    """What the time limits show on a case's page: a template (included with ``context(request, case)`` as
    its section's context; None shows nothing) and the plan's next review date (``review_due(case)``)."""

    name: str
    template: str
    order: int
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    review_due: Callable[[Any], datetime.date | None]
    # The case's next due item, for the page's header (its title, due_at, whole_day, overdue); None: none.
    next_due: Callable[[Any], Any] | None = None


_parts: list[CasePagePart] = []
_part_listeners: list[Callable[[CasePagePart], None]] = []


def show_on_case_page(part: CasePagePart) -> None:
    """Offer ``part`` to the app that draws a case's page."""
    _parts.append(part)
    for listener in _part_listeners:
        listener(part)


def on_case_page_part(callback: Callable[[CasePagePart], None]) -> None:
    """Be handed every part offered for a case's page, those offered already and those to come."""
    _part_listeners.append(callback)
    for part in _parts:
        callback(part)


# --- The start page ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceDue:
    """What the time limits count in one service, for the start page's table of services: the items past their
    time and the open cases whose support plan is past its time limit, each with the list that shows them."""

    overdue: int
    overdue_url: str
    plans_late: int
    plans_late_url: str


# (user, service ids, now) → service id → its counts, as far as the user sees (one query for all the services).
ServiceDueCounter = Callable[[Any, list[int], datetime.datetime], dict[int, ServiceDue]]
_service_counters: list[ServiceDueCounter] = []


def count_due_per_service(counter: ServiceDueCounter) -> None:
    """The app that keeps the time limits says how it counts them per service (a second replaces the first)."""
    _service_counters[:] = [counter]


def due_per_service(user: Any, service_ids: list[int], now: datetime.datetime) -> dict[int, ServiceDue] | None:
    """The counts of ``service_ids`` (a service with nothing due may be missing); None when no app keeps time
    limits."""
    return _service_counters[0](user, service_ids, now) if _service_counters else None
