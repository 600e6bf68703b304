"""The audit trail, read-only, for the organisation administrator."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from opora.access import Perm, organisation_of, require, scope
from opora.accounts.models import User
from opora.audit.models import ChangeEvent, ViewEvent
from opora.core.htmx import htmx_partial

PAGE_SIZE = 50


def _events_of_organisation(request: HttpRequest, events: QuerySet) -> QuerySet:
    """Events by the administrator's own organisation's staff, or by the system on its records."""
    staff = scope(request.user, User.objects.all(), Perm.AUDIT_VIEW)
    return events.filter(actor__in=staff) | events.filter(actor__isnull=True, organisation=organisation_of(request))


def _page(request: HttpRequest, events: QuerySet, template: str, partial: str) -> HttpResponse:
    record_type = request.GET.get("type", "")
    object_id = request.GET.get("object", "")
    if record_type:
        events = events.filter(content_type__model=record_type)
    if object_id:
        events = events.filter(object_id=object_id)
    page = Paginator(events.select_related("actor", "content_type"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "record_type": record_type, "object_id": object_id}
    return render(request, partial if htmx_partial(request) else template, context)


@require(Perm.AUDIT_VIEW)
def change_list(request: HttpRequest) -> HttpResponse:
    events = _events_of_organisation(request, ChangeEvent.objects.all())
    return _page(request, events, "audit/change_list.html", "audit/_change_rows.html")


@require(Perm.AUDIT_VIEW)
def view_list(request: HttpRequest) -> HttpResponse:
    # The events in this organisation's log: looks at its records, whoever tried, and its staff's refusals.
    events = ViewEvent.objects.filter(organisation=organisation_of(request))
    return _page(request, events, "audit/view_list.html", "audit/_view_rows.html")
