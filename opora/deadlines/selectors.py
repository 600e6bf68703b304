"""Reads for the deadline pages and the notification job: the organisation's values of the time limits, the
facts of cases and tasks the engine needs, and the items due for a user.

The facts of cases and tasks are read through their provider (``opora.core.due_facts``, registered by
``opora.cases``), in a constant number of queries however many there are; so are the open cases a user
reaches (through ``opora.access.scope``) and how a list row names its case or referral. The notification
job, which acts for nobody, reads every item due soon (``due_by``). Pages and the job read the stored items
(``opora.deadlines.stored``); the facts are read to work them out, and for one case's page.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from opora.access import Perm, scope, service_ids_with
from opora.accounts.models import User
from opora.core.due_facts import RecordLabel, ServiceDue, due_facts_provider
from opora.deadlines.engine import (
    DueItem,
    RuleValue,
    by_due_date,
    case_items,
    default_values,
    rule_title_and_source,
    task_item,
)
from opora.deadlines.models import DeadlineRule, Notification, StoredDueItem, rules_version
from opora.deadlines.remembered import remember_rule_values, remembered_rule_values
from opora.deadlines.rules import RuleCode
from opora.organisation.models import Membership, Role, Service

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


def items_of(case_ids: Iterable[int], task_ids: Iterable[int], now: datetime.datetime) -> list[DueItem]:
    """The items due in the open cases of ``case_ids`` and the open tasks of ``task_ids`` that show now
    (``DueItem.is_shown``), worked out from their facts, the earliest first."""
    provider = due_facts_provider()
    facts = [one for one in provider.case_facts(case_ids) if one.is_open]
    values = rule_values_of({one.organisation_id for one in facts})
    items = [item for one in facts for item in case_items(one, values[one.organisation_id], now) if item.is_shown(now)]
    items += [task_item(one, now) for one in provider.task_facts(task_ids) if one.is_open]
    return by_due_date(items)


# --- For a user -------------------------------------------------------------------------------------------


def _open_cases(user: Any, permission: str = Perm.CASE_VIEW, *, mine: bool = False) -> QuerySet[Any, Any]:
    """The ids of the open cases ``user`` reaches (those they manage or are on the team of when ``mine``), as a
    subquery."""
    return due_facts_provider().open_cases_of(user, permission, mine=mine)


def _stored(user: Any, permission: str = Perm.CASE_VIEW) -> QuerySet[StoredDueItem]:
    """The stored items in the user's scope: an item is visible as its case or task is (same organisation
    and services, ``opora.deadlines.stored``)."""
    return scope(user, StoredDueItem.objects.all(), permission)


def _leads_all(user: Any) -> bool:
    """Whether the user answers for the deadlines (``CASE_APPROVE``) wherever they see cases."""
    led = service_ids_with(user, Perm.CASE_APPROVE, person_level=True)
    return led is None or led == service_ids_with(user, Perm.CASE_VIEW, person_level=True)


def _theirs(user: Any, cases: Q, led: bool) -> Q:
    """The items that are the user's: every item on ``cases`` (a condition on the item's case: its time
    limits and its tasks alike), the tasks assigned to them, and the tasks of the services they lead.

    Each condition is written once: the open cases are a subquery the database works out for every place it
    is named (twice more when it was named for the limits and again for the tasks, 30 ms each at a million)."""
    tasks = Q(task__assigned_to_id=user.pk)
    if led:
        tasks |= Q(pk__in=_stored(user, Perm.CASE_APPROVE).filter(task__isnull=False).values("pk"))
    # "A task" said outright, so that without ``cases`` the database reads the tasks along their index.
    return cases | (Q(task__isnull=False) & tasks)


def my_due(user: Any, now: datetime.datetime) -> QuerySet[StoredDueItem]:
    """The worker's own (as ``my_items``) that show by ``now``, the earliest first: one indexed query.

    Who manages no open case and is on no team (an administrator, many a head) has tasks only: asked first
    (one query), the cases are then left out of the condition, so that the database reads the few tasks along
    their index instead of walking every item of the organisation in due order to find them (90,000 rows for
    the administrator's 471 tasks at a million)."""
    open_cases = _open_cases(user, mine=True)
    cases = Q(case__in=open_cases) if open_cases.exists() else Q(pk__in=[])
    return _stored(user).filter(_mine(user, now, cases))


def _mine(user: Any, now: datetime.datetime, cases: Q) -> Q:
    """The condition of ``my_due`` on the stored items in scope, ``cases`` the condition on the item's case."""
    led = bool(service_ids_with(user, Perm.CASE_APPROVE, person_level=True) != set())
    shown = Q(shown_from__isnull=True) | Q(shown_from__lte=now)
    return shown & _theirs(user, cases, led)


def overdue_due(user: Any, now: datetime.datetime) -> QuerySet[StoredDueItem]:
    """Overdue items (as ``overdue_items``): one query. Where the user leads every service they see (the
    administrator, a head), that is everything in scope past its time, read along the index."""
    return _stored(user).filter(_overdue(user, now))


def _overdue(user: Any, now: datetime.datetime) -> Q:
    """The condition of ``overdue_due`` on the stored items in scope."""
    overdue = Q(due_at__lt=now)
    if _leads_all(user):
        return overdue
    cases = Q(case__in=_open_cases(user, mine=True)) | Q(case__in=_open_cases(user, Perm.CASE_APPROVE))
    led = bool(service_ids_with(user, Perm.CASE_APPROVE, person_level=True))
    return overdue & _theirs(user, cases, led)


def end_of_week(now: datetime.datetime) -> datetime.datetime:
    """The end of the calendar week of ``now`` (the Monday after it, at midnight in Sofia)."""
    today = timezone.localdate(now)
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time()))


def due_this_week(items: QuerySet[StoredDueItem], now: datetime.datetime) -> QuerySet[StoredDueItem]:
    """Of ``items``, those not yet past their time that fall due by the end of this week."""
    return items.filter(due_at__gte=now, due_at__lt=end_of_week(now))


def my_due_counts(user: Any, now: datetime.datetime) -> dict[str, int]:
    """For the start page: how many of the worker's own items ("My tasks", as ``my_due``) fall due this week,
    and how many items "Overdue" lists for them (``overdue_due``). One query over the items in scope due by
    the end of the week (read along the index), counting each condition; the open cases are a subquery (no
    question first, as ``my_due`` asks to read its page in order)."""
    mine = _mine(user, now, Q(case__in=_open_cases(user, mine=True)))
    counts = (
        _stored(user)
        .filter(due_at__lt=end_of_week(now))
        .aggregate(
            week=Count("pk", filter=mine & Q(due_at__gte=now)),
            overdue=Count("pk", filter=_overdue(user, now)),
        )
    )
    return {"week": counts["week"], "overdue": counts["overdue"]}


def service_due(user: Any, service_ids: list[int], now: datetime.datetime) -> dict[int, ServiceDue]:
    """Service id → the items of ``service_ids`` past their time and the open cases whose support plan is past
    its time limit, as the "Overdue" page lists them for ``user`` (filtered by service, and by the plan's
    limit): one query grouped by the stored services (as ``tally``)."""
    wanted = set(service_ids)
    overdue: dict[int, int] = defaultdict(int)
    plans: dict[int, int] = defaultdict(int)
    grouped = overdue_due(user, now).order_by().values_list("service_ids", "code").annotate(n=Count("pk"))
    for ids, code, n in grouped:
        for service_id in set(ids) & wanted:
            overdue[service_id] += n
            if code == RuleCode.SUPPORT_PLAN:
                plans[service_id] += n
    page = reverse("deadlines:overdue")
    return {
        service_id: ServiceDue(
            overdue=overdue[service_id],
            overdue_url=f"{page}?service={service_id}",
            plans_late=plans[service_id],
            plans_late_url=f"{page}?service={service_id}&rule={RuleCode.SUPPORT_PLAN.value}",
        )
        for service_id in wanted
    }


@dataclass(frozen=True)
class Tally:
    """How many of some items fall to each responsible worker and to each service (an item of two services
    counts in each), read in one statement grouped by both."""

    per_worker: dict[int, int]
    per_service: dict[int, int]


def tally(items: QuerySet[StoredDueItem]) -> Tally:
    """Counted along the stored services (``service_ids``, the same as the many-to-many) rather than through
    it: one pass over the items, without a join per service (two passes over 90,000 items at a million)."""
    per_worker: dict[int, int] = defaultdict(int)
    per_service: dict[int, int] = defaultdict(int)
    grouped = items.order_by().values_list("responsible_id", "service_ids").annotate(n=Count("pk"))
    for responsible_id, service_ids, n in grouped:
        if responsible_id is not None:
            per_worker[responsible_id] += n
        for service_id in set(service_ids):
            per_service[service_id] += n
    return Tally(per_worker=dict(per_worker), per_service=dict(per_service))


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
        shown_from=stored.shown_from,
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


def record_due_items(case: Any, now: datetime.datetime) -> list[DueItem]:
    """The next due dates of a case record a page has fetched (its transitions, services, reviews and referral
    prefetched, so that its facts cost no query): the time limits only, none once it is closed."""
    facts = due_facts_provider().record_facts(case)
    if not facts.is_open:
        return []
    return by_due_date(case_items(facts, rule_values(facts.organisation_id), now))


def case_due_items(case_id: int, now: datetime.datetime) -> list[DueItem]:
    """The next due dates of one case (the time limits only, since the case's page lists its tasks itself),
    worked out now from its facts: none once it is closed."""
    facts = [one for one in due_facts_provider().case_facts([case_id]) if one.is_open]
    if not facts:
        return []
    return by_due_date(case_items(facts[0], rule_values(facts[0].organisation_id), now))


# --- Rows for a page -----------------------------------------------------------------------------------------


@dataclass
class ItemRow:
    """A due item with the records it names, for a page."""

    item: DueItem
    record: RecordLabel | None  # its case, else its referral
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
    """The rows of one page of ``stored`` (already in scope, ordered and sliced), with how their cases or
    referrals are named (and the people of them the user may see, from the provider), responsible staff and
    services: one query for the rows, one each for the people of cases and of referrals, and one for the
    services unless the page has them already. A row's case or referral is the one of its item, which is
    visible as they are."""
    page = list(stored.select_related("task", "responsible"))
    cases, referrals = due_facts_provider().describe(
        user,
        {one.case_id for one in page if one.case_id is not None},
        {one.referral_id for one in page if one.case_id is None and one.referral_id is not None},
    )
    if services is None:
        services = Service.objects.in_bulk({pk for one in page for pk in one.service_ids})
    return [
        ItemRow(
            item=item_of(one, now),
            record=cases.get(one.case_id) if one.case_id is not None else referrals.get(one.referral_id or 0),
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
    cases, tasks = due_facts_provider().reachable(user, case_ids, task_ids)
    return {key for pk in cases for key in case_ids[pk]} | {key for pk in tasks for key in task_ids[pk]}
