"""Every write of intake: recording and correcting a referral (and the tasks the law starts with it, told by a
signal), linking a person of another service, and the head of service's four triage decisions — accepting
opens a case (``opora.cases.casework``).

Each function checks the permission through ``opora.access`` (a refusal is ``PermissionDenied``), runs in a
transaction, locks the record it changes, and raises ``ValidationError`` — keyed by the form field it is about,
where there is one — when a rule says no. The audit trail records each change under the acting user.
"""

import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from opora.access import Perm, has_permission, has_permission_on, scope
from opora.accounts.models import User
from opora.accounts.tasks import send_prepared_email
from opora.audit.context import acting_as
from opora.cases.casework.models import Case, CaseState, CaseTransition
from opora.cases.casework.services import (
    allow,
    check_case_staff,
    check_no_open_case,
    check_room,
    check_version,
    organisation_language,
)
from opora.cases.intake.models import (
    SOURCES_WITHOUT_INSTITUTION,
    Decision,
    DeclineGround,
    PersonLink,
    Referral,
    ReferralKind,
    ReferralSource,
    ReferralStatus,
    TriageDecision,
)
from opora.cases.intake.selectors import waiting_ahead
from opora.cases.signals import referral_recorded
from opora.organisation.models import Role, Service, ServiceKind
from opora.people.models import Person, PersonKind


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
    allow(visible.count() == len({person.pk for person in people}))


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
    allow(has_permission(by, Perm.REFERRAL_MANAGE, referral.service))
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


STALE_REFERRAL = gettext_lazy(
    "%(who)s corrected this referral on %(when)s, after you opened it. Nothing you typed was saved, and "
    "nothing of theirs was overwritten: your values are kept below. Compare them with theirs, then save "
    "again to replace them with yours."
)


@transaction.atomic
def referral_update(*, referral: Referral, people: Sequence[Person], by: User, edit_version: int | None) -> Referral:
    """Correct a recorded referral (``referral`` carries the corrected values; its service stays), read at
    ``edit_version``: refused as a new one would be, and as stale when someone corrected it since. A task the
    correction calls for (a child alone, a violence signal) starts now if it was not there."""
    allow(has_permission_on(by, Perm.REFERRAL_MANAGE, referral))
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    allow(locked.service_id == referral.service_id)
    check_version(locked, edit_version, str(STALE_REFERRAL))
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
    allow(has_permission(by, Perm.REFERRAL_TRIAGE, service))
    allow(person.organisation_id == service.organisation_id and person.merged_into_id is None)
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
    with organisation_language():
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
    allow(has_permission_on(by, Perm.REFERRAL_TRIAGE, referral))
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
    check_no_open_case(service, list(referral.people.all()))
    team = [member for member in team if member.pk != case_manager.pk]
    check_case_staff([service], case_manager, team)
    override_reason = override_reason.strip()
    check_room(service, from_other_municipality=referral.from_other_municipality, override_reason=override_reason)
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
    """Put the referral on its service's waiting list (its place: ``opora.cases.intake.selectors.waiting_position``)."""
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
