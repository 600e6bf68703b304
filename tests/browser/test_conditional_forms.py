"""Forms that ask only for what applies, in the browser (issue 9), on a desk and on a phone: the head of
service's triage shows the fields of the decision she picks, and the person form shows the unborn child's
due date and mother only for an unborn child. With axe watching every page."""

from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_playwright import CreateContextCallback

from opora.cases.intake.models import Referral, ReferralStatus
from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, PHONE_CONTEXT, bg, overflow, sign_in
from tests.casework import make_referral
from tests.conftest import World, make_person

VIEWPORTS: dict[str, dict[str, Any]] = {"desk": {"viewport": DESKTOP}, "phone": PHONE_CONTEXT}


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_triage_shows_only_the_fields_of_the_decision_chosen(
    new_context: CreateContextCallback, site: str, world: World, viewport: str
) -> None:
    referral = make_referral(world.own, [make_person(world.own, "Мартин", "Колев")], world.users[Role.HEAD])
    context = new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    sign_in(context, site, world.users[Role.HEAD])
    page.goto(f"{site}/referrals/{referral.pk}/")

    manager, partner, ground = (
        page.locator("#id_case_manager"),
        page.locator("#id_partner"),
        page.locator("#id_decline_ground"),
    )
    for field in (manager, partner, ground):
        expect(field).to_be_hidden()  # nothing chosen yet: only the decision and the note
    expect(page.locator("#id_reason")).to_be_visible()

    page.get_by_label(bg("Accept into a case")).check()
    expect(manager).to_be_visible()
    expect(partner).to_be_hidden()
    page.get_by_label(bg("Redirect to a partner")).check()
    expect(manager).to_be_hidden()
    expect(manager).to_be_disabled()  # not posted
    expect(partner).to_be_visible()
    page.locator("input[name=decision][value=decline]").check()
    expect(ground).to_be_visible()
    expect(partner).to_be_hidden()
    assert overflow(page) <= 0

    page.get_by_label(bg("Put on the waiting list")).check()
    page.get_by_role("button", name=bg("Decide")).click()
    expect(page.locator("main [role=status]")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WAITING


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_person_form_shows_the_unborn_childs_fields_only_for_an_unborn_child(
    new_context: CreateContextCallback, site: str, world: World, viewport: str
) -> None:
    context = new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    sign_in(context, site, world.users[Role.SOCIAL_WORKER])
    page.goto(f"{site}/people/new/")

    due = page.locator("#id_due_date")
    expect(due).to_be_hidden()
    page.locator("#id_kind").select_option("unborn")
    expect(due).to_be_visible()
    expect(page.locator("#id_mother_search")).to_be_visible()
    page.locator("#id_kind").select_option("child")
    expect(due).to_be_hidden()
    assert overflow(page) <= 0
    assert not Referral.objects.exists()
