"""The audit trail, read-only, for the organisation administrator: filtered, a page at a time, newest first."""

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from opora.access import Perm, acting_user, require
from opora.audit.forms import AuditFilterForm, record_number
from opora.audit.models import ChangeAction, ViewOutcome
from opora.audit.presenters import Names, change_rows, looked_at, mentioned_records, recorded_names, view_rows
from opora.audit.selectors import changes_for, filtered, page_before, staff_of, views_for
from opora.core.htmx import htmx_partial

PAGE_SIZE = 50


def _page(
    request: HttpRequest,
    events: QuerySet,
    *,
    form_options: dict[str, Any],
    action_field: str,
    mentioned: Callable[[list[Any]], Iterable[tuple[str, str]]],
    present: Callable[[list[Any], Names], list[Any]],
    template: str,
    partial: str,
) -> HttpResponse:
    user = acting_user(request)
    staff = list(staff_of(user).only("username", "first_name", "last_name").order_by("first_name", "last_name"))
    form = AuditFilterForm(request.GET, staff=staff, **form_options)
    before = record_number(request.GET.get("before", ""))
    rows: list[Any] = []
    after: int | None = None
    if form.is_valid():
        chosen = filtered(events, form.cleaned_data, action_field).select_related("actor", "content_type")
        page, after = page_before(chosen, before, PAGE_SIZE)
        names = Names({member.pk: member for member in staff}, recorded_names(changes_for(user), mentioned(page)))
        rows = present(page, names)
    newest = request.GET.copy()
    newest.pop("before", None)
    older = newest.copy()
    older["before"] = str(after)
    context = {
        "form": form,
        "rows": rows,
        "older": older.urlencode() if after else "",
        "newest": newest.urlencode(),
        "is_older_page": before is not None,
    }
    return render(request, partial if htmx_partial(request) else template, context)


@require(Perm.AUDIT_VIEW)
def change_list(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        changes_for(acting_user(request)),
        form_options={"actions": ChangeAction.choices, "action_label": _("Action"), "with_system": True},
        action_field="action",
        mentioned=mentioned_records,
        present=change_rows,
        template="audit/change_list.html",
        partial="audit/_change_rows.html",
    )


@require(Perm.AUDIT_VIEW)
def view_list(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        views_for(acting_user(request)),
        form_options={"actions": ViewOutcome.choices, "action_label": _("Outcome"), "with_system": False},
        action_field="outcome",
        mentioned=looked_at,
        present=view_rows,
        template="audit/view_list.html",
        partial="audit/_view_rows.html",
    )
