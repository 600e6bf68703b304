"""What the deadlines app shows on a case's pages (offered through ``opora.core.due_facts.show_on_case_page`` in
``DeadlinesConfig.ready()``; the app that draws the page makes it a section): the case's next due dates, and
when its plan is next reviewed. ``case`` is the page's record; only its ``pk`` is read.

The page works its items out with the engine from the facts of the record it has fetched (the provider reads
them from what the page prefetched, so they cost no query) and the organisation's time limits (remembered
between requests): reading the stored items instead would be one query more than the page's budget of 12.
The stored items are the same engine's answer for the same facts (``tests/test_stored_due_items.py``).
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from opora.deadlines.engine import DueItem, local_day
from opora.deadlines.rules import RuleCode
from opora.deadlines.selectors import case_due_items, record_due_items

# Where a case object keeps its due items once worked out: the page's section and its review date share them.
_CACHE = "_opora_due_items_now"


def due_now(case: Any) -> list[DueItem]:
    """The case's due items now, worked out once per case object (one request's page)."""
    if _CACHE not in case.__dict__:
        case.__dict__[_CACHE] = record_due_items(case, timezone.now())
    items: list[DueItem] = case.__dict__[_CACHE]
    return items


def deadlines_section(request: HttpRequest, case: Any) -> dict[str, Any]:
    return {"items": due_now(case)}


def next_review_due(case: Any, items: Sequence[DueItem] | None = None) -> datetime.date | None:
    """When the plan of an open case is next reviewed, by the organisation's time limit for reviews (counted
    from the start of support or the last review); None while no plan is in force or the limit is switched
    off. ``items``: the case's due items, when the caller has them already (else worked out now from the
    case's facts)."""
    for item in case_due_items(case.pk, timezone.now()) if items is None else items:
        if item.code == RuleCode.PLAN_REVIEW:
            return local_day(item.due_at)
    return None


def review_due_on_page(case: Any) -> datetime.date | None:
    """The review date a case's page names, from the due items its section shows."""
    return next_review_due(case, due_now(case))


def next_due_on_page(case: Any) -> DueItem | None:
    """What the case's header names as due next: the earliest of the items its section shows."""
    return min(due_now(case), key=lambda item: item.due_at, default=None)
