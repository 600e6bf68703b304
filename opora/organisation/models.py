"""The organisation, its services and programmes, and the roles its staff hold in them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    """A staff member's role; every role but the administrator's is held in one service."""

    ADMINISTRATOR = "administrator", _("Organisation administrator")
    HEAD = "head", _("Head of service")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    PEDAGOGUE = "pedagogue", _("Pedagogue")
    FOSTER_CARE = "foster_care", _("Foster-care team")
    VOLUNTEER_COORDINATOR = "volunteer_coordinator", _("Volunteer coordinator")
    VOLUNTEER = "volunteer", _("Volunteer")
    MONITORING = "monitoring", _("Monitoring and evaluation")


SERVICE_ROLES = [role for role in Role if role != Role.ADMINISTRATOR]


class ServiceKind(models.TextChoices):
    """The two kinds of social service (Social Services Act, art. 12)."""

    GENERAL_ACCESS = "general_access", _("General-access")
    SPECIALISED = "specialised", _("Specialised")


class ActivityType(models.TextChoices):
    """The ten activity types of social services (Social Services Act, art. 15)."""

    INFORMING_CONSULTING = "informing_consulting", _("Informing and consulting")
    ADVOCACY_MEDIATION = "advocacy_mediation", _("Advocacy and mediation")
    COMMUNITY_WORK = "community_work", _("Community work")
    THERAPY_REHABILITATION = "therapy_rehabilitation", _("Therapy and rehabilitation")
    SKILLS_TRAINING = "skills_training", _("Skills training")
    WORK_SKILLS = "work_skills", _("Support for acquiring work skills")
    DAY_CARE = "day_care", _("Day care")
    RESIDENTIAL_CARE = "residential_care", _("Residential care")
    SHELTER = "shelter", _("Shelter")
    ASSISTANT_SUPPORT = "assistant_support", _("Assistant support")


class Direction(models.TextChoices):
    """The directions of the organisation's service catalogue (seeds 004, I–V)."""

    PREVENT_ABANDONMENT = "prevent_abandonment", _("Prevention of child abandonment")
    PREVENT_VIOLENCE = "prevent_violence", _("Prevention of violence")
    PREVENT_DEVIANT = "prevent_deviant", _("Prevention of deviant behaviour")
    PREVENT_DROPOUT = "prevent_dropout", _("Prevention of school drop-out")
    REINTEGRATION = "reintegration", _("Reintegration and work with children from institutions")
    FOSTER_ADOPTION = "foster_adoption", _("Foster care and adoption")
    MOBILE_WORK = "mobile_work", _("Mobile social work")
    CAMPAIGNS = "campaigns", _("Campaigns")


class Organisation(models.Model):
    """The provider of social services (an association, a foundation or a municipality)."""

    scope_by = "organisation"

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    eik = models.CharField(
        _("UIC (EIK/BULSTAT)"),
        max_length=13,
        blank=True,
        validators=[RegexValidator(r"^(\d{9}|\d{13})$", _("The UIC has 9 or 13 digits."))],
    )
    municipality = models.CharField(_("municipality"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A social service the organisation provides, with its capacity (maximum number of users)."""

    scope_by = "self"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices)
    activity_types = models.JSONField(_("activity types"), default=list, blank=True)
    municipality = models.CharField(
        _("municipality"),
        max_length=100,
        help_text=_("Residents of this municipality have free access; others only while capacity allows."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), validators=[MinValueValidator(1)], help_text=_("The maximum number of users.")
    )
    is_active = models.BooleanField(pgettext_lazy("service", "active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="service_name_unique_in_organisation")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.activity_types or []) - set(ActivityType.values)
        if unknown:
            raise ValidationError({"activity_types": _("Unknown activity type.")})

    def get_activity_types_display(self) -> list[str]:
        labels = dict(ActivityType.choices)
        return [str(labels[value]) for value in self.activity_types if value in labels]


class Programme(models.Model):
    """A programme of work (e.g. "Back to class") run in one or more services."""

    scope_by = "services"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    direction = models.CharField(_("direction"), max_length=30, choices=Direction.choices)
    description = models.TextField(_("description"), blank=True)
    services = models.ManyToManyField(Service, related_name="programmes", blank=True, verbose_name=_("services"))
    is_active = models.BooleanField(pgettext_lazy("programme", "active"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="programme_name_unique_in_organisation")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A staff member's role in one service, or across the organisation for an administrator."""

    scope_by = "membership"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
        verbose_name=_("service"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("role in a service")
        verbose_name_plural = _("roles in services")
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="one_role_per_service"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(service__isnull=True), name="one_organisation_wide_role"
            ),
            models.CheckConstraint(
                condition=(models.Q(role=Role.ADMINISTRATOR) & models.Q(service__isnull=True))
                | (~models.Q(role=Role.ADMINISTRATOR) & models.Q(service__isnull=False)),
                name="administrator_is_organisation_wide",
            ),
        ]

    def __str__(self) -> str:
        where = self.service or _("whole organisation")
        return f"{self.user} — {self.get_role_display()} ({where})"


class RolePolicy(models.Model):
    """What the organisation asks of everyone holding a role: for now, two-factor authentication."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="role_policies", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    mfa_required = models.BooleanField(_("two-factor authentication required"), default=False)

    class Meta:
        verbose_name = _("role policy")
        verbose_name_plural = _("role policies")
        constraints = [models.UniqueConstraint(fields=["organisation", "role"], name="one_policy_per_role")]

    def __str__(self) -> str:
        return self.get_role_display()
