"""Every write of intake and case work: recording a referral (and the tasks the law starts with it), the
head of service's four triage decisions, each move of a case from one state to the next, and completing a
task.

Each function checks the permission through ``opora.core.access`` (a refusal is ``PermissionDenied``), runs
in a transaction, locks the record it changes so that two people deciding at once cannot both succeed, and
raises ``ValidationError`` — keyed by the form field it is about, where there is one — when a rule says no.
The audit trail records each change under the acting user.
"""

import datetime
from collections.abc import Callable, Sequence
from pathlib import Path

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opora.accounts.models import User
from opora.audit.context import acting_as
from opora.cases.models import (
    CASE_MOVES,
    Case,
    CaseState,
    CaseTask,
    CaseTransition,
    Decision,
    DeclineGround,
    Referral,
    ReferralKind,
    ReferralStatus,
    TaskKind,
    TriageDecision,
)
from opora.cases.selectors import open_case_count, waiting_ahead
from opora.core.access import Perm, has_permission, has_permission_on, scope
from opora.organisation.models import Role, Service, ServiceKind
from opora.people.models import Person

# The designated social worker of the child protection department assesses a violence signal within 24
# hours (Child Protection Act): a rule of law, so a constant rather than a setting.
VIOLENCE_COORDINATION_HOURS = 24
# The roles that may lead a case (ЗСУ чл. 84) or sit on its multidisciplinary team (чл. 80).
CASE_STAFF_ROLES = (Role.HEAD, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.PEDAGOGUE, Role.FOSTER_CARE)


def _allow(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _organisation_language() -> translation.override:
    """Text Opora writes into a record (a task's title) is in the organisation's language, whoever's
    request wrote it: the record is read by everyone, and printed."""
    return translation.override(settings.LANGUAGE_CODE)


def same_municipality(first: str, second: str) -> bool:
    """Whether two municipality names, as typed, are one municipality ("Община Русе" and "русе" are)."""

    def plain(name: str) -> str:
        name = " ".join(name.split()).casefold()
        for prefix in ("община ", "общ. ", "municipality of "):
            name = name.removeprefix(prefix)
        return name

    return plain(first) == plain(second)


# --- Intake -------------------------------------------------------------------------------------------


@transaction.atomic
def referral_record(*, referral: Referral, people: Sequence[Person], by: User) -> Referral:
    """Save a new referral about ``people`` (whom ``by`` may see) and start what the law asks at once: the
    task to notify the child protection department and the parents of a child who came alone (ЗСУ чл. 87),
    and the 24-hour clock of a violence signal.

    The service asked for now works with the people, so its staff can open their records.
    """
    _allow(has_permission(by, Perm.REFERRAL_MANAGE, referral.service))
    if not people:
        raise ValidationError({"people": _("Choose the child or the family members the referral is about.")})
    visible = scope(by, Person.objects.filter(pk__in=[person.pk for person in people]), Perm.PERSON_VIEW)
    _allow(visible.count() == len({person.pk for person in people}))
    service = referral.service
    referral.recorded_by = by
    referral.from_other_municipality = not same_municipality(referral.home_municipality, service.municipality)
    if referral.preliminary_assessment_file and not referral.preliminary_assessment_filename:
        # The name the user's file had; on disk it gets a random one (``assessment_upload_to``).
        referral.preliminary_assessment_filename = Path(referral.preliminary_assessment_file.name or "").name[-255:]
    with acting_as(by):
        referral.full_clean()
        referral.save()
        referral.people.set(people)
        for person in people:
            if not person.services.filter(pk=service.pk).exists():
                person.services.add(service)
        _start_intake_tasks(referral, by)
    return referral


def _start_intake_tasks(referral: Referral, by: User) -> None:
    with _organisation_language():
        if referral.child_alone:
            _task_create(
                referral,
                by,
                kind=TaskKind.NOTIFY_CHILD_ALONE,
                title=_("Notify the child protection department and the parents: the child asked for support alone"),
                legal_source=_("Social Services Act, art. 87"),
                due_at=timezone.now(),  # "immediately"
            )
        if referral.violence_concern:
            _task_create(
                referral,
                by,
                kind=TaskKind.VIOLENCE_COORDINATION,
                title=_("Coordinate with the child protection department on the violence signal"),
                legal_source=_("Child Protection Act, art. 36г–36д"),
                # From the signal, not from when it was typed in: a referral recorded late is already late.
                due_at=referral.received_at + datetime.timedelta(hours=VIOLENCE_COORDINATION_HOURS),
            )


def _task_create(referral: Referral, by: User, **fields: object) -> CaseTask:
    task = CaseTask(service=referral.service, referral=referral, assigned_to=by, **fields)
    task.full_clean()
    task.save()
    return task


# --- Triage ------------------------------------------------------------------------------------------


def _lock_undecided(referral: Referral, by: User) -> Referral:
    """The referral, locked, if ``by`` may triage it and nobody has decided it yet."""
    _allow(has_permission_on(by, Perm.REFERRAL_TRIAGE, referral))
    locked = Referral.objects.select_related("service").select_for_update().get(pk=referral.pk)
    if not locked.is_undecided:
        raise ValidationError(
            _("This referral has already been decided: %(status)s.") % {"status": locked.get_status_display()}
        )
    return locked


def _require_referral(referral: Referral, service: Service) -> None:
    """General-access services need no referral (ЗСУ чл. 77(1)); specialised ones work only on one."""
    if service.kind == ServiceKind.SPECIALISED and referral.kind != ReferralKind.REFERRAL:
        raise ValidationError(
            {
                "decision": _(
                    "%(service)s is a specialised service: it works only on a referral from the social assistance "
                    "directorate or the municipality. Decline or redirect this request, or wait for the referral."
                )
                % {"service": service}
            }
        )


def _check_room(service: Service, *, from_other_municipality: bool, override_reason: str) -> None:
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


def _check_turn(referral: Referral, override_reason: str) -> None:
    """First come, first served, urgent cases first (ЗСУ чл. 79): accepting someone while others are ahead
    of them on the waiting list needs a reason."""
    ahead = waiting_ahead(referral).count()
    if ahead and not override_reason:
        raise ValidationError(
            {
                "override_reason": ngettext(
                    "One referral is ahead of this one on the waiting list. Accept it first, or say why this one "
                    "goes first.",
                    "%(count)d referrals are ahead of this one on the waiting list. Accept the first of them, or "
                    "say why this one goes first.",
                    ahead,
                )
                % {"count": ahead}
            }
        )


def _check_case_staff(service: Service, case_manager: User, team: Sequence[User]) -> None:
    staff = User.objects.filter(
        is_active=True, memberships__service=service, memberships__role__in=CASE_STAFF_ROLES
    ).distinct()
    errors = {}
    if not staff.filter(pk=case_manager.pk).exists():
        errors["case_manager"] = _("The case manager must work in %(service)s.") % {"service": service}
    strangers = [member for member in team if not staff.filter(pk=member.pk).exists()]
    if strangers:
        errors["team"] = _("Only staff of %(service)s can be on the team: %(names)s.") % {
            "service": service,
            "names": ", ".join(str(member) for member in strangers),
        }
    if errors:
        raise ValidationError(errors)


def _decide(referral: Referral, by: User, decision: str, status: str, **fields: object) -> TriageDecision:
    with acting_as(by):
        made = TriageDecision(referral=referral, decision=decision, by=by, **fields)
        made.full_clean()
        made.save()
        referral.status = status
        referral.save()
    return made


@transaction.atomic
def referral_accept(
    *, referral: Referral, by: User, case_manager: User, team: Sequence[User] = (), override_reason: str = ""
) -> Case:
    """Accept the referral into a new case of its service, with ``case_manager`` and ``team``. Refused when
    the service is full (unless ``override_reason`` says why; never for a person from another municipality)
    or when others are ahead on the waiting list (unless ``override_reason`` says why)."""
    referral = _lock_undecided(referral, by)
    # Locking the service makes two acceptances into its last place wait for each other.
    service = Service.objects.select_for_update().get(pk=referral.service_id)
    _require_referral(referral, service)
    team = [member for member in team if member.pk != case_manager.pk]
    _check_case_staff(service, case_manager, team)
    override_reason = override_reason.strip()
    _check_room(service, from_other_municipality=referral.from_other_municipality, override_reason=override_reason)
    _check_turn(referral, override_reason)
    with acting_as(by):
        case = Case(
            organisation_id=service.organisation_id,
            referral=referral,
            case_manager=case_manager,
            from_other_municipality=referral.from_other_municipality,
        )
        case.full_clean()
        case.save()
        case.services.set([service])
        case.people.set(referral.people.all())
        case.team.set(team)
        CaseTransition(
            case=case, from_state="", to_state=CaseState.ACCEPTED, by=by, override_reason=override_reason
        ).save()
        for task in referral.tasks.filter(case__isnull=True):
            task.case = case
            task.save()
    _decide(referral, by, Decision.ACCEPT, ReferralStatus.ACCEPTED, case=case, override_reason=override_reason)
    return case


@transaction.atomic
def referral_waitlist(*, referral: Referral, by: User, reason: str = "") -> TriageDecision:
    """Put the referral on its service's waiting list (its place: ``selectors.waiting_position``)."""
    referral = _lock_undecided(referral, by)
    if referral.status == ReferralStatus.WAITING:
        raise ValidationError({"decision": _("The referral is already on the waiting list.")})
    _require_referral(referral, referral.service)
    return _decide(referral, by, Decision.WAITLIST, ReferralStatus.WAITING, reason=reason.strip())


@transaction.atomic
def referral_redirect(*, referral: Referral, by: User, partner: str, reason: str = "") -> TriageDecision:
    """Send the referral on to a partner (another provider or institution)."""
    referral = _lock_undecided(referral, by)
    partner = partner.strip()
    if not partner:
        raise ValidationError({"partner": _("Name the partner the referral goes to.")})
    return _decide(referral, by, Decision.REDIRECT, ReferralStatus.REDIRECTED, partner=partner, reason=reason.strip())


@transaction.atomic
def referral_decline(*, referral: Referral, by: User, ground: str, reason: str) -> TriageDecision:
    """Decline the referral on a stated ground, explained in words."""
    referral = _lock_undecided(referral, by)
    errors = {}
    if ground not in DeclineGround.values:
        errors["decline_ground"] = _("Choose the ground for declining.")
    if not reason.strip():
        errors["reason"] = _("Explain the ground: the referring institution and the family are told.")
    if errors:
        raise ValidationError(errors)
    return _decide(
        referral, by, Decision.DECLINE, ReferralStatus.DECLINED, decline_ground=ground, reason=reason.strip()
    )


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


def may_move(user: User, case: Case, to: str) -> bool:
    """Whether ``user`` may move ``case`` to ``to`` now (for the buttons on the case's page)."""
    return to in CASE_MOVES[case.state] and has_permission_on(user, MOVE_PERMISSION[to], case)


def _state_label(state: str) -> str:
    return str(CaseState(state).label)


@transaction.atomic
def _move(case: Case, *, to: str, by: User, reason: str, override_reason: str = "") -> CaseTransition:
    _allow(has_permission_on(by, MOVE_PERMISSION[to], case))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if to not in CASE_MOVES[locked.state]:
        raise ValidationError(
            _("A case in the state “%(state)s” cannot move to “%(target)s”; it can move to: %(allowed)s.")
            % {
                "state": _state_label(locked.state),
                "target": _state_label(to),
                "allowed": ", ".join(f"“{_state_label(state)}”" for state in CASE_MOVES[locked.state]),
            }
        )
    reason, override_reason = reason.strip(), override_reason.strip()
    if to in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Say why the case moves to “%(target)s”.") % {"target": _state_label(to)}})
    if to == CaseState.REOPENED:
        # A reopened case takes a place again in each of its services.
        for service in Service.objects.select_for_update().filter(cases=locked).order_by("pk"):
            _check_room(
                service, from_other_municipality=locked.from_other_municipality, override_reason=override_reason
            )
    with acting_as(by):
        transition = CaseTransition(
            case=locked,
            from_state=locked.state,
            to_state=to,
            by=by,
            reason=reason,
            override_reason=override_reason if to == CaseState.REOPENED else "",
        )
        locked.state = to
        if to == CaseState.CLOSED:
            locked.closed_at = timezone.now()
        elif to == CaseState.REOPENED:
            locked.closed_at = None
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


def case_close(*, case: Case, by: User, reason: str) -> CaseTransition:
    """Close the case, at any stage, saying why (the head of service)."""
    return _move(case, to=CaseState.CLOSED, by=by, reason=reason)


def case_reopen(*, case: Case, by: User, reason: str, override_reason: str = "") -> CaseTransition:
    """Reopen a closed case, saying why; it takes a place again, so capacity is checked as at acceptance."""
    return _move(case, to=CaseState.REOPENED, by=by, reason=reason, override_reason=override_reason)


def case_move(*, case: Case, to: str, by: User, reason: str = "", override_reason: str = "") -> CaseTransition:
    """Move ``case`` to ``to`` through the function for that move (for the page's buttons)."""
    if to == CaseState.REOPENED:
        return case_reopen(case=case, by=by, reason=reason, override_reason=override_reason)
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


# --- Tasks --------------------------------------------------------------------------------------------


@transaction.atomic
def task_complete(*, task: CaseTask, by: User, note: str) -> CaseTask:
    """Mark the task done, with what was done (for a notification: who was told, when and how)."""
    _allow(has_permission_on(by, Perm.CASE_WORK, task))
    locked = CaseTask.objects.select_for_update().get(pk=task.pk)
    if locked.is_done:
        raise ValidationError(_("This task has already been done."))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what was done: for a notification, who was told, when and how.")})
    with acting_as(by):
        locked.done_at = timezone.now()
        locked.done_by = by
        locked.done_note = note
        locked.full_clean()
        locked.save()
    task.refresh_from_db()
    return locked
