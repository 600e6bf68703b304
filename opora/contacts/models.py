"""Contacts with the people of a case (the work a plan's activities are carried out in, ЗСУ чл. 80–84): a
consultation, a psychological session, a home visit, a phone or online contact, an accompaniment to an
institution. Each has its time, its place, the staff who hold it, the people of the case who take part, and
a status: planned, held (with how long it took), missed (they did not come) or cancelled (with why).

What was said is not kept here: notes, with their levels of confidentiality, come with a model of their own."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opora.cases.casework.models import Case
from opora.people.models import Person


class ContactKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual consultation")
    FAMILY = "family", _("Family consultation")
    PSYCHOLOGICAL = "psychological", _("Psychological session")
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE = "phone", _("Phone contact")
    ONLINE = "online", _("Online contact")
    ACCOMPANIMENT = "accompaniment", _("Accompaniment to an institution")


class ContactPlace(models.TextChoices):
    ROOM = "room", _("A room of the service")
    HOME = "home", _("The family's home")
    INSTITUTION = "institution", _("An institution")
    COMMUNITY = "community", _("In the community")
    REMOTE = "remote", _("By phone or online")


class ContactStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


# A contact in one of these takes the time of its staff, its room and its people.
TAKES_TIME = (ContactStatus.PLANNED, ContactStatus.HELD)


class Contact(models.Model):
    scope_by = "case"
    is_person_level = True

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("case"))
    kind = models.CharField(_("kind of contact"), max_length=20, choices=ContactKind.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=20, choices=ContactPlace.choices)
    room = models.CharField(_("room or address"), max_length=200, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="contacts", verbose_name=_("held by"))
    participants = models.ManyToManyField(Person, related_name="contacts", verbose_name=_("people taking part"))
    status = models.CharField(_("status"), max_length=12, choices=ContactStatus.choices, default=ContactStatus.PLANNED)
    cancel_reason = models.TextField(_("why cancelled"), blank=True)
    minutes = models.PositiveIntegerField(_("duration in minutes"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("booked by")
    )
    created_at = models.DateTimeField(_("booked"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="contact_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="contact_ends_after_it_starts"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.starts_at:%d.%m.%Y}"
