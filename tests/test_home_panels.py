"""The start page per role (issue 9): a worker's caseload and due dates, a head's services, the administrator's
organisation side by side; each count links to a list that shows exactly those rows."""

import datetime
from typing import Any

from django.test import Client
from django.urls import reverse

from opora.cases.casework.models import Case, CaseState, CaseTask
from opora.cases.casework.services import case_begin_assessment
from opora.cases.intake.services import referral_waitlist
from opora.deadlines.rules import RuleCode
from opora.organisation.models import Organisation, Role, ServiceKind
from tests.casework import accept, make_referral
from tests.conftest import Clock, World, make_person, make_service, make_user


def home_panels(client: Client) -> dict[str, Any]:
    """The panels of the start page, by template: each one's context."""
    response = client.get(reverse("ui:home"))
    assert response.status_code == 200
    return {item["template"]: item["context"] for item in response.context["panels"]}


def listed(client: Client, url: str) -> list[Any]:
    """The rows a list page shows (cases, or due items)."""
    response = client.get(url)
    assert response.status_code == 200
    if "page" in response.context and "rows" not in response.context:
        return list(response.context["page"])
    return [row.item for row in response.context["rows"]]


def a_case(world: World, name: str, manager: Any, service: Any = None) -> Case:
    service = service or world.own
    head = world.users[Role.HEAD] if service == world.own else world.users[Role.ADMINISTRATOR]
    person = make_person(service, name, "Колев")
    return accept(make_referral(service, [person], head), head, manager, override_reason="Спешно")


def test_a_worker_sees_her_own_open_cases_by_state_and_each_count_lists_them(world: World) -> None:
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    colleague = make_user("colleague", world.organisation, Role.SOCIAL_WORKER, world.own)
    accepted = a_case(world, "Иван", worker)
    assessed = a_case(world, "Петър", worker)
    case_begin_assessment(case=assessed, by=worker)
    on_team = a_case(world, "Георги", colleague)
    on_team.team.add(worker)
    a_case(world, "Стоян", colleague)  # not hers
    a_case(world, "Христо", head)  # not hers

    panel = home_panels(world.client_for(Role.SOCIAL_WORKER))["cases/_home_caseload.html"]

    assert panel["total"] == 3
    by_state = {str(state["label"]): state for state in panel["states"]}
    assert {label: state["count"] for label, state in by_state.items()} == {
        str(CaseState.ACCEPTED.label): 2,
        str(CaseState.ASSESSMENT.label): 1,
    }
    client = world.client_for(Role.SOCIAL_WORKER)
    assert set(listed(client, by_state[str(CaseState.ACCEPTED.label)]["url"])) == {accepted, on_team}
    assert listed(client, by_state[str(CaseState.ASSESSMENT.label)]["url"]) == [assessed]
    assert set(listed(client, panel["url"])) == {accepted, assessed, on_team}


def test_who_has_no_open_case_of_her_own_has_no_caseload(world: World) -> None:
    a_case(world, "Иван", world.users[Role.SOCIAL_WORKER])
    assert "cases/_home_caseload.html" not in home_panels(world.client_for(Role.PSYCHOLOGIST))
    assert "cases/_home_caseload.html" not in home_panels(world.client_for(Role.ADMINISTRATOR))


def test_a_worker_sees_what_is_due_this_week_and_what_is_overdue(world: World, clock: Clock) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    case = a_case(world, "Иван", worker)  # the assessment and the plan are due in 20 days
    colleague = make_user("colleague", world.organisation, Role.SOCIAL_WORKER, world.own)
    for title, hours, whose in (("Утре", 24, worker), ("Следващата седмица", 24 * 8, worker), ("Чужда", 24, colleague)):
        CaseTask.objects.create(
            service=world.own,
            case=case if whose == worker else None,
            kind=RuleCode.VIOLENCE_COORDINATION,
            title=title,
            due_at=clock.now + datetime.timedelta(hours=hours),
            assigned_to=whose,
        )
    client = world.client_for(Role.SOCIAL_WORKER)
    panel = home_panels(client)["deadlines/_home_due.html"]
    assert (panel["week"], panel["overdue"]) == (1, 0)
    assert [item.title for item in listed(client, panel["week_url"])] == ["Утре"]

    clock.advance(days=25)  # the tasks, the assessment and the plan are past their time
    client = world.client_for(Role.SOCIAL_WORKER)  # signed in again: the session has ended meanwhile
    panel = home_panels(client)["deadlines/_home_due.html"]
    assert (panel["week"], panel["overdue"]) == (0, 4)
    overdue = listed(client, panel["overdue_url"])
    assert len(overdue) == 4
    assert {item.case_id for item in overdue} == {case.pk}


def test_nothing_due_names_the_next_step(world: World) -> None:
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("ui:home"))
    assert response.context["panels"][0]["template"] == "deadlines/_home_due.html"
    content = response.content.decode()
    assert "Няма нищо със срок тази седмица и нищо просрочено." in content
    assert f'class="button" href="{reverse("deadlines:my_tasks")}"' in content


def waiting(world: World, service: Any, name: str, days: int, now: datetime.datetime) -> None:
    head = world.users[Role.HEAD] if service == world.own else world.users[Role.ADMINISTRATOR]
    person = make_person(service, name, "Колев")
    referral = make_referral(service, [person], head, received_at=now - datetime.timedelta(days=days, hours=1))
    referral_waitlist(referral=referral, by=head)


def test_a_head_sees_her_services_capacity_waiting_list_and_plans_late(world: World, clock: Clock) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    late = a_case(world, "Иван", worker)
    clock.advance(days=25)  # the plan of the first case is past its time limit
    a_case(world, "Петър", worker)  # in time
    a_case(world, "Стоян", world.outsider, service=world.other)  # another service's
    for name, days in (("Асен", 10), ("Борис", 40), ("Васил", 20), ("Гошо", 30)):
        waiting(world, world.own, name, days, clock.now)
    waiting(world, world.other, "Димо", 90, clock.now)

    client = world.client_for(Role.HEAD)
    panel = home_panels(client)["cases/_home_services.html"]
    assert not panel["organisation"]
    [row] = panel["rows"]
    assert row.service == world.own
    assert (row.in_use, row.service.capacity) == (2, 60)
    assert (row.waiting.length, row.waiting.longest_days, row.waiting.median_days) == (4, 40, 25)
    assert row.due is not None
    assert row.due.plans_late == 1

    assert set(listed(client, row.in_use_url)) == set(Case.objects.filter(services=world.own))
    plans = listed(client, row.due.plans_late_url)
    assert [(item.case_id, item.code) for item in plans] == [(late.pk, RuleCode.SUPPORT_PLAN)]
    page = client.get(row.waiting_url)
    assert [length for _service, _rows, length in page.context["lists"]] == [4]


def test_the_administrator_sees_every_service_of_the_organisation_and_no_other(world: World, clock: Clock) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    a_case(world, "Иван", worker)
    clock.advance(days=25)
    a_case(world, "Стоян", world.outsider, service=world.other)
    waiting(world, world.other, "Димо", 9, clock.now)
    elsewhere = Organisation.objects.create(name="Фондация „Другаде“", municipality="Варна")
    make_service(elsewhere, "ЦОП Варна", ServiceKind.SPECIALISED, "Варна", 9)

    client = world.client_for(Role.ADMINISTRATOR)
    panels = home_panels(client)
    assert "cases/_home_services.html" in panels
    panel = panels["cases/_home_services.html"]
    assert panel["organisation"]
    rows = {row.service: row for row in panel["rows"]}
    assert set(rows) == {world.own, world.other}
    own, other = rows[world.own], rows[world.other]
    assert (own.in_use, own.waiting.length, other.in_use, other.waiting.length) == (1, 0, 1, 1)
    assert own.due is not None
    assert other.due is not None
    # The first case's assessment and plan are past their time; the other's are not yet.
    assert (own.due.overdue, other.due.overdue) == (2, 0)
    assert {item.code for item in listed(client, own.due.overdue_url)} == {
        RuleCode.NEEDS_ASSESSMENT,
        RuleCode.SUPPORT_PLAN,
    }
    assert listed(client, other.due.overdue_url) == []
    assert [case.services.get() for case in listed(client, other.in_use_url)] == [world.other]
    content = client.get(reverse("ui:home")).content.decode()
    assert "ЦОП Варна" not in content
    assert reverse("organisation:service_detail", args=[world.own.pk]) in content
