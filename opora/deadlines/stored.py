"""The stored due items (``StoredDueItem``): what the engine says is due in each open case and open task,
written again whenever a fact it counts from changes, so that the pages and the notification job read an
indexed table instead of working out every open case.

The engine stays the one source of each rule: this module only reads the facts (from the provider of
``opora.core.due_facts``), asks the engine (``case_items``, ``task_item``) and stores its answer. The provider
tells ``facts_changed`` (registered in ``DeadlinesConfig.ready()``) whenever a fact changes — a case saved (its
state, its manager), its services, a transition, a review, its referral (when it was received), a task —
inside the writing transaction; a changed time limit re-works its organisation's open cases
(``deadline_rules_set``); ``manage.py sync_due_items`` (and migration 0008) fill the table for existing data.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from opora.core.due_facts import Changed, due_facts_provider
from opora.deadlines.engine import DueItem, case_items, task_item
from opora.deadlines.models import StoredDueItem
from opora.deadlines.selectors import rule_values_of

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
    provider = due_facts_provider()
    StoredDueItem.objects.filter(case_id__in=ids, task__isnull=True).delete()
    facts = [one for one in provider.case_facts(ids) if one.is_open]
    values = rule_values_of({one.organisation_id for one in facts})
    _store([(one.organisation_id, item) for one in facts for item in case_items(one, values[one.organisation_id], now)])
    sync_tasks(provider.task_ids_of_cases(ids))


@transaction.atomic
def sync_tasks(task_ids: Iterable[int]) -> None:
    """Store these tasks again while they are open; a task done is no longer due."""
    ids = list(set(task_ids))
    if not ids:
        return
    now = timezone.now()
    StoredDueItem.objects.filter(task_id__in=ids).delete()
    facts = [one for one in due_facts_provider().task_facts(ids) if one.is_open]
    _store([(one.organisation_id, task_item(one, now)) for one in facts])


def sync_organisation(organisation_id: int | None = None) -> None:
    """Work out every open case and task of an organisation (every organisation when None) again, a chunk of
    cases at a time: after its time limits changed, or to fill the table."""
    provider = due_facts_provider()
    cases = provider.open_case_ids(organisation_id)
    stale = StoredDueItem.objects.all()
    if organisation_id is not None:
        stale = stale.filter(organisation_id=organisation_id)
    with transaction.atomic():
        stale.delete()
        last = 0
        while chunk := list(cases.filter(pk__gt=last).order_by("pk")[:CHUNK]):
            last = chunk[-1]
            sync_cases(chunk)
        sync_tasks(list(provider.open_task_ids_without_case(organisation_id)))


# --- Told by the provider (registered in ``DeadlinesConfig.ready()``) ---------------------------------------


def facts_changed(changed: Changed) -> None:
    """Facts of cases or tasks changed: their items are worked out again, in the writing transaction."""
    sync_cases(changed.case_ids)
    sync_tasks(changed.task_ids)
