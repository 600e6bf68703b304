"""What the start page and the menu show, as the apps register it: the shell lists no app's pages.

An app registers its menu entries and start-page panels from its ``AppConfig.ready()``. Each carries the
permission it needs; the menu and the start page show only what the user's roles allow. ``order`` places
an entry or a panel among those of the other apps (the gaps leave room for the apps to come).

The menu is grouped as a social worker thinks of her day: her own work, people, intake, cases and the
organisation (``GROUPS``); every entry names its group, and a group with no entry for the user is not shown.

The header's search box asks every search provider the user's roles allow (``SEARCH``): each app finds its
own records (people, referrals, cases, and later groups or documents) through its own scoped reads, and the
search page shows what each found under the provider's label.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise


@dataclass(frozen=True)
class MenuGroup:
    name: str
    label: str | Promise
    order: int


@dataclass(frozen=True)
class MenuEntry:
    name: str  # also ``nav.<name>`` in templates: whether the user's menu has this entry
    label: str | Promise
    url_name: str
    order: int
    permission: str | None  # None: every logged-in user
    badge: Callable[[HttpRequest], Any] | None  # a number shown beside the label (0 or None: none)
    group: str  # one of GROUPS


@dataclass(frozen=True)
class HomePanel:
    name: str
    template: str  # included in the start page, with the panel's context as ``panel``
    order: int
    permission: str | None
    context: Callable[[HttpRequest], dict[str, Any] | None]  # None: nothing to show


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    detail: str = ""  # one line under the title: a birth year, a service, a state (never an identifier)


@dataclass(frozen=True)
class SearchFound:
    hits: list[SearchHit]
    more: bool  # more were found than ``hits`` shows
    all_url: str | None = None  # the provider's own list, filtered by what was typed


@dataclass(frozen=True)
class SearchProvider:
    name: str
    label: str | Promise
    order: int
    permission: str
    # (request, what was typed, at most how many hits) → what was found, scoped to the user.
    search: Callable[[HttpRequest, str, int], SearchFound]


MENU: dict[str, MenuEntry] = {}
SEARCH: dict[str, SearchProvider] = {}
GROUPS: dict[str, MenuGroup] = {}
HOME_PANELS: dict[str, HomePanel] = {}
# Names a template asks as ``nav.<name>`` that are not menu entries: name → permission.
FLAGS: dict[str, str] = {}


def menu_entry(
    name: str,
    *,
    label: str | Promise,
    url_name: str,
    order: int,
    permission: str | None = None,
    group: str,
    badge: Callable[[HttpRequest], Any] | None = None,
) -> None:
    """Add an entry to the menu, in one of the groups (registered again under one name, it replaces the
    first)."""
    MENU[name] = MenuEntry(name, label, url_name, order, permission, badge, group)


def menu_group(name: str, *, label: str | Promise, order: int) -> None:
    """Add a group of the menu (the shell declares the five; a later app may add one)."""
    GROUPS[name] = MenuGroup(name, label, order)


def home_panel(
    name: str,
    *,
    template: str,
    order: int,
    context: Callable[[HttpRequest], dict[str, Any] | None],
    permission: str | None = None,
) -> None:
    """Add a panel to the start page."""
    HOME_PANELS[name] = HomePanel(name, template, order, permission, context)


def flag(name: str, permission: str) -> None:
    """Let templates ask ``nav.<name>``: whether the user holds ``permission`` anywhere."""
    FLAGS[name] = permission


def search_provider(
    name: str,
    *,
    label: str | Promise,
    order: int,
    permission: str,
    search: Callable[[HttpRequest, str, int], SearchFound],
) -> None:
    """Let the header's search find an app's records: ``search`` answers for one user and one text."""
    SEARCH[name] = SearchProvider(name, label, order, permission, search)
