"""Intake's pages: referrals (the list, the waiting list, recording and correcting one, its page with the head
of service's triage, its preliminary assessment file) and the link to a person registered by another service.

Every record is reached through ``scope()`` or ``get_for_user_or_404()``; every page about a referral is
written to the view log.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
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
from opora.cases.casework.models import Case, CaseTask
from opora.cases.casework.selectors import open_case_count, open_cases_in, with_open_cases
from opora.cases.casework.views import PAGE_SIZE, chosen_service, people_of, staff_to_choose, with_people
from opora.cases.intake.forms import PersonLinkForm, ReferralForm, TriageForm
from opora.cases.intake.models import (
    UNDECIDED,
    Decision,
    Referral,
    ReferralStatus,
    TriageDecision,
    private_storage,
)
from opora.cases.intake.selectors import (
    undecided_referrals_in,
    waiting_places,
    waiting_position,
    waiting_positions,
)
from opora.cases.intake.services import (
    person_link_to_service,
    referral_accept,
    referral_decline,
    referral_record,
    referral_redirect,
    referral_update,
    referral_waitlist,
)
from opora.core.conflicts import StaleEdit, conflict, differences
from opora.core.forms import parse_ids
from opora.core.pagination import capped_page
from opora.core.sorting import ListOrder
from opora.organisation.models import Service
from opora.people.links import offered_person
from opora.people.models import Person


def _referrals(request: HttpRequest, permission: str = Perm.REFERRAL_VIEW) -> QuerySet[Referral]:
    return scope(request.user, Referral.objects.all(), permission)


# --- Referrals -------------------------------------------------------------------------------------------

# The list's status filter: the referrals still to be decided unless asked otherwise.
STATUS_FILTERS: dict[str, tuple[str, ...] | None] = {
    "open": UNDECIDED,
    "all": None,
    **{status.value: (status.value,) for status in ReferralStatus},
}


# The columns the referral list may be sorted by, each along an index (never the whole register sorted to show
# one page); the newest first unless asked otherwise.
REFERRAL_ORDER = ListOrder(
    columns={"number": ("id",), "status": ("status",), "received": ("received_at",)}, default="-received"
)


@require(Perm.REFERRAL_VIEW)
def referral_list(request: HttpRequest) -> HttpResponse:
    services = scope(request.user, Service.objects.all(), Perm.REFERRAL_VIEW).order_by("name")
    service = chosen_service(request, services)
    status = request.GET.get("status", "open")
    status = status if status in STATUS_FILTERS else "open"
    referrals = _referrals(request).select_related("service")
    if service is not None:
        referrals = referrals.filter(service=service)
    wanted = STATUS_FILTERS[status]
    if wanted is not None:
        referrals = referrals.filter(status__in=wanted)
    sorted_by = REFERRAL_ORDER.chosen(request)
    # Counted up to a cap: an exact count of a national register's referrals would cost more than the page.
    page = capped_page(with_people(request, sorted_by.apply(referrals)), PAGE_SIZE, request.GET.get("page"))
    # The places on the waiting lists of this page's rows, counted in the database for them only (the capped
    # count above is left without them).
    positions = waiting_positions(Referral.objects.filter(pk__in=[referral.pk for referral in page]))
    for referral in page:
        referral.position = positions.get(referral.pk)
    return render(
        request,
        "cases/referral_list.html",
        {
            "page": page,
            "sorted": sorted_by,
            "services": services,
            "service": service,
            "status": status,
            "statuses": ReferralStatus.choices,
            # The services are read for the filter anyway; whether one may be recorded in is then known.
            "can_record": any(has_permission(request.user, Perm.REFERRAL_MANAGE, one) for one in services),
        },
    )


# A service's list on the page of every service shows its next few; its own page shows it all, a page at a time.
WAITING_SHOWN = 10
WAITING_PAGE = 50


@require(Perm.REFERRAL_VIEW)
def referral_waiting_list(request: HttpRequest) -> HttpResponse:
    """Each service's waiting list in order, with the places taken and its capacity: the next few of every
    service, or (``?service=``) one service's whole list, page by page."""
    services = with_open_cases(scope(request.user, Service.objects.all(), Perm.REFERRAL_VIEW)).order_by("name")
    waiting = _referrals(request).filter(status=ReferralStatus.WAITING)
    wanted = request.GET.get("service")
    one = chosen_service(request, services) if wanted else None
    if wanted and one is None:
        raise Http404  # not a service the user may see, or not a number
    if one is not None:
        services = services.filter(pk=one.pk)
        waiting = waiting.filter(service_id=one.pk)
    lengths = dict(waiting.order_by().values("service_id").annotate(n=Count("pk")).values_list("service_id", "n"))
    page = None
    if one is not None:
        # The list's length is known: the page is a range of places, its rows read by place.
        page = Paginator(range(lengths.get(one.pk, 0)), WAITING_PAGE).get_page(request.GET.get("page"))
        places = waiting_places(waiting, after=page.start_index() - 1, up_to=page.end_index())
    else:
        places = waiting_places(waiting, up_to=WAITING_SHOWN)
    # The places along the index first (a few ms), then only those rows: ranking whole rows would read every
    # waiting referral of the organisation from the table.
    rows = with_people(request, Referral.objects.filter(pk__in=list(places)).select_related("service"))
    by_service: dict[int, list[Referral]] = {}
    for referral in sorted(rows, key=lambda referral: (referral.service_id, places[referral.pk])):
        referral.position = places[referral.pk]  # for the template
        by_service.setdefault(referral.service_id, []).append(referral)
    lists = [(service, by_service.get(service.pk, []), lengths.get(service.pk, 0)) for service in services]
    context = {"lists": lists, "one": one, "page": page, "shown": WAITING_SHOWN}
    return render(request, "cases/referral_waiting_list.html", context)


def _recording_services(request: HttpRequest) -> QuerySet[Service]:
    return scope(request.user, Service.objects.filter(is_active=True), Perm.REFERRAL_MANAGE).order_by("name")


def _referral_form(request: HttpRequest, instance: Referral | None = None) -> ReferralForm:
    people = scope(request.user, Person.objects.active(), Perm.PERSON_VIEW).select_related("settlement__municipality")
    if instance is not None:
        preselected = list(people_of(request, instance).values_list("pk", flat=True))
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


def _referral_page(request: HttpRequest, referral: Referral, form: TriageForm | None) -> HttpResponse:
    """The referral's page; ``form`` is the triage form for the head of service while it is undecided."""
    return render(
        request,
        "cases/referral_detail.html",
        {
            "referral": referral,
            "people": people_of(request, referral),
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
    return TriageForm(data, staff=staff_to_choose(request, referral.service))


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
