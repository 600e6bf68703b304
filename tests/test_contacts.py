"""Contacts with the people of a case (issue 10, the first part): booking a consultation, refused when its
worker, its room or its child is already booked then (the message names the other contact); the end after
the start, nothing planned in the past; how it went (held with its minutes, missed, cancelled with why); a
worker's week; the case's timeline. Scoped like the case, with a constant number of queries."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opora.cases.casework.models import Case
from opora.cases.casework.timeline import timeline_page
from opora.contacts.models import Contact, ContactKind, ContactPlace, ContactStatus
from opora.contacts.services import contact_book, contact_outcome
from opora.organisation.models import Role
from opora.people.models import Person
from tests.casework import accept, make_referral
from tests.conftest import World, make_person


def bg(text: str) -> str:
    with translation.override("bg"):
        return translation.gettext(text)


@pytest.fixture
def diana(world: World) -> Person:
    return make_person(world.own, "Диана", "Колева", sex="female")


@pytest.fixture
def case(world: World, diana: Person) -> Case:
    head, worker = world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER]
    return accept(make_referral(world.own, [diana], head), head, worker)


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment ``days`` from today at ``hour:minute`` in Sofia."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), timezone.get_current_timezone())


def book(world: World, case: Case, starts: datetime.datetime, ends: datetime.datetime, **changes: Any) -> Contact:
    values: dict[str, Any] = {
        "case": case,
        "kind": ContactKind.PSYCHOLOGICAL,
        "starts_at": starts,
        "ends_at": ends,
        "place": ContactPlace.ROOM,
        "room": "Кабинет 2",
        "staff": [world.users[Role.PSYCHOLOGIST]],
        "participants": list(case.people.all()),
        "by": world.users[Role.SOCIAL_WORKER],
    }
    values.update(changes)
    return contact_book(**values)


def refused(world: World, case: Case, starts: datetime.datetime, ends: datetime.datetime, **changes: Any) -> dict:
    with pytest.raises(ValidationError) as caught:
        book(world, case, starts, ends, **changes)
    return caught.value.message_dict


# --- Booking and double bookings ------------------------------------------------------------------------------


def test_a_consultation_is_booked_with_its_worker_room_and_child(world: World, case: Case, diana: Person) -> None:
    contact = book(world, case, at(1, 15), at(1, 16))
    assert contact.status == ContactStatus.PLANNED
    assert list(contact.staff.all()) == [world.users[Role.PSYCHOLOGIST]]
    assert list(contact.participants.all()) == [diana]


def test_the_worker_already_booked_is_refused_with_the_other_contact_named(world: World, case: Case) -> None:
    """Scenario 3: "Гергана already has a consultation 15:00–16:00"."""
    other_child = make_person(world.own, "Иван", "Петров")
    other_case = accept(
        make_referral(world.own, [other_child], world.users[Role.HEAD]),
        world.users[Role.HEAD],
        world.users[Role.SOCIAL_WORKER],
    )
    first = book(world, other_case, at(1, 15), at(1, 16), room="Кабинет 1")

    errors = refused(world, case, at(1, 15, 30), at(1, 16, 30))

    psychologist = world.users[Role.PSYCHOLOGIST]
    start = timezone.localtime(first.starts_at)
    assert errors["staff"] == [
        bg("%(name)s already has a contact then: %(kind)s, %(span)s (%(case)s).")
        % {
            "name": psychologist,
            "kind": bg("Psychological session"),
            "span": f"{start:%d.%m.%Y} 15:00–16:00",
            "case": other_case,
        }
    ]
    assert "Иван" not in errors["staff"][0]  # the other child is never named


def test_contacts_that_only_touch_do_not_overlap(world: World, case: Case) -> None:
    book(world, case, at(1, 15), at(1, 16))
    assert book(world, case, at(1, 16), at(1, 17)).pk


def test_the_room_already_taken_is_refused(world: World, case: Case) -> None:
    book(world, case, at(1, 15), at(1, 16))
    other_child = make_person(world.own, "Иван", "Петров")
    other_case = accept(
        make_referral(world.own, [other_child], world.users[Role.HEAD]),
        world.users[Role.HEAD],
        world.users[Role.SOCIAL_WORKER],
    )
    errors = refused(world, other_case, at(1, 15, 30), at(1, 16, 30), staff=[world.users[Role.SOCIAL_WORKER]])
    assert list(errors) == ["room"]
    assert book(
        world, other_case, at(1, 15, 30), at(1, 16, 30), staff=[world.users[Role.SOCIAL_WORKER]], room="Кабинет 3"
    ).pk


def test_the_child_already_booked_is_refused(world: World, case: Case, diana: Person) -> None:
    book(world, case, at(1, 15), at(1, 16))
    errors = refused(world, case, at(1, 15), at(1, 15, 45), staff=[world.users[Role.SOCIAL_WORKER]], room="Кабинет 3")
    assert list(errors) == ["participants"]
    assert str(diana) in errors["participants"][0]


def test_a_cancelled_contact_frees_its_time(world: World, case: Case) -> None:
    first = book(world, case, at(1, 15), at(1, 16))
    contact_outcome(contact=first, by=world.users[Role.SOCIAL_WORKER], status=ContactStatus.CANCELLED, reason="Болна")
    assert book(world, case, at(1, 15), at(1, 16)).pk


def test_an_end_before_the_start_and_a_start_in_the_past_are_refused(world: World, case: Case) -> None:
    assert list(refused(world, case, at(1, 16), at(1, 15))) == ["ends"]
    assert list(refused(world, case, at(1, 8), at(1, 21))) == ["ends"]  # 13 hours: a slip
    assert list(refused(world, case, at(-1, 15), at(-1, 16))) == ["starts"]


def test_only_the_case_s_staff_and_people_take_part(world: World, case: Case) -> None:
    stranger = make_person(world.own, "Иван", "Петров")
    errors = refused(world, case, at(1, 15), at(1, 16), staff=[world.outsider], participants=[stranger])
    assert set(errors) == {"staff", "participants"}


def test_a_psychologist_may_not_book_and_a_closed_case_takes_no_contact(world: World, case: Case) -> None:
    with pytest.raises(PermissionDenied):
        book(world, case, at(1, 15), at(1, 16), by=world.users[Role.PSYCHOLOGIST])
    Case.objects.filter(pk=case.pk).update(state="closed")
    case.refresh_from_db()
    with pytest.raises(ValidationError):
        book(world, case, at(1, 15), at(1, 16))


# --- How it went ----------------------------------------------------------------------------------------


def test_a_held_contact_needs_its_minutes_and_a_future_one_can_only_be_cancelled(world: World, case: Case) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    future = book(world, case, at(1, 15), at(1, 16))
    with pytest.raises(ValidationError) as caught:
        contact_outcome(contact=future, by=worker, status=ContactStatus.HELD, minutes=50)
    assert list(caught.value.message_dict) == ["status"]
    with pytest.raises(ValidationError) as caught:
        contact_outcome(contact=future, by=worker, status=ContactStatus.CANCELLED)
    assert list(caught.value.message_dict) == ["reason"]

    Contact.objects.filter(pk=future.pk).update(starts_at=at(-1, 15), ends_at=at(-1, 16))
    with pytest.raises(ValidationError) as caught:
        contact_outcome(contact=future, by=worker, status=ContactStatus.HELD)
    assert list(caught.value.message_dict) == ["minutes"]
    held = contact_outcome(contact=future, by=worker, status=ContactStatus.HELD, minutes=50)
    assert (held.status, held.minutes) == (ContactStatus.HELD, 50)
    with pytest.raises(ValidationError):
        contact_outcome(contact=held, by=worker, status=ContactStatus.MISSED)


# --- Pages ------------------------------------------------------------------------------------------------


def test_the_worker_books_a_contact_on_its_page_and_is_told_of_a_double_booking(world: World, case: Case) -> None:
    client = world.client_for(Role.SOCIAL_WORKER)
    url = reverse("contacts:contact_book", args=[case.pk])
    form = client.get(url).context["form"]
    assert form["staff"].value() == [world.users[Role.SOCIAL_WORKER].pk]
    day = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d.%m.%Y")
    data = {
        "kind": ContactKind.INDIVIDUAL,
        "day": day,
        "starts": "15:00",
        "ends": "16:00",
        "place": ContactPlace.ROOM,
        "room": "Кабинет 2",
        "staff": [world.users[Role.SOCIAL_WORKER].pk],
        "participants": [person.pk for person in case.people.all()],
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data | {"starts": "15:30", "ends": "16:30"})
    assert again.status_code == 200
    assert set(again.context["form"].errors) == {"staff", "participants", "room"}
    assert 'value="15:30"' in again.content.decode()  # nothing typed is lost
    assert Contact.objects.count() == 1


def test_the_calendar_shows_the_workers_week(world: World, case: Case, diana: Person) -> None:
    book(world, case, at(0, 23, 0), at(0, 23, 30), staff=[world.users[Role.SOCIAL_WORKER]])
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("contacts:calendar"))
    assert response.status_code == 200
    days = dict(response.context["days"])
    assert [contact.pk for contact in days[timezone.localdate()]] == [Contact.objects.get().pk]
    assert str(diana) in response.content.decode()
    assert world.outsider is not None
    other = world.client_for(Role.SOCIAL_WORKER).get(reverse("contacts:calendar"), {"worker": world.outsider.pk})
    assert other.context["worker"] == world.users[Role.SOCIAL_WORKER]  # not a worker of the user's services


@pytest.mark.parametrize("count", [5, 50])
def test_the_calendar_and_the_case_contacts_cost_the_same_for_5_and_50(world: World, case: Case, count: int) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    base = at(0, 0, 1)
    for index in range(count):
        start = base + datetime.timedelta(minutes=10 * index)
        Contact.objects.create(
            case=case,
            kind=ContactKind.PHONE,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=5),
            place=ContactPlace.REMOTE,
            created_by=worker,
        ).staff.set([worker])
    client = world.client_for(Role.SOCIAL_WORKER)
    for url in (reverse("contacts:calendar"), reverse("contacts:case_contacts", args=[case.pk])):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        assert len(captured.captured_queries) <= 8, url


def test_the_timeline_shows_a_held_contact_and_a_cancelled_one(world: World, case: Case) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    held = book(world, case, at(1, 9), at(1, 10))
    Contact.objects.filter(pk=held.pk).update(starts_at=at(-1, 9), ends_at=at(-1, 10))
    contact_outcome(contact=held, by=worker, status=ContactStatus.HELD, minutes=55)
    cancelled = book(world, case, at(2, 9), at(2, 10))
    contact_outcome(contact=cancelled, by=worker, status=ContactStatus.CANCELLED, reason="Болна е.")
    book(world, case, at(3, 9), at(3, 10))  # planned, still ahead: not in what happened

    events = [event for event in timeline_page(case, worker, 1).events if event.kind == "contact"]

    assert [event.title for event in events] == [
        bg("%(kind)s: %(status)s") % {"kind": bg("Psychological session"), "status": bg("Cancelled")},
        bg("%(kind)s: %(status)s") % {"kind": bg("Psychological session"), "status": bg("Held")},
    ]
    assert "Болна е." in events[0].detail


def test_the_case_page_keeps_its_budget_with_the_contacts(world: World, case: Case) -> None:
    for days in range(1, 30):
        book(world, case, at(days, 9), at(days, 10))
    client = world.client_for(Role.SOCIAL_WORKER)
    for tab in ("overview", "timeline"):
        url = reverse("cases:case_detail", args=[case.pk]) + f"?tab={tab}"
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        assert len(captured.captured_queries) <= 12, tab
    assert (
        reverse("contacts:contact_book", args=[case.pk])
        in client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.fixed_dictionaries(
        {
            name: st.text(max_size=30)
            for name in ("kind", "day", "starts", "ends", "place", "room", "staff", "participants")
        }
    )
)
def test_junk_posted_to_the_booking_form_is_a_form_error(world: World, case: Case, data: dict[str, str]) -> None:
    clean = {key: value.replace("\x00", "") for key, value in data.items()}
    response = world.client_for(Role.SOCIAL_WORKER).post(reverse("contacts:contact_book", args=[case.pk]), clean)
    assert response.status_code in (200, 302)
