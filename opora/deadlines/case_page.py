"""What the deadlines app shows on a case's pages (registered with ``opora.cases.sections`` in
``DeadlinesConfig.ready()``): the case's next due dates, and when its plan is next reviewed."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from opora.cases.models import Case
from opora.deadlines.engine import DueItem, local_day
from opora.deadlines.rules import RuleCode
from opora.deadlines.selectors import case_due_items

# Where a case object keeps its due items once worked out: the page's section and its review date share them.
_CACHE = "_opora_due_items_now"


def due_now(case: Case) -> list[DueItem]:
    """The case's due items now, worked out once per case object (one request's page)."""
    if _CACHE not in case.__dict__:
        case.__dict__[_CACHE] = case_due_items(case, timezone.now())
    items: list[DueItem] = case.__dict__[_CACHE]
    return items


def deadlines_section(request: HttpRequest, case: Case) -> dict[str, Any]:
    return {"items": due_now(case)}


def next_review_due(case: Case, items: Sequence[DueItem] | None = None) -> datetime.date | None:
    """When the plan of an open case is next reviewed, by the organisation's time limit for reviews (counted
    from the start of support or the last review); None while no plan is in force or the limit is switched
    off. ``items``: the case's due items, when the caller has them already."""
    for item in case_due_items(case, timezone.now()) if items is None else items:
        if item.code == RuleCode.PLAN_REVIEW:
            return local_day(item.due_at)
    return None


def review_due_on_page(case: Case) -> datetime.date | None:
    """The review date a case's page names, from the due items its section shows."""
    return next_review_due(case, due_now(case))
