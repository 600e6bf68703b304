"""The needs assessment, the individual support plan, reviews and closure: versions and approval, the child
who must be heard, goals tied to assessed needs, the contract of a specialised service, the state machine
tied to the documents, optimistic locking (two real sessions at once on PostgreSQL), the pages and the
printable documents."""

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from opora.access import Perm, scope
from opora.audit.models import ChangeEvent, ViewEvent, ViewOutcome
from opora.cases.casework.models import Case, CaseOutcome, CaseState
from opora.cases.casework.services import (
    case_begin_assessment,
    case_begin_plan,
    case_begin_support,
    case_close,
    case_reopen,
)
from opora.cases.planning.models import Assessment, DocumentStatus, Domain, GoalStatus, SupportPlan
from opora.cases.planning.services import (
    assessment_save,
    current_approved,
    document_approve,
    document_submit,
    plan_review_record,
)
from opora.core.conflicts import StaleEdit
from opora.deadlines.case_page import next_review_due
from opora.organisation.models import Role
from opora.people.models import Person
from tests.casework import (
    ALL_DOMAINS,
    a_goal,
    accept,
    approve,
    approved_assessment,
    approved_plan,
    head,
    make_referral,
    save_assessment,
    save_plan,
    worker,
)
from tests.concurrency import postgresql_only, run_at_once
from tests.conftest import World, make_person


@pytest.fixture(autouse=True)
def _in_english(settings: Any) -> Iterator[None]:
    """Messages are checked in English (the Bulgarian ones are the translators' to change)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def child(world: World) -> Person:
    return make_person(world.own, "Мартин", "Колев", birth_date=datetime.date(2018, 1, 10))


@pytest.fixture
def case(world: World, child: Person) -> Case:
    referral = make_referral(world.own, [child], worker(world))
    case = accept(referral, head(world), worker(world))
    case_begin_assessment(case=case, by=worker(world))
    return case


def client(world: World, role: str) -> Client:
    return world.client_for(role)


# --- The needs assessment: versions and approval ----------------------------------------------------------


def test_an_assessment_is_drafted_submitted_and_approved_by_the_head(world: World, case: Case) -> None:
    assessment = save_assessment(case, worker(world), summary="Нужда от подкрепа в училище.")
    assert (assessment.number, assessment.status) == (1, DocumentStatus.DRAFT)
    assert assessment.domains.count() == len(Domain)

    with pytest.raises(PermissionDenied):
        document_approve(document=assessment, by=worker(world), edit_version=assessment.edit_version)
    with pytest.raises(ValidationError) as refused:
        document_approve(document=assessment, by=head(world), edit_version=assessment.edit_version)
    assert "Only a submitted version is approved" in refused.value.messages[0]

    approve(assessment, worker(world), head(world))
    assessment.refresh_from_db()
    assert (assessment.status, assessment.approved_by, assessment.submitted_by) == (
        DocumentStatus.APPROVED,
        head(world),
        worker(world),
    )


def test_editing_an_approved_assessment_makes_a_new_version_and_keeps_the_old_one(world: World, case: Case) -> None:
    first = approved_assessment(case, worker(world), head(world), risk_level="high")
    second = save_assessment(case, worker(world), risk_level="low")

    first.refresh_from_db()
    assert (first.number, first.status, first.risk_level) == (1, DocumentStatus.APPROVED, "high")
    assert (second.number, second.status, second.risk_level) == (2, DocumentStatus.DRAFT, "low")
    # The new draft is edited in place, the approved version stays the one in force until the next approval.
    assert save_assessment(case, worker(world), risk_level="medium").pk == second.pk
    assert current_approved(case, Assessment) == first
    with pytest.raises(StaleEdit):
        document_submit(document=first, by=worker(world), edit_version=first.edit_version)


def test_a_child_of_ten_or_more_on_the_assessment_date_must_be_heard(world: World, case: Case, child: Person) -> None:
    child.birth_date = datetime.date(2010, 3, 1)
    child.save()
    assessment = save_assessment(case, worker(world), heard_children=[], assessed_on=datetime.date(2020, 3, 1))
    document_submit(document=assessment, by=worker(world), edit_version=assessment.edit_version)
    assessment.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        document_approve(document=assessment, by=head(world), edit_version=assessment.edit_version)

    assert refused.value.messages == [
        "Мартин Колев was 10 or older on 01.03.2020: a child of that age must be heard before the assessment is "
        "approved. Edit the assessment, record the child as heard and what they said."
    ]
    assessment.refresh_from_db()
    assert assessment.status == DocumentStatus.SUBMITTED


def test_a_child_still_nine_on_the_assessment_date_need_not_be_heard(world: World, case: Case, child: Person) -> None:
    child.birth_date = datetime.date(2010, 3, 2)
    child.save()
    assessment = save_assessment(case, worker(world), heard_children=[], assessed_on=datetime.date(2020, 3, 1))
    assert approve(assessment, worker(world), head(world)).is_approved


def test_an_assessment_scores_each_side_of_the_framework_before_approval(world: World, case: Case) -> None:
    only_the_child = {**dict.fromkeys(ALL_DOMAINS, (None, "")), "health": (3, "Здрав.")}
    assessment = save_assessment(case, worker(world), domains=only_the_child)
    document_submit(document=assessment, by=worker(world), edit_version=assessment.edit_version)
    assessment.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        document_approve(document=assessment, by=head(world), edit_version=assessment.edit_version)
    assert "each of the three sides" in refused.value.messages[0]


def test_only_children_of_the_case_can_be_recorded_as_heard(world: World, case: Case) -> None:
    stranger = make_person(world.own, "Друго", "Дете")
    with pytest.raises(ValidationError) as refused:
        save_assessment(case, worker(world), heard_children=[stranger])
    assert "heard_children" in refused.value.message_dict


def test_the_assessment_and_its_domains_are_in_the_audit_trail(world: World, case: Case) -> None:
    assessment = save_assessment(case, worker(world), risk_level="high")
    save_assessment(case, worker(world), risk_level="low")
    events = ChangeEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Assessment), object_id=str(assessment.pk)
    )
    assert events.filter(action="created", actor=worker(world)).exists()
    assert any(event.changes.get("risk_level") == ["high", "low"] for event in events.filter(action="changed"))


# --- The support plan ---------------------------------------------------------------------------------------


def test_a_plan_needs_an_approved_assessment(world: World, case: Case) -> None:
    save_assessment(case, worker(world))
    with pytest.raises(ValidationError) as refused:
        save_plan(case, worker(world))
    assert "Approve the needs assessment first" in refused.value.messages[0]


def test_each_goal_answers_needs_the_assessment_scored(world: World, case: Case) -> None:
    scored: dict[str, tuple[int | None, str]] = dict.fromkeys(ALL_DOMAINS, (None, ""))
    scored |= {"education": (1, "Отсъства."), "warmth": (3, ""), "housing": (2, "")}
    approved_assessment(case, worker(world), head(world), domains=scored)
    with pytest.raises(ValidationError) as refused:
        save_plan(case, worker(world), goals=[a_goal(needs=["health"])])
    assert refused.value.messages == ["Goal 1: link it to needs the approved assessment scored."]
    plan = save_plan(case, worker(world), goals=[a_goal(needs=["education"]), a_goal(text="Топлина", needs=["warmth"])])
    assert [goal.needs for goal in plan.goals.order_by("position")] == [["education"], ["warmth"]]
    assert plan.goals.first().activities.get().partner == "Училището"  # type: ignore[union-attr]


def test_a_specialised_service_records_the_contract_before_the_plan_is_approved(world: World, case: Case) -> None:
    approved_assessment(case, worker(world), head(world))
    plan = save_plan(case, worker(world), contract_number="", contract_date=None, contract_signed_by="")
    with pytest.raises(ValidationError) as refused:
        approve(plan, worker(world), head(world))
    assert "is a specialised service: record the contract" in " ".join(refused.value.messages)


def test_a_general_access_service_needs_no_contract(world: World) -> None:
    child = make_person(world.other, "Ива", "Хисарска", sex="female")
    outsider = world.outsider
    assert outsider is not None
    admin = world.users[Role.ADMINISTRATOR]
    case = accept(make_referral(world.other, [child], outsider), admin, outsider)
    approved_assessment(case, outsider, admin)
    plan = save_plan(case, outsider, contract_number="", contract_date=None, contract_signed_by="")
    assert approve(plan, outsider, admin).is_approved


def test_the_persons_agreement_is_recorded_before_approval(world: World, case: Case) -> None:
    approved_assessment(case, worker(world), head(world))
    plan = save_plan(case, worker(world), person_agreed=None)
    with pytest.raises(ValidationError) as refused:
        approve(plan, worker(world), head(world))
    assert "Record whether the person agreed" in " ".join(refused.value.messages)


def test_a_plan_on_an_assessment_that_was_since_reapproved_is_saved_again_first(world: World, case: Case) -> None:
    approved_assessment(case, worker(world), head(world))
    plan = save_plan(case, worker(world))
    approved_assessment(case, worker(world), head(world), risk_level="high")
    with pytest.raises(ValidationError) as refused:
        approve(plan, worker(world), head(world))
    assert "newer approved version" in " ".join(refused.value.messages)


# --- The state machine follows the documents --------------------------------------------------------------


def test_moving_to_the_plan_needs_an_approved_assessment(world: World, case: Case) -> None:
    save_assessment(case, worker(world))
    with pytest.raises(ValidationError) as refused:
        case_begin_plan(case=case, by=worker(world))
    assert refused.value.messages == [
        "The case cannot move to “Support plan” before the needs assessment is approved: complete the assessment, "
        "submit it, and ask the head of service to approve it."
    ]
    assert case.state == CaseState.ASSESSMENT
    approved_assessment(case, worker(world), head(world))
    assert case.state == CaseState.PLAN
    assert case.transitions.latest("at", "pk").reason == "The needs assessment was approved."


def test_support_needs_an_approved_plan(world: World, case: Case) -> None:
    approved_assessment(case, worker(world), head(world))
    save_plan(case, worker(world))
    with pytest.raises(ValidationError) as refused:
        case_begin_support(case=case, by=head(world))
    assert "before the individual support plan is approved" in refused.value.messages[0]
    assert case.state == CaseState.PLAN


def test_a_reopened_case_needs_a_new_approval_of_its_assessment(world: World, case: Case) -> None:
    approved_assessment(case, worker(world), head(world))
    case_close(case=case, by=head(world), reason="Семейството се премести.", outcome=CaseOutcome.MOVED)
    case_reopen(case=case, by=head(world), reason="Върнаха се.")
    case_begin_assessment(case=case, by=worker(world))
    with pytest.raises(ValidationError):
        case_begin_plan(case=case, by=worker(world))
    approved_assessment(case, worker(world), head(world))
    assert case.state == CaseState.PLAN
    assert list(case.assessments.order_by("number").values_list("number", "status")) == [
        (1, "approved"),
        (2, "approved"),
    ]


def test_closing_with_an_outcome_and_reopening_keeps_the_history(world: World, case: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        case_close(case=case, by=head(world), reason="Целите са постигнати.", outcome="")
    assert refused.value.message_dict == {"outcome": ["Choose the outcome of the case."]}

    case_close(case=case, by=head(world), reason="Целите са постигнати.", outcome=CaseOutcome.GOALS_ACHIEVED)
    assert case.outcome == CaseOutcome.GOALS_ACHIEVED
    case_reopen(case=case, by=head(world), reason="Майката се върна.")

    assert case.outcome == ""
    closure = case.transitions.get(to_state=CaseState.CLOSED)
    assert (closure.outcome, closure.reason) == (CaseOutcome.GOALS_ACHIEVED, "Целите са постигнати.")


def test_a_closed_case_keeps_its_documents_as_they_are(world: World, case: Case) -> None:
    save_assessment(case, worker(world))
    case_close(case=case, by=head(world), reason="Отказаха.", outcome=CaseOutcome.REFUSED)
    with pytest.raises(ValidationError) as refused:
        save_assessment(case, worker(world))
    assert "The case is closed" in refused.value.messages[0]


# --- Reviews ---------------------------------------------------------------------------------------------


@pytest.fixture
def in_support(world: World, case: Case) -> SupportPlan:
    approved_assessment(case, worker(world), head(world))
    plan = approved_plan(case, worker(world), head(world), goals=[a_goal(), a_goal(text="Гняв", needs=["emotional"])])
    assert case.state == CaseState.SUPPORT
    return plan


def months_after(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=min(day.day, 28))


def test_the_next_review_follows_the_organisations_time_limit(
    world: World, case: Case, in_support: SupportPlan
) -> None:
    """One rule engine: the case's review date is the time-limits page's, not a constant of its own."""
    from opora.deadlines.engine import default_values
    from opora.deadlines.models import DeadlineRule
    from opora.deadlines.rules import RuleCode

    six = next_review_due(case)
    assert six is not None
    default = default_values()[RuleCode.PLAN_REVIEW]
    DeadlineRule.objects.update_or_create(
        organisation=world.organisation,
        code=RuleCode.PLAN_REVIEW,
        defaults={"amount": 3, "counts_from": default.counts_from, "is_active": True},
    )
    three = next_review_due(case)
    assert three is not None
    assert (six.year * 12 + six.month) - (three.year * 12 + three.month) == 3
    # Saved, as the settings page saves it (the cached values are forgotten on a save, not on a bulk update).
    DeadlineRule.objects.update_or_create(
        organisation=world.organisation, code=RuleCode.PLAN_REVIEW, defaults={"is_active": False}
    )
    assert next_review_due(case) is None


def test_the_next_review_is_due_six_months_after_the_plan_then_after_each_review(
    world: World, case: Case, in_support: SupportPlan
) -> None:
    approved_on = timezone.localdate(in_support.approved_at)
    if approved_on.day <= 28:
        assert next_review_due(case) == months_after(approved_on, 6)
    first, second = in_support.goals.order_by("position")
    plan_review_record(
        case=case,
        by=worker(world),
        reviewed_on=timezone.localdate(),
        summary="Напредък.",
        progress={first.pk: (GoalStatus.IN_PROGRESS, ""), second.pk: (GoalStatus.NOT_STARTED, "")},
    )
    due = next_review_due(case)
    assert due is not None
    assert due > timezone.localdate() + datetime.timedelta(days=180)
    case_close(case=case, by=head(world), reason="Край.", outcome=CaseOutcome.GOALS_ACHIEVED)
    assert next_review_due(case) is None


def test_a_case_without_an_approved_plan_has_no_review_due(world: World, case: Case) -> None:
    assert next_review_due(case) is None


def test_a_review_records_progress_on_every_goal_and_may_start_the_next_version(
    world: World, case: Case, in_support: SupportPlan
) -> None:
    first, second = in_support.goals.order_by("position")
    with pytest.raises(ValidationError) as refused:
        plan_review_record(
            case=case,
            by=worker(world),
            reviewed_on=timezone.localdate(),
            summary="Непълен.",
            progress={first.pk: (GoalStatus.ACHIEVED, "")},
        )
    assert "every goal" in " ".join(refused.value.messages)

    review = plan_review_record(
        case=case,
        by=worker(world),
        reviewed_on=timezone.localdate(),
        summary="Посещава училище редовно.",
        progress={first.pk: (GoalStatus.ACHIEVED, "Без отсъствия."), second.pk: (GoalStatus.IN_PROGRESS, "")},
        revise=True,
    )

    assert list(review.progress.values_list("goal__position", "status", "note")) == [
        (1, "achieved", "Без отсъствия."),
        (2, "in_progress", ""),
    ]
    revised = review.revised_plan
    assert revised is not None
    assert (revised.number, revised.status) == (2, DocumentStatus.DRAFT)
    assert list(revised.goals.order_by("position").values_list("status", flat=True)) == ["achieved", "in_progress"]
    assert revised.goals.first().activities.count() == 1  # type: ignore[union-attr]
    # The plan in force stays version 1 until the head approves version 2.
    assert current_approved(case, SupportPlan) == in_support
    approve(revised, worker(world), head(world))
    assert current_approved(case, SupportPlan) == revised


# --- Optimistic locking -----------------------------------------------------------------------------------


def test_a_save_from_a_version_someone_changed_since_is_refused(world: World, case: Case) -> None:
    first = save_assessment(case, worker(world), summary="Първо.")
    read_at = first.edit_version
    save_assessment(case, head(world), summary="Главата промени.")

    with pytest.raises(StaleEdit) as refused:
        assessment_save(
            case=case,
            by=worker(world),
            values={"assessed_on": timezone.localdate(), "risk_level": "low", "summary": "Моето."},
            domains=ALL_DOMAINS,
            heard_children=[],
            based_on=first.pk,
            edit_version=read_at,
        )
    assert refused.value.current is not None
    assert refused.value.current.pk == first.pk
    first.refresh_from_db()
    assert first.summary == "Главата промени."


@postgresql_only
def test_two_sessions_saving_the_same_version_at_once_one_wins_and_the_other_is_refused(
    transactional_db: None, world: World, child: Person
) -> None:
    case = accept(make_referral(world.own, [child], worker(world)), head(world), worker(world))
    loaded = save_assessment(case, worker(world), summary="Версия N.")

    def save_as(user: Any, summary: str) -> Callable[[], Assessment]:
        return lambda: assessment_save(
            case=Case.objects.get(pk=case.pk),
            by=user,
            values={"assessed_on": timezone.localdate(), "risk_level": "medium", "summary": summary},
            domains=ALL_DOMAINS,
            heard_children=[],
            based_on=loaded.pk,
            edit_version=loaded.edit_version,
        )

    results = run_at_once(save_as(worker(world), "От социалния работник."), save_as(head(world), "От главата."))

    won = [result for result in results if isinstance(result, Assessment)]
    refused = [result for result in results if isinstance(result, StaleEdit)]
    assert (len(won), len(refused)) == (1, 1), results
    loaded.refresh_from_db()
    assert loaded.edit_version == won[0].edit_version == 2
    assert loaded.summary == won[0].summary
    assert Assessment.objects.filter(case=case).count() == 1


def assessment_post(version: Assessment, **changes: Any) -> dict[str, Any]:
    """The assessment form as a browser sends it, read from ``version``."""
    data: dict[str, Any] = {
        "based_on": version.pk,
        "edit_version": version.edit_version,
        "assessed_on": timezone.localdate().isoformat(),
        "risk_level": "medium",
        "summary": "",
        "heard_children": [],
    }
    for domain, (score, description) in ALL_DOMAINS.items():
        data[f"score_{domain}"] = score
        data[f"description_{domain}"] = description
    return data | changes


def test_the_second_of_two_colleagues_is_told_and_shown_the_change_and_keeps_what_she_typed(
    world: World, case: Case
) -> None:
    version = save_assessment(case, worker(world), summary="Начало.")
    url = reverse("cases:case_assessment", args=[case.pk])
    worker_page, head_page = client(world, Role.SOCIAL_WORKER), client(world, Role.HEAD)
    # Both open the form at the same version.
    for page in (worker_page, head_page):
        assert page.get(url).context["form"]["edit_version"].value() == version.edit_version

    first = head_page.post(url, assessment_post(version, summary="Главата: висок риск.", risk_level="high"))
    assert first.status_code == 302
    second = worker_page.post(url, assessment_post(version, summary="Работникът: нисък риск.", risk_level="low"))

    assert second.status_code == 200
    content = second.content.decode()
    assert "Someone else saved this document while you were editing it" in content
    assert "after you opened it" in content
    assert reverse("cases:assessment_detail", args=[version.pk]) in content
    assert ("Overall risk", "High", "Low") in second.context["conflict"]["rows"]
    form = second.context["form"]
    assert form["summary"].value() == "Работникът: нисък риск."
    version.refresh_from_db()
    assert (version.summary, version.risk_level) == ("Главата: висок риск.", "high")
    # Having seen the other change, saving again replaces it knowingly.
    assert form["edit_version"].value() == str(version.edit_version)
    again = worker_page.post(url, {**form.data})
    assert again.status_code == 302
    version.refresh_from_db()
    assert version.summary == "Работникът: нисък риск."


def test_approving_a_page_read_before_a_change_is_refused(world: World, case: Case) -> None:
    version = save_assessment(case, worker(world))
    document_submit(document=version, by=worker(world), edit_version=version.edit_version)
    version.refresh_from_db()
    stale_reading = version.edit_version
    save_assessment(case, worker(world), summary="Допълнено.")

    response = client(world, Role.HEAD).post(
        reverse("cases:assessment_approve", args=[version.pk]), {"edit_version": stale_reading}
    )

    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    version.refresh_from_db()
    assert version.status == DocumentStatus.SUBMITTED
    # The page now carries the version as it is: approving from it, having read it, succeeds.
    assert f'name="edit_version" value="{version.edit_version}"' in response.content.decode()


# --- Pages ------------------------------------------------------------------------------------------------


def test_the_case_page_links_to_the_assessment_and_the_plan(world: World, case: Case) -> None:
    assessment = approved_assessment(case, worker(world), head(world))
    content = client(world, Role.SOCIAL_WORKER).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("cases:assessment_detail", args=[assessment.pk]) in content
    assert reverse("cases:case_assessment", args=[case.pk]) in content
    assert reverse("cases:case_plan", args=[case.pk]) in content
    psychologist = client(world, Role.PSYCHOLOGIST).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("cases:case_assessment", args=[case.pk]) not in psychologist


def test_a_worker_writes_the_assessment_on_the_page(world: World, case: Case, child: Person) -> None:
    response = client(world, Role.SOCIAL_WORKER).post(
        reverse("cases:case_assessment", args=[case.pk]),
        assessment_post(Assessment(), based_on="", edit_version="", heard_children=[child.pk], summary="Готово."),
    )
    assessment = Assessment.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:assessment_detail", args=[assessment.pk])
    assert list(assessment.heard_children.all()) == [child]


def test_bad_input_on_the_assessment_is_shown_next_to_the_field_and_kept(world: World, case: Case) -> None:
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client(world, Role.SOCIAL_WORKER).post(
        reverse("cases:case_assessment", args=[case.pk]),
        assessment_post(
            Assessment(), based_on="", edit_version="", assessed_on=tomorrow, risk_level="", summary="Пази."
        ),
    )
    form = response.context["form"]
    assert form.errors["assessed_on"] == ["This is in the future: type the day it happened."]
    assert "risk_level" in form.errors
    assert form["summary"].value() == "Пази."
    assert not Assessment.objects.exists()


def test_the_head_approves_on_the_page_and_a_worker_submits(world: World, case: Case) -> None:
    assessment = save_assessment(case, worker(world))
    submitted = client(world, Role.SOCIAL_WORKER).post(
        reverse("cases:assessment_submit", args=[assessment.pk]), {"edit_version": assessment.edit_version}
    )
    assert submitted.status_code == 302
    assessment.refresh_from_db()
    page = client(world, Role.HEAD).get(reverse("cases:assessment_detail", args=[assessment.pk]))
    assert reverse("cases:assessment_approve", args=[assessment.pk]) in page.content.decode()
    approved = client(world, Role.HEAD).post(
        reverse("cases:assessment_approve", args=[assessment.pk]), {"edit_version": assessment.edit_version}
    )
    assert approved.status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_approved


def test_an_old_version_is_read_only_and_points_to_the_newest(world: World, case: Case) -> None:
    first = approved_assessment(case, worker(world), head(world))
    second = save_assessment(case, worker(world))
    page = client(world, Role.SOCIAL_WORKER).get(reverse("cases:assessment_detail", args=[first.pk]))
    content = page.content.decode()
    assert page.context["can_edit"] is False
    assert page.context["can_submit"] is False
    assert reverse("cases:assessment_detail", args=[second.pk]) in content


def plan_post(case: Case, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "based_on": "",
        "edit_version": "",
        "person_agreed": "yes",
        "person_note": "Мартин иска да ходи на училище.",
        "parents_agreed": "yes",
        "parents_note": "",
        "contract_number": "Д-1",
        "contract_date": timezone.localdate().isoformat(),
        "contract_signed_by": "Петя Колева",
        "goals-TOTAL_FORMS": "2",
        "goals-INITIAL_FORMS": "0",
        "goals-0-text": "Редовно в училище",
        "goals-0-needs": ["education"],
        "goals-0-expected_results": "Без отсъствия.",
        "goals-0-status": "not_started",
        "goals-1-status": "not_started",
        "activities-TOTAL_FORMS": "2",
        "activities-INITIAL_FORMS": "0",
        "activities-0-goal": "1",
        "activities-0-what": "Психологическа консултация",
        "activities-0-staff": "",
        "activities-0-partner": "",
        "activities-0-frequency": "седмично, четвъртък 15:00",
        "activities-0-starts_on": timezone.localdate().isoformat(),
        "activities-1-goal": "",
    }
    return data | changes


def test_a_worker_draws_up_the_plan_with_goals_and_activities_on_the_page(world: World, case: Case) -> None:
    approved_assessment(case, worker(world), head(world))
    url = reverse("cases:case_plan", args=[case.pk])
    page = client(world, Role.SOCIAL_WORKER)
    refused = page.post(url, plan_post(case))
    assert refused.context["activity_forms"].forms[0].errors == {
        "staff": ["Name who does it: a member of staff or a partner."]
    }
    assert refused.context["goal_forms"].forms[0]["text"].value() == "Редовно в училище"

    psychologist = world.users[Role.PSYCHOLOGIST]
    response = page.post(url, plan_post(case, **{"activities-0-staff": psychologist.pk}))

    assert response.status_code == 302
    plan = SupportPlan.objects.get(case=case)
    goal = plan.goals.get()
    assert (goal.text, goal.needs) == ("Редовно в училище", ["education"])
    assert goal.activities.get().staff == psychologist
    assert plan.person_agreed is True


def test_the_plan_page_asks_for_the_approved_assessment_first(world: World, case: Case) -> None:
    response = client(world, Role.SOCIAL_WORKER).get(reverse("cases:case_plan", args=[case.pk]))
    assert "complete the assessment and have it approved first" in response.content.decode()


def test_a_review_on_the_page_with_a_change_leads_to_the_new_version(
    world: World, case: Case, in_support: SupportPlan
) -> None:
    first, second = in_support.goals.order_by("position")
    response = client(world, Role.SOCIAL_WORKER).post(
        reverse("cases:case_review", args=[case.pk]),
        {
            "reviewed_on": timezone.localdate().isoformat(),
            "summary": "Напредък.",
            f"status_{first.pk}": "achieved",
            f"status_{second.pk}": "in_progress",
            "revise": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_plan", args=[case.pk])
    assert case.plans.count() == 2


def test_the_head_closes_the_case_with_an_outcome_on_the_page(world: World, case: Case) -> None:
    response = client(world, Role.HEAD).post(
        reverse("cases:case_transition", args=[case.pk]),
        {"to": "closed", "reason": "Целите са постигнати.", "outcome": ""},
    )
    assert response.context["form"].errors == {"outcome": ["Choose the outcome of the case."]}
    assert response.context["form"]["reason"].value() == "Целите са постигнати."
    client(world, Role.HEAD).post(
        reverse("cases:case_transition", args=[case.pk]),
        {"to": "closed", "reason": "Целите са постигнати.", "outcome": "goals_achieved"},
    )
    case.refresh_from_db()
    assert (case.state, case.outcome) == (CaseState.CLOSED, "goals_achieved")


@pytest.mark.parametrize("name", ["cases:assessment_print", "cases:plan_print"])
def test_the_printable_documents_are_plain_pages_with_a_print_stylesheet(
    world: World, case: Case, in_support: SupportPlan, name: str
) -> None:
    record = in_support if name == "cases:plan_print" else in_support.assessment
    url = reverse(name, args=[record.pk])
    with translation.override("bg"):
        response = client(world, Role.PEDAGOGUE).get(url, HTTP_ACCEPT_LANGUAGE="bg")
    content = response.content.decode()
    assert response.status_code == 200
    assert "opora/print.css" in content
    for inline in ("<script", "<style", "style="):
        assert inline not in content
    assert "Колев" in content
    assert ViewEvent.objects.filter(path=url, outcome=ViewOutcome.VIEWED).exists()


def test_a_worker_of_another_service_gets_404_for_the_documents_and_it_is_logged(
    world: World, case: Case, in_support: SupportPlan
) -> None:
    outsider = Client()
    outsider.force_login(world.outsider)  # type: ignore[arg-type]
    for url in (
        reverse("cases:assessment_detail", args=[in_support.assessment_id]),
        reverse("cases:plan_print", args=[in_support.pk]),
        reverse("cases:case_review", args=[case.pk]),
    ):
        assert outsider.get(url).status_code == 404
        assert ViewEvent.objects.filter(path=url, outcome=ViewOutcome.DENIED).exists()


@pytest.mark.parametrize("role", [Role.MONITORING, Role.VOLUNTEER])
def test_roles_without_case_access_reach_no_assessment_or_plan(
    world: World, in_support: SupportPlan, role: str
) -> None:
    user = world.users[role]
    assert not scope(user, Assessment.objects.all(), Perm.CASE_VIEW).exists()
    assert not scope(user, SupportPlan.objects.all(), Perm.CASE_VIEW).exists()
    assert scope(world.users[Role.PSYCHOLOGIST], SupportPlan.objects.all(), Perm.CASE_VIEW).count() == 1
    assert not scope(world.outsider, SupportPlan.objects.all(), Perm.CASE_VIEW).exists()


def test_two_colleagues_editing_the_plan_the_second_is_told_and_keeps_her_goals(world: World, case: Case) -> None:
    approved_assessment(case, worker(world), head(world))
    version = save_plan(case, worker(world))
    url = reverse("cases:case_plan", args=[case.pk])
    read = {"based_on": version.pk, "edit_version": version.edit_version, "goals-INITIAL_FORMS": "0"}
    first = client(world, Role.HEAD).post(url, plan_post(case, **read, **{"activities-0-partner": "Училището"}))
    assert first.status_code == 302

    second = client(world, Role.SOCIAL_WORKER).post(
        url,
        plan_post(case, **read, **{"goals-0-text": "Моята цел", "activities-0-partner": "Читалището"}),
    )

    assert second.status_code == 200
    assert "Someone else saved this document while you were editing it" in second.content.decode()
    assert ("Goals", "Редовно в училище", "Моята цел") in second.context["conflict"]["rows"]
    assert second.context["goal_forms"].forms[0]["text"].value() == "Моята цел"
    version.refresh_from_db()
    assert version.goals.get().text == "Редовно в училище"


# --- The multidisciplinary team works on the case's documents ----------------------------------------------


def test_the_psychologist_on_the_team_writes_and_submits_the_assessment_but_does_not_approve(
    world: World, case: Case
) -> None:
    psychologist = world.users[Role.PSYCHOLOGIST]
    case.team.add(psychologist)
    page = client(world, Role.PSYCHOLOGIST)

    assert page.get(reverse("cases:case_assessment", args=[case.pk])).status_code == 200
    assessment = save_assessment(case, psychologist, summary="Тревожност в училище.")
    assert page.get(reverse("cases:assessment_submit", args=[assessment.pk])).status_code == 200
    document_submit(document=assessment, by=psychologist, edit_version=assessment.edit_version)
    with pytest.raises(PermissionDenied):
        document_approve(document=assessment, by=psychologist, edit_version=assessment.edit_version + 1)
    assert page.get(reverse("cases:assessment_approve", args=[assessment.pk])).status_code == 403


def test_a_psychologist_who_is_not_on_the_team_still_only_reads_the_documents(world: World, case: Case) -> None:
    psychologist = world.users[Role.PSYCHOLOGIST]
    with pytest.raises(PermissionDenied):
        save_assessment(case, psychologist)
    assert client(world, Role.PSYCHOLOGIST).get(reverse("cases:case_assessment", args=[case.pk])).status_code == 403
