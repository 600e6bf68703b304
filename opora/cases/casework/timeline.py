"""A case's timeline: everything that happened in it, newest first, a page at a time.

Each kind of event has its source, registered by the package that keeps it (case work: the moves and the
tasks done; planning: the assessments, the plans and the reviews), so that ``casework`` imports no other
package. A source reads the newest ``limit`` events of its kind for the case in **one query**, through the
user's scope; the page merges them. To show page ``n`` of ``size`` events each source reads its newest
``n × size + 1``: the events of the page are then the right ones whatever the mix of kinds, and whether a
next page exists is known without counting."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from opora.access import Perm, scope
from opora.cases.casework.models import Case, CaseState, CaseTask, CaseTransition

# Events shown on a page of the timeline, and the last page one may ask for (the sources read n × size + 1).
TIMELINE_PAGE = 20
TIMELINE_MAX_PAGE = 50


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime.datetime
    kind: str  # a CSS-safe word: the marker's colour and the screen reader's "what"
    title: str
    by: str = ""
    detail: str = ""
    url: str | None = None
    order: int = 0  # among events at the same moment, the higher first


EventSource = Callable[[Case, Any, int], list[TimelineEvent]]
_sources: dict[str, EventSource] = {}


def timeline_source(name: str, source: EventSource) -> None:
    """Let ``source(case, user, limit)`` give the case's newest ``limit`` events of one kind (one query)."""
    _sources[name] = source


@dataclass(frozen=True)
class TimelinePage:
    events: list[TimelineEvent]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def timeline_page(case: Case, user: Any, number: int, size: int = TIMELINE_PAGE) -> TimelinePage:
    number = max(1, min(number, TIMELINE_MAX_PAGE))
    wanted = number * size
    events = [event for source in _sources.values() for event in source(case, user, wanted + 1)]
    events.sort(key=lambda event: (event.at, event.order), reverse=True)
    return TimelinePage(events[wanted - size : wanted], number, len(events) > wanted)


# --- Case work's own events ----------------------------------------------------------------------------


def prefetched(case: Case, name: str) -> list[Any] | None:
    """What the case's page read with the case under ``name`` (through the user's scope), or None."""
    cache = getattr(case, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else None


def _moves(case: Case, user: Any, limit: int) -> list[TimelineEvent]:
    # The case's page reads its history with the case (a case has tens of moves, not thousands).
    read = prefetched(case, "transitions")
    if read is not None:
        moves = sorted(read, key=lambda move: (move.at, move.pk), reverse=True)[:limit]
    else:
        moves = list(
            scope(user, CaseTransition.objects.filter(case=case), Perm.CASE_VIEW)
            .select_related("by")
            .order_by("-at", "-pk")[:limit]
        )
    events = []
    for move in moves:
        if not move.from_state:
            title = _("The case was opened")
        elif move.to_state == CaseState.CLOSED:
            title = _("The case was closed: %(outcome)s") % {"outcome": move.get_outcome_display()}
        elif move.to_state == CaseState.REOPENED:
            title = _("The case was reopened")
        else:
            title = _("The case moved to “%(state)s”") % {"state": move.get_to_state_display()}
        detail = move.reason
        if move.override_reason:
            detail = f"{detail}\n{_('Beyond capacity, because:')} {move.override_reason}".strip()
        events.append(TimelineEvent(move.at, "move", title, str(move.by or ""), detail, order=move.pk))
    return events


def _tasks_done(case: Case, user: Any, limit: int) -> list[TimelineEvent]:
    tasks = (
        scope(user, CaseTask.objects.filter(case=case, done_at__isnull=False), Perm.CASE_VIEW)
        .select_related("done_by")
        .order_by("-done_at", "-pk")[:limit]
    )
    return [
        TimelineEvent(
            task.done_at,  # type: ignore[arg-type]  # filtered: done
            "task",
            _("Task done: %(task)s") % {"task": task.title},
            str(task.done_by or ""),
            task.done_note,
        )
        for task in tasks
    ]


def register() -> None:
    timeline_source("moves", _moves)
    timeline_source("tasks", _tasks_done)
