"""Each key page has a query budget that holds at 5 and at 50 rows (issue 8): the case page at most 12
queries, the person page at most 10, every list at most 8 (the start page 11, with its panels), as the
administrator and as a worker.

The rows are what the page lists: the people, referrals, cases and tasks of the register for a list; a
child's relatives, referrals and cases for the person and family pages; a case's people and tasks for
the case page.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opora.cases.casework.models import Case, CaseTask
from opora.cases.casework.services import case_begin_assessment
from opora.cases.intake.services import referral_waitlist
from opora.core.pagination import DEFAULT_CAP
from opora.deadlines.rules import RuleCode
from opora.organisation.models import Role
from opora.people.models import Person, PersonKind, RelationshipKind
from opora.people.services import household_create, household_join, relationship_add
from tests.casework import accept, approved_assessment, make_referral, save_plan
from tests.conftest import World, make_person

CASE_PAGE = 12
PERSON_PAGE = 10
LIST_PAGE = 8
SEARCH_PAGE = 12
# The start page is a list (its tasks) and the panels of each role (issue 9), a fixed number of queries each
# however many rows: the caseload by state (1), the due dates of the week and overdue (1), the services'
# places taken, waiting lists and what is overdue (3): the administrator's 11.
HOME_PAGE = 11
# Pages above the budget, held where they are (a query more fails the test): none any more.
HELD_AT: dict[str, int] = {}
ROLES = [Role.ADMINISTRATOR, Role.SOCIAL_WORKER]


def letters(index: int) -> str:
    """A Cyrillic name part unique to ``index`` (names must differ for their synthetic ЕГН to)."""
    first, second = divmod(index, 30)
    return chr(0x430 + first) + chr(0x430 + second)


@dataclass
class Register:
    child: Person
    case: Case


def build_register(world: World, rows: int) -> Register:
    """``rows`` children, each with a mother in one household, an accepted case in assessment with an
    approved assessment and a draft plan, a referral on the waiting list and an undecided one with a violence
    concern (so a task); the first child's case also holds ``rows`` people and ``rows`` tasks."""
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    first: Register | None = None
    for index in range(rows):
        name = "Дете" + letters(index)
        child = make_person(world.own, name, "Колев", birth_date=datetime.date(2014, 1, 1) + datetime.timedelta(index))
        mother = make_person(world.own, "Майка" + letters(index), "Колева", kind="parent", sex="female", egn=False)
        relationship_add(person=child, relative=mother, kind=RelationshipKind.MOTHER, by=worker)
        household = household_create(person=child, name=f"Семейство {name}", by=worker)
        household_join(person=mother, household=household.household, by=worker)
        case = accept(make_referral(world.own, [child], head), head, worker, override_reason="Спешно")
        case_begin_assessment(case=case, by=worker)
        approved_assessment(case, worker, head)
        save_plan(case, worker)
        referral_waitlist(referral=make_referral(world.own, [mother], head), by=head)
        make_referral(world.own, [child], head, violence_concern=True)
        if first is None:
            first = Register(child=child, case=case)
    assert first is not None
    for index in range(rows):
        sibling = make_person(world.own, "Брат" + letters(index), "Колев", kind=PersonKind.RELATIVE, egn=False)
        relationship_add(person=first.child, relative=sibling, kind=RelationshipKind.SIBLING, by=worker)
        first.case.people.add(sibling)
        CaseTask.objects.create(
            service=world.own,
            case=first.case,
            kind=RuleCode.VIOLENCE_COORDINATION,
            title=f"Задача {index}",
            due_at=timezone.now() + datetime.timedelta(hours=index - rows // 2),
            assigned_to=worker,
        )
    return first


def queries_for(world: World, role: str, url: str) -> list[str]:
    client = world.client_for(role)
    assert client.get(url).status_code == 200  # warms the per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def key_pages(register: Register) -> dict[str, tuple[str, int]]:
    return {
        "ui:home": (reverse("ui:home"), HOME_PAGE),
        "people list": (reverse("people:person_list"), LIST_PAGE),
        "people search": (reverse("people:person_list") + "?q=Колев", LIST_PAGE),
        # People, referrals and cases: the people search once, then a query each, and their people.
        "search page": (reverse("ui:search") + "?q=Колев", SEARCH_PAGE),
        "people picker": (reverse("people:person_pick") + "?q=Колев", LIST_PAGE),
        "referral form": (reverse("cases:referral_create") + "?q=Колев", LIST_PAGE),
        "family page": (reverse("people:person_family", args=[register.child.pk]), PERSON_PAGE),
        "referral list": (reverse("cases:referral_list"), LIST_PAGE),
        "waiting list": (reverse("cases:referral_waiting_list"), LIST_PAGE),
        "case list": (reverse("cases:case_list"), LIST_PAGE),
        "my tasks": (reverse("deadlines:my_tasks"), LIST_PAGE),
        "deadlines:overdue": (reverse("deadlines:overdue"), LIST_PAGE),
        "person page": (reverse("people:person_detail", args=[register.child.pk]), PERSON_PAGE),
        "case page": (reverse("cases:case_detail", args=[register.case.pk]), CASE_PAGE),
    }


@pytest.mark.parametrize("rows", [5, 50])
def test_each_key_page_keeps_its_query_budget(world: World, rows: int) -> None:
    register = build_register(world, rows)
    over: dict[str, list[str]] = {}
    for role in ROLES:
        for page, (url, budget) in key_pages(register).items():
            budget = HELD_AT.get(page, budget)
            queries = queries_for(world, role, url)
            if len(queries) > budget:
                over[f"{page} as {role} ({len(queries)} > {budget})"] = queries
    assert not over, "\n".join(over)


@pytest.mark.parametrize(
    ("url_name", "table"), [("cases:referral_list", "cases_referral"), ("cases:case_list", "cases_case")]
)
def test_a_list_counts_its_rows_only_up_to_the_cap(world: World, url_name: str, table: str) -> None:
    """An exact count of a national register's referrals or cases costs more than the page it numbers."""
    build_register(world, 1)
    # The list's own count (an aggregate inside another query, as the waiting list's places, is not one).
    counts = [
        sql
        for sql in queries_for(world, Role.ADMINISTRATOR, reverse(url_name))
        if sql.startswith("SELECT COUNT(") and table in sql
    ]
    assert counts, "the list numbers its pages"
    assert all(f"LIMIT {DEFAULT_CAP + 1}" in sql for sql in counts), counts


# --- What the savings must keep -------------------------------------------------------------------------------


def test_the_case_page_names_its_referral_only_to_those_who_may_see_it(world: World) -> None:
    """Whether the referral may be shown is asked with the case: a worker of a second service on the case sees
    the case, not the first service's referral."""
    head, worker = world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER]
    case = accept(make_referral(world.own, [make_person(world.own, "Мартин", "Колев")], head), head, worker)
    case.services.add(world.other)
    url = reverse("cases:case_detail", args=[case.pk])
    referral_url = reverse("cases:referral_detail", args=[case.referral_id])
    assert referral_url in world.client_for(Role.SOCIAL_WORKER).get(url).content.decode()
    assert world.outsider is not None
    outsider = Client()
    outsider.force_login(world.outsider)
    response = outsider.get(url)
    assert response.status_code == 200
    assert response.context["referral"] is None
    assert referral_url not in response.content.decode()


def test_the_person_page_names_the_mother_and_the_expected_children_the_user_may_see(world: World) -> None:
    """The mother, the expected children and the record merged into are asked in one query, and only for a
    person who has them; each is still shown only to those who may see it."""
    due = timezone.localdate() + datetime.timedelta(days=90)
    mother = make_person(world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female", egn=False)
    hidden_mother = make_person(world.other, "Яна", "Колева", kind=PersonKind.PARENT, sex="female", egn=False)
    unborn, hidden_mothers = (
        make_person(
            world.own, name, "Колев", kind=PersonKind.UNBORN, birth_date=None, egn=False, due_date=due, mother=whose
        )
        for name, whose in (("Бебе", mother), ("Второ", hidden_mother))
    )
    client = world.client_for(Role.SOCIAL_WORKER)

    def page(person: Person) -> dict[str, object]:
        response = client.get(reverse("people:person_detail", args=[person.pk]))
        assert response.status_code == 200
        return {key: response.context[key] for key in ("mother", "expected_children", "merged_into")}

    assert page(mother) == {"mother": None, "expected_children": [unborn], "merged_into": None}
    assert page(unborn) == {"mother": mother, "expected_children": [], "merged_into": None}
    assert page(hidden_mothers) == {"mother": None, "expected_children": [], "merged_into": None}
    assert len(queries_for(world, Role.SOCIAL_WORKER, reverse("people:person_detail", args=[mother.pk]))) <= PERSON_PAGE


def test_the_family_page_gives_each_case_all_its_services(world: World) -> None:
    register = build_register(world, 1)
    register.case.services.add(world.other)
    response = world.client_for(Role.ADMINISTRATOR).get(reverse("people:person_family", args=[register.child.pk]))
    records = next(member.records for member in response.context["family"].members if member.person == register.child)
    services = ", ".join(sorted([world.own.name, world.other.name]))
    assert [(record.label, record.status) for record in records] == [
        (str(register.case), f"{register.case.get_state_display()} — {services}")
    ]
