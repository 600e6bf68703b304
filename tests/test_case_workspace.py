"""The case as a workspace (issue 9): a header with the child, the state, the case manager and what is due
next; tabs that are addresses of their own and read only what they show; a timeline of everything that
happened, newest first, a page at a time, one query per kind of event; and each move its own button, the
ones that need more (closing, reopening) a page asking only that."""

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opora.cases.casework.models import Case, CaseOutcome, CaseState, CaseTask, CaseTransition
from opora.cases.casework.services import case_begin_assessment, case_close, task_complete
from opora.cases.casework.timeline import TIMELINE_PAGE, timeline_page
from opora.deadlines.rules import RuleCode
from opora.organisation.models import Role
from opora.people.models import Person
from tests.casework import accept, approved_assessment, make_referral, save_plan
from tests.conftest import World, make_person


def bg(text: str) -> str:
    """A message as the pages show it (in Bulgarian, the interface's language)."""
    with translation.override("bg"):
        return translation.gettext(text)


@pytest.fixture
def martin(world: World) -> Person:
    return make_person(world.own, "Мартин", "Колев", middle_name="Стоянов")


@pytest.fixture
def case(world: World, martin: Person) -> Case:
    head, worker = world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER]
    return accept(make_referral(world.own, [martin], head), head, worker)


def page(world: World, case: Case, role: str = Role.SOCIAL_WORKER, **params: Any) -> Any:
    response = world.client_for(role).get(reverse("cases:case_detail", args=[case.pk]), params)
    assert response.status_code == 200
    return response


def done_task(world: World, case: Case, title: str, at: datetime.datetime | None = None) -> CaseTask:
    task = CaseTask.objects.create(
        service=world.own,
        case=case,
        kind=RuleCode.VIOLENCE_COORDINATION,
        title=title,
        due_at=timezone.now(),
        assigned_to=world.users[Role.SOCIAL_WORKER],
    )
    task_complete(
        task=task,
        by=world.users[Role.SOCIAL_WORKER],
        notified_whom="ОЗД Русе",
        notified_at=timezone.now(),
        notified_how="phone",
        note="",
    )
    if at is not None:
        CaseTask.objects.filter(pk=task.pk).update(done_at=at)
    return task


# --- The header and the tabs ---------------------------------------------------------------------------


def test_the_header_names_the_child_the_state_the_case_manager_and_what_is_due_next(world: World, case: Case) -> None:
    header = page(world, case).content.decode().split('<nav class="tabs"')[0]
    assert "Мартин Стоянов Колев" in header
    assert bg(str(CaseState.ACCEPTED.label)) in header
    assert str(world.users[Role.SOCIAL_WORKER]) in header
    # Accepted today: the needs assessment is due within the organisation's time limit.
    response = page(world, case)
    assert response.context["next_due"] is not None
    assert response.context["next_due"].title in header


def test_each_tab_is_an_address_of_its_own_and_shows_only_its_part(world: World, case: Case) -> None:
    overview = page(world, case).content.decode()
    assert f'href="/cases/{case.pk}/" aria-current="page"' in overview
    assert 'id="move"' in overview
    assert 'class="panel ws-tasks"' in overview

    documents = page(world, case, tab="documents").content.decode()
    assert 'class="panel ws-documents"' in documents
    assert 'class="panel ws-tasks"' not in documents
    assert 'id="move"' not in documents

    tasks = page(world, case, tab="tasks").content.decode()
    assert 'class="panel ws-tasks"' in tasks
    assert 'class="panel ws-documents"' not in tasks

    timeline = page(world, case, tab="timeline")
    assert 'class="panel case-timeline"' in timeline.content.decode()
    assert 'class="panel ws-tasks"' not in timeline.content.decode()
    assert f'href="/cases/{case.pk}/?tab=timeline" aria-current="page"' in timeline.content.decode()


def test_an_unknown_tab_shows_the_overview(world: World, case: Case) -> None:
    assert page(world, case, tab="<script>").context["tab"] == "overview"


# --- The timeline --------------------------------------------------------------------------------------


def test_the_timeline_shows_everything_newest_first(world: World, case: Case) -> None:
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    done_task(world, case, "Уведомяване на ОЗД")
    case_begin_assessment(case=case, by=worker)
    approved_assessment(case, worker, head)
    save_plan(case, worker)

    events = page(world, case, tab="timeline").context["timeline"].events

    kinds = [event.kind for event in events]
    assert kinds[0] == "document"  # the plan, begun last
    assert {"move", "task", "document"} <= set(kinds)
    assert [event.at for event in events] == sorted((event.at for event in events), reverse=True)
    assert events[-1].title == bg("The case was opened")


def test_the_timeline_is_paginated_and_each_page_holds_the_right_events(world: World, case: Case) -> None:
    base = timezone.now() - datetime.timedelta(days=30)
    CaseTransition.objects.filter(case=case).update(at=base - datetime.timedelta(days=1))
    for index in range(TIMELINE_PAGE + 5):
        done_task(world, case, f"Задача {index}", at=base + datetime.timedelta(hours=index))
    user = world.users[Role.SOCIAL_WORKER]

    first, second = timeline_page(case, user, 1), timeline_page(case, user, 2)

    assert len(first.events) == TIMELINE_PAGE
    assert first.has_next
    assert not second.has_next
    shown = [event.title for event in first.events + second.events]
    assert len(shown) == TIMELINE_PAGE + 5 + 1  # the tasks and the opening
    assert shown[0] == bg("Task done: %(task)s") % {"task": "Задача 24"}
    assert shown[-1] == bg("The case was opened")  # the oldest last
    assert len(set(shown)) == len(shown)


@pytest.mark.parametrize("events", [5, 50])
def test_the_timeline_costs_one_query_per_kind_of_event_however_many(world: World, case: Case, events: int) -> None:
    for index in range(events):
        done_task(world, case, f"Задача {index}")
    client = world.client_for(Role.SOCIAL_WORKER)
    url = reverse("cases:case_detail", args=[case.pk]) + "?tab=timeline"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert len(captured.captured_queries) <= 12


@pytest.mark.parametrize("tab", ["documents", "tasks"])
def test_the_other_tabs_keep_the_case_pages_budget(world: World, case: Case, tab: str) -> None:
    for index in range(50):
        done_task(world, case, f"Задача {index}")
    client = world.client_for(Role.SOCIAL_WORKER)
    url = reverse("cases:case_detail", args=[case.pk]) + f"?tab={tab}"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert len(captured.captured_queries) <= 12


# --- Each move its button; closing and reopening a page of their own -------------------------------------


def test_a_move_that_needs_nothing_more_is_one_button(world: World, case: Case) -> None:
    html = page(world, case, Role.HEAD).content.decode()
    assert re.search(r'<button type="submit" name="to" value="assessment"', html)
    assert f'href="/cases/{case.pk}/move/?to=closed"' in html
    assert 'name="reason"' not in html  # no field is asked before a move is chosen


def test_closing_asks_only_for_the_outcome_and_the_summary(world: World, case: Case) -> None:
    response = world.client_for(Role.HEAD).get(reverse("cases:case_transition", args=[case.pk]), {"to": "closed"})
    assert response.status_code == 200
    form = response.context["form"]
    assert [field.name for field in form.visible_fields()] == ["outcome", "reason"]


def test_closing_without_an_outcome_is_refused_on_its_page_and_keeps_the_summary(world: World, case: Case) -> None:
    response = world.client_for(Role.HEAD).post(
        reverse("cases:case_transition", args=[case.pk]), {"to": "closed", "reason": "Семейството се премести."}
    )
    assert response.status_code == 200
    assert response.templates[0].name == "cases/case_move.html"
    assert "outcome" in response.context["form"].errors
    assert "Семейството се премести." in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_reopening_asks_why_and_records_it_in_the_timeline(world: World, case: Case) -> None:
    head = world.users[Role.HEAD]
    case_close(case=case, by=head, reason="Целите постигнати.", outcome=CaseOutcome.GOALS_ACHIEVED)
    url = reverse("cases:case_transition", args=[case.pk])
    form = world.client_for(Role.HEAD).get(url, {"to": "reopened"}).context["form"]
    assert [field.name for field in form.visible_fields()] == ["reason", "override_reason"]

    response = world.client_for(Role.HEAD).post(url, {"to": "reopened", "reason": "Нов сигнал от училището."})

    assert response.status_code == 302
    events = page(world, case, Role.HEAD, tab="timeline").context["timeline"].events
    assert events[0].title == bg("The case was reopened")
    assert events[0].detail == "Нов сигнал от училището."
    assert events[1].title == bg("The case was closed: %(outcome)s") % {
        "outcome": bg(str(CaseOutcome.GOALS_ACHIEVED.label))
    }


def test_a_worker_who_may_not_close_gets_no_closing_page(world: World, case: Case) -> None:
    response = world.client_for(Role.SOCIAL_WORKER).get(
        reverse("cases:case_transition", args=[case.pk]), {"to": "closed"}
    )
    assert response.status_code == 200
    assert response.templates[0].name == "cases/case_detail.html"
    assert [state for state, _label in response.context["moves"]] == ["assessment"]
    assert 'name="outcome"' not in response.content.decode()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tab=st.text(max_size=40), number=st.text(max_size=40), to=st.text(max_size=40))
def test_junk_in_the_workspaces_addresses_never_breaks_it(
    world: World, case: Case, tab: str, number: str, to: str
) -> None:
    client = world.client_for(Role.HEAD)
    clean = {key: value.replace("\x00", "") for key, value in {"tab": tab, "page": number}.items()}
    assert client.get(reverse("cases:case_detail", args=[case.pk]), clean).status_code == 200
    answer = client.get(reverse("cases:case_transition", args=[case.pk]), {"to": to.replace("\x00", "")})
    assert answer.status_code == 200
