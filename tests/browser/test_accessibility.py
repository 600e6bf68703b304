"""Accessibility (axe-core) on the main pages, at desktop and phone size, and the phone layout.

axe is injected with ``page.evaluate``, which the page's Content Security Policy does not govern, so
the pages are checked exactly as served: no ``bypass_csp``.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pytest_playwright import CreateContextCallback

from opora.cases.casework.services import case_begin_assessment
from opora.organisation.models import ActivityType, Role, Service, ServiceKind
from tests.browser.conftest import DESKTOP, PHONE, PHONE_CONTEXT, bg, overflow, reauthenticate, sign_in
from tests.casework import accept, approved_assessment, make_referral, save_plan
from tests.conftest import World, make_person

BLOCKING = {"serious", "critical"}
AXE = Axe()
VIEWPORTS = {"desktop": {"viewport": DESKTOP}, "phone": PHONE_CONTEXT}


def blocking_violations(page: Page) -> list[str]:
    """The serious and critical axe violations on the page, one line per rule with the elements hit."""
    # The check every page gets on loading (conftest.AXE_WATCH) may still be running: axe runs one at a time.
    page.evaluate("() => window.__oporaAxeDone || true")
    results = AXE.run(page)
    assert "passes" in results.response, "axe did not run"
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS.keys())
def test_main_pages_have_no_serious_accessibility_violations(
    new_context: CreateContextCallback, site: str, world: World, viewport: str
) -> None:
    context = new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    report: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        report[name] = blocking_violations(page)

    page.goto(f"{site}/accounts/login/")
    check("login")
    page.locator("input[name=login]").fill("administrator")
    page.locator("input[name=password]").fill("not the password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .form-errors")).to_be_visible()
    check("login with an error")

    sign_in(context, site, world.users[Role.ADMINISTRATOR])
    page.goto(f"{site}/")
    expect(page.locator(".cards")).to_be_visible()
    check("ui:home")
    page.goto(f"{site}/services/")
    check("service list")
    page.goto(f"{site}/services/new/")
    check("service form")
    page.get_by_role("button", name=bg("Save")).click()
    expect(page.locator("#id_name_error")).to_be_visible()
    check("service form with errors")
    page.goto(f"{site}/staff/new/")
    expect(page).to_have_url(f"{site}/accounts/reauthenticate/?next=%2Fstaff%2Fnew%2F")
    check("re-authentication")
    reauthenticate(page)
    expect(page).to_have_url(f"{site}/staff/new/")
    check("staff form")
    page.goto(f"{site}/audit/changes/")
    expect(page.locator("main tbody tr").first).to_be_visible()
    check("audit trail")

    assert len(report) == 9
    problems = {name: found for name, found in report.items() if found}
    assert not problems, "\n".join(f"{name}:\n  " + "\n  ".join(found) for name, found in problems.items())


@pytest.mark.browser
def test_phone_layout_has_no_sideways_scrolling(new_context: CreateContextCallback, site: str, world: World) -> None:
    # A long name and a wide table are what push a phone layout sideways.
    Service.objects.create(
        organisation=world.organisation,
        name="Център за обществена подкрепа „Семейства, деца и младежи в риск“ — Русе",
        kind=ServiceKind.GENERAL_ACCESS,
        municipality="Русе",
        capacity=120,
    )
    context = new_context(**PHONE_CONTEXT)
    page = context.new_page()
    sign_in(context, site, world.users[Role.ADMINISTRATOR])

    page.goto(f"{site}/")
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    assert overflow(page) <= 0
    # The menu is folded behind its button, which opens it; then every item of the main menu (and the
    # header's buttons) is on the screen, not beyond its edge.
    links = page.locator("#sidebar nav a")
    expect(links).to_have_count(15)
    for link in links.all():
        expect(link).to_be_hidden()
    toggle = page.get_by_role("button", name=bg("Menu"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    links = page.get_by_role("navigation", name=bg("Main menu")).get_by_role("link")
    expect(links).to_have_count(15)
    assert overflow(page) <= 0
    header_items = [*links.all(), page.locator(".language button"), page.locator(".logout button")]
    for item in header_items:
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box is not None
        assert box["x"] >= 0, f"{item.inner_text()} starts off screen"
        assert box["x"] + box["width"] <= PHONE["width"], f"{item.inner_text()} ends off screen"

    for path in ("/services/", "/staff/", "/audit/changes/", "/referrals/", "/cases/"):
        page.goto(f"{site}{path}")
        expect(page.locator("main table")).to_be_visible()
        assert overflow(page) <= 0, f"{path} scrolls sideways on a phone"
        # A table too wide for the screen scrolls inside its own box, which the keyboard can reach.
        wrap = page.locator(".table-wrap")
        expect(wrap).to_have_attribute("tabindex", "0")
        assert wrap.evaluate("element => element.getBoundingClientRect().right") <= PHONE["width"]


@pytest.mark.browser
def test_on_a_phone_tables_are_cards_and_the_plan_fits(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    child = make_person(world.own, "Мартин", "Колев")
    case = accept(make_referral(world.own, [child], worker), head, worker)
    case_begin_assessment(case=case, by=worker)
    approved_assessment(case, worker, head)
    plan = save_plan(case, worker)
    context = new_context(**PHONE_CONTEXT)
    page = context.new_page()
    sign_in(context, site, worker)

    page.goto(f"{site}/people/")
    row = page.locator("main tbody tr").first
    # No column is cut off: the header row is out of sight and every cell names its column above its value.
    expect(page.locator("main thead")).not_to_be_in_viewport()
    for cell in row.locator("td").all():
        label = cell.get_attribute("data-label")
        assert label, "a cell without its column's name"
        shown = cell.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert shown == f'"{label}"'
        box = cell.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    assert overflow(page) <= 0

    # The plan page was 589px wide on a 390px screen (its activity tables).
    for path in (f"/plans/{plan.pk}/", f"/cases/{case.pk}/", f"/cases/{case.pk}/plan/", "/my-tasks/"):
        page.goto(f"{site}{path}")
        expect(page.locator("main h1")).to_be_visible()
        assert overflow(page) <= 0, f"{path} scrolls sideways on a phone"


@pytest.mark.browser
def test_without_script_the_phone_menu_stays_open_and_toasts_have_no_dead_button(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    context = new_context(**PHONE_CONTEXT, java_script_enabled=False)
    page = context.new_page()
    sign_in(context, site, world.users[Role.ADMINISTRATOR])
    page.goto(f"{site}/services/new/")
    page.locator("#id_name").fill("Дневен център Русе")
    page.locator("#id_kind").select_option(ServiceKind.GENERAL_ACCESS.value)
    page.get_by_label(bg(ActivityType.DAY_CARE.label)).check()
    page.locator("#id_municipality").fill("Русе")
    page.locator("#id_capacity").fill("25")
    page.get_by_role("button", name=bg("Save")).click()

    expect(page.locator("main .messages")).to_have_text(bg("The service has been saved."))
    # shell.js shows the close button; without it there is nothing to press that would do nothing.
    expect(page.locator("main .message-close")).to_be_hidden()
    # The menu button needs the script too: without it there is no button and the menu is simply there.
    expect(page.locator("[data-menu-toggle]")).to_be_hidden()
    links = page.get_by_role("navigation", name=bg("Main menu")).get_by_role("link")
    expect(links).to_have_count(15)
    expect(links.first).to_be_visible()
    assert overflow(page) <= 0
