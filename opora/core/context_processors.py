from typing import Any

from django.http import HttpRequest

from opora.core.access import Perm, has_permission


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the menu offers this user: only the pages their roles allow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "people": has_permission(user, Perm.PERSON_VIEW),
            "referrals": has_permission(user, Perm.REFERRAL_VIEW),
            "cases": has_permission(user, Perm.CASE_VIEW),
            "case_work": has_permission(user, Perm.CASE_WORK),
            "services": has_permission(user, Perm.SERVICE_VIEW),
            "programmes": has_permission(user, Perm.PROGRAMME_VIEW),
            "staff": has_permission(user, Perm.STAFF_VIEW),
            "organisation": has_permission(user, Perm.ORGANISATION_MANAGE),
            "audit": has_permission(user, Perm.AUDIT_VIEW),
        }
    }
