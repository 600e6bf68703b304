"""Deadlines: every time limit with a fixed clock, the administrator's settings changing due dates, "My tasks"
and "Overdue" (their contents and who reaches what), the case page's next due dates, and notifications (once
per item per day, e-mailed by the real task worker)."""

import datetime
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Q
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from opora.audit.models import ChangeEvent
from opora.cases.casework.models import Case, CaseOutcome, CaseState, CaseTask
from opora.cases.casework.services import case_begin_assessment, case_close, case_reopen, task_complete
from opora.cases.planning.models import GoalStatus
from opora.cases.planning.services import plan_review_record
from opora.deadlines import selectors
from opora.deadlines.engine import DueItem, add_months, due_after, end_of_day
from opora.deadlines.models import DeadlineRule, Notification
from opora.deadlines.rules import BY_LAW, DEFINITIONS, SETTABLE, Anchor, PeriodUnit, RuleCode
from opora.deadlines.selectors import case_due_items, my_items, overdue_items
from opora.deadlines.services import RuleSetting, deadline_rules_set, notifications_send
from opora.organisation.models import Membership, Role, ServiceKind
from opora.people.models import Person
from tests.casework import accept, approved_assessment, approved_plan, head, make_referral, worker
from tests.conftest import FIXED_NOW, Clock, World, make_person, make_user

SOFIA = ZoneInfo("Europe/Sofia")


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def new_case(world: World, child: Person, **referral_fields: Any) -> Case:
    referral = make_referral(world.own, [child], worker(world), **referral_fields)
    return accept(referral, head(world), worker(world), team=[world.users[Role.PSYCHOLOGIST]])


def to_plan(world: World, case: Case) -> None:
    """Assess: the head's approval moves the case on to the plan."""
    if case.state != CaseState.ASSESSMENT:
        case_begin_assessment(case=case, by=worker(world))
    approved_assessment(case, worker(world), head(world))
    assert case.state == CaseState.PLAN


def to_support(world: World, case: Case) -> None:
    """The head's approval of the plan starts support."""
    approved_plan(case, worker(world), head(world))
    assert case.state == CaseState.SUPPORT


def close(world: World, case: Case) -> None:
    case_close(case=case, by=head(world), reason="Семейството се премести.", outcome=CaseOutcome.MOVED)


def due(case: Case, now: datetime.datetime) -> dict[str, DueItem]:
    return {item.code: item for item in case_due_items(case.pk, now)}


def page_items(response: Any) -> list[DueItem]:
    """The due items the case page's deadlines section (registered by the deadlines app) shows."""
    (section,) = [one for one in response.context["sections"] if one.template == "deadlines/_case_deadlines.html"]
    items: list[DueItem] = section.context["items"]
    return items


def end_of_sofia_day(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date(year, month, day), datetime.time.max, tzinfo=SOFIA)


# The task worker, in this process and at once: what it runs is the task itself.
RUN_TASKS_AT_ONCE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def set_rule(world: World, code: str, amount: int, counts_from: str | None = None, active: bool = True) -> None:
    """Save a time limit as the page does, then run what it hands to the task worker on commit (the stored items
    of the organisation worked out again; the real worker: ``tests/test_stored_due_items.py``)."""
    with override_settings(TASKS=RUN_TASKS_AT_ONCE), TestCase.captureOnCommitCallbacks(execute=True):
        deadline_rules_set(
            organisation=world.organisation,
            settings_by_code={
                code: RuleSetting(
                    amount=amount, counts_from=counts_from or DEFINITIONS[code].default_anchor, is_active=active
                )
            },
            by=world.users[Role.ADMINISTRATOR],
        )


# --- Calendar arithmetic -----------------------------------------------------------------------------------


def test_months_keep_the_day_or_take_the_last_day_of_a_shorter_month() -> None:
    assert add_months(datetime.date(2026, 3, 2), 6) == datetime.date(2026, 9, 2)
    assert add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2027, 8, 31), 6) == datetime.date(2028, 2, 29)
    assert add_months(datetime.date(2026, 11, 15), 14) == datetime.date(2028, 1, 15)


def test_days_are_counted_on_the_sofia_calendar_and_end_with_the_last_day() -> None:
    # 23:30 UTC on 1 March is 01:30 on 2 March in Sofia: the count starts from the Sofia date.
    start = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    assert due_after(start, 20, PeriodUnit.DAYS) == end_of_sofia_day(2026, 3, 22)


def test_a_change_of_summer_time_does_not_move_the_last_day() -> None:
    start = datetime.datetime(2026, 3, 20, 9, 0, tzinfo=SOFIA)  # summer time starts on 29 March
    ends = due_after(start, 10, PeriodUnit.DAYS)
    assert ends == end_of_sofia_day(2026, 3, 30)
    assert ends.utcoffset() == datetime.timedelta(hours=3)
    assert end_of_day(datetime.date(2026, 3, 27)).utcoffset() == datetime.timedelta(hours=2)


def test_hours_run_from_the_minute() -> None:
    start = datetime.datetime(2026, 3, 2, 7, 10, tzinfo=datetime.UTC)
    assert due_after(start, 24, PeriodUnit.HOURS) == start + datetime.timedelta(hours=24)


# --- The definitions -----------------------------------------------------------------------------------------


def test_every_limit_has_a_source_a_default_and_a_default_it_may_count_from() -> None:
    for definition in DEFINITIONS.values():
        assert str(definition.legal_source)
        assert definition.default_anchor in definition.anchors
    assert set(SETTABLE) | set(BY_LAW) == set(RuleCode.values)
    assert set(BY_LAW) == {RuleCode.VIOLENCE_COORDINATION}


def test_the_limits_of_law_keep_the_articles_of_the_acts() -> None:
    assert str(DEFINITIONS[RuleCode.NOTIFY_CHILD_ALONE].legal_source) == "Social Services Act, art. 87"
    assert str(DEFINITIONS[RuleCode.VIOLENCE_COORDINATION].legal_source) == "Child Protection Act, art. 36г–36д"
    assert "art. 80" in str(DEFINITIONS[RuleCode.NEEDS_ASSESSMENT].legal_source)


# --- Each rule, with a fixed clock ---------------------------------------------------------------------------


def test_the_assessment_and_the_plan_are_due_20_days_after_acceptance(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)

    items = due(case, clock.now)

    assert set(items) == {RuleCode.NEEDS_ASSESSMENT, RuleCode.SUPPORT_PLAN}
    assessment = items[RuleCode.NEEDS_ASSESSMENT]
    assert assessment.due_at == end_of_sofia_day(2026, 3, 22)
    assert assessment.whole_day
    assert not assessment.overdue
    assert "art. 80" in assessment.legal_source
    assert assessment.responsible_ids == (worker(world).pk,)
    assert assessment.service_ids == (world.own.pk,)


def test_the_assessment_is_overdue_the_day_after_its_last_day(world: World, child: Person, clock: Clock) -> None:
    case = new_case(world, child)
    case_begin_assessment(case=case, by=worker(world))
    last_minute = end_of_sofia_day(2026, 3, 22) - datetime.timedelta(minutes=1)
    assert not due(case, last_minute)[RuleCode.NEEDS_ASSESSMENT].overdue
    assert due(case, last_minute + datetime.timedelta(minutes=2))[RuleCode.NEEDS_ASSESSMENT].overdue


def test_the_assessment_stops_being_due_when_the_plan_starts(world: World, child: Person, clock: Clock) -> None:
    case = new_case(world, child)
    case_begin_assessment(case=case, by=worker(world))
    clock.advance(days=10)
    to_plan(world, case)

    assert set(due(case, clock.now)) == {RuleCode.SUPPORT_PLAN}


def test_approving_the_assessment_and_the_plan_leaves_no_deadline_behind(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)
    case_begin_assessment(case=case, by=worker(world))
    approved_assessment(case, worker(world), head(world))  # the case moves to the plan by itself
    assert set(due(case, clock.now)) == {RuleCode.SUPPORT_PLAN}

    approved_plan(case, worker(world), head(world))  # and to support

    assert set(due(case, clock.now)) == {RuleCode.PLAN_REVIEW, RuleCode.REASSESSMENT}
    codes = {item.code for item in my_items(worker(world), clock.now)}
    assert not codes & {RuleCode.NEEDS_ASSESSMENT, RuleCode.SUPPORT_PLAN}
    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("cases:case_detail", args=[case.pk]))
    assert [item.code for item in page_items(response)] == [
        RuleCode.PLAN_REVIEW,
        RuleCode.REASSESSMENT,
    ]
    clock.advance(days=60)
    assert overdue_items(head(world), clock.now) == []


def test_an_assessment_approved_in_an_accepted_case_moves_it_through_the_assessment(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)
    approved_assessment(case, worker(world), head(world))
    assert list(case.transitions.values_list("to_state", flat=True)) == ["accepted", "assessment", "plan"]
    assert set(due(case, clock.now)) == {RuleCode.SUPPORT_PLAN}


def test_the_plan_may_count_from_the_completed_assessment(world: World, child: Person, clock: Clock) -> None:
    set_rule(world, RuleCode.SUPPORT_PLAN, 14, Anchor.ASSESSMENT_COMPLETED)
    case = new_case(world, child)
    case_begin_assessment(case=case, by=worker(world))
    assert RuleCode.SUPPORT_PLAN not in due(case, clock.now)  # nothing to count from yet
    clock.advance(days=10)  # 12 March
    to_plan(world, case)

    assert due(case, clock.now)[RuleCode.SUPPORT_PLAN].due_at == end_of_sofia_day(2026, 3, 26)


def test_the_terms_may_count_from_the_day_the_referral_was_received(world: World, child: Person, clock: Clock) -> None:
    set_rule(world, RuleCode.NEEDS_ASSESSMENT, 20, Anchor.REFERRAL_RECEIVED)
    case = new_case(world, child, received_at=FIXED_NOW - datetime.timedelta(days=5))

    assert due(case, clock.now)[RuleCode.NEEDS_ASSESSMENT].due_at == end_of_sofia_day(2026, 3, 17)


def test_the_plan_is_reviewed_every_6_months_from_the_start_of_support(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)
    to_plan(world, case)
    clock.advance(days=13)  # 15 March
    to_support(world, case)

    items = due(case, clock.now)

    assert set(items) == {RuleCode.PLAN_REVIEW, RuleCode.REASSESSMENT}
    assert items[RuleCode.PLAN_REVIEW].due_at == end_of_sofia_day(2026, 9, 15)
    assert items[RuleCode.REASSESSMENT].due_at == end_of_sofia_day(2027, 3, 2)


def test_the_next_review_counts_from_the_last_review(world: World, child: Person, clock: Clock) -> None:
    case = new_case(world, child)
    to_plan(world, case)
    to_support(world, case)
    clock.advance(days=190)  # 8 September
    plan = case.plans.get()
    plan_review_record(
        case=case,
        by=worker(world),
        reviewed_on=datetime.date(2026, 9, 7),
        summary="Напредък по всички цели.",
        progress={goal.pk: (GoalStatus.IN_PROGRESS, "") for goal in plan.goals.all()},
    )

    assert due(case, clock.now)[RuleCode.PLAN_REVIEW].due_at == end_of_sofia_day(2027, 3, 7)


def test_a_reopened_case_counts_its_assessment_from_the_reopening(world: World, child: Person, clock: Clock) -> None:
    set_rule(world, RuleCode.NEEDS_ASSESSMENT, 20, Anchor.REFERRAL_RECEIVED)
    case = new_case(world, child)
    close(world, case)
    assert due(case, clock.now) == {}
    clock.advance(days=100)  # 10 June
    case_reopen(case=case, by=head(world), reason="Върнаха се.")

    assert due(case, clock.now)[RuleCode.NEEDS_ASSESSMENT].due_at == end_of_sofia_day(2026, 6, 30)


def test_a_limit_that_is_not_watched_gives_no_item(world: World, child: Person, clock: Clock) -> None:
    set_rule(world, RuleCode.SUPPORT_PLAN, 20, active=False)
    assert set(due(new_case(world, child), clock.now)) == {RuleCode.NEEDS_ASSESSMENT}


def test_a_child_who_came_alone_must_be_notified_about_at_once(world: World, child: Person, clock: Clock) -> None:
    make_referral(world.own, [child], worker(world), child_alone=True, kind="request", source="self")
    clock.advance(minutes=1)

    [item] = my_items(worker(world), clock.now)

    assert item.code == RuleCode.NOTIFY_CHILD_ALONE
    assert (item.immediate, item.signal_at) == (True, FIXED_NOW)
    assert item.due_at == FIXED_NOW + datetime.timedelta(hours=2)  # the default grace
    assert not item.overdue  # immediate, not overdue the moment it is created
    clock.advance(hours=2)
    assert my_items(worker(world), clock.now)[0].overdue
    assert item.legal_source == CaseTask.objects.get().legal_source  # written in the organisation's language
    assert item.responsible_ids == (worker(world).pk,)


def test_a_violence_signal_is_due_24_hours_after_it_was_received(world: World, child: Person, clock: Clock) -> None:
    received = FIXED_NOW - datetime.timedelta(hours=3)
    make_referral(world.own, [child], worker(world), violence_concern=True, received_at=received)

    [item] = my_items(worker(world), clock.now)

    assert item.code == RuleCode.VIOLENCE_COORDINATION
    assert item.due_at == received + datetime.timedelta(hours=24)
    assert not item.overdue
    assert not item.whole_day


def test_the_grace_of_an_immediate_notification_is_a_setting(world: World, child: Person, clock: Clock) -> None:
    set_rule(world, RuleCode.NOTIFY_CHILD_ALONE, 5)
    make_referral(world.own, [child], worker(world), child_alone=True, kind="request", source="self")

    [item] = my_items(worker(world), clock.now + datetime.timedelta(hours=4))

    assert item.due_at == FIXED_NOW + datetime.timedelta(hours=5)
    assert not item.overdue
    content = page(world, Role.ADMINISTRATOR, "deadlines:deadline_rules")
    assert "Social Services Act, art. 87" in content
    assert "how long the task may stay open before it is shown as overdue" in content


def test_the_24_hour_clock_counts_down_on_the_referral_the_lists_and_the_home_page(
    world: World, child: Person, clock: Clock
) -> None:
    received = FIXED_NOW - datetime.timedelta(hours=3)
    referral = make_referral(world.own, [child], worker(world), violence_concern=True, received_at=received)
    client = english(world.client_for(Role.SOCIAL_WORKER))
    for url in (
        reverse("cases:referral_detail", args=[referral.pk]),
        reverse("deadlines:my_tasks"),
        reverse("ui:home"),
    ):
        content = client.get(url).content.decode()
        assert "21\xa0hours left" in content, url
    clock.advance(hours=22)
    client = english(world.client_for(Role.SOCIAL_WORKER))  # a new session: the old one has timed out
    assert "overdue" in client.get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()


def test_a_task_done_is_no_longer_due(world: World, child: Person, clock: Clock) -> None:
    referral = make_referral(world.own, [child], worker(world), child_alone=True, kind="request", source="self")
    task_complete(
        task=referral.tasks.get(), by=worker(world), notified_whom="ДСП", notified_at=clock.now, notified_how="phone"
    )
    assert my_items(worker(world), clock.now) == []


# --- The settings page --------------------------------------------------------------------------------------


def rules_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for code in SETTABLE:
        definition = DEFINITIONS[code]
        data[f"{code}-amount"] = definition.default_amount
        data[f"{code}-counts_from"] = definition.default_anchor
        data[f"{code}-is_active"] = "on"
    data.update(changes)
    return data


def test_the_settings_page_shows_each_limit_with_its_default_and_source(world: World) -> None:
    response = english(world.client_for(Role.ADMINISTRATOR)).get(reverse("deadlines:deadline_rules"))

    content = response.content.decode()
    assert response.status_code == 200
    for definition in DEFINITIONS.values():
        assert str(definition.name) in content
    assert "Default: 20 days, counting from when the case was accepted (or reopened)." in content
    assert "Social Services Act, art. 87" in content
    assert "Child Protection Act, art. 36г–36д" in content
    # The limits of law are shown, not offered for change.
    assert f'name="{RuleCode.VIOLENCE_COORDINATION}-amount"' not in content


def test_changing_a_value_changes_the_due_dates_and_is_audited(world: World, child: Person, clock: Clock) -> None:
    case = new_case(world, child)
    client = world.client_for(Role.ADMINISTRATOR)

    response = client.post(reverse("deadlines:deadline_rules"), rules_form(**{"needs_assessment-amount": "30"}))

    assert response.status_code == 302
    assert due(case, clock.now)[RuleCode.NEEDS_ASSESSMENT].due_at == end_of_sofia_day(2026, 4, 1)
    rule = DeadlineRule.objects.get(organisation=world.organisation, code=RuleCode.NEEDS_ASSESSMENT)
    change = ChangeEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(DeadlineRule), object_id=str(rule.pk)
    ).latest("pk")
    assert change.actor == world.users[Role.ADMINISTRATOR]
    assert change.changes["amount"] == [None, 30]  # the first save of the organisation's own value
    read_at = client.get(reverse("deadlines:deadline_rules")).context["form"]["version"].value()
    client.post(reverse("deadlines:deadline_rules"), rules_form(version=read_at, **{"needs_assessment-amount": "25"}))
    assert ChangeEvent.objects.filter(object_id=str(rule.pk)).latest("pk").changes["amount"] == [30, 25]
    assert 'value="25"' in client.get(reverse("deadlines:deadline_rules")).content.decode()


def test_a_bad_value_is_refused_next_to_its_field_and_what_was_typed_is_kept(world: World) -> None:
    client = english(world.client_for(Role.ADMINISTRATOR))
    data = rules_form(**{"needs_assessment-amount": "0", "plan_review-amount": "9", "support_plan-counts_from": "x"})

    response = client.post(reverse("deadlines:deadline_rules"), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["needs_assessment-amount"] == ["The period is at least 1."]
    assert "support_plan-counts_from" in form.errors
    assert 'value="9"' in response.content.decode()
    assert not DeadlineRule.objects.filter(organisation=world.organisation, amount=9).exists()


def test_another_organisation_keeps_its_own_values(world: World, child: Person, clock: Clock) -> None:
    set_rule(world, RuleCode.NEEDS_ASSESSMENT, 5)
    assert selectors.rule_values(world.organisation.pk)[RuleCode.NEEDS_ASSESSMENT].amount == 5
    other = type(world.organisation).objects.create(name="Друга", municipality="Варна")
    assert selectors.rule_values(other.pk)[RuleCode.NEEDS_ASSESSMENT].amount == 20


def test_a_limit_of_law_cannot_be_changed_through_the_service(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        set_rule(world, RuleCode.VIOLENCE_COORDINATION, 48)
    with pytest.raises(PermissionDenied):
        deadline_rules_set(
            organisation=world.organisation,
            settings_by_code={RuleCode.NEEDS_ASSESSMENT: RuleSetting(10, Anchor.CASE_ACCEPTED, True)},
            by=head(world),
        )


# --- The case page ---------------------------------------------------------------------------------------------


def test_the_case_page_shows_its_next_due_dates(world: World, child: Person, clock: Clock) -> None:
    case = new_case(world, child)

    response = world.client_for(Role.SOCIAL_WORKER).get(reverse("cases:case_detail", args=[case.pk]))

    items = page_items(response)
    assert [item.code for item in items] == [RuleCode.NEEDS_ASSESSMENT, RuleCode.SUPPORT_PLAN]
    assert "22.03.2026" in response.content.decode()


# --- My tasks and Overdue ------------------------------------------------------------------------------------


def english(client: Client) -> Client:
    """Pages in English: the Bulgarian text is the translators' to change."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def page(world: World, role: str, name: str, **query: Any) -> str:
    response = english(world.client_for(role)).get(reverse(name), query)
    assert response.status_code == 200
    return response.content.decode()


def test_my_tasks_are_the_cases_i_manage_or_am_on_the_team_of_and_the_tasks_assigned_to_me(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)
    other_child = make_person(world.own, "Виктория", "Петрова", sex="female")
    colleague = make_user("colleague", world.organisation, Role.SOCIAL_WORKER, world.own)
    elsewhere = make_referral(world.own, [other_child], colleague)
    accept(elsewhere, head(world), colleague)
    make_referral(world.own, [other_child], worker(world), child_alone=True, kind="request", source="self")

    mine = my_items(worker(world), clock.now)
    on_team = my_items(world.users[Role.PSYCHOLOGIST], clock.now)

    assert [item.code for item in mine] == [
        RuleCode.NOTIFY_CHILD_ALONE,
        RuleCode.NEEDS_ASSESSMENT,
        RuleCode.SUPPORT_PLAN,
    ]
    assert {item.case_id for item in mine if item.case_id} == {case.pk}
    assert {item.case_id for item in on_team} == {case.pk}
    # The head answers for her service's tasks of law, whoever recorded them; not for each case's deadlines.
    assert [item.code for item in my_items(head(world), clock.now)] == [RuleCode.NOTIFY_CHILD_ALONE]
    content = page(world, Role.SOCIAL_WORKER, "deadlines:my_tasks")
    assert "Колев" in content
    assert "Петрова" in content  # the task names its child, not only the referral
    assert "At once" in content
    assert "Петрова" in page(world, Role.HEAD, "deadlines:my_tasks")
    assert CaseTask.objects.get().legal_source in content


def test_a_worker_of_another_service_sees_nothing_of_ours(world: World, child: Person, clock: Clock) -> None:
    new_case(world, child)
    make_referral(world.own, [child], worker(world), child_alone=True, kind="request", source="self")
    clock.advance(days=60)
    assert world.outsider is not None

    assert my_items(world.outsider, clock.now) == []
    assert overdue_items(world.outsider, clock.now) == []
    client = Client()
    client.force_login(world.outsider)
    for name in ("deadlines:my_tasks", "deadlines:overdue"):
        content = client.get(reverse(name)).content.decode()
        assert "Колев" not in content
        assert world.own.name not in content


@pytest.mark.parametrize("role", [Role.MONITORING, Role.VOLUNTEER, Role.VOLUNTEER_COORDINATOR])
def test_roles_that_do_not_see_cases_cannot_open_the_lists(world: World, role: str) -> None:
    client = world.client_for(role)
    for name in ("deadlines:my_tasks", "deadlines:overdue"):
        assert client.get(reverse(name)).status_code == 403


def test_a_head_sees_the_overdue_items_of_the_service_and_a_worker_only_her_own(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)
    colleague = make_user("colleague", world.organisation, Role.SOCIAL_WORKER, world.own)
    theirs = accept(
        make_referral(world.own, [make_person(world.own, "Ива", "Иванова")], colleague), head(world), colleague
    )
    assert world.outsider is not None
    other_child = make_person(world.other, "Петър", "Хисарски")
    admin = world.users[Role.ADMINISTRATOR]
    elsewhere = accept(
        make_referral(world.other, [other_child], admin, home_municipality="Хисаря"), admin, world.outsider
    )
    # The other service is general-access: no assessment is due there, its two months are (ЗСУ чл. 12, 80).
    clock.advance(days=62)

    by_head = {item.case_id for item in overdue_items(head(world), clock.now)}
    by_worker = {item.case_id for item in overdue_items(worker(world), clock.now)}
    by_admin = {item.case_id for item in overdue_items(admin, clock.now)}

    assert by_head == {case.pk, theirs.pk}
    assert by_worker == {case.pk}
    assert by_admin == {case.pk, theirs.pk, elsewhere.pk}
    assert all(item.overdue for item in overdue_items(admin, clock.now))
    content = page(world, Role.HEAD, "deadlines:overdue")
    assert "Колев" in content
    assert "Иванова" in content
    assert "Хисарски" not in content


def test_the_overdue_page_filters_by_worker_and_by_service(world: World, child: Person, clock: Clock) -> None:
    new_case(world, child)
    colleague = make_user("colleague", world.organisation, Role.SOCIAL_WORKER, world.own)
    accept(make_referral(world.own, [make_person(world.own, "Ива", "Иванова")], colleague), head(world), colleague)
    clock.advance(days=25)

    only_colleague = page(world, Role.HEAD, "deadlines:overdue", worker=colleague.pk)
    other_service = page(world, Role.ADMINISTRATOR, "deadlines:overdue", service=world.other.pk)

    assert "Иванова" in only_colleague
    assert "Колев" not in only_colleague
    assert "Иванова" not in other_service
    assert "Колев" not in other_service
    assert "Per worker" in only_colleague


def test_items_not_yet_due_are_not_overdue(world: World, child: Person, clock: Clock) -> None:
    new_case(world, child)
    assert overdue_items(head(world), clock.now) == []
    assert "Nothing is overdue." in page(world, Role.HEAD, "deadlines:overdue")


def test_my_tasks_cost_the_same_queries_for_more_cases(world: World, clock: Clock) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client = world.client_for(Role.SOCIAL_WORKER)
        client.get(reverse("deadlines:my_tasks"))
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("deadlines:my_tasks"))
        return len(captured)

    new_case(world, make_person(world.own, "Първо", "Дете"))
    few = queries()
    for name in ("Второ", "Трето", "Четвърто"):
        new_case(world, make_person(world.own, name, "Дете"))
    assert queries() == few


# --- Notifications ---------------------------------------------------------------------------------------------


def test_notifications_are_written_once_per_item_and_person_not_every_day(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)
    clock.advance(days=18)  # 20 March: both terms end in two days

    first = notifications_send(now=clock.now)
    again = notifications_send(now=clock.now + datetime.timedelta(hours=2))

    assert first == 2
    assert again == 0
    texts = sorted(Notification.objects.filter(user=worker(world)).values_list("text", flat=True))
    assert all(text.startswith(f"Случай № {case.pk}: ") for text in texts)  # in the organisation's language
    assert all("Колев" not in text for text in texts)
    clock.advance(days=1)
    assert notifications_send(now=clock.now) == 0  # still due soon: told already
    clock.advance(days=2)  # 23 March: both overdue, told once more to the worker, and to the head
    assert notifications_send(now=clock.now) == 4
    for _day in range(5):
        clock.advance(days=1)
        assert notifications_send(now=clock.now) == 0
    assert Notification.objects.filter(user=worker(world)).count() == 4
    assert Notification.objects.filter(user=head(world)).count() == 2


def test_a_worker_who_left_the_service_is_not_notified_about_its_cases(
    world: World, child: Person, clock: Clock
) -> None:
    new_case(world, child)  # she stays the case manager on the record
    Membership.objects.filter(user=worker(world)).delete()
    clock.advance(days=21)
    notifications_send(now=clock.now)
    assert not Notification.objects.filter(user=worker(world)).exists()
    assert Notification.objects.filter(user=head(world)).count() == 2


def test_the_e_mail_asks_again_whether_the_worker_may_still_see_the_case(
    transactional_db: None, world: World, clock: Clock
) -> None:
    new_case(world, make_person(world.own, "Мартин", "Колев"))
    clock.advance(days=21)
    call_command("send_deadline_notifications", verbosity=0)
    Membership.objects.filter(user=worker(world)).delete()  # she leaves before the worker runs

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert [message.to for message in mail.outbox] == [["head@example.org"]]
    assert not Notification.objects.filter(user=worker(world), emailed_at__isnull=False).exists()


def test_the_menu_badge_counts_unread_notifications_in_one_query(world: World, child: Person, clock: Clock) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opora.access import memberships
    from opora.deadlines.selectors import unread_notifications

    new_case(world, child)
    clock.advance(days=21)
    notifications_send(now=clock.now)
    user = worker(world)
    memberships(user)  # her roles, read once per request by the middleware
    with CaptureQueriesContext(connection) as queries:
        assert unread_notifications(user).count() == 2
    assert len(queries) == 1
    assert unread_notifications(head(world)).count() == 2


def test_nothing_is_notified_before_the_lead_time(world: World, child: Person, clock: Clock) -> None:
    new_case(world, child)
    assert notifications_send(now=clock.now) == 0
    assert notifications_send(now=clock.now, lead=datetime.timedelta(days=25)) == 2


def test_an_overdue_item_is_told_to_the_head_of_service_too(world: World, child: Person, clock: Clock) -> None:
    new_case(world, child)
    clock.advance(days=21)

    notifications_send(now=clock.now)

    assert Notification.objects.filter(user=worker(world)).count() == 2
    assert Notification.objects.filter(user=head(world)).count() == 2
    # In the organisation's language: the overdue wording, not the "due on" one.
    with translation.override("bg"):
        overdue = translation.gettext("%(record)s: %(what)s — overdue since %(date)s.").split("%(what)s")[1]
        overdue = overdue.split("%(date)s")[0]
    assert overdue.strip()
    assert all(overdue in n.text for n in Notification.objects.filter(user=head(world)))


def test_an_inactive_worker_is_not_notified(world: World, child: Person, clock: Clock) -> None:
    new_case(world, child)
    worker(world).is_active = False
    worker(world).save()
    clock.advance(days=21)
    notifications_send(now=clock.now)
    assert not Notification.objects.filter(user=worker(world)).exists()


def test_notifications_are_e_mailed_by_the_task_worker_not_by_the_job(
    transactional_db: None, world: World, clock: Clock
) -> None:
    # Transactional: the e-mail is enqueued on commit, as when cron runs the command.
    new_case(world, make_person(world.own, "Мартин", "Колев"))
    clock.advance(days=21)

    call_command("send_deadline_notifications", "--base-url", "https://opora.example.org/", verbosity=0)
    call_command("send_deadline_notifications", verbosity=0)

    assert mail.outbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 2  # the worker and the head, once each
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert sorted(message.to[0] for message in mail.outbox) == ["head@example.org", "social_worker@example.org"]
    body = next(message.body for message in mail.outbox if message.to == ["social_worker@example.org"])
    assert "https://opora.example.org/cases/" in body
    assert "Колев" not in body
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_the_notifications_page_lists_mine_and_marks_them_read(world: World, child: Person, clock: Clock) -> None:
    new_case(world, child)
    clock.advance(days=21)
    notifications_send(now=clock.now)
    mine = Notification.objects.filter(user=worker(world)).order_by("pk")
    heads = Notification.objects.filter(user=head(world)).first()
    assert heads is not None
    client = world.client_for(Role.SOCIAL_WORKER)

    content = client.get(reverse("deadlines:notification_list")).content.decode()
    assert mine[0].text in content
    assert '<span class="badge">2</span>' in content
    client.post(reverse("deadlines:notification_list"), {"notification": mine[0].pk})
    client.post(reverse("deadlines:notification_list"), {"notification": heads.pk})  # not hers: nothing happens

    assert [n.is_read for n in mine.all()] == [True, False]
    heads.refresh_from_db()
    assert not heads.is_read
    client.post(reverse("deadlines:notification_list"))
    assert not Notification.objects.filter(user=worker(world), read_at__isnull=True).exists()


def test_marking_read_needs_the_csrf_token(world: World, child: Person, clock: Clock) -> None:
    new_case(world, child)
    clock.advance(days=21)
    notifications_send(now=clock.now)
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker(world))
    assert client.post(reverse("deadlines:notification_list")).status_code == 403
    assert Notification.objects.filter(user=worker(world), read_at__isnull=True).count() == 2


def test_the_tasks_of_a_referral_are_notified_to_their_assignee(world: World, child: Person, clock: Clock) -> None:
    referral = make_referral(world.own, [child], worker(world), child_alone=True, kind="request", source="self")
    clock.advance(hours=2, minutes=5)  # past the grace of an immediate task
    notifications_send(now=clock.now)
    notification = Notification.objects.get(user=worker(world))
    assert notification.link == reverse("cases:referral_detail", args=[referral.pk])
    assert CaseTask.objects.get().is_overdue
    assert Notification.objects.filter(user=head(world)).count() == 1  # overdue: the head is told too


def test_the_migration_gives_existing_organisations_the_defaults_of_the_code(world: World) -> None:
    from importlib import import_module

    from django.apps import apps

    for migration in ("0002_default_time_limits", "0006_default_grace_of_immediate_tasks", "0007_general_access_use"):
        seed = import_module(f"opora.deadlines.migrations.{migration}").seed
        seed(apps, None)
        seed(apps, None)  # twice changes nothing

    rows = DeadlineRule.objects.filter(organisation=world.organisation)
    assert {(rule.code, rule.amount, rule.counts_from, rule.is_active) for rule in rows} == {
        (code, DEFINITIONS[code].default_amount, DEFINITIONS[code].default_anchor, True) for code in SETTABLE
    }


def test_the_overdue_page_costs_the_same_queries_for_5_and_50_rows_and_shows_a_page_at_a_time(
    world: World, clock: Clock
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opora.deadlines.views import OVERDUE_PAGE_SIZE

    letters = "абвгдежзиклмнопрстуфхцчшщ"
    made: list[int] = []

    def signal(count: int) -> None:
        for _number in range(count):
            made.append(len(made))
            name = letters[len(made) % 25] + letters[len(made) // 25]
            child = make_person(world.own, f"Дете{name}", "Колев")
            make_referral(world.own, [child], worker(world), child_alone=True, kind="request", source="self")

    def queries() -> tuple[int, str]:
        client = world.client_for(Role.HEAD)
        client.get(reverse("deadlines:overdue"))
        with CaptureQueriesContext(connection) as captured:
            content = client.get(reverse("deadlines:overdue")).content.decode()
        return len(captured), content

    signal(5)
    clock.advance(hours=2, minutes=5)  # past the grace
    at_5, content = queries()
    assert sum(f'href="{reverse("cases:referral_detail", args=[pk])}"' in content for pk in _referral_ids()) == 5
    signal(45)
    clock.advance(hours=2, minutes=5)
    at_50, content = queries()
    assert at_50 == at_5
    assert CaseTask.objects.filter(done_at__isnull=True).count() == 50
    page_two = world.client_for(Role.HEAD).get(reverse("deadlines:overdue"), {"page": 2}).content.decode()
    referral_links = {reverse("cases:referral_detail", args=[pk]) for pk in _referral_ids()}
    on_one = {link for link in referral_links if f'href="{link}"' in content}
    on_two = {link for link in referral_links if f'href="{link}"' in page_two}
    assert len(on_one) == OVERDUE_PAGE_SIZE
    assert len(on_two) == OVERDUE_PAGE_SIZE
    assert not on_one & on_two


def _referral_ids() -> list[int]:
    return [pk for pk in CaseTask.objects.values_list("referral_id", flat=True) if pk is not None]


# --- General-access services (ЗСУ чл. 12, чл. 80) ---------------------------------------------------------------


@pytest.fixture
def general_access(world: World) -> None:
    """The world's own service is a general-access one (informing, consulting, training)."""
    world.own.kind = ServiceKind.GENERAL_ACCESS
    world.own.save()


@pytest.mark.usefixtures("general_access")
def test_a_general_access_case_asks_no_assessment_or_plan_and_its_use_ends_after_two_months(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)  # accepted on 2 March

    items = due(case, clock.now)

    assert set(items) == {RuleCode.GENERAL_ACCESS_USE}
    assert items[RuleCode.GENERAL_ACCESS_USE].due_at == end_of_sofia_day(2026, 5, 2)
    assert "art. 12" in items[RuleCode.GENERAL_ACCESS_USE].legal_source
    case_begin_assessment(case=case, by=worker(world))  # assessing of one's own accord still asks nothing
    assert set(due(case, clock.now)) == {RuleCode.GENERAL_ACCESS_USE}


def test_a_specialised_case_keeps_the_assessment_and_plan_and_no_two_month_limit(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)
    assert set(due(case, clock.now)) == {RuleCode.NEEDS_ASSESSMENT, RuleCode.SUPPORT_PLAN}
    # One specialised service among the case's services asks what the law asks of specialised services.
    world.other.kind = ServiceKind.GENERAL_ACCESS
    world.other.save()
    case.services.add(world.other)
    assert set(due(case, clock.now)) == {RuleCode.NEEDS_ASSESSMENT, RuleCode.SUPPORT_PLAN}


@pytest.mark.usefixtures("general_access")
def test_the_end_of_general_access_use_is_a_task_a_week_before_then_overdue(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)
    assert my_items(worker(world), clock.now) == []  # two months ahead: not a task yet

    clock.now = end_of_sofia_day(2026, 4, 25) + datetime.timedelta(seconds=1)  # a week before the end
    (item,) = my_items(worker(world), clock.now)
    assert (item.code, item.case_id, item.overdue) == (RuleCode.GENERAL_ACCESS_USE, case.pk, False)
    assert overdue_items(head(world), clock.now) == []
    assert notifications_send(now=clock.now) == 0  # the e-mail comes with the notification lead (3 days)

    clock.now = end_of_sofia_day(2026, 5, 2) + datetime.timedelta(seconds=1)
    assert [(i.code, i.case_id) for i in overdue_items(head(world), clock.now)] == [
        (RuleCode.GENERAL_ACCESS_USE, case.pk)
    ]
    content = english(world.client_for(Role.SOCIAL_WORKER)).get(reverse("deadlines:overdue")).content.decode()
    assert "End of the use of a general-access service" in content
    close(world, case)
    assert my_items(worker(world), clock.now) == []


@pytest.mark.usefixtures("general_access")
def test_the_case_page_of_a_general_access_case_shows_when_its_use_ends(
    world: World, child: Person, clock: Clock
) -> None:
    case = new_case(world, child)

    response = english(world.client_for(Role.SOCIAL_WORKER)).get(reverse("cases:case_detail", args=[case.pk]))

    assert [item.code for item in page_items(response)] == [RuleCode.GENERAL_ACCESS_USE]
    content = response.content.decode()
    assert "End of the use of a general-access service" in content
    assert "02.05.2026" in content


def test_the_two_months_of_law_are_a_setting_that_may_be_shortened_never_lengthened(
    world: World, child: Person, clock: Clock
) -> None:
    definition = DEFINITIONS[RuleCode.GENERAL_ACCESS_USE]
    assert RuleCode.GENERAL_ACCESS_USE in SETTABLE
    assert (definition.default_amount, definition.unit) == (2, PeriodUnit.MONTHS)
    client = english(world.client_for(Role.ADMINISTRATOR))

    refused = client.post(reverse("deadlines:deadline_rules"), rules_form(**{"general_access_use-amount": "3"}))

    assert refused.status_code == 200
    assert refused.context["form"].errors["general_access_use-amount"] == ["The period is at most 2."]
    assert not DeadlineRule.objects.filter(code=RuleCode.GENERAL_ACCESS_USE).exists()
    with pytest.raises(ValidationError):
        set_rule(world, RuleCode.GENERAL_ACCESS_USE, 3)
    response = client.post(reverse("deadlines:deadline_rules"), rules_form(**{"general_access_use-amount": "1"}))
    assert response.status_code == 302
    world.own.kind = ServiceKind.GENERAL_ACCESS
    world.own.save()
    assert due(new_case(world, child), clock.now)[RuleCode.GENERAL_ACCESS_USE].due_at == end_of_sofia_day(2026, 4, 2)


# --- Cost at a million (the statements, not their speed: that is ``make bench-pages``) ------------------------


def _captured(client: Client, name: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse(name))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(name)).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("name", ["deadlines:my_tasks", "deadlines:overdue"])
def test_a_workers_lists_name_her_open_cases_once_in_each_statement(
    world: World, child: Person, clock: Clock, name: str
) -> None:
    """The open cases a worker manages or is on the team of are a subquery the database works out wherever it
    is named: named for the time limits and again for the tasks, it cost twice (30 ms each at a million)."""
    new_case(world, child)
    clock.advance(days=25)

    statements = [sql for sql in _captured(world.client_for(Role.SOCIAL_WORKER), name) if "cases_case_team" in sql]

    assert statements
    assert all(sql.count("cases_case_team") == 1 for sql in statements), statements


def test_the_overdue_counts_per_worker_and_per_service_are_one_statement_and_right(
    world: World, child: Person, clock: Clock
) -> None:
    from collections import Counter

    from opora.deadlines.models import StoredDueItem

    new_case(world, child)
    colleague = make_user("colleague", world.organisation, Role.SOCIAL_WORKER, world.own)
    accept(make_referral(world.own, [make_person(world.own, "Ива", "Иванова")], colleague), head(world), colleague)
    clock.advance(days=25)
    everything = selectors.overdue_due(head(world), clock.now)
    by_worker = Counter(everything.exclude(responsible=None).values_list("responsible_id", flat=True))
    by_service = Counter(
        StoredDueItem.services.through.objects.filter(storeddueitem__in=everything).values_list("service_id", flat=True)
    )
    assert len(by_worker) == 2  # the worker's case and the colleague's

    client = world.client_for(Role.HEAD)
    statements = _captured(client, "deadlines:overdue")
    response = client.get(reverse("deadlines:overdue"))

    grouped = [sql for sql in statements if "GROUP BY" in sql]
    assert len(grouped) == 1, grouped
    assert {user.pk: count for user, count in response.context["per_worker"]} == by_worker
    assert {service.pk: count for service, count in response.context["per_service"]} == by_service


def test_a_tally_counts_an_item_in_each_of_its_services_and_for_its_responsible(world: World) -> None:
    from django.utils import timezone

    from opora.deadlines.models import StoredDueItem

    someone = worker(world)
    both = [world.own.pk, world.other.pk]
    for key, responsible, services in [("a", someone, both), ("b", someone, [world.own.pk]), ("c", None, both)]:
        StoredDueItem.objects.create(
            key=key,
            code=RuleCode.NEEDS_ASSESSMENT,
            due_at=timezone.now(),
            organisation=world.organisation,
            responsible=responsible,
            service_ids=services,
        )

    counts = selectors.tally(StoredDueItem.objects.all())

    assert counts.per_worker == {someone.pk: 2}
    assert counts.per_service == {world.own.pk: 3, world.other.pk: 2}


def test_my_tasks_of_someone_with_no_case_of_their_own_read_the_tasks_alone(
    world: World, child: Person, clock: Clock
) -> None:
    """Without a case of their own (the head here, an administrator), the items are tasks: read along the
    tasks' index (``due_item_task_order``) rather than by walking every item of the organisation in due order
    (90,000 rows for 471 tasks at a million); once they manage a case, its time limits are theirs again."""
    new_case(world, child)
    make_referral(world.own, [child], worker(world), child_alone=True, kind="request", source="self")

    statements = _captured(world.client_for(Role.HEAD), "deadlines:my_tasks")
    read = [sql for sql in statements if 'FROM "deadlines_storeddueitem"' in sql and "ORDER BY" in sql]

    assert read
    assert all('FROM "cases_case" ' not in sql for sql in read), read
    assert all('"task_id" IS NOT NULL' in sql for sql in read)
    assert [item.code for item in my_items(head(world), clock.now)] == [RuleCode.NOTIFY_CHILD_ALONE]
    accept(make_referral(world.own, [make_person(world.own, "Ива", "Иванова")], head(world)), head(world), head(world))
    assert RuleCode.NEEDS_ASSESSMENT in {item.code for item in my_items(head(world), clock.now)}


def test_the_tasks_have_an_index_in_the_pages_order() -> None:
    from opora.deadlines.models import StoredDueItem

    index = next(index for index in StoredDueItem._meta.indexes if index.name == "due_item_task_order")

    assert index.fields == ["organisation", "due_at", "key"]
    assert index.condition == Q(task__isnull=False)
