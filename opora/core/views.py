from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from opora.cases.selectors import open_tasks
from opora.core.access import Perm, has_permission, memberships, require
from opora.organisation.models import Role

# The start page shows this many open tasks, the most pressing first (a full list comes with "My tasks").
HOME_TASKS = 20


@require(Perm.HOME)
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the tasks not yet done in the user's services, and the user's roles."""
    mine = sorted(memberships(request.user), key=lambda m: (m.service is not None, str(m.service or "")))
    tasks = open_tasks(request.user)
    return render(
        request,
        "core/home.html",
        {
            "memberships": mine,
            "administrator_role": Role.ADMINISTRATOR,
            "tasks": list(tasks[:HOME_TASKS]),
            "task_count": tasks.count(),
            "can_complete_tasks": has_permission(request.user, Perm.CASE_WORK),
        },
    )


def healthz(request: HttpRequest) -> HttpResponse:
    """For the load balancer: the process answers and the database is reachable. No data is shown."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
