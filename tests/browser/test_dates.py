"""A US browser (Chromium started with ``--lang=en-US``, asking for American English pages) shows and takes dates
the Bulgarian way on the person form: дд.мм.гггг in a text box with the numeric keypad, never the browser's
own mm/dd/yyyy picker; a day that does not exist is refused next to the field and kept as typed."""

import datetime
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from opora.organisation.models import Role
from opora.people.models import Person
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, sign_in
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_csp import csp_errors
from tests.conftest import World


@pytest.fixture
def us_browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, "--lang=en-US"])
    yield browser
    browser.close()


def submit(page: Page) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()


@pytest.mark.browser
def test_a_us_browser_shows_and_takes_bulgarian_dates_on_the_person_form(
    us_browser: Browser, site: str, world: World
) -> None:
    context = us_browser.new_context(
        viewport={"width": DESKTOP["width"], "height": DESKTOP["height"]},
        locale="en-US",
        timezone_id="America/New_York",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(context, site, world.users[Role.SOCIAL_WORKER])

    page.goto(f"{site}/people/new/")
    assert page.evaluate("navigator.language") == "en-US"
    birth = page.locator("#id_birth_date")
    expect(birth).to_have_attribute("type", "text")
    expect(birth).to_have_attribute("inputmode", "numeric")
    expect(birth).to_have_attribute("placeholder", "dd.mm.yyyy")  # the English interface's letters
    violations = {"form": blocking_violations(page)}

    page.locator("#id_service").select_option(str(world.own.pk))
    page.locator("#id_first_name").fill("Ясен")
    page.locator("#id_middle_name").fill("Петров")
    page.locator("#id_last_name").fill("Датов")
    page.locator("#id_identity_kind").select_option("none")
    page.locator("#id_no_identifier_reason").fill("Не е посочено в направлението")
    birth.press_sequentially("31.02.2015")
    submit(page)

    expect(page.locator("#id_birth_date_error")).to_contain_text("31.02.2015")
    expect(page.locator("#id_birth_date_error")).to_contain_text("February 2015 has 28 days")
    expect(page.locator("#id_birth_date")).to_have_value("31.02.2015")
    expect(page.locator("#id_first_name")).to_have_value("Ясен")
    violations["form with an error"] = blocking_violations(page)
    assert not Person.objects.filter(last_name="Датов").exists()

    page.locator("#id_birth_date").fill("")
    page.locator("#id_birth_date").press_sequentially("4.12.2015")
    submit(page)

    person = Person.objects.get(last_name="Датов")
    assert person.birth_date == datetime.date(2015, 12, 4)
    assert page.url.rstrip("/").endswith(f"/people/{person.pk}")
    expect(page.locator("main")).to_contain_text("04.12.2015")
    expect(page.locator("main")).not_to_contain_text("12/04/2015")

    page.goto(f"{site}/people/{person.pk}/edit/")
    expect(page.locator("#id_birth_date")).to_have_value("04.12.2015")
    assert {name: found for name, found in violations.items() if found} == {}
    assert csp_errors(errors) == []
    context.close()
