"""A form that comes back with errors, in the browser: the summary at its top names each wrong field (of the
form and of its rows), the focus is already on the first of them, and each link of the summary takes the
focus to its field; an error of no one field gets the focus itself."""

import pytest
from playwright.sync_api import Page, expect

from opora.cases.casework.models import Case, CaseState
from opora.cases.casework.services import case_begin_assessment
from opora.cases.planning.models import Assessment, DocumentStatus, PlanReview, SupportPlan
from opora.cases.planning.services import document_submit
from opora.organisation.models import Role
from tests.browser.conftest import bg, reauthenticate, sign_in, submit
from tests.browser.test_csp import csp_errors
from tests.casework import accept, approved_assessment, approved_plan, head, make_referral, save_assessment, worker
from tests.conftest import World, make_person


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


def summed_up(page: Page) -> list[str]:
    """The ids the page's one error summary links to, after checking that each names a field on the page, that
    the focus is on the first, and that the last link takes the focus to its field."""
    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_count(1)
    expect(summary.get_by_role("heading")).to_have_text(bg("Please correct the fields marked below"))
    links = summary.locator("a[data-field]")
    targets = [str(links.nth(number).get_attribute("data-field")) for number in range(links.count())]
    assert targets, "the summary links to no field"
    for target in targets:
        expect(page.locator(f"[id='{target}']")).to_have_count(1)
    assert focused_id(page) == targets[0]
    links.last.click()
    assert focused_id(page) == targets[-1]
    return targets


@pytest.fixture
def case(world: World) -> Case:
    martin = make_person(world.own, "Мартин", "Колев")
    return accept(make_referral(world.own, [martin], worker(world)), head(world), worker(world))


@pytest.mark.browser
def test_the_needs_assessment_sums_up_its_errors(
    page: Page, site: str, world: World, case: Case, console_errors: list[str]
) -> None:
    case_begin_assessment(case=case, by=worker(world))
    sign_in(page.context, site, worker(world))
    page.goto(f"{site}/cases/{case.pk}/assessment/")
    page.locator("#id_assessed_on").fill("")

    assert submit(page, page.get_by_role("button", name=bg("Save"))) == 200

    assert summed_up(page)[:2] == ["id_assessed_on", "id_risk_level"]
    assert not Assessment.objects.exists()
    assert csp_errors(console_errors) == []


@pytest.mark.browser
def test_the_support_plan_sums_up_the_errors_of_its_rows(
    page: Page, site: str, world: World, case: Case, console_errors: list[str]
) -> None:
    case_begin_assessment(case=case, by=worker(world))
    approved_assessment(case, worker(world), head(world))
    sign_in(page.context, site, worker(world))
    page.goto(f"{site}/cases/{case.pk}/plan/")
    page.locator("#id_goals-0-text").fill("Редовно посещение на училище")

    assert submit(page, page.get_by_role("button", name=bg("Save"))) == 200

    targets = summed_up(page)
    assert targets[:2] == ["id_goals-0-needs_0", "id_goals-0-expected_results"]
    row = bg("%(label)s, row %(number)s") % {"label": bg("Expected results"), "number": 1}
    expect(page.locator("[data-error-summary]")).to_contain_text(row)
    expect(page.locator("#id_goals-0-text")).to_have_value("Редовно посещение на училище")
    assert not SupportPlan.objects.exists()
    assert csp_errors(console_errors) == []


@pytest.mark.browser
def test_the_plan_review_sums_up_its_errors(
    page: Page, site: str, world: World, case: Case, console_errors: list[str]
) -> None:
    case_begin_assessment(case=case, by=worker(world))
    approved_assessment(case, worker(world), head(world))
    approved_plan(case, worker(world), head(world))
    sign_in(page.context, site, worker(world))
    page.goto(f"{site}/cases/{case.pk}/review/")
    page.locator("#id_reviewed_on").fill("")

    assert submit(page, page.get_by_role("button", name=bg("Record the review"))) == 200

    assert summed_up(page) == ["id_reviewed_on", "id_summary"]
    assert not PlanReview.objects.exists()
    assert csp_errors(console_errors) == []


@pytest.mark.browser
def test_moving_a_case_sums_up_its_errors(
    page: Page, site: str, world: World, case: Case, console_errors: list[str]
) -> None:
    sign_in(page.context, site, head(world))
    page.goto(f"{site}/cases/{case.pk}/move/?to=closed")
    summary = page.get_by_label(bg("Summary of the work and why the case closes"))
    summary.fill("Семейството се премести.")

    assert submit(page, page.get_by_role("button", name=bg("Close the case"))) == 200

    assert summed_up(page) == ["id_outcome"]
    expect(summary).to_have_value("Семейството се премести.")
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    assert csp_errors(console_errors) == []


@pytest.mark.browser
def test_a_case_move_without_a_target_state_links_to_the_move_buttons(
    page: Page, site: str, world: World, case: Case
) -> None:
    sign_in(page.context, site, head(world))
    page.goto(f"{site}/cases/{case.pk}/")
    # A move posted without its button (a form sent by the Enter key from a script, or tampered with).
    page.locator(f"form[action='/cases/{case.pk}/move/'] button[name=to]").first.evaluate(
        "b => b.removeAttribute('name')"
    )

    assert submit(page, page.get_by_role("button").filter(has_text=bg(CaseState.ASSESSMENT.label)).first) == 200

    assert summed_up(page) == ["id_to"]
    expect(page.locator("#id_to")).to_have_attribute("value", CaseState.ASSESSMENT.value)


@pytest.mark.browser
def test_registering_a_person_sums_up_the_errors(
    page: Page, site: str, world: World, console_errors: list[str]
) -> None:
    sign_in(page.context, site, worker(world))
    page.goto(f"{site}/people/new/")
    page.locator("#id_last_name").fill("Колев")

    assert submit(page, page.get_by_role("button", name=bg("Register"))) == 200

    targets = summed_up(page)
    assert "id_first_name" in targets
    assert "id_last_name" not in targets
    expect(page.locator("#id_last_name")).to_have_value("Колев")
    assert csp_errors(console_errors) == []


@pytest.mark.browser
def test_a_staff_member_with_errors_gets_one_summary_for_the_form_and_its_role_rows(
    page: Page, site: str, world: World
) -> None:
    sign_in(page.context, site, world.users[Role.ADMINISTRATOR])
    page.goto(f"{site}/staff/new/")
    assert reauthenticate(page) == 302  # the staff pages ask for the password again

    assert submit(page, page.get_by_role("button", name=bg("Save"))) == 200

    assert summed_up(page)
    expect(page.locator("#error-summary-title")).to_have_count(1)


@pytest.mark.browser
def test_a_refused_approval_takes_the_focus_to_its_reason(page: Page, site: str, world: World, case: Case) -> None:
    case_begin_assessment(case=case, by=worker(world))
    # Мартин (born 2016) is over 10 and was not heard: the head cannot approve.
    assessment = save_assessment(case, worker(world), heard_children=[])
    document_submit(document=assessment, by=worker(world), edit_version=assessment.edit_version)
    sign_in(page.context, site, head(world))
    page.goto(f"{site}/assessments/{assessment.pk}/")

    assert submit(page, page.get_by_role("button", name=bg("Approve"))) == 200

    message = page.locator("main .form-errors")
    expect(message).to_be_visible()
    assert page.evaluate("document.activeElement.classList.contains('form-errors')")
    assessment.refresh_from_db()
    assert assessment.status == DocumentStatus.SUBMITTED


@pytest.mark.browser
def test_a_save_refused_as_stale_takes_the_focus_to_the_differences(
    page: Page, site: str, world: World, case: Case
) -> None:
    case_begin_assessment(case=case, by=worker(world))
    save_assessment(case, worker(world), summary="Първо впечатление.")
    sign_in(page.context, site, worker(world))
    page.goto(f"{site}/cases/{case.pk}/assessment/")
    save_assessment(case, head(world), summary="Допълнено от ръководителя.")  # meanwhile, in another office
    page.locator("#id_summary").fill("Моят текст.")

    assert submit(page, page.get_by_role("button", name=bg("Save"))) == 200

    expect(page.locator("main .conflict")).to_be_visible()
    assert page.evaluate("document.activeElement.classList.contains('conflict')")
    expect(page.locator("#id_summary")).to_have_value("Моят текст.")
    assert Assessment.objects.get().summary == "Допълнено от ръководителя."
