"""Intake and case work: referrals and requests to a service, the head of service's triage decisions, cases
and the states they move through, and the tasks the law starts at intake.

How each is scoped (``opora.access``): a referral by the service it asks for, a case by its services, a
triage decision by its referral, a transition by its case, a task by the service it is assigned to. All of
them are about people: never reached through a monitoring role.
"""

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opora.audit.models import AppendOnlyError
from opora.core import files
from opora.organisation.models import Organisation, Service
from opora.people.models import Person


def private_storage() -> Storage:
    """The storage of files about people (``STORAGES["private"]``): never served, read through a view."""
    return files.private_storage  # type: ignore[return-value]  # a lazy proxy of a Storage


def assessment_upload_to(referral: "Referral", filename: str) -> str:
    """A random name on disk, so that nothing a user typed becomes part of a path; the original name is kept
    on the referral and given back on download."""
    return f"referrals/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:10]}"


class AppendOnly(models.Model):
    """A record of something that happened: written once, never changed or deleted (like the audit trail)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} records cannot be deleted")


# --- Referrals ----------------------------------------------------------------------------------------


class ReferralKind(models.TextChoices):
    """A referral (направление, with a preliminary assessment: ЗСУ чл. 73–75) or a request without one."""

    REFERRAL = "referral", _("Referral")
    REQUEST = "request", _("Request without a referral")


class ReferralSource(models.TextChoices):
    """Who sent the referral or the signal."""

    CHILD_PROTECTION = "child_protection", _("Child protection department of the social assistance directorate")
    MUNICIPALITY = "municipality", _("Municipality")
    POLICE = "police", _("Police")
    PEDAGOGICAL_ROOM = "pedagogical_room", _("Children's pedagogical room")
    SCHOOL = "school", _("School or kindergarten")
    COURT = "court", _("Court")
    JUVENILE_COMMISSION = "juvenile_commission", _("Local commission for combating juvenile delinquency")
    HEALTH = "health", _("Maternity ward or health service")
    SOCIAL_SERVICE = "social_service", _("Another social service")
    SELF = "self", _("Self-referral")
    PUBLIC_SIGNAL = "public_signal", _("Signal from the public")


# Sources that are not an institution: nobody to name as the referring institution.
SOURCES_WITHOUT_INSTITUTION = {ReferralSource.SELF, ReferralSource.PUBLIC_SIGNAL}


class ReferralStatus(models.TextChoices):
    """Where a referral stands; follows the latest triage decision."""

    NEW = "new", _("Awaiting triage")
    WAITING = "waiting", _("On the waiting list")
    ACCEPTED = "accepted", pgettext_lazy("referral", "Accepted")
    REDIRECTED = "redirected", _("Redirected")
    DECLINED = "declined", _("Declined")


# A referral in one of these still waits for the head of service's decision.
UNDECIDED = (ReferralStatus.NEW, ReferralStatus.WAITING)
# The waiting list, first to last: urgent cases first (ЗСУ чл. 77(3)), then first come, first served
# (чл. 79); the id settles two referrals received in the same minute.
WAITING_ORDER = ("-urgent", "received_at", "pk")


class Referral(models.Model):
    """A referral (направление) or a request asking a service to work with a child or a family: who sent
    it, when, why, how urgent, and the preliminary assessment (as text, as a file, or both)."""

    scope_by = "service"
    is_person_level = True

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("service asked for")
    )
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=ReferralKind.choices,
        default=ReferralKind.REFERRAL,
        help_text=_(
            "A specialised service works only on a referral, which carries a preliminary assessment "
            "(Social Services Act, art. 73–77); a general-access service needs none."
        ),
    )
    source = models.CharField(_("source"), max_length=30, choices=ReferralSource.choices)
    referring_institution = models.CharField(_("referring institution"), max_length=300, blank=True)
    referring_person = models.CharField(
        _("referring person"), max_length=300, blank=True, help_text=_("Name, position, phone or e-mail.")
    )
    document_number = models.CharField(
        _("referral number"), max_length=60, blank=True, help_text=_("The number of the referral letter, if any.")
    )
    received_at = models.DateTimeField(_("received"), db_index=True)
    reasons = models.TextField(_("reasons and concerns"))
    urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_(
            "A crisis, domestic violence or trafficking: served at once and first on the waiting list "
            "(Social Services Act, art. 77(3))."
        ),
    )
    violence_concern = models.BooleanField(
        _("concern of violence"),
        default=False,
        help_text=_("Starts the 24-hour coordination with the child protection department (Child Protection Act)."),
    )
    child_alone = models.BooleanField(
        _("a child asking for support alone"),
        default=False,
        help_text=_(
            "The child came without a parent: the child protection department and the parents must be told "
            "at once (Social Services Act, art. 87)."
        ),
    )
    preliminary_assessment = models.TextField(_("preliminary assessment"), blank=True)
    preliminary_assessment_file = models.FileField(
        _("preliminary assessment (file)"),
        storage=private_storage,
        upload_to=assessment_upload_to,
        max_length=200,
        blank=True,
    )
    preliminary_assessment_filename = models.CharField(
        _("name of the file"), max_length=255, blank=True, editable=False
    )
    people = models.ManyToManyField(
        Person, related_name="referrals", verbose_name=_("people"), help_text=_("The child and family members.")
    )
    home_municipality = models.CharField(
        _("municipality of the current address"),
        max_length=100,
        help_text=_(
            "Residents of another municipality than the service's are accepted only while there is a free "
            "place (Social Services Act, art. 75(5))."
        ),
    )
    from_other_municipality = models.BooleanField(_("from another municipality"), default=False, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.NEW, editable=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    # Moved on by each correction, so that a correction read from an older version is refused.
    edit_version = models.PositiveIntegerField(_("edit counter"), default=1, editable=False)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["service", "status", "urgent", "received_at"], name="referral_waiting_order"),
            # The referral list's order: its page is read along the index, never sorted from the whole table.
            models.Index(fields=["-received_at", "-id"], name="referral_list_order"),
        ]

    def __str__(self) -> str:
        return str(_("Referral %(number)s") % {"number": self.pk or "—"})

    @property
    def is_undecided(self) -> bool:
        return self.status in UNDECIDED


class Decision(models.TextChoices):
    """What the head of service decides about a referral."""

    ACCEPT = "accept", _("Accept into a case")
    WAITLIST = "waitlist", _("Put on the waiting list")
    REDIRECT = "redirect", _("Redirect to a partner")
    DECLINE = "decline", _("Decline")


class DeclineGround(models.TextChoices):
    """Why a referral is declined."""

    NOT_TARGET_GROUP = "not_target_group", _("Not in the service's target group")
    NO_REFERRAL = "no_referral", _("A specialised service needs a referral")
    NO_PLACE_OTHER_MUNICIPALITY = "no_place_other_municipality", _("From another municipality, and no free place")
    REFUSED = "refused", _("The person refused the service")
    SERVED_ELSEWHERE = "served_elsewhere", _("Already served by another service")
    OTHER = "other", pgettext_lazy("decline ground", "Other")


class TriageDecision(AppendOnly):
    """One decision of the head of service about a referral. Append-only: a referral on the waiting list
    that is later accepted has two."""

    scope_by = "referral"
    is_person_level = True

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("referral")
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    decline_ground = models.CharField(_("ground"), max_length=30, choices=DeclineGround.choices, blank=True)
    partner = models.CharField(_("partner"), max_length=300, blank=True)
    reason = models.TextField(_("reason or note"), blank=True)
    override_reason = models.TextField(_("why beyond capacity or out of turn"), blank=True)
    case = models.ForeignKey(
        "Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("case")
    )

    class Meta:
        verbose_name = _("triage decision")
        verbose_name_plural = _("triage decisions")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.referral}: {self.get_decision_display()}"


class PersonLink(AppendOnly):
    """The head of a service gave it a link to a person registered by another service, so that a referral
    is recorded about the person already there rather than a second record of them (scenario 1). The link
    opens the person's record to the service, never the other service's referrals or cases."""

    scope_by = "service"
    is_person_level = True

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("linked by")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    reason = models.TextField(_("reason"))
    registered_by = models.CharField(
        _("services that had registered the person"), max_length=500, help_text=_("Told of the link.")
    )

    class Meta:
        verbose_name = _("link to a person of another service")
        verbose_name_plural = _("links to people of other services")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.person} → {self.service}"


# --- Cases --------------------------------------------------------------------------------------------


class CaseState(models.TextChoices):
    """The stages of a case."""

    ACCEPTED = "accepted", pgettext_lazy("case", "Accepted")
    ASSESSMENT = "assessment", _("Needs assessment")
    PLAN = "plan", _("Support plan")
    SUPPORT = "support", _("Support")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# Where a case may go from each state; anything else is refused. A case may be closed at any stage (the
# family moves, refuses the service); a reopened case starts again with a needs assessment. Nothing moves
# back to "accepted": only a triage decision creates a case in that state.
CASE_MOVES: dict[str, tuple[str, ...]] = {
    CaseState.ACCEPTED: (CaseState.ASSESSMENT, CaseState.CLOSED),
    CaseState.ASSESSMENT: (CaseState.PLAN, CaseState.CLOSED),
    CaseState.PLAN: (CaseState.SUPPORT, CaseState.CLOSED),
    CaseState.SUPPORT: (CaseState.CLOSED,),
    CaseState.CLOSED: (CaseState.REOPENED,),
    CaseState.REOPENED: (CaseState.ASSESSMENT, CaseState.CLOSED),
}
OPEN_STATES = tuple(state for state in CaseState if state != CaseState.CLOSED)


class CaseOutcome(models.TextChoices):
    """How a case ended (the product specification's list; the statistics count them)."""

    ABANDONMENT_PREVENTED = "abandonment_prevented", _("Abandonment prevented")
    REINTEGRATED = "reintegrated", _("Reintegrated in the family")
    FOSTER_CARE = "foster_care", _("Placed in foster care")
    ADOPTED = "adopted", _("Adopted")
    RETURNED_TO_SCHOOL = "returned_to_school", _("Returned to school")
    GOALS_ACHIEVED = "goals_achieved", _("Goals achieved")
    MOVED = "moved", _("Moved away")
    REFUSED = "refused", _("Refused the service")
    OTHER = "other", pgettext_lazy("case outcome", "Other")


class Case(models.Model):
    """The work of one or more services with a child and/or a family, led by a case manager (ЗСУ чл. 84)
    with a multidisciplinary team (чл. 80). Its state moves only through ``opora.cases.services``."""

    scope_by = "services"
    is_person_level = True

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("organisation")
    )
    services = models.ManyToManyField(Service, related_name="cases", verbose_name=_("services"))
    people = models.ManyToManyField(
        Person, related_name="cases", verbose_name=_("people"), help_text=_("The child and family members.")
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="managed_cases", verbose_name=_("case manager")
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="case_teams", blank=True, verbose_name=_("multidisciplinary team")
    )
    state = models.CharField(
        _("state"), max_length=12, choices=CaseState.choices, default=CaseState.ACCEPTED, editable=False
    )
    referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="case", verbose_name=_("referral")
    )
    from_other_municipality = models.BooleanField(_("from another municipality"), default=False, editable=False)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    # The outcome of the latest closure (empty while open); every closure's outcome stays on its transition.
    outcome = models.CharField(_("outcome"), max_length=30, choices=CaseOutcome.choices, blank=True, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["state"], name="case_state"),
            # The case list's order: its page is read along the index, never sorted from the whole table.
            models.Index(fields=["-opened_at", "-id"], name="case_list_order"),
        ]

    def __str__(self) -> str:
        return str(_("Case %(number)s") % {"number": self.pk or "—"})

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.CLOSED


class CaseTransition(AppendOnly):
    """One move of a case from a state to another: who, when and why. The first one (from no state) is
    the acceptance."""

    scope_by = "case"
    is_person_level = True

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("case"))
    from_state = models.CharField(_("state before"), max_length=12, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("state after"), max_length=12, choices=CaseState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("moved by")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    override_reason = models.TextField(_("why beyond capacity"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=CaseOutcome.choices, blank=True)

    class Meta:
        verbose_name = _("case transition")
        verbose_name_plural = _("case transitions")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_from_state_display() or '—'} → {self.get_to_state_display()}"


# --- Tasks --------------------------------------------------------------------------------------------


class NotifiedHow(models.TextChoices):
    """How someone was told (a task of law is a notification or a coordination)."""

    PHONE = "phone", _("by phone")
    EMAIL = "email", _("by e-mail")
    LETTER = "letter", _("by letter")
    IN_PERSON = "in_person", _("in person")
    OTHER = "other", pgettext_lazy("notified how", "other")


class CaseTask(models.Model):
    """Something a service must do by a time, started by a rule of law (its source is kept with it), shown
    until it is done. Minimal for now: a title, the time it is due, who it is for, when and how it was done."""

    scope_by = "service"
    is_person_level = True

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("service"))
    # The code of the deadline rule that started it (``opora.deadlines.rules.RuleCode``).
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("task"), max_length=300)
    legal_source = models.CharField(_("legal source"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    # When the period counts from (the referral or the signal was received).
    signal_at = models.DateTimeField(_("signal received"), null=True, blank=True, editable=False)
    # Due at once by law: ``due_at`` is then the end of the organisation's grace, after which it is overdue.
    immediate = models.BooleanField(_("at once"), default=False, editable=False)
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_("referral")
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_("case")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tasks",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    done_note = models.TextField(_("what was done"), blank=True)
    # Who was told, when and how: three facts, each checked, rather than one sentence.
    notified_whom = models.CharField(_("who was notified"), max_length=300, blank=True)
    notified_at = models.DateTimeField(_("when they were notified"), null=True, blank=True)
    notified_how = models.CharField(_("how"), max_length=20, choices=NotifiedHow.choices, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["service", "done_at", "due_at"], name="task_open_by_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_at < timezone.now()


# --- Needs assessment and the individual support plan -----------------------------------------------------


class Side(models.TextChoices):
    """The three sides of the assessment framework."""

    CHILD = "child", _("The child's developmental needs")
    PARENTING = "parenting", _("Parenting capacity")
    FAMILY = "family", _("Family and environmental factors")


class Domain(models.TextChoices):
    """The domains of the assessment framework; ``DOMAIN_SIDE`` says which side each is on."""

    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    EMOTIONAL = "emotional", _("Emotional and behavioural development")
    IDENTITY = "identity", pgettext_lazy("assessment domain", "Identity")
    RELATIONSHIPS = "relationships", _("Family and social relationships")
    PRESENTATION = "presentation", _("Social presentation")
    SELF_CARE = "self_care", _("Self-care skills")
    BASIC_CARE = "basic_care", _("Basic care")
    SAFETY = "safety", _("Ensuring safety")
    WARMTH = "warmth", _("Emotional warmth")
    STIMULATION = "stimulation", _("Stimulation")
    GUIDANCE = "guidance", _("Guidance and boundaries")
    STABILITY = "stability", _("Stability")
    FAMILY_HISTORY = "family_history", _("Family history and functioning")
    WIDER_FAMILY = "wider_family", _("Wider family")
    HOUSING = "housing", _("Housing")
    EMPLOYMENT = "employment", _("Employment")
    INCOME = "income", _("Income")
    INTEGRATION = "integration", _("Social integration")
    RESOURCES = "resources", _("Community resources")


DOMAIN_SIDE: dict[str, str] = {
    **dict.fromkeys(
        (
            Domain.HEALTH,
            Domain.EDUCATION,
            Domain.EMOTIONAL,
            Domain.IDENTITY,
            Domain.RELATIONSHIPS,
            Domain.PRESENTATION,
            Domain.SELF_CARE,
        ),
        Side.CHILD,
    ),
    **dict.fromkeys(
        (Domain.BASIC_CARE, Domain.SAFETY, Domain.WARMTH, Domain.STIMULATION, Domain.GUIDANCE, Domain.STABILITY),
        Side.PARENTING,
    ),
    **dict.fromkeys(
        (
            Domain.FAMILY_HISTORY,
            Domain.WIDER_FAMILY,
            Domain.HOUSING,
            Domain.EMPLOYMENT,
            Domain.INCOME,
            Domain.INTEGRATION,
            Domain.RESOURCES,
        ),
        Side.FAMILY,
    ),
}


class Score(models.IntegerChoices):
    """How a domain stands: 1 is the most serious concern, 4 a strength to build on."""

    SERIOUS = 1, _("1 — serious concern")
    SOME = 2, _("2 — some concern")
    ADEQUATE = 3, _("3 — adequate")
    STRENGTH = 4, _("4 — a strength")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class DocumentStatus(models.TextChoices):
    """Where a version of an assessment or a plan stands. An approved version is never changed: editing it
    makes the next version."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")


class CaseDocument(models.Model):
    """What an assessment and a plan share: the case, the version number, the approval, and the edit
    counter that refuses a save based on a version someone else has changed meanwhile."""

    scope_by = "case"
    is_person_level = True

    number = models.PositiveIntegerField(_("version"), editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT, editable=False
    )
    # Optimistic locking: every save adds one; a form carries the value it was read at.
    edit_version = models.PositiveIntegerField(_("edit counter"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    # Each kind of document declares its own foreign key to the case (with its own reverse name).
    case: Case
    case_id: int

    class Meta:
        abstract = True

    @property
    def is_approved(self) -> bool:
        return self.status == DocumentStatus.APPROVED


class Assessment(CaseDocument):
    """One version of the needs assessment (оценка на потребностите) of a case on the three sides of the
    framework, with the overall risk and who took part (ЗСУ чл. 80)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("case"))
    assessed_on = models.DateField(_("date of the assessment"))
    risk_level = models.CharField(_("overall risk"), max_length=10, choices=RiskLevel.choices)
    summary = models.TextField(_("conclusions"), blank=True)
    heard_children = models.ManyToManyField(
        Person,
        related_name="+",
        blank=True,
        verbose_name=_("children heard"),
        help_text=_("A child of 10 or more must be heard (Child Protection Act, art. 15)."),
    )
    children_views = models.TextField(_("the child's views"), blank=True)
    parents_participation = models.TextField(_("parents' participation"), blank=True)
    professionals = models.TextField(_("professionals who took part"), blank=True)

    class Meta:
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        ordering = ["case", "-number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="assessment_version_unique")]

    def __str__(self) -> str:
        return str(_("Needs assessment, version %(number)s") % {"number": self.number})


class AssessmentDomain(models.Model):
    """The score and the description of one domain in one version of an assessment."""

    scope_by = "case"
    is_person_level = True

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="domains", verbose_name=_("needs assessment")
    )
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    score = models.PositiveSmallIntegerField(_("score"), choices=Score.choices, null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("assessed domain")
        verbose_name_plural = _("assessed domains")
        constraints = [models.UniqueConstraint(fields=["assessment", "domain"], name="assessment_domain_unique")]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.get_domain_display()}"


class SupportPlan(CaseDocument):
    """One version of the individual support plan (индивидуален план за подкрепа): goals tied to the needs
    of the approved assessment, the person's and the parents' participation, and the contract where the law
    asks for one (ЗСУ чл. 80, 85)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans", verbose_name=_("case"))
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="plans", verbose_name=_("based on the assessment")
    )
    person_agreed = models.BooleanField(_("the person agreed"), null=True, blank=True)
    person_note = models.TextField(_("the person's participation"), blank=True)
    parents_agreed = models.BooleanField(_("the parents agreed"), null=True, blank=True)
    parents_note = models.TextField(_("the parents' participation"), blank=True)
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    contract_signed_by = models.CharField(_("contract signed by"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("individual support plan")
        verbose_name_plural = _("individual support plans")
        ordering = ["case", "-number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="plan_version_unique")]

    def __str__(self) -> str:
        return str(_("Support plan, version %(number)s") % {"number": self.number})


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class PlanGoal(models.Model):
    """A goal of one version of a plan, the assessed needs (domains) it answers, and what it should bring."""

    scope_by = "case"
    is_person_level = True

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("goal"))
    needs = models.JSONField(_("assessed needs"), default=list, help_text=_("Domains of the assessment."))
    expected_results = models.TextField(_("expected results"))
    status = models.CharField(_("progress"), max_length=12, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["plan", "position"]

    def __str__(self) -> str:
        return str(_("Goal %(number)s") % {"number": self.position})

    def need_labels(self) -> list[str]:
        return [str(Domain(need).label) for need in self.needs if need in Domain.values]


class PlanActivity(models.Model):
    """What is done for a goal: what, who (a member of staff or a partner), how often, from when to when."""

    scope_by = "case"
    is_person_level = True

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="activities", verbose_name=_("goal"))
    what = models.CharField(_("activity"), max_length=300)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member of staff"),
    )
    partner = models.CharField(_("partner"), max_length=300, blank=True)
    frequency = models.CharField(_("how often"), max_length=120)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["goal", "starts_on", "pk"]

    def __str__(self) -> str:
        return self.what

    @property
    def who(self) -> str:
        return ", ".join(str(part) for part in (self.staff, self.partner) if part)


class PlanReview(models.Model):
    """A review of the plan in force: the progress on each goal, and whether it made a new version."""

    scope_by = "case"
    is_person_level = True

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("case"))
    plan = models.ForeignKey(
        SupportPlan, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("plan reviewed")
    )
    reviewed_on = models.DateField(_("date of the review"))
    summary = models.TextField(_("summary"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewed by")
    )
    revised_plan = models.ForeignKey(
        SupportPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new version of the plan"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    # Moved on by each correction, so that a correction read from an older version is refused.
    edit_version = models.PositiveIntegerField(_("edit counter"), default=1, editable=False)

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["case", "reviewed_on", "pk"]

    def __str__(self) -> str:
        return str(_("Review of %(date)s") % {"date": self.reviewed_on})


class GoalProgress(models.Model):
    """The progress on one goal found at a review."""

    scope_by = "case"
    is_person_level = True

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    review = models.ForeignKey(PlanReview, on_delete=models.CASCADE, related_name="progress", verbose_name=_("review"))
    goal = models.ForeignKey(PlanGoal, on_delete=models.PROTECT, related_name="progress", verbose_name=_("goal"))
    status = models.CharField(_("progress"), max_length=12, choices=GoalStatus.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("progress on a goal")
        verbose_name_plural = _("progress on goals")
        ordering = ["review", "goal__position"]

    def __str__(self) -> str:
        return f"{self.goal}: {self.get_status_display()}"
