"""The header's search in the browser (issue 9): from any page, on a desk and on a phone, the social worker
types a name, sees the people, referrals and cases found in their groups, and goes to the case. With axe
watching every page."""

from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_playwright import CreateContextCallback

from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, PHONE_CONTEXT, bg, overflow, sign_in
from tests.casework import accept, make_referral
from tests.conftest import World, make_person

VIEWPORTS: dict[str, dict[str, Any]] = {"desk": {"viewport": DESKTOP}, "phone": PHONE_CONTEXT}


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_worker_finds_a_childs_case_from_the_header_of_any_page(
    new_context: CreateContextCallback, site: str, world: World, viewport: str
) -> None:
    head, worker = world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER]
    martin = make_person(world.own, "Мартин", "Колев", middle_name="Стоянов")
    case = accept(make_referral(world.own, [martin], head), head, worker)
    make_person(world.other, "Мартин", "Колев", egn=False)  # another service's: never found
    context = new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    sign_in(context, site, worker)

    page.goto(f"{site}/referrals/")
    box = page.get_by_role("searchbox", name=bg("Search people, referrals and cases by name, number or EGN"))
    expect(box).to_be_visible()
    assert overflow(page) <= 0
    box.fill("мартин колев")
    box.press("Enter")

    expect(page).to_have_url(f"{site}/search/?q=%D0%BC%D0%B0%D1%80%D1%82%D0%B8%D0%BD+%D0%BA%D0%BE%D0%BB%D0%B5%D0%B2")
    people = page.get_by_role("region", name=bg("People"))
    expect(people.get_by_role("link")).to_have_text(["Мартин Стоянов Колев"])
    expect(page.get_by_role("region", name=bg("Referrals")).get_by_role("link")).to_have_count(1)
    cases = page.get_by_role("region", name=bg("Cases"))
    expect(cases).to_contain_text(bg("Case manager: %(name)s") % {"name": str(worker)})
    assert overflow(page) <= 0
    cases.get_by_role("link").first.click()
    expect(page).to_have_url(f"{site}/cases/{case.pk}/")


@pytest.mark.browser
def test_a_search_that_finds_nothing_says_what_to_try(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    context = new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(context, site, world.users[Role.SOCIAL_WORKER])
    page.goto(f"{site}/")
    page.locator("#header-q").fill("Зззззз")
    page.get_by_role("button", name=bg("Search"), exact=True).click()
    expect(page.locator(".empty-state")).to_contain_text(bg("Nothing found."))
    expect(page.locator("#search-page-q")).to_have_value("Зззззз")
