"""Writes that touch several records or enforce a rule: registering a person, relating two people,
households. Each checks its permission for the user ``by`` who asks (a refusal is ``PermissionDenied``),
as the case work's services do, runs in a transaction and calls ``full_clean()`` on what it saves."""

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.access import Perm, has_permission, has_permission_on
from opora.accounts.models import User
from opora.audit.context import acting_as
from opora.audit.models import ChangeEvent
from opora.core.conflicts import StaleEdit
from opora.organisation.models import Service
from opora.people.models import (
    Household,
    HouseholdMember,
    IdentityKind,
    Person,
    PersonKind,
    PersonMerge,
    Relationship,
    RelationshipKind,
)
from opora.places.models import Settlement


def _allow(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _allow_on(by: User, permission: str, *people: Person) -> None:
    """Refuse unless each of ``people`` is in the user's scope for ``permission``."""
    _allow(all(has_permission_on(by, permission, person) for person in people))


@transaction.atomic
def person_register(*, person: Person, service: Service, by: User) -> Person:
    """Save a new person (validated, with the identifier already set) as worked with by ``service``."""
    _allow(has_permission(by, Perm.PERSON_MANAGE, service))
    if service.organisation_id != person.organisation_id:
        raise ValueError("the service belongs to another organisation")
    person.full_clean()
    _save_unless_identifier_taken(person)
    person.services.add(service)
    return person


class IdentifierTaken(ValidationError):
    """Another person of the organisation holds the identifier: saved by a colleague at the same moment,
    after this person's form had checked it."""

    def __init__(self) -> None:
        super().__init__({"identifier": _("This number is already registered.")}, code="identifier_taken")


def _save_unless_identifier_taken(person: Person) -> None:
    """Save ``person``; the unique constraint on the identifier is the backstop for two saves at once, and
    its failure is told as the refusal it is, never as a server error."""
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        taken = Person.objects.filter(
            organisation_id=person.organisation_id, identifier_digest=person.identifier_digest
        ).exclude(pk=person.pk)
        if person.identifier_digest and taken.exists():
            raise IdentifierTaken from None
        raise


def last_change_of(person: Person) -> tuple[User | None, datetime.datetime | None]:
    """Who saved the person last and when, from the audit trail (nobody, if no change was recorded)."""
    event = (
        ChangeEvent.objects.filter(content_type=ContentType.objects.get_for_model(Person), object_id=str(person.pk))
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    return (event.actor, event.at) if event is not None else (None, None)


def _check_person_fresh(current: Person, version: str) -> None:
    """Refuse a save whose form was read from the person as they were before someone else's save."""
    if current.updated_at.isoformat() == version:
        return
    who, when = last_change_of(current)
    raise StaleEdit(
        _(
            "%(who)s changed this person's record on %(when)s, after you opened it. Nothing you typed was saved, "
            "and nothing of theirs was overwritten: your values are kept below. Compare them with theirs, then "
            "save again to replace them with yours."
        )
        % {
            "who": str(who) if who is not None else _("Someone else"),
            "when": timezone.localtime(when or current.updated_at).strftime("%d.%m.%Y %H:%M"),
        },
        current,
    )


@transaction.atomic
def person_update(*, person: Person, version: str, by: User) -> Person:
    """Save the changes to a person read at ``version`` (the record's last change, as the form carried it):
    refused (``StaleEdit``) when someone saved the person since, checked under the row's lock so that of two
    saves at once the second sees the first. When an unborn child is born (registered now as a child), the
    mother recorded with the pregnancy becomes a "mother" relation, so that she stays in the family."""
    _allow_on(by, Perm.PERSON_MANAGE, person)
    before = Person.objects.select_for_update().get(pk=person.pk)
    _check_person_fresh(before, version)
    person.full_clean()
    _save_unless_identifier_taken(person)
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
                by=by,
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
    by: User,
) -> Relationship:
    """Record that ``relative`` is ``person``'s ``kind`` (his mother, her grandparent…): the user edits
    ``person`` and may see ``relative``."""
    _allow_on(by, Perm.PERSON_MANAGE, person)
    _allow_on(by, Perm.PERSON_VIEW, relative)
    relationship = Relationship(person=person, relative=relative, kind=kind, start_date=start_date, end_date=end_date)
    relationship.full_clean()
    relationship.save()
    return relationship


@transaction.atomic
def household_join(
    *, person: Person, household: Household, start_date: datetime.date | None = None, by: User
) -> HouseholdMember:
    """Add ``person`` to an existing household of the same organisation."""
    _allow_on(by, Perm.PERSON_MANAGE, person)
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
    by: User,
) -> HouseholdMember:
    """Create a household in the person's organisation with the person as its first member."""
    _allow_on(by, Perm.PERSON_MANAGE, person)
    household = Household(organisation_id=person.organisation_id, name=name, settlement=settlement, address=address)
    household.full_clean()
    household.save()
    return household_join(person=person, household=household, start_date=start_date, by=by)


# The survivor's empty fields that the duplicate's values fill.
_FILLED_FIELDS = ("birth_date", "settlement", "address", "phone")
_LATIN_FIELDS = ("first_name_latin", "middle_name_latin", "last_name_latin")


def _relationship_row(relationship: Relationship) -> dict[str, Any]:
    return {
        "id": relationship.pk,
        "person": relationship.person_id,
        "relative": relationship.relative_id,
        "kind": relationship.kind,
        "start_date": relationship.start_date.isoformat() if relationship.start_date else None,
        "end_date": relationship.end_date.isoformat() if relationship.end_date else None,
    }


def _check_merge(survivor: Person, duplicate: Person) -> None:
    errors = []
    if survivor.pk == duplicate.pk:
        errors.append(_("A record cannot be merged into itself."))
    else:
        if survivor.organisation_id != duplicate.organisation_id:
            errors.append(_("The two records belong to different organisations."))
        if survivor.merged_into_id is not None:
            errors.append(_("The record to keep has itself been merged into another record."))
        if duplicate.merged_into_id is not None:
            errors.append(_("The duplicate has already been merged into another record."))
        if (
            survivor.identifier_digest
            and duplicate.identifier_digest
            and survivor.identifier_digest != duplicate.identifier_digest
        ):
            errors.append(_("The two records have different identifiers: they are two different people."))
        if survivor.mother_id == duplicate.pk or duplicate.mother_id == survivor.pk:
            errors.append(_("A mother and her unborn child are two different people."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_merge(*, survivor: Person, duplicate: Person, by: User, reason: str) -> PersonMerge:
    """Merge ``duplicate`` into ``survivor``: every relation, household membership, service and unborn child
    moves to the survivor, the survivor's empty details are filled from the duplicate, and the duplicate is
    kept, marked as merged. What moved is written on the returned ``PersonMerge``; each change is in the
    audit trail under ``by``."""
    _allow_on(by, Perm.PERSON_MERGE, survivor, duplicate)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the two records are the same person."))
    if survivor.pk == duplicate.pk:
        _check_merge(survivor, duplicate)
    locked = Person.objects.select_for_update().in_bulk([survivor.pk, duplicate.pk])
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    _check_merge(survivor, duplicate)
    with acting_as(by):
        moved: dict[str, Any] = {
            "relationships_moved": [],
            "relationships_dropped": [],
            "household_members_moved": [],
            "household_members_dropped": [],
        }
        _merge_relationships(survivor, duplicate, moved)
        _merge_households(survivor, duplicate, moved)
        already = set(survivor.services.values_list("pk", flat=True))
        added = [pk for pk in duplicate.services.values_list("pk", flat=True) if pk not in already]
        if added:
            survivor.services.add(*added)
        moved["services_added"] = sorted(added)
        children = list(Person.objects.filter(mother=duplicate).order_by("pk"))
        for child in children:
            child.mother = survivor
            child.save()
        moved["unborn_children"] = [child.pk for child in children]
        moved["other_records"] = _move_links_of_other_apps(survivor, duplicate)
        moved["identifier"] = _merge_identifier(survivor, duplicate)
        moved["filled"] = _fill_details(survivor, duplicate)
        survivor.save()
        duplicate.merged_into = survivor
        duplicate.save()
        merge = PersonMerge(survivor=survivor, merged=duplicate, by=by, reason=reason, moved=moved)
        merge.save()
    return merge


def _move_links_of_other_apps(survivor: Person, duplicate: Person) -> dict[str, list[int]]:
    """Re-point what the apps built on people (referrals, cases, and those to come) hold of the duplicate:
    every foreign key and many-to-many field to Person outside this app, found from the models themselves so
    that a new app cannot be forgotten. Each change goes through the model (``save``, or the related manager
    for many-to-many), so it is in the audit trail. Returns the ids changed, under "app.model.field"."""
    moved: dict[str, list[int]] = {}
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if model._meta.app_label == Person._meta.app_label:
            continue  # this app's own links are merged above, with their own rules
        field = relation.field
        records = list(model._base_manager.filter(**{field.name: duplicate}).order_by("pk"))
        for record in records:
            if relation.many_to_many:
                getattr(record, field.name).remove(duplicate)
                getattr(record, field.name).add(survivor)
            else:
                setattr(record, field.name, survivor)
                record.save(update_fields=[field.name])
        if records:
            moved[f"{model._meta.label_lower}.{field.name}"] = [record.pk for record in records]
    return moved


def _merge_relationships(survivor: Person, duplicate: Person, moved: dict[str, Any]) -> None:
    """Re-point the duplicate's relations; one that would relate the survivor to themself, or repeat a
    current relation the survivor has already, is deleted (and written down)."""
    relationships = Relationship.objects.filter(Q(person=duplicate) | Q(relative=duplicate)).order_by("pk")
    for relationship in relationships:
        row = _relationship_row(relationship)
        if relationship.person_id == duplicate.pk:
            relationship.person = survivor
        if relationship.relative_id == duplicate.pk:
            relationship.relative = survivor
        if relationship.person_id == relationship.relative_id or relationship._duplicates().exists():
            Relationship.objects.get(pk=relationship.pk).delete()
            moved["relationships_dropped"].append(row)
        else:
            relationship.save()
            moved["relationships_moved"].append(relationship.pk)


def _merge_households(survivor: Person, duplicate: Person, moved: dict[str, Any]) -> None:
    for member in HouseholdMember.objects.filter(person=duplicate).order_by("pk"):
        current_already = (
            member.end_date is None
            and HouseholdMember.objects.filter(
                household_id=member.household_id, person=survivor, end_date__isnull=True
            ).exists()
        )
        if current_already:
            moved["household_members_dropped"].append(
                {
                    "id": member.pk,
                    "household": member.household_id,
                    "start_date": member.start_date.isoformat() if member.start_date else None,
                }
            )
            member.delete()
        else:
            member.person = survivor
            member.save()
            moved["household_members_moved"].append(member.pk)


def _merge_identifier(survivor: Person, duplicate: Person) -> str:
    """Move the duplicate's identifier to a survivor without one; say what became of it."""
    if not duplicate.identifier_digest:
        return "none"
    if survivor.identifier_digest:
        return "same"  # two different numbers were refused before
    kind, encrypted, digest = duplicate.identity_kind, duplicate.identifier_encrypted, duplicate.identifier_digest
    country = duplicate.document_country
    # The digest is unique in the organisation: the duplicate lets go of it first.
    duplicate.identity_kind = IdentityKind.NONE
    duplicate.identifier_encrypted = ""
    duplicate.identifier_digest = ""
    duplicate.no_identifier_reason = _("Moved to the record this one was merged into.")
    duplicate.save()
    survivor.identity_kind = kind
    survivor.identifier_encrypted = encrypted
    survivor.identifier_digest = digest
    survivor.document_country = country
    survivor.no_identifier_reason = ""
    return "moved"


def _fill_details(survivor: Person, duplicate: Person) -> list[str]:
    """Fill the survivor's empty details from the duplicate; the names of the fields filled."""
    filled = []
    for name in _FILLED_FIELDS:
        if name == "birth_date" and survivor.kind == PersonKind.UNBORN:
            continue
        if not getattr(survivor, name) and getattr(duplicate, name):
            setattr(survivor, name, getattr(duplicate, name))
            filled.append(name)
    if not survivor.latin_from_passport and duplicate.latin_from_passport:
        survivor.latin_from_passport = True
        for name in _LATIN_FIELDS:
            setattr(survivor, name, getattr(duplicate, name))
        filled += ["latin_from_passport", *_LATIN_FIELDS]
    return filled
