from django.urls import path

from opora.deadlines import views

app_name = "deadlines"

urlpatterns = [
    path("my-tasks/", views.my_tasks, name="my_tasks"),
    path("overdue/", views.overdue, name="overdue"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("organisation/time-limits/", views.deadline_rules, name="deadline_rules"),
]
