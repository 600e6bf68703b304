"""Reads of people that more than one page needs. Every queryset passed in is already scoped
(``opora.access.scope``); these only narrow it."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from opora.access import Perm, scope
from opora.organisation.models import Service
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
    both = relationships.filter(
        Q(person=person, relative__in=people.values("pk")) | Q(relative=person, person__in=people.values("pk"))
    )
    return list(both.select_related("person", "relative").order_by("kind", "pk"))


@dataclass
class FamilyMember:
    """One member of a family page: the person, their relations within the family, their services, and the
    records other apps hold of them (cases…, see opora.people.records)."""

    person: Person
    relations: list[tuple[Person, str, Relationship]] = field(default_factory=list)
    records: list[PersonRecord] = field(default_factory=list)

    @property
    def services(self) -> list[Service]:
        return list(self.person.services.all())


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

    A fixed number of queries, however large the family.
    """
    visible = people.values("pk")
    found_households = list(
        households.filter(pk__in=memberships.filter(person=person).values("household_id"))
        .distinct()
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=memberships.filter(person__in=visible).select_related("person").order_by("start_date", "pk"),
                to_attr="visible_memberships",
            )
        )
        .select_related("settlement")
    )
    direct = relationships.filter(Q(person=person) | Q(relative=person))
    ids = {person.pk}
    ids |= {m.person_id for household in found_households for m in household.visible_memberships}
    for one, other in direct.values_list("person_id", "relative_id"):
        ids |= {one, other}
    if person.mother_id:
        ids.add(person.mother_id)
    # The expected children of a pregnancy are asked for with everyone else: one query, not two.
    found = {
        p.pk: p
        for p in people.filter(Q(pk__in=ids) | Q(mother=person)).prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name"))
        )
    }
    members = {pk: FamilyMember(person=p) for pk, p in found.items()}
    among = relationships.filter(person__in=list(found), relative__in=list(found)).order_by("kind", "pk")
    for relation in among:
        person_side, relative_side = members[relation.person_id], members[relation.relative_id]
        person_side.relations.append((relative_side.person, relation.get_kind_display(), relation))
        relative_side.relations.append((person_side.person, relation.inverse_label, relation))
    ordered = sorted(
        members.values(), key=lambda m: (m.person.pk != person.pk, m.person.last_name, m.person.first_name)
    )
    return Family(person=person, households=found_households, members=ordered)


def visible_people(user: Any) -> QuerySet[Person]:
    """The people ``user`` may see: what other apps' pages use whenever they name people (the people of a
    case or a referral may include someone registered only by another service)."""
    return scope(user, Person.objects.all(), Perm.PERSON_VIEW).order_by("last_name", "first_name", "pk")
