"""Pages of the deadline app: the administrator's time limits, "My tasks", "Overdue" and the notifications.

Cases and tasks come through ``opora.access.scope`` (in ``opora.deadlines.selectors``); the time limits
are the acting administrator's organisation's; notifications are the acting user's own.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from opora.access import Perm, acting_user, organisation_of, require, scope
from opora.accounts.models import User
from opora.core.conflicts import StaleEdit
from opora.core.forms import parse_id
from opora.deadlines.forms import DeadlineRulesForm, MarkReadForm
from opora.deadlines.models import rules_version
from opora.deadlines.rules import BY_LAW, DEFINITIONS, SETTABLE
from opora.deadlines.selectors import (
    current_rules_version,
    due_this_week,
    in_order,
    my_due,
    notifications_of,
    overdue_due,
    rows_of,
    rule_values,
    tally,
)
from opora.deadlines.services import deadline_rules_set, notifications_mark_read
from opora.organisation.models import Service

# --- The time limits ----------------------------------------------------------------------------------------


@require(Perm.ORGANISATION_MANAGE)
@require_http_methods(["GET", "POST"])
def deadline_rules(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    version = current_rules_version(organisation.pk)
    form = DeadlineRulesForm(request.POST or None, values=rule_values(organisation.pk), version=version)
    if request.method == "POST" and form.is_valid():
        try:
            deadline_rules_set(
                organisation=organisation,
                settings_by_code=form.chosen(),
                by=acting_user(request),
                version=form.cleaned_data["version"],
            )
        except StaleEdit as stale:
            form = _rebased_rules_form(request, stale, organisation.pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The time limits have been saved."))
            return redirect("deadlines:deadline_rules")
    return render(
        request,
        "deadlines/rules.html",
        {
            "form": form,
            "settable": [(DEFINITIONS[code], fields) for code, fields in form.rows()],
            "by_law": [DEFINITIONS[code] for code in BY_LAW],
            "settable_count": len(SETTABLE),
        },
    )


def _rebased_rules_form(request: HttpRequest, stale: StaleEdit, organisation_id: int) -> DeadlineRulesForm:
    """The values as the administrator typed them, now carrying the version saved meanwhile: saving again,
    having been told, replaces the other save knowingly."""
    version = rules_version(stale.current)
    data = request.POST.copy()
    data["version"] = version
    form = DeadlineRulesForm(data, values=rule_values(organisation_id), version=version)
    form.is_valid()
    form.add_error(None, stale.messages)
    return form


# --- My tasks and Overdue ---------------------------------------------------------------------------------


# Rows of "My tasks" and "Overdue" on one page: the records each row names are read for this page only.
PAGE_SIZE = OVERDUE_PAGE_SIZE = 25


@require(Perm.CASE_VIEW)
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The worker's own items: the time limits of the cases they manage or are on the team of, and the tasks
    assigned to them, the earliest first; a page at a time."""
    now = timezone.now()
    mine = my_due(request.user, now)
    # "This week" (the start page's count): the items not yet past their time that fall due by Sunday.
    when = "week" if request.GET.get("when") == "week" else ""
    if when:
        mine = due_this_week(mine, now)
    counts = mine.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    page = Paginator(range(counts["total"]), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = in_order(mine)[page.start_index() - 1 : page.end_index()] if counts["total"] else mine.none()
    return render(
        request,
        "deadlines/my_tasks.html",
        {"rows": rows_of(request.user, shown, now), "page": page, "overdue_count": counts["overdue"], "when": when},
    )


def _chosen_id(request: HttpRequest, name: str, allowed: set[int]) -> int | None:
    """The id chosen in the filter ``name``, if it is one the page offers."""
    value = parse_id(request.GET.get(name))
    return value if value in allowed else None


def _page_number(request: HttpRequest) -> int:
    number = parse_id(request.GET.get("page"))
    return number if number is not None else 1


@require(Perm.CASE_VIEW)
def overdue(request: HttpRequest) -> HttpResponse:
    """Overdue items: one's own, and a head's whole service (the administrator's whole organisation), with how
    many fall to each worker and each service; a page at a time, read along the index without counting the
    rows (the counts per worker and per service say how many)."""
    now = timezone.now()
    everything = overdue_due(request.user, now)
    # One time limit (the start page's count of plans past their time); a task's kind is not one of them.
    rule = request.GET.get("rule", "")
    rule = rule if rule in DEFINITIONS else ""
    if rule:
        everything = everything.filter(code=rule)
    counts = tally(everything)
    services = list(scope(request.user, Service.objects.all(), Perm.CASE_VIEW).order_by("name"))
    workers = list(User.objects.filter(pk__in=list(counts.per_worker)))
    service_id = _chosen_id(request, "service", {service.pk for service in services})
    worker_id = _chosen_id(request, "worker", {worker.pk for worker in workers})
    chosen = everything
    if service_id is not None:
        chosen = chosen.filter(services=service_id)
    if worker_id is not None:
        chosen = chosen.filter(responsible_id=worker_id)
    number = _page_number(request)
    start = (number - 1) * OVERDUE_PAGE_SIZE
    # One row past the page says whether there is a next one.
    rows = rows_of(
        request.user,
        in_order(chosen)[start : start + OVERDUE_PAGE_SIZE + 1],
        now,
        {service.pk: service for service in services},
    )
    return render(
        request,
        "deadlines/overdue.html",
        {
            "rows": rows[:OVERDUE_PAGE_SIZE],
            "number": number,
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if len(rows) > OVERDUE_PAGE_SIZE else None,
            "services": services,
            "service_id": service_id,
            "workers": sorted(workers, key=lambda user: user.get_full_name()),
            "worker_id": worker_id,
            "per_worker": _by_count(workers, counts.per_worker),
            "per_service": _by_count(services, counts.per_service),
            "rule": rule,
            "rules": [(code, definition.name) for code, definition in DEFINITIONS.items()],
        },
    )


def _by_count(records: list[Any], counts: dict[int, int]) -> list[tuple[Any, int]]:
    """(record, how many overdue) for the records with any, the most first."""
    pairs = [(record, counts[record.pk]) for record in records if counts.get(record.pk)]
    return sorted(pairs, key=lambda pair: (-pair[1], str(pair[0])))


# --- Notifications ------------------------------------------------------------------------------------------


@require(Perm.HOME)
@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first; a POST marks one (``notification``) or all of them read."""
    user = acting_user(request)
    if request.method == "POST":
        form = MarkReadForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data["notification"]
            marked = notifications_mark_read(user=user, ids=None if chosen is None else [chosen])
            messages.success(
                request,
                ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", marked)
                % {"count": marked},
            )
        return redirect("deadlines:notification_list")
    notifications = list(notifications_of(user)[:200])
    return render(
        request,
        "deadlines/notifications.html",
        {"notifications": notifications, "unread": sum(not n.is_read for n in notifications)},
    )
