"""The organisation's values of the time limits it watches, and the notifications Opora sends about them.

A ``DeadlineRule`` is a setting of the organisation (read and changed only by its administrator, like the
security policy), so it has no ``scope_by``; a ``Notification`` belongs to the one person it was written for
and is reached only as theirs.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opora.deadlines.rules import DEFINITIONS, SETTABLE, Anchor, RuleCode, RuleDefinition
from opora.organisation.models import Organisation

# A limit longer than this is a typing mistake (a thousand days is nearly three years).
MAX_AMOUNT = 1000


class DeadlineRule(models.Model):
    """The organisation's value of one time limit (``opora.deadlines.rules``): the period, what it counts
    from and whether it is watched. Without a row the default applies."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="deadline_rules", verbose_name=_("organisation")
    )
    code = models.CharField(_("time limit"), max_length=40, choices=RuleCode.choices)
    amount = models.PositiveIntegerField(_("period"), validators=[MinValueValidator(1), MaxValueValidator(MAX_AMOUNT)])
    counts_from = models.CharField(_("counts from"), max_length=40, choices=Anchor.choices)
    is_active = models.BooleanField(_("watched"), default=True)
    # Moved on by every change, so that a settings page read before someone else's save cannot save over it.
    edit_version = models.PositiveIntegerField(_("edit counter"), default=1, editable=False)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["organisation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="deadline_rule_unique_in_organisation")
        ]

    def __str__(self) -> str:
        return str(self.definition.name)

    @property
    def definition(self) -> RuleDefinition:
        return DEFINITIONS[self.code]

    def clean(self) -> None:
        if self.code not in SETTABLE:
            raise ValidationError({"code": _("This time limit is set by law and cannot be changed.")})
        if self.counts_from not in self.definition.anchors:
            raise ValidationError({"counts_from": _("This time limit cannot count from that moment.")})
        limit = self.definition.max_amount
        if limit is not None and self.amount is not None and self.amount > limit:
            raise ValidationError({"amount": _("The law allows at most %(limit)s here.") % {"limit": limit}})


def rules_version(rules: Iterable[DeadlineRule]) -> str:
    """The version of an organisation's time limits as one settings page reads them: each saved limit and its
    edit counter ("" while none is saved), so that any change by someone else makes it differ."""
    return ",".join(sorted(f"{rule.code}.{rule.edit_version}" for rule in rules))


class Notification(models.Model):
    """A message to one member of staff about a time limit (due soon or passed), shown in Opora and sent by
    e-mail. ``item_key`` and ``is_overdue`` make it once per item and person for each of the two moments (due
    soon, passed), however many days the item stays open: a reminder every day would bury the rest.
    ``day`` is the Sofia day it was written, which the e-mail of that day collects."""

    # Reached only by the person it was written for (``opora.access.scope``).
    scope_by = "owner"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("for")
    )
    text = models.CharField(_("text"), max_length=500)
    link = models.CharField(_("link"), max_length=300, blank=True)
    item_key = models.CharField(_("what it is about"), max_length=120, editable=False)
    day = models.DateField(_("day"), editable=False)
    is_overdue = models.BooleanField(_("overdue"), default=False, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_queued_at = models.DateTimeField(_("e-mail queued"), null=True, blank=True, editable=False)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "item_key", "is_overdue"], name="notification_once_per_item_and_person"
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class StoredDueItem(models.Model):
    """One item due now (``opora.deadlines.engine.DueItem``), as the engine worked it out when its case, task
    or time limit last changed (``opora.deadlines.stored``): stored with an indexed due time so that "My
    tasks", "Overdue" and the notification job read one ordered page instead of working out every open case.
    The titles of a limit are not stored (each reader reads them in their language); a task's are its own.
    Visible as its case or task is: the same organisation and services."""

    scope_by = "services"
    is_person_level = True

    key = models.CharField(_("what it is about"), max_length=120, unique=True)
    code = models.CharField(_("time limit"), max_length=40)
    due_at = models.DateTimeField(_("due"))
    whole_day = models.BooleanField(default=True)
    immediate = models.BooleanField(default=False)
    signal_at = models.DateTimeField(null=True, blank=True)
    # From when "My tasks" shows it (a limit shown a while before it ends); none: always.
    shown_from = models.DateTimeField(null=True, blank=True)
    # The services as the engine named them, in its order (the many-to-many below scopes and counts them).
    service_ids = models.JSONField(default=list)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    services = models.ManyToManyField("organisation.Service", related_name="due_items")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="due_items"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    referral = models.ForeignKey("cases.Referral", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    task = models.OneToOneField(
        "cases.CaseTask", on_delete=models.CASCADE, null=True, blank=True, related_name="due_item"
    )

    class Meta:
        verbose_name = _("due item")
        verbose_name_plural = _("due items")
        indexes = [
            # The pages' order within an organisation (the administrator's scope), and the job's "due soon".
            models.Index(fields=["organisation", "due_at", "key"], name="due_item_order"),
            models.Index(fields=["due_at"], name="due_item_due_at"),
            # The tasks alone in the pages' order: "My tasks" of someone with no case of their own (an
            # administrator's 471 tasks among 100,000 items at a million, otherwise found by walking them all).
            models.Index(
                fields=["organisation", "due_at", "key"], condition=Q(task__isnull=False), name="due_item_task_order"
            ),
        ]

    def __str__(self) -> str:
        return self.key
