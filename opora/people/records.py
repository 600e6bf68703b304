"""What the apps built on people hold about a person (cases, and later groups, foster care…), for the pages
that show a person or a family on one screen.

The people app imports none of those apps: each registers, when it is ready, a function that returns its
records of a list of people *as the user may see them* (it scopes them with ``opora.access.scope``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from opora.people.models import Person


@dataclass(frozen=True)
class PersonRecord:
    """One line about one record: its name, where it is, and a short status."""

    label: str
    url: str
    status: str = ""


RecordsOf = Callable[[Any, list[Person]], dict[int, list[PersonRecord]]]
_sources: list[RecordsOf] = []


def register(source: RecordsOf) -> None:
    """Add an app's records; called from its ``AppConfig.ready``."""
    if source not in _sources:
        _sources.append(source)


def records_of(user: Any, people: Iterable[Person]) -> dict[int, list[PersonRecord]]:
    """Every registered app's records of ``people`` the user may see, by person id."""
    people = list(people)
    found: dict[int, list[PersonRecord]] = {person.pk: [] for person in people}
    for source in _sources:
        for pk, records in source(user, people).items():
            found.setdefault(pk, []).extend(records)
    return found
