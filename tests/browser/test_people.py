"""A social worker's day in the people register, in the browser: registering a child after a typo in the
ЕГН, adding his mother and their household, and the family page; with axe and the CSP watching."""

import datetime
import random
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_playwright import CreateContextCallback

from opora.core.identifiers import fake_egn
from opora.organisation.models import Role
from opora.people.models import Person, RelationshipKind
from opora.people.services import relationship_add
from opora.places.ekatte import load_shipped_extract
from tests.browser.conftest import DESKTOP, bg, pick, sign_in
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_csp import csp_errors
from tests.conftest import World, make_person

DESKTOP_CONTEXT: dict[str, Any] = {"viewport": DESKTOP}
BIRTH_DATE = datetime.date(2018, 3, 9)
EGN = fake_egn(BIRTH_DATE, "male", random.Random(11))


@pytest.mark.browser
def test_a_social_worker_registers_a_child_after_a_typo_in_the_egn(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    load_shipped_extract()
    context = new_context(**DESKTOP_CONTEXT)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(context, site, world.users[Role.SOCIAL_WORKER])
    violations: dict[str, list[str]] = {}

    page.goto(f"{site}/people/")
    page.get_by_role("link", name=bg("Register a person")).click()
    expect(page.locator("#id_service")).to_have_value(str(world.own.pk))  # her only service, preselected
    page.locator("#id_first_name").fill("Мартин")
    page.locator("#id_middle_name").fill("Стоянов")
    page.locator("#id_last_name").fill("Колев")
    typo = EGN[:9] + str((int(EGN[9]) + 1) % 10)
    page.locator("#id_identifier").fill(typo)
    page.locator("#id_settlement").select_option(label="гр. Русе (Русе)")
    page.locator("#id_address").fill("ж.к. „Дружба“ 3, бл. 12")
    page.locator("#id_phone").fill("0888 123 456")
    page.get_by_role("button", name=bg("Register")).click()

    # The error is next to the number; everything else she typed is still there.
    expect(page.locator("#id_identifier_error")).to_be_visible()
    expect(page.locator("#id_first_name")).to_have_value("Мартин")
    expect(page.locator("#id_address")).to_have_value("ж.к. „Дружба“ 3, бл. 12")
    expect(page.locator("#id_phone")).to_have_value("0888 123 456")
    expect(page.locator("#id_identifier")).to_have_value(typo)
    violations["form with an error"] = blocking_violations(page)

    page.locator("#id_identifier").fill(EGN)
    page.get_by_role("button", name=bg("Register")).click()

    expect(page.locator("main h1")).to_have_text("Мартин Стоянов Колев")
    expect(page.locator("main .facts")).to_contain_text(EGN)  # a social worker sees the full ЕГН
    expect(page.locator("main .facts")).to_contain_text("Martin Stoyanov Kolev")
    expect(page.locator("main .facts")).to_contain_text("09.03.2018")
    violations["person page"] = blocking_violations(page)
    martin = Person.objects.get(last_name="Колев")
    assert martin.birth_date == BIRTH_DATE

    # His mother, already registered, becomes his "mother" relation.
    make_person(world.own, "Петя", "Колева", kind="parent", sex="female", birth_date=datetime.date(1990, 1, 2))
    page.get_by_role("link", name=bg("Add a relation")).click()
    pick(page, "id_other", "koleva", "Петя Колева")
    page.locator("#id_kind").select_option(RelationshipKind.MOTHER)
    page.get_by_role("button", name=bg("Add")).click()
    expect(page.locator("main table").first).to_contain_text("Петя Колева")

    page.get_by_role("link", name=bg("Family page")).click()
    expect(page.locator("main")).to_contain_text("Петя Колева")
    violations["family page"] = blocking_violations(page)
    page.goto(f"{site}/people/")
    violations["list"] = blocking_violations(page)

    assert csp_errors(errors) == []
    assert not {name: found for name, found in violations.items() if found}, violations


@pytest.mark.browser
def test_a_psychologist_sees_the_egn_masked(new_context: CreateContextCallback, site: str, world: World) -> None:
    martin = make_person(world.own, "Мартин", "Колев", birth_date=BIRTH_DATE)
    relationship_add(
        person=martin,
        relative=make_person(world.own, "Петя", "Колева", sex="female"),
        kind=RelationshipKind.MOTHER,
        by=world.users[Role.ADMINISTRATOR],
    )
    context = new_context(**DESKTOP_CONTEXT)
    page: Page = context.new_page()
    sign_in(context, site, world.users[Role.PSYCHOLOGIST])

    page.goto(f"{site}/people/{martin.pk}/")

    facts = page.locator("main .facts")
    expect(facts).to_contain_text(martin.identifier[:6] + "••••")
    expect(facts).not_to_contain_text(martin.identifier)
