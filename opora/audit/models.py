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


class AppendOnlyModel(models.Model):
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


class ChangeEvent(AppendOnlyModel):
    """One change to one record: who, when, and each changed field's value before and after."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("who")
    )
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.CharField(_("record"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def rows(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for display; a many-to-many change reads as before and after sets."""
        result: list[tuple[str, object, object]] = []
        for field, values in self.changes.items():
            if isinstance(values, dict):
                removed = values.get("removed") or values.get("cleared") or []
                result.append((field, ", ".join(removed), ", ".join(values.get("added", []))))
            else:
                result.append((field, values[0], values[1]))
        return result


class ViewOutcome(models.TextChoices):
    VIEWED = "viewed", _("viewed")
    DENIED = "denied", _("refused (not found)")


class ViewEvent(AppendOnlyModel):
    """One look at a person-level page, or one attempt to open a record the user may not see."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=ViewOutcome.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.CharField(_("record"), max_length=64)
    path = models.CharField(_("page"), max_length=500)

    class Meta:
        verbose_name = _("view")
        verbose_name_plural = _("views")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome} {self.path}"
