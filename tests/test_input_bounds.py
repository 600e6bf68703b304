"""Mistyped and crafted input: absurd dates get a message next to the field, ids too large for the database
are "not a valid choice" or "not found", NUL characters in a query string are dropped — never a 500, and
what was typed stays on the page. And answers to a logged-in user are not kept in caches."""

import datetime
import inspect
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from opora.cases.casework import forms as casework_forms
from opora.cases.intake import forms as intake_forms
from opora.cases.intake.models import Referral
from opora.cases.planning import forms as planning_forms
from opora.core.forms import (
    BirthDateField,
    IdChoiceField,
    IdMultipleChoiceField,
    LifeDateField,
    PastDateField,
    PastDateTimeField,
    RangedDateField,
    parse_id,
)
from opora.core.formsets import TAMPERED_MESSAGE
from opora.deadlines import forms as deadline_forms
from opora.deadlines.models import Notification
from opora.organisation import forms as organisation_forms
from opora.organisation.models import Role
from opora.people import forms as people_forms
from opora.people.models import IdentityKind, Person
from tests.conftest import World, make_person
from tests.test_cases_pages import referral_form
from tests.test_people import child_form, register
from tests.test_permission_matrix import mark_recently_authenticated

HUGE_ID = "1" * 23


@pytest.fixture(autouse=True)
def _in_english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def child(world: World) -> Person:
    return make_person(world.own, "Мартин", "Колев")


def typed_referral(world: World, child: Person, **changes: Any) -> dict[str, Any]:
    """The referral form with the preliminary assessment typed (a browser never sends a file twice)."""
    return referral_form(
        world, child, preliminary_assessment="Нужда от подкрепа.", preliminary_assessment_file=None, **changes
    )


def errors_of(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return {name: [str(message) for message in messages] for name, messages in response.context["form"].errors.items()}


# --- Dates -----------------------------------------------------------------------------------------------


def test_a_referral_received_in_year_1_is_refused_next_to_the_field_and_kept(world: World, child: Person) -> None:
    client = world.client_for(Role.SOCIAL_WORKER)
    response = client.post(
        reverse("cases:referral_create"), typed_referral(world, child, received_at="0001-01-01T00:00")
    )

    assert errors_of(response) == {"received_at": ["Type a date from 01.01.2000 on."]}
    assert 'value="0001-01-01T00:00"' in response.content.decode()
    assert not Referral.objects.exists()


def test_a_referral_received_in_the_future_is_still_refused(world: World, child: Person) -> None:
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    data = typed_referral(world, child, received_at=tomorrow.strftime("%Y-%m-%dT%H:%M"))
    response = world.client_for(Role.SOCIAL_WORKER).post(reverse("cases:referral_create"), data)
    assert errors_of(response) == {"received_at": ["This is in the future: type when the referral arrived."]}


def test_a_birth_date_in_year_1_is_refused_next_to_it(world: World) -> None:
    data = child_form(
        identity_kind=IdentityKind.NONE, identifier="", no_identifier_reason="Няма", birth_date="0001-01-01"
    )
    response = register(world.client_for(Role.SOCIAL_WORKER), data)

    assert errors_of(response) == {"birth_date": ["Type a date from 01.01.1900 on."]}
    assert 'value="0001-01-01"' in response.content.decode()
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("field", "day", "valid"),
    [
        (BirthDateField(), datetime.date(1900, 1, 1), True),
        (BirthDateField(), datetime.date(1899, 12, 31), False),
        (PastDateField(), datetime.date(2000, 1, 1), True),
        (PastDateField(), datetime.date(1999, 12, 31), False),
        (PastDateField(), datetime.date(1, 1, 1), False),
        (PastDateField(), "today", True),
        (PastDateField(), "tomorrow", False),
        (LifeDateField(), "in five years", True),
        (LifeDateField(), "in six years", False),
    ],
)
def test_each_kind_of_date_has_its_range(field: RangedDateField, day: Any, valid: bool) -> None:
    today = timezone.localdate()
    days = {"today": 0, "tomorrow": 1, "in five years": 5 * 365, "in six years": 6 * 365}
    value = today + datetime.timedelta(days=days[day]) if isinstance(day, str) else day
    try:
        field.clean(value.isoformat())
    except forms.ValidationError:
        assert not valid
    else:
        assert valid


def test_a_time_of_year_1_is_a_message_not_an_overflow() -> None:
    field = PastDateTimeField()
    with pytest.raises(forms.ValidationError) as refused:
        field.clean("0001-01-01T00:00")
    assert refused.value.code == "too_early"
    with pytest.raises(forms.ValidationError):
        field.clean("9999-12-31T23:59")


def test_an_assessment_in_year_1_is_refused() -> None:
    form = planning_forms.AssessmentForm(
        {"assessed_on": "0001-01-01", "risk_level": "low"}, children=Person.objects.none()
    )
    assert not form.is_valid()
    assert form.errors["assessed_on"] == ["Type a date from 01.01.2000 on."]


def _opora_forms() -> Iterator[type[forms.BaseForm]]:
    for module in (intake_forms, casework_forms, planning_forms, people_forms, organisation_forms, deadline_forms):
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                yield value


def test_every_date_and_record_field_of_every_form_is_bounded() -> None:
    """The fields a form declares or takes from its model; those added in ``__init__`` are the fuzz test's."""
    checked = 0
    for form_class in _opora_forms():
        # A model's integer field is bounded by the model's validators (the database's range).
        meta = getattr(form_class, "_meta", None)
        model_fields = set(getattr(meta, "fields", None) or [])
        declared: dict[str, forms.Field] = form_class.base_fields  # type: ignore[attr-defined]
        for name, field in declared.items():
            where = f"{form_class.__name__}.{name}"
            if isinstance(field, forms.DateTimeField):
                assert isinstance(field, PastDateTimeField), where
            elif isinstance(field, forms.DateField):
                assert isinstance(field, RangedDateField), where
            elif isinstance(field, forms.ModelChoiceField):
                assert isinstance(field, IdChoiceField | IdMultipleChoiceField), where
            elif isinstance(field, forms.IntegerField) and name not in model_fields:
                assert field.max_value is not None, where
            else:
                continue
            checked += 1
    assert checked >= 20


# --- Ids -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1" * 23, "0", "-1", "²", "1\x00", "", None, "1.0", " 7 "])
def test_parse_id_takes_only_ids_the_database_can_hold(value: Any) -> None:
    assert parse_id(value) == (7 if value == " 7 " else None)


def test_an_id_of_23_digits_among_the_people_of_a_referral_is_a_form_error(world: World, child: Person) -> None:
    data = typed_referral(world, child, people=[str(child.pk), HUGE_ID])
    response = world.client_for(Role.SOCIAL_WORKER).post(reverse("cases:referral_create"), data)

    assert list(errors_of(response)) == ["people"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize("query", [{"person": HUGE_ID}, {"person": "²"}, {"q": "Мартин\x00"}])
def test_a_crafted_query_on_the_new_referral_page_is_no_error(
    world: World, child: Person, query: dict[str, str]
) -> None:
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("cases:referral_create"), query)
    assert response.status_code == 200
    assert response.context["form"]["people"].value() in (None, [])


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("people:person_create", {"mother": "²"}),
        ("people:person_list", {"q": "Колев\x00"}),
        ("deadlines:overdue", {"worker": "²", "service": HUGE_ID}),
        ("cases:case_list", {"service": "²"}),
        ("cases:referral_list", {"service": HUGE_ID}),
        ("audit:audit_changes", {"object": "1\x00", "type": "person\x00"}),
    ],
)
def test_crafted_query_parameters_are_ignored(world: World, page: str, query: dict[str, str]) -> None:
    assert world.client_for(Role.ADMINISTRATOR).get(reverse(page), query).status_code == 200


def test_a_nul_in_the_search_is_dropped(world: World, child: Person) -> None:
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("people:person_list"), {"q": "Кол\x00ев"})
    assert response.context["query"] == "Колев"


def test_merging_with_a_crafted_id_is_not_found(world: World, child: Person) -> None:
    client, role = world.client_for(Role.HEAD), Role.HEAD
    url = reverse("people:person_merge", args=[child.pk])
    mark_recently_authenticated(client, world.users[role])
    assert client.get(url, {"duplicate": "²"}).status_code == 404
    assert client.get(url, {"duplicate": HUGE_ID}).status_code == 404


def test_a_notification_id_of_23_digits_marks_nothing(world: World) -> None:
    user = world.users[Role.SOCIAL_WORKER]
    Notification.objects.create(user=user, text="Срок", item_key="test", day=timezone.localdate())
    response = world.client_for(Role.SOCIAL_WORKER).post(
        reverse("deadlines:notification_list"), {"notification": HUGE_ID}
    )
    assert response.status_code == 302
    assert Notification.objects.get().read_at is None


def test_a_huge_row_count_in_the_staff_form_is_refused_at_once(world: World) -> None:
    client, role = world.client_for(Role.ADMINISTRATOR), Role.ADMINISTRATOR
    mark_recently_authenticated(client, world.users[role])
    data = {
        "username": "nova",
        "first_name": "Нова",
        "last_name": "Служителка",
        "email": "nova@example.org",
        "password": "correct horse battery staple 2",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "9" * 23,
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-service": str(world.own.pk),
        "memberships-0-role": Role.SOCIAL_WORKER,
    }
    started = time.perf_counter()
    response = client.post(reverse("organisation:staff_create"), data)
    assert time.perf_counter() - started < 5
    assert response.status_code == 200
    assert not world.organisation.staff.filter(username="nova").exists()
    content = response.content.decode()
    assert "row counters arrived damaged" in content
    assert 'value="Нова"' in content


@pytest.mark.parametrize(("total", "initial"), [("abc", "0"), ("1", "²"), ("²", "0"), ("9" * 23, "-1")])
def test_damaged_row_counters_are_a_form_error(total: str, initial: str) -> None:
    data = {"goals-TOTAL_FORMS": total, "goals-INITIAL_FORMS": initial, "goals-0-text": "Да ходи на училище"}
    formset = planning_forms.GoalFormSet(data, prefix="goals", form_kwargs={"needs": []})
    assert not formset.is_valid()
    assert formset.non_form_errors() == [str(TAMPERED_MESSAGE)]
    assert formset.forms[0]["text"].value() == "Да ходи на училище"
