"""Reads of people that more than one page needs. Every queryset passed in is already scoped
(``opora.access.scope``); these only narrow it."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from opora.access import Perm, scope
from opora.people.models import (
    Household,
    HouseholdMember,
    Person,
    Relationship,
)
from opora.people.records import PersonRecord


def relationships_of(
    person: Person, relationships: QuerySet[Relationship], people: QuerySet[Person]
) -> list[Relationship]:
    """The person's relations from either side, where the other person is one the user may see too."""
    # EXISTS for the one other person of each row, not IN over everyone the user may see: inside an OR,
    # PostgreSQL materialises the whole IN list (a service's 300,000 people: 6 s for a worker's person page).
    both = relationships.filter(
        (Q(person=person) & Exists(people.filter(pk=OuterRef("relative_id"))))
        | (Q(relative=person) & Exists(people.filter(pk=OuterRef("person_id"))))
    )
    return list(both.select_related("person", "relative").order_by("kind", "pk"))


@dataclass
class FamilyMember:
    """One member of a family page: the person, their relations within the family, the names of the services
    that work with them, and the records other apps hold of them (cases…, see opora.people.records)."""

    person: Person
    relations: list[tuple[Person, str, Relationship]] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    records: list[PersonRecord] = field(default_factory=list)


@dataclass
class Family:
    person: Person
    households: Sequence[Household]
    members: list[FamilyMember]


def family_of(
    person: Person,
    people: QuerySet[Person],
    relationships: QuerySet[Relationship],
    memberships: QuerySet[HouseholdMember],
    households: QuerySet[Household],
) -> Family:
    """Everyone in the person's households, everyone related to the person, and the mother or the expected
    children of a pregnancy; each with their relations to the others. Only people the user may see.

    Four queries however large the family: the households with their members, the family's ids, the relations
    among them with the people at both ends, and the members' services; a fifth for a mother or expected
    children whom no relation names, unless the person has no mother and says it expects no child
    (``has_expected_children``, annotated by the caller).
    """
    visible = people.values("pk")
    own_households = households.filter(pk__in=memberships.filter(person=person).values("household_id"))
    rows = (
        memberships.filter(household__in=own_households.values("pk"), person__in=visible)
        .select_related("household__settlement", "person")
        .order_by("household__name", "household_id", "start_date", "pk")
    )
    found_households: dict[int, Household] = {}
    members_of: dict[int, list[HouseholdMember]] = defaultdict(list)
    found: dict[int, Person] = {person.pk: person} if person.merged_into_id is None else {}
    for row in rows:
        found_households.setdefault(row.household_id, row.household)
        members_of[row.household_id].append(row)
        found.setdefault(row.person_id, row.person)
    for household_id, household in found_households.items():
        household.visible_memberships = members_of[household_id]  # type: ignore[attr-defined]  # for the page

    direct = relationships.filter(Q(person=person) | Q(relative=person)).order_by()
    known = [person.pk, *found, *([person.mother_id] if person.mother_id else [])]
    # The family's ids first, as a list (one small query), then the relations among them by that list: given
    # the ids as a subquery, PostgreSQL starts from the worker's whole scope of relations instead (16 s for a
    # family page at a million children; an OR of INs read every person of the organisation, 12 s).
    family_ids = direct.values("person_id").union(
        direct.values("relative_id"),
        Person.objects.filter(mother=person).values("pk"),
        Person.objects.filter(pk__in=known).values("pk"),
    )
    family = list(people.filter(pk__in=family_ids).values_list("pk", flat=True))
    among = list(
        relationships.filter(person_id__in=family, relative_id__in=family)
        .select_related("person", "relative")
        .order_by("kind", "pk")
    )
    for relation in among:
        found.setdefault(relation.person_id, relation.person)
        found.setdefault(relation.relative_id, relation.relative)
    mother_missing = person.mother_id is not None and person.mother_id not in found
    if mother_missing or getattr(person, "has_expected_children", True):
        pregnancy = Q(pk=person.mother_id) if mother_missing else Q()
        for one in people.filter(pregnancy | Q(mother=person)).exclude(pk__in=list(found)):
            found[one.pk] = one

    members = {pk: FamilyMember(person=one) for pk, one in found.items()}
    for relation in among:
        person_side, relative_side = members[relation.person_id], members[relation.relative_id]
        person_side.relations.append((relative_side.person, relation.get_kind_display(), relation))
        relative_side.relations.append((person_side.person, relation.inverse_label, relation))
    services = Person.services.through.objects.filter(person_id__in=list(members)).order_by("service__name", "pk")
    for person_id, name in services.values_list("person_id", "service__name"):
        members[person_id].services.append(name)
    ordered = sorted(
        members.values(), key=lambda m: (m.person.pk != person.pk, m.person.last_name, m.person.first_name)
    )
    return Family(person=person, households=list(found_households.values()), members=ordered)


def visible_people(user: Any) -> QuerySet[Person]:
    """The people ``user`` may see: what other apps' pages use whenever they name people (the people of a
    case or a referral may include someone registered only by another service)."""
    return scope(user, Person.objects.all(), Perm.PERSON_VIEW).order_by("last_name", "first_name", "pk")
