"""Writes that touch several records or enforce a rule: registering a person, relating two people,
households. Each runs in a transaction and calls ``full_clean()`` on what it saves."""

import datetime

from django.db import transaction

from opora.organisation.models import Service
from opora.people.models import (
    Household,
    HouseholdMember,
    Person,
    PersonKind,
    Relationship,
    RelationshipKind,
)
from opora.places.models import Settlement


@transaction.atomic
def person_register(*, person: Person, service: Service) -> Person:
    """Save a new person (validated, with the identifier already set) as worked with by ``service``."""
    if service.organisation_id != person.organisation_id:
        raise ValueError("the service belongs to another organisation")
    person.full_clean()
    person.save()
    person.services.add(service)
    return person


@transaction.atomic
def person_update(*, person: Person) -> Person:
    """Save the changes to a person. When an unborn child is born (registered now as a child), the mother
    recorded with the pregnancy becomes a "mother" relation, so that she stays in the family."""
    before = Person.objects.select_for_update().get(pk=person.pk)
    person.full_clean()
    person.save()
    if before.kind == PersonKind.UNBORN and person.kind != PersonKind.UNBORN and before.mother_id is not None:
        exists = Relationship.objects.filter(
            person=person, relative_id=before.mother_id, kind=RelationshipKind.MOTHER, end_date__isnull=True
        ).exists()
        if not exists:
            relationship_add(
                person=person,
                relative=Person.objects.get(pk=before.mother_id),
                kind=RelationshipKind.MOTHER,
                start_date=person.birth_date,
            )
    return person


@transaction.atomic
def relationship_add(
    *,
    person: Person,
    relative: Person,
    kind: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
) -> Relationship:
    """Record that ``relative`` is ``person``'s ``kind`` (his mother, her grandparent…)."""
    relationship = Relationship(person=person, relative=relative, kind=kind, start_date=start_date, end_date=end_date)
    relationship.full_clean()
    relationship.save()
    return relationship


@transaction.atomic
def household_join(*, person: Person, household: Household, start_date: datetime.date | None = None) -> HouseholdMember:
    """Add ``person`` to an existing household of the same organisation."""
    member = HouseholdMember(household=household, person=person, start_date=start_date)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def household_create(
    *,
    person: Person,
    name: str,
    settlement: Settlement | None = None,
    address: str = "",
    start_date: datetime.date | None = None,
) -> HouseholdMember:
    """Create a household in the person's organisation with the person as its first member."""
    household = Household(organisation_id=person.organisation_id, name=name, settlement=settlement, address=address)
    household.full_clean()
    household.save()
    return household_join(person=person, household=household, start_date=start_date)
