"""Planning: the needs assessment and the individual support plan of a case, each in versions (an approved
version is never changed: editing it makes the next), the plan's goals and activities, and its reviews.

Every record is scoped by its case (``opora.access``): about people, never reached through a monitoring role.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# --- Needs assessment and the individual support plan -----------------------------------------------------
from opora.cases.casework.models import Case
from opora.people.models import Person


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
