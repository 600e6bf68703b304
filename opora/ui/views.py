from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from opora.access import Perm, has_permission, require
from opora.ui.registry import HOME_PANELS


@require(Perm.HOME)
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the panels the apps registered that the user's roles allow, each with what it has
    to show."""
    panels = []
    for panel in sorted(HOME_PANELS.values(), key=lambda panel: panel.order):
        if panel.permission is not None and not has_permission(request.user, panel.permission):
            continue
        context = panel.context(request)
        if context is not None:
            panels.append({"template": panel.template, "context": context})
    return render(request, "ui/home.html", {"panels": panels})
