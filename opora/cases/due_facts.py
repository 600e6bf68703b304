"""The facts of cases, tasks and referrals that the time limits count from (``opora.core.due_facts``), read
from this app's models and registered in ``CasesConfig.ready()``: the app that keeps the time limits asks
here, and is told here when a fact changed, so that it imports nothing of this app and this app nothing of it.

What the time limits show on a case's page (``show_on_case_page``) is made a section of it here
(``opora.cases.sections``).

The case's states become facts here: when its current episode started (accepted or reopened), and within it
when the assessment started, when it was completed (the plan started) and when the plan was approved
(support started), each the time of the case's transition.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Max, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from opora.access import Perm, scope
from opora.cases.casework.models import OPEN_STATES, Case, CaseState, CaseTask, CaseTransition
from opora.cases.casework.selectors import managed_or_on_team
from opora.cases.models import PlanReview, Referral
from opora.cases.sections import case_section, provide_next_due, provide_review_due
from opora.core.due_facts import (
    CaseFacts,
    CasePagePart,
    Changed,
    NewTask,
    OnChanged,
    RecordLabel,
    ReferralFacts,
    TaskFacts,
    on_case_page_part,
    register_due_facts_provider,
)
from opora.organisation.models import ServiceKind
from opora.people.selectors import visible_people


def _start_of(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in Sofia."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def _last(moves: list[tuple[str, datetime.datetime]], states: tuple[str, ...], since: datetime.datetime | None) -> Any:
    times = [at for state, at in moves if state in states and (since is None or at >= since)]
    return max(times) if times else None


def _facts(
    pk: int,
    organisation_id: int,
    state: str,
    manager_id: int | None,
    received_at: datetime.datetime | None,
    moves: list[tuple[str, datetime.datetime]],
    service_ids: list[int],
    kinds: list[str],
    last_review: datetime.date | None,
) -> CaseFacts:
    """A case's facts from its row and its transitions (oldest first), services and last review's day."""
    episode = _last(moves, (CaseState.ACCEPTED, CaseState.REOPENED), None)
    return CaseFacts(
        case_id=pk,
        organisation_id=organisation_id,
        is_open=state in OPEN_STATES,
        manager_id=manager_id,
        service_ids=tuple(sorted(service_ids)),
        # One specialised service asks the case for what the law asks of specialised services (ЗСУ чл. 80).
        general_access=bool(kinds) and all(kind == ServiceKind.GENERAL_ACCESS for kind in kinds),
        accepted_at=episode,
        reopened=any(move == CaseState.REOPENED for move, _at in moves),
        referral_received_at=received_at,
        assessment_started_at=_last(moves, (CaseState.ASSESSMENT,), episode),
        assessment_approved_at=_last(moves, (CaseState.PLAN,), episode),
        plan_approved_at=_last(moves, (CaseState.SUPPORT,), episode),
        last_review_at=_start_of(last_review) if last_review is not None else None,
    )


class CasesDueFacts:
    """``opora.core.due_facts.DueFactsProvider`` for cases, their tasks and referrals."""

    def case_facts(self, case_ids: Iterable[int]) -> list[CaseFacts]:
        """Four queries however many cases."""
        ids = list(set(case_ids))
        if not ids:
            return []
        rows = list(
            Case.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", "organisation_id", "state", "case_manager_id", "referral__received_at")
        )
        moves: dict[int, list[tuple[str, datetime.datetime]]] = defaultdict(list)
        for case_id, state, at in (
            CaseTransition.objects.filter(case_id__in=ids).order_by("at", "pk").values_list("case_id", "to_state", "at")
        ):
            moves[case_id].append((state, at))
        services: dict[int, list[int]] = defaultdict(list)
        kinds: dict[int, list[str]] = defaultdict(list)
        for case_id, service_id, kind in Case.services.through.objects.filter(case_id__in=ids).values_list(
            "case_id", "service_id", "service__kind"
        ):
            services[case_id].append(service_id)
            kinds[case_id].append(kind)
        reviews = dict(
            PlanReview.objects.filter(case_id__in=ids)
            .values("case_id")
            .annotate(last=Max("reviewed_on"))
            .values_list("case_id", "last")
        )
        return [
            _facts(
                pk,
                organisation_id,
                state,
                manager_id,
                received_at,
                moves[pk],
                services[pk],
                kinds[pk],
                reviews.get(pk),
            )
            for pk, organisation_id, state, manager_id, received_at in rows
        ]

    def record_facts(self, case: Case) -> CaseFacts:
        """From the case's transitions, services, reviews and referral, which its page prefetches."""
        reviews = [review.reviewed_on for review in case.reviews.all()]
        services = list(case.services.all())
        return _facts(
            case.pk,
            case.organisation_id,
            case.state,
            case.case_manager_id,
            case.referral.received_at if case.referral is not None else None,
            [(move.to_state, move.at) for move in sorted(case.transitions.all(), key=lambda m: (m.at, m.pk))],
            [service.pk for service in services],
            [service.kind for service in services],
            max(reviews) if reviews else None,
        )

    def task_facts(self, task_ids: Iterable[int]) -> list[TaskFacts]:
        """One query however many tasks."""
        ids = list(set(task_ids))
        if not ids:
            return []
        rows = (
            CaseTask.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list(
                "pk",
                "service__organisation_id",
                "done_at",
                "kind",
                "title",
                "legal_source",
                "due_at",
                "service_id",
                "assigned_to_id",
                "case_id",
                "referral_id",
                "case__case_manager_id",
                "signal_at",
                "immediate",
            )
        )
        return [
            TaskFacts(
                task_id=pk,
                organisation_id=organisation_id,
                is_open=done_at is None,
                code=kind,
                title=title,
                legal_source=source,
                due_at=due_at,
                service_id=service_id,
                assigned_to_id=assigned_to_id,
                case_id=case_id,
                referral_id=referral_id,
                case_manager_id=manager_id,
                signal_at=signal_at,
                immediate=immediate,
            )
            for (
                pk,
                organisation_id,
                done_at,
                kind,
                title,
                source,
                due_at,
                service_id,
                assigned_to_id,
                case_id,
                referral_id,
                manager_id,
                signal_at,
                immediate,
            ) in rows
        ]

    def task_ids_of_cases(self, case_ids: Iterable[int]) -> list[int]:
        return list(CaseTask.objects.filter(case_id__in=list(case_ids)).values_list("pk", flat=True))

    def open_case_ids(self, organisation_id: int | None) -> QuerySet[Any, int]:
        cases = Case.objects.filter(state__in=OPEN_STATES)
        if organisation_id is not None:
            cases = cases.filter(organisation_id=organisation_id)
        return cases.values_list("pk", flat=True)

    def open_task_ids_without_case(self, organisation_id: int | None) -> QuerySet[Any, int]:
        tasks = CaseTask.objects.filter(done_at__isnull=True, case__isnull=True)
        if organisation_id is not None:
            tasks = tasks.filter(service__organisation_id=organisation_id)
        return tasks.values_list("pk", flat=True)

    def open_cases_of(self, user: Any, permission: str, *, mine: bool) -> QuerySet[Any, Any]:
        cases = scope(user, Case.objects.filter(state__in=OPEN_STATES), permission)
        return (cases.filter(managed_or_on_team(user)) if mine else cases).values("pk")

    def reachable(self, user: Any, case_ids: Iterable[int], task_ids: Iterable[int]) -> tuple[set[int], set[int]]:
        cases, tasks = list(case_ids), list(task_ids)
        reached_cases: set[int] = set()
        reached_tasks: set[int] = set()
        if cases:
            open_cases = Case.objects.filter(pk__in=cases, state__in=OPEN_STATES)
            reached_cases = set(scope(user, open_cases, Perm.CASE_VIEW).values_list("pk", flat=True))
        if tasks:
            open_tasks = CaseTask.objects.filter(pk__in=tasks, done_at__isnull=True)
            reached_tasks = set(scope(user, open_tasks, Perm.CASE_VIEW).values_list("pk", flat=True))
        return reached_cases, reached_tasks

    def describe(
        self, user: Any, case_ids: Iterable[int], referral_ids: Iterable[int]
    ) -> tuple[dict[int, RecordLabel], dict[int, RecordLabel]]:
        """A record's label is its number; its people, those ``user`` may see, are one query per kind."""
        people = visible_people(user)
        order = ("person__last_name", "person__first_name", "person__pk")
        cases: dict[int, list[str]] = {pk: [] for pk in set(case_ids)}
        if cases:
            for link in (
                Case.people.through.objects.filter(case_id__in=list(cases), person__in=people)
                .select_related("person")
                .order_by(*order)
            ):
                cases[link.case_id].append(str(link.person))
        referrals: dict[int, list[str]] = {pk: [] for pk in set(referral_ids)}
        if referrals:
            for named in (
                Referral.people.through.objects.filter(referral_id__in=list(referrals), person__in=people)
                .select_related("person")
                .order_by(*order)
            ):
                referrals[named.referral_id].append(str(named.person))
        return (
            {
                pk: RecordLabel(str(Case(pk=pk)), tuple(names), "cases:case_detail", (pk,))
                for pk, names in cases.items()
            },
            {
                pk: RecordLabel(str(Referral(pk=pk)), tuple(names), "cases:referral_detail", (pk,))
                for pk, names in referrals.items()
            },
        )

    def referral_facts(self, referral: Referral) -> ReferralFacts:
        return ReferralFacts(
            referral_id=referral.pk,
            organisation_id=referral.service.organisation_id,
            service_id=referral.service_id,
            received_at=referral.received_at,
            child_alone=referral.child_alone,
            urgent=referral.urgent,
            violence_concern=referral.violence_concern,
            # The signal is sent by the recording (the first version) and by each correction (which moves the
            # edit counter on first); tasks are started only through it, so a referral being recorded has none.
            is_new=referral.edit_version == 1,
        )

    def started_task_codes(self, referral: Referral) -> frozenset[str]:
        return frozenset(referral.tasks.values_list("kind", flat=True))

    def start_tasks(self, referral: Referral, tasks: list[NewTask], *, by: Any) -> None:
        for new in tasks:
            task = CaseTask(
                service=referral.service,
                referral=referral,
                assigned_to=by,
                kind=new.code,
                title=new.title,
                legal_source=new.legal_source,
                signal_at=new.signal_at,
                immediate=new.immediate,
                due_at=new.due_at,
            )
            task.full_clean()
            task.save()

    def connect(self, on_changed: OnChanged) -> None:
        """Tell ``on_changed`` of a case saved (its state, its manager), its services, a transition, a review
        saved or deleted, its referral (when it was received) and a task saved."""

        def case_saved(sender: Any, instance: Case, raw: bool = False, **kwargs: Any) -> None:
            if not raw:
                on_changed(Changed(case_ids=frozenset([instance.pk])))

        def part_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
            if not raw and instance.case_id is not None:
                on_changed(Changed(case_ids=frozenset([instance.case_id])))

        def services_changed(sender: Any, instance: Any, action: str, pk_set: Any = None, **kwargs: Any) -> None:
            if not action.startswith("post_"):
                return
            if isinstance(instance, Case):
                on_changed(Changed(case_ids=frozenset([instance.pk])))
            elif pk_set:
                on_changed(Changed(case_ids=frozenset(pk_set)))  # changed from the service's side

        def referral_saved(sender: Any, instance: Referral, raw: bool = False, **kwargs: Any) -> None:
            if not raw:
                open_cases = Case.objects.filter(referral_id=instance.pk, state__in=OPEN_STATES)
                on_changed(Changed(case_ids=frozenset(open_cases.values_list("pk", flat=True))))

        def task_saved(sender: Any, instance: CaseTask, raw: bool = False, **kwargs: Any) -> None:
            if not raw:
                on_changed(Changed(task_ids=frozenset([instance.pk])))

        uid = f"due_facts.{id(on_changed)}"
        # Kept strongly: the receivers are local functions, which a weak reference would let go at once.
        post_save.connect(case_saved, sender=Case, weak=False, dispatch_uid=f"{uid}.case")
        m2m_changed.connect(services_changed, sender=Case.services.through, weak=False, dispatch_uid=f"{uid}.services")
        for part in (CaseTransition, PlanReview):
            post_save.connect(part_saved, sender=part, weak=False, dispatch_uid=f"{uid}.{part.__name__}")
        post_delete.connect(part_saved, sender=PlanReview, weak=False, dispatch_uid=f"{uid}.review_gone")
        post_save.connect(referral_saved, sender=Referral, weak=False, dispatch_uid=f"{uid}.referral")
        post_save.connect(task_saved, sender=CaseTask, weak=False, dispatch_uid=f"{uid}.task")


def _on_case_page(part: CasePagePart) -> None:
    """What the time limits show on a case's page becomes a section of it, and the plan's review date."""
    case_section(part.name, template=part.template, order=part.order, context=part.context)
    provide_review_due(part.review_due)
    if part.next_due is not None:
        provide_next_due(part.next_due)


def register() -> None:
    """Called from ``CasesConfig.ready()``: the facts, and the case page's parts offered by the time limits."""
    register_due_facts_provider(CasesDueFacts())
    on_case_page_part(_on_case_page)
