"""The audit trail: every change to a record and every view of a person-level page.

Both tables are append-only. The models refuse updates and deletes, and a database trigger
(migration 0002) refuses UPDATE statements, so not even raw SQL through the app rewrites history.
"""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit record."""


class AuditRecord(models.Model):
    """What every audit record has: when, and which record it is about. Append-only."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.CharField(_("record"), max_length=64)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} records cannot be deleted")


class ChangeAction(models.TextChoices):
    CREATED = "created", _("created")
    CHANGED = "changed", _("changed")
    DELETED = "deleted", _("deleted")


class ChangeEvent(AuditRecord):
    """One change to one record: who, when, and each changed field's value before and after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("who")
    )
    # The organisation the record belongs to; no database constraint, so that the trail outlives it.
    organisation = models.ForeignKey(
        "organisation.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    object_repr = models.CharField(_("record"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class ViewOutcome(models.TextChoices):
    VIEWED = "viewed", _("viewed")
    DENIED = "denied", _("refused (not found)")
    FORBIDDEN = "forbidden", _("refused (no permission)")


class ViewEvent(AuditRecord):
    """One look at a person-level page, or one attempt to open a record the user may not see."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    # A refusal for want of permission comes before any record is looked up: no record then.
    content_type = models.ForeignKey(  # type: ignore[assignment]
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("record type")
    )
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    # Whose log the event is in: the organisation of the record looked at (so a refused look at another
    # organisation's record is shown to that organisation, never to the one of the user who tried), or,
    # for a refusal for want of permission, the user's own. No database constraint, as in ChangeEvent.
    organisation = models.ForeignKey(
        "organisation.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=ViewOutcome.choices)
    path = models.CharField(_("page"), max_length=500)

    class Meta:
        verbose_name = _("view")
        verbose_name_plural = _("views")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome} {self.path}"
