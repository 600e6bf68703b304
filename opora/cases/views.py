"""Pages of intake and case work: referrals (the list, the waiting list, recording one, its page with the
head of service's triage, its preliminary assessment file), cases (the list, a case's page and its moves),
and completing a task.

Every record is reached through ``scope()`` or ``get_for_user_or_404()``; every page about a referral, a
case or a task is written to the view log.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.forms.utils import ErrorDict
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opora.access import (
    Perm,
    acting_user,
    get_for_user_or_404,
    has_permission,
    has_permission_on,
    organisation_of,
    require,
    scope,
)
from opora.accounts.models import User
from opora.cases.forms import (
    ActivityFormSet,
    AssessmentForm,
    CaseMoveForm,
    CaseTeamForm,
    GoalFormSet,
    PersonLinkForm,
    PlanForm,
    ReferralForm,
    ReviewForm,
    TaskCompleteForm,
    TriageForm,
    VersionedForm,
    activities_have_goals,
    goals_from,
    kept_rows,
    plan_initial,
    with_row_action,
)
from opora.cases.models import (
    CASE_MOVES,
    DOMAIN_SIDE,
    OPEN_STATES,
    UNDECIDED,
    Assessment,
    Case,
    CaseDocument,
    CaseState,
    CaseTask,
    CaseTransition,
    Decision,
    DocumentStatus,
    Domain,
    PlanActivity,
    PlanReview,
    Referral,
    ReferralStatus,
    Side,
    SupportPlan,
    TriageDecision,
    private_storage,
)
from opora.cases.sections import review_due, sections_of
from opora.cases.selectors import (
    case_staff,
    open_case_count,
    open_cases_in,
    undecided_referrals_in,
    waiting_position,
    waiting_positions,
    with_open_cases,
)
from opora.cases.services import (
    StaleEdit,
    assessed_domains,
    assessment_save,
    case_move,
    case_team_change,
    children_to_hear,
    current_approved,
    document_approve,
    document_submit,
    latest_and_approved,
    latest_version,
    may_move,
    may_work_on_documents,
    person_link_to_service,
    plan_review_record,
    plan_review_update,
    plan_save,
    referral_accept,
    referral_decline,
    referral_record,
    referral_redirect,
    referral_update,
    referral_waitlist,
)
from opora.cases.services import task_complete as mark_task_done
from opora.core.conflicts import conflict, differences
from opora.core.forms import parse_id, parse_ids
from opora.core.htmx import htmx_partial
from opora.core.pagination import capped_page
from opora.organisation.models import Service
from opora.people.links import offered_person
from opora.people.models import Person, PersonKind
from opora.people.selectors import visible_people

PAGE_SIZE = 50


def _referrals(request: HttpRequest, permission: str = Perm.REFERRAL_VIEW) -> QuerySet[Referral]:
    return scope(request.user, Referral.objects.all(), permission)


def _with_people(request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """``queryset`` with the people of each row whom the user may see."""
    return queryset.prefetch_related(Prefetch("people", queryset=visible_people(request.user)))


def _people_of(request: HttpRequest, record: Referral | Case) -> QuerySet[Person]:
    """The people of a referral or a case whom the user may see."""
    return visible_people(request.user).filter(pk__in=record.people.values("pk"))


def _chosen_service(request: HttpRequest, services: QuerySet[Service]) -> Service | None:
    """The service picked in the list's filter, if it is one the user may see."""
    chosen = parse_id(request.GET.get("service"))
    return services.filter(pk=chosen).first() if chosen is not None else None


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
    # Counted up to a cap: an exact count of a national register's referrals would cost more than the page.
    page = capped_page(
        _with_people(request, referrals.order_by("-received_at", "-pk")), PAGE_SIZE, request.GET.get("page")
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
            # The services are read for the filter anyway; whether one may be recorded in is then known.
            "can_record": any(has_permission(request.user, Perm.REFERRAL_MANAGE, one) for one in services),
        },
    )


@require(Perm.REFERRAL_VIEW)
def referral_waiting_list(request: HttpRequest) -> HttpResponse:
    """Each service's waiting list in order, with the places taken and its capacity."""
    services = with_open_cases(scope(request.user, Service.objects.all(), Perm.REFERRAL_VIEW)).order_by("name")
    waiting = _with_people(
        request,
        _referrals(request).filter(status=ReferralStatus.WAITING).select_related("service").order_by("service_id"),
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


def _referral_form(request: HttpRequest, instance: Referral | None = None) -> ReferralForm:
    people = scope(request.user, Person.objects.active(), Perm.PERSON_VIEW).select_related("settlement__municipality")
    if instance is not None:
        preselected = list(_people_of(request, instance).values_list("pk", flat=True))
    else:
        preselected = list(people.filter(pk__in=parse_ids(request.GET.getlist("person"))).values_list("pk", flat=True))
    return ReferralForm(
        request.POST or None,
        request.FILES or None,
        instance=instance,
        services=_recording_services(request),
        people=people,
        query=form_query(request),
        preselected=preselected,
        user=acting_user(request),
    )


def _forget_replaced(form: ReferralForm, referral: Referral) -> None:
    """A file kept from an earlier try and then replaced by another is nobody's: remove it."""
    if form.kept is not None and form.kept[0] != referral.preliminary_assessment_file.name:
        private_storage().delete(form.kept[0])


@require(Perm.REFERRAL_MANAGE)
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    form = _referral_form(request)
    if request.method == "POST":
        if form.is_valid():
            try:
                referral = referral_record(
                    referral=form.save(commit=False), people=list(form.cleaned_data["people"]), by=acting_user(request)
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                _forget_replaced(form, referral)
                messages.success(request, _("The referral has been recorded."))
                if _open_work(request, referral):
                    messages.warning(
                        request,
                        _("This child already has an open case or a referral awaiting a decision in this service."),
                    )
                return redirect("cases:referral_detail", pk=referral.pk)
        form.keep_the_file()
    return render(request, "cases/referral_form.html", {"form": form, "query": form_query(request)})


def form_query(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:100]


@require(Perm.REFERRAL_MANAGE)
@require_http_methods(["GET", "POST"])
def referral_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct what was recorded (a mistyped number, a forgotten concern); a correction read from a version
    someone has corrected since is refused with the differences shown, and what was typed is kept."""
    referral = get_for_user_or_404(request, Referral.objects.select_related("service"), Perm.REFERRAL_MANAGE, pk=pk)
    form = _referral_form(request, referral)
    shown_conflict: dict[str, Any] | None = None
    if request.method == "POST":
        if form.is_valid():
            try:
                corrected = referral_update(
                    referral=form.save(commit=False),
                    people=list(form.cleaned_data["people"]),
                    by=acting_user(request),
                    edit_version=form.cleaned_data.get("edit_version"),
                )
            except StaleEdit as stale:
                form = _rebased_referral_form(request, stale)
                current: Referral = stale.current
                theirs: dict[str, Any] = {name: getattr(current, name) for name in ReferralForm.Meta.fields}
                theirs["people"] = list(current.people.values_list("pk", flat=True))
                shown_conflict = conflict(
                    _("Someone else corrected this referral while you were editing it"),
                    differences(form, theirs),
                    reverse("cases:referral_detail", args=[current.pk]),
                    _("The referral as saved now"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                _forget_replaced(form, corrected)
                messages.success(request, _("The referral has been corrected."))
                return redirect("cases:referral_detail", pk=corrected.pk)
        form.keep_the_file()
    return render(
        request,
        "cases/referral_form.html",
        {"form": form, "query": form_query(request), "referral": referral, "conflict": shown_conflict},
    )


def _rebased_referral_form(request: HttpRequest, stale: StaleEdit) -> ReferralForm:
    """The form as typed, now carrying the version saved meanwhile: saving again replaces it knowingly."""
    current: Referral = Referral.objects.select_related("service").get(pk=stale.current.pk)
    data = request.POST.copy()
    data["edit_version"] = str(current.edit_version)
    form = ReferralForm(
        data,
        request.FILES or None,
        instance=current,
        services=_recording_services(request),
        people=scope(request.user, Person.objects.active(), Perm.PERSON_VIEW),
        user=acting_user(request),
    )
    form.is_valid()
    form.add_error(None, stale.messages)
    return form


@require(Perm.REFERRAL_TRIAGE)
@require_http_methods(["GET", "POST"])
def person_link(request: HttpRequest, token: str) -> HttpResponse:
    """Link a person whom the duplicate check found in another service to the head's service (scenario 1),
    then record the referral about him. The token stands for the person in this session only; the page
    names nobody, since until the link the head may not see the person."""
    pk = offered_person(request, token)
    person = Person.objects.active().filter(pk=pk, organisation=organisation_of(request)).first() if pk else None
    if person is None:
        raise Http404
    services = scope(request.user, Service.objects.filter(is_active=True), Perm.REFERRAL_TRIAGE).order_by("name")
    form = PersonLinkForm(request.POST or None, services=services)
    if request.method == "POST" and form.is_valid():
        try:
            person_link_to_service(
                person=person,
                service=form.cleaned_data["service"],
                by=acting_user(request),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The person is linked to your service: record the referral about them."))
            return redirect(f"{reverse('cases:referral_create')}?person={person.pk}")
    registered_by = ", ".join(person.services.order_by("name").values_list("name", flat=True))
    return render(request, "cases/person_link.html", {"form": form, "registered_by": registered_by})


def _triage_staff(request: HttpRequest, *services: Service) -> QuerySet[User]:
    """The staff of ``services`` who may lead or join a case, as far as the head may see staff."""
    return scope(request.user, case_staff(services), Perm.STAFF_VIEW).order_by("first_name", "last_name")


@require(Perm.CASE_APPROVE)
@require_http_methods(["GET", "POST"])
def case_team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The head of service names another case manager or changes the team."""
    case = get_for_user_or_404(request, Case.objects.select_related("case_manager"), Perm.CASE_APPROVE, pk=pk)
    initial = {"case_manager": case.case_manager_id, "team": list(case.team.values_list("pk", flat=True))}
    form = CaseTeamForm(request.POST or None, initial=initial, staff=_triage_staff(request, *case.services.all()))
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


def _referral_page(request: HttpRequest, referral: Referral, form: TriageForm | None) -> HttpResponse:
    """The referral's page; ``form`` is the triage form for the head of service while it is undecided."""
    return render(
        request,
        "cases/referral_detail.html",
        {
            "referral": referral,
            "people": _people_of(request, referral),
            "decisions": scope(request.user, TriageDecision.objects.filter(referral=referral), Perm.REFERRAL_VIEW)
            .select_related("by", "case")
            .order_by("at", "pk"),
            "tasks": scope(request.user, CaseTask.objects.filter(referral=referral), Perm.CASE_VIEW)
            .select_related("done_by", "assigned_to")
            .order_by("due_at", "pk"),
            "position": waiting_position(referral),
            "taken": open_case_count(referral.service),
            "case": _visible_case(request, referral),
            "open_work": _open_work(request, referral),
            "form": form,
            "can_work": has_permission(request.user, Perm.CASE_WORK, referral.service),
            # Those who record referrals in its service correct what was recorded.
            "can_correct": has_permission(request.user, Perm.REFERRAL_MANAGE, referral.service),
        },
    )


def _open_work(request: HttpRequest, referral: Referral) -> list[Case | Referral]:
    """The open cases and the other undecided referrals of the referral's service about its people, so that
    the worker and the head see at once that the child is already served (or already asked for) there."""
    people = referral.people.all()
    cases = scope(request.user, open_cases_in(referral.service, people).exclude(referral=referral), Perm.CASE_VIEW)
    referrals = scope(
        request.user, undecided_referrals_in(referral.service, people, besides=referral), Perm.REFERRAL_VIEW
    )
    return [*cases, *referrals]


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
    return _referral_page(request, referral, _triage_form(request, referral))


@require(Perm.REFERRAL_TRIAGE)
@require_http_methods(["GET", "POST"])
def referral_triage(request: HttpRequest, pk: int) -> HttpResponse:
    """The head of service decides: accept, waiting list, redirect or decline. On a refusal the referral's
    page comes back with the form as it was filled in and the reason next to the field."""
    referral = get_for_user_or_404(
        request, Referral.objects.select_related("service", "recorded_by"), Perm.REFERRAL_TRIAGE, pk=pk
    )
    form = _triage_form(request, referral, request.POST or None)
    if request.method == "POST" and form is None:
        messages.error(request, _("This referral has already been decided."))
        return redirect("cases:referral_detail", pk=referral.pk)
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
        return redirect("cases:case_detail", pk=case.pk)
    if decision == Decision.WAITLIST:
        referral_waitlist(referral=referral, by=by, reason=data["reason"])
        messages.success(request, _("The referral has been put on the waiting list."))
    elif decision == Decision.REDIRECT:
        referral_redirect(referral=referral, by=by, partner=data["partner"], reason=data["reason"])
        messages.success(request, _("The referral has been redirected."))
    else:
        referral_decline(referral=referral, by=by, ground=data["decline_ground"], reason=data["reason"])
        messages.success(request, _("The referral has been declined."))
    return redirect("cases:referral_detail", pk=referral.pk)


@require(Perm.REFERRAL_VIEW)
def referral_assessment_file(request: HttpRequest, pk: int) -> FileResponse:
    """The preliminary assessment's file, as a download (never shown inline), after the access check."""
    referral = get_for_user_or_404(request, Referral.objects.all(), Perm.REFERRAL_VIEW, pk=pk)
    if not referral.preliminary_assessment_file:
        raise Http404
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
    cases = _with_people(request, cases).prefetch_related(
        Prefetch("services", queryset=Service.objects.order_by("name"))
    )
    page = capped_page(cases.order_by("-opened_at", "-pk"), PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "cases/case_list.html",
        {"page": page, "services": services, "service": service, "state": state},
    )


def _case_for_page(request: HttpRequest, pk: int, permission: str) -> Case:
    """The case with what its page shows and its due dates are worked out from, one query per kind: its
    services, team, history and reviews (through the user's scope, as every read); and whether the user may
    see its referral, asked with the case."""
    user = acting_user(request)
    referral_in_scope = scope(user, Referral.objects.filter(pk=OuterRef("referral_id")), Perm.REFERRAL_VIEW)
    return get_for_user_or_404(
        request,
        Case.objects.select_related("case_manager", "referral")
        .annotate(referral_in_scope=Exists(referral_in_scope))
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name")),
            Prefetch("team", queryset=User.objects.order_by("first_name", "last_name")),
            Prefetch(
                "transitions",
                queryset=scope(user, CaseTransition.objects.all(), Perm.CASE_VIEW)
                .select_related("by")
                .order_by("at", "pk"),
            ),
            Prefetch(
                "reviews",
                queryset=scope(user, PlanReview.objects.all(), Perm.CASE_VIEW)
                .select_related("by", "plan", "revised_plan")
                .order_by("-reviewed_on", "-pk"),
            ),
        ),
        permission,
        pk=pk,
    )


def _case_page(request: HttpRequest, case: Case, form: CaseMoveForm) -> HttpResponse:
    user = acting_user(request)
    referral = case.referral
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "people": _people_of(request, case),
            "services": case.services.all(),
            "team": case.team.all(),
            "transitions": case.transitions.all(),
            "tasks": scope(user, CaseTask.objects.filter(case=case), Perm.CASE_VIEW)
            .select_related("done_by", "assigned_to", "service")
            .order_by("done_at", "due_at", "pk"),
            "moves": [
                (state, CaseState(state).label) for state in CASE_MOVES[case.state] if may_move(user, case, state)
            ],
            "referral": referral if referral and case.referral_in_scope else None,  # type: ignore[attr-defined]
            "can_work": has_permission_on(user, Perm.CASE_WORK, case),
            "can_write_documents": may_work_on_documents(user, case),
            "can_change_team": case.is_open and has_permission_on(user, Perm.CASE_APPROVE, case),
            "form": form,
            # What the apps built on cases show here (the time limits' next due dates).
            "sections": sections_of(request, case),
            **_documents_of(case),
        },
    )


def _documents_of(case: Case) -> dict[str, Any]:
    """The case's assessment and plan (the newest version and the one in force), its reviews and the next
    review's date, for the case's page."""
    reopenings = [move.at for move in case.transitions.all() if move.to_state == CaseState.REOPENED]
    since = reopenings[-1] if reopenings else None  # the history is in order: the last reopening
    assessment, approved_assessment = latest_and_approved(case, Assessment, since)
    plan, approved_plan = latest_and_approved(case, SupportPlan, since)
    return {
        "assessment": assessment,
        "approved_assessment": approved_assessment,
        "plan": plan,
        "approved_plan": approved_plan,
        "reviews": case.reviews.all(),
        "review_due": review_due(case),
    }


@require(Perm.CASE_VIEW)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_page(request, pk, Perm.CASE_VIEW)
    return _case_page(request, case, CaseMoveForm(state=case.state))


@require(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the case to the state of the button pressed. A refused move comes back on the case's page with
    the reason, and the text typed kept."""
    case = _case_for_page(request, pk, Perm.CASE_WORK)
    form = CaseMoveForm(request.POST or None, state=case.state)
    if request.method == "POST" and form.is_valid():
        try:
            transition = case_move(
                case=case,
                to=form.cleaned_data["to"],
                by=acting_user(request),
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


# --- Needs assessment, support plan, reviews ---------------------------------------------------------------


def require_document_work[R: HttpResponse](view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
    """For the pages that write a case's documents: the case's workers and the members of its team (a
    psychologist holds only ``case.view``). Users who are neither anywhere are refused before any record is
    looked up; the case itself is checked by ``_case_to_write``."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponse:
        user = request.user
        if user.is_authenticated and not (has_permission(user, Perm.CASE_WORK) or user.case_teams.exists()):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return require(Perm.CASE_VIEW)(checked)


def _case_to_write(request: HttpRequest, pk: int) -> Case:
    case = _case_for(request, pk, Perm.CASE_VIEW)
    if not may_work_on_documents(acting_user(request), case):
        raise PermissionDenied
    return case


def _case_for(request: HttpRequest, pk: int, permission: str) -> Case:
    case = get_for_user_or_404(request, Case.objects.select_related("case_manager"), permission, pk=pk)
    return case


def _rebased[F: VersionedForm](request: HttpRequest, form_class: type[F], stale: StaleEdit, **kwargs: Any) -> F:
    """The form as the user typed it, now carrying the version saved meanwhile: the refusal is shown next to
    it, and saving again (having seen the other change) replaces that version knowingly."""
    data = request.POST.copy()
    for name, value in VersionedForm.version_of(stale.current).items():
        data[name] = "" if value is None else str(value)
    form = form_class(data, **kwargs)
    form.is_valid()
    form.add_error(None, stale.messages)
    return form


def _versions[D: CaseDocument](request: HttpRequest, case: Case, model: type[D]) -> QuerySet[D]:
    return scope(request.user, model._default_manager.filter(case=case), Perm.CASE_VIEW).order_by("-number")


@require_document_work
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write or change the case's needs assessment (an approved version is kept: this makes the next)."""
    case = _case_to_write(request, pk)
    latest = latest_version(case, Assessment)
    children = _people_of(request, case).filter(kind=PersonKind.CHILD)
    form = AssessmentForm(request.POST or None, children=children, initial=AssessmentForm.initial_from(latest))
    conflict: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            assessment = assessment_save(
                case=case,
                by=acting_user(request),
                values=form.values(),
                domains=form.domains(),
                heard_children=list(form.cleaned_data["heard_children"]),
                based_on=form.cleaned_data["based_on"],
                edit_version=form.cleaned_data["edit_version"],
            )
        except StaleEdit as stale:
            form = _rebased(request, AssessmentForm, stale, children=children)
            conflict = _conflict(stale, differences(form, AssessmentForm.initial_from(_as_assessment(stale))))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The needs assessment has been saved."))
            return redirect("cases:assessment_detail", pk=assessment.pk)
    return render(
        request,
        "cases/assessment_form.html",
        {"case": case, "form": form, "latest": latest, "conflict": conflict},
    )


def _as_assessment(stale: StaleEdit) -> Assessment | None:
    return stale.current if isinstance(stale.current, Assessment) else None


def _conflict(stale: StaleEdit, rows: list[tuple[str, str, str]]) -> dict[str, Any]:
    current = stale.current
    if current is None:
        return conflict(_("Someone else saved this document while you were editing it"), rows)
    detail = "cases:assessment_detail" if isinstance(current, Assessment) else "cases:plan_detail"
    return conflict(
        _("Someone else saved this document while you were editing it"),
        rows,
        link=reverse(detail, args=[current.pk]),
        link_text=_("See version %(number)s as %(who)s saved it")
        % {"number": current.number, "who": current.updated_by},
    )


def _document_page(
    request: HttpRequest, document: CaseDocument, template: str, error: ValidationError | None = None
) -> HttpResponse:
    """The page of one version of an assessment or a plan, with the versions, and the buttons to submit and
    approve while it is the newest version."""
    user = acting_user(request)
    case = document.case
    newest = latest_version(case, type(document))
    is_newest = newest is not None and newest.pk == document.pk
    context: dict[str, Any] = {
        "case": case,
        "document": document,
        "versions": _versions(request, case, type(document)).select_related("approved_by"),
        "is_newest": is_newest,
        "newest": newest,
        "can_edit": is_newest and case.is_open and may_work_on_documents(user, case),
        "can_submit": is_newest and document.status == DocumentStatus.DRAFT and may_work_on_documents(user, case),
        "can_approve": is_newest
        and document.status == DocumentStatus.SUBMITTED
        and has_permission_on(user, Perm.CASE_APPROVE, case),
        "errors": error.messages if error is not None else [],
        "stale": isinstance(error, StaleEdit),
    }
    if isinstance(document, Assessment):
        context |= _assessment_context(document)
    elif isinstance(document, SupportPlan):
        context |= _plan_context(document)
    return render(request, template, context)


def _assessment_context(assessment: Assessment) -> dict[str, Any]:
    rows = {row.domain: row for row in assessment.domains.all()}
    sides = [
        (side.label, [(Domain(domain).label, rows.get(domain)) for domain in Domain if DOMAIN_SIDE[domain] == side])
        for side in Side
    ]
    heard = list(assessment.heard_children.order_by("last_name", "first_name"))
    return {
        "assessment": assessment,
        "sides": sides,
        "heard": heard,
        "not_heard": [child for child in children_to_hear(assessment) if child not in heard],
    }


def _plan_context(plan: SupportPlan) -> dict[str, Any]:
    goals = plan.goals.order_by("position").prefetch_related(
        Prefetch("activities", queryset=PlanActivity.objects.select_related("staff"))
    )
    return {"plan": plan, "goals": goals, "reviews": plan.reviews.select_related("by", "revised_plan")}


def _document_for[D: CaseDocument](request: HttpRequest, model: type[D], pk: int, permission: str) -> D:
    return get_for_user_or_404(
        request, model._default_manager.select_related("case", "approved_by", "updated_by"), permission, pk=pk
    )


DOCUMENT_TEMPLATES = {Assessment: "cases/assessment_detail.html", SupportPlan: "cases/plan_detail.html"}
DETAIL_PAGES = {Assessment: "cases:assessment_detail", SupportPlan: "cases:plan_detail"}
PRINT_TEMPLATES = {Assessment: "cases/assessment_print.html", SupportPlan: "cases/plan_print.html"}


def _show_document(request: HttpRequest, model: type[CaseDocument], pk: int) -> HttpResponse:
    document = _document_for(request, model, pk, Perm.CASE_VIEW)
    return _document_page(request, document, DOCUMENT_TEMPLATES[model])


def _decide_document(
    request: HttpRequest, model: type[CaseDocument], pk: int, permission: str, decide: Callable[..., Any]
) -> HttpResponse:
    """Submit or approve a version: the page of the version on GET; the decision on POST, refused on the
    same page with the reason (a stale page is refused too: the head approves what she has read)."""
    document = _document_for(request, model, pk, permission)
    if request.method == "GET":
        return _document_page(request, document, DOCUMENT_TEMPLATES[model])
    version = parse_id(request.POST.get("edit_version"))
    try:
        decide(document=document, by=acting_user(request), edit_version=version)
    except ValidationError as error:
        # The page comes back as the version is now, so that its buttons carry the current counter.
        document.refresh_from_db()
        return _document_page(request, document, DOCUMENT_TEMPLATES[model], error)
    messages.success(
        request, _("%(document)s: %(status)s.") % {"document": document, "status": document.get_status_display()}
    )
    return redirect(DETAIL_PAGES[model], pk=pk)


def _print_document(request: HttpRequest, model: type[CaseDocument], pk: int) -> HttpResponse:
    document = _document_for(request, model, pk, Perm.CASE_VIEW)
    case = document.case
    context: dict[str, Any] = {
        "case": case,
        "document": document,
        "people": _people_of(request, case),
        "services": case.services.order_by("name"),
        "organisation": case.organisation,
    }
    if isinstance(document, Assessment):
        context |= _assessment_context(document)
    elif isinstance(document, SupportPlan):
        context |= _plan_context(document)
    return render(request, PRINT_TEMPLATES[model], context)


@require(Perm.CASE_VIEW)
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _show_document(request, Assessment, pk)


@require_document_work
@require_http_methods(["GET", "POST"])
def assessment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide_document(request, Assessment, pk, Perm.CASE_VIEW, document_submit)


@require(Perm.CASE_APPROVE)
@require_http_methods(["GET", "POST"])
def assessment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide_document(request, Assessment, pk, Perm.CASE_APPROVE, document_approve)


@require(Perm.CASE_VIEW)
def assessment_print(request: HttpRequest, pk: int) -> HttpResponse:
    return _print_document(request, Assessment, pk)


@require(Perm.CASE_VIEW)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _show_document(request, SupportPlan, pk)


@require_document_work
@require_http_methods(["GET", "POST"])
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide_document(request, SupportPlan, pk, Perm.CASE_VIEW, document_submit)


@require(Perm.CASE_APPROVE)
@require_http_methods(["GET", "POST"])
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide_document(request, SupportPlan, pk, Perm.CASE_APPROVE, document_approve)


@require(Perm.CASE_VIEW)
def plan_print(request: HttpRequest, pk: int) -> HttpResponse:
    return _print_document(request, SupportPlan, pk)


def _plan_staff(request: HttpRequest, case: Case) -> QuerySet[User]:
    """Who may be named for an activity: the active staff of the case's services. The case was reached
    through the scoping module; its own services bound the list (not ``staff.view``, which a social worker
    does not hold, yet she names the psychologist of her own team)."""
    return case_staff(case.services.all()).order_by("first_name", "last_name")


def _plan_forms(
    request: HttpRequest, case: Case, latest: SupportPlan | None, assessment: Assessment, data: Any = None
) -> tuple[PlanForm, Any, Any]:
    """The plan form and its two formsets: pre-filled from ``latest`` on GET; on POST exactly as posted,
    with no initial rows to compare with, since what was on the screen is what is saved."""
    goals, activities = plan_initial(latest) if data is None else ([], [])
    needs = [(domain, str(Domain(domain).label)) for domain in assessed_domains(assessment)]
    goal_forms = GoalFormSet(data, prefix="goals", initial=goals, form_kwargs={"needs": needs})
    activity_forms = ActivityFormSet(
        data,
        prefix="activities",
        initial=activities,
        form_kwargs={"goals": min(max(goal_forms.total_form_count(), 1), 50), "staff": _plan_staff(request, case)},
    )
    return PlanForm(data, initial=PlanForm.initial_from(latest)), goal_forms, activity_forms


def _as_list(rows: list[str]) -> str:
    return "\n".join(rows) or "—"


def _typed_rows_differ(goal_forms: Any, activity_forms: Any, saved: SupportPlan | None) -> list[tuple[str, str, str]]:
    """The goals and the activities as saved meanwhile and as typed, where they differ."""
    saved_goals, saved_activities = plan_initial(saved)
    typed_goals = [form.cleaned_data.get("text", "") for _number, form in kept_rows(goal_forms)]
    typed_activities = [form.cleaned_data for _number, form in kept_rows(activity_forms)]
    rows = []
    if [goal["text"] for goal in saved_goals] != typed_goals:
        rows.append(
            (str(_("Goals")), " / ".join(goal["text"] for goal in saved_goals) or "—", " / ".join(typed_goals) or "—")
        )
    theirs, yours = (
        _as_list([_activity_line(row) for row in saved_activities]),
        _as_list([_activity_line(row) for row in typed_activities]),
    )
    if theirs != yours:
        rows.append((str(_("Activities")), theirs, yours))
    return rows


def _activity_line(activity: dict[str, Any]) -> str:
    """An activity in a line: its goal, what, who and how often."""
    staff = activity.get("staff")
    who = activity.get("partner", "").strip() or (str(staff) if isinstance(staff, User) else "")
    if not who and staff:
        who = str(User.objects.filter(pk=staff).first() or "")
    return _("Goal %(number)s: %(what)s (%(who)s, %(frequency)s)") % {
        "number": activity.get("goal"),
        "what": activity.get("what", "").strip(),
        "who": who,
        "frequency": activity.get("frequency", "").strip(),
    }


def _plan_valid(form: PlanForm, goal_forms: Any, activity_forms: Any) -> bool:
    # Every part is validated (not only up to the first invalid one), so that each shows its errors.
    results = [part.is_valid() for part in (form, goal_forms, activity_forms)]
    return all(results) and activities_have_goals(goal_forms, activity_forms)


@require_document_work
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Draw up or change the individual support plan on the approved assessment (an approved version is kept:
    this makes the next)."""
    case = _case_to_write(request, pk)
    assessment = current_approved(case, Assessment)
    if assessment is None:
        return render(request, "cases/plan_form.html", {"case": case, "form": None})
    latest = latest_version(case, SupportPlan)
    form, goal_forms, activity_forms = _plan_forms(request, case, latest, assessment, request.POST or None)
    conflict: dict[str, Any] | None = None
    action = request.POST.get("rows", "")
    if action:
        data = with_row_action(request.POST, action, goal_forms, activity_forms)
        form, goal_forms, activity_forms = _plan_forms(request, case, latest, assessment, data)
        _not_checked_yet(form, goal_forms, activity_forms)
        if htmx_partial(request):
            context = {"goal_forms": goal_forms, "activity_forms": activity_forms}
            return render(request, "cases/_plan_rows.html", context | {"rows_url": request.path})
    elif request.method == "POST" and _plan_valid(form, goal_forms, activity_forms):
        try:
            plan = plan_save(
                case=case,
                by=acting_user(request),
                values=form.values(),
                goals=goals_from(goal_forms, activity_forms),
                based_on=form.cleaned_data["based_on"],
                edit_version=form.cleaned_data["edit_version"],
            )
        except StaleEdit as stale:
            current = stale.current if isinstance(stale.current, SupportPlan) else None
            form = _rebased(request, PlanForm, stale)
            rows = differences(form, PlanForm.initial_from(current)) + _typed_rows_differ(
                goal_forms, activity_forms, current
            )
            conflict = _conflict(stale, rows)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The support plan has been saved."))
            return redirect("cases:plan_detail", pk=plan.pk)
    return render(
        request,
        "cases/plan_form.html",
        {
            "case": case,
            "form": form,
            "goal_forms": goal_forms,
            "activity_forms": activity_forms,
            "assessment": assessment,
            "latest": latest,
            "conflict": conflict,
            "rows_url": request.path,
        },
    )


def _not_checked_yet(form: Any, goal_forms: Any, activity_forms: Any) -> None:
    """A row added or removed is not a save: the rows come back as typed, without the errors of fields the
    worker has not filled in yet (they are checked when she saves)."""
    for formset in (goal_forms, activity_forms):
        formset._errors = []
        formset._non_form_errors = formset.error_class()
        for row in formset.forms:
            row._errors = ErrorDict()
    form._errors = ErrorDict()


@require_document_work
@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Review the plan in force: progress on each goal, and if need be the plan's next version."""
    case = _case_to_write(request, pk)
    plan = current_approved(case, SupportPlan)
    goals = list(plan.goals.order_by("position")) if plan is not None else []
    form = ReviewForm(request.POST or None, goals=goals)
    if request.method == "POST" and plan is not None and form.is_valid():
        try:
            review = plan_review_record(
                case=case,
                by=acting_user(request),
                reviewed_on=form.cleaned_data["reviewed_on"],
                summary=form.cleaned_data["summary"],
                progress=form.progress(),
                revise=form.cleaned_data["revise"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The review has been recorded."))
            if review.revised_plan is not None:
                return redirect("cases:case_plan", pk=case.pk)
            return redirect("cases:case_detail", pk=case.pk)
    return render(
        request,
        "cases/review_form.html",
        {"case": case, "plan": plan, "form": form, "due": review_due(case)},
    )


@require_document_work
@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a recorded review, as those who record reviews may; a correction read from a version someone
    has corrected since is refused with the differences shown, and what was typed is kept."""
    review = get_for_user_or_404(request, PlanReview.objects.select_related("case", "plan"), Perm.CASE_VIEW, pk=pk)
    case = review.case
    if not may_work_on_documents(acting_user(request), case):
        raise PermissionDenied
    goals = list(review.plan.goals.order_by("position"))
    form = ReviewForm(request.POST or None, goals=goals, review=review)
    shown_conflict: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            corrected = plan_review_update(
                review=review,
                by=acting_user(request),
                reviewed_on=form.cleaned_data["reviewed_on"],
                summary=form.cleaned_data["summary"],
                progress=form.progress(),
                edit_version=form.cleaned_data.get("edit_version"),
            )
        except StaleEdit as stale:
            current: PlanReview = stale.current
            saved = ReviewForm(goals=goals, review=current)
            theirs = {name: saved[name].initial for name in saved.fields}
            data = request.POST.copy()
            data["edit_version"] = str(current.edit_version)
            form = ReviewForm(data, goals=goals, review=current)
            form.is_valid()
            form.add_error(None, stale.messages)
            rows = differences(form, theirs)
            shown_conflict = conflict(_("Someone else corrected this review while you were editing it"), rows)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The review has been corrected."))
            return redirect("cases:case_detail", pk=corrected.case_id)
    return render(
        request,
        "cases/review_form.html",
        {"case": case, "plan": review.plan, "form": form, "review": review, "conflict": shown_conflict},
    )
