"""Reads that several pages and services share: capacity, the waiting list and open tasks.

The counts here (open cases, places on the waiting list) are numbers about a service, used by the rules in
``opora.cases.services`` and shown beside records the user has already reached through the scoping module.
Rows shown to a user come through ``opora.access.scope`` (``open_tasks``).
"""

from typing import Any

from django.db.models import Count, Q, QuerySet

from opora.access import Perm, scope
from opora.accounts.models import User
from opora.cases.models import OPEN_STATES, UNDECIDED, WAITING_ORDER, Case, CaseTask, Referral, ReferralStatus
from opora.organisation.models import Membership, Role, Service
from opora.people.models import Person, PersonKind

# The roles that may lead a case (ЗСУ чл. 84), sit on its multidisciplinary team (чл. 80) or be named for an
# activity of its plan.
CASE_STAFF_ROLES = (Role.HEAD, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.PEDAGOGUE, Role.FOSTER_CARE)


def case_staff(services: Any) -> QuerySet[User]:
    """The active staff of ``services`` who may work on a case there: its manager, its team, the people named
    for its plan's activities. The one list the triage form, the team form, the plan and their services
    check against (a subquery, so that a user with two roles in the service is listed once)."""
    members = Membership.objects.filter(service__in=services, role__in=CASE_STAFF_ROLES).values("user_id")
    return User.objects.filter(is_active=True, pk__in=members)


def open_cases_in(service: Service, people: Any) -> QuerySet[Case]:
    """The open cases of ``service`` about any of ``people``: a child has one open case per service, or the
    service's capacity would count him twice."""
    about = Case.objects.filter(people__in=people).values("pk")
    return Case.objects.filter(services=service, state__in=OPEN_STATES, pk__in=about).order_by("pk")


def undecided_referrals_in(service: Service, people: Any, *, besides: Referral | None = None) -> QuerySet[Referral]:
    """The referrals to ``service`` about any of ``people`` still awaiting a decision (``besides`` left out)."""
    about = Referral.objects.filter(people__in=people).values("pk")
    found = Referral.objects.filter(service=service, status__in=UNDECIDED, pk__in=about)
    if besides is not None:
        found = found.exclude(pk=besides.pk)
    return found.order_by("pk")


def children_of(people: Any) -> QuerySet[Person]:
    """The children among ``people`` (a parent may be in the cases of two of her children)."""
    return Person.objects.filter(pk__in=[person.pk for person in people], kind=PersonKind.CHILD)


def open_case_count(service: Service) -> int:
    """How many places of ``service`` are taken: its cases that are not closed (ЗСУ чл. 43(2))."""
    return Case.objects.filter(services=service, state__in=OPEN_STATES).count()


def with_open_cases(services: QuerySet[Service]) -> QuerySet[Service]:
    """``services``, each with ``open_cases``: the places taken."""
    return services.annotate(
        open_cases=Count("cases", filter=Q(cases__state__in=OPEN_STATES), distinct=True),
    )


def waiting_ahead(referral: Referral) -> QuerySet[Referral]:
    """The referrals on the service's waiting list that come before ``referral`` (in ``WAITING_ORDER``),
    whether ``referral`` itself waits or has just arrived."""
    same_urgency_earlier = Q(urgent=referral.urgent) & (
        Q(received_at__lt=referral.received_at) | Q(received_at=referral.received_at, pk__lt=referral.pk)
    )
    # Every urgent referral comes before one that is not.
    ahead = same_urgency_earlier if referral.urgent else (same_urgency_earlier | Q(urgent=True))
    return (
        Referral.objects.filter(service_id=referral.service_id, status=ReferralStatus.WAITING)
        .exclude(pk=referral.pk)
        .filter(ahead)
    )


def waiting_position(referral: Referral) -> int | None:
    """The place of ``referral`` on its service's waiting list (1 is next), or None when it is not on it."""
    if referral.status != ReferralStatus.WAITING:
        return None
    return waiting_ahead(referral).count() + 1


def waiting_positions(waiting: QuerySet[Referral]) -> dict[int, int]:
    """Referral id → place on its service's waiting list, for every referral of ``waiting`` on one.

    ``waiting`` is a scoped queryset; since scope is by service, it holds whole waiting lists, so the places
    are the same as every other user of the service sees. One query whatever the length of the lists.
    """
    positions: dict[int, int] = {}
    counters: dict[int, int] = {}
    rows = waiting.filter(status=ReferralStatus.WAITING).order_by("service_id", *WAITING_ORDER)
    for pk, service_id in rows.values_list("pk", "service_id"):
        counters[service_id] = counters.get(service_id, 0) + 1
        positions[pk] = counters[service_id]
    return positions


def open_tasks(user: Any) -> QuerySet[CaseTask]:
    """The tasks not yet done that the user may see, the most pressing first."""
    return (
        scope(user, CaseTask.objects.filter(done_at__isnull=True), Perm.CASE_VIEW)
        .select_related("service", "referral", "case", "assigned_to")
        .order_by("due_at", "pk")
    )


def casework_of(user: Any, person: Person) -> tuple[QuerySet[Case], QuerySet[Referral]]:
    """The cases and referrals about ``person`` that ``user`` may see (for the person's page), newest first."""
    cases = scope(user, Case.objects.filter(pk__in=Case.objects.filter(people=person).values("pk")), Perm.CASE_VIEW)
    referrals = scope(
        user, Referral.objects.filter(pk__in=Referral.objects.filter(people=person).values("pk")), Perm.REFERRAL_VIEW
    )
    return cases.order_by("-opened_at", "-pk"), referrals.select_related("service").order_by("-received_at", "-pk")
