"""Lists cost the same number of queries however many rows they show (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opora.organisation.models import Programme, Role, ServiceKind
from opora.people.models import Person, RelationshipKind
from opora.people.services import household_create, household_join, relationship_add
from tests.conftest import World, make_person, make_service, make_user, registrar


def queries_for(world: World, url: str) -> int:
    client = world.client_for(Role.ADMINISTRATOR)
    client.get(url)  # the first request warms per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_services(world: World, count: int, prefix: str) -> None:
    """``count`` services, each with a worker, a programme shared with ``own``, and a family of two worked
    with by it and by ``own``, related and in one household."""
    for index in range(count):
        service = make_service(world.organisation, f"{prefix} {index}", ServiceKind.SPECIALISED, "Русе", 10)
        make_user(f"{prefix}{index}", world.organisation, Role.SOCIAL_WORKER, service)
        programme = Programme.objects.create(
            organisation=world.organisation, name=f"Програма {prefix} {index}", direction="campaigns"
        )
        programme.services.add(service, world.own)
        # A family name unique to the call, so that every child gets its own synthetic ЕГН.
        family = f"{'Много' if prefix == 'many' else 'Малко'}{chr(0x430 + index)}"
        child = make_person(service, "Дете", family)
        mother = make_person(service, "Майка", family, kind="parent", sex="female", egn=False)
        child.services.add(world.own)
        mother.services.add(world.own)
        relationship_add(by=registrar(child), person=child, relative=mother, kind=RelationshipKind.MOTHER)


@pytest.mark.parametrize(
    "url_name",
    [
        "organisation:service_list",
        "organisation:staff_list",
        "organisation:programme_list",
        "audit:audit_changes",
        "audit:audit_views",
        "people:person_list",
    ],
)
def test_a_list_page_costs_the_same_queries_for_more_rows(world: World, url_name: str) -> None:
    url = reverse(url_name)
    add_services(world, 2, "few")
    few = queries_for(world, url)
    add_services(world, 10, "many")
    assert queries_for(world, url) == few


def add_relatives(child: Person, count: int, prefix: str) -> None:
    """``count`` relatives of ``child``, each in his household, with a relation among them."""
    household = child.households.get()
    service = child.services.get()
    for index in range(count):
        relative = make_person(service, f"{prefix}{chr(0x430 + index)}", "Роднина", kind="relative", egn=False)
        relationship_add(by=registrar(child), person=child, relative=relative, kind=RelationshipKind.SIBLING)
        household_join(by=registrar(relative), person=relative, household=household)


@pytest.mark.parametrize("url_name", ["people:person_family", "people:person_detail"])
def test_a_persons_pages_cost_the_same_queries_for_a_larger_family(world: World, url_name: str) -> None:
    child = make_person(world.own, "Мартин", "Колев")
    household_create(by=registrar(child), person=child, name="Семейство Колеви")
    url = reverse(url_name, args=[child.pk])
    add_relatives(child, 2, "Първи")
    few = queries_for(world, url)
    add_relatives(child, 8, "Втори")
    assert queries_for(world, url) == few
