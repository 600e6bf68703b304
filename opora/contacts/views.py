"""The pages of contacts: a case's contacts, booking one, recording how it went, and a worker's week."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opora.access import Perm, acting_user, get_for_user_or_404, has_permission_on, require
from opora.cases.casework.models import Case
from opora.cases.casework.selectors import case_staff
from opora.contacts.forms import ContactForm, ContactOutcomeForm
from opora.contacts.models import Contact, ContactStatus
from opora.contacts.selectors import calendar_workers, case_contacts, monday_of, week_of
from opora.contacts.services import contact_book, contact_outcome
from opora.core.dates import parse_date
from opora.core.forms import parse_id
from opora.people.selectors import visible_people


@require(Perm.CASE_VIEW)
def case_contacts_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_for_user_or_404(request, Case.objects.all(), Perm.CASE_VIEW, pk=pk)
    user = acting_user(request)
    return render(
        request,
        "contacts/case_contacts.html",
        {
            "case": case,
            "contacts": case_contacts(user, case),
            "can_book": case.is_open and has_permission_on(user, Perm.CASE_WORK, case),
            "can_record": has_permission_on(user, Perm.CASE_WORK, case),
            "planned": ContactStatus.PLANNED,
        },
    )


@require(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def contact_book_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a contact of the case: the worker herself and the case's children chosen to begin with."""
    case = get_for_user_or_404(request, Case.objects.all(), Perm.CASE_WORK, pk=pk)
    user = acting_user(request)
    staff = case_staff(case.services.all()).order_by("first_name", "last_name")
    people = visible_people(user).filter(pk__in=case.people.values("pk")).order_by("last_name", "first_name")
    initial: dict[str, Any] = {"staff": [user.pk], "participants": [person.pk for person in people]}
    form = ContactForm(request.POST or None, initial=initial, staff=staff, people=people)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.moments()
        try:
            contact_book(
                case=case,
                kind=form.cleaned_data["kind"],
                starts_at=starts_at,  # type: ignore[arg-type]  # valid: a day and two times
                ends_at=ends_at,  # type: ignore[arg-type]
                place=form.cleaned_data["place"],
                room=form.cleaned_data.get("room", ""),
                staff=list(form.cleaned_data["staff"]),
                participants=list(form.cleaned_data["participants"]),
                by=user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The contact has been booked."))
            return redirect("contacts:case_contacts", pk=case.pk)
    return render(request, "contacts/contact_form.html", {"case": case, "form": form})


@require(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def contact_outcome_page(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_for_user_or_404(request, Contact.objects.select_related("case"), Perm.CASE_WORK, pk=pk)
    form = ContactOutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_outcome(
                contact=contact,
                by=acting_user(request),
                status=form.cleaned_data["status"],
                minutes=form.cleaned_data.get("minutes"),
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The contact has been recorded."))
            return redirect("contacts:case_contacts", pk=contact.case_id)
    return render(request, "contacts/contact_outcome.html", {"contact": contact, "form": form})


@require(Perm.CASE_VIEW)
def calendar(request: HttpRequest) -> HttpResponse:
    """A worker's week (the user's own unless another is chosen), Monday to Sunday."""
    user = acting_user(request)
    workers = list(calendar_workers(user))
    chosen = parse_id(request.GET.get("worker"))
    worker = next((one for one in workers if one.pk == chosen), None) or next(
        (one for one in workers if one.pk == user.pk), workers[0] if workers else user
    )
    today = timezone.localdate()
    try:
        asked: datetime.date | None = parse_date(request.GET.get("week", "")[:20]) if request.GET.get("week") else None
    except ValidationError:
        asked = None  # a week typed wrong in the address: this week
    if asked is None or abs((asked - today).days) > 5 * 366:
        asked = today
    monday = monday_of(asked)
    return render(
        request,
        "contacts/calendar.html",
        {
            "worker": worker,
            "workers": workers,
            "days": week_of(user, worker, monday),
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous": monday - datetime.timedelta(days=7),
            "next": monday + datetime.timedelta(days=7),
            "today": today,
        },
    )
