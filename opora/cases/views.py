"""Pages of intake and case work: referrals (the list, the waiting list, recording one, its page with the
head of service's triage, its preliminary assessment file), cases (the list, a case's page and its moves),
and completing a task.

Every record is reached through ``scope()`` or ``get_for_user_or_404()``; every page about a referral, a
case or a task is written to the view log.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opora.accounts.models import User
from opora.audit.log import log_view
from opora.cases.forms import CaseMoveForm, ReferralForm, TaskCompleteForm, TriageForm
from opora.cases.models import (
    CASE_MOVES,
    OPEN_STATES,
    UNDECIDED,
    Case,
    CaseState,
    CaseTask,
    CaseTransition,
    Decision,
    Referral,
    ReferralStatus,
    TriageDecision,
)
from opora.cases.selectors import open_case_count, waiting_position, waiting_positions, with_open_cases
from opora.cases.services import (
    CASE_STAFF_ROLES,
    case_move,
    may_move,
    referral_accept,
    referral_decline,
    referral_record,
    referral_redirect,
    referral_waitlist,
)
from opora.cases.services import task_complete as mark_task_done
from opora.core.access import (
    Perm,
    acting_user,
    get_for_user_or_404,
    has_permission,
    has_permission_on,
    require,
    scope,
)
from opora.organisation.models import Service
from opora.people.models import Person

PAGE_SIZE = 50


def _referrals(request: HttpRequest, permission: str = Perm.REFERRAL_VIEW) -> QuerySet[Referral]:
    return scope(request.user, Referral.objects.all(), permission)


def _with_people(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.prefetch_related(Prefetch("people", queryset=Person.objects.order_by("last_name", "first_name")))


def _chosen_service(request: HttpRequest, services: QuerySet[Service]) -> Service | None:
    """The service picked in the list's filter, if it is one the user may see."""
    chosen = request.GET.get("service", "")
    return services.filter(pk=chosen).first() if chosen.isdigit() else None


# --- Referrals -------------------------------------------------------------------------------------------

# The list's status filter: the referrals still to be decided unless asked otherwise.
STATUS_FILTERS: dict[str, tuple[str, ...] | None] = {
    "open": UNDECIDED,
    "all": None,
    **{status.value: (status.value,) for status in ReferralStatus},
}


@require(Perm.REFERRAL_VIEW)
def referral_list(request: HttpRequest) -> HttpResponse:
    services = scope(request.user, Service.objects.all(), Perm.REFERRAL_VIEW).order_by("name")
    service = _chosen_service(request, services)
    status = request.GET.get("status", "open")
    status = status if status in STATUS_FILTERS else "open"
    referrals = _referrals(request).select_related("service")
    if service is not None:
        referrals = referrals.filter(service=service)
    wanted = STATUS_FILTERS[status]
    if wanted is not None:
        referrals = referrals.filter(status__in=wanted)
    page = Paginator(_with_people(referrals.order_by("-received_at", "-pk")), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # The places on the waiting lists of the services on this page.
    positions = waiting_positions(_referrals(request).filter(service_id__in={referral.service_id for referral in page}))
    for referral in page:
        referral.position = positions.get(referral.pk)
    return render(
        request,
        "cases/referral_list.html",
        {
            "page": page,
            "services": services,
            "service": service,
            "status": status,
            "statuses": ReferralStatus.choices,
            "can_record": scope(request.user, services, Perm.REFERRAL_MANAGE).exists(),
        },
    )


@require(Perm.REFERRAL_VIEW)
def referral_waiting_list(request: HttpRequest) -> HttpResponse:
    """Each service's waiting list in order, with the places taken and its capacity."""
    services = with_open_cases(scope(request.user, Service.objects.all(), Perm.REFERRAL_VIEW)).order_by("name")
    waiting = _with_people(
        _referrals(request).filter(status=ReferralStatus.WAITING).select_related("service").order_by("service_id")
    )
    positions = waiting_positions(waiting)
    by_service: dict[int, list[Referral]] = {}
    for referral in sorted(waiting, key=lambda referral: positions[referral.pk]):
        referral.position = positions[referral.pk]
        by_service.setdefault(referral.service_id, []).append(referral)
    lists = [(service, by_service.get(service.pk, [])) for service in services]
    return render(request, "cases/referral_waiting_list.html", {"lists": lists})


def _recording_services(request: HttpRequest) -> QuerySet[Service]:
    return scope(request.user, Service.objects.filter(is_active=True), Perm.REFERRAL_MANAGE).order_by("name")


@require(Perm.REFERRAL_MANAGE)
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    people = scope(request.user, Person.objects.active(), Perm.PERSON_VIEW).select_related("settlement__municipality")
    preselected = [int(pk) for pk in request.GET.getlist("person") if pk.isdigit()]
    form = ReferralForm(
        request.POST or None,
        request.FILES or None,
        services=_recording_services(request),
        people=people,
        query=query,
        preselected=list(people.filter(pk__in=preselected).values_list("pk", flat=True)),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                referral = referral_record(
                    referral=form.save(commit=False), people=list(form.cleaned_data["people"]), by=acting_user(request)
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The referral has been recorded."))
                return redirect("referral_detail", pk=referral.pk)
        form.ask_for_the_file_again()
    return render(request, "cases/referral_form.html", {"form": form, "query": query})


def _triage_staff(request: HttpRequest, service: Service) -> QuerySet[User]:
    """The staff of ``service`` who may lead or join a case, as far as the head may see staff."""
    return (
        scope(
            request.user,
            User.objects.filter(is_active=True, memberships__service=service, memberships__role__in=CASE_STAFF_ROLES),
            Perm.STAFF_VIEW,
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


def _referral_page(request: HttpRequest, referral: Referral, form: TriageForm | None) -> HttpResponse:
    """The referral's page; ``form`` is the triage form for the head of service while it is undecided."""
    return render(
        request,
        "cases/referral_detail.html",
        {
            "referral": referral,
            "people": referral.people.order_by("last_name", "first_name"),
            "decisions": scope(request.user, TriageDecision.objects.filter(referral=referral), Perm.REFERRAL_VIEW)
            .select_related("by", "case")
            .order_by("at", "pk"),
            "tasks": scope(request.user, CaseTask.objects.filter(referral=referral), Perm.CASE_VIEW)
            .select_related("done_by", "assigned_to")
            .order_by("due_at", "pk"),
            "position": waiting_position(referral),
            "taken": open_case_count(referral.service),
            "case": _visible_case(request, referral),
            "form": form,
            "can_work": has_permission(request.user, Perm.CASE_WORK, referral.service),
        },
    )


def _visible_case(request: HttpRequest, referral: Referral) -> Case | None:
    return scope(request.user, Case.objects.filter(referral=referral), Perm.CASE_VIEW).first()


def _triage_form(request: HttpRequest, referral: Referral, data: Any = None) -> TriageForm | None:
    if not referral.is_undecided or not has_permission_on(request.user, Perm.REFERRAL_TRIAGE, referral):
        return None
    return TriageForm(data, staff=_triage_staff(request, referral.service))


@require(Perm.REFERRAL_VIEW)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_for_user_or_404(
        request, Referral.objects.select_related("service", "recorded_by"), Perm.REFERRAL_VIEW, pk=pk
    )
    log_view(request, referral)
    return _referral_page(request, referral, _triage_form(request, referral))


@require(Perm.REFERRAL_TRIAGE)
@require_http_methods(["GET", "POST"])
def referral_triage(request: HttpRequest, pk: int) -> HttpResponse:
    """The head of service decides: accept, waiting list, redirect or decline. On a refusal the referral's
    page comes back with the form as it was filled in and the reason next to the field."""
    referral = get_for_user_or_404(
        request, Referral.objects.select_related("service", "recorded_by"), Perm.REFERRAL_TRIAGE, pk=pk
    )
    if request.method == "GET":
        log_view(request, referral)
    form = _triage_form(request, referral, request.POST or None)
    if request.method == "POST" and form is None:
        messages.error(request, _("This referral has already been decided."))
        return redirect("referral_detail", pk=referral.pk)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            target = _decide(request, referral, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return target
    return _referral_page(request, referral, form)


def _decide(request: HttpRequest, referral: Referral, data: dict[str, Any]) -> HttpResponse:
    by = acting_user(request)
    decision = data["decision"]
    if decision == Decision.ACCEPT:
        case = referral_accept(
            referral=referral,
            by=by,
            case_manager=data["case_manager"],
            team=list(data["team"]),
            override_reason=data["override_reason"],
        )
        messages.success(request, _("The referral has been accepted into a case."))
        return redirect("case_detail", pk=case.pk)
    if decision == Decision.WAITLIST:
        referral_waitlist(referral=referral, by=by, reason=data["reason"])
        messages.success(request, _("The referral has been put on the waiting list."))
    elif decision == Decision.REDIRECT:
        referral_redirect(referral=referral, by=by, partner=data["partner"], reason=data["reason"])
        messages.success(request, _("The referral has been redirected."))
    else:
        referral_decline(referral=referral, by=by, ground=data["decline_ground"], reason=data["reason"])
        messages.success(request, _("The referral has been declined."))
    return redirect("referral_detail", pk=referral.pk)


@require(Perm.REFERRAL_VIEW)
def referral_assessment_file(request: HttpRequest, pk: int) -> FileResponse:
    """The preliminary assessment's file, as a download (never shown inline), after the access check."""
    referral = get_for_user_or_404(request, Referral.objects.all(), Perm.REFERRAL_VIEW, pk=pk)
    if not referral.preliminary_assessment_file:
        raise Http404
    log_view(request, referral)
    try:
        handle = referral.preliminary_assessment_file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return FileResponse(handle, as_attachment=True, filename=referral.preliminary_assessment_filename or "assessment")


# --- Cases ---------------------------------------------------------------------------------------------

CASE_FILTERS: dict[str, tuple[str, ...] | None] = {
    "open": OPEN_STATES,
    "closed": (CaseState.CLOSED,),
    "all": None,
}


@require(Perm.CASE_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    services = scope(request.user, Service.objects.all(), Perm.CASE_VIEW).order_by("name")
    service = _chosen_service(request, services)
    state = request.GET.get("state", "open")
    state = state if state in CASE_FILTERS else "open"
    cases = scope(request.user, Case.objects.all(), Perm.CASE_VIEW).select_related("case_manager")
    if service is not None:
        cases = cases.filter(services=service)
    states = CASE_FILTERS[state]
    if states is not None:
        cases = cases.filter(state__in=states)
    cases = _with_people(cases).prefetch_related(Prefetch("services", queryset=Service.objects.order_by("name")))
    page = Paginator(cases.order_by("-opened_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/case_list.html",
        {"page": page, "services": services, "service": service, "state": state},
    )


def _case_page(request: HttpRequest, case: Case, form: CaseMoveForm) -> HttpResponse:
    user = acting_user(request)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "people": case.people.order_by("last_name", "first_name"),
            "services": case.services.order_by("name"),
            "team": case.team.order_by("first_name", "last_name"),
            "transitions": scope(user, CaseTransition.objects.filter(case=case), Perm.CASE_VIEW)
            .select_related("by")
            .order_by("at", "pk"),
            "tasks": scope(user, CaseTask.objects.filter(case=case), Perm.CASE_VIEW)
            .select_related("done_by", "assigned_to")
            .order_by("done_at", "due_at", "pk"),
            "moves": [
                (state, CaseState(state).label) for state in CASE_MOVES[case.state] if may_move(user, case, state)
            ],
            "referral": scope(user, Referral.objects.filter(case=case), Perm.REFERRAL_VIEW).first(),
            "can_work": has_permission_on(user, Perm.CASE_WORK, case),
            "form": form,
        },
    )


@require(Perm.CASE_VIEW)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_for_user_or_404(request, Case.objects.select_related("case_manager"), Perm.CASE_VIEW, pk=pk)
    log_view(request, case)
    return _case_page(request, case, CaseMoveForm(state=case.state))


@require(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the case to the state of the button pressed. A refused move comes back on the case's page with
    the reason, and the text typed kept."""
    case = get_for_user_or_404(request, Case.objects.select_related("case_manager"), Perm.CASE_WORK, pk=pk)
    if request.method == "GET":
        log_view(request, case)
    form = CaseMoveForm(request.POST or None, state=case.state)
    if request.method == "POST" and form.is_valid():
        try:
            transition = case_move(
                case=case,
                to=form.cleaned_data["to"],
                by=acting_user(request),
                reason=form.cleaned_data["reason"],
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The case has moved to “%(state)s”.") % {"state": transition.get_to_state_display()},
            )
            return redirect("case_detail", pk=case.pk)
    return _case_page(request, case, form)


# --- Tasks ---------------------------------------------------------------------------------------------


@require(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_for_user_or_404(
        request, CaseTask.objects.select_related("service", "referral", "case", "done_by"), Perm.CASE_WORK, pk=pk
    )
    if request.method == "GET":
        log_view(request, task)
    form = TaskCompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mark_task_done(task=task, by=acting_user(request), note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The task has been marked as done."))
            return redirect(_after_task(task))
    return render(request, "cases/task_complete.html", {"task": task, "form": form})


def _after_task(task: CaseTask) -> str:
    """Back to the case or the referral the task belongs to."""
    if task.case_id is not None:
        return reverse("case_detail", args=[task.case_id])
    if task.referral_id is not None:
        return reverse("referral_detail", args=[task.referral_id])
    return reverse("home")
