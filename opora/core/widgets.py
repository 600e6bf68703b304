"""Date and time inputs in the Bulgarian way (дд.мм.гггг, ЧЧ:ММ on the 24-hour clock) whatever the browser's
language: text boxes, not the browser's pickers, which show the browser's own locale (a US browser shows and
expects mm/dd/yyyy and a 12-hour clock). The fields of ``opora.core.forms`` read what is typed
(``opora.core.dates``) and use these by default, so a form need not name a widget.

On a phone the boxes open the numeric keypad (``inputmode="numeric"``); a keypad without a dot can type
04122026. ``autocomplete="off"``: the dates typed are a child's or a case's, never the worker's own, so the
browser must not offer her birthday or a date remembered from another record."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.forms.widgets import ChoiceWidget
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opora.core.dates import DATE_FORMAT, TIME_FORMAT, split_datetime

TIME_SUFFIX = "_time"


def _date_attrs() -> dict[str, Any]:
    return {
        "inputmode": "numeric",
        "autocomplete": "off",
        "placeholder": _("dd.mm.yyyy"),
        "size": 10,
        "class": "date-input",
    }


def _time_attrs() -> dict[str, Any]:
    return {"inputmode": "numeric", "autocomplete": "off", "placeholder": _("HH:MM"), "size": 5, "class": "time-input"}


class DateInput(forms.DateInput):
    """A day typed as дд.мм.гггг; a value given as a date is shown so, what was typed is shown as typed."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={**_date_attrs(), **(attrs or {})}, format=DATE_FORMAT)


class TimeInput(forms.TimeInput):
    """A time of day typed as ЧЧ:ММ on the 24-hour clock."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={**_time_attrs(), **(attrs or {})}, format=TIME_FORMAT)


class DateTimeInput(forms.Widget):
    """A moment as two boxes, the day (дд.мм.гггг, posted under the field's own name) and the time (ЧЧ:ММ,
    under the name + ``_time``), each with its label, each opening the numeric keypad on a phone. A single
    value posted under the field's name (an ISO ``2026-12-04T14:30`` of an old link or test) is read too."""

    template_name = "core/widgets/datetime.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        own = context["widget"]["attrs"]
        date_text, time_text = self.texts(value)
        date = DateInput(attrs={**own}).get_context(name, date_text, None)["widget"]
        # Not ``required``: a day and a time typed together in the day's box are read too, and the message
        # for a missing time is the server's, in the interface's language.
        shared = {key: own[key] for key in ("disabled", "aria-invalid") if key in own}
        if own.get("required"):
            shared["aria-required"] = "true"
        time_id = {"id": own["id"] + TIME_SUFFIX} if own.get("id") else {}
        time = TimeInput(attrs={**shared, **time_id}).get_context(name + TIME_SUFFIX, time_text, None)["widget"]
        context["widget"]["subwidgets"] = [date, time]
        context["widget"]["time_label"] = _("time")
        return context

    @staticmethod
    def texts(value: Any) -> tuple[str, str]:
        """(date, time) as the two boxes show them: a moment in Bulgarian format, what was typed as typed."""
        if isinstance(value, datetime.datetime):
            return value.strftime(DATE_FORMAT), value.strftime(TIME_FORMAT)
        if isinstance(value, datetime.date):
            return value.strftime(DATE_FORMAT), ""
        if value is None or value == "":
            return "", ""
        if isinstance(value, (list, tuple)):
            return split_datetime(value) if len(value) != 2 else (str(value[0] or ""), str(value[1] or ""))
        return str(value), ""  # one value posted under the field's name: kept in the day's box as it came

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        day, time = data.get(name), data.get(name + TIME_SUFFIX)
        if time is None:
            return day
        return [day or "", time]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and name + TIME_SUFFIX not in data


class PickerMixin:
    """A choice of people (or staff) as a typeahead with chips, served by ``source`` (the URL name of an
    endpoint answering ``?q=`` with ``{"results": [{"id", "label"}]}``, scoped as the list it comes from).

    Without JavaScript it is what it replaces, made usable: a box to tick (or a radio button) for each one
    chosen and each one the page's own "Find" offered. ``picker.js`` hides the boxes, shows the chosen as
    chips and adds the ARIA 1.2 combobox; a pick ticks a box (adding one when the person was not offered), so
    what is posted is the same either way and the server validates it against the field's whole queryset."""

    use_fieldset = True
    allow_multiple_selected: bool

    def __init__(
        self, source: str, *, params: dict[str, str] | None = None, attrs: dict[str, Any] | None = None
    ) -> None:
        super().__init__(attrs=attrs)  # type: ignore[call-arg]
        self.source = source  # a URL name, or an address already made (``/cases/7/team/pick/``)
        self.params = params or {}

    def source_url(self) -> str:
        url = self.source if self.source.startswith("/") else reverse(self.source)
        return f"{url}?{urlencode(self.params)}" if self.params else url

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(name, value, attrs)  # type: ignore[misc]
        context["widget"]["source"] = self.source_url()
        context["widget"]["multiple"] = self.allow_multiple_selected
        return context


PICKER_TEMPLATE = "core/widgets/picker.html"


class PickMany(PickerMixin, forms.CheckboxSelectMultiple):
    """Several people: chips, each removable."""

    template_name = PICKER_TEMPLATE


class PickOne(PickerMixin, forms.RadioSelect):
    """One person (or none, where the field may stay empty): one chip, replaced by the next pick."""

    template_name = PICKER_TEMPLATE


def use_picker(field: forms.ChoiceField, picker: PickerMixin) -> None:
    """Give ``field`` the ``picker`` for its widget, as the field would have made it (its choices, whether it
    is required): a form whose queryset is only known in ``__init__`` sets its widget there too."""
    assert isinstance(picker, ChoiceWidget)
    picker.is_required = field.required
    picker.choices = field.choices  # type: ignore[assignment]  # a model field's iterator: read when rendered
    field.widget = picker
