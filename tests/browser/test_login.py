"""Logging in, the language switch and the lockout, in the real browser."""

import pytest
from playwright.sync_api import Page, expect

from opora.organisation.models import Role
from tests.browser.conftest import bg, log_in_through_form, submit_login
from tests.conftest import World

# allauth's own message, the same whether the username exists or not (ACCOUNT_PREVENT_ENUMERATION).
BAD_LOGIN = "The username and/or password you specified are not correct."


@pytest.mark.browser
def test_log_in_on_the_bulgarian_page_and_see_my_roles(page: Page, site: str, world: World) -> None:
    page.goto(f"{site}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "bg")
    expect(page).to_have_title(f"{bg('Log in')} · Opora")
    # The field labels come from allauth's Bulgarian catalogue.
    expect(page.get_by_label("Потребителско име")).to_be_visible()
    expect(page.get_by_label("Парола", exact=False).first).to_be_visible()

    log_in_through_form(page, site, "head")

    expect(page).to_have_url(f"{site}/")
    head = world.users[Role.HEAD]
    expect(page.get_by_role("heading", level=1)).to_contain_text(head.get_full_name())
    expect(page.locator(".lead")).to_have_text(world.organisation.name)
    card = page.locator(".cards .card")
    expect(card).to_have_count(1)
    expect(card.locator("strong")).to_have_text(bg(Role.HEAD.label))
    expect(card.get_by_role("link", name=world.own.name)).to_have_attribute("href", f"/services/{world.own.pk}/")
    # The header names who is logged in, and the menu offers what a head of service may open.
    expect(page.locator(".who")).to_have_text(head.get_full_name())
    menu = page.get_by_role("navigation", name=bg("Main menu"))
    expect(menu.get_by_role("link", name=bg("Services"), exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name=bg("Audit trail"))).to_have_count(0)


@pytest.mark.browser
def test_organisation_administrator_sees_the_organisation_wide_role(page: Page, site: str, world: World) -> None:
    log_in_through_form(page, site, "administrator")

    card = page.locator(".cards .card")
    expect(card).to_have_count(1)
    expect(card.locator("strong")).to_have_text(bg(Role.ADMINISTRATOR.label))
    expect(card).to_contain_text(bg("Whole organisation"))
    menu = page.get_by_role("navigation", name=bg("Main menu"))
    expect(menu.get_by_role("link", name=bg("Audit trail"))).to_be_visible()


@pytest.mark.browser
def test_a_wrong_password_does_not_tell_whether_the_user_exists(page: Page, site: str, world: World) -> None:
    shown = {}
    for username in ("social_worker", "nobody-by-this-name"):
        status = submit_login(page, site, username, "not the password at all")
        assert status == 200
        expect(page).to_have_url(f"{site}/accounts/login/")
        error = page.locator("main .form-errors[role=alert]")
        expect(error).to_have_text(bg(BAD_LOGIN))
        assert username not in error.inner_text()
        # Nothing on the field itself hints at which half was wrong.
        expect(page.locator("main .errorlist:not(.nonfield)")).to_have_count(0)
        shown[username] = page.locator("main").inner_text().replace(username, "<name>")

    assert shown["social_worker"] == shown["nobody-by-this-name"]
    page.goto(f"{site}/")
    expect(page).to_have_url(f"{site}/accounts/login/?next=/")


@pytest.mark.browser
def test_switch_the_language_to_english_and_back(page: Page, site: str, world: World) -> None:
    html = page.locator("html")
    page.goto(f"{site}/accounts/login/")
    expect(html).to_have_attribute("lang", "bg")
    to_english = page.get_by_role("button", name="English", exact=True)
    expect(to_english).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Български")).to_have_count(0)

    to_english.click()

    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{site}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Потребителско име")).to_have_count(0)
    expect(page.get_by_role("button", name="English", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Български")).to_have_attribute("lang", "bg")

    # The choice is remembered: after logging in the pages stay English.
    log_in_through_form(page, site, "administrator")
    expect(html).to_have_attribute("lang", "en")
    # The start page has its panels (issue 9); the roles panel is one of them.
    expect(page.get_by_role("heading", level=2, name="My roles")).to_be_visible()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Services", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Services")

    page.get_by_role("button", name="Български").click()

    # Back on the same page, in Bulgarian.
    expect(html).to_have_attribute("lang", "bg")
    expect(page).to_have_url(f"{site}/services/")
    expect(page.get_by_role("heading", level=1)).to_have_text(bg("Services"))
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()
    page.goto(f"{site}/")
    expect(html).to_have_attribute("lang", "bg")
    expect(page.get_by_role("heading", level=2, name=bg("My roles"))).to_be_visible()


def lockout_page_text(page: Page) -> str:
    expect(page.get_by_role("heading", level=1)).to_have_text(bg("Too many attempts"))
    alert = page.locator("main [role=alert]")
    expect(alert).to_contain_text("15")
    return page.locator("main").inner_text()


@pytest.mark.browser
@pytest.mark.parametrize("username", ["social_worker", "nobody-by-this-name"], ids=["existing", "unknown"])
def test_five_wrong_passwords_lock_the_username_out(page: Page, site: str, world: World, username: str) -> None:
    for _ in range(4):
        assert submit_login(page, site, username, "a wrong password") == 200
        expect(page.locator("main .form-errors")).to_have_text(bg(BAD_LOGIN))

    # The fifth failure reaches the limit: the lockout page, with 429 Too Many Requests.
    assert submit_login(page, site, username, "a wrong password") == 429
    fifth = lockout_page_text(page)

    # Even the right password is refused now, with the same page.
    assert submit_login(page, site, username) == 429
    assert lockout_page_text(page) == fifth
    assert username not in fifth
    page.goto(f"{site}/")
    expect(page).to_have_url(f"{site}/accounts/login/?next=/")

    # The lock is on this username from this address, not on the address: a colleague still gets in.
    log_in_through_form(page, site, "head")
    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.users[Role.HEAD].get_full_name())


@pytest.mark.browser
def test_the_lockout_page_is_the_same_for_an_existing_and_an_unknown_username(
    page: Page, site: str, world: World
) -> None:
    pages = {}
    for username in ("psychologist", "nobody-by-this-name"):
        for _ in range(5):
            submit_login(page, site, username, "a wrong password")
        assert submit_login(page, site, username, "a wrong password") == 429
        pages[username] = lockout_page_text(page)
    assert pages["psychologist"] == pages["nobody-by-this-name"]
