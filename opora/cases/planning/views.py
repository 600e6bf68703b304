"""Planning's pages: editing, submitting, approving and printing the needs assessment and the support plan,
their versions, and the plan's reviews.

Every record is reached through ``scope()`` or ``get_for_user_or_404()``; every page about a case's document
is written to the view log.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
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
    require,
    scope,
)
from opora.accounts.models import User

# --- Needs assessment, support plan, reviews ---------------------------------------------------------------
from opora.cases.casework.models import Case
from opora.cases.casework.selectors import case_staff
from opora.cases.casework.services import may_work_on_documents
from opora.cases.casework.views import people_of
from opora.cases.planning.forms import (
    ActivityFormSet,
    AssessmentForm,
    GoalFormSet,
    PlanForm,
    ReviewForm,
    VersionedForm,
    activities_have_goals,
    goals_from,
    kept_rows,
    plan_initial,
    with_row_action,
)
from opora.cases.planning.models import (
    DOMAIN_SIDE,
    Assessment,
    CaseDocument,
    DocumentStatus,
    Domain,
    PlanActivity,
    PlanReview,
    Side,
    SupportPlan,
)
from opora.cases.planning.services import (
    assessed_domains,
    assessment_save,
    children_to_hear,
    current_approved,
    document_approve,
    document_submit,
    latest_version,
    plan_review_record,
    plan_review_update,
    plan_save,
)
from opora.cases.sections import review_due
from opora.core.conflicts import StaleEdit, conflict, differences
from opora.core.forms import parse_id
from opora.core.htmx import htmx_partial
from opora.people.models import PersonKind


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
    children = people_of(request, case).filter(kind=PersonKind.CHILD)
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
        "people": people_of(request, case),
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
