"""Case work's pages: the case list, a case's page, its moves and its team, completing a task."""

from django.urls import path

from opora.cases.casework import views

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/move/", views.case_transition, name="case_transition"),
    path("cases/<int:pk>/team/", views.case_team_edit, name="case_team_edit"),
    path("cases/<int:pk>/team/pick/", views.case_team_pick, name="case_team_pick"),
    path("tasks/<int:pk>/done/", views.task_complete, name="task_complete"),
]
