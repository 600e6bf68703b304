from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from opora.access import has_permission, memberships
from opora.ui.registry import FLAGS, GROUPS, MENU, SEARCH


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the menu offers this user: the entries the apps registered that their roles allow, in order
    (``menu``) and in their groups (``menu_groups``); ``nav``, by name, whether each entry (or flag) is
    theirs; and ``user_roles``, the user's roles and services for the header. All of it comes from the
    roles the permission checks read anyway, so the shell costs no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}, "menu": [], "menu_groups": [], "user_roles": [], "can_search": False}
    entries = [
        entry
        for entry in sorted(MENU.values(), key=lambda entry: entry.order)
        if entry.permission is None or has_permission(user, entry.permission)
    ]
    nav = {entry.name: True for entry in entries}
    nav.update({name: has_permission(user, permission) for name, permission in FLAGS.items()})
    urls = {entry.name: reverse(entry.url_name) for entry in entries}
    # The entry of the page shown, or of the section the page is in (a case's page is under Cases): the
    # longest address the path starts with.
    within = [
        name for name, url in urls.items() if request.path == url or (url != "/" and request.path.startswith(url))
    ]
    current = max(within, key=lambda name: len(urls[name]), default=None)
    menu = [
        {
            "name": entry.name,
            "label": entry.label,
            "url": urls[entry.name],
            "badge": entry.badge(request) if entry.badge else None,
            "group": entry.group,
            "current": entry.name == current,
        }
        for entry in entries
    ]
    groups = sorted(GROUPS.values(), key=lambda group: group.order)
    menu_groups = [
        {"name": group.name, "label": group.label, "entries": [entry for entry in menu if entry["group"] == group.name]}
        for group in groups
    ]
    return {
        # The header's search box, for whoever may ask at least one of the search providers.
        "can_search": any(has_permission(user, provider.permission) for provider in SEARCH.values()),
        "nav": nav,
        "menu": menu,
        "menu_groups": [group for group in menu_groups if group["entries"]],
        "user_roles": [
            {"role": membership.get_role_display(), "service": membership.service} for membership in memberships(user)
        ],
    }
