"""Lists cost the same number of queries however many rows they show (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opora.organisation.models import Programme, Role, ServiceKind
from tests.conftest import World, make_service, make_user


def queries_for(world: World, url: str) -> int:
    client = world.client_for(Role.ADMINISTRATOR)
    client.get(url)  # the first request warms per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_services(world: World, count: int, prefix: str) -> None:
    """``count`` services, each with a worker and a programme shared with ``own``."""
    for index in range(count):
        service = make_service(world.organisation, f"{prefix} {index}", ServiceKind.SPECIALISED, "Русе", 10)
        make_user(f"{prefix}{index}", world.organisation, Role.SOCIAL_WORKER, service)
        programme = Programme.objects.create(
            organisation=world.organisation, name=f"Програма {prefix} {index}", direction="campaigns"
        )
        programme.services.add(service, world.own)


@pytest.mark.parametrize("page", ["service_list", "staff_list", "programme_list", "audit_changes", "audit_views"])
def test_a_list_page_costs_the_same_queries_for_more_rows(world: World, page: str) -> None:
    url = reverse(page)
    add_services(world, 2, "few")
    few = queries_for(world, url)
    add_services(world, 10, "many")
    assert queries_for(world, url) == few
