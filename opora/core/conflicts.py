"""Optimistic locking shared by every record that carries a version: the refusal of a save based on a
version someone has changed since the form was read, and the table that shows what changed (saved now
against what the user typed), so that saving again replaces the other change knowingly, never silently."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class StaleEdit(ValidationError):
    """A save or a decision based on a version of a record that someone has changed since the form was
    read. ``current`` is the record as it is now (None if there is none)."""

    def __init__(self, message: str, current: Any) -> None:
        super().__init__(message, code="stale")
        self.current = current


def shown(field: forms.Field, value: Any) -> str:
    """A value as a person reads it, to compare what was saved with what was typed."""
    if value in (None, "", [], ()):
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(field, forms.ModelMultipleChoiceField):
        pks = {str(getattr(item, "pk", item)) for item in value}
        return ", ".join(sorted(str(item) for item in field.queryset.filter(pk__in=pks))) or "—"  # type: ignore[union-attr]
    if isinstance(field, forms.ModelChoiceField):
        # One record: named by itself, never by listing the field's whole queryset (a register of people).
        if hasattr(value, "pk"):
            return str(value)
        found = field.queryset.filter(pk=value).first()  # type: ignore[union-attr]
        return str(found) if found is not None else "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(shown(field, item) for item in value)
    choices = {str(key): label for key, label in getattr(field, "choices", [])}
    if choices:
        return str(choices.get(str(value), value))
    return value.strftime("%d.%m.%Y") if isinstance(value, datetime.date) else str(value).strip()


def differences(
    form: forms.BaseForm, saved: dict[str, Any], typed: dict[str, Any] | None = None
) -> list[tuple[str, str, str]]:
    """(field, as saved now, as typed) for every visible field of ``form`` where the two differ; ``typed``
    is the form's cleaned data unless given."""
    typed = form.cleaned_data if typed is None else typed
    rows = []
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        theirs, yours = shown(field, saved.get(name)), shown(field, typed.get(name))
        if theirs != yours:
            rows.append((str(field.label), theirs, yours))
    return rows


def conflict(heading: str, rows: list[tuple[str, str, str]], link: str = "", link_text: str = "") -> dict[str, Any]:
    """What ``core/_conflict.html`` shows: a heading, a link to the record as saved now, the differences."""
    return {"heading": heading, "rows": rows, "link": link, "link_text": link_text}
