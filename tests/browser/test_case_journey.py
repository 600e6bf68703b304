"""One referral from intake to closure in the browser (SCENARIOS 1–4): the social worker records Мартин's
referral from ОЗД, which arrived weeks ago; the head of service accepts it out of turn — refused at first,
since another family waits ahead of it, then with her reason — naming the case manager and the team. The
administrator counts the needs assessment from the referral, as the agency does, and the assessment is
overdue: on the case's page, under "My tasks" and on "Overdue". The assessment and the plan are written,
submitted and approved, support begins, the plan is reviewed, and the head closes the case with its outcome
and a summary — forgetting the outcome first. The case's history holds every step. With the CSP watching.
"""

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import ngettext
from playwright.sync_api import Locator, Page, expect
from pytest_playwright import CreateContextCallback

from opora.cases.models import (
    Assessment,
    Case,
    CaseOutcome,
    CaseState,
    DocumentStatus,
    Domain,
    GoalProgress,
    GoalStatus,
    Referral,
    SupportPlan,
)
from opora.cases.services import referral_waitlist
from opora.deadlines.rules import Anchor, RuleCode
from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, bg, sign_in
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_csp import csp_errors
from tests.casework import make_referral
from tests.conftest import World, make_person

DESKTOP_CONTEXT: dict[str, Any] = {"viewport": DESKTOP}
RECEIVED_DAYS_AGO = 25  # past the 20 days of the needs assessment, counted from the referral


def ahead_on_the_waiting_list(count: int) -> str:
    """The triage's refusal to accept a referral while ``count`` others wait ahead of it, in Bulgarian."""
    with translation.override("bg"):
        return ngettext(
            "One referral is ahead of this one on the waiting list. Accept it first, or say why this one goes first.",
            "%(count)d referrals are ahead of this one on the waiting list. Accept the first of them, or "
            "say why this one goes first.",
            count,
        ) % {"count": count}


def move_button(page: Page, state: CaseState) -> Locator:
    return page.get_by_role("button", name=bg("Move to “%(label)s”") % {"label": bg(state.label)})


def state_shown(page: Page, state: CaseState) -> None:
    expect(page.locator("main .lead")).to_contain_text(bg(state.label))


@pytest.mark.browser
def test_a_referral_goes_from_intake_to_closure(new_context: CreateContextCallback, site: str, world: World) -> None:
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    psychologist, administrator = world.users[Role.PSYCHOLOGIST], world.users[Role.ADMINISTRATOR]
    martin = make_person(world.own, "Мартин", "Колев", middle_name="Стоянов")
    # Another family has waited for a place since before Мартин's referral arrived.
    ivan = make_person(world.own, "Иван", "Петров")
    now = timezone.localtime()
    waiting = make_referral(world.own, [ivan], worker, received_at=now - datetime.timedelta(days=40))
    referral_waitlist(referral=waiting, by=head)

    context = new_context(**DESKTOP_CONTEXT)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    violations: dict[str, list[str]] = {}
    nav = page.get_by_role("navigation")

    # 1. The social worker records the referral from ОЗД, received weeks ago.
    sign_in(context, site, worker)
    page.goto(f"{site}/referrals/")
    page.get_by_role("link", name=bg("Record a referral")).click()
    page.locator("#id_people").select_option(str(martin.pk))
    page.locator("#id_source").select_option("child_protection")
    page.locator("#id_referring_institution").fill("ОЗД към ДСП Русе")
    received = now - datetime.timedelta(days=RECEIVED_DAYS_AGO)
    page.locator("#id_received_at").fill(received.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_home_municipality").fill("Русе")
    page.locator("#id_reasons").fill("Отсъства от училище; конфликти у дома.")
    page.locator("#id_preliminary_assessment").fill("Нужда от подкрепа на майката и на детето.")
    page.get_by_role("button", name=bg("Record")).click()
    expect(page.locator("main [role=status]")).to_contain_text(bg("The referral has been recorded."))
    expect(page.locator("main .facts")).to_contain_text("Мартин Стоянов Колев")
    expect(page.locator("main .facts")).to_contain_text("Нужда от подкрепа на майката")
    referral = Referral.objects.get(people=martin)

    # 2. The head accepts it: refused, since Иван's family waits ahead; everything she chose is kept.
    sign_in(context, site, head)
    page.goto(f"{site}/referrals/{referral.pk}/")
    page.get_by_label(bg("Accept into a case")).check()
    page.get_by_label(bg("Case manager")).select_option(str(worker.pk))
    page.get_by_label(str(psychologist)).check()
    page.get_by_role("button", name=bg("Decide")).click()

    refusal = page.locator("#id_override_reason_error")
    expect(refusal).to_contain_text(ahead_on_the_waiting_list(1))
    expect(page.get_by_label(bg("Accept into a case"))).to_be_checked()
    expect(page.get_by_label(bg("Case manager"))).to_have_value(str(worker.pk))
    expect(page.get_by_label(str(psychologist))).to_be_checked()
    assert not Case.objects.exists()
    violations["triage refused"] = blocking_violations(page)
    page.get_by_label(bg("Why beyond capacity or out of turn")).fill("ОЗД настоява: детето не ходи на училище.")
    page.get_by_role("button", name=bg("Decide")).click()

    # Read the records only once their pages have come: the server answers in another thread.
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    expect(page).to_have_url(f"{site}/cases/{case.pk}/")
    expect(page.locator("main [role=status]")).to_contain_text(bg("The referral has been accepted into a case."))
    # 3. The case's state, its team and its next due dates: nothing overdue yet, counted from today.
    state_shown(page, CaseState.ACCEPTED)
    facts = page.locator("main .facts")
    expect(facts).to_contain_text(str(worker))
    expect(facts).to_contain_text(str(psychologist))
    deadlines = page.locator("main ul.deadlines")
    due = deadlines.locator("li")  # the earliest first
    expect(due).to_have_count(2)
    expect(due.first).to_contain_text(bg(RuleCode.NEEDS_ASSESSMENT.label))
    expect(due.nth(1)).to_contain_text(bg(RuleCode.SUPPORT_PLAN.label))
    expect(deadlines).not_to_contain_text(bg("overdue"))

    # The administrator counts the needs assessment from the referral (20 days of the request).
    sign_in(context, site, administrator)
    page.goto(f"{site}/")
    nav.get_by_role("link", name=bg("Time limits")).click()
    limit = page.get_by_role("group", name=bg(RuleCode.NEEDS_ASSESSMENT.label), exact=True)
    limit.get_by_label(bg("Counts from")).select_option(Anchor.REFERRAL_RECEIVED.value)
    page.get_by_role("button", name=bg("Save")).click()
    expect(limit.get_by_label(bg("Counts from"))).to_have_value(Anchor.REFERRAL_RECEIVED.value)

    # Now the assessment is overdue: on the case's page, the case manager's tasks and the overdue page.
    sign_in(context, site, worker)
    page.goto(f"{site}/cases/{case.pk}/")
    expect(due.first).to_contain_text(bg(RuleCode.NEEDS_ASSESSMENT.label))
    expect(due.first).to_contain_text(bg("overdue"))
    expect(due.nth(1)).not_to_contain_text(bg("overdue"))
    nav.get_by_role("link", name=bg("My tasks")).click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(bg(RuleCode.NEEDS_ASSESSMENT.label))
    expect(rows.first).to_contain_text(bg("overdue"))
    expect(rows.first).to_contain_text("Колев")
    expect(rows.nth(1)).to_contain_text(bg(RuleCode.SUPPORT_PLAN.label))
    expect(rows.nth(1)).not_to_contain_text(bg("overdue"))
    nav.get_by_role("link", name=bg("Overdue")).click()
    overdue = page.locator("main table").first.locator("tbody tr")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text(bg(RuleCode.NEEDS_ASSESSMENT.label))
    expect(overdue).to_contain_text(str(worker))
    overdue.get_by_role("link", name=str(case)).click()
    expect(page).to_have_url(f"{site}/cases/{case.pk}/")

    # 4. The case manager starts, writes and submits the needs assessment.
    move_button(page, CaseState.ASSESSMENT).click()
    state_shown(page, CaseState.ASSESSMENT)
    page.get_by_role("link", name=bg("Write the assessment")).click()
    for domain, score in (("education", "1"), ("warmth", "3"), ("housing", "2")):
        page.locator(f"#id_score_{domain}").select_option(score)
    page.locator("#id_description_education").fill("Отсъства от училище.")
    page.get_by_label(bg("Overall risk")).select_option("medium")
    page.get_by_label(str(martin)).check()
    page.get_by_label(bg("The child's views")).fill("Мартин иска да ходи на училище.")
    page.get_by_role("button", name=bg("Save")).click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+/$"))
    assessment = Assessment.objects.get(case=case)
    expect(page).to_have_url(f"{site}/assessments/{assessment.pk}/")
    page.get_by_role("button", name=bg("Submit for approval")).click()
    expect(page.locator("main .lead")).to_contain_text(bg(DocumentStatus.SUBMITTED.label))

    # The head approves it.
    sign_in(context, site, head)
    page.goto(f"{site}/assessments/{assessment.pk}/")
    page.get_by_role("button", name=bg("Approve")).click()
    expect(page.locator("main .lead")).to_contain_text(bg(DocumentStatus.APPROVED.label))

    # The approval moved the case to the plan: the assessment is no longer due.
    sign_in(context, site, worker)
    page.goto(f"{site}/cases/{case.pk}/")
    state_shown(page, CaseState.PLAN)
    expect(due).to_have_count(1)
    expect(due.first).to_contain_text(bg(RuleCode.SUPPORT_PLAN.label))
    expect(deadlines).not_to_contain_text(bg("overdue"))

    # The plan, with the mother's agreement and the contract a specialised service needs.
    today = timezone.localdate().isoformat()
    page.get_by_role("link", name=bg("Draw up the plan")).click()
    page.locator("#id_person_agreed").select_option("yes")
    page.locator("#id_contract_number").fill("Д-17")
    page.locator("#id_contract_date").fill(today)
    page.locator("#id_contract_signed_by").fill("Петя Колева")
    goal = page.get_by_role("group", name=bg("Goal %(number)s") % {"number": 1})
    goal.locator("#id_goals-0-text").fill("Редовно посещение на училище")
    goal.get_by_label(bg(Domain.EDUCATION.label)).check()
    goal.locator("#id_goals-0-expected_results").fill("Без неизвинени отсъствия за месец.")
    activity = page.get_by_role("group", name=bg("Activity %(number)s") % {"number": 1})
    activity.locator("#id_activities-0-goal").select_option("1")
    activity.locator("#id_activities-0-what").fill("Психологическа консултация")
    activity.locator("#id_activities-0-staff").select_option(str(psychologist.pk))
    activity.locator("#id_activities-0-frequency").fill("седмично, четвъртък 15:00")
    activity.locator("#id_activities-0-starts_on").fill(today)
    violations["plan form"] = blocking_violations(page)
    page.get_by_role("button", name=bg("Save")).click()
    expect(page).to_have_url(re.compile(r"/plans/\d+/$"))
    plan = SupportPlan.objects.get(case=case)
    expect(page).to_have_url(f"{site}/plans/{plan.pk}/")
    expect(page.locator("main")).to_contain_text("Психологическа консултация")
    page.get_by_role("button", name=bg("Submit for approval")).click()
    expect(page.locator("main .lead")).to_contain_text(bg(DocumentStatus.SUBMITTED.label))

    # The head approves the plan, which puts it into effect: support begins.
    sign_in(context, site, head)
    page.goto(f"{site}/plans/{plan.pk}/")
    page.get_by_role("button", name=bg("Approve")).click()
    expect(page.locator("main .lead")).to_contain_text(bg(DocumentStatus.APPROVED.label))
    page.get_by_role("link", name=bg("Back to the case")).click()
    state_shown(page, CaseState.SUPPORT)
    expect(deadlines).to_contain_text(bg(RuleCode.PLAN_REVIEW.label))

    # The case manager reviews the plan: the goal is under way.
    sign_in(context, site, worker)
    page.goto(f"{site}/cases/{case.pk}/")
    page.get_by_role("link", name=bg("Record a review")).click()
    goal_row = plan.goals.get()
    page.locator(f"#id_status_{goal_row.pk}").select_option(GoalStatus.IN_PROGRESS.value)
    page.locator(f"#id_note_{goal_row.pk}").fill("Ходи на училище три дни от пет.")
    page.get_by_label(bg("Summary")).fill("Посещенията в училище се подобряват.")
    violations["review form"] = blocking_violations(page)
    page.get_by_role("button", name=bg("Record the review")).click()
    expect(page).to_have_url(f"{site}/cases/{case.pk}/")
    expect(page.locator("main [role=status]")).to_contain_text(bg("The review has been recorded."))
    expect(page.locator("main .documents")).to_contain_text("Посещенията в училище се подобряват.")
    assert GoalProgress.objects.get(goal=goal_row).status == GoalStatus.IN_PROGRESS

    # 5. The head closes the case: the outcome forgotten first, said next to it, the summary kept.
    sign_in(context, site, head)
    page.goto(f"{site}/cases/{case.pk}/")
    summary = "Мартин ходи редовно на училище; майката посещава групата за родители."
    page.get_by_label(bg("Reason or note")).fill(summary)
    move_button(page, CaseState.CLOSED).click()
    expect(page.locator("#id_outcome_error")).to_contain_text(bg("Choose the outcome of the case."))
    expect(page.get_by_label(bg("Reason or note"))).to_have_value(summary)
    page.get_by_label(bg("Outcome")).select_option(CaseOutcome.GOALS_ACHIEVED.value)
    move_button(page, CaseState.CLOSED).click()

    expect(page.locator("main [role=status]")).to_contain_text(
        bg("The case has moved to “%(state)s”.") % {"state": bg(CaseState.CLOSED.label)}
    )
    state_shown(page, CaseState.CLOSED)
    expect(page.locator("main")).to_contain_text(bg(CaseOutcome.GOALS_ACHIEVED.label))
    expect(page.locator("main")).to_contain_text(bg("No time limit runs in this case now."))
    history = page.locator("main ol > li")
    steps = [CaseState.ACCEPTED, CaseState.ASSESSMENT, CaseState.PLAN, CaseState.SUPPORT, CaseState.CLOSED]
    expect(history).to_have_count(len(steps))
    for number, state in enumerate(steps):
        expect(history.nth(number)).to_contain_text(bg(state.label))
    # Accepted out of turn, not beyond capacity: the history says which reason was asked for.
    expect(history.first).to_contain_text(f"{bg('Beyond capacity or out of turn, because:')} ОЗД настоява")
    expect(history.last).to_contain_text(bg(CaseOutcome.GOALS_ACHIEVED.label))
    expect(history.last).to_contain_text(summary)
    violations["closed case"] = blocking_violations(page)

    case.refresh_from_db()
    assert (case.state, case.outcome) == (CaseState.CLOSED, CaseOutcome.GOALS_ACHIEVED)
    assert csp_errors(errors) == []
    assert not [error for error in errors if error.startswith("uncaught")], errors
    assert not {name: found for name, found in violations.items() if found}, violations
