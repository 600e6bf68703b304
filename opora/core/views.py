from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from opora.core.access import Perm, memberships, require
from opora.organisation.models import Role


@require(Perm.HOME)
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the user's roles and where they hold them."""
    mine = sorted(memberships(request.user), key=lambda m: (m.service is not None, str(m.service or "")))
    return render(request, "core/home.html", {"memberships": mine, "administrator_role": Role.ADMINISTRATOR})


def healthz(request: HttpRequest) -> HttpResponse:
    """For the load balancer: the process answers and the database is reachable. No data is shown."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
