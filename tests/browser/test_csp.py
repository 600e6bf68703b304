"""The strict Content Security Policy holds in the browser: no page (nor htmx) trips over it."""

import pytest
from playwright.sync_api import Page, expect

from opora.audit.context import acting_as
from opora.organisation.models import Direction, Programme, Role
from tests.browser.conftest import bg, log_in_through_form
from tests.conftest import World

AUDIT_PAGE_SIZE = 50


def csp_errors(messages: list[str]) -> list[str]:
    return [message for message in messages if "Content Security Policy" in message]


@pytest.mark.browser
def test_pages_and_htmx_run_without_csp_violations(
    page: Page, site: str, world: World, console_errors: list[str]
) -> None:
    # More changes than one page of the audit trail holds, so that htmx fetches the next page.
    with acting_as(world.users[Role.ADMINISTRATOR]):
        for number in range(AUDIT_PAGE_SIZE + 5):
            Programme.objects.create(
                organisation=world.organisation, name=f"Програма {number}", direction=Direction.CAMPAIGNS
            )

    page.goto(f"{site}/accounts/login/")
    log_in_through_form(page, site, "administrator")
    for path in ("/", "/services/", f"/services/{world.own.pk}/", "/programmes/", "/staff/", "/organisation/"):
        page.goto(f"{site}{path}")
        expect(page.locator("main h1")).to_be_visible()
    page.goto(f"{site}/services/new/")
    page.get_by_role("button", name=bg("Save")).click()
    expect(page.locator("#id_name_error")).to_be_visible()

    page.goto(f"{site}/audit/changes/")
    rows = page.locator("#rows > tr")
    expect(rows).to_have_count(AUDIT_PAGE_SIZE + 1)  # and the "show older entries" row
    page.wait_for_function("() => window.htmx !== undefined")
    with page.expect_request(lambda request: request.headers.get("hx-request") == "true"):
        page.get_by_role("link", name=bg("Show older entries")).click()
    # htmx swapped the older entries in place of the link: same page, more rows.
    page.wait_for_function("n => document.querySelectorAll('#rows > tr').length > n", arg=AUDIT_PAGE_SIZE + 1)
    expect(rows.filter(has_text="Програма 0")).to_have_count(1)
    expect(page).to_have_url(f"{site}/audit/changes/")

    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    assert csp_errors(console_errors) == []
    assert not [error for error in console_errors if error.startswith("uncaught")]

    # The collector does see a violation: an inline style, which the policy refuses.
    page.evaluate("() => document.head.insertAdjacentHTML('beforeend', '<style>body { color: red }</style>')")
    for _ in range(40):
        if csp_errors(console_errors):
            break
        page.wait_for_timeout(25)
    assert len(csp_errors(console_errors)) == 1
    assert page.evaluate("getComputedStyle(document.body).color") != "rgb(255, 0, 0)"
