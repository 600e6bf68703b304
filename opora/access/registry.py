"""What the apps tell the access module: their permissions, the roles that hold them, their scope paths and
what to do when a look is refused. The access module itself lists no app's permissions.

Each app declares these in its own ``permissions.py``, which ``AccessConfig.ready()`` imports for every
Opora app (as the admin site discovers ``admin.py``). This module imports no model, so that an app's
``permissions.py`` and the package ``opora.access`` can be imported while the app registry is loading.
"""

import importlib
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from django.apps import apps
from django.utils.module_loading import module_has_submodule


class _Permissions:
    """``Perm``: every permission an app declared, as an attribute (``Perm.CASE_VIEW == "case.view"``).
    Names read as "<thing>.<verb>"."""

    def __getattr__(self, name: str) -> str:
        # Called only for a name not declared yet: the apps' declarations may not have been read.
        if not name.startswith("_") and not _discovered and apps.models_ready:
            discover()
            if name in vars(self):
                return str(vars(self)[name])
        raise AttributeError(f"no app declares Perm.{name} (in its permissions.py)")

    def __iter__(self) -> Any:
        return iter(vars(self).values())


Perm = _Permissions()

# Role → the permissions it holds; a role or a permission not here is refused (deny by default).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {}


class ScopePath(NamedTuple):
    """How a ``scope_by`` value reaches its organisation and its services."""

    organisation: str
    services: str
    many: bool  # whether the path to the services is many-valued (asked as a subquery, never joined)


SCOPE_PATHS: dict[str, ScopePath] = {}

# Called with (request, record) when a user asks for a record that exists but is out of their scope.
DENIED_HOOKS: list[Callable[[Any, Any], None]] = []


def declare(**permissions: str) -> None:
    """Declare permissions: ``declare(CASE_VIEW="case.view")`` makes ``Perm.CASE_VIEW``. Two apps cannot
    declare one name or one value differently."""
    taken = {value: name for name, value in vars(Perm).items()}
    for name, value in permissions.items():
        if vars(Perm).get(name, value) != value or taken.get(value, name) != name:
            raise ValueError(f"Perm.{name} = {value!r} clashes with a permission already declared")
        setattr(Perm, name, value)


def grant(roles: Iterable[str], permissions: Iterable[str]) -> None:
    """Give each of ``roles`` the ``permissions`` (added to what other apps gave it)."""
    permissions = frozenset(permissions)
    unknown = permissions - set(Perm)
    if unknown:
        raise ValueError(f"granted but never declared: {sorted(unknown)}")
    for role in roles:
        ROLE_PERMISSIONS[role] = ROLE_PERMISSIONS.get(role, frozenset()) | permissions


def scope_path(how: str, *, organisation: str, services: str, many: bool) -> None:
    """Teach ``scope()`` a ``scope_by`` value: the lookup from the record to its organisation's id and the
    lookup that takes a set of service ids."""
    path = ScopePath(organisation, services, many)
    if SCOPE_PATHS.get(how, path) != path:
        raise ValueError(f"scope_by {how!r} is declared twice, differently")
    SCOPE_PATHS[how] = path


def on_denied(hook: Callable[[Any, Any], None]) -> None:
    """Call ``hook(request, record)`` whenever a look at an existing record out of scope is refused."""
    if hook not in DENIED_HOOKS:
        DENIED_HOOKS.append(hook)


_discovered = False


def discover() -> None:
    """Import the ``permissions`` module of every Opora app (once)."""
    global _discovered
    _discovered = True
    for config in apps.get_app_configs():
        if config.name.startswith("opora.") and module_has_submodule(config.module, "permissions"):
            importlib.import_module(f"{config.name}.permissions")
