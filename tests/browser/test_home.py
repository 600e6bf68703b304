"""The start page per role in the browser (issue 9): the worker's caseload and due dates on a desktop, a count
followed to the list it stands for; the head's services on a phone, nothing scrolling sideways. Axe watches
every page (tests/browser/conftest.py)."""

import pytest
from playwright.sync_api import expect
from pytest_playwright import CreateContextCallback

from opora.cases.casework.models import CaseState
from opora.cases.intake.services import referral_waitlist
from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, PHONE_CONTEXT, bg, overflow, sign_in
from tests.casework import accept, make_referral
from tests.conftest import World, make_person


@pytest.mark.browser
def test_the_start_page_shows_each_role_its_figures_and_a_count_leads_to_its_list(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    martin = make_person(world.own, "Мартин", "Колев")
    accept(make_referral(world.own, [martin], head), head, worker)
    ivan = make_person(world.own, "Иван", "Петров")
    accept(make_referral(world.own, [ivan], head), head, head, override_reason="Спешно")  # not the worker's
    waiting = make_person(world.own, "Петя", "Стоянова", sex="female")
    referral_waitlist(referral=make_referral(world.own, [waiting], head), by=head)

    desktop = new_context(viewport=DESKTOP)
    page = desktop.new_page()
    sign_in(desktop, site, worker)
    page.goto(f"{site}/")
    caseload = page.locator("section.panel", has=page.get_by_role("heading", name=bg("My caseload")))
    expect(caseload).to_be_visible()
    expect(page.locator("section.panel", has=page.get_by_role("heading", name=bg("My due dates")))).to_be_visible()
    accepted = caseload.locator("a.stat", has_text=bg(CaseState.ACCEPTED.label))
    expect(accepted.locator(".stat-number")).to_have_text("1")
    accepted.click()
    page.wait_for_url("**/cases/?state=accepted&mine=1")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Мартин")
    expect(page.locator("#cases-mine")).to_be_checked()

    phone = new_context(**PHONE_CONTEXT)
    page = phone.new_page()
    sign_in(phone, site, head)
    page.goto(f"{site}/")
    services = page.locator("section.panel", has=page.get_by_role("heading", name=bg("The services you head")))
    expect(services).to_be_visible()
    expect(services.locator("tbody tr")).to_have_count(1)
    expect(services.locator("td").nth(2)).to_have_text("1")  # one on the waiting list
    assert overflow(page) <= 0

    phone = new_context(**PHONE_CONTEXT)
    page = phone.new_page()
    sign_in(phone, site, world.users[Role.ADMINISTRATOR])
    page.goto(f"{site}/")
    organisation = page.locator(
        "section.panel", has=page.get_by_role("heading", name=bg("The services of the organisation"))
    )
    expect(organisation.locator("tbody tr")).to_have_count(2)
    expect(organisation).to_contain_text(world.other.name)
    assert overflow(page) <= 0
