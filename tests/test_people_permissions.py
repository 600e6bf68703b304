"""The people register's services check their own permission, whoever calls them (a view, the demo loader,
an import to come): a caller without it is refused and nothing is written."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from opora.accounts.models import User
from opora.organisation.models import Role
from opora.people.models import (
    Household,
    HouseholdMember,
    IdentityKind,
    Person,
    PersonKind,
    Relationship,
    RelationshipKind,
)
from opora.people.services import (
    household_create,
    household_join,
    person_merge,
    person_register,
    person_update,
    relationship_add,
)
from tests.conftest import World, make_person


@pytest.fixture
def people(world: World) -> dict[str, Person]:
    """A child and his mother in ``own``, a second record of the mother, and a child of ``other``."""
    return {
        "child": make_person(world.own, "Мартин", "Колев"),
        "mother": make_person(world.own, "Петя", "Колева", sex="female", kind=PersonKind.PARENT),
        "twice": make_person(world.own, "Петя", "Колева", sex="female", kind=PersonKind.PARENT, egn=False),
        "elsewhere": make_person(world.other, "Иво", "Друг"),
    }


def _writes(world: World, people: dict[str, Person]) -> dict[str, Callable[[User], Any]]:
    child, mother = people["child"], people["mother"]
    household = household_create(by=world.users[Role.ADMINISTRATOR], person=mother, name="Семейство Колеви").household
    return {
        "register": lambda by: person_register(
            person=Person(
                organisation=world.organisation,
                kind=PersonKind.CHILD,
                first_name="Нов",
                last_name="Нов",
                identity_kind=IdentityKind.NONE,
                no_identifier_reason="Не е известен",
            ),
            service=world.own,
            by=by,
        ),
        "update": lambda by: person_update(person=child, version=child.updated_at.isoformat(), by=by),
        "relate": lambda by: relationship_add(person=child, relative=mother, kind=RelationshipKind.MOTHER, by=by),
        "join": lambda by: household_join(person=child, household=household, by=by),
        "new household": lambda by: household_create(person=child, name="Друго", by=by),
        "merge": lambda by: person_merge(survivor=mother, duplicate=people["twice"], by=by, reason="Същата"),
    }


def _written() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Relationship.objects.count(),
        HouseholdMember.objects.count(),
        Household.objects.count(),
    )


# Who lacks the permission each write needs: monitoring and a volunteer edit nobody; a social worker merges
# no records; the outsider works in the other service.
REFUSED = {
    "register": [Role.MONITORING, Role.VOLUNTEER, "outsider"],
    "update": [Role.MONITORING, Role.VOLUNTEER, "outsider"],
    "relate": [Role.MONITORING, Role.VOLUNTEER, "outsider"],
    "join": [Role.MONITORING, Role.VOLUNTEER, "outsider"],
    "new household": [Role.MONITORING, Role.VOLUNTEER, "outsider"],
    "merge": [Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.MONITORING, "outsider"],
}


@pytest.mark.parametrize(("write", "role"), [(write, role) for write, roles in REFUSED.items() for role in roles])
def test_a_people_service_refuses_a_caller_without_its_permission(
    world: World, people: dict[str, Person], write: str, role: str
) -> None:
    action = _writes(world, people)[write]
    by = world.outsider if role == "outsider" else world.users[role]
    assert by is not None
    before = _written()
    with pytest.raises(PermissionDenied):
        action(by)
    assert _written() == before
    assert not Person.objects.get(pk=people["twice"].pk).merged_into_id


@pytest.mark.parametrize("write", list(REFUSED))
def test_a_people_service_does_its_work_for_a_caller_with_the_permission(
    world: World, people: dict[str, Person], write: str
) -> None:
    done = _writes(world, people)[write](world.users[Role.HEAD])
    assert done.pk is not None
    if write == "merge":
        assert Person.objects.get(pk=people["twice"].pk).merged_into_id == people["mother"].pk


def test_a_relative_the_caller_cannot_see_is_refused(world: World, people: dict[str, Person]) -> None:
    with pytest.raises(PermissionDenied):
        relationship_add(
            person=people["child"],
            relative=people["elsewhere"],
            kind=RelationshipKind.SIBLING,
            by=world.users[Role.SOCIAL_WORKER],
        )
    assert not Relationship.objects.exists()
