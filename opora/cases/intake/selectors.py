"""Reads of intake that several pages and services share: the waiting list's order and places, the referrals
still to be decided, and a person's cases and referrals (the person's page)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from opora.access import Perm, scope
from opora.cases.casework.models import Case
from opora.cases.intake.models import UNDECIDED, WAITING_ORDER, Referral, ReferralStatus
from opora.organisation.models import Service
from opora.people.models import Person


def undecided_referrals_in(service: Service, people: Any, *, besides: Referral | None = None) -> QuerySet[Referral]:
    """The referrals to ``service`` about any of ``people`` still awaiting a decision (``besides`` left out)."""
    about = Referral.objects.filter(people__in=people).values("pk")
    found = Referral.objects.filter(service=service, status__in=UNDECIDED, pk__in=about)
    if besides is not None:
        found = found.exclude(pk=besides.pk)
    return found.order_by("pk")


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


def with_waiting_position(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """``referrals``, each with ``position``: its place on its service's waiting list (1 is next), or None when it
    is not on it. Counted in the database for the rows read only (a page of a list), each against its service's
    whole list in ``WAITING_ORDER`` (the referrals ahead of it, as ``waiting_ahead`` says, plus one), along the
    index ``referral_waiting_order``."""
    same_urgency = Q(urgent=OuterRef("urgent"))
    earlier = Q(received_at__lt=OuterRef("received_at")) | Q(received_at=OuterRef("received_at"), pk__lt=OuterRef("pk"))
    # Every urgent referral comes before one that is not.
    ahead = Referral.objects.filter(service_id=OuterRef("service_id"), status=ReferralStatus.WAITING).filter(
        Q(urgent__gt=OuterRef("urgent")) | (same_urgency & earlier)
    )
    count = ahead.order_by().values("service_id").annotate(count=Count("pk")).values("count")
    return referrals.annotate(
        position=models.Case(
            models.When(status=ReferralStatus.WAITING, then=Coalesce(Subquery(count), 0) + 1),
            default=None,
            output_field=models.IntegerField(),
        )
    )


def waiting_places(referrals: QuerySet[Referral], *, after: int = 0, up_to: int) -> dict[int, int]:
    """Referral id → place (1 is next) of the waiting referrals of ``referrals`` placed after ``after`` and up to
    ``up_to`` on their service's list: a window over each list in ``WAITING_ORDER`` along the partial index
    ``referral_waiting_rank``, stopped after ``up_to`` (counting the referrals ahead of each row is quadratic: 37 s
    for 30,000 waiting referrals). ``referrals`` must hold whole lists (scoped by service)."""
    order = [F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in WAITING_ORDER]
    ranked = referrals.filter(status=ReferralStatus.WAITING).annotate(
        position=Window(RowNumber(), partition_by=[F("service_id")], order_by=order)
    )
    return dict(ranked.filter(position__gt=after, position__lte=up_to).values_list("pk", "position"))


def waiting_positions(referrals: QuerySet[Referral]) -> dict[int, int]:
    """Referral id → place on its service's waiting list, for every referral of ``referrals`` on one (one query,
    the rows of ``referrals`` only: ``with_waiting_position``)."""
    rows = with_waiting_position(referrals.filter(status=ReferralStatus.WAITING)).only("pk")
    return {row.pk: row.position for row in rows}  # type: ignore[attr-defined]  # annotated above


@dataclass(frozen=True)
class WaitingTimes:
    """A waiting list's length and how long its referrals have waited, in whole days since received."""

    length: int
    longest_days: int
    median_days: int


def waiting_times(referrals: QuerySet[Referral], now: datetime.datetime) -> dict[int, WaitingTimes]:
    """Service id → its waiting list among ``referrals`` (scoped by service: whole lists), for the services that
    have one: its length, the longest wait and the median wait. One query, whatever the lists' lengths: each
    list ranked by the time received, and only its middle one or two rows read (with the list's length and its
    earliest referral)."""
    by_service = [F("service_id")]
    ranked = (
        referrals.filter(status=ReferralStatus.WAITING)
        .order_by()
        .annotate(
            length=Window(Count("pk"), partition_by=by_service),
            earliest=Window(Min("received_at"), partition_by=by_service),
            rank=Window(RowNumber(), partition_by=by_service, order_by=[F("received_at").asc(), F("pk").asc()]),
        )
    )
    # The middle row of an odd length, the two middle rows of an even one: (n + 1) / 2 and (n + 2) / 2 in whole
    # numbers.
    middle = ranked.filter(Q(rank=(F("length") + 1) / 2) | Q(rank=(F("length") + 2) / 2))
    rows: dict[int, list[tuple[int, datetime.datetime, datetime.datetime]]] = {}
    read = middle.values_list("service_id", "length", "earliest", "received_at")
    for service_id, length, earliest, received_at in read:
        rows.setdefault(service_id, []).append((length, earliest, received_at))
    times = {}
    for service_id, found in rows.items():
        length, earliest, _received = found[0]
        waits = [now - received_at for _length, _earliest, received_at in found]
        median = sum(waits, datetime.timedelta()) / len(waits)
        times[service_id] = WaitingTimes(length=length, longest_days=(now - earliest).days, median_days=median.days)
    return times


def casework_of(user: Any, person: Person) -> tuple[QuerySet[Case], QuerySet[Referral]]:
    """The cases and referrals about ``person`` that ``user`` may see (for the person's page), newest first."""
    cases = scope(user, Case.objects.filter(pk__in=Case.objects.filter(people=person).values("pk")), Perm.CASE_VIEW)
    referrals = scope(
        user, Referral.objects.filter(pk__in=Referral.objects.filter(people=person).values("pk")), Perm.REFERRAL_VIEW
    )
    return cases.order_by("-opened_at", "-pk"), referrals.select_related("service").order_by("-received_at", "-pk")
