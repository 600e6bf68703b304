"""Scenario 1 in the browser: registering Мартин again, Ралица (head of service) is told that a child of
another service matches; she links him to her service with a reason, and the referral form then offers
him, while nothing of the other service's case is shown. With axe and the CSP watching."""

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_playwright import CreateContextCallback

from opora.cases.intake.models import PersonLink
from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, bg, sign_in
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_csp import csp_errors
from tests.casework import accept, make_referral
from tests.conftest import World, make_person, make_user

DESKTOP_CONTEXT: dict[str, Any] = {"viewport": DESKTOP}


@pytest.mark.browser
def test_the_head_links_a_child_registered_by_another_service(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    other_head = make_user("otherhead", world.organisation, Role.HEAD, world.other)
    martin = make_person(world.other, "Мартин", "Колов", middle_name="Стоянов", birth_date=datetime.date(2018, 1, 10))
    assert world.outsider is not None
    other_case = accept(
        make_referral(world.other, [martin], other_head, home_municipality="Хисаря"), other_head, world.outsider
    )
    context = new_context(**DESKTOP_CONTEXT)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(context, site, world.users[Role.HEAD])

    page.goto(f"{site}/people/new/")
    page.locator("#id_service").select_option(str(world.own.pk))
    page.locator("#id_first_name").fill("Мартин")
    page.locator("#id_middle_name").fill("Стоянов")
    page.locator("#id_last_name").fill("Колев")
    page.locator("#id_identity_kind").select_option("none")
    page.locator("#id_no_identifier_reason").fill("Не е посочено в направлението")
    page.locator("#id_birth_date").fill("2018-01-10")
    page.get_by_role("button", name=bg("Register")).click()

    candidates = page.locator(".candidates")
    expect(candidates).to_contain_text(world.other.name)
    expect(candidates).not_to_contain_text("Колов")
    page.get_by_role("link", name=bg("Link this person to my service")).click()
    violations = {"link page": blocking_violations(page)}
    page.get_by_role("button", name=bg("Link to my service")).click()
    expect(page.locator("#id_reason_error")).to_be_visible()  # a link needs its reason
    page.locator("#id_reason").fill("Същото дете: име, дата на раждане и адрес от направлението.")
    page.get_by_role("button", name=bg("Link to my service")).click()

    # The referral form, with Мартин chosen: the referral is about him, not about a second record.
    expect(page.locator("main h1")).to_have_text(bg("Record a referral"))
    expect(page.locator("[data-picker][data-id=id_people] .chip")).to_contain_text("Мартин Стоянов Колов")
    assert PersonLink.objects.filter(person=martin, service=world.own).exists()
    page.goto(f"{site}/cases/{other_case.pk}/")
    expect(page.locator("main")).not_to_contain_text("Мартин")
    assert {name: found for name, found in violations.items() if found} == {}
    assert csp_errors(errors) == []
