"""Whether a user must use two-factor authentication, by the policies of the roles they hold."""

from typing import Any

from allauth.mfa.models import Authenticator

from opora.core.access import roles_of
from opora.organisation.models import RolePolicy


def mfa_required(user: Any) -> bool:
    roles = roles_of(user)
    if not roles:
        return False
    return RolePolicy.objects.filter(organisation_id=user.organisation_id, role__in=roles, mfa_required=True).exists()


def has_totp(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
