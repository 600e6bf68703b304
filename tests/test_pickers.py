"""The typeahead pickers (issue 9): what their endpoints answer, to whom, at what cost; and the forms that use
them, with and without script: the chosen people come back ticked after an error, a pick of someone the page
did not offer is accepted, and the page's own "Find" offers boxes to tick."""

import random
import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opora.cases.intake.models import Referral
from opora.core.identifiers import fake_egn
from opora.organisation.models import Membership, Role
from opora.people.models import PersonKind, Relationship, RelationshipKind
from tests.casework import accept, make_referral
from tests.conftest import World, make_person, make_user
from tests.test_cases_pages import errors_of, referral_form


def picked(world: World, role: str, query: str, url: str | None = None, **params: str) -> list[dict[str, Any]]:
    response = world.client_for(role).get(url or reverse("people:person_pick"), {"q": query, **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


def boxes(html: str, name: str) -> dict[str, bool]:
    """The boxes a picker renders for ``name``: value → whether it is ticked."""
    found = {}
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', html):
        value = re.search(r'value="([^"]*)"', tag)
        if value:
            found[value.group(1)] = " checked" in tag
    return found


# --- The people picker's search ---------------------------------------------------------------------------


def test_the_people_picker_finds_by_part_of_a_name_and_shows_a_name_and_a_birth_year(world: World) -> None:
    martin = make_person(world.own, "Мартин", "Колев")
    make_person(world.own, "Петър", "Иванов")

    results = picked(world, Role.SOCIAL_WORKER, "Колев")

    assert results == [{"id": martin.pk, "label": "Мартин Колев (2016)"}]


def test_the_people_picker_finds_by_the_egn_and_never_shows_one(world: World) -> None:
    martin = make_person(world.own, "Мартин", "Колев")
    assert martin.birth_date is not None
    typed = fake_egn(martin.birth_date, "male", random.Random("Мартин Колев"))  # as make_person made it
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("people:person_pick"), {"q": typed})

    assert [row["id"] for row in response.json()["results"]] == [martin.pk]
    assert typed not in response.content.decode()


def test_the_people_picker_offers_no_one_of_another_service(world: World) -> None:
    make_person(world.other, "Мартин", "Колев")

    assert picked(world, Role.SOCIAL_WORKER, "Мартин") == []
    assert len(picked(world, Role.ADMINISTRATOR, "Мартин")) == 1


def test_the_people_picker_waits_for_two_letters_and_asks_nothing_before(world: World) -> None:
    make_person(world.own, "Мартин", "Колев")
    client = world.client_for(Role.SOCIAL_WORKER)
    client.get(reverse("people:person_pick"), {"q": "Мартин"})  # warms the per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("people:person_pick"), {"q": " М "})

    assert response.json() == {"results": []}
    assert len(captured.captured_queries) == 2  # the session and the user: nothing of the register


def test_the_mothers_picker_offers_no_man_and_no_unborn_child(world: World) -> None:
    petya = make_person(world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female", egn=False)
    make_person(world.own, "Петър", "Колев", kind=PersonKind.PARENT, egn=False)

    assert [row["id"] for row in picked(world, Role.SOCIAL_WORKER, "Колев", who="mother")] == [petya.pk]
    assert len(picked(world, Role.SOCIAL_WORKER, "Колев")) == 2


def test_a_volunteer_may_not_ask_the_people_picker(world: World) -> None:
    make_person(world.own, "Мартин", "Колев")
    response = world.client_for(Role.VOLUNTEER).get(reverse("people:person_pick"), {"q": "Мартин"})
    assert response.status_code == 403
    assert "Мартин" not in response.content.decode()


# --- The referral's people ---------------------------------------------------------------------------------


def test_a_referral_form_sent_back_with_an_error_keeps_its_people_ticked(world: World) -> None:
    martin = make_person(world.own, "Мартин", "Колев")
    petya = make_person(world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female", egn=False)

    response = world.client_for(Role.SOCIAL_WORKER).post(
        reverse("cases:referral_create"), referral_form(world, martin, people=[martin.pk, petya.pk], reasons="")
    )

    assert "reasons" in errors_of(response)
    assert boxes(response.content.decode(), "people") == {str(martin.pk): True, str(petya.pk): True}


def test_a_person_picked_whom_the_page_did_not_offer_is_recorded(world: World) -> None:
    """The picker ticks a box it adds itself: the form validates against everyone the user may see."""
    martin = make_person(world.own, "Мартин", "Колев")
    page = world.client_for(Role.SOCIAL_WORKER).get(reverse("cases:referral_create")).content.decode()
    assert str(martin.pk) not in boxes(page, "people")

    response = world.client_for(Role.SOCIAL_WORKER).post(reverse("cases:referral_create"), referral_form(world, martin))

    assert response.status_code == 302
    assert list(Referral.objects.get().people.all()) == [martin]


def test_a_person_of_another_service_posted_to_the_referral_is_refused_next_to_the_field(world: World) -> None:
    hidden = make_person(world.other, "Мартин", "Колев")
    response = world.client_for(Role.SOCIAL_WORKER).post(reverse("cases:referral_create"), referral_form(world, hidden))
    assert "people" in errors_of(response)
    assert not Referral.objects.exists()


def test_without_script_the_referral_pages_find_offers_boxes_to_tick(world: World) -> None:
    martin = make_person(world.own, "Мартин", "Колев")
    make_person(world.own, "Петър", "Иванов")
    html = world.client_for(Role.SOCIAL_WORKER).get(reverse("cases:referral_create"), {"q": "Колев"}).content.decode()

    assert boxes(html, "people") == {str(martin.pk): False}
    assert "data-picker-fallback" in html
    assert 'data-source="/people/pick/"' in html
    assert "<select" not in html.split('name="people"')[0].rsplit("<fieldset", 1)[-1]


# --- A relation's other person and an unborn child's mother ---------------------------------------------------


def test_a_relation_form_sent_back_with_an_error_keeps_the_person_chosen(world: World) -> None:
    martin = make_person(world.own, "Мартин", "Колев")
    petya = make_person(world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female", egn=False)

    response = world.client_for(Role.SOCIAL_WORKER).post(
        reverse("people:relationship_create", args=[martin.pk]),
        {"other": petya.pk, "direction": "relative_is", "kind": "junk"},
    )

    assert "kind" in errors_of(response)
    assert boxes(response.content.decode(), "other") == {str(petya.pk): True}
    assert not Relationship.objects.exists()


def test_a_relation_to_someone_picked_is_added(world: World) -> None:
    martin = make_person(world.own, "Мартин", "Колев")
    petya = make_person(world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female", egn=False)
    response = world.client_for(Role.SOCIAL_WORKER).post(
        reverse("people:relationship_create", args=[martin.pk]),
        {"other": petya.pk, "direction": "relative_is", "kind": RelationshipKind.MOTHER},
    )
    assert response.status_code == 302
    assert Relationship.objects.get().relative == petya


def test_the_person_form_offers_only_the_mother_chosen_and_finds_the_others(world: World) -> None:
    petya = make_person(world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female", egn=False)
    make_person(world.own, "Яна", "Иванова", kind=PersonKind.PARENT, sex="female", egn=False)
    html = world.client_for(Role.SOCIAL_WORKER).get(reverse("people:person_create")).content.decode()

    assert set(boxes(html, "mother")) == {""}  # "no one", ticked by default: the picker finds the mother
    assert "/people/pick/?who=mother" in html
    assert str(petya) not in html


# --- The case team ---------------------------------------------------------------------------------------


def team_case(world: World) -> Any:
    head, worker = world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER]
    return accept(make_referral(world.own, [make_person(world.own, "Мартин", "Колев")], head), head, worker)


def test_the_team_picker_finds_the_staff_of_the_cases_services_by_the_beginning_of_a_name(world: World) -> None:
    case = team_case(world)
    gergana = make_user("gergana", world.organisation, Role.PSYCHOLOGIST, world.own)
    gergana.first_name, gergana.last_name = "Гергана", "Петрова"
    gergana.save()
    make_user("stranger", world.organisation, Role.PSYCHOLOGIST, world.other)
    url = reverse("cases:case_team_pick", args=[case.pk])

    assert picked(world, Role.HEAD, "гер", url) == [{"id": gergana.pk, "label": str(gergana)}]
    assert picked(world, Role.HEAD, "ГЕР пет", url) == [{"id": gergana.pk, "label": str(gergana)}]
    assert picked(world, Role.HEAD, "stranger", url) == []
    assert picked(world, Role.HEAD, "ергана", url) == []  # the beginning of a name, not any part of it


def test_the_team_picker_costs_the_same_for_five_and_for_fifty_staff(world: World) -> None:
    case = team_case(world)
    url = reverse("cases:case_team_pick", args=[case.pk])
    client = world.client_for(Role.HEAD)

    def cost() -> int:
        client.get(url, {"q": "т"})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"q": "т"}).status_code == 200
        return len(captured.captured_queries)

    for index in range(5):
        make_user(f"a{index}", world.organisation, Role.PSYCHOLOGIST, world.own)
    five = cost()
    for index in range(45):
        make_user(f"b{index}", world.organisation, Role.PSYCHOLOGIST, world.own)
    assert cost() == five <= 8


def test_a_team_form_sent_back_with_an_error_keeps_the_team_ticked(world: World) -> None:
    case = team_case(world)
    psychologist = world.users[Role.PSYCHOLOGIST]
    response = world.client_for(Role.HEAD).post(
        reverse("cases:case_team_edit", args=[case.pk]), {"case_manager": "junk", "team": [psychologist.pk]}
    )

    assert "case_manager" in errors_of(response)
    ticked = {value for value, checked in boxes(response.content.decode(), "team").items() if checked}
    assert ticked == {str(psychologist.pk)}
    assert f'data-source="{reverse("cases:case_team_pick", args=[case.pk])}"' in response.content.decode()
    assert Membership.objects.filter(user=psychologist).exists()
