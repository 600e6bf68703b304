"""Case work's pages: the case list, a case's page and its moves, its team, completing a task; and the
helpers the other packages' pages share (the people of a record the user may see, the list's service filter).

Every record is reached through ``scope()`` or ``get_for_user_or_404()``; every page about a case or a task is
written to the view log. What planning shows on the case's page comes through ``opora.cases.casework.hooks``.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from opora.access import (
    Perm,
    acting_user,
    get_for_user_or_404,
    has_permission_on,
    require,
    scope,
)
from opora.accounts.models import User
from opora.cases.casework.forms import MOVES_WITH_THEIR_OWN_PAGE, CaseMoveForm, CaseTeamForm, TaskCompleteForm
from opora.cases.casework.hooks import page_context, page_prefetches
from opora.cases.casework.models import OPEN_STATES, Case, CaseState, CaseTask, CaseTransition
from opora.cases.casework.selectors import case_staff, listed_cases
from opora.cases.casework.services import case_move, case_team_change, may_move, may_work_on_documents, moves_of
from opora.cases.casework.services import task_complete as mark_task_done
from opora.cases.casework.timeline import timeline_page
from opora.cases.sections import next_due, sections_of
from opora.core.forms import parse_id
from opora.core.pagination import capped_page
from opora.core.sorting import ListOrder
from opora.organisation.models import Service
from opora.people.models import Person
from opora.people.selectors import visible_people

PAGE_SIZE = 50


def with_people(request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """``queryset`` with the people of each row whom the user may see."""
    return queryset.prefetch_related(Prefetch("people", queryset=visible_people(request.user)))


def people_of(request: HttpRequest, record: Any) -> QuerySet[Person]:
    """The people of a referral or a case whom the user may see."""
    return visible_people(request.user).filter(pk__in=record.people.values("pk"))


def chosen_service(request: HttpRequest, services: QuerySet[Service]) -> Service | None:
    """The service picked in the list's filter, if it is one the user may see."""
    chosen = parse_id(request.GET.get("service"))
    return services.filter(pk=chosen).first() if chosen is not None else None


def staff_to_choose(request: HttpRequest, *services: Service) -> QuerySet[User]:
    """The staff of ``services`` who may lead or join a case, as far as the head may see staff."""
    return scope(request.user, case_staff(services), Perm.STAFF_VIEW).order_by("first_name", "last_name")


@require(Perm.CASE_APPROVE)
@require_http_methods(["GET", "POST"])
def case_team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The head of service names another case manager or changes the team."""
    case = get_for_user_or_404(request, Case.objects.select_related("case_manager"), Perm.CASE_APPROVE, pk=pk)
    initial = {"case_manager": case.case_manager_id, "team": list(case.team.values_list("pk", flat=True))}
    form = CaseTeamForm(
        request.POST or None,
        initial=initial,
        staff=staff_to_choose(request, *case.services.all()),
        pick_url=reverse("cases:case_team_pick", args=[case.pk]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            case_team_change(
                case=case,
                by=acting_user(request),
                case_manager=form.cleaned_data["case_manager"],
                team=list(form.cleaned_data["team"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The case's team has been saved."))
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/case_team_form.html", {"case": case, "form": form})


# A team picker's list shows this many staff, best first.
TEAM_PICK_LIMIT = 15


@require(Perm.CASE_APPROVE)
@require_http_methods(["GET"])
def case_team_pick(request: HttpRequest, pk: int) -> JsonResponse:
    """What the team picker offers for what was typed: the staff of the case's services (those the team form
    accepts), each word typed the beginning of one of their names, in any case and alphabet's case folding.
    A service's staff are tens, so they are matched here rather than by the database (SQLite folds only
    Latin letters)."""
    case = get_for_user_or_404(request, Case.objects.all(), Perm.CASE_APPROVE, pk=pk)
    words = request.GET.get("q", "").casefold().split()[:5]
    if not words:
        return JsonResponse({"results": []})
    found = []
    for person in staff_to_choose(request, *case.services.all()):
        names = f"{person.get_full_name()} {person.username}".casefold().split()
        if all(any(name.startswith(word[:50]) for name in names) for word in words):
            found.append({"id": person.pk, "label": str(person)})
            if len(found) == TEAM_PICK_LIMIT:
                break
    return JsonResponse({"results": found})


# --- Cases ---------------------------------------------------------------------------------------------

CASE_FILTERS: dict[str, tuple[str, ...] | None] = {
    "open": OPEN_STATES,
    "all": None,
    # One state (the start page's counts link to them).
    **{state.value: (state.value,) for state in CaseState},
}


# The columns the case list may be sorted by, each along an index (a national register's cases are never
# sorted whole to show one page of them); the newest first unless asked otherwise.
CASE_ORDER = ListOrder(columns={"number": ("id",), "state": ("state",), "opened": ("opened_at",)}, default="-opened")


@require(Perm.CASE_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    services = scope(request.user, Service.objects.all(), Perm.CASE_VIEW).order_by("name")
    service = chosen_service(request, services)
    state = request.GET.get("state", "open")
    state = state if state in CASE_FILTERS else "open"
    only_mine = request.GET.get("mine") == "1"
    cases = listed_cases(request.user, service=service, states=CASE_FILTERS[state], only_mine=only_mine)
    cases = cases.select_related("case_manager")
    cases = with_people(request, cases).prefetch_related(
        Prefetch("services", queryset=Service.objects.order_by("name"))
    )
    sorted_by = CASE_ORDER.chosen(request)
    page = capped_page(sorted_by.apply(cases), PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "sorted": sorted_by,
            "services": services,
            "service": service,
            "state": state,
            "states": CaseState.choices,
            "only_mine": only_mine,
        },
    )


def _case_for_page(request: HttpRequest, pk: int, permission: str, *, with_team: bool = True) -> Case:
    """The case with what its page shows and its due dates are worked out from, one query per kind: its
    services, team, history and reviews (through the user's scope, as every read); and whether the user may
    see its referral, asked with the case."""
    user = acting_user(request)
    # The referral's model is intake's: named through the case's relation, so that case work does not import it.
    referral_model = Case._meta.get_field("referral").related_model
    referral_in_scope = scope(
        user, referral_model._default_manager.filter(pk=OuterRef("referral_id")), Perm.REFERRAL_VIEW
    )
    return get_for_user_or_404(
        request,
        Case.objects.select_related("case_manager", "referral")
        .annotate(referral_in_scope=Exists(referral_in_scope))
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name")),
            # The team is shown on the overview only (the other tabs spend the query on what they show).
            *([Prefetch("team", queryset=User.objects.order_by("first_name", "last_name"))] if with_team else []),
            Prefetch(
                "transitions",
                queryset=scope(user, CaseTransition.objects.all(), Perm.CASE_VIEW)
                .select_related("by")
                .order_by("at", "pk"),
            ),
            # What the packages built on case work show here (planning: the reviews).
            *page_prefetches(user),
        ),
        permission,
        pk=pk,
    )


# The case's page is a workspace of tabs, each an address of its own (``?tab=``) that reads only what it shows.
CASE_TABS = {
    "overview": gettext_lazy("Overview"),
    "documents": gettext_lazy("Assessment and plan"),
    "tasks": gettext_lazy("Tasks"),
    "timeline": gettext_lazy("Timeline"),
}


def _case_tab(request: HttpRequest) -> str:
    tab = request.GET.get("tab", "overview")
    return tab if tab in CASE_TABS else "overview"


def _case_page(request: HttpRequest, case: Case, form: CaseMoveForm, tab: str = "overview") -> HttpResponse:
    user = acting_user(request)
    referral = case.referral
    moves = [(state, CaseState(state).label) for state in moves_of(case) if may_move(user, case, state)]
    context: dict[str, Any] = {
        "case": case,
        "tab": tab,
        "tabs": list(CASE_TABS.items()),
        "people": people_of(request, case),
        "next_due": next_due(case) if case.is_open else None,
        "moves": moves,
        "moves_with_a_page": MOVES_WITH_THEIR_OWN_PAGE,
        "can_work": has_permission_on(user, Perm.CASE_WORK, case),
        "can_write_documents": may_work_on_documents(user, case),
        "form": form,
    }
    if tab == "overview":
        context |= {
            "services": case.services.all(),
            "team": case.team.all(),
            "transitions": case.transitions.all(),
            "referral": referral if referral and case.referral_in_scope else None,  # type: ignore[attr-defined]
            "can_change_team": case.is_open and has_permission_on(user, Perm.CASE_APPROVE, case),
            # What the apps built on cases show here (the time limits' next due dates).
            "sections": sections_of(request, case),
        }
    if tab in ("overview", "tasks"):
        context["tasks"] = (
            scope(user, CaseTask.objects.filter(case=case), Perm.CASE_VIEW)
            .select_related("done_by", "assigned_to", "service")
            .order_by("done_at", "due_at", "pk")
        )
    if tab in ("overview", "documents"):
        # What the packages built on case work show here (planning: the assessment, the plan, the reviews).
        context |= page_context(case)
    if tab == "timeline":
        context["timeline"] = timeline_page(case, user, parse_id(request.GET.get("page")) or 1)
    return render(request, "cases/case_detail.html", context)


@require(Perm.CASE_VIEW)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tab = _case_tab(request)
    case = _case_for_page(request, pk, Perm.CASE_VIEW, with_team=tab == "overview")
    return _case_page(request, case, CaseMoveForm(state=case.state), tab)


@require(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the case to the state of the button pressed. A move that asks for more than the button (closing:
    the outcome; reopening: why) has a page of its own (``?to=closed``) asking only that. A refused move comes
    back with the reason next to its field, and the text typed kept."""
    case = _case_for_page(request, pk, Perm.CASE_WORK)
    user = acting_user(request)
    to = (request.POST if request.method == "POST" else request.GET).get("to", "")
    own_page = to in MOVES_WITH_THEIR_OWN_PAGE and to in moves_of(case) and may_move(user, case, to)
    form = CaseMoveForm(request.POST or None, state=case.state, to=to if own_page else None)
    if request.method == "POST" and form.is_valid():
        try:
            transition = case_move(
                case=case,
                to=form.cleaned_data["to"],
                by=user,
                reason=form.cleaned_data["reason"],
                override_reason=form.cleaned_data.get("override_reason", ""),
                outcome=form.cleaned_data.get("outcome", ""),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The case has moved to “%(state)s”.") % {"state": transition.get_to_state_display()},
            )
            return redirect("cases:case_detail", pk=case.pk)
    if own_page:
        return render(
            request,
            "cases/case_move.html",
            {"case": case, "form": form, "to": to, "to_label": CaseState(to).label, "people": people_of(request, case)},
        )
    return _case_page(request, case, form)


# --- Tasks ---------------------------------------------------------------------------------------------


@require(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_for_user_or_404(
        request, CaseTask.objects.select_related("service", "referral", "case", "done_by"), Perm.CASE_WORK, pk=pk
    )
    form = TaskCompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mark_task_done(task=task, by=acting_user(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The task has been marked as done."))
            return redirect(_after_task(task))
    return render(request, "cases/task_complete.html", {"task": task, "form": form})


def _after_task(task: CaseTask) -> str:
    """Back to the case or the referral the task belongs to."""
    if task.case_id is not None:
        return reverse("cases:case_detail", args=[task.case_id])
    if task.referral_id is not None:
        return reverse("cases:referral_detail", args=[task.referral_id])
    return reverse("ui:home")
