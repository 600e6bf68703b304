"""The cases of a family's members, for the people app's family page (see opora.people.records)."""

from typing import Any

from django.urls import reverse

from opora.access import Perm, scope
from opora.cases.models import Case
from opora.people.models import Person
from opora.people.records import PersonRecord


def cases_of(user: Any, people: list[Person]) -> dict[int, list[PersonRecord]]:
    """The cases of ``people`` the user may see, newest first, with their state and services."""
    wanted = {person.pk for person in people}
    cases = (
        scope(user, Case.objects.filter(people__in=wanted), Perm.CASE_VIEW)
        .distinct()
        .prefetch_related("services", "people")
        .order_by("-pk")
    )
    found: dict[int, list[PersonRecord]] = {}
    for case in cases:
        services = ", ".join(service.name for service in case.services.all())
        record = PersonRecord(
            label=str(case),
            url=reverse("cases:case_detail", args=[case.pk]),
            status=f"{case.get_state_display()} — {services}",
        )
        for person in case.people.all():
            if person.pk in wanted:
                found.setdefault(person.pk, []).append(record)
    return found
