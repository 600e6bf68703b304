from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from opora.access import has_permission
from opora.ui.registry import FLAGS, MENU


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the menu offers this user: the entries the apps registered that their roles allow, in order;
    and ``nav``, by name, whether each entry (or flag) is theirs."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}, "menu": []}
    entries = [
        entry
        for entry in sorted(MENU.values(), key=lambda entry: entry.order)
        if entry.permission is None or has_permission(user, entry.permission)
    ]
    nav = {entry.name: True for entry in entries}
    nav.update({name: has_permission(user, permission) for name, permission in FLAGS.items()})
    menu = [
        {
            "label": entry.label,
            "url": reverse(entry.url_name),
            "badge": entry.badge(request) if entry.badge else None,
        }
        for entry in entries
    ]
    return {"nav": nav, "menu": menu}
