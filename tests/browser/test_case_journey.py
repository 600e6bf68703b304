"""One referral from intake to closure in the browser (SCENARIOS 1–4), a test per step: the social worker
records Мартин's referral from ОЗД, which arrived weeks ago; the head of service accepts it out of turn —
refused at first, since another family waits ahead of it, then with her reason — naming the case manager and
the team. The administrator counts the needs assessment from the referral, as the agency does, and the
assessment is overdue: on the case's page, under "My tasks" and on "Overdue". The assessment and the plan
are written, submitted and approved, support begins, the plan is reviewed, and the head closes the case with
its outcome and a summary — forgetting the outcome first. The case's history holds every step.

Each step starts from the records the steps before it would have left, made through the services (the
functions the pages call), not from the browser of the step before: a step that breaks fails alone and
hides none after it. Each watches the CSP and the page errors; the forms are checked with axe.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import ngettext
from playwright.sync_api import Locator, Page, expect
from pytest_playwright import CreateContextCallback

from opora.accounts.models import User
from opora.cases.casework.models import Case, CaseOutcome, CaseState
from opora.cases.casework.services import case_begin_assessment
from opora.cases.intake.models import Referral
from opora.cases.intake.services import referral_waitlist
from opora.cases.planning.models import Assessment, DocumentStatus, Domain, GoalProgress, GoalStatus, SupportPlan
from opora.cases.planning.services import document_submit
from opora.deadlines.models import DeadlineRule
from opora.deadlines.rules import Anchor, RuleCode
from opora.organisation.models import Role
from opora.people.models import Person
from tests.browser.conftest import DESKTOP, bg, pick, sign_in
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_csp import csp_errors
from tests.casework import accept, approve, make_referral, save_assessment, save_plan
from tests.conftest import World, make_person

DESKTOP_CONTEXT: dict[str, Any] = {"viewport": DESKTOP}
RECEIVED_DAYS_AGO = 25  # past the 20 days of the needs assessment, counted from the referral
OUT_OF_TURN = "ОЗД настоява: детето не ходи на училище."


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


def due_dates(page: Page) -> Locator:
    """The case page's next due dates, the earliest first."""
    return page.locator("main ul.deadlines li")


@dataclass
class Story:
    """Мартин's referral and the people who work on it; the steps below move it on through the services."""

    world: World
    martin: Person
    referral: Referral
    page: Page
    errors: list[str]

    @property
    def worker(self) -> User:
        return self.world.users[Role.SOCIAL_WORKER]

    @property
    def head(self) -> User:
        return self.world.users[Role.HEAD]

    @property
    def psychologist(self) -> User:
        return self.world.users[Role.PSYCHOLOGIST]

    def sign_in(self, site: str, user: User) -> None:
        sign_in(self.page.context, site, user)

    def accepted(self) -> Case:
        """Accepted out of turn, as the head does in the browser, with the psychologist on the team."""
        return accept(self.referral, self.head, self.worker, team=[self.psychologist], override_reason=OUT_OF_TURN)

    def in_assessment(self) -> Case:
        case = self.accepted()
        case_begin_assessment(case=case, by=self.worker)
        return case

    def assessment_submitted(self, case: Case) -> Assessment:
        assessment = save_assessment(case, self.worker)
        return document_submit(document=assessment, by=self.worker, edit_version=assessment.edit_version)

    def in_plan(self) -> Case:
        case = self.in_assessment()
        approve(save_assessment(case, self.worker), self.worker, self.head)  # moves the case to the plan
        case.refresh_from_db()
        return case

    def plan_submitted(self, case: Case) -> SupportPlan:
        plan = save_plan(case, self.worker)
        return document_submit(document=plan, by=self.worker, edit_version=plan.edit_version)

    def in_support(self) -> Case:
        case = self.in_plan()
        approve(save_plan(case, self.worker), self.worker, self.head)  # moves the case to support
        case.refresh_from_db()
        return case


@pytest.fixture
def story(new_context: CreateContextCallback, site: str, world: World) -> Iterator[Story]:
    """Мартин's referral from ОЗД, received weeks ago, while Иван's family has waited for a place longer; a
    desktop browser whose console errors are collected, and checked at the end of every step."""
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    martin = make_person(world.own, "Мартин", "Колев", middle_name="Стоянов")
    ivan = make_person(world.own, "Иван", "Петров")
    now = timezone.localtime()
    waiting = make_referral(world.own, [ivan], worker, received_at=now - datetime.timedelta(days=40))
    referral_waitlist(referral=waiting, by=head)
    referral = make_referral(world.own, [martin], worker, received_at=now - datetime.timedelta(days=RECEIVED_DAYS_AGO))
    page = new_context(**DESKTOP_CONTEXT).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    yield Story(world, martin, referral, page, errors)
    assert csp_errors(errors) == []
    assert not [error for error in errors if error.startswith("uncaught")], errors


@pytest.mark.browser
def test_1_the_social_worker_records_a_referral_received_weeks_ago(
    new_context: CreateContextCallback, site: str, world: World, console_errors: list[str]
) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    martin = make_person(world.own, "Мартин", "Колев", middle_name="Стоянов")
    page = new_context(**DESKTOP_CONTEXT).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page.context, site, worker)

    page.goto(f"{site}/referrals/")
    page.get_by_role("link", name=bg("Record a referral")).click()
    pick(page, "id_people", "Колев", "Мартин")
    page.locator("#id_source").select_option("child_protection")
    page.locator("#id_referring_institution").fill("ОЗД към ДСП Русе")
    received = (timezone.localtime() - datetime.timedelta(days=RECEIVED_DAYS_AGO)).replace(second=0, microsecond=0)
    page.locator("#id_received_at").fill(received.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_home_municipality").fill("Русе")
    page.locator("#id_reasons").fill("Отсъства от училище; конфликти у дома.")
    page.locator("#id_preliminary_assessment").fill("Нужда от подкрепа на майката и на детето.")
    page.get_by_role("button", name=bg("Record")).click()

    expect(page.locator("main [role=status]")).to_contain_text(bg("The referral has been recorded."))
    expect(page.locator("main .facts")).to_contain_text("Мартин Стоянов Колев")
    expect(page.locator("main .facts")).to_contain_text("Нужда от подкрепа на майката")
    referral = Referral.objects.get(people=martin)
    expect(page).to_have_url(f"{site}/referrals/{referral.pk}/")
    assert (referral.service, referral.received_at, referral.referring_institution) == (
        world.own,
        received,
        "ОЗД към ДСП Русе",
    )
    assert csp_errors(errors) == []


@pytest.mark.browser
def test_2_the_head_accepts_the_referral_out_of_turn_after_a_refusal_that_keeps_her_choices(
    story: Story, site: str
) -> None:
    page, worker, psychologist = story.page, story.worker, story.psychologist
    story.sign_in(site, story.head)
    page.goto(f"{site}/referrals/{story.referral.pk}/")
    page.get_by_label(bg("Accept into a case")).check()
    page.get_by_label(bg("Case manager")).select_option(str(worker.pk))
    page.get_by_label(str(psychologist)).check()
    page.get_by_role("button", name=bg("Decide")).click()

    # Refused, since Иван's family waits ahead; everything she chose is kept.
    expect(page.locator("#id_override_reason_error")).to_contain_text(ahead_on_the_waiting_list(1))
    expect(page.get_by_label(bg("Accept into a case"))).to_be_checked()
    expect(page.get_by_label(bg("Case manager"))).to_have_value(str(worker.pk))
    expect(page.get_by_label(str(psychologist))).to_be_checked()
    assert not Case.objects.exists()
    assert blocking_violations(page) == []
    page.get_by_label(bg("Why beyond capacity or out of turn")).fill(OUT_OF_TURN)
    page.get_by_role("button", name=bg("Decide")).click()

    # Read the records only once their pages have come: the server answers in another thread.
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    expect(page).to_have_url(f"{site}/cases/{case.pk}/")
    expect(page.locator("main [role=status]")).to_contain_text(bg("The referral has been accepted into a case."))
    # The case's state, its team and its next due dates: nothing overdue yet, counted from today.
    state_shown(page, CaseState.ACCEPTED)
    expect(page.locator("main .facts")).to_contain_text(str(worker))
    expect(page.locator("main .facts")).to_contain_text(str(psychologist))
    expect(due_dates(page)).to_have_count(2)
    expect(due_dates(page).first).to_contain_text(bg(RuleCode.NEEDS_ASSESSMENT.label))
    expect(due_dates(page).nth(1)).to_contain_text(bg(RuleCode.SUPPORT_PLAN.label))
    expect(page.locator("main ul.deadlines")).not_to_contain_text(bg("overdue"))
    assert (case.state, case.case_manager, list(case.team.all())) == (CaseState.ACCEPTED, worker, [psychologist])
    expect(page.locator("main ol > li").first).to_contain_text(
        f"{bg('Beyond capacity or out of turn, because:')} {OUT_OF_TURN}"
    )


@pytest.mark.browser
def test_3_counting_the_assessment_from_the_referral_makes_it_overdue_everywhere(story: Story, site: str) -> None:
    page, worker = story.page, story.worker
    case = story.accepted()
    nav = page.get_by_role("navigation")

    # The administrator counts the needs assessment from the referral (20 days of the request).
    story.sign_in(site, story.world.users[Role.ADMINISTRATOR])
    page.goto(f"{site}/")
    nav.get_by_role("link", name=bg("Time limits")).click()
    limit = page.get_by_role("group", name=bg(RuleCode.NEEDS_ASSESSMENT.label), exact=True)
    limit.get_by_label(bg("Counts from")).select_option(Anchor.REFERRAL_RECEIVED.value)
    page.get_by_role("button", name=bg("Save")).click()
    expect(limit.get_by_label(bg("Counts from"))).to_have_value(Anchor.REFERRAL_RECEIVED.value)
    rule = DeadlineRule.objects.get(organisation=story.world.organisation, code=RuleCode.NEEDS_ASSESSMENT)
    assert rule.counts_from == Anchor.REFERRAL_RECEIVED
    # The task worker works every open case's stored due items out again (queued when the limits were saved).
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    # Now the assessment is overdue: on the case's page, the case manager's tasks and the overdue page.
    story.sign_in(site, worker)
    page.goto(f"{site}/cases/{case.pk}/")
    expect(due_dates(page).first).to_contain_text(bg(RuleCode.NEEDS_ASSESSMENT.label))
    expect(due_dates(page).first).to_contain_text(bg("overdue"))
    expect(due_dates(page).nth(1)).not_to_contain_text(bg("overdue"))
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


@pytest.mark.browser
def test_4_the_case_manager_starts_writes_and_submits_the_needs_assessment(story: Story, site: str) -> None:
    page = story.page
    case = story.accepted()
    story.sign_in(site, story.worker)
    page.goto(f"{site}/cases/{case.pk}/")

    move_button(page, CaseState.ASSESSMENT).click()
    state_shown(page, CaseState.ASSESSMENT)
    page.get_by_role("link", name=bg("Write the assessment")).click()
    for domain, score in (("education", "1"), ("warmth", "3"), ("housing", "2")):
        page.locator(f"#id_score_{domain}").select_option(score)
    page.locator("#id_description_education").fill("Отсъства от училище.")
    page.get_by_label(bg("Overall risk")).select_option("medium")
    page.get_by_label(str(story.martin)).check()
    page.get_by_label(bg("The child's views")).fill("Мартин иска да ходи на училище.")
    assert blocking_violations(page) == []
    page.get_by_role("button", name=bg("Save")).click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+/$"))
    assessment = Assessment.objects.get(case=case)
    expect(page).to_have_url(f"{site}/assessments/{assessment.pk}/")
    page.get_by_role("button", name=bg("Submit for approval")).click()

    expect(page.locator("main .lead")).to_contain_text(bg(DocumentStatus.SUBMITTED.label))
    assessment.refresh_from_db()
    assert (assessment.status, assessment.risk_level) == (DocumentStatus.SUBMITTED, "medium")
    assert list(assessment.heard_children.all()) == [story.martin]
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSMENT


@pytest.mark.browser
def test_5_the_head_approves_the_needs_assessment(story: Story, site: str) -> None:
    page = story.page
    assessment = story.assessment_submitted(story.in_assessment())
    story.sign_in(site, story.head)
    page.goto(f"{site}/assessments/{assessment.pk}/")

    page.get_by_role("button", name=bg("Approve")).click()

    expect(page.locator("main .lead")).to_contain_text(bg(DocumentStatus.APPROVED.label))
    assessment.refresh_from_db()
    assert (assessment.status, assessment.approved_by) == (DocumentStatus.APPROVED, story.head)
    assessment.case.refresh_from_db()
    assert assessment.case.state == CaseState.PLAN  # the approval moved the case on


@pytest.mark.browser
def test_6_the_approved_assessment_leaves_only_the_plan_due_on_the_case(story: Story, site: str) -> None:
    page = story.page
    case = story.in_assessment()
    approve(save_assessment(case, story.worker), story.worker, story.head)
    story.sign_in(site, story.worker)

    page.goto(f"{site}/cases/{case.pk}/")

    state_shown(page, CaseState.PLAN)
    expect(due_dates(page)).to_have_count(1)
    expect(due_dates(page).first).to_contain_text(bg(RuleCode.SUPPORT_PLAN.label))
    expect(page.locator("main ul.deadlines")).not_to_contain_text(bg("overdue"))
    case.refresh_from_db()
    assert case.state == CaseState.PLAN


@pytest.mark.browser
def test_7_the_case_manager_draws_up_and_submits_the_plan(story: Story, site: str) -> None:
    page, psychologist = story.page, story.psychologist
    case = story.in_plan()
    story.sign_in(site, story.worker)
    page.goto(f"{site}/cases/{case.pk}/")

    # With the mother's agreement and the contract a specialised service needs.
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
    assert blocking_violations(page) == []
    page.get_by_role("button", name=bg("Save")).click()
    expect(page).to_have_url(re.compile(r"/plans/\d+/$"))
    plan = SupportPlan.objects.get(case=case)
    expect(page).to_have_url(f"{site}/plans/{plan.pk}/")
    expect(page.locator("main")).to_contain_text("Психологическа консултация")
    page.get_by_role("button", name=bg("Submit for approval")).click()

    expect(page.locator("main .lead")).to_contain_text(bg(DocumentStatus.SUBMITTED.label))
    plan.refresh_from_db()
    assert (plan.status, plan.contract_number, plan.person_agreed) == (DocumentStatus.SUBMITTED, "Д-17", True)
    saved_goal = plan.goals.get()
    assert (saved_goal.text, saved_goal.needs) == ("Редовно посещение на училище", [Domain.EDUCATION.value])
    assert [(row.what, row.staff) for row in saved_goal.activities.all()] == [
        ("Психологическа консултация", psychologist)
    ]


@pytest.mark.browser
def test_8_the_head_approves_the_plan_and_support_begins(story: Story, site: str) -> None:
    page = story.page
    case = story.in_plan()
    plan = story.plan_submitted(case)
    story.sign_in(site, story.head)
    page.goto(f"{site}/plans/{plan.pk}/")

    page.get_by_role("button", name=bg("Approve")).click()
    expect(page.locator("main .lead")).to_contain_text(bg(DocumentStatus.APPROVED.label))
    page.get_by_role("link", name=bg("Back to the case")).click()

    state_shown(page, CaseState.SUPPORT)
    expect(page.locator("main ul.deadlines")).to_contain_text(bg(RuleCode.PLAN_REVIEW.label))
    plan.refresh_from_db()
    case.refresh_from_db()
    assert (plan.status, case.state) == (DocumentStatus.APPROVED, CaseState.SUPPORT)


@pytest.mark.browser
def test_9_the_case_manager_reviews_the_plan(story: Story, site: str) -> None:
    page = story.page
    case = story.in_support()
    goal = SupportPlan.objects.get(case=case).goals.get()
    story.sign_in(site, story.worker)
    page.goto(f"{site}/cases/{case.pk}/")

    page.get_by_role("link", name=bg("Record a review")).click()
    page.locator(f"#id_status_{goal.pk}").select_option(GoalStatus.IN_PROGRESS.value)
    page.locator(f"#id_note_{goal.pk}").fill("Ходи на училище три дни от пет.")
    page.get_by_label(bg("Summary")).fill("Посещенията в училище се подобряват.")
    assert blocking_violations(page) == []
    page.get_by_role("button", name=bg("Record the review")).click()

    expect(page).to_have_url(f"{site}/cases/{case.pk}/")
    expect(page.locator("main [role=status]")).to_contain_text(bg("The review has been recorded."))
    expect(page.locator("main .documents")).to_contain_text("Посещенията в училище се подобряват.")
    progress = GoalProgress.objects.get(goal=goal)
    assert (progress.status, progress.note) == (GoalStatus.IN_PROGRESS, "Ходи на училище три дни от пет.")


@pytest.mark.browser
def test_10_the_head_closes_the_case_with_its_outcome_after_forgetting_it(story: Story, site: str) -> None:
    page = story.page
    case = story.in_support()
    story.sign_in(site, story.head)
    page.goto(f"{site}/cases/{case.pk}/")
    summary = "Мартин ходи редовно на училище; майката посещава групата за родители."

    # Closing is its own page, asking only the outcome and the summary.
    page.get_by_role("link", name=bg("Close the case…")).click()
    expect(page.locator("main form .field")).to_have_count(2)
    summary_box = page.get_by_label(bg("Summary of the work and why the case closes"))
    summary_box.fill(summary)
    page.get_by_role("button", name=bg("Close the case")).click()
    expect(page.locator("#id_outcome_error")).to_contain_text(bg("Choose the outcome of the case."))
    expect(summary_box).to_have_value(summary)
    case.refresh_from_db()
    assert case.state == CaseState.SUPPORT
    page.get_by_label(bg("Outcome")).select_option(CaseOutcome.GOALS_ACHIEVED.value)
    page.get_by_role("button", name=bg("Close the case")).click()

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
    expect(history.last).to_contain_text(bg(CaseOutcome.GOALS_ACHIEVED.label))
    expect(history.last).to_contain_text(summary)
    assert blocking_violations(page) == []
    case.refresh_from_db()
    assert (case.state, case.outcome) == (CaseState.CLOSED, CaseOutcome.GOALS_ACHIEVED)
