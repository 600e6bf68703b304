"""Unit tests of opora.access: who reaches which rows, and what a refused look leaves behind."""

from collections.abc import Iterable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.test import RequestFactory

from opora.access import (
    ROLE_PERMISSIONS,
    Perm,
    forget_memberships,
    get_for_user_or_404,
    has_permission,
    has_permission_on,
    scope,
    service_ids_with,
)
from opora.accounts.models import User
from opora.audit.models import ViewEvent, ViewOutcome
from opora.deadlines.models import StoredDueItem
from opora.organisation.models import Membership, Organisation, Programme, Role, RolePolicy, Service, ServiceKind
from opora.people.models import Household, HouseholdMember, Person, Relationship, RelationshipKind
from opora.people.services import household_create, household_join, relationship_add
from tests.conftest import World, make_person, make_user, registrar

ROLES = [role.value for role in Role]
CASEWORK_ROLES = [
    Role.HEAD,
    Role.SOCIAL_WORKER,
    Role.PSYCHOLOGIST,
    Role.PEDAGOGUE,
    Role.FOSTER_CARE,
    Role.VOLUNTEER_COORDINATOR,
]
ALL_PERMISSIONS = [value for name, value in vars(Perm).items() if name.isupper()]


def pks(rows: Iterable[Model]) -> set[int]:
    return {row.pk for row in rows}


@pytest.fixture
def programmes(world: World) -> dict[str, Programme]:
    """One programme in ``own``, one in ``other``, one in both, one in no service yet."""
    made = {}
    for key, services in {
        "own": [world.own],
        "other": [world.other],
        "both": [world.own, world.other],
        "none": [],
    }.items():
        programme = Programme.objects.create(
            organisation=world.organisation, name=f"Програма {key}", direction="campaigns"
        )
        programme.services.set(services)
        made[key] = programme
    return made


@pytest.fixture
def elsewhere(db: None) -> World:
    """A second organisation with its own administrator, service and social worker."""
    organisation = Organisation.objects.create(name="Фондация „Другаде“", municipality="Варна")
    service = Service.objects.create(
        organisation=organisation, name="ЦОП Варна", kind=ServiceKind.SPECIALISED, municipality="Варна", capacity=10
    )
    built = World(organisation=organisation, own=service, other=service)
    built.users[Role.ADMINISTRATOR] = make_user("admin_elsewhere", organisation, Role.ADMINISTRATOR, None)
    built.users[Role.SOCIAL_WORKER] = make_user("worker_elsewhere", organisation, Role.SOCIAL_WORKER, service)
    Programme.objects.create(organisation=organisation, name="Програма другаде", direction="campaigns").services.add(
        service
    )
    return built


# --- Service ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_service_scope_per_role(world: World, role: str) -> None:
    visible = pks(scope(world.users[role], Service.objects.all(), Perm.SERVICE_VIEW))
    expected: set[int] = {world.own.pk}  # every role, monitoring included, sees the service it works in...
    if role == Role.ADMINISTRATOR:
        expected = {world.own.pk, world.other.pk}  # ...the administrator every service of the organisation
    elif role == Role.VOLUNTEER:
        expected = set()  # ...and a volunteer none
    assert visible == expected


@pytest.mark.parametrize("role", ROLES)
def test_service_manage_scope_is_the_administrators_alone(world: World, role: str) -> None:
    visible = pks(scope(world.users[role], Service.objects.all(), Perm.SERVICE_MANAGE))
    assert visible == ({world.own.pk, world.other.pk} if role == Role.ADMINISTRATOR else set())


def test_a_user_in_two_services_sees_both(world: World) -> None:
    assert world.outsider is not None
    Membership.objects.create(user=world.outsider, service=world.own, role=Role.PSYCHOLOGIST)
    assert pks(scope(world.outsider, Service.objects.all(), Perm.SERVICE_VIEW)) == {world.own.pk, world.other.pk}


# --- Programme (many-to-many) --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_programme_scope_follows_the_programmes_services(
    world: World, programmes: dict[str, Programme], role: str
) -> None:
    visible = scope(world.users[role], Programme.objects.all(), Perm.PROGRAMME_VIEW)
    if role == Role.ADMINISTRATOR:
        expected = {p.pk for p in programmes.values()}
    elif role == Role.VOLUNTEER:
        expected = set()
    else:
        expected = {programmes["own"].pk, programmes["both"].pk}
    assert pks(visible) == expected
    # A programme run in two services is one row, not two.
    assert len(list(visible)) == len(expected)


def test_programme_scope_of_the_outsider_is_the_other_service(world: World, programmes: dict[str, Programme]) -> None:
    visible = pks(scope(world.outsider, Programme.objects.all(), Perm.PROGRAMME_VIEW))
    assert visible == {programmes["other"].pk, programmes["both"].pk}


@pytest.mark.parametrize("role", ROLES)
def test_programme_manage_scope_is_the_administrators_alone(
    world: World, programmes: dict[str, Programme], role: str
) -> None:
    visible = pks(scope(world.users[role], Programme.objects.all(), Perm.PROGRAMME_MANAGE))
    assert visible == ({p.pk for p in programmes.values()} if role == Role.ADMINISTRATOR else set())


# --- User (staff) ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_staff_scope_per_role(world: World, role: str) -> None:
    visible = pks(scope(world.users[role], User.objects.all(), Perm.STAFF_VIEW))
    assert world.outsider is not None
    expected: set[int] = set()
    if role == Role.ADMINISTRATOR:
        expected = {user.pk for user in world.users.values()} | {world.outsider.pk}
    elif role == Role.HEAD:
        expected = {user.pk for r, user in world.users.items() if r != Role.ADMINISTRATOR}
    assert visible == expected


def test_staff_scope_of_a_head_excludes_the_other_service(world: World) -> None:
    visible = pks(scope(world.users[Role.HEAD], User.objects.all(), Perm.STAFF_VIEW))
    assert world.outsider is not None
    assert world.users[Role.SOCIAL_WORKER].pk in visible
    assert world.outsider.pk not in visible


def test_monitoring_never_gets_person_level_rows_although_it_holds_service_view(world: World) -> None:
    monitoring = world.users[Role.MONITORING]
    assert User.is_person_level
    assert has_permission(monitoring, Perm.SERVICE_VIEW, world.own)
    # The same permission reaches the service itself, but no person of it.
    assert pks(scope(monitoring, Service.objects.all(), Perm.SERVICE_VIEW)) == {world.own.pk}
    for permission in ALL_PERMISSIONS:
        assert not scope(monitoring, User.objects.all(), permission).exists(), permission
    # A social worker of the same service, with the same permission, does reach the people.
    assert scope(world.users[Role.SOCIAL_WORKER], User.objects.all(), Perm.SERVICE_VIEW).exists()


def test_monitoring_in_one_service_gives_no_person_level_rows_there_to_a_caseworker_elsewhere(world: World) -> None:
    """A social worker of ``other`` who also monitors ``own`` sees the people of ``other`` only."""
    outsider = world.outsider
    assert outsider is not None
    Membership.objects.create(user=outsider, service=world.own, role=Role.MONITORING)
    forget_memberships(outsider)

    services = pks(scope(outsider, Service.objects.all(), Perm.SERVICE_VIEW))
    people = pks(scope(outsider, User.objects.all(), Perm.SERVICE_VIEW))

    assert services == {world.own.pk, world.other.pk}  # aggregates of both services
    assert world.users[Role.SOCIAL_WORKER].pk not in people  # nobody only in the monitored service
    assert outsider.pk in people  # the people of the service where they do casework


# --- Organisation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_organisation_scope_per_role(world: World, elsewhere: World, role: str) -> None:
    user = world.users[role]
    through_services = pks(scope(user, Organisation.objects.all(), Perm.SERVICE_VIEW))
    to_manage = pks(scope(user, Organisation.objects.all(), Perm.ORGANISATION_MANAGE))
    assert through_services == (set() if role == Role.VOLUNTEER else {world.organisation.pk})
    assert to_manage == ({world.organisation.pk} if role == Role.ADMINISTRATOR else set())


# --- Other organisations, inactive users, anonymous -------------------------------------------------


MODELS_AND_PERMISSIONS = [
    (Service, Perm.SERVICE_VIEW),
    (Service, Perm.SERVICE_MANAGE),
    (Programme, Perm.PROGRAMME_VIEW),
    (Programme, Perm.PROGRAMME_MANAGE),
    (User, Perm.STAFF_VIEW),
    (User, Perm.STAFF_MANAGE),
    (Organisation, Perm.ORGANISATION_MANAGE),
    (Organisation, Perm.SERVICE_VIEW),
]


@pytest.mark.parametrize(("model", "permission"), MODELS_AND_PERMISSIONS)
def test_a_user_of_another_organisation_sees_nothing_of_this_one(
    world: World, elsewhere: World, programmes: dict[str, Programme], model: type[Model], permission: str
) -> None:
    ours: QuerySet[Any] = {
        Service: Service.objects.filter(organisation=world.organisation),
        Programme: Programme.objects.filter(organisation=world.organisation),
        User: User.objects.filter(organisation=world.organisation),
        Organisation: Organisation.objects.filter(pk=world.organisation.pk),
    }[model]
    for user in elsewhere.users.values():
        assert not scope(user, ours, permission).exists()
    # ...while the other organisation's administrator does reach its own rows.
    assert scope(elsewhere.users[Role.ADMINISTRATOR], model._default_manager.all(), permission).exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("model", "permission"), MODELS_AND_PERMISSIONS)
def test_an_inactive_user_sees_nothing(
    world: World, programmes: dict[str, Programme], role: str, model: type[Model], permission: str
) -> None:
    user = world.users[role]
    user.is_active = False
    user.save()
    user = User.objects.get(pk=user.pk)
    assert not scope(user, model._default_manager.all(), permission).exists()
    assert not has_permission(user, permission)


@pytest.mark.parametrize(("model", "permission"), MODELS_AND_PERMISSIONS)
def test_an_anonymous_user_sees_nothing(world: World, model: type[Model], permission: str) -> None:
    assert not scope(AnonymousUser(), model._default_manager.all(), permission).exists()
    assert not has_permission(AnonymousUser(), permission)


def test_a_user_of_no_organisation_sees_nothing(world: World) -> None:
    stray = User.objects.create_user(username="stray", password="x" * 12)
    Membership.objects.create(user=stray, service=None, role=Role.ADMINISTRATOR)
    assert not scope(stray, Service.objects.all(), Perm.SERVICE_VIEW).exists()
    assert not scope(stray, User.objects.all(), Perm.STAFF_VIEW).exists()


def test_a_model_without_scope_by_is_never_in_scope(world: World) -> None:
    RolePolicy.objects.create(organisation=world.organisation, role=Role.HEAD, mfa_required=True)
    assert not hasattr(RolePolicy, "scope_by")
    assert not scope(world.users[Role.ADMINISTRATOR], RolePolicy.objects.all(), Perm.STAFF_VIEW).exists()


# --- get_for_user_or_404 ---------------------------------------------------------------------------


def request_as(user: User, path: str = "/somewhere/") -> HttpRequest:
    request = RequestFactory().get(path)
    request.user = user
    return request


def test_get_for_user_or_404_returns_a_record_in_scope_and_logs_nothing(world: World) -> None:
    request = request_as(world.users[Role.SOCIAL_WORKER])
    found = get_for_user_or_404(request, Service.objects.all(), Perm.SERVICE_VIEW, pk=world.own.pk)
    assert found == world.own
    assert not ViewEvent.objects.exists()


def test_get_for_user_or_404_raises_404_for_a_record_out_of_scope_and_logs_the_denial(world: World) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    request = request_as(worker, f"/services/{world.other.pk}/?x=1")
    with pytest.raises(Http404):
        get_for_user_or_404(request, Service.objects.all(), Perm.SERVICE_VIEW, pk=world.other.pk)
    event = ViewEvent.objects.get()
    assert event.actor == worker
    assert event.outcome == ViewOutcome.DENIED
    assert event.content_type == ContentType.objects.get_for_model(Service)
    assert event.object_id == str(world.other.pk)
    assert event.path == f"/services/{world.other.pk}/?x=1"


def test_get_for_user_or_404_logs_a_denied_look_at_another_organisations_record(world: World, elsewhere: World) -> None:
    admin = world.users[Role.ADMINISTRATOR]
    with pytest.raises(Http404):
        get_for_user_or_404(request_as(admin), Service.objects.all(), Perm.SERVICE_VIEW, pk=elsewhere.own.pk)
    assert ViewEvent.objects.get().outcome == ViewOutcome.DENIED


def test_get_for_user_or_404_raises_404_without_a_log_for_a_record_that_does_not_exist(world: World) -> None:
    missing = max(Service.objects.values_list("pk", flat=True)) + 100
    with pytest.raises(Http404):
        get_for_user_or_404(
            request_as(world.users[Role.SOCIAL_WORKER]),
            Service.objects.all(),
            Perm.SERVICE_VIEW,
            pk=missing,
        )
    assert not ViewEvent.objects.exists()


def test_get_for_user_or_404_refuses_the_wrong_permission_even_in_the_own_service(world: World) -> None:
    request = request_as(world.users[Role.SOCIAL_WORKER])
    with pytest.raises(Http404):
        get_for_user_or_404(request, Service.objects.all(), Perm.SERVICE_MANAGE, pk=world.own.pk)
    assert ViewEvent.objects.get().outcome == ViewOutcome.DENIED


# --- Deny by default ---------------------------------------------------------------------------------


def test_every_role_has_an_entry_in_role_permissions() -> None:
    assert set(ROLE_PERMISSIONS) == set(ROLES)


def test_every_granted_permission_is_a_known_one() -> None:
    for role, granted in ROLE_PERMISSIONS.items():
        assert granted <= set(ALL_PERMISSIONS), role


@pytest.mark.parametrize("role", ROLES)
def test_an_unknown_permission_is_refused_to_every_role(world: World, role: str) -> None:
    user = world.users[role]
    assert not has_permission(user, "made.up")
    assert not has_permission(user, "made.up", world.own)
    assert service_ids_with(user, "made.up") == set()
    assert not scope(user, Service.objects.all(), "made.up").exists()


def test_an_unknown_role_grants_nothing(world: World) -> None:
    stranger = make_user("stranger", world.organisation, Role.SOCIAL_WORKER, world.own)
    Membership.objects.filter(user=stranger).update(role="janitor")
    for permission in ALL_PERMISSIONS:
        assert not has_permission(stranger, permission), permission
        assert not scope(stranger, Service.objects.all(), permission).exists(), permission


@pytest.mark.parametrize("role", ROLES)
def test_has_permission_in_a_service_is_limited_to_the_users_services(world: World, role: str) -> None:
    user = world.users[role]
    granted = ROLE_PERMISSIONS[role]
    for permission in ALL_PERMISSIONS:
        assert has_permission(user, permission, world.own) == (permission in granted)
        assert has_permission(user, permission, world.other) == (permission in granted and role == Role.ADMINISTRATOR)


def test_the_administrator_has_no_permission_in_another_organisations_service(world: World, elsewhere: World) -> None:
    admin = world.users[Role.ADMINISTRATOR]
    assert has_permission(admin, Perm.SERVICE_MANAGE, world.other)
    assert not has_permission(admin, Perm.SERVICE_MANAGE, elsewhere.own)
    assert not has_permission(admin, Perm.SERVICE_VIEW, elsewhere.own)


# --- People (many-to-many to services) and the records that follow a person -------------------------


@pytest.fixture
def families(world: World) -> dict[str, Any]:
    """In ``own`` and in ``other``: a child and his mother, related and in one household; and one child
    worked with by both services."""
    made: dict[str, Any] = {}
    for where, service in (("own", world.own), ("other", world.other)):
        child = make_person(service, "Дете", "Колев" if where == "own" else "Петров")
        mother = make_person(service, "Майка", "Колева" if where == "own" else "Петрова", kind="parent", sex="female")
        made[f"{where}_child"], made[f"{where}_mother"] = child, mother
        made[f"{where}_relation"] = relationship_add(
            by=registrar(child), person=child, relative=mother, kind=RelationshipKind.MOTHER
        )
        member = household_create(by=registrar(child), person=child, name=f"Семейство {where}")
        made[f"{where}_member"] = member
        made[f"{where}_household"] = member.household
        household_join(by=registrar(mother), person=mother, household=member.household)
    shared = make_person(world.own, "Общо", "Дете", egn=False)
    shared.services.add(world.other)
    made["shared"] = shared
    return made


PEOPLE_MODELS: list[type[Model]] = [Person, Relationship, Household, HouseholdMember]


@pytest.mark.parametrize("role", ROLES)
def test_people_scope_per_role(world: World, families: dict[str, Any], role: str) -> None:
    visible = pks(scope(world.users[role], Person.objects.all(), Perm.PERSON_VIEW))
    own = {families["own_child"].pk, families["own_mother"].pk, families["shared"].pk}
    other = {families["other_child"].pk, families["other_mother"].pk}
    if role == Role.ADMINISTRATOR:
        assert visible == own | other
    elif role in {Role.VOLUNTEER, Role.MONITORING}:
        assert visible == set()
    else:
        assert visible == own


def test_a_person_of_two_services_is_one_row_and_visible_from_both(world: World, families: dict[str, Any]) -> None:
    assert world.outsider is not None
    visible = scope(world.outsider, Person.objects.all(), Perm.PERSON_VIEW)
    assert families["shared"].pk in pks(visible)
    assert len([p for p in visible if p.pk == families["shared"].pk]) == 1


@pytest.mark.parametrize("role", ROLES)
def test_relations_and_households_follow_their_people(world: World, families: dict[str, Any], role: str) -> None:
    user = world.users[role]
    relations = pks(scope(user, Relationship.objects.all(), Perm.PERSON_VIEW))
    households = pks(scope(user, Household.objects.all(), Perm.PERSON_VIEW))
    members = pks(scope(user, HouseholdMember.objects.all(), Perm.PERSON_VIEW))
    own_members = set(HouseholdMember.objects.filter(household=families["own_household"]).values_list("pk", flat=True))
    all_members = set(HouseholdMember.objects.values_list("pk", flat=True))
    if role == Role.ADMINISTRATOR:
        assert relations == {families["own_relation"].pk, families["other_relation"].pk}
        assert households == {families["own_household"].pk, families["other_household"].pk}
        assert members == all_members
    elif role in {Role.VOLUNTEER, Role.MONITORING}:
        assert relations == households == members == set()
    else:
        assert relations == {families["own_relation"].pk}
        assert households == {families["own_household"].pk}
        assert members == own_members


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.ADMINISTRATOR, True),
        (Role.HEAD, True),
        (Role.SOCIAL_WORKER, True),
        (Role.FOSTER_CARE, True),
        (Role.PSYCHOLOGIST, False),
        (Role.PEDAGOGUE, False),
        (Role.VOLUNTEER_COORDINATOR, False),
        (Role.VOLUNTEER, False),
        (Role.MONITORING, False),
    ],
)
def test_the_full_identifier_is_for_the_roles_that_need_it_in_the_persons_services(
    world: World, families: dict[str, Any], role: str, sees: bool
) -> None:
    user = world.users[role]
    assert has_permission_on(user, Perm.IDENTIFIER_VIEW, families["own_child"]) == sees
    assert has_permission_on(user, Perm.IDENTIFIER_VIEW, families["other_child"]) == (role == Role.ADMINISTRATOR)


def test_a_psychologist_who_is_also_a_social_worker_elsewhere_sees_identifiers_only_there(
    world: World, families: dict[str, Any]
) -> None:
    psychologist = world.users[Role.PSYCHOLOGIST]
    Membership.objects.create(user=psychologist, service=world.other, role=Role.SOCIAL_WORKER)
    forget_memberships(psychologist)
    assert not has_permission_on(psychologist, Perm.IDENTIFIER_VIEW, families["own_child"])
    assert has_permission_on(psychologist, Perm.IDENTIFIER_VIEW, families["other_child"])


def test_monitoring_reaches_no_person_level_people_record_with_any_permission(
    world: World, families: dict[str, Any]
) -> None:
    for model in PEOPLE_MODELS:
        for permission in ALL_PERMISSIONS:
            assert not scope(world.users[Role.MONITORING], model._default_manager.all(), permission).exists()


def test_nobody_of_another_organisation_reaches_this_ones_people(
    world: World, elsewhere: World, families: dict[str, Any]
) -> None:
    for user in elsewhere.users.values():
        for model in PEOPLE_MODELS:
            for permission in (Perm.PERSON_VIEW, Perm.PERSON_MANAGE, Perm.IDENTIFIER_VIEW):
                assert not scope(user, model._default_manager.all(), permission).exists()


@pytest.mark.parametrize("role", ROLES)
def test_an_inactive_user_reaches_no_people(world: World, families: dict[str, Any], role: str) -> None:
    user = world.users[role]
    user.is_active = False
    user.save()
    user = User.objects.get(pk=user.pk)
    for model in PEOPLE_MODELS:
        assert not scope(user, model._default_manager.all(), Perm.PERSON_VIEW).exists()
        assert not scope(AnonymousUser(), model._default_manager.all(), Perm.PERSON_VIEW).exists()


def test_has_permission_on_an_unsaved_record_is_false(world: World) -> None:
    assert not has_permission_on(world.users[Role.ADMINISTRATOR], Perm.PERSON_VIEW, Person())


def test_the_apps_grants_add_up_to_the_security_table() -> None:
    """What each role holds, now that every app grants its own permissions (docs/security.md)."""
    casework = {"home.view", "service.view", "programme.view", "person.view", "person.manage"}
    cases_read = {"referral.view", "case.view"}
    cases_work = cases_read | {"referral.manage", "case.work"}
    cases_head = cases_work | {"referral.triage", "case.approve"}
    identifiers = {"identifier.view"}
    expected = {
        Role.ADMINISTRATOR: casework
        | identifiers
        | cases_head
        | {
            "service.manage",
            "programme.manage",
            "staff.view",
            "staff.manage",
            "organisation.manage",
            "audit.view",
            "aggregate.view",
            "person.merge",
        },
        Role.HEAD: casework | identifiers | cases_head | {"staff.view", "aggregate.view", "person.merge"},
        Role.SOCIAL_WORKER: casework | identifiers | cases_work,
        Role.PSYCHOLOGIST: casework | cases_read,
        Role.PEDAGOGUE: casework | cases_read,
        Role.FOSTER_CARE: casework | identifiers | cases_work,
        Role.VOLUNTEER_COORDINATOR: casework,
        Role.VOLUNTEER: {"home.view"},
        Role.MONITORING: {"home.view", "service.view", "programme.view", "aggregate.view"},
    }
    assert {role: set(granted) for role, granted in ROLE_PERMISSIONS.items()} == expected


# --- The shape of a scope (its cost at a million) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "permission", "through"),
    [
        (Person, Perm.PERSON_VIEW, "people_person_services"),
        (StoredDueItem, Perm.CASE_VIEW, "deadlines_storeddueitem_services"),
    ],
)
def test_a_scope_through_services_reads_only_their_table(
    world: World, model: type[Model], permission: str, through: str
) -> None:
    """ "id IN (SELECT person_id FROM person_services WHERE service_id IN …)": joined back to the people, the
    subquery read every one of a million people on each scoped list."""
    sql = str(scope(world.users[Role.SOCIAL_WORKER], model._default_manager.all(), permission).query)

    assert "JOIN" not in sql
    assert f'FROM "{through}"' in sql


def test_a_scope_through_a_records_services_reads_only_their_table(world: World) -> None:
    from opora.cases.models import Case, CaseTransition

    sql = str(scope(world.users[Role.SOCIAL_WORKER], CaseTransition.objects.all(), Perm.CASE_VIEW).query)

    subquery = sql.split('"case_id" IN (SELECT', 1)[1]
    assert "JOIN" not in subquery
    assert f'FROM "{Case.services.through._meta.db_table}"' in subquery
