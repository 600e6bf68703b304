"""What the packages built on case work add to it, so that ``casework`` imports neither ``planning`` nor
``intake`` (``docs/architecture.md``, *The cases app*). Filled from ``CasesConfig.ready()``:

- **move checks** (``check_moves_with``): a rule a case's move must pass besides the state machine's own, e.g.
  planning's "the plan is drawn up on an approved assessment, support starts on an approved plan" (ЗСУ чл. 80).
  A check raises ``ValidationError`` to refuse the move;
- **case page parts** (``case_page_part``): what another package shows on the case's page (planning: the
  assessment, the plan, their versions in force and the reviews): the prefetches it needs on the case, read
  with the case, and the context it adds to the page's template.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from opora.cases.casework.models import Case

MoveCheck = Callable[[Case, str], None]

_move_checks: dict[str, MoveCheck] = {}


def check_moves_with(name: str, check: MoveCheck) -> None:
    """Run ``check(case, to)`` before every move of a case (registered again under one name, it replaces the
    first)."""
    _move_checks[name] = check


def check_move(case: Case, to: str) -> None:
    """Every registered check of moving ``case`` (locked, as it is now) to ``to``, in the order registered."""
    for check in _move_checks.values():
        check(case, to)


@dataclass(frozen=True)
class CasePagePart:
    prefetch: Callable[[Any], Sequence[Prefetch[Any]]]  # the acting user → what to read with the case
    context: Callable[[Case], dict[str, Any]]  # the case, read with the prefetches → names for the template


_page_parts: dict[str, CasePagePart] = {}


def case_page_part(
    name: str, *, prefetch: Callable[[Any], Sequence[Prefetch[Any]]], context: Callable[[Case], dict[str, Any]]
) -> None:
    """Add what the case's page reads and shows for another package (registered again under one name, it
    replaces the first)."""
    _page_parts[name] = CasePagePart(prefetch, context)


def page_prefetches(user: Any) -> list[Prefetch[Any]]:
    return [prefetch for part in _page_parts.values() for prefetch in part.prefetch(user)]


def page_context(case: Case) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for part in _page_parts.values():
        context.update(part.context(case))
    return context
