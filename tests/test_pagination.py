"""Long lists are paged without counting the whole list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opora.core.pagination import CappedPaginator
from opora.organisation.models import Role
from opora.people.models import Person
from tests.conftest import World, make_person

pytestmark = pytest.mark.django_db


def test_a_capped_paginator_counts_no_further_than_its_cap_and_says_so(world: World) -> None:
    for number in range(7):
        make_person(world.own, "Иван", "Петров" + "а" * number, egn=False)
    everyone = Person.objects.order_by("pk")
    capped = CappedPaginator(everyone, 2, cap=5)
    assert (capped.count, capped.num_pages, capped.is_exact) == (5, 3, False)
    roomy = CappedPaginator(everyone, 2, cap=50)
    assert (roomy.count, roomy.num_pages, roomy.is_exact) == (7, 4, True)
    assert capped.get_page(99).number == 3


def test_the_people_list_counts_with_a_limit_not_the_whole_register(world: World) -> None:
    make_person(world.own, "Мария", "Иванова")
    client = world.client_for(Role.ADMINISTRATOR)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("people:person_list"))
    assert response.status_code == 200
    counts = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "people_person" in q["sql"]
    ]
    assert counts, "the list counts its rows"
    assert all("LIMIT" in sql.upper() for sql in counts), counts


def test_the_capped_count_is_asked_in_no_order(world: World) -> None:
    """Which cap + 1 rows are counted makes no difference to how many: without the list's order the database
    need not sort or walk it (the worker's people list at a million: 35 ms → 12 ms)."""
    for number in range(3):
        make_person(world.own, "Иван", "Петров" + "а" * number, egn=False)
    with CaptureQueriesContext(connection) as queries:
        count = CappedPaginator(Person.objects.order_by("last_name", "pk"), 2, cap=5).count
    assert count == 3
    assert len(queries.captured_queries) == 1
    assert "ORDER BY" not in queries.captured_queries[0]["sql"]
