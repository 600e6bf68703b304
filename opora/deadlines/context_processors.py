from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from opora.deadlines.selectors import unread_notifications


def notifications(request: HttpRequest) -> dict[str, Any]:
    """How many notifications the user has not read, for the badge in the menu; counted only when a page
    shows the menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_notifications(user).count())}
