"""The forms of contacts: booking one (the day, from and to, the place, who holds it, who takes part) and
recording how it went. Forms only validate; the services write and check the rules, and their messages come
back next to the fields (the services name the fields as these forms do)."""

import datetime
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import User
from opora.contacts.models import ContactKind, ContactPlace, ContactStatus
from opora.core.forms import IdMultipleChoiceField, RangedDateField, ShowWhenMixin
from opora.core.widgets import TimeInput
from opora.people.models import Person

TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]


class ContactDayField(RangedDateField):
    """The day of a contact: up to two years ahead."""

    days_ahead = 2 * 366


class ContactForm(ShowWhenMixin, forms.Form):
    """Book a contact of a case."""

    show_when: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {
        "room": ("place", tuple(value for value in ContactPlace.values if value != ContactPlace.REMOTE)),
    }

    kind = forms.ChoiceField(label=_("Kind of contact"), choices=ContactKind.choices)
    day = ContactDayField(label=_("Day"))
    starts = forms.TimeField(label=_("From"), widget=TimeInput(), input_formats=TIME_FORMATS)
    ends = forms.TimeField(label=_("To"), widget=TimeInput(), input_formats=TIME_FORMATS)
    place = forms.ChoiceField(
        label=_("Place"), choices=ContactPlace.choices, widget=forms.RadioSelect, initial=ContactPlace.ROOM
    )
    room = forms.CharField(
        label=_("Room or address"),
        max_length=200,
        required=False,
        help_text=_("For a room of the service, its name: two contacts cannot have one room at one time."),
    )
    staff = IdMultipleChoiceField(
        label=_("Held by"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    participants = IdMultipleChoiceField(
        label=_("People taking part"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, staff: QuerySet[User], people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        self.fields["participants"].queryset = people  # type: ignore[attr-defined]

    def moments(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """The start and the end as moments in Sofia's time, from the day and the two times."""
        day, starts, ends = (self.cleaned_data.get(name) for name in ("day", "starts", "ends"))
        if day is None:
            return None, None
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(day, starts, zone) if starts is not None else None
        end = datetime.datetime.combine(day, ends, zone) if ends is not None else None
        return start, end


class ContactOutcomeForm(ShowWhenMixin, forms.Form):
    """How a planned contact went."""

    show_when: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {
        "minutes": ("status", (ContactStatus.HELD,)),
        "reason": ("status", (ContactStatus.CANCELLED,)),
    }

    status = forms.ChoiceField(
        label=_("How it went"),
        choices=[
            (ContactStatus.HELD, _("Held")),
            (ContactStatus.MISSED, _("Missed: they did not come")),
            (ContactStatus.CANCELLED, _("Cancelled")),
        ],
        widget=forms.RadioSelect,
    )
    minutes = forms.IntegerField(label=_("Duration in minutes"), required=False, min_value=1, max_value=720)
    reason = forms.CharField(
        label=_("Why cancelled"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
