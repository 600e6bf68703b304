"""The family page shows every member's cases the user may see (opora.people.records, fed by opora.cases)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from opora.organisation.models import Role
from opora.people.models import PersonKind, RelationshipKind
from opora.people.services import relationship_add
from tests.casework import accept, make_referral
from tests.conftest import World, make_person, registrar


@pytest.fixture
def family(world: World) -> dict[str, Any]:
    child = make_person(world.own, "Мартин", "Колев")
    mother = make_person(world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female")
    relationship_add(by=registrar(child), person=child, relative=mother, kind=RelationshipKind.MOTHER)
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    own_case = accept(make_referral(world.own, [child], worker), head, worker)
    mother.services.add(world.other)
    return {"child": child, "mother": mother, "own_case": own_case}


def test_the_family_page_lists_each_members_cases(world: World, family: dict[str, Any]) -> None:
    client = world.client_for(Role.SOCIAL_WORKER)
    response = client.get(reverse("people:person_family", args=[family["mother"].pk]))
    assert response.status_code == 200
    content = response.content.decode()
    case = family["own_case"]
    assert reverse("cases:case_detail", args=[case.pk]) in content
    assert str(case) in content
    assert world.own.name in content


def test_a_case_the_user_may_not_see_is_not_listed(world: World, family: dict[str, Any]) -> None:
    """The outsider (a social worker of the other service) sees the mother, whom the other service works
    with too, but not the child's case, which is the own service's."""
    assert world.outsider is not None
    client = Client()
    client.force_login(world.outsider)
    response = client.get(reverse("people:person_family", args=[family["mother"].pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert str(family["mother"]) in content
    assert reverse("cases:case_detail", args=[family["own_case"].pk]) not in content


def test_case_pages_name_only_the_people_the_user_may_see(world: World, family: dict[str, Any]) -> None:
    """A case's people are read through the scope of people: one whom the service no longer works with is
    not named on its case pages, My tasks or Overdue."""
    child, case = family["child"], family["own_case"]
    child.services.remove(world.own)
    client = world.client_for(Role.SOCIAL_WORKER)
    for url in (
        reverse("cases:case_detail", args=[case.pk]),
        reverse("cases:case_list"),
        reverse("cases:referral_detail", args=[case.referral_id]),
        reverse("deadlines:my_tasks"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert child.last_name not in response.content.decode(), url
