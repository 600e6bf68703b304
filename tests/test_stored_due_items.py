"""The stored due items (opora.deadlines.stored) are what the engine works out from the facts, for every kind
of case and task, after each change the services make — a move, a review, a new manager, a task done, a
changed time limit — and the command fills them again from nothing."""

import datetime

from django.core.management import call_command

from opora.cases.casework.models import OPEN_STATES, Case, CaseTask
from opora.cases.casework.services import case_begin_assessment, case_reopen, case_team_change, task_complete
from opora.cases.planning.models import GoalStatus
from opora.cases.planning.services import plan_review_record
from opora.deadlines.engine import DueItem
from opora.deadlines.models import StoredDueItem
from opora.deadlines.rules import Anchor, RuleCode
from opora.deadlines.selectors import items_in, items_of
from opora.organisation.models import Role
from opora.people.models import Person
from tests.casework import head, make_referral, worker
from tests.conftest import FIXED_NOW, Clock, World, make_person, make_user
from tests.test_deadlines import close, new_case, set_rule, to_plan, to_support


def stored(now: datetime.datetime) -> list[DueItem]:
    return items_in(StoredDueItem.objects.all(), now)


def engine(now: datetime.datetime) -> list[DueItem]:
    """Worked out from the facts of every open case and task, as the pages did before the table."""
    return items_of(Case.objects.filter(state__in=OPEN_STATES), CaseTask.objects.all(), now)


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


def test_the_command_fills_the_table_for_data_written_around_the_services(world: World, clock: Clock) -> None:
    case = new_case(world, make_person(world.own, "Мартин", "Колев"))
    make_referral(world.own, [make_person(world.own, "Ива", "Иванова")], worker(world), violence_concern=True)
    before = stored(clock.now)
    StoredDueItem.objects.all().delete()  # as after rows loaded with COPY

    call_command("sync_due_items", verbosity=0)

    assert stored(clock.now) == before == engine(clock.now)
    assert {item.case_id for item in before} >= {case.pk}
