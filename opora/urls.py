from django.urls import include, path

from opora.audit import views as audit
from opora.cases import views as cases
from opora.core import views as core
from opora.organisation import views as organisation
from opora.people import views as people

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("organisation/", organisation.organisation_edit, name="organisation_edit"),
    path("organisation/security/", organisation.role_policies, name="role_policies"),
    path("services/", organisation.service_list, name="service_list"),
    path("services/new/", organisation.service_create, name="service_create"),
    path("services/<int:pk>/", organisation.service_detail, name="service_detail"),
    path("services/<int:pk>/edit/", organisation.service_edit, name="service_edit"),
    path("programmes/", organisation.programme_list, name="programme_list"),
    path("programmes/new/", organisation.programme_create, name="programme_create"),
    path("programmes/<int:pk>/edit/", organisation.programme_edit, name="programme_edit"),
    path("staff/", organisation.staff_list, name="staff_list"),
    path("staff/new/", organisation.staff_create, name="staff_create"),
    path("staff/<int:pk>/", organisation.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", organisation.staff_edit, name="staff_edit"),
    path("people/", people.person_list, name="person_list"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/merge/", people.person_merge, name="person_merge"),
    path("people/<int:pk>/family/", people.person_family, name="person_family"),
    path("people/<int:pk>/relations/new/", people.relationship_create, name="relationship_create"),
    path("people/<int:pk>/households/new/", people.household_member_create, name="household_member_create"),
    path("relations/<int:pk>/edit/", people.relationship_edit, name="relationship_edit"),
    path("households/members/<int:pk>/edit/", people.household_member_edit, name="household_member_edit"),
    path("referrals/", cases.referral_list, name="referral_list"),
    path("referrals/waiting/", cases.referral_waiting_list, name="referral_waiting_list"),
    path("referrals/new/", cases.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", cases.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/triage/", cases.referral_triage, name="referral_triage"),
    path("referrals/<int:pk>/assessment/", cases.referral_assessment_file, name="referral_assessment_file"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/move/", cases.case_transition, name="case_transition"),
    path("tasks/<int:pk>/done/", cases.task_complete, name="task_complete"),
    path("audit/changes/", audit.change_list, name="audit_changes"),
    path("audit/views/", audit.view_list, name="audit_views"),
]
