"""Intake and case work, through the services: the case's state machine (every move, allowed or refused),
capacity and its override, the other-municipality rule, the referral a specialised service needs, the
waiting list's order and places, the tasks the law starts at intake, and who may do what."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from opora.access import ROLE_PERMISSIONS, Perm, scope
from opora.audit.models import AppendOnlyError, ChangeEvent
from opora.cases.casework.models import CASE_MOVES, Case, CaseOutcome, CaseState, CaseTask, CaseTransition
from opora.cases.casework.selectors import case_staff, open_case_count, open_tasks
from opora.cases.casework.services import (
    case_begin_assessment,
    case_begin_plan,
    case_begin_support,
    case_close,
    case_move,
    case_reopen,
    task_complete,
)
from opora.cases.intake.models import (
    Decision,
    DeclineGround,
    Referral,
    ReferralKind,
    ReferralSource,
    ReferralStatus,
    TriageDecision,
)
from opora.cases.intake.selectors import waiting_position, waiting_positions, with_waiting_position
from opora.cases.intake.services import referral_decline, referral_redirect, referral_waitlist, same_municipality
from opora.cases.planning.services import ActivityData, document_approve, document_submit
from opora.deadlines.rules import RuleCode
from opora.organisation.models import Role, ServiceKind
from opora.people.models import Person
from tests.casework import a_goal, accept, approved_assessment, approved_plan, head, make_referral, save_plan, worker
from tests.conftest import FIXED_NOW, Clock, World, make_person, make_user

STATES = [state.value for state in CaseState]
# The default grace before a task the law wants done at once shows as overdue (a setting).
GRACE = datetime.timedelta(hours=2)
# How to bring a new (accepted) case to each state, through allowed moves only.
PATH_TO: dict[str, list[str]] = {
    CaseState.ACCEPTED: [],
    CaseState.ASSESSMENT: [CaseState.ASSESSMENT],
    CaseState.PLAN: [CaseState.ASSESSMENT, CaseState.PLAN],
    CaseState.SUPPORT: [CaseState.ASSESSMENT, CaseState.PLAN, CaseState.SUPPORT],
    CaseState.CLOSED: [CaseState.CLOSED],
    CaseState.REOPENED: [CaseState.CLOSED, CaseState.REOPENED],
}
ALLOWED = {
    (CaseState.ACCEPTED, CaseState.ASSESSMENT),
    (CaseState.ACCEPTED, CaseState.CLOSED),
    (CaseState.ASSESSMENT, CaseState.PLAN),
    (CaseState.ASSESSMENT, CaseState.CLOSED),
    (CaseState.PLAN, CaseState.SUPPORT),
    (CaseState.PLAN, CaseState.CLOSED),
    (CaseState.SUPPORT, CaseState.CLOSED),
    (CaseState.CLOSED, CaseState.REOPENED),
    (CaseState.REOPENED, CaseState.ASSESSMENT),
    (CaseState.REOPENED, CaseState.CLOSED),
}


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    """The messages are checked in English: the Bulgarian ones are the translators' to change."""
    with translation.override("en"):
        yield


def outsider(world: World) -> Any:
    """The social worker of the other service."""
    assert world.outsider is not None
    return world.outsider


def new_case(world: World, child: Person, **referral_fields: Any) -> Case:
    referral = make_referral(world.own, [child], worker(world), **referral_fields)
    return accept(referral, head(world), worker(world))


def case_in(world: World, child: Person, state: str) -> Case:
    """A case brought to ``state`` through allowed moves. The head's approval of the assessment moves it to
    "plan" and of the plan to "support", so a case in "assessment" or "plan" has its document still to approve."""
    case = new_case(world, child)
    for step in PATH_TO[state]:
        if step == CaseState.PLAN:
            approved_assessment(case, worker(world), head(world))
        elif step == CaseState.SUPPORT:
            approved_plan(case, worker(world), head(world))
        else:
            case_move(case=case, to=step, by=head(world), reason="По план.", outcome=CaseOutcome.MOVED)
    assert case.state == state
    return case


# The moves that wait for a document: the head's approval of it makes them.
BY_APPROVAL = {(CaseState.ASSESSMENT, CaseState.PLAN), (CaseState.PLAN, CaseState.SUPPORT)}


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The state machine ---------------------------------------------------------------------------------


def test_the_allowed_moves_are_exactly_the_ones_of_the_issue() -> None:
    assert {(source, target) for source, targets in CASE_MOVES.items() for target in targets} == ALLOWED


@pytest.mark.parametrize("target", STATES)
@pytest.mark.parametrize("source", STATES)
def test_every_move_between_two_states_is_allowed_or_refused(
    world: World, child: Person, source: str, target: str
) -> None:
    case = case_in(world, child, source)
    history = case.transitions.count()

    if (source, target) in BY_APPROVAL:
        (approved_assessment if target == CaseState.PLAN else approved_plan)(case, worker(world), head(world))
        transition = case.transitions.latest("at", "pk")
        assert case.state == target
        assert (transition.from_state, transition.to_state, transition.by) == (source, target, head(world))
        assert case.transitions.count() == history + 1
    elif (source, target) in ALLOWED:
        transition = case_move(case=case, to=target, by=head(world), reason="Защото.", outcome=CaseOutcome.OTHER)
        case.refresh_from_db()
        assert case.state == target
        assert (transition.from_state, transition.to_state, transition.by, transition.reason) == (
            source,
            target,
            head(world),
            "Защото.",
        )
        assert case.transitions.count() == history + 1
    else:
        with pytest.raises(ValidationError) as refused:
            case_move(case=case, to=target, by=head(world), reason="Защото.", outcome=CaseOutcome.OTHER)
        case.refresh_from_db()
        assert case.state == source
        assert case.transitions.count() == history
        assert "cannot" in messages_of(refused.value)


def test_a_refused_move_says_where_the_case_can_go(world: World, child: Person) -> None:
    case = new_case(world, child)
    with pytest.raises(ValidationError) as refused:
        case_begin_support(case=case, by=head(world))
    assert messages_of(refused.value) == (
        "A case in the state “Accepted” cannot move to “Support”; it can move to: “Needs assessment”, “Closed”."
    )


# --- General-access cases (ЗСУ чл. 12, чл. 80) -----------------------------------------------------------------


def test_a_general_access_case_starts_support_without_an_assessment_or_a_plan(world: World, child: Person) -> None:
    """ЗСУ чл. 80 asks the assessment and the plan of specialised services: a case of general-access services
    only (informing, consulting, training) goes from accepted straight to support."""
    world.own.kind = ServiceKind.GENERAL_ACCESS
    world.own.save()
    case = new_case(world, child)

    transition = case_begin_support(case=case, by=head(world), reason="Консултации.")

    assert case.state == CaseState.SUPPORT
    assert (transition.from_state, transition.to_state) == (CaseState.ACCEPTED, CaseState.SUPPORT)
    assert not case.assessments.exists()
    assert not case.plans.exists()


def test_a_reopened_general_access_case_starts_support_again_at_once(world: World, child: Person) -> None:
    world.own.kind = ServiceKind.GENERAL_ACCESS
    world.own.save()
    case = new_case(world, child)
    case_close(case=case, by=head(world), reason="Семейството се премести.", outcome=CaseOutcome.MOVED)
    case_reopen(case=case, by=head(world), reason="Върнаха се.")

    case_begin_support(case=case, by=head(world))

    assert case.state == CaseState.SUPPORT


def test_a_general_access_case_still_moves_through_assessment_when_the_worker_wants(
    world: World, child: Person
) -> None:
    world.own.kind = ServiceKind.GENERAL_ACCESS
    world.own.save()
    case = new_case(world, child)
    case_begin_assessment(case=case, by=worker(world))
    assert case.state == CaseState.ASSESSMENT
    # The plan is still drawn up on an approved assessment, whatever the service.
    with pytest.raises(ValidationError, match="before the needs assessment is approved"):
        case_begin_plan(case=case, by=worker(world))


def test_a_case_with_one_specialised_service_keeps_the_assessment_and_plan_chain(world: World, child: Person) -> None:
    """One specialised service asks the case for what the law asks of specialised services (``case_kind``)."""
    case = new_case(world, child)
    world.other.kind = ServiceKind.GENERAL_ACCESS
    world.other.save()
    case.services.add(world.other)

    with pytest.raises(ValidationError, match="cannot move to “Support”"):
        case_begin_support(case=case, by=head(world))
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_only_the_head_starts_a_general_access_case_s_support(world: World, child: Person) -> None:
    world.own.kind = ServiceKind.GENERAL_ACCESS
    world.own.save()
    case = new_case(world, child)
    with pytest.raises(PermissionDenied):
        case_begin_support(case=case, by=worker(world))


def test_nothing_moves_a_case_back_to_accepted_or_to_an_unknown_state(world: World, child: Person) -> None:
    case = case_in(world, child, CaseState.REOPENED)
    for target in (CaseState.ACCEPTED, "archived"):
        with pytest.raises(ValidationError):
            case_move(case=case, to=target, by=head(world), reason="Защото.")
    assert case.state == CaseState.REOPENED


def test_the_whole_life_of_a_case_is_kept_with_who_when_and_why(world: World, child: Person, clock: Clock) -> None:
    case = new_case(world, child)
    case_begin_assessment(case=case, by=worker(world))
    clock.advance(days=14)
    approved_assessment(case, worker(world), head(world))
    approved_plan(case, worker(world), head(world))
    clock.advance(days=270)
    case_close(case=case, by=head(world), reason="Целите са постигнати.", outcome=CaseOutcome.GOALS_ACHIEVED)
    assert case.closed_at == clock.now
    clock.advance(days=365)
    case_reopen(case=case, by=head(world), reason="Майката се върна.")
    assert case.closed_at is None
    case_begin_assessment(case=case, by=worker(world))

    rows = list(case.transitions.values_list("from_state", "to_state", "by__username", "reason"))
    assert rows == [
        ("", "accepted", "head", ""),
        ("accepted", "assessment", "social_worker", ""),
        ("assessment", "plan", "head", "Оценката на потребностите е утвърдена."),
        ("plan", "support", "head", "Индивидуалният план за подкрепа е утвърден."),
        ("support", "closed", "head", "Целите са постигнати."),
        ("closed", "reopened", "head", "Майката се върна."),
        ("reopened", "assessment", "social_worker", ""),
    ]
    assert case.transitions.get(to_state="closed").at == FIXED_NOW + datetime.timedelta(days=284)


@pytest.mark.parametrize("move", [case_close, case_reopen])
def test_closing_and_reopening_must_say_why(world: World, child: Person, move: Callable[..., Any]) -> None:
    case = case_in(world, child, CaseState.SUPPORT if move is case_close else CaseState.CLOSED)
    with pytest.raises(ValidationError) as refused:
        move(case=case, by=head(world), reason="   ")
    assert "reason" in refused.value.error_dict


def test_each_move_is_in_the_audit_trail(world: World, child: Person) -> None:
    case = new_case(world, child)
    case_begin_assessment(case=case, by=worker(world))
    changes = ChangeEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk), action="changed"
    )
    change = next(change for change in changes if "state" in change.changes)
    assert change.actor == worker(world)
    assert change.changes["state"] == ["accepted", "assessment"]
    assert ChangeEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(CaseTransition), action="created"
    ).exists()


def test_transitions_and_decisions_are_append_only(world: World, child: Person) -> None:
    case = new_case(world, child)
    transition = case.transitions.get()
    decision = TriageDecision.objects.get(case=case)
    for record in (transition, decision):
        with pytest.raises(AppendOnlyError):
            record.save()
        with pytest.raises(AppendOnlyError):
            record.delete()


# --- Who may move a case -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "target", "allowed"),
    [
        (Role.SOCIAL_WORKER, CaseState.ASSESSMENT, True),
        (Role.FOSTER_CARE, CaseState.ASSESSMENT, True),
        (Role.PSYCHOLOGIST, CaseState.ASSESSMENT, False),
        (Role.PEDAGOGUE, CaseState.ASSESSMENT, False),
        (Role.VOLUNTEER, CaseState.ASSESSMENT, False),
        (Role.MONITORING, CaseState.ASSESSMENT, False),
        (Role.SOCIAL_WORKER, CaseState.CLOSED, False),
        (Role.HEAD, CaseState.CLOSED, True),
        (Role.ADMINISTRATOR, CaseState.CLOSED, True),
    ],
)
def test_who_may_move_a_case_is_decided_by_the_scoping_module(
    world: World, child: Person, role: str, target: str, allowed: bool
) -> None:
    case = new_case(world, child)
    user = world.users[role]
    if allowed:
        case_move(case=case, to=target, by=user, reason="Защото.", outcome=CaseOutcome.REFUSED)
        assert case.state == target
    else:
        with pytest.raises(PermissionDenied):
            case_move(case=case, to=target, by=user, reason="Защото.", outcome=CaseOutcome.REFUSED)
        assert case.state == CaseState.ACCEPTED


def test_only_the_head_puts_a_plan_into_effect(world: World, child: Person) -> None:
    case = case_in(world, child, CaseState.PLAN)
    plan = save_plan(case, worker(world))
    plan = document_submit(document=plan, by=worker(world), edit_version=plan.edit_version)
    with pytest.raises(PermissionDenied):
        document_approve(document=plan, by=worker(world), edit_version=plan.edit_version)
    with pytest.raises(PermissionDenied):
        case_begin_support(case=case, by=worker(world))
    document_approve(document=plan, by=head(world), edit_version=plan.edit_version)
    case.refresh_from_db()
    assert case.state == CaseState.SUPPORT


def test_a_worker_of_another_service_cannot_move_the_case(world: World, child: Person) -> None:
    case = new_case(world, child)
    with pytest.raises(PermissionDenied):
        case_begin_assessment(case=case, by=outsider(world))
    assert case.state == CaseState.ACCEPTED


# --- Triage: capacity ------------------------------------------------------------------------------------


def fill(world: World, places: int) -> None:
    """``places`` open cases in ``own``, each for a child of its own."""
    for number in range(places):
        someone = make_person(world.own, "Дете", f"Пълно{chr(0x430 + number)}", egn=False)
        new_case(world, someone)


def test_accepting_beyond_capacity_is_refused_without_a_reason(world: World, child: Person) -> None:
    world.own.capacity = 2
    world.own.save()
    fill(world, 2)
    referral = make_referral(world.own, [child], worker(world))

    with pytest.raises(ValidationError) as refused:
        accept(referral, head(world), worker(world))

    assert refused.value.message_dict["override_reason"] == [
        "ЦОП Русе is full (2 of 2 places). Say why it takes one more, or put the referral on the waiting list."
    ]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW
    assert not Case.objects.filter(referral=referral).exists()
    assert not referral.decisions.exists()


def test_the_head_can_accept_beyond_capacity_saying_why(world: World, child: Person) -> None:
    world.own.capacity = 2
    world.own.save()
    fill(world, 2)
    referral = make_referral(world.own, [child], worker(world))

    case = accept(referral, head(world), worker(world), override_reason="Дете в криза, няма друга услуга.")

    assert open_case_count(world.own) == 3
    decision = referral.decisions.get()
    assert (decision.decision, decision.override_reason, decision.case) == (
        Decision.ACCEPT,
        "Дете в криза, няма друга услуга.",
        case,
    )


def test_a_closed_case_frees_its_place(world: World, child: Person) -> None:
    world.own.capacity = 1
    world.own.save()
    first = new_case(world, make_person(world.own, "Иван", "Първанов"))
    referral = make_referral(world.own, [child], worker(world))
    with pytest.raises(ValidationError):
        accept(referral, head(world), worker(world))

    case_close(case=first, by=head(world), reason="Семейството се премести.", outcome=CaseOutcome.MOVED)

    assert accept(referral, head(world), worker(world)).state == CaseState.ACCEPTED


def test_reopening_a_case_in_a_full_service_needs_a_reason(world: World, child: Person) -> None:
    world.own.capacity = 1
    world.own.save()
    case = new_case(world, child)
    case_close(case=case, by=head(world), reason="Приключи.", outcome=CaseOutcome.OTHER)
    new_case(world, make_person(world.own, "Иван", "Първанов"))

    with pytest.raises(ValidationError) as refused:
        case_reopen(case=case, by=head(world), reason="Майката се върна.")
    assert "override_reason" in refused.value.message_dict
    assert case.state == CaseState.CLOSED

    case_reopen(case=case, by=head(world), reason="Майката се върна.", override_reason="Спешно.")
    assert case.transitions.last().override_reason == "Спешно."  # type: ignore[union-attr]


# --- Triage: another municipality --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "other"),
    [("Русе", False), ("Община Русе", False), ("  русе ", False), ("Бяла", True), ("Русенско", True)],
)
def test_a_person_from_another_municipality_is_flagged(world: World, child: Person, typed: str, other: bool) -> None:
    referral = make_referral(world.own, [child], worker(world), home_municipality=typed)
    assert referral.from_other_municipality is other
    assert accept(referral, head(world), worker(world)).from_other_municipality is other


def test_same_municipality_ignores_case_spaces_and_the_word_municipality() -> None:
    assert same_municipality("Община  Русе", "русе")
    assert not same_municipality("Русе", "Бяла")


def test_a_person_from_another_municipality_is_refused_when_full_even_with_a_reason(
    world: World, child: Person
) -> None:
    world.own.capacity = 1
    world.own.save()
    fill(world, 1)
    referral = make_referral(world.own, [child], worker(world), home_municipality="Бяла")

    with pytest.raises(ValidationError) as refused:
        accept(referral, head(world), worker(world), override_reason="Много е спешно.")

    assert "another municipality" in messages_of(refused.value)
    assert referral_waitlist(referral=referral, by=head(world)).decision == Decision.WAITLIST


# --- Triage: a referral for a specialised service ------------------------------------------------------------


def request_to(world: World, child: Person, service: Any) -> Referral:
    """A request (no referral) recorded by the administrator, who may record one for any service."""
    return make_referral(
        service,
        [child],
        world.users[Role.ADMINISTRATOR],
        kind=ReferralKind.REQUEST,
        source=ReferralSource.SELF,
        referring_institution="",
    )


def test_a_specialised_service_refuses_to_accept_or_wait_list_a_request_without_a_referral(
    world: World, child: Person
) -> None:
    request = request_to(world, child, world.own)  # "ЦОП Русе" is specialised
    for decide in (
        lambda: accept(request, head(world), worker(world)),
        lambda: referral_waitlist(referral=request, by=head(world)),
    ):
        with pytest.raises(ValidationError) as refused:
            decide()
        assert "only on a referral" in refused.value.message_dict["decision"][0]
    request.refresh_from_db()
    assert request.status == ReferralStatus.NEW
    referral_decline(referral=request, by=head(world), ground=DeclineGround.NO_REFERRAL, reason="Няма направление.")
    request.refresh_from_db()
    assert request.status == ReferralStatus.DECLINED


def test_a_general_access_service_accepts_a_request_without_a_referral(world: World) -> None:
    hisarya_child = make_person(world.other, "Стоян", "Хисарски")
    request = request_to(world, hisarya_child, world.other)
    admin = world.users[Role.ADMINISTRATOR]
    case = accept(request, admin, outsider(world))
    assert list(case.services.all()) == [world.other]


# --- Triage: the other decisions --------------------------------------------------------------------------


def test_a_decided_referral_cannot_be_decided_again(world: World, child: Person) -> None:
    referral = make_referral(world.own, [child], worker(world))
    referral_redirect(referral=referral, by=head(world), partner="ЦОП „Надежда“")
    with pytest.raises(ValidationError) as refused:
        accept(referral, head(world), worker(world))
    assert "already been decided" in messages_of(refused.value)


def test_declining_needs_a_ground_and_its_explanation(world: World, child: Person) -> None:
    referral = make_referral(world.own, [child], worker(world))
    with pytest.raises(ValidationError) as refused:
        referral_decline(referral=referral, by=head(world), ground="", reason=" ")
    assert set(refused.value.message_dict) == {"decline_ground", "reason"}
    decision = referral_decline(
        referral=referral, by=head(world), ground=DeclineGround.NOT_TARGET_GROUP, reason="Детето е на 19."
    )
    assert (decision.decline_ground, decision.reason, decision.by) == (
        "not_target_group",
        "Детето е на 19.",
        head(world),
    )


def test_redirecting_needs_the_partner(world: World, child: Person) -> None:
    referral = make_referral(world.own, [child], worker(world))
    with pytest.raises(ValidationError) as refused:
        referral_redirect(referral=referral, by=head(world), partner="  ")
    assert "partner" in refused.value.message_dict


def test_a_waiting_referral_keeps_both_decisions(world: World, child: Person) -> None:
    referral = make_referral(world.own, [child], worker(world))
    referral_waitlist(referral=referral, by=head(world), reason="Няма място.")
    accept(referral, head(world), worker(world))
    assert list(referral.decisions.values_list("decision", flat=True)) == ["waitlist", "accept"]


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.VOLUNTEER, Role.MONITORING])
def test_only_the_head_and_the_administrator_triage(world: World, child: Person, role: str) -> None:
    referral = make_referral(world.own, [child], worker(world))
    with pytest.raises(PermissionDenied):
        referral_waitlist(referral=referral, by=world.users[role])
    with pytest.raises(PermissionDenied):
        accept(referral, world.users[role], worker(world))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW


def test_the_case_manager_and_the_team_must_work_in_the_service(world: World, child: Person) -> None:
    referral = make_referral(world.own, [child], worker(world))
    with pytest.raises(ValidationError) as refused:
        accept(referral, head(world), outsider(world), team=[world.users[Role.VOLUNTEER]])
    assert set(refused.value.message_dict) == {"case_manager", "team"}


def test_accepting_makes_a_case_of_the_referrals_people_with_its_manager_and_team(world: World, child: Person) -> None:
    mother = make_person(world.own, "Петя", "Колева", kind="parent", sex="female", birth_date=datetime.date(1990, 3, 4))
    referral = make_referral(world.own, [child, mother], worker(world))
    psychologist = world.users[Role.PSYCHOLOGIST]

    case = accept(referral, head(world), worker(world), team=[psychologist, worker(world)])

    assert set(case.people.all()) == {child, mother}
    assert list(case.services.all()) == [world.own]
    assert case.case_manager == worker(world)
    assert list(case.team.all()) == [psychologist]  # the case manager is not repeated on the team
    assert case.referral == referral
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


def test_the_service_asked_for_can_see_the_people_of_the_referral(world: World) -> None:
    hisarya_child = make_person(world.other, "Стоян", "Хисарски")
    admin = world.users[Role.ADMINISTRATOR]
    make_referral(world.own, [hisarya_child], admin)
    assert scope(worker(world), Person.objects.filter(pk=hisarya_child.pk), Perm.PERSON_VIEW).exists()


# --- The waiting list ----------------------------------------------------------------------------------------


def waiting(world: World, name: str, received: datetime.datetime, *, urgent: bool = False) -> Referral:
    someone = make_person(world.own, name, "Чакащ", egn=False)
    referral = make_referral(world.own, [someone], worker(world), received_at=received, urgent=urgent)
    referral_waitlist(referral=referral, by=head(world))
    referral.refresh_from_db()
    return referral


def test_the_waiting_list_puts_urgent_cases_first_then_first_come_first_served(world: World, clock: Clock) -> None:
    day = datetime.timedelta(days=1)
    anna = waiting(world, "Анна", clock.now - 5 * day)
    boris = waiting(world, "Борис", clock.now - 2 * day, urgent=True)
    vera = waiting(world, "Вера", clock.now - 7 * day)
    galya = waiting(world, "Галя", clock.now - day, urgent=True)
    dimo = waiting(world, "Димо", clock.now - 5 * day)  # same time as Анна: recorded after her

    positions = waiting_positions(Referral.objects.all())

    order = sorted(positions, key=positions.__getitem__)
    assert order == [boris.pk, galya.pk, vera.pk, anna.pk, dimo.pk]
    assert [waiting_position(referral) for referral in (boris, galya, vera, anna, dimo)] == [1, 2, 3, 4, 5]


def test_a_referral_s_place_is_its_place_on_the_whole_list_whatever_rows_are_asked(world: World, clock: Clock) -> None:
    """The places of a page's rows only: each is counted in the database against its service's whole list."""
    day = datetime.timedelta(days=1)
    anna = waiting(world, "Анна", clock.now - 5 * day)
    boris = waiting(world, "Борис", clock.now - 2 * day, urgent=True)
    vera = waiting(world, "Вера", clock.now - 7 * day)
    declined = make_referral(world.own, [make_person(world.own, "Яна", "Отказана", egn=False)], worker(world))
    referral_decline(referral=declined, by=head(world), ground=DeclineGround.OTHER, reason="Друго.")

    asked = Referral.objects.filter(pk__in=[anna.pk, declined.pk])

    assert waiting_positions(asked) == {anna.pk: 3}
    assert {referral.pk: referral.position for referral in with_waiting_position(asked)} == {  # type: ignore[attr-defined]
        anna.pk: 3,
        declined.pk: None,
    }
    assert [referral.position for referral in with_waiting_position(Referral.objects.filter(pk=vera.pk))] == [2]  # type: ignore[attr-defined]
    assert waiting_position(boris) == 1


def test_accepting_out_of_turn_needs_a_reason_and_the_list_moves_up(world: World, clock: Clock) -> None:
    first = waiting(world, "Анна", clock.now - datetime.timedelta(days=3))
    second = waiting(world, "Борис", clock.now - datetime.timedelta(days=2))
    third = waiting(world, "Вера", clock.now - datetime.timedelta(days=1))

    with pytest.raises(ValidationError) as refused:
        accept(third, head(world), worker(world))
    assert refused.value.message_dict["override_reason"] == [
        "2 referrals are ahead of this one on the waiting list. Accept the first of them, or say why this one "
        "goes first."
    ]

    accept(first, head(world), worker(world))
    second.refresh_from_db()
    third.refresh_from_db()
    assert (waiting_position(second), waiting_position(third)) == (1, 2)
    accept(third, head(world), worker(world), override_reason="Сестра на дете, което вече работи с нас.")
    assert waiting_position(second) == 1


def test_a_new_urgent_referral_goes_before_everyone_waiting(world: World, child: Person, clock: Clock) -> None:
    waiting(world, "Анна", clock.now - datetime.timedelta(days=3))
    urgent = make_referral(world.own, [child], worker(world), urgent=True, violence_concern=True)
    assert accept(urgent, head(world), worker(world)).state == CaseState.ACCEPTED


def test_a_new_referral_older_than_the_waiting_ones_is_not_out_of_turn(
    world: World, child: Person, clock: Clock
) -> None:
    waiting(world, "Анна", clock.now - datetime.timedelta(days=1))
    late_entry = make_referral(world.own, [child], worker(world), received_at=clock.now - datetime.timedelta(days=9))
    assert accept(late_entry, head(world), worker(world)).state == CaseState.ACCEPTED


def test_waiting_lists_of_two_services_are_counted_apart(world: World, clock: Clock) -> None:
    own = waiting(world, "Анна", clock.now - datetime.timedelta(days=2))
    hisarya_child = make_person(world.other, "Стоян", "Хисарски")
    admin = world.users[Role.ADMINISTRATOR]
    other = make_referral(world.other, [hisarya_child], admin, received_at=clock.now - datetime.timedelta(days=5))
    referral_waitlist(referral=other, by=admin)
    assert waiting_positions(Referral.objects.all()) == {own.pk: 1, other.pk: 1}


# --- Tasks the law starts at intake ---------------------------------------------------------------------------


def child_alone(world: World, child: Person, **fields: Any) -> Referral:
    return make_referral(
        world.own,
        [child],
        worker(world),
        kind=ReferralKind.REQUEST,
        source=ReferralSource.SELF,
        referring_institution="",
        child_alone=True,
        **fields,
    )


def test_a_child_who_comes_alone_starts_the_notification_task_at_once(
    world: World, child: Person, clock: Clock
) -> None:
    referral = child_alone(world, child)

    task = referral.tasks.get()
    assert task.kind == RuleCode.NOTIFY_CHILD_ALONE
    assert task.immediate  # "immediately" (ЗСУ чл. 87)
    assert task.signal_at == clock.now
    assert task.due_at == clock.now + GRACE  # shown as overdue after the organisation's grace
    assert not task.is_overdue
    assert task.service == world.own
    assert task.assigned_to == worker(world)
    assert task.legal_source  # its legal source travels with it
    assert not task.is_done


def test_the_notification_task_is_shown_until_it_is_done(world: World, child: Person, clock: Clock) -> None:
    task = child_alone(world, child).tasks.get()
    for role in (Role.HEAD, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.ADMINISTRATOR):
        assert list(open_tasks(world.users[role])) == [task]
    for role in (Role.VOLUNTEER, Role.MONITORING, Role.VOLUNTEER_COORDINATOR):
        assert not open_tasks(world.users[role]).exists()
    assert not open_tasks(outsider(world)).exists()

    clock.advance(minutes=25)
    notified = clock.now - datetime.timedelta(minutes=10)
    task_complete(
        task=task, by=worker(world), notified_whom="ОЗД Русе; майката", notified_at=notified, notified_how="phone"
    )

    assert not open_tasks(worker(world)).exists()
    task.refresh_from_db()
    assert (task.done_at, task.done_by) == (clock.now, worker(world))
    assert (task.notified_whom, task.notified_at, task.notified_how) == ("ОЗД Русе; майката", notified, "phone")


def notified(**changes: Any) -> dict[str, Any]:
    return {"notified_whom": "ОЗД Русе", "notified_at": FIXED_NOW, "notified_how": "phone", **changes}


def test_completing_a_task_needs_who_when_and_how_and_happens_once(world: World, child: Person) -> None:
    task = child_alone(world, child).tasks.get()
    with pytest.raises(ValidationError) as refused:
        task_complete(task=task, by=worker(world), notified_whom="  ", notified_at=None, notified_how="pigeon")
    assert set(refused.value.message_dict) == {"notified_whom", "notified_at", "notified_how"}
    task_complete(task=task, by=worker(world), **notified())
    with pytest.raises(ValidationError):
        task_complete(task=task, by=head(world), **notified())


@pytest.mark.parametrize("role", [Role.PSYCHOLOGIST, Role.VOLUNTEER, Role.MONITORING])
def test_a_role_that_does_not_work_cases_cannot_complete_a_task(world: World, child: Person, role: str) -> None:
    task = child_alone(world, child).tasks.get()
    with pytest.raises(PermissionDenied):
        task_complete(task=task, by=world.users[role], **notified())
    with pytest.raises(PermissionDenied):
        task_complete(task=task, by=outsider(world), **notified())


def test_a_violence_concern_starts_the_24_hour_clock_from_the_signal(world: World, child: Person, clock: Clock) -> None:
    signal = clock.now - datetime.timedelta(hours=3)
    referral = make_referral(world.own, [child], worker(world), received_at=signal, violence_concern=True)

    task = referral.tasks.get()
    assert task.kind == RuleCode.VIOLENCE_COORDINATION
    assert task.due_at == signal + datetime.timedelta(hours=24)
    assert not task.is_overdue
    clock.advance(hours=21, minutes=1)
    assert task.is_overdue


def test_a_child_alone_with_violence_at_home_gets_both_tasks(world: World, child: Person, clock: Clock) -> None:
    referral = child_alone(world, child, violence_concern=True)
    assert sorted(referral.tasks.values_list("kind", "due_at")) == [
        (RuleCode.NOTIFY_CHILD_ALONE, clock.now + GRACE),
        (RuleCode.VIOLENCE_COORDINATION, clock.now + datetime.timedelta(hours=24)),
    ]


def test_an_urgent_crisis_without_violence_starts_the_immediate_notification(
    world: World, child: Person, clock: Clock
) -> None:
    referral = make_referral(world.own, [child], worker(world), urgent=True)

    task = referral.tasks.get()
    assert task.kind == RuleCode.NOTIFY_URGENT_CRISIS
    assert task.legal_source == "Закон за социалните услуги, чл. 77, ал. 3"
    assert (task.immediate, task.due_at) == (True, clock.now + GRACE)
    # With violence the 24-hour coordination is the task; no second one.
    other = make_person(world.own, "Иво", "Колев")
    violent = make_referral(world.own, [other], worker(world), urgent=True, violence_concern=True)
    assert list(violent.tasks.values_list("kind", flat=True)) == [RuleCode.VIOLENCE_COORDINATION]


def test_a_referral_without_those_concerns_starts_no_task(world: World, child: Person) -> None:
    assert not make_referral(world.own, [child], worker(world)).tasks.exists()


def test_the_tasks_of_an_accepted_referral_move_to_its_case(world: World, child: Person) -> None:
    referral = make_referral(world.own, [child], worker(world), violence_concern=True)
    case = accept(referral, head(world), worker(world))
    assert list(case.tasks.all()) == list(referral.tasks.all())


# --- Scoping ------------------------------------------------------------------------------------------------


@pytest.fixture
def both_services(world: World) -> dict[str, dict[Any, set[int]]]:
    """In ``own`` and in ``other``: a referral accepted into a case, and a child's request with its task."""
    admin = world.users[Role.ADMINISTRATOR]
    made: dict[str, dict[Any, set[int]]] = {}
    for where, service, manager, surname in (
        ("own", world.own, worker(world), "Колев"),
        ("other", world.other, outsider(world), "Хисарски"),
    ):
        someone = make_person(service, "Мартин", surname)
        referral = make_referral(service, [someone], admin)
        case = accept(referral, admin, manager)
        request = make_referral(
            service, [someone], admin, kind="request", source="self", referring_institution="", child_alone=True
        )
        made[where] = {
            Referral: {referral.pk, request.pk},
            Case: {case.pk},
            CaseTask: set(request.tasks.values_list("pk", flat=True)),
            TriageDecision: set(referral.decisions.values_list("pk", flat=True)),
            CaseTransition: set(case.transitions.values_list("pk", flat=True)),
        }
    return made


VIEW_PERMISSION: dict[Any, str] = {
    Referral: Perm.REFERRAL_VIEW,
    Case: Perm.CASE_VIEW,
    CaseTask: Perm.CASE_VIEW,
    TriageDecision: Perm.REFERRAL_VIEW,
    CaseTransition: Perm.CASE_VIEW,
}
READERS = {Role.HEAD, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.PEDAGOGUE, Role.FOSTER_CARE}


@pytest.mark.parametrize("model", list(VIEW_PERMISSION), ids=lambda model: model.__name__)
@pytest.mark.parametrize("role", [role.value for role in Role])
def test_who_reaches_which_referrals_cases_and_tasks(
    world: World, both_services: dict[str, dict[Any, set[int]]], role: str, model: Any
) -> None:
    reached = set(scope(world.users[role], model.objects.all(), VIEW_PERMISSION[model]).values_list("pk", flat=True))
    own, other = both_services["own"][model], both_services["other"][model]
    if role == Role.ADMINISTRATOR:
        assert reached == own | other
    elif role in READERS:
        assert reached == own
    else:
        assert reached == set()


def test_a_worker_of_the_other_service_reaches_only_its_records(
    world: World, both_services: dict[str, dict[Any, set[int]]]
) -> None:
    for model, permission in VIEW_PERMISSION.items():
        reached = set(scope(outsider(world), model.objects.all(), permission).values_list("pk", flat=True))
        assert reached == both_services["other"][model], model


def test_monitoring_reaches_no_referral_or_case_even_with_every_permission(
    world: World, both_services: dict[str, dict[Any, set[int]]]
) -> None:
    monitoring = world.users[Role.MONITORING]
    for model in VIEW_PERMISSION:
        for permission in ROLE_PERMISSIONS[Role.ADMINISTRATOR]:
            assert not scope(monitoring, model.objects.all(), permission).exists()


def test_a_caseworker_who_also_monitors_another_service_sees_only_the_cases_of_the_first(
    world: World, both_services: dict[str, dict[Any, set[int]]]
) -> None:
    from opora.organisation.models import Membership

    Membership.objects.create(user=worker(world), service=world.other, role=Role.MONITORING)
    reached = set(scope(worker(world), Case.objects.all(), Perm.CASE_VIEW).values_list("pk", flat=True))
    assert reached == both_services["own"][Case]


def test_an_inactive_user_reaches_no_case(world: World, both_services: dict[str, dict[Any, set[int]]]) -> None:
    user = make_user("gone", world.organisation, Role.SOCIAL_WORKER, world.own)
    user.is_active = False
    user.save()
    assert not scope(user, Case.objects.all(), Perm.CASE_VIEW).exists()


# --- One open case per child in a service -----------------------------------------------------------------


def test_a_second_open_case_for_the_same_child_in_one_service_is_refused_naming_the_open_one(
    world: World, child: Person
) -> None:
    first = new_case(world, child)
    second = make_referral(world.own, [child], worker(world))

    with pytest.raises(ValidationError) as refused:
        accept(second, head(world), worker(world))

    assert f"already has an open case in {world.own}: {first}" in messages_of(refused.value)
    assert open_case_count(world.own) == 1
    second.refresh_from_db()
    assert second.status == ReferralStatus.NEW


def test_a_closed_case_does_not_stop_a_new_one_but_reopening_beside_an_open_one_is_refused(
    world: World, child: Person
) -> None:
    first = new_case(world, child)
    case_close(case=first, by=head(world), reason="Преместиха се.", outcome=CaseOutcome.MOVED)
    second = new_case(world, child)
    assert second.is_open

    with pytest.raises(ValidationError) as refused:
        case_reopen(case=first, by=head(world), reason="Върнаха се.")
    assert f"already has an open case in {world.own}: {second}" in messages_of(refused.value)


def test_the_mother_of_two_children_may_be_in_both_their_cases(world: World, child: Person) -> None:
    mother = make_person(world.own, "Петя", "Колева", kind="parent", sex="female", birth_date=datetime.date(1990, 3, 4))
    sister = make_person(world.own, "Ива", "Колева", birth_date=datetime.date(2016, 5, 6))
    accept(make_referral(world.own, [child, mother], worker(world)), head(world), worker(world))
    accept(make_referral(world.own, [sister, mother], worker(world)), head(world), worker(world))
    assert open_case_count(world.own) == 2


def test_the_referral_page_warns_of_the_open_case_and_the_other_undecided_referral(world: World, child: Person) -> None:
    case = new_case(world, child)
    waiting = make_referral(world.own, [child], worker(world), kind=ReferralKind.REQUEST, source=ReferralSource.SELF)
    again = make_referral(world.own, [child], worker(world), kind=ReferralKind.REQUEST, source=ReferralSource.SELF)

    page = world.client_for(Role.SOCIAL_WORKER).get(f"/referrals/{again.pk}/").content.decode()

    assert f'href="/cases/{case.pk}/"' in page
    assert f'href="/referrals/{waiting.pk}/"' in page


def test_the_case_staff_come_from_one_list_everywhere(world: World, child: Person) -> None:
    volunteer = world.users[Role.VOLUNTEER]
    departed = world.users[Role.PEDAGOGUE]
    departed.is_active = False
    departed.save()
    staff = set(case_staff([world.own]))
    assert world.users[Role.PSYCHOLOGIST] in staff
    assert volunteer not in staff
    assert departed not in staff
    # The plan's activities are checked against the same list as the team (a volunteer is not case staff).
    case = case_in(world, child, CaseState.PLAN)
    activity = ActivityData(what="Разговор", frequency="седмично", starts_on=datetime.date(2026, 1, 5), staff=volunteer)
    with pytest.raises(ValidationError) as refused:
        save_plan(case, worker(world), goals=[a_goal(activities=[activity])])
    assert "does not work in the case's services" in messages_of(refused.value)
