from django.urls import path

from opora.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/changes/", views.change_list, name="audit_changes"),
    path("audit/views/", views.view_list, name="audit_views"),
]
