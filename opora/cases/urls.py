"""The cases app's pages under one namespace (``cases:``), each package's from its own ``urls.py``."""

from django.urls import include, path

app_name = "cases"

urlpatterns = [
    path("", include("opora.cases.intake.urls")),
    path("", include("opora.cases.casework.urls")),
    path("", include("opora.cases.planning.urls")),
]
