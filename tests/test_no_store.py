"""Pages and files about people are not kept in a browser's or a proxy's cache: every answer to a logged-in
user says ``Cache-Control: no-store`` unless it sets its own caching; static files keep theirs."""

import pytest
from django.urls import reverse

from opora.organisation.models import Role
from opora.people.models import Person
from tests.casework import assessment_file, make_referral
from tests.conftest import World, make_person


@pytest.fixture
def child(world: World) -> Person:
    return make_person(world.own, "Мартин", "Колев")


def test_a_person_page_is_not_stored(world: World, child: Person) -> None:
    for page in (reverse("people:person_detail", args=[child.pk]), reverse("people:person_list"), reverse("ui:home")):
        response = world.client_for(Role.SOCIAL_WORKER).get(page)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store", page


def test_a_downloaded_file_is_not_stored(world: World, child: Person) -> None:
    referral = make_referral(world.own, [child], world.users[Role.HEAD], preliminary_assessment_file=assessment_file())
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("cases:referral_assessment_file", args=[referral.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "no-store"


def test_a_redirect_after_saving_is_not_stored_either(world: World, child: Person) -> None:
    response = world.client_for(Role.SOCIAL_WORKER).post(reverse("deadlines:notification_list"))
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"


def test_static_files_keep_their_caching(world: World) -> None:
    response = world.client_for(Role.SOCIAL_WORKER).get("/static/opora/print.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_page_that_sets_its_own_caching_keeps_it(world: World) -> None:
    # allauth's login page says it must never be cached, in its own words.
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("account_login"))
    assert "no-store" in response["Cache-Control"]
    assert response["Cache-Control"] != "no-store"
