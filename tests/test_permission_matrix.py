"""The permission matrix: every URL of the project × every role × (a record in the own service, in the
other service, no login) with the HTTP status a GET must get.

The rules (opora.access): anonymous → 302 to the login page; a role without the page's permission →
403; a role with it but a record outside its scope → 404, never 403; the administrator reaches everything
in its organisation.

Re-authentication: role_policies, staff_create, staff_edit and person_merge are behind allauth's
``reauthentication_required``. The matrix logs every user in *freshly*: besides ``force_login``, the session
gets the record allauth writes after a password re-authentication (``record_authentication(...,
reauthenticated=True)``), so the matrix shows the permission rules alone. What happens without that record
(a redirect to ``account_reauthenticate``) is tested separately below.
"""

import datetime
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.http.response import HttpResponseBase
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.http import int_to_base36

from opora.accounts.models import User
from opora.audit.models import ChangeEvent, ViewEvent, ViewOutcome
from opora.cases.casework.models import Case, CaseTask
from opora.cases.intake.models import Referral, ReferralKind, ReferralSource
from opora.cases.planning.models import Assessment, GoalStatus, PlanReview, SupportPlan
from opora.cases.planning.services import plan_review_record
from opora.contacts.models import Contact, ContactKind, ContactPlace
from opora.contacts.services import contact_book
from opora.organisation.models import Membership, Organisation, Programme, Role, RolePolicy, Service, ServiceKind
from opora.people.models import Household, HouseholdMember, Person, Relationship, RelationshipKind
from opora.people.services import household_create, relationship_add
from tests.casework import accept, approved_assessment, approved_plan, assessment_file, make_referral
from tests.conftest import World, build_world, make_person, make_user, registrar

ROLES = [role.value for role in Role]
ADMIN = Role.ADMINISTRATOR.value
OWN, OTHER = "own", "other"


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location is the page named ``to``."""

    to: str


Expect = int | Redirect
LOGIN = Redirect("account_login")


def by_role(default: Expect, **exceptions: Expect) -> dict[str, Expect]:
    """Every role gets ``default`` except those named."""
    unknown = set(exceptions) - set(ROLES)
    assert not unknown, unknown
    return {role: exceptions.get(role, default) for role in ROLES}


@dataclass(frozen=True)
class Row:
    """What a GET gets: anonymously, and for each role — for a record of the own service (or, for a page
    about no record, for any request) and, for a page about one record, for a record of the other service.
    """

    anonymous: Expect
    own: dict[str, Expect]
    other: dict[str, Expect] | None = None


ADMIN_ONLY = by_role(403, administrator=200)
ALL_BUT_VOLUNTEER = by_role(200, volunteer=403)
# People: every casework role in its services, the administrator everywhere; volunteers and monitoring never.
PEOPLE = by_role(200, volunteer=403, monitoring=403)
OTHER_SERVICES_PEOPLE = by_role(404, administrator=200, volunteer=403, monitoring=403)
# Referrals and cases: read by the roles that work with the service's children (not the volunteer
# coordinator, volunteers or monitoring); recorded and worked by the case-managing roles; triaged by the head.
CASE_READERS = by_role(200, volunteer_coordinator=403, volunteer=403, monitoring=403)
OTHER_SERVICES_CASE_READERS = by_role(404, administrator=200, volunteer_coordinator=403, volunteer=403, monitoring=403)
CASE_WORKERS = by_role(403, administrator=200, head=200, social_worker=200, foster_care=200)
OTHER_SERVICES_CASE_WORKERS = by_role(403, administrator=200, head=404, social_worker=404, foster_care=404)
HEADS = by_role(403, administrator=200, head=200)
OTHER_SERVICES_HEADS = by_role(403, administrator=200, head=404)

EXPECTED: dict[str, Row] = {
    # --- Opora's own pages ---
    "ui:home": Row(LOGIN, by_role(200)),
    # Every role may search; each kind of record is asked only of the roles that may see it.
    "ui:search": Row(LOGIN, by_role(200)),
    "core:healthz": Row(200, by_role(200)),  # public on purpose: the load balancer's probe, no data
    "organisation:organisation_edit": Row(LOGIN, ADMIN_ONLY),
    "organisation:role_policies": Row(LOGIN, ADMIN_ONLY),
    "organisation:service_list": Row(LOGIN, ALL_BUT_VOLUNTEER),
    "organisation:service_create": Row(LOGIN, ADMIN_ONLY),
    "organisation:service_detail": Row(LOGIN, ALL_BUT_VOLUNTEER, by_role(404, administrator=200, volunteer=403)),
    "organisation:service_edit": Row(LOGIN, ADMIN_ONLY, ADMIN_ONLY),
    "organisation:programme_list": Row(LOGIN, ALL_BUT_VOLUNTEER),
    "organisation:programme_create": Row(LOGIN, ADMIN_ONLY),
    "organisation:programme_edit": Row(LOGIN, ADMIN_ONLY, ADMIN_ONLY),
    "organisation:staff_list": Row(LOGIN, by_role(403, administrator=200, head=200)),
    "organisation:staff_create": Row(LOGIN, ADMIN_ONLY),
    "organisation:staff_detail": Row(
        LOGIN, by_role(403, administrator=200, head=200), by_role(403, administrator=200, head=404)
    ),
    "organisation:staff_edit": Row(LOGIN, ADMIN_ONLY, ADMIN_ONLY),
    "people:person_list": Row(LOGIN, PEOPLE),
    "people:person_create": Row(LOGIN, PEOPLE),
    # The people pickers' search: the people list's own, so its rows.
    "people:person_pick": Row(LOGIN, PEOPLE),
    "people:person_detail": Row(LOGIN, PEOPLE, OTHER_SERVICES_PEOPLE),
    "people:person_edit": Row(LOGIN, PEOPLE, OTHER_SERVICES_PEOPLE),
    "people:person_family": Row(LOGIN, PEOPLE, OTHER_SERVICES_PEOPLE),
    "people:person_merge": Row(
        LOGIN, by_role(403, administrator=200, head=200), by_role(403, administrator=200, head=404)
    ),
    "people:relationship_create": Row(LOGIN, PEOPLE, OTHER_SERVICES_PEOPLE),
    "people:relationship_edit": Row(LOGIN, PEOPLE, OTHER_SERVICES_PEOPLE),
    "people:household_member_create": Row(LOGIN, PEOPLE, OTHER_SERVICES_PEOPLE),
    "people:household_member_edit": Row(LOGIN, PEOPLE, OTHER_SERVICES_PEOPLE),
    "cases:referral_list": Row(LOGIN, CASE_READERS),
    "cases:referral_waiting_list": Row(LOGIN, CASE_READERS),
    "cases:referral_create": Row(LOGIN, CASE_WORKERS),
    "cases:referral_detail": Row(LOGIN, CASE_READERS, OTHER_SERVICES_CASE_READERS),
    "cases:referral_triage": Row(LOGIN, HEADS, OTHER_SERVICES_HEADS),
    # Corrected by those who record referrals in its service.
    "cases:referral_edit": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    # A head links a person of another service found by the duplicate check: a token not of her session is 404.
    "cases:person_link": Row(LOGIN, by_role(403, administrator=404, head=404)),
    "cases:referral_assessment_file": Row(LOGIN, CASE_READERS, OTHER_SERVICES_CASE_READERS),
    "cases:case_list": Row(LOGIN, CASE_READERS),
    "cases:case_detail": Row(LOGIN, CASE_READERS, OTHER_SERVICES_CASE_READERS),
    "cases:case_transition": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    # Another case manager or a changed team: the head of the service.
    "cases:case_team_edit": Row(LOGIN, HEADS, OTHER_SERVICES_HEADS),
    "cases:case_team_pick": Row(LOGIN, HEADS, OTHER_SERVICES_HEADS),
    "cases:task_complete": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    # Contacts: read as the case, booked and recorded by its workers; a worker's week by those who read cases.
    "contacts:calendar": Row(LOGIN, CASE_READERS),
    "contacts:case_contacts": Row(LOGIN, CASE_READERS, OTHER_SERVICES_CASE_READERS),
    "contacts:contact_book": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    "contacts:contact_outcome": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    # The needs assessment, the support plan and reviews: read as the case; written by its workers; approved
    # by the head. The pages about a case take the case; the others a version of the document.
    "cases:case_assessment": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    "cases:case_plan": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    "cases:case_review": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    "cases:review_edit": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    "cases:assessment_detail": Row(LOGIN, CASE_READERS, OTHER_SERVICES_CASE_READERS),
    "cases:assessment_submit": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    "cases:assessment_approve": Row(LOGIN, HEADS, OTHER_SERVICES_HEADS),
    "cases:assessment_print": Row(LOGIN, CASE_READERS, OTHER_SERVICES_CASE_READERS),
    "cases:plan_detail": Row(LOGIN, CASE_READERS, OTHER_SERVICES_CASE_READERS),
    "cases:plan_submit": Row(LOGIN, CASE_WORKERS, OTHER_SERVICES_CASE_WORKERS),
    "cases:plan_approve": Row(LOGIN, HEADS, OTHER_SERVICES_HEADS),
    "cases:plan_print": Row(LOGIN, CASE_READERS, OTHER_SERVICES_CASE_READERS),
    "deadlines:my_tasks": Row(LOGIN, CASE_READERS),
    "deadlines:overdue": Row(LOGIN, CASE_READERS),
    "deadlines:notification_list": Row(LOGIN, by_role(200)),  # one's own notifications only
    "deadlines:deadline_rules": Row(LOGIN, ADMIN_ONLY),
    "audit:audit_changes": Row(LOGIN, ADMIN_ONLY),
    "audit:audit_views": Row(LOGIN, ADMIN_ONLY),
    # --- Django's language switch: a GET only redirects back ---
    "set_language": Row(Redirect("ui:home"), by_role(Redirect("ui:home"))),
    # --- allauth: the same for every role; only one's own account is ever shown ---
    "account_login": Row(200, by_role(Redirect("ui:home"))),
    "account_logout": Row(LOGIN, by_role(200)),  # a confirmation form; logging out takes a POST
    "account_inactive": Row(200, by_role(200)),
    "account_signup": Row(200, by_role(Redirect("ui:home"))),  # the page says sign-up is closed
    "account_reauthenticate": Row(LOGIN, by_role(200)),
    "account_email": Row(LOGIN, by_role(200)),  # the user's own address only
    "account_email_verification_sent": Row(200, by_role(200)),
    "account_change_password": Row(LOGIN, by_role(200)),
    "account_set_password": Row(LOGIN, by_role(Redirect("account_change_password"))),
    "account_reset_password": Row(200, by_role(200)),
    "account_reset_password_done": Row(200, by_role(200)),
    "account_reset_password_from_key": Row(200, by_role(200)),  # a bad key: "invalid link", nobody named
    "account_reset_password_from_key_done": Row(200, by_role(200)),
    "account_confirm_email": Row(200, by_role(200)),  # a bad key: "invalid link"
    "account_confirm_login_code": Row(LOGIN, by_role(Redirect("ui:home"))),  # login by code is off
    "mfa_index": Row(LOGIN, by_role(200)),
    "mfa_authenticate": Row(LOGIN, by_role(Redirect("ui:home"))),  # only in the middle of a login
    "mfa_reauthenticate": Row(LOGIN, by_role(Redirect("account_reauthenticate"))),  # no authenticator yet
    "mfa_activate_totp": Row(LOGIN, by_role(200)),
    "mfa_deactivate_totp": Row(LOGIN, by_role(404)),  # no TOTP to deactivate
    "mfa_view_recovery_codes": Row(LOGIN, by_role(404)),  # no recovery codes
    "mfa_generate_recovery_codes": Row(LOGIN, by_role(200)),
    "mfa_download_recovery_codes": Row(LOGIN, by_role(404)),
}

# The pages allauth asks a recent password (or second factor) for, on top of the permission.
REAUTHENTICATION_REQUIRED = {
    "organisation:role_policies",
    "organisation:staff_create",
    "organisation:staff_edit",
    "people:person_merge",
}


# --- The URL patterns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A URL pattern under the name ``reverse`` knows it by: its app's namespace and its own name."""

    name: str | None
    pattern: Any
    callback: Any


def url_patterns(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[Page]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, inner)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield Page(name=name, pattern=pattern.pattern, callback=pattern.callback)


def url_names() -> list[str]:
    return [pattern.name or f"<unnamed: {pattern.pattern}>" for pattern in url_patterns()]


def test_every_url_has_an_entry() -> None:
    names = url_names()
    assert len(names) == len(set(names)), "two URL patterns share a name"
    assert set(names) == set(EXPECTED)


def test_a_url_about_one_record_has_an_own_and_an_other_column() -> None:
    for pattern in url_patterns():
        takes_pk = "pk" in pattern.pattern.regex.groupindex
        assert (EXPECTED[str(pattern.name)].other is not None) == takes_pk, pattern.name
        assert (pattern.name in RECORDS) == takes_pk, pattern.name


def test_every_row_names_every_role() -> None:
    for name, row in EXPECTED.items():
        assert set(row.own) == set(ROLES), name
        assert row.other is None or set(row.other) == set(ROLES), name


def test_the_expectations_follow_the_rules() -> None:
    """The table itself: out of scope is 404 and never 403; the administrator's scope is the organisation."""
    for name, row in EXPECTED.items():
        if row.other is None:
            continue
        assert row.anonymous == LOGIN, name
        for role in ROLES:
            own, other = row.own[role], row.other[role]
            if own == 403:
                assert other == 403, (name, role)  # no permission: refused before any record is looked up
            else:
                assert own == 200, (name, role)
                assert other in {200, 404}, (name, role)
        assert row.other[ADMIN] == row.own[ADMIN] == 200, name


def test_every_project_page_but_the_health_check_is_behind_a_permission() -> None:
    for pattern in url_patterns():
        if not pattern.callback.__module__.startswith("opora."):
            continue
        permission = getattr(pattern.callback, "opora_permission", None)
        if pattern.name == "core:healthz":
            assert permission is None
        else:
            assert permission is not None, pattern.name
            assert EXPECTED[str(pattern.name)].anonymous == LOGIN


# --- The world of the matrix ---------------------------------------------------------------------------


@dataclass
class Matrix:
    world: World
    programmes: dict[str, Programme]
    people: dict[str, Person]
    relatives: dict[str, Person]
    relationships: dict[str, Relationship]
    household_members: dict[str, HouseholdMember]
    # In each service: a referral accepted into a case, and a child's own request with its task.
    referrals: dict[str, Referral]
    cases: dict[str, Case]
    requests: dict[str, Referral]
    tasks: dict[str, CaseTask]
    # In each case: an approved needs assessment and an approved support plan.
    assessments: dict[str, Assessment]
    plans: dict[str, SupportPlan]
    reviews: dict[str, PlanReview]
    # In each case: a contact booked for tomorrow.
    contacts: dict[str, Contact]

    @property
    def outsider(self) -> User:
        assert self.world.outsider is not None
        return self.world.outsider

    def leak_markers(self) -> list[str]:
        """Text that only someone who may see the other service could find on a page."""
        return [
            self.world.other.name,
            self.programmes[OTHER].name,
            self.outsider.email,
            self.outsider.get_full_name(),
            self.people[OTHER].last_name,
            self.relatives[OTHER].last_name,
            self.referrals[OTHER].referring_institution,
        ]


def build_matrix() -> Matrix:
    """conftest's ``world`` (one organisation, ``own`` and ``other``, a user in every role holding it in
    ``own``, the outsider in ``other``), with a programme in each service, and in each service a child
    with his mother, related and in one household; and in each service a referral accepted into a case and
    a request of a child who came alone (with the task it starts)."""
    world = build_world()
    built = Matrix(
        world=world,
        programmes={},
        people={},
        relatives={},
        relationships={},
        household_members={},
        referrals={},
        cases={},
        requests={},
        tasks={},
        assessments={},
        plans={},
        reviews={},
        contacts={},
    )
    for where, service, surname, her_surname in (
        (OWN, world.own, "Колев", "Колева"),
        (OTHER, world.other, "Хисарски", "Хисарска"),
    ):
        programme = Programme.objects.create(
            organisation=world.organisation, name=f"Програма на {service.name}", direction="campaigns"
        )
        programme.services.add(service)
        built.programmes[where] = programme
        child = make_person(service, "Мартин", surname)
        mother = make_person(
            service, "Петя", her_surname, kind="parent", sex="female", birth_date=datetime.date(1990, 3, 4)
        )
        built.people[where], built.relatives[where] = child, mother
        built.relationships[where] = relationship_add(
            by=registrar(child), person=child, relative=mother, kind=RelationshipKind.MOTHER
        )
        built.household_members[where] = household_create(
            by=registrar(child), person=child, name=f"Семейство {surname}и"
        )
        add_casework(built, where, service, child)
    return built


def add_casework(built: Matrix, where: str, service: Service, child: Person) -> None:
    admin = built.world.users[ADMIN]
    manager = built.world.users[Role.SOCIAL_WORKER] if where == OWN else built.outsider
    referral = make_referral(
        service,
        [child],
        admin,
        referring_institution=f"Отдел „Закрила на детето“ {service.municipality}",
        preliminary_assessment_file=assessment_file(),
    )
    built.referrals[where] = referral
    built.cases[where] = accept(referral, admin, manager)
    built.assessments[where] = approved_assessment(built.cases[where], manager, admin)
    built.plans[where] = approved_plan(built.cases[where], manager, admin)
    built.reviews[where] = plan_review_record(
        case=built.cases[where],
        by=manager,
        reviewed_on=datetime.date.today(),
        summary="Напредък.",
        progress={goal.pk: (GoalStatus.IN_PROGRESS, "") for goal in built.plans[where].goals.all()},
    )
    request = make_referral(
        service,
        [child],
        admin,
        kind=ReferralKind.REQUEST,
        source=ReferralSource.SELF,
        referring_institution="",
        child_alone=True,
    )
    built.requests[where] = request
    built.tasks[where] = request.tasks.get()
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    built.contacts[where] = contact_book(
        case=built.cases[where],
        kind=ContactKind.INDIVIDUAL,
        starts_at=tomorrow,
        ends_at=tomorrow + datetime.timedelta(hours=1),
        place=ContactPlace.HOME,
        staff=[manager],
        participants=[child],
        by=admin,
    )


@pytest.fixture(scope="module")
def built_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[Matrix]:
    """The matrix's world, built once for the module in a transaction rolled back at its end (as Django's
    ``TestCase.setUpTestData`` does); every test runs in a savepoint inside it, so none sees another's
    writes. Several hundred requests stay fast this way."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_matrix()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def matrix(built_once: Matrix, db: None) -> Matrix:
    return built_once


# For each page about one record: the record in the own service and in the other one.
RECORDS: dict[str, Callable[[Matrix, str], Model]] = {
    "organisation:service_detail": lambda m, where: m.world.own if where == OWN else m.world.other,
    "organisation:service_edit": lambda m, where: m.world.own if where == OWN else m.world.other,
    "organisation:programme_edit": lambda m, where: m.programmes[where],
    "organisation:staff_detail": lambda m, where: m.world.users[Role.SOCIAL_WORKER] if where == OWN else m.outsider,
    "organisation:staff_edit": lambda m, where: m.world.users[Role.SOCIAL_WORKER] if where == OWN else m.outsider,
    "people:person_detail": lambda m, where: m.people[where],
    "people:person_edit": lambda m, where: m.people[where],
    "people:person_family": lambda m, where: m.people[where],
    "people:person_merge": lambda m, where: m.people[where],
    "people:relationship_create": lambda m, where: m.people[where],
    "people:household_member_create": lambda m, where: m.people[where],
    "people:relationship_edit": lambda m, where: m.relationships[where],
    "people:household_member_edit": lambda m, where: m.household_members[where],
    "cases:referral_detail": lambda m, where: m.referrals[where],
    "cases:referral_triage": lambda m, where: m.requests[where],
    "cases:referral_edit": lambda m, where: m.referrals[where],
    "cases:referral_assessment_file": lambda m, where: m.referrals[where],
    "cases:case_detail": lambda m, where: m.cases[where],
    "cases:case_transition": lambda m, where: m.cases[where],
    "cases:case_team_edit": lambda m, where: m.cases[where],
    "cases:case_team_pick": lambda m, where: m.cases[where],
    "cases:task_complete": lambda m, where: m.tasks[where],
    "contacts:case_contacts": lambda m, where: m.cases[where],
    "contacts:contact_book": lambda m, where: m.cases[where],
    "contacts:contact_outcome": lambda m, where: m.contacts[where],
    "cases:case_assessment": lambda m, where: m.cases[where],
    "cases:case_plan": lambda m, where: m.cases[where],
    "cases:case_review": lambda m, where: m.cases[where],
    "cases:review_edit": lambda m, where: m.reviews[where],
    "cases:assessment_detail": lambda m, where: m.assessments[where],
    "cases:assessment_submit": lambda m, where: m.assessments[where],
    "cases:assessment_approve": lambda m, where: m.assessments[where],
    "cases:assessment_print": lambda m, where: m.assessments[where],
    "cases:plan_detail": lambda m, where: m.plans[where],
    "cases:plan_submit": lambda m, where: m.plans[where],
    "cases:plan_approve": lambda m, where: m.plans[where],
    "cases:plan_print": lambda m, where: m.plans[where],
}

# Other pages that take arguments: allauth's links from e-mails, here with keys that are not valid.
OTHER_ARGUMENTS: dict[str, Callable[[Matrix], dict[str, str]]] = {
    "account_confirm_email": lambda m: {"key": "not-a-real-key"},
    "cases:person_link": lambda m: {"token": "not-a-real-token"},
    "account_reset_password_from_key": lambda m: {"uidb36": int_to_base36(m.outsider.pk), "key": "not-a-real-key"},
}


def url_of(name: str, matrix: Matrix, where: str = OWN) -> str:
    if name in RECORDS:
        return reverse(name, kwargs={"pk": RECORDS[name](matrix, where).pk})
    if name in OTHER_ARGUMENTS:
        return reverse(name, kwargs=OTHER_ARGUMENTS[name](matrix))
    return reverse(name)


def mark_recently_authenticated(client: Client, user: User, seconds_ago: float = 0) -> None:
    """What allauth writes into the session after a password re-authentication, ``seconds_ago``."""
    session = client.session
    request = RequestFactory().get("/")
    request.session = session
    request.user = user
    record_authentication(request, user, method="password", reauthenticated=True)
    records = session["account_authentication_methods"]
    records[-1]["at"] = time.time() - seconds_ago
    session.save()


def client_for(user: User | None, *, fresh: bool = True) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
        if fresh:
            mark_recently_authenticated(client, user)
    return client


def assert_answer(response: HttpResponseBase, expected: Expect, url: str) -> None:
    if isinstance(expected, Redirect):
        assert response.status_code == 302, response.status_code
        location = urlsplit(response["Location"])
        assert resolve(location.path).view_name == expected.to, response["Location"]
        if expected == LOGIN and location.query:
            assert parse_qs(location.query)["next"] == [url]
    else:
        assert response.status_code == expected


def body(response: HttpResponseBase) -> bytes:
    """The response's bytes, also of a file download (streamed; the test client closes it once read)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


# --- The GET matrix ------------------------------------------------------------------------------------


def cells() -> list[Any]:
    return list(_cells())


def _cells() -> Iterator[Any]:
    for name, row in EXPECTED.items():
        yield pytest.param(name, None, OWN, row.anonymous, id=f"{name}-anonymous")
        for role in ROLES:
            if row.other is None:
                yield pytest.param(name, role, OWN, row.own[role], id=f"{name}-{role}")
            else:
                yield pytest.param(name, role, OWN, row.own[role], id=f"{name}-{role}-own")
                yield pytest.param(name, role, OTHER, row.other[role], id=f"{name}-{role}-other")


@pytest.mark.parametrize(("name", "role", "where", "expected"), cells())
def test_get(matrix: Matrix, name: str, role: str | None, where: str, expected: Expect) -> None:
    user = None if role is None else matrix.world.users[role]
    url = url_of(name, matrix, where)

    response = client_for(user).get(url)

    assert_answer(response, expected, url)
    content = body(response).decode(errors="replace")
    if user is None:
        # Nothing of the organisation reaches someone who has not logged in.
        for marker in ("ЦОП", "Програма", "Сдружение", "@example.org", "Тестов"):
            assert marker not in content
    elif role != ADMIN:
        for marker in matrix.leak_markers():
            assert marker not in content


# --- Lists show the own service's records and nothing of the other's ----------------------------------

LISTS = {
    "people:person_list": lambda m: (m.people[OWN].last_name, m.people[OTHER].last_name),
    "organisation:service_list": lambda m: (m.world.own.name, m.world.other.name),
    "organisation:programme_list": lambda m: (m.programmes[OWN].name, m.programmes[OTHER].name),
    "organisation:staff_list": lambda m: (
        m.world.users[Role.SOCIAL_WORKER].get_full_name(),
        m.outsider.get_full_name(),
    ),
    "cases:referral_list": lambda m: (m.people[OWN].last_name, m.people[OTHER].last_name),
    "cases:case_list": lambda m: (m.people[OWN].last_name, m.people[OTHER].last_name),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", LISTS)
def test_a_list_shows_the_own_service_and_nothing_of_the_other(matrix: Matrix, name: str, role: str) -> None:
    response = client_for(matrix.world.users[role]).get(reverse(name))
    if EXPECTED[name].own[role] != 200:
        assert response.status_code == 403
        return
    own, other = LISTS[name](matrix)
    content = response.content.decode()
    assert own in content
    assert (other in content) == (role == ADMIN)


# --- The view log: every page about a person writes one event for its record --------------------------


def person_pages() -> list[str]:
    """The pages about one person-level record (a person, a staff member, a referral, a case...)."""
    return sorted(
        name
        for name in RECORDS
        if name not in {"organisation:service_detail", "organisation:service_edit", "organisation:programme_edit"}
    )


def test_the_person_pages_are_exactly_the_pages_about_a_person_level_record(matrix: Matrix) -> None:
    for name in RECORDS:
        record = RECORDS[name](matrix, OWN)
        assert getattr(type(record), "is_person_level", False) == (name in person_pages()), name


@pytest.mark.parametrize("name", person_pages())
def test_a_person_page_logs_the_view_of_its_record(matrix: Matrix, name: str) -> None:
    record = RECORDS[name](matrix, OWN)
    url = url_of(name, matrix)
    admin = matrix.world.users[ADMIN]

    response = client_for(admin).get(url)

    assert response.status_code == 200
    events = ViewEvent.objects.filter(path=url)
    assert [(event.actor, event.outcome) for event in events] == [(admin, ViewOutcome.VIEWED)]
    event = events.get()
    assert event.content_type is not None
    assert (event.content_type.model_class(), event.object_id) == (type(record), str(record.pk))
    assert event.organisation_id == matrix.world.organisation.pk


@pytest.mark.parametrize("name", [name for name in person_pages() if 404 in EXPECTED[name].other.values()])  # type: ignore[union-attr]
def test_a_person_page_out_of_scope_logs_a_refusal_for_the_records_organisation(matrix: Matrix, name: str) -> None:
    role = next(role for role in ROLES if EXPECTED[name].other[role] == 404)  # type: ignore[index]
    url = url_of(name, matrix, OTHER)

    response = client_for(matrix.world.users[role]).get(url)

    assert response.status_code == 404
    event = ViewEvent.objects.get(path=url)
    assert event.outcome == ViewOutcome.DENIED
    assert event.organisation_id == matrix.world.organisation.pk


# --- Another organisation ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_the_administrator_gets_404_for_another_organisations_records(matrix: Matrix, name: str) -> None:
    organisation = Organisation.objects.create(name="Фондация „Другаде“", municipality="Варна")
    service = Service.objects.create(
        organisation=organisation, name="ЦОП Варна", kind=ServiceKind.SPECIALISED, municipality="Варна", capacity=9
    )
    programme = Programme.objects.create(organisation=organisation, name="Чужда програма", direction="campaigns")
    programme.services.add(service)
    worker = make_user("worker_elsewhere", organisation, Role.SOCIAL_WORKER, service)
    child = make_person(service, "Варналия", "Морски")
    mother = make_person(
        service, "Варвара", "Морска", kind="parent", sex="female", birth_date=datetime.date(1990, 1, 1)
    )
    records: dict[str, Model] = {
        "service": service,
        "programme": programme,
        "staff": worker,
        "person": child,
        "relationship": relationship_add(
            by=registrar(child), person=child, relative=mother, kind=RelationshipKind.MOTHER
        ),
        "household": household_create(by=registrar(child), person=child, name="Семейство Морски"),
    }
    admin_elsewhere = make_user("admin_elsewhere", organisation, Role.ADMINISTRATOR, None)
    referral = make_referral(service, [child], admin_elsewhere, preliminary_assessment_file=assessment_file())
    case = accept(referral, admin_elsewhere, worker)
    alone = make_referral(service, [child], admin_elsewhere, source="self", kind="request", child_alone=True)
    records |= {"referral": referral, "case": case, "task": alone.tasks.get()}
    records |= {"assessment": approved_assessment(case, worker, admin_elsewhere)}
    records |= {"plan": approved_plan(case, worker, admin_elsewhere)}
    progress: dict[int, tuple[str, str]] = {
        goal.pk: (GoalStatus.IN_PROGRESS, "")
        for goal in records["plan"].goals.all()  # type: ignore[attr-defined]
    }
    records |= {
        "review": plan_review_record(
            case=case, by=worker, reviewed_on=datetime.date.today(), summary="Напредък.", progress=progress
        )
    }
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    records |= {
        "contact": contact_book(
            case=case,
            kind=ContactKind.HOME_VISIT,
            starts_at=tomorrow,
            ends_at=tomorrow + datetime.timedelta(hours=1),
            place=ContactPlace.HOME,
            staff=[worker],
            participants=[child],
            by=admin_elsewhere,
        )
    }
    # The pages that add a relation or a household are pages about the person; booking a contact, the case.
    about = {
        "people:relationship_create": child,
        "people:household_member_create": child,
        "contacts:contact_book": case,
    }
    record = about.get(name) or records[name.split(":")[-1].split("_")[0]]

    response = client_for(matrix.world.users[ADMIN]).get(reverse(name, kwargs={"pk": record.pk}))

    assert response.status_code == 404
    assert "Варна" not in response.content.decode()
    assert "Морск" not in response.content.decode()


# --- Re-authentication ---------------------------------------------------------------------------------


def project_pages() -> list[Any]:
    """Opora's own pages (allauth's are allauth's business), about the own and the other record."""
    pages = []
    for pattern in url_patterns():
        name = str(pattern.name)
        if pattern.callback.__module__.startswith("opora."):
            pages += [
                pytest.param(name, where, id=f"{name}-{where}") for where in (OWN, OTHER)[: 2 if name in RECORDS else 1]
            ]
    return pages


@pytest.mark.parametrize(("name", "where"), project_pages())
def test_only_the_sensitive_pages_ask_an_administrator_to_reauthenticate(matrix: Matrix, name: str, where: str) -> None:
    url = url_of(name, matrix, where)
    expected = EXPECTED[name].own[ADMIN]
    if name in REAUTHENTICATION_REQUIRED:
        expected = Redirect("account_reauthenticate")

    response = client_for(matrix.world.users[ADMIN], fresh=False).get(url)

    assert_answer(response, expected, url)
    if name in REAUTHENTICATION_REQUIRED:
        assert parse_qs(urlsplit(response["Location"]).query)["next"] == [url]


@pytest.mark.parametrize("name", sorted(REAUTHENTICATION_REQUIRED))
def test_a_stale_authentication_asks_for_reauthentication_again(matrix: Matrix, name: str) -> None:
    admin = matrix.world.users[ADMIN]
    url = url_of(name, matrix)
    stale = Client()
    stale.force_login(admin)
    mark_recently_authenticated(stale, admin, seconds_ago=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 5)
    recent = Client()
    recent.force_login(admin)
    mark_recently_authenticated(recent, admin, seconds_ago=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 30)

    assert_answer(stale.get(url), Redirect("account_reauthenticate"), url)
    assert recent.get(url).status_code == 200


def test_a_head_is_asked_to_reauthenticate_before_merging(matrix: Matrix) -> None:
    url = url_of("people:person_merge", matrix)
    response = client_for(matrix.world.users[Role.HEAD], fresh=False).get(url)
    assert_answer(response, Redirect("account_reauthenticate"), url)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        pytest.param(name, role, id=f"{name}-{role}")
        for name in sorted(REAUTHENTICATION_REQUIRED)
        for role in ROLES
        if EXPECTED[name].own[role] == 403
    ],
)
def test_a_role_without_the_permission_is_refused_before_any_reauthentication(
    matrix: Matrix, name: str, role: str
) -> None:
    response = client_for(matrix.world.users[role], fresh=False).get(url_of(name, matrix))
    assert response.status_code == 403


# --- POST to the write views -----------------------------------------------------------------------


def service_data(service: Service) -> dict[str, Any]:
    return {
        "name": f"{service.name} (ново име)",
        "kind": service.kind,
        "activity_types": ["day_care"],
        "municipality": service.municipality,
        "capacity": service.capacity + 1,
        "is_active": "on",
    }


def programme_data(matrix: Matrix, programme: Programme | None = None) -> dict[str, Any]:
    return {
        "name": "Нова програма" if programme is None else f"{programme.name} (ново име)",
        "direction": "prevent_violence",
        "services": [matrix.world.own.pk, matrix.world.other.pk],
        "is_active": "on",
    }


def staff_data(member: User | None, service: Service) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": "newcomer" if member is None else member.username,
        "first_name": "Нов",
        "last_name": "Служител",
        "email": "newcomer@example.org" if member is None else member.email,
        "job_title": "Нова длъжност",
        "is_active": "on",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    if member is None:
        data |= {
            "password": "a long enough initial password 2026",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-service": service.pk,
            "memberships-0-role": Role.PSYCHOLOGIST,
        }
    else:
        membership = Membership.objects.get(user=member, service=service)
        data |= {
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": membership.pk,
            "memberships-0-service": service.pk,
            "memberships-0-role": Role.PEDAGOGUE,
        }
    return data


# Each write: the URL and a valid form for it (the administrator's control proves it valid).
WRITES: dict[str, Callable[[Matrix], tuple[str, dict[str, Any]]]] = {
    "organisation:organisation_edit": lambda m: (
        reverse("organisation:organisation_edit"),
        {"name": "Ново име", "municipality": "Пловдив"},
    ),
    "organisation:role_policies": lambda m: (
        reverse("organisation:role_policies"),
        {Role.HEAD: "on", Role.SOCIAL_WORKER: "on"},
    ),
    "organisation:service_create": lambda m: (
        reverse("organisation:service_create"),
        service_data(Service(name="ЦОП Бяла", kind=ServiceKind.SPECIALISED, municipality="Бяла", capacity=5)),
    ),
    "service_edit-own": lambda m: (
        reverse("organisation:service_edit", args=[m.world.own.pk]),
        service_data(m.world.own),
    ),
    "service_edit-other": lambda m: (
        reverse("organisation:service_edit", args=[m.world.other.pk]),
        service_data(m.world.other),
    ),
    "organisation:programme_create": lambda m: (reverse("organisation:programme_create"), programme_data(m)),
    "programme_edit-own": lambda m: (
        reverse("organisation:programme_edit", args=[m.programmes[OWN].pk]),
        programme_data(m, m.programmes[OWN]),
    ),
    "programme_edit-other": lambda m: (
        reverse("organisation:programme_edit", args=[m.programmes[OTHER].pk]),
        programme_data(m, m.programmes[OTHER]),
    ),
    "organisation:staff_create": lambda m: (reverse("organisation:staff_create"), staff_data(None, m.world.own)),
    "staff_edit-own": lambda m: (
        reverse("organisation:staff_edit", args=[m.world.users[Role.SOCIAL_WORKER].pk]),
        staff_data(m.world.users[Role.SOCIAL_WORKER], m.world.own),
    ),
    "staff_edit-other": lambda m: (
        reverse("organisation:staff_edit", args=[m.outsider.pk]),
        staff_data(m.outsider, m.world.other),
    ),
}


def database_state() -> dict[str, Any]:
    """Everything a write view could change."""
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "services": list(Service.objects.order_by("pk").values()),
        "programmes": list(Programme.objects.order_by("pk").values()),
        "programme_services": list(Programme.services.through.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "organisation:role_policies": list(RolePolicy.objects.order_by("pk").values()),
        "change_events": ChangeEvent.objects.count(),
    }


@pytest.mark.parametrize("role", [role for role in ROLES if role != ADMIN])
@pytest.mark.parametrize("write", WRITES)
def test_a_non_administrator_cannot_write(matrix: Matrix, write: str, role: str) -> None:
    url, data = WRITES[write](matrix)
    client = client_for(matrix.world.users[role])
    before = database_state()

    response = client.post(url, data)

    assert response.status_code == 403
    assert database_state() == before


@pytest.mark.parametrize("write", WRITES)
def test_the_administrator_can_write_with_the_same_form(matrix: Matrix, write: str) -> None:
    """The control for the test above: the same POST by the administrator does change the records."""
    url, data = WRITES[write](matrix)
    client = client_for(matrix.world.users[ADMIN])
    before = database_state()

    response = client.post(url, data)

    assert response.status_code == 302, getattr(response, "context", None) and [
        form.errors for form in (response.context.get("form"), response.context.get("formset")) if form is not None
    ]
    after = database_state()
    assert after != before
    assert after["change_events"] > before["change_events"]


@pytest.mark.parametrize("write", WRITES)
def test_an_anonymous_post_goes_to_the_login_page_and_changes_nothing(matrix: Matrix, write: str) -> None:
    url, data = WRITES[write](matrix)
    before = database_state()

    response = Client().post(url, data)

    assert_answer(response, LOGIN, url)
    assert database_state() == before


# --- POST to the people register's write views ------------------------------------------------------


def person_data(person: Person) -> dict[str, Any]:
    """The edit form of ``person`` as the browser sends it, with one change (the address)."""
    return {
        "kind": person.kind,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "identity_kind": person.identity_kind,
        "identifier": person.identifier,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "sex": person.sex,
        "address": "ул. „Нова“ 5",
        "version": person.updated_at.isoformat(),
    }


# Each write about a record: the URL and a valid form, for the record in the own or the other service.
PERSON_WRITES: dict[str, Callable[[Matrix, str], tuple[str, dict[str, Any]]]] = {
    "people:person_edit": lambda m, where: (
        reverse("people:person_edit", args=[m.people[where].pk]),
        person_data(m.people[where]),
    ),
    "people:relationship_create": lambda m, where: (
        reverse("people:relationship_create", args=[m.people[where].pk]),
        {"other": m.relatives[where].pk, "direction": "relative_is", "kind": "guardian"},
    ),
    "people:household_member_create": lambda m, where: (
        reverse("people:household_member_create", args=[m.people[where].pk]),
        {"name": "Ново домакинство"},
    ),
    "people:relationship_edit": lambda m, where: (
        reverse("people:relationship_edit", args=[m.relationships[where].pk]),
        {"kind": "mother", "end_date": "2025-01-01"},
    ),
    "people:household_member_edit": lambda m, where: (
        reverse("people:household_member_edit", args=[m.household_members[where].pk]),
        {"start_date": "2020-01-01"},
    ),
}


def people_state() -> dict[str, Any]:
    """Everything a people write view could change."""
    return {
        "people": list(Person.objects.order_by("pk").values()),
        "person_services": list(Person.services.through.objects.order_by("pk").values()),
        "relationships": list(Relationship.objects.order_by("pk").values()),
        "households": list(Household.objects.order_by("pk").values()),
        "household_members": list(HouseholdMember.objects.order_by("pk").values()),
        "change_events": ChangeEvent.objects.count(),
    }


def person_write_cells() -> list[Any]:
    cells = []
    for name in PERSON_WRITES:
        for role in ROLES:
            for where in (OWN, OTHER):
                expected = (EXPECTED[name].own if where == OWN else EXPECTED[name].other)[role]  # type: ignore[index]
                cells.append(pytest.param(name, role, where, expected, id=f"{name}-{role}-{where}"))
    cells += [
        pytest.param(
            "people:person_create", role, OWN, EXPECTED["people:person_create"].own[role], id=f"person_create-{role}"
        )
        for role in ROLES
    ]
    return cells


@pytest.mark.parametrize(("name", "role", "where", "expected"), person_write_cells())
def test_a_people_write_follows_the_matrix(matrix: Matrix, name: str, role: str, where: str, expected: int) -> None:
    """Allowed (200 on GET): the POST saves and redirects. No permission: 403; out of scope: 404; neither
    changes anything."""
    if name == "people:person_create":
        url = reverse("people:person_create")
        data = {
            "service": matrix.world.own.pk,
            "kind": "child",
            "first_name": "Нова",
            "last_name": "Регистрирана",
            "identity_kind": "none",
            "no_identifier_reason": "Не е известен",
        }
    else:
        url, data = PERSON_WRITES[name](matrix, where)
    before = people_state()

    response = client_for(matrix.world.users[role]).post(url, data)

    if expected == 200:
        assert response.status_code == 302, response.context and response.context["form"].errors
        assert people_state() != before
    else:
        assert response.status_code == expected
        assert people_state() == before


@pytest.mark.parametrize("name", [*PERSON_WRITES, "people:person_create"])
def test_an_anonymous_people_post_goes_to_the_login_page_and_changes_nothing(matrix: Matrix, name: str) -> None:
    url, data = (
        (reverse("people:person_create"), {}) if name == "people:person_create" else PERSON_WRITES[name](matrix, OWN)
    )
    before = people_state()

    response = Client().post(url, data)

    assert_answer(response, LOGIN, url)
    assert people_state() == before
