"""Intake in the browser (SCENARIOS 1 and 2): the head of service records a referral from ОЗД with its
scanned preliminary assessment after forgetting the reasons, accepts it into a case with a case manager and
a team, and starts the assessment; a social worker records a child who came alone, and the notification
task waits on the home page until it is done. With axe and the CSP watching."""

import datetime
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect
from pytest_playwright import CreateContextCallback

from opora.cases.casework.models import Case, CaseState
from opora.cases.intake.models import Referral
from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, bg, pick, sign_in
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_csp import csp_errors
from tests.casework import PDF
from tests.conftest import World, make_person

DESKTOP_CONTEXT: dict[str, Any] = {"viewport": DESKTOP}


def choose_file(page: Page) -> None:
    scan: FilePayload = {"name": "оценка.pdf", "mimeType": "application/pdf", "buffer": PDF}
    page.locator("#id_preliminary_assessment_file").set_input_files(files=[scan])


@pytest.mark.browser
def test_the_head_records_a_referral_and_accepts_it_into_a_case(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    make_person(world.own, "Мартин", "Колев", middle_name="Стоянов")
    context = new_context(**DESKTOP_CONTEXT)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(context, site, world.users[Role.HEAD])
    violations: dict[str, list[str]] = {}

    page.goto(f"{site}/referrals/")
    page.get_by_role("link", name=bg("Record a referral")).click()
    pick(page, "id_people", "Колев", "Мартин")
    page.locator("#id_source").select_option("child_protection")
    page.locator("#id_referring_institution").fill("ОЗД към ДСП Русе")
    page.locator("#id_home_municipality").fill("Русе")
    choose_file(page)
    page.get_by_role("button", name=bg("Record")).click()

    # The reasons were forgotten: said next to them; what was typed is kept, and so is the file.
    expect(page.locator("#id_reasons_error")).to_be_visible()
    expect(page.locator(".kept-file")).to_contain_text("оценка.pdf")
    expect(page.locator("#id_referring_institution")).to_have_value("ОЗД към ДСП Русе")
    violations["referral form with errors"] = blocking_violations(page)
    page.locator("#id_reasons").fill("Отсъства от училище; конфликти у дома.")
    page.get_by_role("button", name=bg("Record")).click()

    expect(page.locator("main h1")).to_contain_text("ЦОП Русе")
    expect(page.locator("main .facts")).to_contain_text("Мартин Стоянов Колев")
    expect(page.get_by_role("link", name="оценка.pdf")).to_be_visible()
    violations["referral page"] = blocking_violations(page)

    page.locator("input[name=decision][value=accept]").check()
    page.locator("#id_case_manager").select_option(str(world.users[Role.SOCIAL_WORKER].pk))
    page.get_by_label(str(world.users[Role.PSYCHOLOGIST])).check()
    page.get_by_role("button", name=bg("Decide")).click()

    case = Case.objects.get()
    expect(page).to_have_url(f"{site}/cases/{case.pk}/")
    expect(page.locator("main .facts")).to_contain_text(str(world.users[Role.PSYCHOLOGIST]))
    violations["case page"] = blocking_violations(page)
    page.locator("button[name=to][value=assessment]").click()
    expect(page.locator("main .lead")).to_contain_text(str(bg(CaseState.ASSESSMENT.label)))
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSMENT

    for path in ("/referrals/?status=all", "/referrals/waiting/", "/cases/"):
        page.goto(f"{site}{path}")
        violations[path] = blocking_violations(page)

    assert csp_errors(errors) == []
    assert not {name: found for name, found in violations.items() if found}, violations


@pytest.mark.browser
def test_a_child_who_comes_alone_leaves_a_task_on_the_home_page_until_it_is_done(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    make_person(world.own, "Виктория", "Маринова", sex="female", birth_date=datetime.date(2012, 2, 1))
    context = new_context(**DESKTOP_CONTEXT)
    page = context.new_page()
    sign_in(context, site, world.users[Role.SOCIAL_WORKER])

    page.goto(f"{site}/referrals/new/")
    pick(page, "id_people", "Виктория", "Виктория Маринова")
    page.locator("input[name=kind][value=request]").check()
    page.locator("#id_source").select_option("self")
    page.locator("#id_home_municipality").fill("Русе")
    page.locator("#id_reasons").fill("Иска да говори с някого; не иска родителите да знаят.")
    page.locator("#id_child_alone").check()
    page.locator("#id_violence_concern").check()
    page.get_by_role("button", name=bg("Record")).click()
    expect(page.locator("main h1")).to_contain_text("ЦОП Русе")
    referral = Referral.objects.get()
    notify, violence = referral.tasks.order_by("due_at")

    page.goto(f"{site}/")
    tasks = page.locator("main table").first
    expect(tasks).to_contain_text(notify.title)
    expect(tasks).to_contain_text(violence.title)
    assert blocking_violations(page) == []
    tasks.get_by_role("link", name=bg("Mark as done")).first.click()
    page.locator("#id_notified_whom").fill("ОЗД Русе и майката")
    page.locator("#id_notified_how").select_option("phone")
    page.get_by_role("button", name=bg("Mark as done")).click()

    expect(page.locator("main")).to_contain_text("ОЗД Русе и майката")
    page.goto(f"{site}/")
    expect(page.locator("main table").first).not_to_contain_text(notify.title)
    expect(page.locator("main table").first).to_contain_text(violence.title)
