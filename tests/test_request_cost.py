"""What a logged-in request costs before its view runs, and that cached roles follow their changes."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opora.organisation.models import Membership, Role, RolePolicy
from tests.conftest import World

# The health check's own query: everything else in a request to it is the cost of being logged in.
HEALTH_CHECK_QUERY = "SELECT 1"


def queries_of(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def warmed_client(world: World, role: str, url: str) -> Client:
    client = world.client_for(role)
    client.get(url)  # the first request fills the caches: roles, policies, content types, translations
    return client


def test_a_logged_in_health_check_costs_the_session_and_the_user_only(world: World) -> None:
    url = reverse("core:healthz")
    client = warmed_client(world, Role.SOCIAL_WORKER, url)
    before_the_view = [sql for sql in queries_of(client, url) if sql != HEALTH_CHECK_QUERY]
    assert len(before_the_view) <= 2, before_the_view


def test_a_user_who_must_use_mfa_and_has_it_costs_no_more(world: World) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    RolePolicy.objects.create(organisation=world.organisation, role=Role.SOCIAL_WORKER, mfa_required=True)
    TOTP.activate(world.users[Role.SOCIAL_WORKER], generate_totp_secret())
    url = reverse("core:healthz")
    client = warmed_client(world, Role.SOCIAL_WORKER, url)
    before_the_view = [sql for sql in queries_of(client, url) if sql != HEALTH_CHECK_QUERY]
    assert len(before_the_view) <= 2, before_the_view


def test_a_new_role_takes_effect_on_the_next_request(world: World) -> None:
    url = reverse("organisation:staff_list")
    client = warmed_client(world, Role.SOCIAL_WORKER, reverse("ui:home"))
    assert client.get(url).status_code == 403
    Membership.objects.create(user=world.users[Role.SOCIAL_WORKER], role=Role.HEAD, service=world.other)
    assert client.get(url).status_code == 200


def test_a_removed_role_takes_effect_on_the_next_request(world: World) -> None:
    url = reverse("organisation:staff_list")
    client = warmed_client(world, Role.HEAD, url)
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=world.users[Role.HEAD]).get().delete()
    assert client.get(url).status_code == 403


def test_a_new_mfa_policy_takes_effect_on_the_next_request(world: World) -> None:
    client = warmed_client(world, Role.SOCIAL_WORKER, reverse("ui:home"))
    assert client.get(reverse("ui:home")).status_code == 200
    RolePolicy.objects.create(organisation=world.organisation, role=Role.SOCIAL_WORKER, mfa_required=True)
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_deactivated_user_is_out_on_the_next_request(world: World) -> None:
    client = warmed_client(world, Role.SOCIAL_WORKER, reverse("ui:home"))
    user = world.users[Role.SOCIAL_WORKER]
    user.is_active = False
    user.save()
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("people:person_list"))["Location"].startswith(reverse("account_login"))
