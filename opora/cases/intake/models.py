"""Intake: referrals and requests to a service, the head of service's triage decisions (append-only), and the
links that open a person registered by another service to the service asked for.

How each is scoped (``opora.access``): a referral by the service it asks for, a triage decision by its
referral, a link by its service. All of them are about people: never reached through a monitoring role.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opora.cases.casework.models import AppendOnly
from opora.core import files
from opora.organisation.models import Service
from opora.people.models import Person


def private_storage() -> Storage:
    """The storage of files about people (``STORAGES["private"]``): never served, read through a view."""
    return files.private_storage  # type: ignore[return-value]  # a lazy proxy of a Storage


def assessment_upload_to(referral: "Referral", filename: str) -> str:
    """A random name on disk, so that nothing a user typed becomes part of a path; the original name is kept
    on the referral and given back on download."""
    return f"referrals/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:10]}"


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
            # Each waiting list in its order (WAITING_ORDER), for the places of a page of it: read along the index
            # and stopped after the page, never sorted.
            models.Index(
                F("service"),
                F("urgent").desc(),
                F("received_at"),
                F("id"),
                condition=Q(status="waiting"),
                name="referral_waiting_rank",
            ),
            # The referral list's order: its page is read along the index, never sorted from the whole table.
            models.Index(fields=["-received_at", "-id"], name="referral_list_order"),
            # The referral list sorted by status (opora.core.sorting: every order ends with the id).
            models.Index(fields=["status", "id"], name="referral_list_by_status"),
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
