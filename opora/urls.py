from django.urls import include, path

from opora.audit import views as audit
from opora.core import views as core
from opora.organisation import views as organisation

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
    path("audit/changes/", audit.change_list, name="audit_changes"),
    path("audit/views/", audit.view_list, name="audit_views"),
]
