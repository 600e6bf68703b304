"""Every write of intake and case work: recording a referral (and the tasks the law starts with it), the
head of service's four triage decisions, each move of a case from one state to the next, and completing a
task.

Each function checks the permission through ``opora.access`` (a refusal is ``PermissionDenied``), runs
in a transaction, locks the record it changes so that two people deciding at once cannot both succeed, and
raises ``ValidationError`` — keyed by the form field it is about, where there is one — when a rule says no.
The audit trail records each change under the acting user.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _lazy

from opora.access import Perm, has_permission, has_permission_on, scope
from opora.accounts.models import User
from opora.accounts.tasks import send_prepared_email
from opora.audit.context import acting_as
from opora.audit.models import ChangeEvent
from opora.cases.models import (
    CASE_MOVES,
    DOMAIN_SIDE,
    SOURCES_WITHOUT_INSTITUTION,
    Assessment,
    AssessmentDomain,
    Case,
    CaseDocument,
    CaseOutcome,
    CaseState,
    CaseTask,
    CaseTransition,
    Decision,
    DeclineGround,
    DocumentStatus,
    GoalProgress,
    GoalStatus,
    NotifiedHow,
    PersonLink,
    PlanActivity,
    PlanGoal,
    PlanReview,
    Referral,
    ReferralKind,
    ReferralSource,
    ReferralStatus,
    SupportPlan,
    TriageDecision,
)
from opora.cases.selectors import (
    case_staff,
    children_of,
    open_case_count,
    open_cases_in,
    waiting_ahead,
)
from opora.cases.signals import referral_recorded
from opora.core.conflicts import StaleEdit
from opora.organisation.models import Role, Service, ServiceKind
from opora.people.models import Person, PersonKind


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


# What a preliminary assessment may be: a scan (PDF or a picture) or a document; each kind is recognised by
# its first bytes, so that a file named "assessment.pdf" is a PDF.
ASSESSMENT_FILE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".docx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
}
MAX_ASSESSMENT_FILE_MB = 10
# A clock a few minutes fast on the user's computer is not a referral from the future.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


def check_assessment_file(upload: File) -> None:
    """Refuse a file too large, of a kind not accepted, or whose content is not what its name says."""
    name = upload.name or ""
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    if extension not in ASSESSMENT_FILE_SIGNATURES:
        raise ValidationError(_("Attach a PDF, a picture (JPEG, PNG) or a document (DOC, DOCX, ODT)."))
    if (upload.size or 0) > MAX_ASSESSMENT_FILE_MB * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(size)s MB: scan it at a lower resolution, or attach its first pages.")
            % {"size": MAX_ASSESSMENT_FILE_MB}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(ASSESSMENT_FILE_SIGNATURES[extension]):
        raise ValidationError(
            _("The file's content is not a %(kind)s document, as its name says. Attach the file itself.")
            % {"kind": extension.lstrip(".").upper()}
        )


def check_referral(referral: Referral, people: Sequence[Person] | None) -> None:
    """The rules a referral obeys however it is recorded (the form shows them next to its fields): a
    referral carries a preliminary assessment (ЗСУ чл. 73) and names its institution, a person who comes
    themselves makes a request, a child who comes alone refers themselves and is a child (чл. 87).
    ``people`` is None when the form could not read them. An empty municipality is taken from the address
    of the first person with one."""
    errors: dict[str, Any] = {}
    kind, source = referral.kind, referral.source
    if kind == ReferralKind.REFERRAL and source == ReferralSource.SELF:
        errors["kind"] = _(
            "A person who asks for support themselves makes a request: choose “Request without a referral”."
        )
    if source and source not in SOURCES_WITHOUT_INSTITUTION and not referral.referring_institution.strip():
        errors["referring_institution"] = _("Name the institution that sends the referral.")
    if kind == ReferralKind.REFERRAL and not (
        referral.preliminary_assessment.strip() or referral.preliminary_assessment_file
    ):
        errors["preliminary_assessment"] = _(
            "Every referral carries a preliminary assessment (Social Services Act, art. 73): type it here "
            "or attach the file."
        )
    if referral.received_at is not None and referral.received_at > timezone.now() + FUTURE_TOLERANCE:
        errors["received_at"] = _("This is in the future: type when the referral arrived.")
    upload = referral.preliminary_assessment_file
    if _is_new_file(upload):
        try:
            check_assessment_file(upload.file)
        except ValidationError as refused:
            errors["preliminary_assessment_file"] = refused.messages
    if referral.child_alone:
        if source and source != ReferralSource.SELF:
            errors["child_alone"] = _("A child who comes alone refers themselves: choose “Self-referral”.")
        elif people is not None and not any(person.kind == PersonKind.CHILD for person in people):
            errors["child_alone"] = _("None of the people chosen is registered as a child.")
    if not referral.home_municipality.strip() and people:
        settlement = next((person.settlement for person in people if person.settlement is not None), None)
        if settlement is not None:
            referral.home_municipality = settlement.municipality.name
        else:
            errors["home_municipality"] = _(
                "Type the municipality where the family lives: none of the people has an address in Opora."
            )
    if errors:
        raise ValidationError(errors)


def _is_new_file(upload: Any) -> bool:
    """Whether the file field holds a file chosen now, not one already stored."""
    return bool(upload) and not upload._committed


def _check_people(people: Sequence[Person], by: User) -> None:
    if not people:
        raise ValidationError({"people": _("Choose the child or the family members the referral is about.")})
    visible = scope(by, Person.objects.filter(pk__in=[person.pk for person in people]), Perm.PERSON_VIEW)
    _allow(visible.count() == len({person.pk for person in people}))


def _prepare(referral: Referral, people: Sequence[Person]) -> None:
    check_referral(referral, people)
    referral.from_other_municipality = not same_municipality(referral.home_municipality, referral.service.municipality)
    if _is_new_file(referral.preliminary_assessment_file):
        # The name the user's file had; on disk it gets a random one (``assessment_upload_to``).
        referral.preliminary_assessment_filename = Path(referral.preliminary_assessment_file.name or "").name[-255:]


def _serve_people(service: Service, people: Sequence[Person]) -> None:
    """The service asked for works with the people, so its staff can open their records."""
    for person in people:
        if not person.services.filter(pk=service.pk).exists():
            person.services.add(service)


@transaction.atomic
def referral_record(*, referral: Referral, people: Sequence[Person], by: User) -> Referral:
    """Save a new referral about ``people`` (whom ``by`` may see), refused as the form refuses it
    (``check_referral``), and start what the law asks at once: the task to notify the child protection
    department and the parents of a child who came alone (ЗСУ чл. 87), and the 24-hour clock of a violence
    signal. The service asked for now works with the people, so its staff can open their records.
    """
    _allow(has_permission(by, Perm.REFERRAL_MANAGE, referral.service))
    _check_people(people, by)
    _prepare(referral, people)
    referral.recorded_by = by
    with acting_as(by):
        referral.full_clean()
        referral.save()
        referral.people.set(people)
        _serve_people(referral.service, people)
        # The tasks the law starts (ЗСУ чл. 87, чл. 77(3), ЗЗД чл. 36г–36д) are the deadline rules' to write.
        referral_recorded.send(sender=Referral, referral=referral, by=by)
    return referral


def last_change(record: Any) -> ChangeEvent | None:
    """The audit trail's last change of ``record``: who corrected it and when."""
    return (
        ChangeEvent.objects.filter(content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk))
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )


STALE_MESSAGES = {
    "referral": _lazy(
        "%(who)s corrected this referral on %(when)s, after you opened it. Nothing you typed was saved, and "
        "nothing of theirs was overwritten: your values are kept below. Compare them with theirs, then save "
        "again to replace them with yours."
    ),
    "planreview": _lazy(
        "%(who)s corrected this review on %(when)s, after you opened it. Nothing you typed was saved, and "
        "nothing of theirs was overwritten: your values are kept below. Compare them with theirs, then save "
        "again to replace them with yours."
    ),
}


def _check_version(current: Referral | PlanReview, edit_version: int | None) -> None:
    """Refuse a correction read from a version someone has changed since (checked under the row's lock)."""
    if current.edit_version == edit_version:
        return
    event = last_change(current)
    raise StaleEdit(
        str(STALE_MESSAGES[current._meta.model_name or ""])
        % {
            "who": str(event.actor) if event is not None and event.actor is not None else _("Someone else"),
            "when": timezone.localtime(event.at if event is not None else timezone.now()).strftime("%d.%m.%Y %H:%M"),
        },
        current,
    )


@transaction.atomic
def referral_update(*, referral: Referral, people: Sequence[Person], by: User, edit_version: int | None) -> Referral:
    """Correct a recorded referral (``referral`` carries the corrected values; its service stays), read at
    ``edit_version``: refused as a new one would be, and as stale when someone corrected it since. A task the
    correction calls for (a child alone, a violence signal) starts now if it was not there."""
    _allow(has_permission_on(by, Perm.REFERRAL_MANAGE, referral))
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    _allow(locked.service_id == referral.service_id)
    _check_version(locked, edit_version)
    _check_people(people, by)
    _prepare(referral, people)
    referral.edit_version = locked.edit_version + 1
    with acting_as(by):
        referral.full_clean()
        referral.save()
        referral.people.set(people)
        _serve_people(referral.service, people)
        # A task the correction calls for (a child alone, a violence signal) starts now if it was not there.
        referral_recorded.send(sender=Referral, referral=referral, by=by)
    return referral


@transaction.atomic
def person_link_to_service(*, person: Person, service: Service, by: User, reason: str) -> PersonLink:
    """Give ``service`` (whose head ``by`` is) a link to a person registered by another service of the
    organisation, so that her referral is recorded about him rather than about a second record of him
    (scenario 1). The link opens the person's record to the service, and nothing of the other services'
    referrals or cases; it is kept with its reason, and the heads of those services are told by e-mail."""
    _allow(has_permission(by, Perm.REFERRAL_TRIAGE, service))
    _allow(person.organisation_id == service.organisation_id and person.merged_into_id is None)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this is the same person: the other service is told.")})
    if person.services.filter(pk=service.pk).exists():
        raise ValidationError(
            {NON_FIELD_ERRORS: _("%(service)s already works with this person.") % {"service": service}}
        )
    others = list(person.services.order_by("name"))
    with acting_as(by):
        link = PersonLink(
            person=person,
            service=service,
            by=by,
            reason=reason.strip(),
            registered_by=", ".join(other.name for other in others)[:500],
        )
        link.full_clean()
        link.save()
        person.services.add(service)
    _tell_the_other_heads(link, others)
    return link


def _tell_the_other_heads(link: PersonLink, others: Sequence[Service]) -> None:
    """An e-mail, after the commit, to each head of the services that had registered the person."""
    heads = (
        User.objects.filter(is_active=True, memberships__role=Role.HEAD, memberships__service__in=others)
        .exclude(email="")
        .distinct()
    )
    addresses = sorted({head.email for head in heads})
    if not addresses:
        return
    with _organisation_language():
        subject = _("%(service)s now works with a person your service registered") % {"service": link.service}
        body = _(
            "%(who)s, head of %(service)s, linked a referral to a person registered by your service "
            "(record %(number)s), on %(when)s. Reason: %(reason)s\n\n"
            "%(service)s sees the person's record, and none of your service's referrals or cases."
        ) % {
            "who": link.by,
            "service": link.service,
            "number": link.person_id,
            "when": timezone.localtime(link.at).strftime("%d.%m.%Y %H:%M"),
            "reason": link.reason,
        }
    transaction.on_commit(lambda: send_prepared_email.enqueue(str(subject), str(body), addresses))


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


def _check_case_staff(services: Sequence[Service], case_manager: User, team: Sequence[User]) -> None:
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


def _check_no_open_case(service: Service, people: Sequence[Person], *, besides: Case | None = None) -> None:
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
    case = _lock_open_case(case, by, Perm.CASE_APPROVE)
    _check_case_staff(list(case.services.all()), case_manager, team)
    with acting_as(by):
        case.case_manager = case_manager
        case.save()
        case.team.set(team)
    return case


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
    _check_no_open_case(service, list(referral.people.all()))
    team = [member for member in team if member.pk != case_manager.pk]
    _check_case_staff([service], case_manager, team)
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
def _move(
    case: Case, *, to: str, by: User, reason: str, override_reason: str = "", outcome: str = ""
) -> CaseTransition:
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
    _check_reason_and_outcome(to, reason, outcome)
    _check_documents(locked, to)
    if to == CaseState.REOPENED:
        # A reopened case takes a place again in each of its services.
        for service in Service.objects.select_for_update().filter(cases=locked).order_by("pk"):
            _check_no_open_case(service, list(locked.people.all()), besides=locked)
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


def _check_documents(case: Case, to: str) -> None:
    """The plan is drawn up on an approved assessment, and support starts on an approved plan (ЗСУ чл. 80).
    After a reopening, the documents approved before it do not count: the case starts again."""
    if to == CaseState.PLAN and current_approved(case, Assessment) is None:
        raise ValidationError(
            _(
                "The case cannot move to “%(target)s” before the needs assessment is approved: complete the "
                "assessment, submit it, and ask the head of service to approve it."
            )
            % {"target": _state_label(to)}
        )
    if to == CaseState.SUPPORT and current_approved(case, SupportPlan) is None:
        raise ValidationError(
            _(
                "The case cannot move to “%(target)s” before the individual support plan is approved: draw up "
                "the plan, submit it, and approve it."
            )
            % {"target": _state_label(to)}
        )


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
    _allow(has_permission_on(by, Perm.CASE_WORK, task))
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


# --- Needs assessment, support plan and reviews ---------------------------------------------------------

# A child of this age or older is heard in every procedure that concerns them (Child Protection Act, art. 15).
CHILD_HEARD_FROM_AGE = 10


@dataclass
class ActivityData:
    what: str
    frequency: str
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    staff: User | None = None
    partner: str = ""


@dataclass
class GoalData:
    text: str
    needs: list[str]
    expected_results: str
    status: str = GoalStatus.NOT_STARTED
    activities: list[ActivityData] = field(default_factory=list)


def latest_version[D: CaseDocument](case: Case, model: type[D]) -> D | None:
    """The newest version of the case's assessment or plan, approved or not."""
    return model._default_manager.filter(case=case).order_by("-number").first()


def reopened_at(case: Case) -> datetime.datetime | None:
    """When the case was last reopened: what was approved before that does not count any more."""
    return (
        CaseTransition.objects.filter(case=case, to_state=CaseState.REOPENED)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )


def current_approved[D: CaseDocument](case: Case, model: type[D]) -> D | None:
    """The newest approved version of the assessment or plan that counts now (approved since the last
    reopening of the case)."""
    return _approved_since(model._default_manager.filter(case=case), reopened_at(case)).order_by("-number").first()


def _approved_since[D: CaseDocument](versions: QuerySet[D], since: datetime.datetime | None) -> QuerySet[D]:
    approved = versions.filter(status=DocumentStatus.APPROVED)
    return approved if since is None else approved.filter(approved_at__gte=since)


def latest_and_approved[D: CaseDocument](
    case: Case, model: type[D], since: datetime.datetime | None
) -> tuple[D | None, D | None]:
    """``latest_version`` and ``current_approved`` in one query, the case's last reopening (``since``) known."""
    versions = model._default_manager.filter(case=case)
    newest = versions.order_by("-number").values("pk")[:1]
    in_force = _approved_since(versions, since).order_by("-number").values("pk")[:1]
    rows = list(
        versions.filter(Q(pk=Subquery(newest)) | Q(pk=Subquery(in_force))).annotate(
            in_force=ExpressionWrapper(Q(pk=Subquery(in_force)), output_field=BooleanField())
        )
    )
    latest = max(rows, key=lambda row: row.number, default=None)
    return latest, next((row for row in rows if row.in_force), None)  # type: ignore[attr-defined]  # annotated above


def may_work_on_documents(user: User, case: Case) -> bool:
    """Who writes and submits the case's assessment, plan and reviews: its workers (``case.work`` in one of
    its services) and the members of its multidisciplinary team, the psychologist and the pedagogue too
    (ЗСУ чл. 80: the team assesses and plans). Approving stays the head's (``case.approve``)."""
    if has_permission_on(user, Perm.CASE_WORK, case):
        return True
    on_team = case.case_manager_id == user.pk or case.team.filter(pk=user.pk).exists()
    return on_team and has_permission_on(user, Perm.CASE_VIEW, case)


def _lock_open_case(case: Case, by: User, permission: str = Perm.CASE_WORK) -> Case:
    """The case, locked: every change to its documents waits for the one before it to commit, so that the
    version check below sees the other person's save."""
    _allow(may_work_on_documents(by, case) if permission == Perm.CASE_WORK else has_permission_on(by, permission, case))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not locked.is_open:
        raise ValidationError(_("The case is closed: reopen it before changing its documents."))
    return locked


def _check_fresh(latest: CaseDocument | None, based_on: int | None, edit_version: int | None) -> None:
    """Refuse a save whose form was read from a version that is not the newest one as it is now."""
    if latest is None and based_on is None:
        return
    if latest is not None and latest.pk == based_on and latest.edit_version == edit_version:
        return
    if latest is None:
        raise StaleEdit(_("The document you edited no longer exists. Your text is kept below."), None)
    raise StaleEdit(
        _(
            "%(who)s changed this document on %(when)s, after you opened it (it is now version %(number)s). "
            "Nothing you typed was saved, and nothing of theirs was overwritten: your text is kept below. "
            "Compare it with their version, then save again to replace it with yours."
        )
        % {
            "who": latest.updated_by,
            "when": timezone.localtime(latest.updated_at).strftime("%d.%m.%Y %H:%M"),
            "number": latest.number,
        },
        latest,
    )


def _start_or_continue[D: CaseDocument](latest: D | None, new: D, by: User) -> D:
    """An approved version is never changed: editing it starts the next version. A draft is edited in place,
    its counter moved on."""
    if latest is None or latest.is_approved:
        new.number = latest.number + 1 if latest is not None else 1
        new.created_by = new.updated_by = by
        return new
    latest.edit_version += 1
    latest.updated_by = by
    return latest


@transaction.atomic
def assessment_save(
    *,
    case: Case,
    by: User,
    values: dict[str, Any],
    domains: dict[str, tuple[int | None, str]],
    heard_children: Sequence[Person],
    based_on: int | None,
    edit_version: int | None,
) -> Assessment:
    """Save the needs assessment of ``case`` as edited from the version ``based_on`` read at
    ``edit_version``: a draft is changed in place, an approved version gets a successor. ``values`` are the
    assessment's own fields, ``domains`` each domain's score and description. Refused (``StaleEdit``) when
    someone saved since the form was read."""
    locked = _lock_open_case(case, by)
    latest = latest_version(locked, Assessment)
    _check_fresh(latest, based_on, edit_version)
    strangers = {person.pk for person in heard_children} - set(locked.people.values_list("pk", flat=True))
    if strangers:
        raise ValidationError({"heard_children": _("Choose children of this case.")})
    with acting_as(by):
        assessment = _start_or_continue(latest, Assessment(case=locked), by)
        for name, value in values.items():
            setattr(assessment, name, value)
        assessment.full_clean()
        assessment.save()
        assessment.heard_children.set(heard_children)
        _save_domains(assessment, domains)
    return assessment


def _save_domains(assessment: Assessment, domains: dict[str, tuple[int | None, str]]) -> None:
    existing = {row.domain: row for row in assessment.domains.all()}
    for domain, (score, description) in domains.items():
        row = existing.get(domain) or AssessmentDomain(case=assessment.case, assessment=assessment, domain=domain)
        if row.pk is not None and (row.score, row.description) == (score, description):
            continue  # unchanged: no save, no empty entry in the audit trail
        row.score, row.description = score, description
        row.full_clean()
        row.save()


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def children_to_hear(assessment: Assessment) -> list[Person]:
    """The case's children who were ``CHILD_HEARD_FROM_AGE`` or older on the date of the assessment."""
    children = assessment.case.people.filter(kind=PersonKind.CHILD, birth_date__isnull=False)
    return [
        child
        for child in children.order_by("last_name", "first_name")
        if child.birth_date and age_on(child.birth_date, assessment.assessed_on) >= CHILD_HEARD_FROM_AGE
    ]


def _check_assessment_complete(assessment: Assessment) -> None:
    heard = set(assessment.heard_children.values_list("pk", flat=True))
    not_heard = [child for child in children_to_hear(assessment) if child.pk not in heard]
    if not_heard:
        raise ValidationError(
            _(
                "%(names)s was %(age)s or older on %(date)s: a child of that age must be heard before the "
                "assessment is approved. Edit the assessment, record the child as heard and what they said."
            )
            % {
                "names": ", ".join(str(child) for child in not_heard),
                "age": CHILD_HEARD_FROM_AGE,
                "date": assessment.assessed_on.strftime("%d.%m.%Y"),
            }
        )
    scored_sides = {DOMAIN_SIDE[row.domain] for row in assessment.domains.all() if row.score is not None}
    if len(scored_sides) < len(set(DOMAIN_SIDE.values())):
        raise ValidationError(
            _(
                "Score at least one domain on each of the three sides of the framework (the child's needs, "
                "parenting capacity, family and environment) before the assessment is approved."
            )
        )


def _check_plan_complete(plan: SupportPlan) -> None:
    errors = []
    if plan.assessment_id != getattr(current_approved(plan.case, Assessment), "pk", None):
        errors.append(_("The assessment has a newer approved version: open the plan and save it again."))
    if plan.person_agreed is None:
        errors.append(_("Record whether the person agreed to the plan: they take part at every stage."))
    specialised = plan.case.services.filter(kind=ServiceKind.SPECIALISED)
    if specialised.exists() and not (plan.contract_number and plan.contract_date and plan.contract_signed_by):
        errors.append(
            _(
                "%(services)s is a specialised service: record the contract (number, date, who signed it) "
                "before the plan is approved (Social Services Act, art. 85)."
            )
            % {"services": ", ".join(str(service) for service in specialised)}
        )
    if not plan.goals.exists():
        errors.append(_("The plan has no goals."))
    if errors:
        raise ValidationError(errors)


def _lock_document[D: CaseDocument](document: D, by: User, edit_version: int | None, permission: str) -> D:
    """The document, as it is now, if it is the newest version and unchanged since ``edit_version``."""
    locked_case = _lock_open_case(document.case, by, permission)
    latest = latest_version(locked_case, type(document))
    _check_fresh(latest, document.pk, edit_version)
    assert latest is not None
    return latest


@transaction.atomic
def document_submit[D: CaseDocument](*, document: D, by: User, edit_version: int | None) -> D:
    """The worker hands a draft assessment or plan to the head of service for approval."""
    current = _lock_document(document, by, edit_version, Perm.CASE_WORK)
    if current.status != DocumentStatus.DRAFT:
        raise ValidationError(
            _("Only a draft is submitted; this version is: %(status)s.") % {"status": current.get_status_display()}
        )
    _advance(current, by, DocumentStatus.SUBMITTED, "submitted")
    document.refresh_from_db()
    return current


@transaction.atomic
def document_approve[D: CaseDocument](*, document: D, by: User, edit_version: int | None) -> D:
    """The head of service approves a submitted assessment or plan, as it was when the page was read."""
    current = _lock_document(document, by, edit_version, Perm.CASE_APPROVE)
    if current.status != DocumentStatus.SUBMITTED:
        raise ValidationError(
            _("Only a submitted version is approved; this one is: %(status)s.")
            % {"status": current.get_status_display()}
        )
    if isinstance(current, Assessment):
        _check_assessment_complete(current)
    elif isinstance(current, SupportPlan):
        _check_plan_complete(current)
    _advance(current, by, DocumentStatus.APPROVED, "approved")
    # The caller's case (``document.case``) is the one moved, so that what the caller holds is current.
    _move_on_approval(document, by)
    document.refresh_from_db()
    return current


# What an approved document lets the case go on to: the plan is drawn up on the approved assessment, support
# starts on the approved plan (ЗСУ чл. 80). Approval moves the case there, so that what the document fulfils
# (its time limit) is not left on the case until someone moves it by hand.
APPROVAL_MOVES_TO: dict[type[CaseDocument], tuple[str, Promise]] = {
    Assessment: (CaseState.PLAN, gettext_lazy("The needs assessment was approved.")),
    SupportPlan: (CaseState.SUPPORT, gettext_lazy("The individual support plan was approved.")),
}


def _move_on_approval(document: CaseDocument, by: User) -> None:
    """Move the case on, through every state between, to where the approved ``document`` lets it go; a case
    already there or beyond stays where it is. The head who approves may make each of these moves."""
    target, why = APPROVAL_MOVES_TO[type(document)]
    with _organisation_language():
        reason = str(why)
    for state in _path(document.case.state, target):
        _move(document.case, to=state, by=by, reason=reason)


def _path(start: str, target: str) -> list[str]:
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


def _advance(document: CaseDocument, by: User, status: str, step: str) -> None:
    """Move a document on (submitted, approved): who and when (``<step>_by``, ``<step>_at``), and a new edit
    counter, so that a page read before the step cannot save over it."""
    with acting_as(by):
        document.status = status
        setattr(document, f"{step}_by", by)
        setattr(document, f"{step}_at", timezone.now())
        document.edit_version += 1
        document.updated_by = by
        document.save()


@transaction.atomic
def plan_save(
    *,
    case: Case,
    by: User,
    values: dict[str, Any],
    goals: Sequence[GoalData],
    based_on: int | None,
    edit_version: int | None,
) -> SupportPlan:
    """Save the individual support plan of ``case`` as edited from the version ``based_on`` read at
    ``edit_version`` (a draft in place, an approved version by a successor), on the approved assessment.
    Refused (``StaleEdit``) when someone saved since the form was read."""
    locked = _lock_open_case(case, by)
    assessment = current_approved(locked, Assessment)
    if assessment is None:
        raise ValidationError(_("Approve the needs assessment first: the plan's goals answer the needs it found."))
    latest = latest_version(locked, SupportPlan)
    _check_fresh(latest, based_on, edit_version)
    _check_goals(locked, assessment, goals)
    with acting_as(by):
        plan = _start_or_continue(latest, SupportPlan(case=locked), by)
        plan.assessment = assessment
        for name, value in values.items():
            setattr(plan, name, value)
        plan.full_clean()
        plan.save()
        _replace_goals(plan, goals)
    return plan


def assessed_domains(assessment: Assessment) -> list[str]:
    """The domains the assessment scored: the needs a goal can answer."""
    return [row.domain for row in assessment.domains.all() if row.score is not None]


def _check_goals(case: Case, assessment: Assessment, goals: Sequence[GoalData]) -> None:
    if not goals:
        raise ValidationError(_("Give the plan at least one goal."))
    assessed = set(assessed_domains(assessment))
    staff = set(case_staff(case.services.all()).values_list("pk", flat=True))
    for number, goal in enumerate(goals, start=1):
        if not goal.needs or not set(goal.needs) <= assessed:
            raise ValidationError(
                _("Goal %(number)s: link it to needs the approved assessment scored.") % {"number": number}
            )
        for activity in goal.activities:
            if activity.staff is not None and activity.staff.pk not in staff:
                raise ValidationError(
                    _("Goal %(number)s: %(who)s does not work in the case's services; name a partner instead.")
                    % {"number": number, "who": activity.staff}
                )


def _replace_goals(plan: SupportPlan, goals: Sequence[GoalData]) -> None:
    """A draft's goals are written again as typed (a draft has no reviews that could point at them)."""
    for old in plan.goals.all():
        old.activities.all().delete()
        old.delete()
    for position, data in enumerate(goals, start=1):
        goal = PlanGoal(
            case=plan.case,
            plan=plan,
            position=position,
            text=data.text,
            needs=list(data.needs),
            expected_results=data.expected_results,
            status=data.status,
        )
        goal.full_clean()
        goal.save()
        for activity_data in data.activities:
            activity = PlanActivity(case=plan.case, goal=goal, **vars(activity_data))
            activity.full_clean()
            activity.save()


def goal_data(goal: PlanGoal) -> GoalData:
    """A saved goal as data, to copy it into a new version."""
    return GoalData(
        text=goal.text,
        needs=list(goal.needs),
        expected_results=goal.expected_results,
        status=goal.status,
        activities=[
            ActivityData(
                what=activity.what,
                frequency=activity.frequency,
                starts_on=activity.starts_on,
                ends_on=activity.ends_on,
                staff=activity.staff,
                partner=activity.partner,
            )
            for activity in goal.activities.all()
        ],
    )


@transaction.atomic
def plan_review_record(
    *,
    case: Case,
    by: User,
    reviewed_on: datetime.date,
    summary: str,
    progress: dict[int, tuple[str, str]],
    revise: bool = False,
) -> PlanReview:
    """Record a review of the plan in force: ``progress`` maps each goal's id to its status and a note.
    With ``revise``, the review starts the plan's next version (a draft, for the head to approve), its goals
    carrying the progress found."""
    locked = _lock_open_case(case, by)
    plan = current_approved(locked, SupportPlan)
    if plan is None:
        raise ValidationError(_("There is no approved plan to review."))
    goals = list(plan.goals.order_by("position"))
    errors = _review_errors(reviewed_on, summary, progress, [goal.pk for goal in goals])
    latest = latest_version(locked, SupportPlan)
    if revise and latest is not None and latest.pk != plan.pk:
        errors["revise"] = _("Version %(number)s of the plan is already being drawn up: change that one instead.") % {
            "number": latest.number
        }
    if errors:
        raise ValidationError(errors)
    with acting_as(by):
        review = PlanReview(case=locked, plan=plan, reviewed_on=reviewed_on, summary=summary.strip(), by=by)
        review.full_clean()
        review.save()
        for goal in goals:
            status, note = progress[goal.pk]
            GoalProgress(case=locked, review=review, goal=goal, status=status, note=note.strip()).save()
        if revise:
            review.revised_plan = _next_plan_version(plan, goals, progress, by)
            review.save()
    return review


@transaction.atomic
def plan_review_update(
    *,
    review: PlanReview,
    by: User,
    reviewed_on: datetime.date,
    summary: str,
    progress: dict[int, tuple[str, str]],
    edit_version: int | None,
) -> PlanReview:
    """Correct a recorded review (its date, summary and the progress on each goal; a new version of the plan
    it started stays), read at ``edit_version``: refused as stale when someone corrected it since."""
    _lock_open_case(review.case, by)
    locked = PlanReview.objects.select_for_update().get(pk=review.pk)
    _check_version(locked, edit_version)
    found = {item.goal_id: item for item in locked.progress.all()}
    errors = _review_errors(reviewed_on, summary, progress, list(found))
    if errors:
        raise ValidationError(errors)
    with acting_as(by):
        locked.reviewed_on, locked.summary = reviewed_on, summary.strip()
        locked.edit_version += 1
        locked.full_clean()
        locked.save()
        for goal_id, item in found.items():
            status, note = progress[goal_id]
            if (item.status, item.note) != (status, note.strip()):
                item.status, item.note = status, note.strip()
                item.save()
    return locked


def _review_errors(
    reviewed_on: datetime.date, summary: str, progress: dict[int, tuple[str, str]], goals: Sequence[int]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not summary.strip():
        errors["summary"] = _("Summarise what the review found.")
    if reviewed_on > timezone.localdate():
        errors["reviewed_on"] = _("This is in the future: type the day of the review.")
    if any(goal not in progress or progress[goal][0] not in GoalStatus.values for goal in goals):
        errors[NON_FIELD_ERRORS] = _("Give the progress on every goal of the plan.")
    return errors


def _next_plan_version(
    plan: SupportPlan, goals: list[PlanGoal], progress: dict[int, tuple[str, str]], by: User
) -> SupportPlan:
    new = SupportPlan(
        case=plan.case,
        assessment=plan.assessment,
        number=plan.number + 1,
        created_by=by,
        updated_by=by,
        **{name: getattr(plan, name) for name in PLAN_FIELDS},
    )
    new.full_clean()
    new.save()
    carried = []
    for goal in goals:
        data = goal_data(goal)
        data.status = progress[goal.pk][0]
        carried.append(data)
    _replace_goals(new, carried)
    return new


# The plan's own fields a new version carries over and the form edits.
PLAN_FIELDS = (
    "person_agreed",
    "person_note",
    "parents_agreed",
    "parents_note",
    "contract_number",
    "contract_date",
    "contract_signed_by",
)
ASSESSMENT_FIELDS = ("assessed_on", "risk_level", "summary", "children_views", "parents_participation", "professionals")
