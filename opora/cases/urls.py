from django.urls import path

from opora.cases import views

app_name = "cases"

urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/waiting/", views.referral_waiting_list, name="referral_waiting_list"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/link/<str:token>/", views.person_link, name="person_link"),
    path("referrals/<int:pk>/edit/", views.referral_edit, name="referral_edit"),
    path("referrals/<int:pk>/triage/", views.referral_triage, name="referral_triage"),
    path("referrals/<int:pk>/assessment/", views.referral_assessment_file, name="referral_assessment_file"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/move/", views.case_transition, name="case_transition"),
    path("cases/<int:pk>/team/", views.case_team_edit, name="case_team_edit"),
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
    path("tasks/<int:pk>/done/", views.task_complete, name="task_complete"),
]
