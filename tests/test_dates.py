"""Dates and times are shown and typed the Bulgarian way (дд.мм.гггг, ЧЧ:ММ on the 24-hour clock) whatever the
browser's or the interface's language: what is accepted, what is refused with which message, how the widgets
render, that the ranges of the bounded fields still hold, and that the people and audit forms use them."""

import datetime
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from opora.core.dates import parse_date, parse_datetime, parse_time
from opora.core.forms import (
    BirthDateField,
    DueDateField,
    FilterDateField,
    LifeDateField,
    PastDateField,
    PastDateTimeField,
    PlannedDateField,
)
from opora.core.widgets import DateInput, DateTimeInput
from opora.organisation.models import Role
from opora.people.models import Person
from tests.conftest import World, make_person

DECEMBER_4 = datetime.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def _in_english(settings: Any) -> Iterator[None]:
    """English, the language whose Django defaults (mm/dd/yyyy, 12-hour) are the ones to beat."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def message_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Parsing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "04.12.2026",
        "4.12.2026",
        "04/12/2026",
        "04-12-2026",
        "4 12 2026",
        " 04.12.2026 ",
        "04. 12. 2026",
        "04122026",  # a phone's numeric keypad without a dot
        "04.12.2026 г.",
        "04.12.2026г",
        "2026-12-04",  # ISO, for old links
        "2026-12-4",
    ],
)
def test_a_day_is_read_day_first_however_it_is_separated(typed: str) -> None:
    assert parse_date(typed) == DECEMBER_4


def test_the_day_comes_first_even_where_the_us_would_put_the_month() -> None:
    assert parse_date("04/12/2026") == datetime.date(2026, 12, 4)
    assert parse_date("12/04/2026") == datetime.date(2026, 4, 12)
    assert parse_date("29.02.2028") == datetime.date(2028, 2, 29)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31.02.2026", "31.02.2026 does not exist: February 2026 has 28 days."),
        ("29.02.2026", "29.02.2026 does not exist: February 2026 has 28 days."),
        ("31.04.2026", "31.04.2026 does not exist: April 2026 has 30 days."),
        ("00.12.2026", "00.12.2026 does not exist: December 2026 has 31 days."),
        ("2026-02-30", "30.02.2026 does not exist: February 2026 has 28 days."),
        ("04.13.2026", "There is no month 13: type the date as dd.mm.yyyy."),
        ("12/25/2026", "There is no month 25: type the date as dd.mm.yyyy."),
        ("4.12.26", "Type the year in full, e.g."),
        ("вчера", "Type the date as dd.mm.yyyy, e.g."),
        ("04.12", "Type the date as dd.mm.yyyy, e.g."),
        ("04.12.20266", "Type the date as dd.mm.yyyy, e.g."),
        ("٠٤.١٢.٢٠٢٦", "Type the date as dd.mm.yyyy, e.g."),  # digits, but not ASCII ones
        ("04.12.2026 14:30", "Type the date as dd.mm.yyyy, e.g."),
        ("1\x00", "Type the date as dd.mm.yyyy, e.g."),
        ("00.00.0000", "There is no month 0"),
        ("01.01.0000", "Type the date as dd.mm.yyyy, e.g."),
    ],
)
def test_what_is_not_a_day_is_refused_saying_why(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_date(typed)
    assert message_of(refused.value).startswith(message)


def test_the_example_of_the_message_is_today_in_bulgarian_format() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_date("вчера")
    assert timezone.localdate().strftime("%d.%m.%Y") in message_of(refused.value)


def test_the_messages_are_bulgarian_in_bulgarian() -> None:
    with translation.override("bg"):
        with pytest.raises(ValidationError) as refused:
            parse_date("31.02.2026")
        assert message_of(refused.value) == "Датата 31.02.2026 не съществува: февруари 2026 г. има 28 дни."


@pytest.mark.parametrize(
    ("typed", "moment"),
    [
        ("14:30", datetime.time(14, 30)),
        ("14.30", datetime.time(14, 30)),
        ("1430", datetime.time(14, 30)),
        ("9:05", datetime.time(9, 5)),
        ("905", datetime.time(9, 5)),
        ("09", datetime.time(9, 0)),
        ("0:00", datetime.time(0, 0)),
        ("23:59", datetime.time(23, 59)),
        ("14:30:15", datetime.time(14, 30, 15)),
        ("14:30 ч.", datetime.time(14, 30)),
    ],
)
def test_a_time_is_read_on_the_24_hour_clock(typed: str, moment: datetime.time) -> None:
    assert parse_time(typed) == moment


@pytest.mark.parametrize("typed", ["24:00", "14:60", "2:30 PM", "2:30 pm", "noon", "1:2", "", "12345"])
def test_what_is_not_a_time_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_time(typed)
    assert message_of(refused.value) == "Type the time as HH:MM on the 24-hour clock, e.g. 14:30."


@pytest.mark.parametrize(
    "typed",
    [
        ["04.12.2026", "14:30"],
        ("4/12/2026", "1430"),
        "04.12.2026 14:30",
        "2026-12-04T14:30",  # the datetime-local picker's and old links' single value
        "2026-12-04 14:30",
        ["2026-12-04T14:30", ""],  # an ISO moment typed (or filled by an old test) in the day's box
        ["04.12.2026 14:30", " "],
        ["2026-12-04T14:30", "09:00"],  # a whole moment in the day's box wins over the time box's
    ],
)
def test_a_moment_is_a_day_and_a_time(typed: Any) -> None:
    assert parse_datetime(typed) == datetime.datetime(2026, 12, 4, 14, 30)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (["04.12.2026", ""], "Type the time as well, e.g. 14:30."),
        ("04.12.2026", "Type the time as well, e.g. 14:30."),
        (["", "14:30"], "Type the date as well, e.g."),
        (["31.02.2026", "14:30"], "31.02.2026 does not exist"),
        (["04.12.2026", "2:30 PM"], "Type the time as HH:MM"),
    ],
)
def test_a_moment_missing_a_part_says_which(typed: Any, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_datetime(typed)
    assert message_of(refused.value).startswith(message)


def test_a_moment_left_empty_is_none() -> None:
    assert parse_datetime(["", " "]) is None
    assert parse_datetime("") is None


# --- The fields: Bulgarian typing, the ranges still enforced ------------------------------------------------


class Dates(forms.Form):
    birth = BirthDateField()
    due = DueDateField(required=False)
    done = PastDateField(required=False)
    planned = PlannedDateField(required=False)
    life = LifeDateField(required=False)
    since = FilterDateField(required=False)
    arrived = PastDateTimeField(required=False)


def errors(data: dict[str, Any]) -> dict[str, list[str]]:
    form = Dates({"birth": "12.05.2016", **data})
    form.is_valid()
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def test_every_bounded_field_reads_bulgarian_dates() -> None:
    form = Dates(
        {
            "birth": "12.05.2016",
            "due": "1.3.2027",
            "done": "01/02/2025",
            "planned": "01-09-2027",
            "life": "2019-09-15",
            "since": "02.03.2026",
            "arrived": "03.12.2026",
            "arrived_time": "9:15",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth"] == datetime.date(2016, 5, 12)
    assert form.cleaned_data["due"] == datetime.date(2027, 3, 1)
    assert form.cleaned_data["done"] == datetime.date(2025, 2, 1)
    assert form.cleaned_data["planned"] == datetime.date(2027, 9, 1)
    assert form.cleaned_data["life"] == datetime.date(2019, 9, 15)
    assert form.cleaned_data["since"] == datetime.date(2026, 3, 2)
    arrived = form.cleaned_data["arrived"]
    assert arrived.tzinfo is not None
    assert timezone.localtime(arrived).replace(tzinfo=None) == datetime.datetime(2026, 12, 3, 9, 15)


def test_the_ranges_still_hold_for_dates_typed_the_bulgarian_way() -> None:
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d.%m.%Y")
    far = (timezone.localdate() + datetime.timedelta(days=6 * 366)).strftime("%d.%m.%Y")
    assert errors({"birth": "31.12.1899"}) == {"birth": ["Type a date from 01.01.1900 on."]}
    assert errors({"done": "31.12.1999"}) == {"done": ["Type a date from 01.01.2000 on."]}
    assert errors({"done": tomorrow}) == {"done": ["This is in the future: type the day it happened."]}
    assert list(errors({"planned": far})) == ["planned"]
    assert list(errors({"life": far})) == ["life"]
    assert list(errors({"since": "31.12.9999"})) == ["since"]
    assert errors({"arrived": "31.12.1999", "arrived_time": "23:59"}) == {
        "arrived": ["Type a date from 01.01.2000 on."]
    }
    assert errors({"arrived": tomorrow, "arrived_time": "10:00"}) == {
        "arrived": ["This is in the future: type the day it happened."]
    }
    assert errors({"arrived": "0001-01-01T00:00"}) == {"arrived": ["Type a date from 01.01.2000 on."]}


def test_a_refused_date_is_told_next_to_its_field_and_kept_as_typed() -> None:
    form = Dates({"birth": "31.02.2016", "arrived": "31.02.2026", "arrived_time": "25:00"})
    html = form.as_div()
    assert form.errors["birth"] == ["31.02.2016 does not exist: February 2016 has 29 days."]
    assert form.errors["arrived"] == ["31.02.2026 does not exist: February 2026 has 28 days."]
    inputs = inputs_of(html)
    assert inputs["birth"]["value"] == "31.02.2016"
    assert inputs["arrived"]["value"] == "31.02.2026"
    assert inputs["arrived_time"]["value"] == "25:00"


def test_a_date_posted_as_iso_stays_accepted() -> None:
    form = Dates({"birth": "2016-05-12", "arrived": "2026-12-03T09:15"})
    assert form.is_valid(), form.errors


# --- The widgets --------------------------------------------------------------------------------------------


class Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str]] = {}
        self.labels: dict[str, str] = {}
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "input" and "name" in a:
            self.inputs[a["name"]] = a
        elif tag == "label" and "for" in a:
            self._label = a["for"]
            self.labels[a["for"]] = ""

    def handle_data(self, data: str) -> None:
        if self._label:
            self.labels[self._label] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None


def inputs_of(html: str) -> dict[str, dict[str, str]]:
    parser = Inputs()
    parser.feed(html)
    return parser.inputs


def test_a_date_is_shown_as_a_numeric_text_box_in_bulgarian_format() -> None:
    html = DateInput().render("birth_date", datetime.date(2016, 5, 2), {"id": "id_birth_date"})
    box = inputs_of(html)["birth_date"]
    assert box["type"] == "text"
    assert box["value"] == "02.05.2016"
    assert box["inputmode"] == "numeric"
    assert box["autocomplete"] == "off"
    assert box["placeholder"] == "dd.mm.yyyy"
    with translation.override("bg"):
        assert inputs_of(DateInput().render("d", None))["d"]["placeholder"] == "дд.мм.гггг"


def test_a_moment_is_shown_as_a_day_box_and_a_labelled_time_box_on_the_24_hour_clock() -> None:
    evening = timezone.make_aware(datetime.datetime(2026, 12, 3, 21, 5))

    class Arrival(forms.Form):
        received_at = PastDateTimeField()

    html = Arrival(initial={"received_at": evening}).as_div()
    parser = Inputs()
    parser.feed(html)
    day, time = parser.inputs["received_at"], parser.inputs["received_at_time"]
    assert (day["type"], day["value"], day["id"], day["placeholder"]) == (
        "text",
        "03.12.2026",
        "id_received_at",
        "dd.mm.yyyy",
    )
    assert (time["type"], time["value"], time["placeholder"]) == ("text", "21:05", "HH:MM")
    assert day["inputmode"] == time["inputmode"] == "numeric"
    assert parser.labels[time["id"]] == "time"
    assert "required" in day
    assert "required" not in time  # a day and a time typed together in the day's box are read too
    assert time["aria-required"] == "true"


def test_the_moment_widget_reads_its_two_boxes_or_one_old_value() -> None:
    widget = DateTimeInput()
    assert widget.value_from_datadict({"at": "04.12.2026", "at_time": "14:30"}, {}, "at") == ["04.12.2026", "14:30"]
    assert widget.value_from_datadict({"at": "2026-12-04T14:30"}, {}, "at") == "2026-12-04T14:30"
    assert widget.value_omitted_from_data({}, {}, "at")
    assert not widget.value_omitted_from_data({"at_time": "14:30"}, {}, "at")


def test_the_bounded_fields_use_the_bulgarian_widgets_without_being_told() -> None:
    for field in (
        BirthDateField(),
        DueDateField(),
        PastDateField(),
        PlannedDateField(),
        LifeDateField(),
        FilterDateField(),
    ):
        assert type(field.widget) is DateInput
    assert type(PastDateTimeField().widget) is DateTimeInput


# --- Shown dates, in both languages ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["bg", "en"])
def test_pages_show_dates_day_first_and_times_on_the_24_hour_clock(language: str) -> None:
    moment = datetime.datetime(2026, 12, 4, 14, 30)
    with translation.override(language):
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "04.12.2026"
        assert formats.date_format(moment, "DATE_FORMAT") == "04.12.2026"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "04.12.2026 14:30"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "04.12.2026 14:30"
        assert formats.time_format(moment.time(), "TIME_FORMAT") == "14:30"


@pytest.mark.parametrize("language", ["bg", "en"])
def test_a_plain_date_field_reads_the_day_first_in_both_languages(language: str) -> None:
    """The admin's and any other plain DateField: 04/12/2026 is the 4th of December, in English too."""
    with translation.override(language):
        field = forms.DateField()
        assert field.clean("04/12/2026") == DECEMBER_4
        assert field.clean("04.12.2026") == DECEMBER_4
        assert field.clean("2026-12-04") == DECEMBER_4
        with pytest.raises(ValidationError):
            field.clean("12/25/2026")


# --- The people and audit forms ----------------------------------------------------------------------------


def boxes(client: Client, url: str) -> dict[str, dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    return inputs_of(response.content.decode())


def assert_bulgarian_date_box(box: dict[str, str], value: str) -> None:
    assert (box["type"], box["inputmode"], box["value"]) == ("text", "numeric", value)


@pytest.fixture
def martin(world: World) -> Person:
    return make_person(world.own, "Мартин", "Колев", birth_date=datetime.date(2016, 5, 2))


def test_the_person_form_shows_the_birth_date_in_bulgarian_format(world: World, martin: Person) -> None:
    worker = world.client_for(Role.SOCIAL_WORKER)
    page = boxes(worker, reverse("people:person_edit", args=[martin.pk]))
    assert_bulgarian_date_box(page["birth_date"], "02.05.2016")
    assert page["due_date"]["type"] == "text"


def test_the_relation_and_household_forms_show_text_date_boxes(world: World, martin: Person) -> None:
    worker = world.client_for(Role.SOCIAL_WORKER)
    relation = boxes(worker, reverse("people:relationship_create", args=[martin.pk]))
    household = boxes(worker, reverse("people:household_member_create", args=[martin.pk]))
    for page in (relation, household):
        assert page["start_date"]["type"] == "text"
        assert page["start_date"]["placeholder"] == "dd.mm.yyyy"
    assert relation["end_date"]["inputmode"] == "numeric"


def test_a_birth_date_typed_the_bulgarian_way_is_saved(world: World, martin: Person) -> None:
    worker = world.client_for(Role.SOCIAL_WORKER)
    url = reverse("people:person_edit", args=[martin.pk])
    form = worker.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update({name: form[name].value() for name in form.fields if form[name].value() not in (None, [])})
    data["birth_date"] = "2.5.2016"
    response = worker.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    martin.refresh_from_db()
    assert martin.birth_date == datetime.date(2016, 5, 2)


def test_a_birth_date_that_does_not_exist_is_refused_next_to_it_and_kept(world: World, martin: Person) -> None:
    worker = world.client_for(Role.SOCIAL_WORKER)
    url = reverse("people:person_edit", args=[martin.pk])
    form = worker.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, [])}
    data["birth_date"] = "31.02.2016"
    response = worker.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["birth_date"] == ["31.02.2016 does not exist: February 2016 has 29 days."]
    assert inputs_of(response.content.decode())["birth_date"]["value"] == "31.02.2016"
    martin.refresh_from_db()
    assert martin.birth_date == datetime.date(2016, 5, 2)


def test_the_audit_filter_takes_bulgarian_dates_in_text_boxes(world: World) -> None:
    admin = world.client_for(Role.ADMINISTRATOR)
    response = admin.get(reverse("audit:audit_changes"), {"since": "02.03.2026", "until": "4/3/2026"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["since"], form.cleaned_data["until"]) == (
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 4),
    )
    page = inputs_of(response.content.decode())
    assert_bulgarian_date_box(page["since"], "02.03.2026")
    assert_bulgarian_date_box(page["until"], "4/3/2026")
    assert re.search(r"dd\.mm\.yyyy", response.content.decode())
