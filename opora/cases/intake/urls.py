"""Intake's pages: referrals, the waiting list, the triage, the link to a person of another service."""

from django.urls import path

from opora.cases.intake import views

urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/waiting/", views.referral_waiting_list, name="referral_waiting_list"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/link/<str:token>/", views.person_link, name="person_link"),
    path("referrals/<int:pk>/edit/", views.referral_edit, name="referral_edit"),
    path("referrals/<int:pk>/triage/", views.referral_triage, name="referral_triage"),
    path("referrals/<int:pk>/assessment/", views.referral_assessment_file, name="referral_assessment_file"),
]
