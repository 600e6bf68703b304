"""The stored due items (``StoredDueItem``): what the engine says is due in each open case and open task,
written again whenever a fact it counts from changes, so that the pages and the notification job read an
indexed table instead of working out every open case.

The engine stays the one source of each rule: this module only reads the facts (``selectors``), asks the
engine (``case_items``, ``task_item``) and stores its answer. The signals that call it are connected in
``DeadlinesConfig.ready()``: a case saved (its state, its manager), its services, a transition, a review,
its referral (when it was received), a task; a changed time limit re-works its organisation's open cases
(``deadline_rules_set``); ``manage.py sync_due_items`` (and migration 0008) fill the table for existing data.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from opora.cases.casework.models import OPEN_STATES, Case, CaseTask
from opora.deadlines.engine import DueItem, case_items, task_item
from opora.deadlines.models import StoredDueItem
from opora.deadlines.selectors import case_facts, rule_values_of, task_facts

# How many cases are worked out at a time when a whole organisation is.
CHUNK = 500
# What a stored item holds besides its key.
STORED_FIELDS = (
    "code",
    "due_at",
    "whole_day",
    "immediate",
    "signal_at",
    "shown_from",
    "service_ids",
    "organisation",
    "responsible",
    "case",
    "referral",
    "task",
)


def _store(items: list[tuple[int, DueItem]]) -> None:
    """Write (organisation id, item) rows and their services."""
    rows = StoredDueItem.objects.bulk_create(
        [
            StoredDueItem(
                key=item.key,
                code=item.code,
                due_at=item.due_at,
                whole_day=item.whole_day,
                immediate=item.immediate,
                signal_at=item.signal_at,
                shown_from=item.shown_from,
                service_ids=list(item.service_ids),
                organisation_id=organisation_id,
                responsible_id=item.responsible_ids[0] if item.responsible_ids else None,
                case_id=item.case_id,
                referral_id=item.referral_id,
                task_id=item.task_id,
            )
            for organisation_id, item in items
        ],
        # Two writes working out the same item at once (a limit changed while a case moves): the last wins,
        # rather than the second failing on the key.
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=[*STORED_FIELDS],
    )
    through = StoredDueItem.services.through
    through.objects.bulk_create(
        [
            through(storeddueitem_id=row.pk, service_id=service_id)
            for row, (_organisation, item) in zip(rows, items, strict=True)
            for service_id in item.service_ids
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def sync_cases(case_ids: Iterable[int]) -> None:
    """Work out again the items of these cases and of their open tasks (a task falls to its case's manager
    when nobody is assigned)."""
    ids = list(set(case_ids))
    if not ids:
        return
    now = timezone.now()
    StoredDueItem.objects.filter(case_id__in=ids, task__isnull=True).delete()
    facts = case_facts(Case.objects.filter(pk__in=ids, state__in=OPEN_STATES))
    values = rule_values_of({organisation_id for organisation_id, _facts in facts})
    _store([(org, item) for org, one in facts for item in case_items(one, values[org], now)])
    sync_tasks(CaseTask.objects.filter(case_id__in=ids).values_list("pk", flat=True))


@transaction.atomic
def sync_tasks(task_ids: Iterable[int]) -> None:
    """Store these tasks again while they are open; a task done is no longer due."""
    ids = list(set(task_ids))
    if not ids:
        return
    now = timezone.now()
    StoredDueItem.objects.filter(task_id__in=ids).delete()
    tasks = CaseTask.objects.filter(pk__in=ids, done_at__isnull=True)
    organisations = dict(tasks.values_list("pk", "service__organisation_id"))
    _store([(organisations[one.task_id], task_item(one, now)) for one in task_facts(tasks)])


def sync_organisation(organisation_id: int | None = None) -> None:
    """Work out every open case and task of an organisation (every organisation when None) again, a chunk of
    cases at a time: after its time limits changed, or to fill the table."""
    cases = Case.objects.filter(state__in=OPEN_STATES)
    tasks = CaseTask.objects.filter(done_at__isnull=True, case__isnull=True)
    stale = StoredDueItem.objects.all()
    if organisation_id is not None:
        cases = cases.filter(organisation_id=organisation_id)
        tasks = tasks.filter(service__organisation_id=organisation_id)
        stale = stale.filter(organisation_id=organisation_id)
    with transaction.atomic():
        stale.delete()
        last = 0
        while chunk := list(cases.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK]):
            last = chunk[-1]
            sync_cases(chunk)
        sync_tasks(tasks.values_list("pk", flat=True))


# --- Signal receivers (connected in ``DeadlinesConfig.ready()``) -------------------------------------------


def case_changed(sender: Any, instance: Case, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        sync_cases([instance.pk])


def case_part_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A transition or a review: the case's items count from it."""
    if not raw and instance.case_id is not None:
        sync_cases([instance.case_id])


def case_services_changed(sender: Any, instance: Any, action: str, pk_set: Any = None, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Case):
        sync_cases([instance.pk])
    elif pk_set:
        sync_cases(pk_set)  # changed from the service's side


def referral_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A referral's received time is what some limits count from."""
    if not raw:
        sync_cases(Case.objects.filter(referral_id=instance.pk, state__in=OPEN_STATES).values_list("pk", flat=True))


def task_changed(sender: Any, instance: CaseTask, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        sync_tasks([instance.pk])
