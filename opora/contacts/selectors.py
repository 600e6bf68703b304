"""What the pages read of contacts: a case's contacts, a worker's week, and the case page's section and
timeline (registered in ``ContactsConfig.ready()``). Every read goes through the user's scope."""

import datetime
from typing import Any

from django.db.models import Case as Choose
from django.db.models import F, Prefetch, QuerySet, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.access import Perm, has_permission_on, scope
from opora.accounts.models import User
from opora.cases.casework.models import Case
from opora.cases.casework.selectors import case_staff
from opora.cases.casework.timeline import TimelineEvent
from opora.contacts.models import Contact, ContactStatus
from opora.organisation.models import Service
from opora.people.selectors import visible_people


def contacts_of(user: Any, queryset: QuerySet[Contact]) -> QuerySet[Contact]:
    """``queryset`` as ``user`` may read it, with each contact's case, its staff and the people of it whom the
    user may see (one query each)."""
    return (
        scope(user, queryset, Perm.CASE_VIEW)
        .select_related("case")
        .prefetch_related(
            Prefetch("participants", queryset=visible_people(user).order_by("last_name", "first_name")),
            Prefetch("staff", queryset=User.objects.order_by("first_name", "last_name")),
        )
    )


def case_contacts(user: Any, case: Case) -> QuerySet[Contact]:
    return contacts_of(user, Contact.objects.filter(case=case)).order_by("-starts_at", "-pk")


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_of(user: Any, worker: User, monday: datetime.date) -> list[tuple[datetime.date, list[Contact]]]:
    """The seven days from ``monday``, each with ``worker``'s contacts that day (cancelled ones included),
    in Sofia's time."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(monday, datetime.time(), zone)
    end = start + datetime.timedelta(days=7)
    contacts = list(
        contacts_of(user, Contact.objects.filter(staff=worker, starts_at__gte=start, starts_at__lt=end)).order_by(
            "starts_at", "pk"
        )
    )
    days = [monday + datetime.timedelta(days=offset) for offset in range(7)]
    return [(day, [one for one in contacts if timezone.localtime(one.starts_at).date() == day]) for day in days]


def calendar_workers(user: Any) -> QuerySet[User]:
    """Whose calendars the user may open: the staff of the services whose cases the user reads."""
    services = scope(user, Service.objects.all(), Perm.CASE_VIEW)
    return case_staff(services).order_by("first_name", "last_name", "pk")


# --- The case's page -------------------------------------------------------------------------------


def contacts_section(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The links of the case page's section (no query: the contacts are on their own page and the timeline)."""
    return {"case": case, "can_book": case.is_open and has_permission_on(request.user, Perm.CASE_WORK, case)}


def contact_events(case: Case, user: Any, limit: int) -> list[TimelineEvent]:
    """The case's contacts that took place or were missed or cancelled, for its timeline (one query): each at
    its start, a cancelled one when it was cancelled; a planned one only once its time has come."""
    now = timezone.now()
    contacts = (
        scope(user, Contact.objects.filter(case=case), Perm.CASE_VIEW)
        .exclude(status=ContactStatus.PLANNED, starts_at__gt=now)
        .select_related("created_by")
        .annotate(moment=Choose(When(status=ContactStatus.CANCELLED, then=F("updated_at")), default=F("starts_at")))
        .order_by("-moment", "-pk")[:limit]
    )
    events = []
    for contact in contacts:
        title = _("%(kind)s: %(status)s") % {"kind": contact.get_kind_display(), "status": contact.get_status_display()}
        start, end = timezone.localtime(contact.starts_at), timezone.localtime(contact.ends_at)
        detail = f"{start:%d.%m.%Y %H:%M}–{end:%H:%M}, {contact.get_place_display()}"
        if contact.room:
            detail += f" ({contact.room})"
        if contact.status == ContactStatus.HELD and contact.minutes:
            detail += ", " + _("%(minutes)s min") % {"minutes": contact.minutes}
        if contact.cancel_reason:
            detail += "\n" + contact.cancel_reason
        url = reverse("contacts:case_contacts", args=[case.pk])
        events.append(TimelineEvent(contact.moment, "contact", title, str(contact.created_by), detail, url))
    return events
