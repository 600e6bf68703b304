from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from opora.access import Perm, has_permission, require
from opora.ui.registry import HOME_PANELS, SEARCH, SearchProvider

# Each kind of record shows this many hits on the search page; its own list shows the rest.
SEARCH_SHOWN = 5
# One letter finds half the register: the search waits for two.
SEARCH_MIN_LETTERS = 2


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


def search_providers(request: HttpRequest) -> list[SearchProvider]:
    """The search providers the user's roles allow, in order (no query: the roles are read already)."""
    return [
        provider
        for provider in sorted(SEARCH.values(), key=lambda provider: provider.order)
        if has_permission(request.user, provider.permission)
    ]


@require(Perm.HOME)
def search(request: HttpRequest) -> HttpResponse:
    """The header's search: what each provider the user may ask finds for what was typed, kind by kind."""
    query = " ".join(request.GET.get("q", "").split())[:100]
    providers = search_providers(request)
    groups: list[dict[str, Any]] = []
    # A number (a referral's, a case's) may be one digit; a name needs two letters.
    too_short = 0 < len(query) < SEARCH_MIN_LETTERS and not query.isdigit()
    if query and not too_short:
        for provider in providers:
            found = provider.search(request, query, SEARCH_SHOWN)
            groups.append({"name": provider.name, "label": provider.label, "found": found})
    return render(
        request,
        "ui/search.html",
        {
            "query": query,
            "too_short": too_short,
            "groups": groups,
            "found_any": any(group["found"].hits for group in groups),
            "kinds": [provider.label for provider in providers],
        },
    )
