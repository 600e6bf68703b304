"""Merging two records of one person: every link moves to the survivor, the duplicate is kept and marked,
the merge is written down (``PersonMerge`` and the audit trail) and only a head or the administrator,
freshly re-authenticated, may do it."""

import datetime
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opora.accounts.models import User
from opora.audit.models import AppendOnlyError, ChangeEvent
from opora.cases.casework.models import Case
from opora.organisation.models import Organisation, Role, Service, ServiceKind
from opora.people.models import (
    HouseholdMember,
    IdentityKind,
    Person,
    PersonKind,
    PersonMerge,
    Relationship,
    RelationshipKind,
)
from opora.people.search import duplicate_candidates, search_people
from opora.people.services import _check_merge, household_create, household_join, person_merge, relationship_add
from tests.casework import accept, make_referral
from tests.conftest import World, make_person, make_user, registrar
from tests.test_permission_matrix import mark_recently_authenticated

MOTHER_BORN = datetime.date(1990, 3, 4)


def mother(service: Service, first_name: str, last_name: str, **fields: Any) -> Person:
    return make_person(service, first_name, last_name, kind=PersonKind.PARENT, sex="female", **fields)


def fresh_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    mark_recently_authenticated(client, user)
    return client


@pytest.fixture
def head(world: World) -> User:
    return world.users[Role.HEAD]


@pytest.fixture
def pair(world: World) -> tuple[Person, Person]:
    """The same woman registered twice: without an identifier, and (by the other service too) with an ЕГН,
    an address and a phone."""
    survivor = mother(world.own, "Петя", "Колева", birth_date=None, egn=False)
    duplicate = mother(world.own, "Петя", "Колева", birth_date=MOTHER_BORN, address="ул. „Роза“ 1", phone="0888123456")
    duplicate.services.add(world.other)
    return survivor, duplicate


def test_every_link_moves_to_the_survivor_and_duplicates_are_dropped_not_doubled(
    world: World, head: User, pair: tuple[Person, Person]
) -> None:
    survivor, duplicate = pair
    child = make_person(world.own, "Мартин", "Колев")
    grandmother = mother(world.own, "Мария", "Колева", birth_date=datetime.date(1960, 1, 1))
    # The child's mother, recorded on both records: one relation remains.
    kept_mother = relationship_add(by=registrar(child), person=child, relative=survivor, kind=RelationshipKind.MOTHER)
    doubled_mother = relationship_add(
        by=registrar(child), person=child, relative=duplicate, kind=RelationshipKind.MOTHER
    )
    # The duplicate's own mother: moves (the duplicate is ``person``).
    her_mother = relationship_add(
        by=registrar(duplicate), person=duplicate, relative=grandmother, kind=RelationshipKind.MOTHER
    )
    # The two records related to each other: would relate the survivor to herself.
    self_relation = relationship_add(
        by=registrar(duplicate), person=duplicate, relative=survivor, kind=RelationshipKind.OTHER
    )
    # Households: one only the duplicate lives in (moves), one both live in (dropped).
    moved_member = household_create(by=registrar(duplicate), person=duplicate, name="Семейство Колеви")
    shared = household_create(by=registrar(survivor), person=survivor, name="Домакинство на Мария")
    dropped_member = household_join(by=registrar(duplicate), person=duplicate, household=shared.household)
    # A pregnancy registered on the duplicate.
    unborn = make_person(
        world.own,
        "",
        "",
        kind=PersonKind.UNBORN,
        egn=False,
        birth_date=None,
        due_date=datetime.date.today() + datetime.timedelta(days=100),
        mother=duplicate,
    )
    number = duplicate.identifier

    merge = person_merge(survivor=survivor, duplicate=duplicate, by=head, reason="Регистрирана два пъти")

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    # Relations: re-pointed, the doubled and the self relation dropped.
    assert set(Relationship.objects.filter(relative=survivor)) == {kept_mother}
    assert list(Relationship.objects.filter(person=survivor)) == [her_mother]
    assert not Relationship.objects.filter(pk__in=[doubled_mother.pk, self_relation.pk]).exists()
    assert not Relationship.objects.filter(person=duplicate).exists()
    assert not Relationship.objects.filter(relative=duplicate).exists()
    assert merge.moved["relationships_moved"] == [her_mother.pk]
    assert {row["id"] for row in merge.moved["relationships_dropped"]} == {doubled_mother.pk, self_relation.pk}
    # Households.
    assert set(HouseholdMember.objects.filter(person=survivor)) == {moved_member, shared}
    assert not HouseholdMember.objects.filter(person=duplicate).exists()
    assert merge.moved["household_members_moved"] == [moved_member.pk]
    assert [row["id"] for row in merge.moved["household_members_dropped"]] == [dropped_member.pk]
    # Services: the union.
    assert set(survivor.services.all()) == {world.own, world.other}
    assert merge.moved["services_added"] == [world.other.pk]
    # The unborn child's mother.
    unborn.refresh_from_db()
    assert unborn.mother == survivor
    assert merge.moved["unborn_children"] == [unborn.pk]
    # The identifier moved, the survivor's empty details filled.
    assert merge.moved["identifier"] == "moved"
    assert survivor.identity_kind == IdentityKind.EGN
    assert survivor.identifier == number
    assert duplicate.identifier_digest == ""
    assert duplicate.identity_kind == IdentityKind.NONE
    assert survivor.birth_date == MOTHER_BORN
    assert survivor.address == "ул. „Роза“ 1"
    assert survivor.phone == "0888123456"
    assert set(merge.moved["filled"]) == {"birth_date", "address", "phone"}
    survivor.full_clean()


def test_the_survivors_own_details_and_identifier_are_kept(world: World, head: User) -> None:
    survivor = mother(world.own, "Петя", "Колева", birth_date=MOTHER_BORN, address="ул. „Липа“ 2")
    duplicate = mother(world.own, "Петя", "Колева", egn=False, birth_date=None, address="ул. „Роза“ 1")
    number = survivor.identifier

    merge = person_merge(survivor=survivor, duplicate=duplicate, by=head, reason="Същата")

    survivor.refresh_from_db()
    assert survivor.identifier == number
    assert survivor.address == "ул. „Липа“ 2"
    assert merge.moved["identifier"] == "none"
    assert merge.moved["filled"] == []


def test_a_merge_is_refused_with_a_clear_message(world: World, head: User, pair: tuple[Person, Person]) -> None:
    survivor, duplicate = pair

    def refused(a: Person, b: Person, reason: str = "Причина") -> str:
        with translation.override("en"), pytest.raises(ValidationError) as error:
            person_merge(survivor=a, duplicate=b, by=head, reason=reason)
        with translation.override("en"):
            return " ".join(str(message) for message in error.value.messages)

    assert "itself" in refused(survivor, survivor)
    assert "Say why" in refused(survivor, duplicate, reason="  ")
    other_organisation = Organisation.objects.create(name="Другаде", municipality="Варна")
    elsewhere = Service.objects.create(
        organisation=other_organisation,
        name="ЦОП Варна",
        kind=ServiceKind.SPECIALISED,
        municipality="Варна",
        capacity=5,
    )
    stranger = mother(elsewhere, "Петя", "Колева", egn=False)
    # Nobody of this organisation reaches the stranger, so the service refuses before it compares them; the
    # comparison still refuses two organisations' records on its own.
    with pytest.raises(PermissionDenied):
        person_merge(survivor=survivor, duplicate=stranger, by=head, reason="Причина")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        _check_merge(survivor, stranger)
    assert "different organisations" in " ".join(str(message) for message in error.value.messages)
    someone_else = mother(world.own, "Петя", "Колевска", birth_date=datetime.date(1991, 6, 7))
    assert "different identifiers" in refused(duplicate, someone_else)

    person_merge(survivor=survivor, duplicate=duplicate, by=head, reason="Същата")
    another = mother(world.own, "Петя", "Колева", egn=False)
    assert "already been merged" in refused(another, duplicate)
    assert "has itself been merged" in refused(duplicate, another)
    assert PersonMerge.objects.count() == 1


def test_the_merge_is_written_down_and_explained_by_the_trail(
    world: World, head: User, pair: tuple[Person, Person]
) -> None:
    survivor, duplicate = pair

    merge = person_merge(survivor=survivor, duplicate=duplicate, by=head, reason="Регистрирана два пъти")

    assert (merge.survivor, merge.merged, merge.by, merge.reason) == (
        survivor,
        duplicate,
        head,
        "Регистрирана два пъти",
    )
    merge_events = ChangeEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(PersonMerge), object_id=str(merge.pk)
    )
    assert merge_events.count() == 1
    event = merge_events.get()
    assert event.actor == head
    assert event.organisation_id == world.organisation.pk
    assert event.changes["reason"] == [None, "Регистрирана два пъти"]
    person_type = ContentType.objects.get_for_model(Person)
    marked = ChangeEvent.objects.filter(content_type=person_type, object_id=str(duplicate.pk), actor=head)
    assert any("merged_into" in e.changes for e in marked)
    survivor_events = ChangeEvent.objects.filter(content_type=person_type, object_id=str(survivor.pk), actor=head)
    assert any("identifier_digest" in e.changes for e in survivor_events)
    assert all(e.actor == head for e in survivor_events)


def test_a_merge_record_is_append_only(world: World, head: User, pair: tuple[Person, Person]) -> None:
    survivor, duplicate = pair
    merge = person_merge(survivor=survivor, duplicate=duplicate, by=head, reason="Същата")

    merge.reason = "Друга причина"
    with pytest.raises(AppendOnlyError):
        merge.save()
    with pytest.raises(AppendOnlyError):
        merge.delete()
    assert PersonMerge.objects.get().reason == "Същата"


def test_the_merged_record_leaves_search_and_list_but_its_page_says_where_it_went(
    world: World, head: User, pair: tuple[Person, Person]
) -> None:
    survivor, duplicate = pair
    person_merge(survivor=survivor, duplicate=duplicate, by=head, reason="Регистрирана два пъти")
    client = fresh_client(head)

    assert [p.pk for p in search_people(head, "Петя Колева")] == [survivor.pk]
    found = duplicate_candidates(world.organisation, first_name="Петя", last_name="Колева")
    assert [p.pk for p, _score, _reasons in found] == [survivor.pk]
    listed = client.get(reverse("people:person_list")).content.decode()
    assert reverse("people:person_detail", args=[survivor.pk]) in listed
    assert reverse("people:person_detail", args=[duplicate.pk]) not in listed
    # The duplicate cannot be chosen as a relative any more.
    child = make_person(world.own, "Мартин", "Колев")
    form = client.get(reverse("people:relationship_create", args=[child.pk])).context["form"]
    assert duplicate not in form.fields["other"].queryset

    page = client.get(reverse("people:person_detail", args=[duplicate.pk])).content.decode()
    assert "Този запис е обединен в" in page
    assert reverse("people:person_detail", args=[survivor.pk]) in page
    assert reverse("people:person_merge", args=[duplicate.pk]) not in page
    survivor_page = client.get(reverse("people:person_detail", args=[survivor.pk])).content.decode()
    assert "Регистрирана два пъти" in survivor_page
    assert reverse("people:person_detail", args=[duplicate.pk]) in survivor_page


# --- The pages ---------------------------------------------------------------------------------------


def test_a_head_finds_the_duplicate_confirms_and_merges(world: World, head: User, pair: tuple[Person, Person]) -> None:
    survivor, duplicate = pair
    client = fresh_client(head)
    url = reverse("people:person_merge", args=[survivor.pk])

    detail = client.get(reverse("people:person_detail", args=[survivor.pk])).content.decode()
    assert url in detail
    search = client.get(url)
    assert search.status_code == 200
    assert f"?duplicate={duplicate.pk}" in search.content.decode()
    assert duplicate in client.get(url, {"q": "Колева"}).context["found"]
    confirm = client.get(url, {"duplicate": duplicate.pk})
    assert confirm.status_code == 200
    assert duplicate.identifier in confirm.content.decode()  # a head may see the full number

    no_reason = client.post(url, {"duplicate": duplicate.pk, "reason": ""})
    assert no_reason.status_code == 200
    assert not PersonMerge.objects.exists()

    response = client.post(url, {"duplicate": duplicate.pk, "reason": "Регистрирана два пъти"})

    assert response.status_code == 302
    assert response["Location"] == reverse("people:person_detail", args=[survivor.pk])
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    assert PersonMerge.objects.get().by == head


def test_merging_asks_a_head_to_reauthenticate(world: World, head: User, pair: tuple[Person, Person]) -> None:
    survivor, duplicate = pair
    client = Client()
    client.force_login(head)

    response = client.post(
        reverse("people:person_merge", args=[survivor.pk]), {"duplicate": duplicate.pk, "reason": "Същата"}
    )

    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    assert not PersonMerge.objects.exists()


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.MONITORING, Role.PSYCHOLOGIST])
def test_a_role_without_the_permission_is_refused(world: World, pair: tuple[Person, Person], role: str) -> None:
    survivor, duplicate = pair
    client = fresh_client(world.users[role])

    response = client.post(
        reverse("people:person_merge", args=[survivor.pk]), {"duplicate": duplicate.pk, "reason": "Същата"}
    )

    assert response.status_code == 403
    assert not PersonMerge.objects.exists()
    if role == Role.SOCIAL_WORKER:
        page = client.get(reverse("people:person_detail", args=[survivor.pk])).content.decode()
        assert reverse("people:person_merge", args=[survivor.pk]) not in page


def test_a_head_of_another_service_gets_404(world: World, pair: tuple[Person, Person]) -> None:
    survivor, duplicate = pair
    other_head = make_user("head_other", world.organisation, Role.HEAD, world.other)
    client = fresh_client(other_head)

    response = client.post(
        reverse("people:person_merge", args=[survivor.pk]), {"duplicate": duplicate.pk, "reason": "Същата"}
    )

    assert response.status_code == 404
    assert not PersonMerge.objects.exists()


def test_the_duplicate_must_be_in_the_heads_scope_too(world: World, head: User) -> None:
    survivor = mother(world.own, "Петя", "Колева", egn=False)
    elsewhere = mother(world.other, "Петя", "Колева", birth_date=MOTHER_BORN)
    client = fresh_client(head)
    url = reverse("people:person_merge", args=[survivor.pk])

    assert client.get(url, {"duplicate": elsewhere.pk}).status_code == 404
    assert client.post(url, {"duplicate": elsewhere.pk, "reason": "Същата"}).status_code == 404
    assert elsewhere not in [person for person, _reasons in client.get(url).context["candidates"]]
    assert not PersonMerge.objects.exists()


def test_a_merged_record_cannot_be_edited(world: World) -> None:
    survivor = make_person(world.own, "Мартин", "Колев")
    duplicate = make_person(world.own, "Мартин", "Колеф", egn=False)
    person_merge(survivor=survivor, duplicate=duplicate, by=world.users[Role.HEAD], reason="Същото дете.")
    client = world.client_for(Role.SOCIAL_WORKER)
    assert client.get(reverse("people:person_detail", args=[duplicate.pk])).status_code == 200
    for name in ("people:person_edit", "people:relationship_create", "people:household_member_create"):
        assert client.get(reverse(name, args=[duplicate.pk])).status_code == 403, name


def test_referrals_and_cases_of_the_duplicate_move_to_the_survivor(
    world: World, head: User, pair: tuple[Person, Person]
) -> None:
    """The people app does not know the apps built on it: the merge finds their links to the duplicate."""
    survivor, duplicate = pair
    worker = world.users[Role.SOCIAL_WORKER]
    referral = make_referral(world.own, [duplicate], worker)
    case = accept(referral, head, worker)
    assert list(case.people.all()) == [duplicate]

    merge = person_merge(survivor=survivor, duplicate=duplicate, by=head, reason="Една и съща майка.")

    assert list(referral.people.all()) == [survivor]
    assert list(case.people.all()) == [survivor]
    assert merge.moved["other_records"] == {"cases.referral.people": [referral.pk], "cases.case.people": [case.pk]}
    case_events = ChangeEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk), actor=head
    )
    assert any("people" in event.changes for event in case_events)


def test_the_duplicates_offered_for_a_merge_are_the_heads_own_even_when_others_match_as_well(
    world: World, head: User
) -> None:
    """Five equal matches registered earlier by another service must not push the head's own duplicate off
    the list of five."""
    for _ in range(5):
        mother(world.other, "Петя", "Колева", birth_date=MOTHER_BORN, egn=False)
    survivor = mother(world.own, "Петя", "Колева", birth_date=MOTHER_BORN, egn=False)
    duplicate = mother(world.own, "Петя", "Колева", birth_date=MOTHER_BORN, egn=False)
    candidates = fresh_client(head).get(reverse("people:person_merge", args=[survivor.pk])).context["candidates"]
    assert [person for person, _reasons in candidates] == [duplicate]
