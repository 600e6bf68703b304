"""Who may see and do what: ``scope``, ``get_for_user_or_404``, ``require``, ``Perm`` and the rest of
``opora.access.control``, with the registries of ``opora.access.registry`` that apps fill from their own
``permissions.py``.

Django imports this package before the models are loaded, and ``control`` needs the user and membership
models, so its names are handed out on first use (PEP 562); the registry's are plain imports.
"""

from typing import TYPE_CHECKING, Any

from opora.access.registry import ROLE_PERMISSIONS, Perm

if TYPE_CHECKING:
    from opora.access.control import (
        MEMBERSHIPS_CACHE_SECONDS as MEMBERSHIPS_CACHE_SECONDS,
    )
    from opora.access.control import SHOWN_RECORDS as SHOWN_RECORDS
    from opora.access.control import acting_user as acting_user
    from opora.access.control import forget_cached_memberships as forget_cached_memberships
    from opora.access.control import forget_memberships as forget_memberships
    from opora.access.control import get_for_user_or_404 as get_for_user_or_404
    from opora.access.control import has_permission as has_permission
    from opora.access.control import has_permission_on as has_permission_on
    from opora.access.control import is_administrator as is_administrator
    from opora.access.control import memberships as memberships
    from opora.access.control import organisation_id_of as organisation_id_of
    from opora.access.control import organisation_of as organisation_of
    from opora.access.control import records_shown as records_shown
    from opora.access.control import require as require
    from opora.access.control import roles_of as roles_of
    from opora.access.control import scope as scope
    from opora.access.control import service_ids_with as service_ids_with
    from opora.access.control import visible_services as visible_services

__all__ = [
    "MEMBERSHIPS_CACHE_SECONDS",
    "ROLE_PERMISSIONS",
    "SHOWN_RECORDS",
    "Perm",
    "acting_user",
    "forget_cached_memberships",
    "forget_memberships",
    "get_for_user_or_404",
    "has_permission",
    "has_permission_on",
    "is_administrator",
    "memberships",
    "organisation_id_of",
    "organisation_of",
    "records_shown",
    "require",
    "roles_of",
    "scope",
    "service_ids_with",
    "visible_services",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'opora.access' has no attribute {name!r}")
    from opora.access import control

    return getattr(control, name)
