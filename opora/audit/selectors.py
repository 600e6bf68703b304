"""Reading the audit trail: whose events an administrator sees, filtered, a page at a time, newest first.

Pages go by keyset ("older than the last one shown"), not by number: nothing is counted, and the hundredth
page costs what the first does.
"""

import datetime
from typing import Any

from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from opora.access import Perm, scope
from opora.accounts.models import User
from opora.audit.forms import SYSTEM
from opora.audit.models import ChangeEvent, ViewEvent


def staff_of(user: User) -> QuerySet[User]:
    """The members of staff whose events the user (an administrator) reads: those of their organisation."""
    return scope(user, User.objects.all(), Perm.AUDIT_VIEW)


def changes_for(user: User) -> QuerySet[ChangeEvent]:
    """Changes by the administrator's own organisation's staff, or by the system on its records."""
    events = ChangeEvent.objects.all()
    if user.organisation_id is None:
        return events.none()
    return events.filter(actor__in=staff_of(user)) | events.filter(
        actor__isnull=True, organisation_id=user.organisation_id
    )


def views_for(user: User) -> QuerySet[ViewEvent]:
    """The organisation's view log: looks at its records, whoever tried, and its staff's refusals."""
    if user.organisation_id is None:
        return ViewEvent.objects.none()
    return ViewEvent.objects.filter(organisation_id=user.organisation_id)


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in Europe/Sofia: the days of the filter are the administrator's days."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def filtered[E: (ChangeEvent, ViewEvent)](
    events: QuerySet[E], chosen: dict[str, Any], action_field: str
) -> QuerySet[E]:
    """The events matching the filter's cleaned values (``AuditFilterForm``)."""
    if chosen.get("type"):
        app_label, model = chosen["type"].split(".")
        events = events.filter(content_type__app_label=app_label, content_type__model=model)
    if chosen.get("object"):
        events = events.filter(object_id=chosen["object"])
    if chosen.get("user") == SYSTEM:
        events = events.filter(actor__isnull=True)
    elif chosen.get("user"):
        events = events.filter(actor_id=int(chosen["user"]))
    if chosen.get("since"):
        events = events.filter(at__gte=_start_of(chosen["since"]))
    if chosen.get("until"):
        events = events.filter(at__lt=_start_of(chosen["until"] + datetime.timedelta(days=1)))
    if chosen.get("action"):
        events = events.filter(**{action_field: chosen["action"]})
    return events


def page_before[E: (ChangeEvent, ViewEvent)](
    events: QuerySet[E], before: int | None, size: int
) -> tuple[list[E], int | None]:
    """Up to ``size`` events older than event ``before`` (the newest when None), and the cursor of the next
    page (None on the last). The anchor is looked up among ``events`` themselves, so a cursor naming an
    event the reader may not see gives nothing, not that event's time."""
    if before is not None:
        anchor = Subquery(events.filter(pk=before).values("at")[:1])
        events = events.filter(Q(at__lt=anchor) | Q(at=anchor, pk__lt=before))
    rows = list(events.order_by("-at", "-pk")[: size + 1])
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)
