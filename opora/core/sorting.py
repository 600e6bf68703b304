"""Sortable lists: each list declares the columns it may be sorted by (a whitelist next to its view), and the
request's ``?sort=key`` or ``?sort=-key`` picks one. A key the list does not declare is the list's default
order, never an error. The column headers are links (``{% sort_header %}`` in ``opora.core.templatetags``)
that keep the list's filters and go back to the first page; the sorted one carries ``aria-sort``; the pager
keeps the sort with the filters (``{% querystring %}``).

Every order ends with the primary key, so that a page is the same page whatever ties the column has."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

SORT_PARAM = "sort"


@dataclass(frozen=True)
class ListOrder:
    """The columns a list may be sorted by (key → the fields of its ascending order) and its default
    (a key, ``-`` before it for descending)."""

    columns: Mapping[str, tuple[str, ...]]
    default: str

    def __post_init__(self) -> None:
        assert self.default.lstrip("-") in self.columns, self.default

    def chosen(self, request: HttpRequest) -> "Sorted":
        asked = request.GET.get(SORT_PARAM, "")[:40]
        key, descending = asked.lstrip("-"), asked.startswith("-")
        if key not in self.columns:
            key, descending = self.default.lstrip("-"), self.default.startswith("-")
        return Sorted(self, key, descending, request)


@dataclass(frozen=True)
class Sorted:
    order: ListOrder
    key: str
    descending: bool
    request: HttpRequest

    @property
    def param(self) -> str:
        """The sort as the address carries it (for a filter form's hidden field, so filtering keeps it)."""
        return f"-{self.key}" if self.descending else self.key

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Plain names, so that the default order reads the lists' indexes as before (``-opened_at, -pk``).
        fields = [*self.order.columns[self.key], "pk"]
        return queryset.order_by(*(f"-{name}" if self.descending else name for name in fields))

    def header(self, key: str) -> dict[str, Any]:
        """What a column header shows: the link that sorts by it (the other way when it is the sorted one), and
        ``aria-sort`` for the sorted one."""
        assert key in self.order.columns, key
        current = key == self.key
        descending = not self.descending if current else False
        query = self.request.GET.copy()
        query.pop("page", None)
        query[SORT_PARAM] = f"-{key}" if descending else key
        return {
            "url": "?" + query.urlencode(),
            "aria_sort": ("descending" if self.descending else "ascending") if current else None,
        }
