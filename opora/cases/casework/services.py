"""Every write of case work: each move of a case from one state to the next, its team, completing a task;
and what intake and planning share of it (the permission check, the capacity and the "one open case" rules,
the lock on an open case, the stale-edit check).

Each function checks the permission through ``opora.access`` (a refusal is ``PermissionDenied``), runs in a
transaction, locks the record it changes so that two people deciding at once cannot both succeed, and raises
``ValidationError`` — keyed by the form field it is about, where there is one — when a rule says no. The audit
trail records each change under the acting user. What the packages built on case work ask of a move (planning:
the approved documents) comes through ``opora.cases.casework.hooks``.
"""

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opora.access import Perm, has_permission_on
from opora.accounts.models import User
from opora.audit.context import acting_as
from opora.audit.models import ChangeEvent
from opora.cases.casework.hooks import check_move
from opora.cases.casework.models import (
    CASE_MOVES,
    GENERAL_ACCESS_MOVES,
    Case,
    CaseOutcome,
    CaseState,
    CaseTask,
    CaseTransition,
    NotifiedHow,
)
from opora.cases.casework.selectors import case_staff, children_of, open_case_count, open_cases_in
from opora.core.conflicts import StaleEdit
from opora.organisation.models import Service
from opora.people.models import Person, PersonKind


def allow(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def organisation_language() -> translation.override:
    """Text Opora writes into a record (a task's title) is in the organisation's language, whoever's
    request wrote it: the record is read by everyone, and printed."""
    return translation.override(settings.LANGUAGE_CODE)


def last_change(record: Any) -> ChangeEvent | None:
    """The audit trail's last change of ``record``: who corrected it and when."""
    return (
        ChangeEvent.objects.filter(content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk))
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )


def check_version(current: Any, edit_version: int | None, message: str) -> None:
    """Refuse a correction read from a version someone has changed since (checked under the row's lock).
    ``current`` has an ``edit_version``; ``message`` names who changed it and when (``%(who)s``, ``%(when)s``)."""
    if current.edit_version == edit_version:
        return
    event = last_change(current)
    raise StaleEdit(
        message
        % {
            "who": str(event.actor) if event is not None and event.actor is not None else _("Someone else"),
            "when": timezone.localtime(event.at if event is not None else timezone.now()).strftime("%d.%m.%Y %H:%M"),
        },
        current,
    )


def check_room(service: Service, *, from_other_municipality: bool, override_reason: str) -> None:
    """Refuse to take a place in a full service, unless the head says why; never for a person from
    another municipality, who is accepted only while there is a free place (ЗСУ чл. 75(5))."""
    taken = open_case_count(service)
    if taken < service.capacity:
        return
    numbers = {"service": service, "taken": taken, "capacity": service.capacity}
    if from_other_municipality:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "%(service)s is full (%(taken)s of %(capacity)s places). A person from another municipality is "
                    "accepted only while there is a free place: put the referral on the waiting list."
                )
                % numbers
            }
        )
    if not override_reason:
        raise ValidationError(
            {
                "override_reason": _(
                    "%(service)s is full (%(taken)s of %(capacity)s places). Say why it takes one more, "
                    "or put the referral on the waiting list."
                )
                % numbers
            }
        )


def check_case_staff(services: Sequence[Service], case_manager: User, team: Sequence[User]) -> None:
    """The case manager and the team must work in one of the case's services."""
    staff = case_staff(services)
    where = ", ".join(str(service) for service in services)
    errors = {}
    if not staff.filter(pk=case_manager.pk).exists():
        errors["case_manager"] = _("The case manager must work in %(service)s.") % {"service": where}
    strangers = [member for member in team if not staff.filter(pk=member.pk).exists()]
    if strangers:
        errors["team"] = _("Only staff of %(service)s can be on the team: %(names)s.") % {
            "service": where,
            "names": ", ".join(str(member) for member in strangers),
        }
    if errors:
        raise ValidationError(errors)


def check_no_open_case(service: Service, people: Sequence[Person], *, besides: Case | None = None) -> None:
    """A child has one open case in a service: a second would take a second place for him and split his
    file. The worker adds the new referral's information to the open case instead, or the head closes it."""
    children = children_of(people) if any(person.kind == PersonKind.CHILD for person in people) else people
    open_cases = open_cases_in(service, children)
    if besides is not None:
        open_cases = open_cases.exclude(pk=besides.pk)
    found = open_cases.first()
    if found is None:
        return
    names = ", ".join(str(person) for person in found.people.filter(pk__in=[person.pk for person in children]))
    raise ValidationError(
        {
            NON_FIELD_ERRORS: _(
                "%(names)s already has an open case in %(service)s: %(case)s. Add what this referral brings "
                "to that case, or close it before a new one is opened."
            )
            % {"names": names, "service": service, "case": found}
        }
    )


@transaction.atomic
def case_team_change(*, case: Case, by: User, case_manager: User, team: Sequence[User]) -> Case:
    """Name another case manager or change the multidisciplinary team, as staff leave and join: the head of
    the service. Only staff of the case's services; audited (the team as a many-to-many change)."""
    case = lock_open_case(case, by, Perm.CASE_APPROVE)
    check_case_staff(list(case.services.all()), case_manager, team)
    with acting_as(by):
        case.case_manager = case_manager
        case.save()
        case.team.set(team)
    return case


# --- Case transitions -----------------------------------------------------------------------------------

# Who may make each move: the case workers take a case through assessment and plan; the head of service
# puts the plan into effect (support), closes and reopens.
MOVE_PERMISSION: dict[str, str] = {
    CaseState.ASSESSMENT: Perm.CASE_WORK,
    CaseState.PLAN: Perm.CASE_WORK,
    CaseState.SUPPORT: Perm.CASE_APPROVE,
    CaseState.CLOSED: Perm.CASE_APPROVE,
    CaseState.REOPENED: Perm.CASE_APPROVE,
}
# Moves that must say why.
REASON_REQUIRED = {CaseState.CLOSED, CaseState.REOPENED}


def moves_of(case: Case) -> tuple[str, ...]:
    """Where ``case`` may go from its state, in the order of the states: ``CASE_MOVES``, and for a case of
    general-access services only, support at once (``GENERAL_ACCESS_MOVES``)."""
    moves = set(CASE_MOVES[case.state])
    if case.state in GENERAL_ACCESS_MOVES and case.is_general_access:
        moves.update(GENERAL_ACCESS_MOVES[case.state])
    return tuple(state for state in CaseState if state in moves)


def may_move(user: User, case: Case, to: str) -> bool:
    """Whether ``user`` may move ``case`` to ``to`` now (for the buttons on the case's page)."""
    return to in moves_of(case) and has_permission_on(user, MOVE_PERMISSION[to], case)


def _state_label(state: str) -> str:
    return str(CaseState(state).label)


@transaction.atomic
def _move(
    case: Case, *, to: str, by: User, reason: str, override_reason: str = "", outcome: str = ""
) -> CaseTransition:
    allow(has_permission_on(by, MOVE_PERMISSION[to], case))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    allowed = moves_of(locked)
    if to not in allowed:
        raise ValidationError(
            _("A case in the state “%(state)s” cannot move to “%(target)s”; it can move to: %(allowed)s.")
            % {
                "state": _state_label(locked.state),
                "target": _state_label(to),
                "allowed": ", ".join(f"“{_state_label(state)}”" for state in allowed),
            }
        )
    reason, override_reason = reason.strip(), override_reason.strip()
    _check_reason_and_outcome(to, reason, outcome)
    # What the packages built on case work ask of the move (planning: the approved documents).
    check_move(locked, to)
    if to == CaseState.REOPENED:
        # A reopened case takes a place again in each of its services.
        for service in Service.objects.select_for_update().filter(cases=locked).order_by("pk"):
            check_no_open_case(service, list(locked.people.all()), besides=locked)
            check_room(service, from_other_municipality=locked.from_other_municipality, override_reason=override_reason)
    with acting_as(by):
        transition = CaseTransition(
            case=locked,
            from_state=locked.state,
            to_state=to,
            by=by,
            reason=reason,
            override_reason=override_reason if to == CaseState.REOPENED else "",
            outcome=outcome if to == CaseState.CLOSED else "",
        )
        locked.state = to
        if to == CaseState.CLOSED:
            locked.closed_at = timezone.now()
            locked.outcome = outcome
        elif to == CaseState.REOPENED:
            # The closure's outcome and summary stay on its transition: the history is kept.
            locked.closed_at = None
            locked.outcome = ""
        locked.save()
        transition.save()
    case.refresh_from_db()
    return transition


def case_begin_assessment(*, case: Case, by: User, reason: str = "") -> CaseTransition:
    """Start the needs assessment (from an accepted or a reopened case)."""
    return _move(case, to=CaseState.ASSESSMENT, by=by, reason=reason)


def case_begin_plan(*, case: Case, by: User, reason: str = "") -> CaseTransition:
    """The assessment is done: draw up the individual support plan."""
    return _move(case, to=CaseState.PLAN, by=by, reason=reason)


def case_begin_support(*, case: Case, by: User, reason: str = "") -> CaseTransition:
    """The plan is in effect: support begins (the head of service)."""
    return _move(case, to=CaseState.SUPPORT, by=by, reason=reason)


def case_close(*, case: Case, by: User, reason: str, outcome: str = "") -> CaseTransition:
    """Close the case, at any stage, with its outcome (``CaseOutcome``) and a summary in ``reason`` (the head
    of service). Both are required; the default only lets the refusal name the missing outcome."""
    return _move(case, to=CaseState.CLOSED, by=by, reason=reason, outcome=outcome)


def case_reopen(*, case: Case, by: User, reason: str, override_reason: str = "") -> CaseTransition:
    """Reopen a closed case, saying why; it takes a place again, so capacity is checked as at acceptance."""
    return _move(case, to=CaseState.REOPENED, by=by, reason=reason, override_reason=override_reason)


def case_move(
    *, case: Case, to: str, by: User, reason: str = "", override_reason: str = "", outcome: str = ""
) -> CaseTransition:
    """Move ``case`` to ``to`` through the function for that move (for the page's buttons)."""
    if to == CaseState.REOPENED:
        return case_reopen(case=case, by=by, reason=reason, override_reason=override_reason)
    if to == CaseState.CLOSED:
        return case_close(case=case, by=by, reason=reason, outcome=outcome)
    moves: dict[str, Callable[..., CaseTransition]] = {
        CaseState.ASSESSMENT: case_begin_assessment,
        CaseState.PLAN: case_begin_plan,
        CaseState.SUPPORT: case_begin_support,
        CaseState.CLOSED: case_close,
    }
    if to not in moves:
        # Only a triage decision puts a case in "accepted"; anything else is not a state at all.
        label = _state_label(to) if to in CaseState.values else to
        raise ValidationError(_("A case cannot be moved to “%(target)s”.") % {"target": label})
    return moves[to](case=case, by=by, reason=reason)


def _check_reason_and_outcome(to: str, reason: str, outcome: str) -> None:
    errors = {}
    if to in REASON_REQUIRED and not reason:
        if to == CaseState.CLOSED:
            errors["reason"] = _("Summarise the work with the case and why it closes.")
        else:
            errors["reason"] = _("Say why the case moves to “%(target)s”.") % {"target": _state_label(to)}
    if to == CaseState.CLOSED and outcome not in CaseOutcome.values:
        errors["outcome"] = _("Choose the outcome of the case.")
    if errors:
        raise ValidationError(errors)


# A clock a few minutes fast on the user's computer is not a notification in the future.
NOTIFIED_TOLERANCE = datetime.timedelta(minutes=5)

# --- Tasks --------------------------------------------------------------------------------------------


@transaction.atomic
def task_complete(
    *,
    task: CaseTask,
    by: User,
    notified_whom: str,
    notified_at: datetime.datetime | None,
    notified_how: str,
    note: str = "",
) -> CaseTask:
    """Mark the task done with who was told, when and how (and anything else in ``note``)."""
    allow(has_permission_on(by, Perm.CASE_WORK, task))
    locked = CaseTask.objects.select_for_update().get(pk=task.pk)
    if locked.is_done:
        raise ValidationError(_("This task has already been done."))
    notified_whom = notified_whom.strip()
    errors = {}
    if not notified_whom:
        errors["notified_whom"] = _("Say who was notified: the department, the parent, by name or position.")
    if notified_at is None:
        errors["notified_at"] = _("Say when they were notified.")
    elif notified_at > timezone.now() + NOTIFIED_TOLERANCE:
        errors["notified_at"] = _("This is in the future: type when they were notified.")
    if notified_how not in NotifiedHow.values:
        errors["notified_how"] = _("Choose how they were notified.")
    if errors:
        raise ValidationError(errors)
    with acting_as(by):
        locked.done_at = timezone.now()
        locked.done_by = by
        locked.notified_whom, locked.notified_at, locked.notified_how = notified_whom, notified_at, notified_how
        locked.done_note = note.strip()
        locked.full_clean()
        locked.save()
    task.refresh_from_db()
    return locked


def reopened_at(case: Case) -> datetime.datetime | None:
    """When the case was last reopened: what was approved before that does not count any more."""
    return (
        CaseTransition.objects.filter(case=case, to_state=CaseState.REOPENED)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )


def may_work_on_documents(user: User, case: Case) -> bool:
    """Who writes and submits the case's assessment, plan and reviews: its workers (``case.work`` in one of
    its services) and the members of its multidisciplinary team, the psychologist and the pedagogue too
    (ЗСУ чл. 80: the team assesses and plans). Approving stays the head's (``case.approve``)."""
    if has_permission_on(user, Perm.CASE_WORK, case):
        return True
    on_team = case.case_manager_id == user.pk or case.team.filter(pk=user.pk).exists()
    return on_team and has_permission_on(user, Perm.CASE_VIEW, case)


def lock_open_case(case: Case, by: User, permission: str = Perm.CASE_WORK) -> Case:
    """The case, locked: every change to its documents waits for the one before it to commit, so that the
    version check below sees the other person's save."""
    allow(may_work_on_documents(by, case) if permission == Perm.CASE_WORK else has_permission_on(by, permission, case))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not locked.is_open:
        raise ValidationError(_("The case is closed: reopen it before changing its documents."))
    return locked


def forward_path(start: str, target: str) -> list[str]:
    """The states a case goes through from ``start`` to ``target`` on its way forward (without closing), or
    none when ``target`` is not ahead of it."""
    forward = (CaseState.ASSESSMENT, CaseState.PLAN, CaseState.SUPPORT)
    path: list[str] = []
    state = start
    while state != target:
        following = next((move for move in CASE_MOVES[state] if move in forward), None)
        if following is None:
            return []
        path.append(following)
        state = following
    return path
