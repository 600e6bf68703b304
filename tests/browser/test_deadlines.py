"""Deadlines in the browser (SCENARIOS 1 and 2): the social worker finds her case's due dates on its page and
under "My tasks", the child who came alone at the top, overdue; the day's notifications wait in the menu and
are marked read. With axe and the CSP watching."""

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_playwright import CreateContextCallback

from opora.deadlines.models import DeadlineRule
from opora.deadlines.services import notifications_send
from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, bg, sign_in
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_csp import csp_errors
from tests.casework import accept, make_referral
from tests.conftest import World, make_person

DESKTOP_CONTEXT: dict[str, Any] = {"viewport": DESKTOP}


@pytest.mark.browser
def test_a_social_worker_sees_what_is_due_and_reads_her_notifications(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    martin = make_person(world.own, "Мартин", "Колев")
    case = accept(make_referral(world.own, [martin], worker), head, worker)
    viktoria = make_person(world.own, "Виктория", "Маринова", sex="female", birth_date=datetime.date(2012, 2, 1))
    # Received three hours ago: past the grace of a task the law wants done at once.
    received = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(hours=3)
    make_referral(world.own, [viktoria], worker, kind="request", source="self", child_alone=True, received_at=received)
    notifications_send(now=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=1))
    context = new_context(**DESKTOP_CONTEXT)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(context, site, worker)
    violations: dict[str, list[str]] = {}

    page.goto(f"{site}/cases/{case.pk}/")
    expect(page.locator("#deadlines")).to_be_visible()
    expect(page.locator("main ul.deadlines")).to_contain_text(bg("Needs assessment"))
    violations["case page"] = blocking_violations(page)

    page.get_by_role("navigation").get_by_role("link", name=bg("My tasks")).click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(bg("overdue"))
    expect(rows.nth(1)).to_contain_text("Колев")
    violations["my tasks"] = blocking_violations(page)

    page.goto(f"{site}/overdue/")
    expect(page.locator("main table").first).to_contain_text(bg("overdue"))
    violations["deadlines:overdue"] = blocking_violations(page)

    page.get_by_role("navigation").get_by_role("link", name=bg("Notifications")).click()
    expect(page.locator("main ul.notifications li")).to_have_count(1)
    violations["notifications"] = blocking_violations(page)
    page.get_by_role("button", name=bg("Mark all as read")).click()
    expect(page.get_by_role("button", name=bg("Mark as read"))).to_have_count(0)
    expect(page.get_by_role("navigation").locator(".badge")).to_have_count(0)

    assert csp_errors(errors) == []
    assert not {name: found for name, found in violations.items() if found}, violations


@pytest.mark.browser
def test_the_administrator_changes_a_time_limit(new_context: CreateContextCallback, site: str, world: World) -> None:
    context = new_context(**DESKTOP_CONTEXT)
    page = context.new_page()
    sign_in(context, site, world.users[Role.ADMINISTRATOR])

    page.goto(f"{site}/")
    page.get_by_role("navigation").get_by_role("link", name=bg("Time limits")).click()
    assert blocking_violations(page) == []
    page.locator("#id_needs_assessment-amount").fill("0")
    page.get_by_role("button", name=bg("Save")).click()
    expect(page.locator("#id_needs_assessment-amount_error")).to_be_visible()
    assert blocking_violations(page) == []
    page.locator("#id_needs_assessment-amount").fill("15")
    page.get_by_role("button", name=bg("Save")).click()

    expect(page.locator("#id_needs_assessment-amount")).to_have_value("15")
    assert DeadlineRule.objects.get(organisation=world.organisation, code="needs_assessment").amount == 15
