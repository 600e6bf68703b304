"""What intake and case work put on the start page (registered in ``CasesConfig.ready()``)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from opora.access import Perm, has_permission, scope, service_ids_with
from opora.cases.casework.models import CaseState
from opora.cases.casework.selectors import caseload, open_tasks, with_open_cases
from opora.cases.intake.models import Referral
from opora.cases.intake.selectors import WaitingTimes, waiting_times
from opora.core.due_facts import ServiceDue, due_per_service
from opora.organisation.models import Service
from opora.people.selectors import visible_people

# The start page shows this many open tasks, the most pressing first (a full list comes with "My tasks").
HOME_TASKS = 20


def home_tasks(request: HttpRequest) -> dict[str, Any] | None:
    """The tasks not yet done in the user's services, each with the people of its case or referral whom the user
    may see (as My tasks names them): one query for the rows, one each for the people of cases and of referrals,
    and one to count them when there are more than are shown. Nothing (no empty panel) when there are none."""
    tasks = open_tasks(request.user)
    people = visible_people(request.user)
    shown = list(
        tasks.prefetch_related(
            Prefetch("case__people", queryset=people), Prefetch("referral__people", queryset=people)
        )[:HOME_TASKS]
    )
    if not shown:
        return None
    return {
        "tasks": shown,
        "task_count": tasks.count() if len(shown) == HOME_TASKS else len(shown),
        "can_complete_tasks": has_permission(request.user, Perm.CASE_WORK),
    }


def home_caseload(request: HttpRequest) -> dict[str, Any] | None:
    """A worker's caseload: her open cases (those she manages or is on the team of) by state, each count the
    case list of that state and hers; nothing for who has no open case of her own. One query."""
    counts = caseload(request.user)
    if not counts:
        return None
    url = reverse("cases:case_list")
    return {
        "states": [
            {"label": label, "count": counts[state], "url": f"{url}?state={state}&mine=1"}
            for state, label in CaseState.choices
            if counts.get(state)
        ],
        "total": sum(counts.values()),
        "url": f"{url}?state=open&mine=1",
    }


@dataclass
class ServiceRow:
    """One service's figures on the start page, each with the list that shows them."""

    service: Service
    in_use: int
    in_use_url: str
    waiting: WaitingTimes
    waiting_url: str
    due: ServiceDue | None

    @property
    def is_full(self) -> bool:
        return self.in_use >= self.service.capacity


def _service_rows(request: HttpRequest, services: Any) -> list[ServiceRow]:
    """The figures of ``services`` (already in the user's scope): three queries whatever their number, the
    places taken, the waiting lists and what the time limits count."""
    listed = list(with_open_cases(services).order_by("name"))
    ids = [service.pk for service in listed]
    now = timezone.now()
    referrals = scope(request.user, Referral.objects.filter(service_id__in=ids), Perm.REFERRAL_VIEW)
    waiting = waiting_times(referrals, now) if ids else {}
    due = (due_per_service(request.user, ids, now) or {}) if ids else {}
    cases, lists = reverse("cases:case_list"), reverse("cases:referral_waiting_list")
    nobody = WaitingTimes(length=0, longest_days=0, median_days=0)
    return [
        ServiceRow(
            service=service,
            in_use=service.open_cases,  # type: ignore[attr-defined]
            in_use_url=f"{cases}?service={service.pk}&state=open",
            waiting=waiting.get(service.pk, nobody),
            waiting_url=f"{lists}?service={service.pk}",
            due=due.get(service.pk),
        )
        for service in listed
    ]


def home_services_headed(request: HttpRequest) -> dict[str, Any] | None:
    """A head of service's services: the places taken of the capacity, the waiting list and how long it has
    waited, and the open cases whose plan is past its time limit. Not for who answers for every service (the
    administrator has the organisation's table)."""
    headed = service_ids_with(request.user, Perm.CASE_APPROVE, person_level=True)
    if not headed:
        return None
    services = scope(request.user, Service.objects.filter(pk__in=headed), Perm.CASE_APPROVE)
    return {"rows": _service_rows(request, services), "organisation": False}


def home_organisation_services(request: HttpRequest) -> dict[str, Any] | None:
    """The administrator's services side by side: capacity, places taken, waiting, overdue."""
    services = scope(request.user, Service.objects.all(), Perm.ORGANISATION_MANAGE)
    return {
        "rows": _service_rows(request, services),
        "organisation": True,
        "can_add": has_permission(request.user, Perm.SERVICE_MANAGE),
    }
