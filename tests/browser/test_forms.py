"""A form that comes back with errors, in the browser: the summary at its top names each wrong field, the
focus is already on the first of them, and each link of the summary takes the focus to its field."""

import pytest
from playwright.sync_api import Page, expect

from opora.organisation.models import Role
from tests.browser.conftest import bg, sign_in, submit
from tests.browser.test_csp import csp_errors
from tests.conftest import World


def focused_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.id : ''"))


@pytest.mark.browser
def test_a_form_with_errors_sums_them_up_and_focuses_the_first_wrong_field(
    page: Page, site: str, world: World, console_errors: list[str]
) -> None:
    sign_in(page.context, site, world.users[Role.SOCIAL_WORKER])
    page.goto(f"{site}/referrals/new/")
    assert focused_id(page) == ""  # a fresh form takes nobody's focus

    assert submit(page, page.get_by_role("button", name=bg("Record"))) == 200

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text(bg("Please correct the fields marked below"))
    links = summary.locator("a[data-field]")
    assert links.count() >= 2
    targets = [links.nth(number).get_attribute("data-field") for number in range(links.count())]
    assert focused_id(page) == targets[0]
    assert page.locator(f"#{targets[0]}").get_attribute("aria-invalid") == "true"

    links.nth(1).click()
    assert focused_id(page) == targets[1]
    assert csp_errors(console_errors) == []


@pytest.mark.browser
def test_every_page_has_a_favicon_served_by_the_site(page: Page, site: str, world: World) -> None:
    page.goto(f"{site}/accounts/login/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon
    answer = page.request.get(f"{site}{icon}")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
