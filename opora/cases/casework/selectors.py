"""Reads of case work that several pages and services share: who may work on a case, capacity, open tasks.

The counts here (open cases) are numbers about a service, used by the rules of the services and shown beside
records the user has already reached through the scoping module. Rows shown to a user come through
``opora.access.scope`` (``open_tasks``).
"""

from typing import Any

from django.db.models import Count, Q, QuerySet

from opora.access import Perm, scope
from opora.accounts.models import User
from opora.cases.casework.models import OPEN_STATES, Case, CaseTask
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


def managed_or_on_team(user: Any) -> Q:
    """The cases ``user`` manages or is on the team of (asked as a subquery: a join would repeat a case)."""
    on_team = Case.team.through.objects.filter(user_id=user.pk).values("case_id")
    return Q(case_manager_id=user.pk) | Q(pk__in=on_team)


def listed_cases(
    user: Any, *, service: Service | None = None, states: tuple[str, ...] | None = None, only_mine: bool = False
) -> QuerySet[Case]:
    """The cases of the case list: those ``user`` may see, of ``service`` (any of theirs when None), in
    ``states`` (any when None), and only those they manage or are on the team of when ``only_mine``."""
    cases = scope(user, Case.objects.all(), Perm.CASE_VIEW)
    if service is not None:
        cases = cases.filter(services=service)
    if states is not None:
        cases = cases.filter(state__in=states)
    return cases.filter(managed_or_on_team(user)) if only_mine else cases


def caseload(user: Any) -> dict[str, int]:
    """State → how many of the open cases ``user`` manages or is on the team of are in it (the states with
    none left out): one grouped query."""
    rows = listed_cases(user, states=OPEN_STATES, only_mine=True).order_by().values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def open_tasks(user: Any) -> QuerySet[CaseTask]:
    """The tasks not yet done that the user may see, the most pressing first."""
    return (
        scope(user, CaseTask.objects.filter(done_at__isnull=True), Perm.CASE_VIEW)
        .select_related("service", "referral", "case", "assigned_to")
        .order_by("due_at", "pk")
    )
