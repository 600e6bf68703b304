"""Pages for the organisation administrator and the staff: organisation, services, programmes, staff."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opora.access import (
    Perm,
    acting_user,
    forget_memberships,
    get_for_user_or_404,
    has_permission,
    organisation_of,
    require,
    scope,
)
from opora.accounts.models import User
from opora.organisation.forms import (
    MembershipFormSet,
    NewStaffForm,
    OrganisationForm,
    ProgrammeForm,
    RolePoliciesForm,
    ServiceForm,
    StaffForm,
)
from opora.organisation.models import Membership, Programme, Role, RolePolicy, Service
from opora.organisation.services import role_policies_set, staff_save

# --- Organisation ---------------------------------------------------------------------------------


@require(Perm.ORGANISATION_MANAGE)
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The organisation has been saved."))
        return redirect("organisation:organisation_edit")
    return render(request, "organisation/organisation_form.html", {"form": form})


@require(Perm.ORGANISATION_MANAGE)
@require_http_methods(["GET", "POST"])
@reauthentication_required
def role_policies(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    required = set(
        RolePolicy.objects.filter(organisation=organisation, mfa_required=True).values_list("role", flat=True)
    )
    form = RolePoliciesForm(request.POST or None, required_roles=required)
    if request.method == "POST" and form.is_valid():
        role_policies_set(organisation=organisation, required_roles=form.required_roles())
        messages.success(request, _("The security policy has been saved."))
        return redirect("organisation:role_policies")
    return render(request, "organisation/role_policies.html", {"form": form})


# --- Services -------------------------------------------------------------------------------------


@require(Perm.SERVICE_VIEW)
def service_list(request: HttpRequest) -> HttpResponse:
    services = scope(request.user, Service.objects.all(), Perm.SERVICE_VIEW)
    return render(
        request,
        "organisation/service_list.html",
        {"services": services, "can_manage": has_permission(request.user, Perm.SERVICE_MANAGE)},
    )


@require(Perm.SERVICE_VIEW)
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_for_user_or_404(request, Service.objects.all(), Perm.SERVICE_VIEW, pk=pk)
    can_see_staff = has_permission(request.user, Perm.STAFF_VIEW, service)
    # The team through the scoping module, like every other list (empty for a role without STAFF_VIEW).
    staff = _visible_roles(request).filter(service=service).select_related("user").order_by("role", "user__first_name")
    return render(
        request,
        "organisation/service_detail.html",
        {
            "service": service,
            "memberships": staff,
            "can_see_staff": can_see_staff,
            "programmes": service.programmes.filter(is_active=True),
            "can_manage": has_permission(request.user, Perm.SERVICE_MANAGE, service),
        },
    )


@require(Perm.SERVICE_MANAGE)
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest) -> HttpResponse:
    return _service_form(request, Service())


@require(Perm.SERVICE_MANAGE)
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _service_form(request, get_for_user_or_404(request, Service.objects.all(), Perm.SERVICE_MANAGE, pk=pk))


def _service_form(request: HttpRequest, service: Service) -> HttpResponse:
    form = ServiceForm(request.POST or None, instance=service, organisation=organisation_of(request))
    if request.method == "POST" and form.is_valid():
        service = form.save()
        messages.success(request, _("The service has been saved."))
        return redirect("organisation:service_detail", pk=service.pk)
    return render(request, "organisation/service_form.html", {"form": form, "service": service})


# --- Programmes -----------------------------------------------------------------------------------


@require(Perm.PROGRAMME_VIEW)
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = scope(request.user, Programme.objects.all(), Perm.PROGRAMME_VIEW).prefetch_related(
        Prefetch("services", queryset=Service.objects.order_by("name"))
    )
    return render(
        request,
        "organisation/programme_list.html",
        {"programmes": programmes, "can_manage": has_permission(request.user, Perm.PROGRAMME_MANAGE)},
    )


@require(Perm.PROGRAMME_MANAGE)
@require_http_methods(["GET", "POST"])
def programme_create(request: HttpRequest) -> HttpResponse:
    return _programme_form(request, Programme())


@require(Perm.PROGRAMME_MANAGE)
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_for_user_or_404(request, Programme.objects.all(), Perm.PROGRAMME_MANAGE, pk=pk)
    return _programme_form(request, programme)


def _programme_form(request: HttpRequest, programme: Programme) -> HttpResponse:
    form = ProgrammeForm(request.POST or None, instance=programme, organisation=organisation_of(request))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The programme has been saved."))
        return redirect("organisation:programme_list")
    return render(request, "organisation/programme_form.html", {"form": form, "programme": programme})


# --- Staff ----------------------------------------------------------------------------------------


def _visible_roles(request: HttpRequest) -> QuerySet[Membership]:
    """Roles the user may see: a head of service sees a colleague's roles only in their own services."""
    return scope(request.user, Membership.objects.select_related("service"), Perm.STAFF_VIEW)


@require(Perm.STAFF_VIEW)
def staff_list(request: HttpRequest) -> HttpResponse:
    staff = scope(request.user, User.objects.all(), Perm.STAFF_VIEW).prefetch_related(
        Prefetch("memberships", queryset=_visible_roles(request).order_by("service__name"))
    )
    return render(
        request,
        "organisation/staff_list.html",
        {"staff": staff, "can_manage": has_permission(request.user, Perm.STAFF_MANAGE)},
    )


@require(Perm.STAFF_VIEW)
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_for_user_or_404(request, User.objects.all(), Perm.STAFF_VIEW, pk=pk)
    return render(
        request,
        "organisation/staff_detail.html",
        {
            "member": member,
            "memberships": _visible_roles(request).filter(user=member).order_by("service__name"),
            "can_manage": has_permission(request.user, Perm.STAFF_MANAGE),
        },
    )


@require(Perm.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
@reauthentication_required
def staff_create(request: HttpRequest) -> HttpResponse:
    return _staff_form(request, User())


@require(Perm.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
@reauthentication_required
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_for_user_or_404(request, User.objects.all(), Perm.STAFF_MANAGE, pk=pk)
    return _staff_form(request, member)


def _staff_form(request: HttpRequest, member: User) -> HttpResponse:
    organisation = organisation_of(request)
    creating = member.pk is None
    form_class = NewStaffForm if creating else StaffForm
    initial = {
        "is_administrator": member.pk is not None and member.memberships.filter(role=Role.ADMINISTRATOR).exists()
    }
    form = form_class(
        request.POST or None, instance=member, organisation=organisation, editor=acting_user(request), initial=initial
    )
    formset = MembershipFormSet(
        request.POST or None,
        instance=member,
        queryset=Membership.objects.filter(service__isnull=False),
        form_kwargs={"organisation": organisation},
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        member = staff_save(
            form=form,
            formset=formset,
            password=form.cleaned_data.get("password"),
            login_url=request.build_absolute_uri(reverse("account_login")),
        )
        forget_memberships(request.user)
        messages.success(request, _("The staff member has been saved."))
        return redirect("organisation:staff_detail", pk=member.pk)
    return render(
        request,
        "organisation/staff_form.html",
        {"form": form, "formset": formset, "member": member, "creating": creating},
    )
