"""Reads for the deadline pages and the notification job: the organisation's values of the time limits, the
facts of cases and tasks the engine needs, and the items due for a user.

Every case and task shown to a user is reached through ``opora.access.scope``; the facts are then read
for those rows only, in a constant number of queries however many there are. The notification job, which
acts for nobody, reads every item due soon (``due_by``). Pages and the job read the stored items
(``opora.deadlines.stored``); the facts are read to work them out, and for one case's page.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from opora.access import Perm, scope, service_ids_with
from opora.accounts.models import User
from opora.cases.casework.models import OPEN_STATES, Case, CaseTask, CaseTransition
from opora.cases.models import PlanReview, Referral
from opora.deadlines.engine import (
    CaseFacts,
    DueItem,
    RuleValue,
    TaskFacts,
    by_due_date,
    case_items,
    case_kind,
    default_values,
    rule_title_and_source,
    task_item,
)
from opora.deadlines.models import DeadlineRule, Notification, StoredDueItem, rules_version
from opora.deadlines.remembered import remember_rule_values, remembered_rule_values
from opora.organisation.models import Membership, Role, Service
from opora.people.selectors import visible_people

# --- The organisation's values ---------------------------------------------------------------------------


def rule_values(organisation_id: int) -> dict[str, RuleValue]:
    """The time limits as the organisation has set them; a limit it has not set keeps its default."""
    return rule_values_of([organisation_id])[organisation_id]


def current_rules_version(organisation_id: int) -> str:
    """The version of the organisation's time limits that the settings page carries (see ``rules_version``)."""
    return rules_version(DeadlineRule.objects.filter(organisation_id=organisation_id).only("code", "edit_version"))


def rule_values_of(organisation_ids: Iterable[int]) -> dict[int, dict[str, RuleValue]]:
    """Read on every case page and list of due items: kept in the cache, forgotten when a limit is saved."""
    wanted = set(organisation_ids)
    found = remembered_rule_values(wanted)
    values = {organisation_id: default_values() for organisation_id in wanted - set(found)}
    if values:
        for rule in DeadlineRule.objects.filter(organisation_id__in=list(values)):
            values[rule.organisation_id][rule.code] = RuleValue(
                code=rule.code, amount=rule.amount, counts_from=rule.counts_from, is_active=rule.is_active
            )
        remember_rule_values(values)
    return found | values


# --- Facts ------------------------------------------------------------------------------------------------


def last_reviews(case_ids: list[int]) -> dict[int, datetime.datetime]:
    """Case id → when its plan was last reviewed (the start of that day in Sofia), in one query. The engine
    counts the next review from it when it falls after the start of support in the case's current episode,
    so a review from before a reopening does not count."""
    latest = (
        PlanReview.objects.filter(case_id__in=case_ids)
        .values("case_id")
        .annotate(last=Max("reviewed_on"))
        .values_list("case_id", "last")
    )
    return {case_id: _start_of(day) for case_id, day in latest}


def _start_of(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in Sofia."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def case_facts(cases: QuerySet[Case]) -> list[tuple[int, CaseFacts]]:
    """(organisation id, facts) for each of ``cases``, in four queries."""
    rows = list(
        cases.order_by().values_list("pk", "organisation_id", "state", "case_manager_id", "referral__received_at")
    )
    ids = [row[0] for row in rows]
    moves: dict[int, list[tuple[str, datetime.datetime]]] = defaultdict(list)
    for case_id, state, at in (
        CaseTransition.objects.filter(case_id__in=ids).order_by("at", "pk").values_list("case_id", "to_state", "at")
    ):
        moves[case_id].append((state, at))
    services: dict[int, list[int]] = defaultdict(list)
    kinds: dict[int, list[str]] = defaultdict(list)
    for case_id, service_id, kind in Case.services.through.objects.filter(case_id__in=ids).values_list(
        "case_id", "service_id", "service__kind"
    ):
        services[case_id].append(service_id)
        kinds[case_id].append(kind)
    reviews = last_reviews(ids)
    return [
        (
            organisation_id,
            CaseFacts(
                case_id=pk,
                state=state,
                manager_id=manager_id,
                service_ids=tuple(sorted(services[pk])),
                moves=tuple(moves[pk]),
                referral_received_at=received_at,
                last_review_at=reviews.get(pk),
                kind=case_kind(kinds[pk]),
            ),
        )
        for pk, organisation_id, state, manager_id, received_at in rows
    ]


def task_facts(tasks: QuerySet[CaseTask]) -> list[TaskFacts]:
    rows = tasks.order_by().values_list(
        "pk",
        "kind",
        "title",
        "legal_source",
        "due_at",
        "service_id",
        "assigned_to_id",
        "case_id",
        "referral_id",
        "case__case_manager_id",
        "signal_at",
        "immediate",
    )
    return [
        TaskFacts(
            task_id=pk,
            code=kind,
            title=title,
            legal_source=source,
            due_at=due_at,
            service_id=service_id,
            assigned_to_id=assigned_to_id,
            case_id=case_id,
            referral_id=referral_id,
            case_manager_id=manager_id,
            signal_at=signal_at,
            immediate=immediate,
        )
        for (
            pk,
            kind,
            title,
            source,
            due_at,
            service_id,
            assigned_to_id,
            case_id,
            referral_id,
            manager_id,
            signal_at,
            immediate,
        ) in rows
    ]


def items_of(cases: QuerySet[Case], tasks: QuerySet[CaseTask], now: datetime.datetime) -> list[DueItem]:
    """The items due in ``cases`` and the open ``tasks`` that show now (``DueItem.is_shown``), the earliest
    first."""
    facts = case_facts(cases)
    values = rule_values_of({organisation_id for organisation_id, _facts in facts})
    items = [
        item
        for organisation_id, one in facts
        for item in case_items(one, values[organisation_id], now)
        if item.is_shown(now)
    ]
    items += [task_item(one, now) for one in task_facts(tasks.filter(done_at__isnull=True))]
    return by_due_date(items)


# --- For a user -------------------------------------------------------------------------------------------


def _open_cases(user: Any, permission: str = Perm.CASE_VIEW) -> QuerySet[Case]:
    return scope(user, Case.objects.filter(state__in=OPEN_STATES), permission)


def _open_tasks(user: Any, permission: str = Perm.CASE_VIEW) -> QuerySet[CaseTask]:
    return scope(user, CaseTask.objects.filter(done_at__isnull=True), permission)


def _mine(user: Any) -> Q:
    """The cases ``user`` manages or is on the team of (asked as a subquery: a join would repeat a case)."""
    on_team = Case.team.through.objects.filter(user_id=user.pk).values("case_id")
    return Q(case_manager_id=user.pk) | Q(pk__in=on_team)


def _stored(user: Any, permission: str = Perm.CASE_VIEW) -> QuerySet[StoredDueItem]:
    """The stored items in the user's scope: an item is visible as its case or task is (same organisation
    and services, ``opora.deadlines.stored``)."""
    return scope(user, StoredDueItem.objects.all(), permission)


def _leads_all(user: Any) -> bool:
    """Whether the user answers for the deadlines (``CASE_APPROVE``) wherever they see cases."""
    led = service_ids_with(user, Perm.CASE_APPROVE, person_level=True)
    return led is None or led == service_ids_with(user, Perm.CASE_VIEW, person_level=True)


def _tasks_of(user: Any, cases: QuerySet[Case], led: bool) -> Q:
    """The tasks that are the user's: assigned to them, on ``cases``, or in the services they lead."""
    mine = Q(task__assigned_to_id=user.pk) | Q(case__in=cases.values("pk"))
    if led:
        mine |= Q(pk__in=_stored(user, Perm.CASE_APPROVE).filter(task__isnull=False).values("pk"))
    return Q(task__isnull=False) & mine


def my_due(user: Any, now: datetime.datetime) -> QuerySet[StoredDueItem]:
    """The worker's own (as ``my_items``) that show by ``now``, the earliest first: one indexed query."""
    cases = _open_cases(user).filter(_mine(user))
    led = bool(service_ids_with(user, Perm.CASE_APPROVE, person_level=True) != set())
    shown = Q(shown_from__isnull=True) | Q(shown_from__lte=now)
    return (
        _stored(user)
        .filter(shown)
        .filter(Q(task__isnull=True, case__in=cases.values("pk")) | _tasks_of(user, cases, led))
    )


def overdue_due(user: Any, now: datetime.datetime) -> QuerySet[StoredDueItem]:
    """Overdue items (as ``overdue_items``): one query. Where the user leads every service they see (the
    administrator, a head), that is everything in scope past its time, read along the index."""
    overdue = _stored(user).filter(due_at__lt=now)
    if _leads_all(user):
        return overdue
    led_cases = _open_cases(user, Perm.CASE_APPROVE).values("pk")
    cases = _open_cases(user).filter(_mine(user) | Q(pk__in=led_cases))
    led = bool(service_ids_with(user, Perm.CASE_APPROVE, person_level=True))
    return overdue.filter(Q(task__isnull=True, case__in=cases.values("pk")) | _tasks_of(user, cases, led))


def in_order(items: QuerySet[StoredDueItem]) -> QuerySet[StoredDueItem]:
    return items.order_by("due_at", "key")


def item_of(stored: StoredDueItem, now: datetime.datetime) -> DueItem:
    """A stored item as the engine gave it; a limit's title and source in the reader's language, a task's
    as it was written (``select_related("task")`` spares a query each)."""
    if stored.task_id is not None:
        assert stored.task is not None
        title, source = stored.task.title, stored.task.legal_source
    else:
        title, source = rule_title_and_source(stored.code)
    return DueItem(
        key=stored.key,
        code=stored.code,
        title=title,
        due_at=stored.due_at,
        whole_day=stored.whole_day,
        legal_source=source,
        overdue=stored.due_at < now,
        service_ids=tuple(stored.service_ids),
        responsible_ids=(stored.responsible_id,) if stored.responsible_id else (),
        case_id=stored.case_id,
        referral_id=stored.referral_id,
        task_id=stored.task_id,
        immediate=stored.immediate,
        signal_at=stored.signal_at,
    )


def items_in(stored: QuerySet[StoredDueItem], now: datetime.datetime) -> list[DueItem]:
    return [item_of(one, now) for one in in_order(stored).select_related("task")]


def my_items(user: Any, now: datetime.datetime) -> list[DueItem]:
    """The worker's own: the items of the open cases they manage or are on the team of, and the tasks assigned
    to them or on those cases; and the tasks of the services where they answer for them (the head of service;
    the administrator in every service): a task of law is the service's to do, whoever recorded it."""
    return items_in(my_due(user, now), now)


def overdue_items(user: Any, now: datetime.datetime) -> list[DueItem]:
    """Overdue items: the user's own, and in the services where they answer for the deadlines (the head of
    service; the administrator in every service), all of them."""
    return items_in(overdue_due(user, now), now)


def case_due_items(case: Case, now: datetime.datetime) -> list[DueItem]:
    """The next due dates of one case the user has already reached (its page): the time limits only, since the
    case's page lists its tasks itself."""
    if not case.is_open:
        return []
    return by_due_date(case_items(facts_of_case(case), rule_values(case.organisation_id), now))


def facts_of_case(case: Case) -> CaseFacts:
    """The facts of one case from the case itself: its transitions, services, reviews and referral, which the
    case's page has fetched already (prefetched, they cost no query here; otherwise one each)."""
    reviews = [review.reviewed_on for review in case.reviews.all()]
    services = list(case.services.all())
    return CaseFacts(
        case_id=case.pk,
        state=case.state,
        manager_id=case.case_manager_id,
        service_ids=tuple(sorted(service.pk for service in services)),
        moves=tuple((move.to_state, move.at) for move in sorted(case.transitions.all(), key=lambda m: (m.at, m.pk))),
        referral_received_at=case.referral.received_at if case.referral is not None else None,
        last_review_at=_start_of(max(reviews)) if reviews else None,
        kind=case_kind([service.kind for service in services]),
    )


# --- Rows for a page -----------------------------------------------------------------------------------------


@dataclass
class ItemRow:
    """A due item with the records it names, for a page."""

    item: DueItem
    case: Case | None
    referral: Referral | None
    responsible: list[User]
    services: list[Service]

    @property
    def link(self) -> str:
        return item_link(self.item)


def item_link(item: DueItem) -> str:
    if item.case_id is not None:
        return reverse("cases:case_detail", args=[item.case_id])
    if item.referral_id is not None:
        return reverse("cases:referral_detail", args=[item.referral_id])
    return reverse("deadlines:my_tasks")


def rows_of(
    user: Any, stored: QuerySet[StoredDueItem], now: datetime.datetime, services: Mapping[int, Service] | None = None
) -> list[ItemRow]:
    """The rows of one page of ``stored`` (already in scope, ordered and sliced), with their cases or
    referrals (and the people of them the user may see), responsible staff and services: one query for the
    rows, one each for the people of cases and of referrals, and one for the services unless the page has
    them already. A row's case or referral is the one of its item, which is visible as they are."""
    people = visible_people(user)
    page = list(
        stored.select_related("task", "case", "referral", "responsible").prefetch_related(
            Prefetch("case__people", queryset=people), Prefetch("referral__people", queryset=people)
        )
    )
    if services is None:
        services = Service.objects.in_bulk({pk for one in page for pk in one.service_ids})
    return [
        ItemRow(
            item=item_of(one, now),
            case=one.case,
            referral=one.referral,
            responsible=[one.responsible] if one.responsible is not None else [],
            services=[services[pk] for pk in one.service_ids if pk in services],
        )
        for one in page
    ]


# --- For the notification job ----------------------------------------------------------------------------


def due_by(moment: datetime.datetime, now: datetime.datetime) -> list[DueItem]:
    """Every item of every organisation due by ``moment`` (the job acts for no user), read along the index."""
    return items_in(StoredDueItem.objects.filter(due_at__lte=moment), now)


def heads_of(service_ids: Iterable[int]) -> dict[int, list[int]]:
    """Service id → the active heads of that service (told when an item of the service is overdue)."""
    heads: dict[int, list[int]] = defaultdict(list)
    for service_id, user_id in Membership.objects.filter(
        role=Role.HEAD, service_id__in=list(service_ids), user__is_active=True
    ).values_list("service_id", "user_id"):
        heads[service_id].append(user_id)
    return heads


def unread_notifications(user: Any) -> QuerySet[Notification]:
    """A user's notifications are theirs alone, whatever their roles (``scope_by = "owner"``)."""
    return notifications_of(user).filter(read_at__isnull=True)


def notifications_of(user: Any) -> QuerySet[Notification]:
    return scope(user, Notification.objects.all(), Perm.HOME).order_by("-created_at", "-pk")


def reachable_keys(user: Any, keys: Iterable[str]) -> set[str]:
    """Which of the item keys (``DueItem.key``) name a record ``user`` may still see, and for a task one not
    done yet: a worker who has left the service, or whose role no longer sees cases, is told nothing of
    them. Two queries however many keys."""
    case_ids: dict[int, list[str]] = defaultdict(list)
    task_ids: dict[int, list[str]] = defaultdict(list)
    for key in keys:
        kind, _separator, rest = key.partition(":")
        number = rest.split(":", 1)[0]
        if number.isdigit():
            (case_ids if kind == "case" else task_ids if kind == "task" else {})[int(number)].append(key)
    reached: set[str] = set()
    if case_ids:
        cases = scope(user, Case.objects.filter(pk__in=list(case_ids), state__in=OPEN_STATES), Perm.CASE_VIEW)
        reached.update(key for pk in cases.values_list("pk", flat=True) for key in case_ids[pk])
    if task_ids:
        tasks = _open_tasks(user).filter(pk__in=list(task_ids))
        reached.update(key for pk in tasks.values_list("pk", flat=True) for key in task_ids[pk])
    return reached
