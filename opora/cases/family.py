"""The cases of a family's members, for the people app's family page (see opora.people.records)."""

from typing import Any

from django.urls import reverse

from opora.access import Perm, scope
from opora.cases.casework.models import Case
from opora.people.models import Person
from opora.people.records import PersonRecord


def cases_of(user: Any, people: list[Person]) -> dict[int, list[PersonRecord]]:
    """The cases of ``people`` the user may see, newest first, with their state and services: one query, a row
    for each person, case and service."""
    wanted = {person.pk for person in people}
    visible = scope(user, Case.objects.all(), Perm.CASE_VIEW).values("pk")
    rows = (
        Case.people.through.objects.filter(person_id__in=wanted, case__in=visible)
        .order_by("person_id", "-case_id", "case__services__name")
        .values_list("person_id", "case_id", "case__state", "case__services__name")
    )
    services: dict[tuple[int, int], list[str]] = {}
    states: dict[tuple[int, int], str] = {}
    for person_id, case_id, state, service in rows:
        names = services.setdefault((person_id, case_id), [])
        states[person_id, case_id] = state
        if service is not None:
            names.append(service)
    found: dict[int, list[PersonRecord]] = {}
    for (person_id, case_id), names in services.items():
        case = Case(pk=case_id, state=states[person_id, case_id])
        found.setdefault(person_id, []).append(
            PersonRecord(
                label=str(case),
                url=reverse("cases:case_detail", args=[case_id]),
                status=f"{case.get_state_display()} — {', '.join(names)}",
            )
        )
    return found
