"""The stored due items (opora.deadlines.stored) are what the engine works out from the facts, for every kind
of case and task, after each change the services make — a move, a review, a new manager, a task done, a
changed time limit — and the command fills them again from nothing."""

import datetime

from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from opora.cases.casework.models import OPEN_STATES, Case, CaseTask
from opora.cases.casework.services import case_begin_assessment, case_reopen, case_team_change, task_complete
from opora.cases.planning.models import GoalStatus
from opora.cases.planning.services import plan_review_record
from opora.deadlines.engine import DueItem
from opora.deadlines.models import StoredDueItem
from opora.deadlines.rules import Anchor, RuleCode
from opora.deadlines.selectors import items_in, items_of
from opora.deadlines.tasks import rebuild_due_items
from opora.organisation.models import Role
from opora.people.models import Person
from tests.casework import head, make_referral, worker
from tests.conftest import FIXED_NOW, Clock, World, make_person, make_user
from tests.test_deadlines import (
    close,
    end_of_sofia_day,
    new_case,
    page_items,
    rules_form,
    set_rule,
    to_plan,
    to_support,
)


def stored(now: datetime.datetime) -> list[DueItem]:
    return items_in(StoredDueItem.objects.all(), now)


def engine(now: datetime.datetime) -> list[DueItem]:
    """Worked out from the facts of every open case and task, as the pages did before the table."""
    return items_of(
        Case.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True),
        CaseTask.objects.values_list("pk", flat=True),
        now,
    )


def assert_same(now: datetime.datetime) -> None:
    assert stored(now) == engine(now)


def test_the_stored_items_are_the_engines_through_every_change(world: World, clock: Clock) -> None:
    def child(name: str) -> Person:
        return make_person(world.own, name, "Колев", egn=False)

    accepted = new_case(world, child("Първо"))
    assessing = new_case(world, child("Второ"), received_at=FIXED_NOW - datetime.timedelta(days=4))
    case_begin_assessment(case=assessing, by=worker(world))
    planning = new_case(world, child("Трето"))
    to_plan(world, planning)
    supported = new_case(world, child("Четвърто"))
    to_plan(world, supported)
    to_support(world, supported)
    closed = new_case(world, child("Пето"))
    close(world, closed)
    alone = make_referral(world.own, [child("Шесто")], worker(world), child_alone=True, kind="request", source="self")
    make_referral(world.own, [child("Седмо")], worker(world), violence_concern=True)
    make_referral(world.other, [make_person(world.other, "Осмо", "Хисарски")], world.users[Role.ADMINISTRATOR])
    assert len(stored(clock.now)) >= 8
    assert_same(clock.now)

    clock.advance(days=190)
    plan_review_record(
        case=supported,
        by=worker(world),
        reviewed_on=clock.now.date() - datetime.timedelta(days=1),
        summary="Напредък.",
        progress={goal.pk: (GoalStatus.IN_PROGRESS, "") for goal in supported.plans.get().goals.all()},
    )
    case_reopen(case=closed, by=head(world), reason="Върнаха се.")
    colleague = make_user("colleague", world.organisation, Role.SOCIAL_WORKER, world.own)
    case_team_change(case=accepted, by=head(world), case_manager=colleague, team=[])
    task_complete(
        task=alone.tasks.get(), by=worker(world), notified_whom="ДСП", notified_at=clock.now, notified_how="phone"
    )
    assert_same(clock.now)
    assert any(item.overdue for item in stored(clock.now))

    # A changed time limit changes the due dates of every open case of the organisation, and one switched
    # off takes its items away.
    set_rule(world, RuleCode.NEEDS_ASSESSMENT, 7, Anchor.REFERRAL_RECEIVED)
    set_rule(world, RuleCode.PLAN_REVIEW, 3)
    set_rule(world, RuleCode.SUPPORT_PLAN, 20, active=False)
    codes = {item.code for item in stored(clock.now)}
    assert RuleCode.SUPPORT_PLAN not in codes
    assert RuleCode.NEEDS_ASSESSMENT in codes
    assert_same(clock.now)
    assert_same(clock.now + datetime.timedelta(days=400))
    assert_pages_same(world, clock.now)


def assert_pages_same(world: World, now: datetime.datetime) -> None:
    """Each case's page works its items out from the record it fetched (``record_facts``), the stored items
    from facts read by id (``case_facts``): the two readings give the same items."""
    client = world.client_for(Role.ADMINISTRATOR)
    shown = 0
    for case in Case.objects.filter(organisation=world.organisation):
        page = page_items(client.get(reverse("cases:case_detail", args=[case.pk])))
        assert page == [item for item in stored(now) if item.case_id == case.pk and item.task_id is None]
        shown += len(page)
    assert shown, "some case has a time limit running"


def test_the_command_fills_the_table_for_data_written_around_the_services(world: World, clock: Clock) -> None:
    case = new_case(world, make_person(world.own, "Мартин", "Колев"))
    make_referral(world.own, [make_person(world.own, "Ива", "Иванова")], worker(world), violence_concern=True)
    before = stored(clock.now)
    StoredDueItem.objects.all().delete()  # as after rows loaded with COPY

    call_command("sync_due_items", verbosity=0)

    assert stored(clock.now) == before == engine(clock.now)
    assert_pages_same(world, clock.now)
    assert {item.case_id for item in before} >= {case.pk}


def test_a_changed_time_limit_is_worked_out_by_the_task_worker_not_in_the_request(
    transactional_db: None, world: World, clock: Clock
) -> None:
    """Saving the time limits re-works every open case of the organisation: the worker's job, queued on commit.
    Until it runs the stored items keep the old dates; the case's own page counts by the new ones at once."""
    case = new_case(world, make_person(world.own, "Мартин", "Колев"))
    others = [new_case(world, make_person(world.own, name, "Колев", egn=False)) for name in ("Ива", "Яна")]

    def stored_assessment(one: Case) -> datetime.datetime:
        (item,) = [i for i in stored(clock.now) if i.case_id == one.pk and i.code == RuleCode.NEEDS_ASSESSMENT]
        return item.due_at

    before = stored_assessment(case)
    response = world.client_for(Role.ADMINISTRATOR).post(
        reverse("deadlines:deadline_rules"), rules_form(**{"needs_assessment-amount": "30"})
    )

    assert response.status_code == 302
    assert stored_assessment(case) == before  # not in the request
    (queued,) = DBTaskResult.objects.filter(status="READY")
    assert queued.task_path == rebuild_due_items.module_path
    page = world.client_for(Role.SOCIAL_WORKER).get(reverse("cases:case_detail", args=[case.pk]))
    assert {item.code: item.due_at for item in page_items(page)}[RuleCode.NEEDS_ASSESSMENT] == end_of_sofia_day(
        2026, 4, 1
    )

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert [stored_assessment(one) for one in [case, *others]] == [end_of_sofia_day(2026, 4, 1)] * 3
    assert_same(clock.now)
