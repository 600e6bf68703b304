"""Sortable lists (issue 9): the case list and the referral list sort by the columns each declares, either
way; a key a list does not declare is its default order, never an error; the sort is kept by the pager and
the filters, and the sorted column says so to a screen reader (``aria-sort``)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opora.cases.casework.models import Case
from opora.cases.casework.services import case_begin_assessment
from opora.cases.intake.models import Referral
from opora.organisation.models import Role
from tests.casework import accept, make_referral
from tests.conftest import World, make_person


@pytest.fixture
def cases(world: World) -> list[Case]:
    """Three cases opened a day apart, the first managed by the head, the others by the social worker."""
    head, worker = world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER]
    made = []
    for index, (name, manager) in enumerate((("Анна", head), ("Борис", worker), ("Вера", worker))):
        child = make_person(world.own, name, "Колева" if name != "Борис" else "Колев", egn=False)
        case = accept(make_referral(world.own, [child], head), head, manager)
        Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - datetime.timedelta(days=10 - index))
        made.append(case)
    return made


def listed(world: World, url_name: str, **params: str) -> list[int]:
    response = world.client_for(Role.ADMINISTRATOR).get(reverse(url_name), params)
    assert response.status_code == 200
    return [row.pk for row in response.context["page"]]


def test_the_case_list_is_newest_first_unless_asked(world: World, cases: list[Case]) -> None:
    newest_first = [case.pk for case in reversed(cases)]
    assert listed(world, "cases:case_list") == newest_first
    assert listed(world, "cases:case_list", sort="opened") == newest_first[::-1]
    assert listed(world, "cases:case_list", sort="-opened") == newest_first


def test_the_case_list_sorts_by_number_and_by_state(world: World, cases: list[Case]) -> None:
    by_number = sorted(case.pk for case in cases)
    assert listed(world, "cases:case_list", sort="number") == by_number
    assert listed(world, "cases:case_list", sort="-number") == by_number[::-1]
    case_begin_assessment(case=cases[2], by=world.users[Role.SOCIAL_WORKER])
    # "accepted" before "assessment"; the ties by number.
    assert listed(world, "cases:case_list", sort="state") == [cases[0].pk, cases[1].pk, cases[2].pk]
    assert listed(world, "cases:case_list", sort="-state") == [cases[2].pk, cases[1].pk, cases[0].pk]


@pytest.mark.parametrize(
    "junk", ["people", "-", "--opened", "manager", "case_manager__password", "' OR 1=1", "x" * 500]
)
def test_a_sort_the_list_does_not_declare_is_its_default_order(world: World, cases: list[Case], junk: str) -> None:
    assert listed(world, "cases:case_list", sort=junk) == [case.pk for case in reversed(cases)]


def test_the_sorted_column_carries_aria_sort_and_its_link_sorts_the_other_way(world: World, cases: list[Case]) -> None:
    page = world.client_for(Role.ADMINISTRATOR).get(reverse("cases:case_list"), {"sort": "number", "state": "all"})
    html = page.content.decode()
    sorted_header = re.search(r'<th scope="col" aria-sort="ascending"><a class="sort is-sorted" href="([^"]+)"', html)
    assert sorted_header is not None
    assert "sort=-number" in sorted_header.group(1)
    assert "state=all" in sorted_header.group(1)  # the filter is kept
    assert html.count("aria-sort=") == 1
    assert '<input type="hidden" name="sort" value="number">' in html  # filtering keeps the sort


def test_the_pager_keeps_the_sort_and_the_filters(world: World) -> None:
    head = world.users[Role.HEAD]
    child = make_person(world.own, "Мартин", "Колев")
    for _ in range(51):
        make_referral(world.own, [child], head)
    html = world.client_for(Role.HEAD).get(reverse("cases:referral_list"), {"sort": "received", "status": "all"})
    pager = re.search(r'<nav class="pager".*?</nav>', html.content.decode(), re.S)
    assert pager is not None
    link = re.search(r'href="([^"]+)">', pager.group(0))
    assert link is not None
    assert {"sort=received", "status=all", "page=2"} <= set(link.group(1).lstrip("?").replace("&amp;", "&").split("&"))


def test_the_referral_list_sorts_by_when_it_was_received(world: World) -> None:
    head = world.users[Role.HEAD]
    child = make_person(world.own, "Мартин", "Колев")
    now = timezone.now()
    made = [
        make_referral(world.own, [child], head, received_at=now - datetime.timedelta(days=days)) for days in (3, 1, 2)
    ]
    oldest_first = [made[0].pk, made[2].pk, made[1].pk]
    assert listed(world, "cases:referral_list", sort="received", status="all") == oldest_first
    assert listed(world, "cases:referral_list", status="all") == oldest_first[::-1]
    assert Referral.objects.count() == 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sort=st.text(max_size=60))
def test_junk_sorts_never_break_a_list(world: World, sort: str) -> None:
    client = world.client_for(Role.ADMINISTRATOR)
    for url_name in ("cases:case_list", "cases:referral_list"):
        assert client.get(reverse(url_name), {"sort": sort.replace("\x00", "")}).status_code == 200
