"""The header's search (issue 9): people, referrals and cases by name, number or ЕГН from any page, each kind
found by its own app's provider and scoped like its list; the ЕГН typed finds, and is never shown."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opora.cases.intake.models import Referral
from opora.core.identifiers import fake_egn
from opora.organisation.models import Role
from opora.people.models import Person, PersonKind
from opora.ui.registry import SEARCH
from tests.casework import accept, make_referral
from tests.conftest import World, make_person


def search(world: World, role: str, text: str) -> dict[str, list[str]]:
    """Kind → the titles found, as the page shows them."""
    response = world.client_for(role).get(reverse("ui:search"), {"q": text})
    assert response.status_code == 200
    return {group["name"]: [hit.title for hit in group["found"].hits] for group in response.context["groups"]}


@pytest.fixture
def martin(world: World) -> Person:
    return make_person(world.own, "Мартин", "Колев", middle_name="Стоянов")


def test_every_app_registers_its_kind_of_record() -> None:
    assert list(SEARCH) == ["people", "referrals", "cases"]


def test_a_name_finds_the_person_and_the_referrals_and_cases_about_them(world: World, martin: Person) -> None:
    head, worker = world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER]
    make_person(world.own, "Петър", "Иванов")
    case = accept(make_referral(world.own, [martin], head), head, worker)
    waiting = make_referral(world.own, [martin], head)

    found = search(world, Role.SOCIAL_WORKER, "Колев Мартин")

    assert found["people"] == ["Мартин Стоянов Колев"]
    assert found["referrals"] == [str(waiting), str(case.referral)]
    assert found["cases"] == [str(case)]


def test_the_egn_finds_the_person_and_never_appears_on_the_page(world: World, martin: Person) -> None:
    assert martin.birth_date is not None
    egn = fake_egn(martin.birth_date, "male", random.Random("Мартин Колев"))  # as make_person made it
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("ui:search"), {"q": egn})

    assert [hit.title for hit in response.context["groups"][0]["found"].hits] == ["Мартин Стоянов Колев"]
    page = response.content.decode()
    # The search box shows what was typed, and the language switch returns to this address; no hit carries it.
    assert re.search(rf'<input type="search" id="search-page-q" name="q" value="{egn}"', page)
    assert page.count(egn) == 2
    assert f'name="next" value="/search/?q={egn}"' in page


@pytest.mark.parametrize("typed", ["{pk}", "№{pk}", "№ {pk}", "Направление {pk}", "#{pk}"])
def test_a_referral_is_found_by_its_number(world: World, martin: Person, typed: str) -> None:
    referral = make_referral(world.own, [martin], world.users[Role.HEAD])
    assert str(referral) in search(world, Role.SOCIAL_WORKER, typed.format(pk=referral.pk))["referrals"]


def test_a_referral_is_found_by_the_document_number_of_the_referring_institution(world: World, martin: Person) -> None:
    referral = make_referral(world.own, [martin], world.users[Role.HEAD])
    Referral.objects.filter(pk=referral.pk).update(document_number="ЗД/Д-Р-123")
    assert search(world, Role.SOCIAL_WORKER, "зд/д-р-123")["referrals"] == [str(referral)]


def test_a_case_is_found_by_its_number(world: World, martin: Person) -> None:
    head, worker = world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER]
    case = accept(make_referral(world.own, [martin], head), head, worker)
    assert search(world, Role.SOCIAL_WORKER, f"Случай {case.pk}")["cases"] == [str(case)]


def test_nothing_of_another_service_is_found(world: World) -> None:
    hidden = make_person(world.other, "Мартин", "Колев")
    referral = make_referral(world.other, [hidden], world.users[Role.ADMINISTRATOR])

    for typed in ("Мартин Колев", str(referral.pk)):
        assert search(world, Role.SOCIAL_WORKER, typed) == {"people": [], "referrals": [], "cases": []}
    assert search(world, Role.ADMINISTRATOR, "Мартин Колев")["people"] == ["Мартин Колев"]


def test_each_role_is_asked_only_the_kinds_it_may_see(world: World, martin: Person) -> None:
    assert search(world, Role.VOLUNTEER_COORDINATOR, "Мартин").keys() == {"people"}
    assert search(world, Role.VOLUNTEER, "Мартин") == {}
    page = world.client_for(Role.VOLUNTEER).get(reverse("ui:home")).content.decode()
    assert 'id="header-q"' not in page  # nothing to search: no box
    assert 'id="header-q"' in world.client_for(Role.SOCIAL_WORKER).get(reverse("ui:home")).content.decode()


def test_one_letter_asks_nothing_and_says_why(world: World, martin: Person) -> None:
    client = world.client_for(Role.SOCIAL_WORKER)
    client.get(reverse("ui:search"), {"q": "М"})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("ui:search"), {"q": "М"})
    assert response.context["too_short"]
    assert len(captured.captured_queries) == 2  # the session and the user
    assert "Мартин" not in response.content.decode()


def test_more_people_than_shown_link_to_the_people_list_with_the_same_search(world: World) -> None:
    for index in range(7):
        make_person(
            world.own,
            "Мария",
            "Колева",
            kind=PersonKind.PARENT,
            sex="female",
            egn=False,
            middle_name="Аб"[index % 2] + chr(0x430 + index),
        )
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("ui:search"), {"q": "Колева"})
    people = response.context["groups"][0]["found"]
    assert len(people.hits) == 5
    assert people.more
    assert f'href="{reverse("people:person_list")}?q=%D0%9A%D0%BE%D0%BB%D0%B5%D0%B2%D0%B0"' in response.content.decode()


def test_nothing_found_names_what_to_try(world: World) -> None:
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("ui:search"), {"q": "Зззззз"})
    assert not response.context["found_any"]
    assert 'class="empty-state"' in response.content.decode()


def test_what_is_typed_is_shown_as_text_never_as_markup(world: World) -> None:
    typed = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    page = world.client_for(Role.SOCIAL_WORKER).get(reverse("ui:search"), {"q": typed}).content.decode()
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_junk_typed_in_the_search_never_breaks_the_page(world: World, text: str) -> None:
    response = world.client_for(Role.ADMINISTRATOR).get(reverse("ui:search"), {"q": text.replace("\x00", "")})
    assert response.status_code == 200
