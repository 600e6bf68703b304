"""The typeahead pickers in the browser (issue 9): the head of service picks the child and his mother into a
referral with the keyboard alone, on a desk and on a phone, and the chips survive a form sent back with an
error; a relation's other person is picked with a tap; the case team is changed by picking; and without
script the same forms work with the page's own "Find" and boxes to tick. With axe watching every page."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_playwright import CreateContextCallback

from opora.cases.intake.models import Referral
from opora.organisation.models import Role
from opora.people.models import PersonKind, Relationship
from tests.browser.conftest import DESKTOP, PHONE_CONTEXT, bg, chips, overflow, pick, sign_in
from tests.browser.test_csp import csp_errors
from tests.casework import accept, make_referral
from tests.conftest import World, make_person

VIEWPORTS: dict[str, dict[str, Any]] = {"desk": {"viewport": DESKTOP}, "phone": PHONE_CONTEXT}


def fill_the_rest_of_the_referral(page: Page, *, reasons: str) -> None:
    page.locator("#id_source").select_option("child_protection")
    page.locator("#id_referring_institution").fill("ОЗД към ДСП Русе")
    page.locator("#id_home_municipality").fill("Русе")
    page.locator("#id_preliminary_assessment").fill("Риск от отпадане от училище.")
    page.locator("#id_reasons").fill(reasons)


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_head_picks_two_people_into_a_referral_with_the_keyboard(
    new_context: CreateContextCallback, site: str, world: World, viewport: str
) -> None:
    martin = make_person(world.own, "Мартин", "Колев", middle_name="Стоянов")
    petya = make_person(world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female", egn=False)
    make_person(world.other, "Марта", "Колева", sex="female")  # another service's: never offered
    context = new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(context, site, world.users[Role.HEAD])
    page.goto(f"{site}/referrals/new/")

    # With script the page's own "Find" is not needed: the picker is the field.
    expect(page.locator("#referral-q")).to_be_hidden()
    expect(page.locator("[data-picker-options]")).to_be_hidden()
    box = page.locator("#id_people_search")
    expect(box).to_have_attribute("role", "combobox")
    box.press_sequentially("Ма", delay=30)
    listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
    expect(listbox.get_by_role("option")).to_have_text(["Мартин Стоянов Колев (2016)"])
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    assert chips(page, "id_people") == ["Мартин Стоянов Колев (2016)"]
    expect(box).to_have_value("")
    box.press_sequentially("Колева", delay=30)
    # The closest first: Колева before Колев, as the people list orders them.
    expect(listbox.get_by_role("option").first).to_have_text("Петя Колева (2016)")
    expect(listbox.get_by_role("option").nth(1)).to_have_class("is-chosen")  # Мартин, chosen already
    box.press("Enter")  # with none highlighted, the first one found
    assert chips(page, "id_people") == ["Мартин Стоянов Колев (2016)", "Петя Колева (2016)"]
    box.press("Backspace")  # an empty box: the last chip goes
    assert chips(page, "id_people") == ["Мартин Стоянов Колев (2016)"]
    box.press_sequentially("Петя", delay=30)
    listbox.get_by_role("option").first.click()
    assert overflow(page) <= 0

    # The reasons forgotten: the form comes back with both people still chosen.
    fill_the_rest_of_the_referral(page, reasons="")
    page.get_by_role("button", name=bg("Record")).click()
    expect(page.locator("#id_reasons_error")).to_be_visible()
    assert chips(page, "id_people") == ["Мартин Стоянов Колев (2016)", "Петя Колева (2016)"]
    page.locator("#id_reasons").fill("Отсъства от училище.")
    page.get_by_role("button", name=bg("Record")).click()

    expect(page.locator("main h1")).to_contain_text("ЦОП Русе")
    referral = Referral.objects.get()
    assert set(referral.people.all()) == {martin, petya}
    assert csp_errors(errors) == []


@pytest.mark.browser
def test_a_chip_is_removed_with_its_button_and_escape_closes_the_list(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    make_person(world.own, "Мартин", "Колев")
    context = new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(context, site, world.users[Role.SOCIAL_WORKER])
    page.goto(f"{site}/referrals/new/")

    pick(page, "id_people", "Мартин", "Мартин Колев")
    assert chips(page, "id_people") == ["Мартин Колев (2016)"]
    page.get_by_role("button", name=f"{bg('Remove')}: Мартин Колев (2016)").click()
    assert chips(page, "id_people") == []
    expect(page.locator("input[name=people]:checked")).to_have_count(0)

    box = page.locator("#id_people_search")
    box.press_sequentially("Мар", delay=30)
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("яяя", delay=30)
    expect(page.locator(".picker-empty")).to_have_text(bg("No one found: type more of the name, or the EGN."))


@pytest.mark.browser
def test_a_relation_is_added_by_picking_the_other_person_with_a_tap_on_a_phone(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    martin = make_person(world.own, "Мартин", "Колев")
    petya = make_person(world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female", egn=False)
    context = new_context(**PHONE_CONTEXT)
    page = context.new_page()
    sign_in(context, site, world.users[Role.SOCIAL_WORKER])
    page.goto(f"{site}/people/{martin.pk}/relations/new/")

    page.locator("#id_other_search").press_sequentially("petya", delay=30)  # typed in Latin letters
    page.get_by_role("option", name="Петя Колева").tap()
    assert chips(page, "id_other") == ["Петя Колева (2016)"]
    page.locator("#id_kind").select_option("mother")
    page.get_by_role("button", name=bg("Add")).click()

    expect(page.locator("main h1")).to_contain_text("Мартин")
    relation = Relationship.objects.get()
    assert (relation.person, relation.relative) == (martin, petya)
    assert overflow(page) <= 0


@pytest.mark.browser
def test_the_head_changes_the_case_team_by_picking_a_name(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    head, worker, psychologist = (world.users[role] for role in (Role.HEAD, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST))
    case = accept(make_referral(world.own, [make_person(world.own, "Мартин", "Колев")], head), head, worker)
    context = new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(context, site, head)
    page.goto(f"{site}/cases/{case.pk}/team/")

    pick(page, "id_team", psychologist.first_name[:3], str(psychologist))
    assert str(psychologist) in chips(page, "id_team")
    page.get_by_role("button", name=bg("Save")).click()

    expect(page).to_have_url(f"{site}/cases/{case.pk}/")
    assert psychologist in case.team.all()


@pytest.mark.browser
def test_without_javascript_the_referral_form_works_with_boxes_to_tick(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    martin = make_person(world.own, "Мартин", "Колев")
    context = new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    sign_in(context, site, world.users[Role.SOCIAL_WORKER])
    page.goto(f"{site}/referrals/new/")

    expect(page.locator("#id_people_search")).to_have_count(0)
    page.locator("#referral-q").fill("Колев")
    page.get_by_role("button", name=bg("Find")).click()
    page.get_by_label("Мартин Колев (2016)").check()
    fill_the_rest_of_the_referral(page, reasons="Отсъства от училище.")
    page.get_by_role("button", name=bg("Record")).click()

    expect(page.locator("main h1")).to_contain_text("ЦОП Русе")
    assert list(Referral.objects.get().people.all()) == [martin]
