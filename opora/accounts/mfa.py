"""Whether a user must use two-factor authentication, by the policies of the roles they hold.

Both answers are asked on every request (RequireMfaMiddleware), so both are kept in Django's cache and
forgotten when a role policy or an authenticator changes (opora/accounts/signals.py).
"""

from typing import Any

from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.db import transaction

from opora.access import MEMBERSHIPS_CACHE_SECONDS, roles_of
from opora.organisation.models import RolePolicy


def _mfa_roles_key(organisation_id: int | None) -> str:
    return f"opora:mfa:v1:roles:{organisation_id}"


def _has_totp_key(user_id: int) -> str:
    return f"opora:mfa:v1:totp:{user_id}"


def mfa_roles(organisation_id: int | None) -> frozenset[str]:
    """The roles of the organisation whose holders must use two-factor authentication."""
    if organisation_id is None:
        return frozenset()
    key = _mfa_roles_key(organisation_id)
    roles = cache.get(key)
    if roles is None:
        roles = frozenset(
            RolePolicy.objects.filter(organisation_id=organisation_id, mfa_required=True).values_list("role", flat=True)
        )
        cache.set(key, roles, MEMBERSHIPS_CACHE_SECONDS)
    return roles


def mfa_required(user: Any) -> bool:
    roles = roles_of(user)
    if not roles:
        return False
    return bool(roles & mfa_roles(user.organisation_id))


def has_totp(user: Any) -> bool:
    key = _has_totp_key(user.pk)
    found = cache.get(key)
    if found is None:
        found = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        cache.set(key, found, MEMBERSHIPS_CACHE_SECONDS)
    return bool(found)


def _forget(key: str) -> None:
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def forget_mfa_roles(organisation_id: int | None) -> None:
    _forget(_mfa_roles_key(organisation_id))


def forget_has_totp(user_id: int) -> None:
    _forget(_has_totp_key(user_id))
