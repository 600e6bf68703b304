"""The needs assessment in the browser (SCENARIO 3): the social worker writes Мартин's assessment on the
three sides of the framework, forgetting the risk level first; she submits it, the head of service approves
it, and the printable page opens. With axe and the CSP watching."""

from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_playwright import CreateContextCallback

from opora.cases.casework.models import CaseState
from opora.cases.casework.services import case_begin_assessment
from opora.cases.planning.models import Assessment, DocumentStatus
from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, bg, sign_in
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_csp import csp_errors
from tests.casework import accept, make_referral
from tests.conftest import World, make_person

DESKTOP_CONTEXT: dict[str, Any] = {"viewport": DESKTOP}


@pytest.mark.browser
def test_a_worker_writes_the_assessment_and_the_head_approves_it(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    martin = make_person(world.own, "Мартин", "Колев")
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    case = accept(make_referral(world.own, [martin], worker), head, worker)
    case_begin_assessment(case=case, by=worker)
    errors: list[str] = []
    violations: dict[str, list[str]] = {}
    context = new_context(**DESKTOP_CONTEXT)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(context, site, worker)

    page.goto(f"{site}/cases/{case.pk}/")
    assert case.state == CaseState.ASSESSMENT
    page.locator(f"a[href='/cases/{case.pk}/assessment/']").click()
    for domain, score in (("education", "1"), ("warmth", "3"), ("housing", "2")):
        page.locator(f"#id_score_{domain}").select_option(score)
    page.locator("#id_description_education").fill("Отсъства от училище.")
    page.get_by_label(str(martin)).check()
    page.locator("#id_children_views").fill("Мартин иска да ходи на училище.")
    page.get_by_role("button", name=bg("Save")).click()

    # The risk level was forgotten: said next to it, the rest kept.
    expect(page.locator("#id_risk_level_error")).to_be_visible()
    expect(page.locator("#id_description_education")).to_have_value("Отсъства от училище.")
    violations["assessment form with errors"] = blocking_violations(page)
    page.locator("#id_risk_level").select_option("medium")
    page.get_by_role("button", name=bg("Save")).click()

    assessment = Assessment.objects.get(case=case)
    expect(page).to_have_url(f"{site}/assessments/{assessment.pk}/")
    violations["assessment page"] = blocking_violations(page)
    page.get_by_role("button", name=bg("Submit for approval")).click()
    expect(page.locator("main .lead")).to_contain_text(str(bg(DocumentStatus.SUBMITTED.label)))

    sign_in(context, site, head)
    page.goto(f"{site}/assessments/{assessment.pk}/")
    page.get_by_role("button", name=bg("Approve")).click()
    expect(page.locator("main .lead")).to_contain_text(str(bg(DocumentStatus.APPROVED.label)))
    assessment.refresh_from_db()
    assert assessment.status == DocumentStatus.APPROVED

    page.get_by_role("link", name=bg("Printable version")).click()
    expect(page.locator("h1")).to_contain_text(str(bg("Needs assessment")))
    violations["printable assessment"] = blocking_violations(page)

    assert csp_errors(errors) == []
    assert not {name: found for name, found in violations.items() if found}, violations
