"""The plan editor in the browser: a worker adds a goal and an activity in place, removes one activity, and
saves; everything she did not remove is kept. With the CSP watching (htmx swaps, no inline script)."""

from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_playwright import CreateContextCallback

from opora.cases.casework.services import case_begin_assessment
from opora.cases.planning.models import SupportPlan
from opora.cases.planning.services import ActivityData
from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, bg, sign_in
from tests.browser.test_csp import csp_errors
from tests.casework import a_goal, accept, approved_assessment, make_referral, save_plan
from tests.conftest import World, make_person

DESKTOP_CONTEXT: dict[str, Any] = {"viewport": DESKTOP}


@pytest.mark.browser
def test_a_worker_adds_a_goal_and_an_activity_removes_one_and_everything_else_is_kept(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    martin = make_person(world.own, "Мартин", "Колев")
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    case = accept(make_referral(world.own, [martin], worker), head, worker)
    case_begin_assessment(case=case, by=worker)
    approved_assessment(case, worker, head)
    goal = a_goal()
    goal.activities.append(
        ActivityData(
            what="Среща с родителите", frequency="месечно", starts_on=goal.activities[0].starts_on, partner="Читалището"
        )
    )
    save_plan(case, worker, goals=[goal])
    errors: list[str] = []
    context = new_context(**DESKTOP_CONTEXT)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(context, site, worker)
    page.goto(f"{site}/cases/{case.pk}/plan/")
    page.locator("#id_contract_number").fill("Д-42")

    page.get_by_role("button", name=bg("Add a goal")).click()
    expect(page.locator("#id_goals-2-text")).to_be_visible()
    page.locator("#id_goals-1-text").fill("Спокойни вечери у дома")
    page.locator("#id_goals-1-expected_results").fill("Без викане.")
    page.locator("#id_goals-1-needs_0").check()

    page.get_by_role("button", name=bg("Add an activity")).click()
    expect(page.locator("#id_activities-4-what")).to_be_visible()
    page.locator("#id_activities-2-goal").select_option("2")
    page.locator("#id_activities-2-what").fill("Семейна консултация")
    page.locator("#id_activities-2-partner").fill("Психолог")
    page.locator("#id_activities-2-frequency").fill("седмично")
    page.locator("#id_activities-2-starts_on").fill("2026-01-15")

    page.get_by_role("button", name=bg("Remove activity %(number)s") % {"number": 2}).click()
    expect(page.get_by_role("button", name=bg("Keep activity %(number)s") % {"number": 2})).to_be_visible()
    # What was typed before the swaps is still on the screen.
    expect(page.locator("#id_goals-1-text")).to_have_value("Спокойни вечери у дома")
    expect(page.locator("#id_contract_number")).to_have_value("Д-42")
    page.get_by_role("button", name=bg("Save")).click()

    plan = SupportPlan.objects.get(case=case)
    expect(page).to_have_url(f"{site}/plans/{plan.pk}/")
    plan.refresh_from_db()
    assert plan.contract_number == "Д-42"
    kept: list[tuple[str, list[Any]]] = [
        (saved.text, [activity.what for activity in saved.activities.order_by("pk")])
        for saved in plan.goals.order_by("position")
    ]
    assert kept == [
        ("Редовно посещение на училище", ["Консултация"]),
        ("Спокойни вечери у дома", ["Семейна консултация"]),
    ]
    assert csp_errors(errors) == []
