"""Booking contacts and recording how they went. Every write checks its own permission (case work on the
contact's case) and the rules: an end after the start, no contact planned in the past, no double booking of a
member of staff, a room of the service or a person of the case — refused with a message that names the other
contact's time and kind (and its case's number, never another child's name)."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.access import Perm, has_permission_on
from opora.accounts.models import User
from opora.cases.casework.models import Case
from opora.cases.casework.selectors import case_staff
from opora.cases.casework.services import allow
from opora.contacts.models import TAKES_TIME, Contact, ContactPlace, ContactStatus
from opora.people.models import Person

# A clock a little behind, or a form left open: a contact planned a few minutes ago is still today's.
PAST_TOLERANCE = datetime.timedelta(minutes=15)
# No contact lasts longer than a working day (a typing slip: 15:00–05:00).
LONGEST = datetime.timedelta(hours=12)
LONGEST_MINUTES = 12 * 60


def span(contact: Contact) -> str:
    start, end = timezone.localtime(contact.starts_at), timezone.localtime(contact.ends_at)
    return f"{start:%d.%m.%Y %H:%M}–{end:%H:%M}"


def overlapping(starts_at: datetime.datetime, ends_at: datetime.datetime) -> Q:
    """Contacts that take time between ``starts_at`` and ``ends_at`` (one ending as the other starts does not)."""
    return Q(status__in=TAKES_TIME, starts_at__lt=ends_at, ends_at__gt=starts_at)


def check_times(starts_at: datetime.datetime | None, ends_at: datetime.datetime | None) -> None:
    errors = {}
    if starts_at is not None and ends_at is not None:
        if ends_at <= starts_at:
            errors["ends"] = _("The end must come after the start.")
        elif ends_at - starts_at > LONGEST:
            errors["ends"] = _("A contact lasts at most 12 hours: check the end.")
    if starts_at is not None and starts_at < timezone.now() - PAST_TOLERANCE:
        errors["starts"] = _("This is in the past: plan a contact from now on.")
    if errors:
        raise ValidationError(errors)


def check_people(case: Case, staff: Sequence[User], participants: Sequence[Person]) -> None:
    errors = {}
    if not staff:
        errors["staff"] = _("Name who holds the contact.")
    elif {user.pk for user in staff} - set(case_staff(case.services.all()).values_list("pk", flat=True)):
        errors["staff"] = _("Only the staff of the case's services hold its contacts.")
    if not participants:
        errors["participants"] = _("Choose who of the case takes part.")
    elif {person.pk for person in participants} - set(case.people.values_list("pk", flat=True)):
        errors["participants"] = _("Only the people of the case take part in its contacts.")
    if errors:
        raise ValidationError(errors)


def check_double_booking(
    *,
    case: Case,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    staff: Sequence[User],
    participants: Sequence[Person],
    place: str,
    room: str,
) -> None:
    """Refuse a time that a member of staff, the room or a person of the case has given to another contact."""
    busy = Contact.objects.filter(overlapping(starts_at, ends_at)).select_related("case").order_by("starts_at", "pk")
    errors: dict[str, list[str]] = {}
    for member in staff:
        other = busy.filter(staff=member).first()
        if other is not None:
            errors.setdefault("staff", []).append(
                _("%(name)s already has a contact then: %(kind)s, %(span)s (%(case)s).")
                % {"name": member, "kind": other.get_kind_display(), "span": span(other), "case": other.case}
            )
    for person in participants:
        other = busy.filter(participants=person).first()
        if other is not None:
            errors.setdefault("participants", []).append(
                _("%(name)s already takes part in a contact then: %(kind)s, %(span)s.")
                % {"name": person, "kind": other.get_kind_display(), "span": span(other)}
            )
    if place == ContactPlace.ROOM and room:
        services = case.services.values("pk")
        other = busy.filter(place=ContactPlace.ROOM, room__iexact=room, case__services__in=services).first()
        if other is not None:
            errors["room"] = [
                _("The room is taken then: %(kind)s, %(span)s.")
                % {"kind": other.get_kind_display(), "span": span(other)}
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contact_book(
    *,
    case: Case,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    room: str = "",
    staff: Sequence[User],
    participants: Sequence[Person],
    by: User,
) -> Contact:
    """Plan a contact of ``case``. The rows of its staff are locked first, so that two bookings of one person
    for one time cannot both pass the check: the second waits for the first, then sees it."""
    allow(has_permission_on(by, Perm.CASE_WORK, case))
    if not case.is_open:
        raise ValidationError(_("The case is closed: reopen it to plan contacts."))
    check_people(case, staff, participants)
    check_times(starts_at, ends_at)
    list(User.objects.select_for_update().filter(pk__in=[user.pk for user in staff]).order_by("pk"))
    room = room.strip() if place != ContactPlace.REMOTE else ""
    check_double_booking(
        case=case, starts_at=starts_at, ends_at=ends_at, staff=staff, participants=participants, place=place, room=room
    )
    contact = Contact.objects.create(
        case=case, kind=kind, starts_at=starts_at, ends_at=ends_at, place=place, room=room, created_by=by
    )
    contact.staff.set(staff)
    contact.participants.set(participants)
    return contact


@transaction.atomic
def contact_outcome(
    *, contact: Contact, by: User, status: str, minutes: int | None = None, reason: str = ""
) -> Contact:
    """Record how a planned contact went: held (and how long it took), missed, or cancelled (and why)."""
    allow(has_permission_on(by, Perm.CASE_WORK, contact))
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.status != ContactStatus.PLANNED:
        raise ValidationError(
            _("This contact is already recorded as “%(status)s”.") % {"status": locked.get_status_display()}
        )
    errors = {}
    if status not in (ContactStatus.HELD, ContactStatus.MISSED, ContactStatus.CANCELLED):
        errors["status"] = _("Choose how the contact went.")
    elif status != ContactStatus.CANCELLED and locked.starts_at > timezone.now() + PAST_TOLERANCE:
        errors["status"] = _("The contact has not begun yet: it can only be cancelled.")
    if status == ContactStatus.CANCELLED and not reason.strip():
        errors["reason"] = _("Say why the contact is cancelled.")
    if status == ContactStatus.HELD and (minutes is None or not 1 <= minutes <= LONGEST_MINUTES):
        errors["minutes"] = _("Type how many minutes it took (1 to 720).")
    if errors:
        raise ValidationError(errors)
    locked.status = status
    locked.minutes = minutes if status == ContactStatus.HELD else None
    locked.cancel_reason = reason.strip() if status == ContactStatus.CANCELLED else ""
    locked.save(update_fields=["status", "minutes", "cancel_reason", "updated_at"])
    return locked
