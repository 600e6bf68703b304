"""The case as a workspace in the browser (issue 9), on a desk and on a phone: the head of service opens a
case, reads its header, moves through its tabs (each an address of its own), closes the case on the page that
asks only the outcome and the summary, reopens it with the reason, and finds both at the top of the timeline.
With axe watching every page."""

from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_playwright import CreateContextCallback

from opora.cases.casework.models import CaseOutcome, CaseState
from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, PHONE_CONTEXT, bg, overflow, sign_in
from tests.casework import accept, make_referral
from tests.conftest import World, make_person

VIEWPORTS: dict[str, dict[str, Any]] = {"desk": {"viewport": DESKTOP}, "phone": PHONE_CONTEXT}


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_head_works_a_case_through_its_tabs_closes_and_reopens_it(
    new_context: CreateContextCallback, site: str, world: World, viewport: str
) -> None:
    head, worker = world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER]
    martin = make_person(world.own, "Мартин", "Колев", middle_name="Стоянов")
    case = accept(make_referral(world.own, [martin], head), head, worker)
    context = new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    sign_in(context, site, head)
    page.goto(f"{site}/cases/{case.pk}/")

    header = page.locator("main .case-header")
    expect(header).to_contain_text("Мартин Стоянов Колев")
    expect(header).to_contain_text(str(worker))
    expect(header.locator(".case-next-due")).to_contain_text(bg("Next due:"))
    tabs = page.get_by_role("navigation", name=bg("The case"))
    expect(tabs.locator("[aria-current=page]")).to_have_text(bg("Overview"))
    assert overflow(page) <= 0

    tabs.get_by_role("link", name=bg("Tasks")).click()
    expect(page).to_have_url(f"{site}/cases/{case.pk}/?tab=tasks")
    expect(page.locator("main .ws-documents")).to_have_count(0)
    tabs.get_by_role("link", name=bg("Assessment and plan")).click()
    expect(page.locator("main .ws-documents")).to_be_visible()
    expect(page.locator("main .ws-tasks")).to_have_count(0)
    tabs.get_by_role("link", name=bg("Overview")).click()

    # Closing: its own page, asking the outcome and the summary only.
    page.get_by_role("link", name=bg("Close the case…")).click()
    expect(page.locator("main form .field")).to_have_count(2)
    page.get_by_label(bg("Outcome")).select_option(CaseOutcome.GOALS_ACHIEVED.value)
    page.get_by_label(bg("Summary of the work and why the case closes")).fill("Ходи редовно на училище.")
    assert overflow(page) <= 0
    page.get_by_role("button", name=bg("Close the case")).click()
    expect(page.locator("main .lead")).to_contain_text(bg(CaseState.CLOSED.label))

    # Reopening: why.
    page.get_by_role("link", name=bg("Reopen the case…")).click()
    expect(page.locator("main form").get_by_label(bg("Outcome"))).to_have_count(0)
    page.get_by_label(bg("Why the case reopens")).fill("Нов сигнал от училището.")
    page.get_by_role("button", name=bg("Reopen the case")).click()
    expect(page.locator("main .lead")).to_contain_text(bg(CaseState.REOPENED.label))

    page.get_by_role("navigation", name=bg("The case")).get_by_role("link", name=bg("Timeline")).click()
    events = page.locator("main .timeline-events > li")
    expect(events.first).to_contain_text(bg("The case was reopened"))
    expect(events.first).to_contain_text("Нов сигнал от училището.")
    expect(events.nth(1)).to_contain_text("Ходи редовно на училище.")
    expect(events.last).to_contain_text(bg("The case was opened"))
    assert overflow(page) <= 0
