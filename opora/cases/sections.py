"""What the apps built on cases add to a case's pages, so that ``cases`` imports none of them.

An app registers from its ``AppConfig.ready()``:

- a **section** of the case's page (``case_section``): a template the page includes, with what the section's
  function returns for the case as ``section`` (``opora.deadlines``: the case's next due dates);
- what is **due next** (``provide_next_due``), which the case's header names;
- the **review date** (``provide_review_due``): when the plan in force is next reviewed, which the case's page
  and the review form name beside the plan. The app that keeps the time limits answers it, so that the case
  page and My tasks never name two dates; without it no date is named.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from opora.cases.casework.models import Case

SectionContext = Callable[[HttpRequest, Case], dict[str, Any] | None]


@dataclass(frozen=True)
class CaseSection:
    name: str
    template: str  # included in the case's page, with the section's context as ``section``
    order: int
    context: SectionContext  # None: nothing to show


@dataclass(frozen=True)
class ShownSection:
    template: str
    context: dict[str, Any]


SECTIONS: dict[str, CaseSection] = {}
_review_due: list[Callable[[Case], datetime.date | None]] = []
_next_due: list[Callable[[Case], Any]] = []


def case_section(name: str, *, template: str, order: int, context: SectionContext) -> None:
    """Add a section to the case's page (registered again under one name, it replaces the first)."""
    SECTIONS[name] = CaseSection(name, template, order, context)


def sections_of(request: HttpRequest, case: Case) -> list[ShownSection]:
    """The registered sections with something to show for ``case``, in their order."""
    shown = []
    for section in sorted(SECTIONS.values(), key=lambda section: (section.order, section.name)):
        context = section.context(request, case)
        if context is not None:
            shown.append(ShownSection(section.template, context))
    return shown


def provide_review_due(provider: Callable[[Case], datetime.date | None]) -> None:
    """Say who answers when a case's plan is next reviewed (one provider; a second replaces the first)."""
    _review_due[:] = [provider]


def review_due(case: Case) -> datetime.date | None:
    """When the plan of ``case`` is next reviewed, or None (no plan in force, the limit switched off, or no app
    keeps the time limits)."""
    return _review_due[0](case) if _review_due else None


def provide_next_due(provider: Callable[[Case], Any]) -> None:
    """Say who answers what a case's header names as due next (one provider; a second replaces the first)."""
    _next_due[:] = [provider]


def next_due(case: Case) -> Any:
    """What is due next in ``case`` (with ``title``, ``due_at``, ``whole_day``, ``overdue``), or None: nothing
    runs, or no app keeps time limits."""
    return _next_due[0](case) if _next_due else None
