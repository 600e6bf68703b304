"""Planning's pages: the needs assessment, the individual support plan and its reviews, in versions."""

from django.urls import path

from opora.cases.planning import views

urlpatterns = [
    path("cases/<int:pk>/assessment/", views.assessment_edit, name="case_assessment"),
    path("cases/<int:pk>/plan/", views.plan_edit, name="case_plan"),
    path("cases/<int:pk>/review/", views.review_create, name="case_review"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review_edit"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/submit/", views.assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/approve/", views.assessment_approve, name="assessment_approve"),
    path("assessments/<int:pk>/print/", views.assessment_print, name="assessment_print"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/print/", views.plan_print, name="plan_print"),
]
