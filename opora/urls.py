from django.urls import include, path

urlpatterns = [
    path("", include("opora.ui.urls")),
    path("", include("opora.core.urls")),
    path("", include("opora.organisation.urls")),
    path("", include("opora.people.urls")),
    path("", include("opora.cases.urls")),
    path("", include("opora.deadlines.urls")),
    path("", include("opora.contacts.urls")),
    path("", include("opora.audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
]
