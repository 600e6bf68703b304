from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from opora.deadlines.remembered import unread_count
from opora.deadlines.selectors import unread_notifications


def notifications(request: HttpRequest) -> dict[str, Any]:
    """How many notifications the user has not read, for the badge in the menu; counted only when a page
    shows the menu, and then kept a little while (every page shows it; a new or read notification forgets it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user.pk, unread_notifications(user).count))}
