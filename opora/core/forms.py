"""Form fields that refuse what a slip of the keyboard or a crafted request sends, with a message next to
the field, before it reaches the database.

- Dates have a range of what a social worker may mean: a birth date from 1900 to today, an event from 2000
  to today (or a little ahead), a planned activity some years ahead. A year 1 or 20255 is a typing slip;
  stored, it breaks every age, deadline and report computed from it, and a time of year 1 cannot even be
  converted to UTC.
- Dates are typed in the Bulgarian way (дд.мм.гггг, a 24-hour ЧЧ:ММ) whatever the browser's language, read by
  ``opora.core.dates`` and shown by the widgets of ``opora.core.widgets``, which these fields use by default.
- Ids are positive numbers the database can hold: an id of 23 digits is "not a valid choice", never an
  overflow in the database driver (Django bounds ``pk=…`` but not ``pk__in=…``)."""

import datetime
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import from_current_timezone
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from opora.core.dates import parse_date, parse_datetime
from opora.core.widgets import DateInput, DateTimeInput

# The largest id a 64-bit integer column holds (SQLite's INTEGER, PostgreSQL's bigint).
MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """``value`` (from a URL or a form) as an id, or None when it is not one: ASCII digits only (``"²"`` is a
    digit to ``str.isdigit`` but not to ``int``), from 1 to MAX_ID."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values: Any) -> list[int]:
    """The ids among ``values``; anything else is left out."""
    return [number for number in map(parse_id, values or []) if number is not None]


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose value must look like an id before the database is asked."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if self.to_field_name is None and parse_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose values must each look like an id before the database is asked."""

    def _check_values(self, value: Any) -> Any:
        if self.to_field_name is None:
            for item in value:
                if parse_id(item) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                    )
        return super()._check_values(value)  # type: ignore[misc]  # not in the stubs


def _day(day: datetime.date) -> str:
    return str(formats.date_format(day, "SHORT_DATE_FORMAT"))


class RangedDateField(forms.DateField):
    """A date from ``earliest`` to ``days_ahead`` days after today (in Sofia); with ``days_ahead`` None the
    model's own rule bounds the future. Typed as дд.мм.гггг (or ISO); subclasses name the uses."""

    widget = DateInput
    earliest: ClassVar[datetime.date] = datetime.date(2000, 1, 1)
    days_ahead: ClassVar[int | None] = 0
    too_early = _("Type a date from %(earliest)s on.")
    too_late = _("Type a date no later than %(latest)s.")

    def to_python(self, value: Any) -> datetime.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        return parse_date(str(value))

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        if value < self.earliest:
            raise ValidationError(self.too_early, code="too_early", params={"earliest": _day(self.earliest)})
        if self.days_ahead is None:
            return
        latest = timezone.localdate() + datetime.timedelta(days=self.days_ahead)
        if value > latest:
            raise ValidationError(self.too_late, code="too_late", params={"latest": _day(latest)})


class PastDateField(RangedDateField):
    """The day something was done: an assessment, a review, a contract signed — from 2000 to today."""

    too_late = _("This is in the future: type the day it happened.")


class BirthDateField(RangedDateField):
    """A birth date: from 1900 (not in the future: the person's own rule, ``Person.clean``)."""

    earliest = datetime.date(1900, 1, 1)
    days_ahead = None


class DueDateField(RangedDateField):
    """An unborn child's expected birth: from 2000 (at most ten months ahead: ``Person.clean``); a day already
    passed is kept while the birth is not yet recorded."""

    days_ahead = None


class LifeDateField(RangedDateField):
    """When a relation or a household membership began or ends: from 1900, up to five years ahead (a foster
    placement agreed until a date)."""

    earliest = datetime.date(1900, 1, 1)
    days_ahead = 5 * 366


class PlannedDateField(RangedDateField):
    """The from–to of a planned activity: from 2000, up to five years ahead."""

    days_ahead = 5 * 366


class FilterDateField(RangedDateField):
    """A day that bounds a list's filter (events from, events to): from 2000 to a year ahead (a later day
    finds nothing more, and a year 9999 would overflow the end of its day)."""

    days_ahead = 366


class PastDateTimeField(forms.DateTimeField):
    """When something arrived (a referral): from 2000 to now, with a few minutes' grace for a clock that runs
    fast. Compared as wall-clock times in the current time zone: a time of year 1 cannot be converted to UTC.
    Typed as a day (дд.мм.гггг) and a time (ЧЧ:ММ, 24-hour) in two boxes, or as one ISO value."""

    widget = DateTimeInput

    earliest = datetime.datetime(2000, 1, 1)
    grace = datetime.timedelta(minutes=5)
    too_early = _("Type a date from %(earliest)s on.")
    too_late = _("This is in the future: type the day it happened.")

    def to_python(self, value: Any) -> datetime.datetime | None:
        if isinstance(value, datetime.datetime):
            return from_current_timezone(value)
        if value in self.empty_values:
            return None
        moment = parse_datetime(value)
        return None if moment is None else from_current_timezone(moment)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        wall = value.replace(tzinfo=None)
        if wall < self.earliest:
            raise ValidationError(self.too_early, code="too_early", params={"earliest": _day(self.earliest.date())})
        if wall > timezone.localtime(timezone.now() + self.grace).replace(tzinfo=None):
            raise ValidationError(self.too_late, code="too_late")


# --- Fields that apply only with another field's value ------------------------------------------------


class ShowWhenMixin:
    """A form whose fields apply only when another field has one of some values: ``show_when`` maps a field's
    name to ``(the controlling field, its values)``, e.g. ``{"partner": ("decision", ("redirect",))}``.

    The page marks each such field's wrapper (``{% show_when form "partner" %}``, or ``_form.html`` itself)
    and ``conditional.js`` hides it and disables its inputs while it does not apply, so that a hidden field is
    neither seen nor posted. The server is the rule: a value posted for a field that does not apply is
    dropped (a crafted request, a page without script), and so are its errors, so that a field that is not
    asked never blocks the save. Without script every field shows, and what is typed in the fields that
    apply is kept on an error as always."""

    show_when: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {}

    def applies(self, name: str) -> bool:
        rule = self.show_when.get(name)
        if rule is None:
            return True
        controlling, values = rule
        cleaned = getattr(self, "cleaned_data", {})
        return str(cleaned.get(controlling, "")) in values

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        fields: dict[str, forms.Field] = self.fields  # type: ignore[attr-defined]
        errors: dict[str, Any] = self._errors  # type: ignore[attr-defined]
        for name in self.show_when:
            if name in fields and not self.applies(name):
                errors.pop(name, None)
                cleaned[name] = _empty_value(fields[name])
        return cleaned


def _empty_value(field: forms.Field) -> Any:
    if isinstance(field, (forms.ModelMultipleChoiceField, forms.MultipleChoiceField)):
        return []
    if isinstance(field, forms.BooleanField):
        return False
    if isinstance(field, forms.CharField) or (
        isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField)
    ):
        return ""
    return None
