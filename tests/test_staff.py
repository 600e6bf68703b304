"""Managing staff: roles per service, the administrator flag, and what the form refuses."""

from django.test import Client
from django.urls import reverse

from opora.organisation.models import Membership, Role
from tests.conftest import PASSWORD, World


def administrator_afresh() -> Client:
    client = Client()
    client.post(reverse("account_login"), {"login": "administrator", "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


def staff_form(user, rows: list[tuple[str, str]], **fields: str) -> dict[str, str]:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "job_title": "",
        "phone": "",
        "is_active": "on",
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, (service, role) in enumerate(rows):
        data[f"memberships-{index}-service"] = service
        data[f"memberships-{index}-role"] = role
    data.update(fields)
    return data


def test_an_administrator_cannot_remove_their_own_administrator_role(world: World) -> None:
    admin = world.users[Role.ADMINISTRATOR]
    client = administrator_afresh()
    response = client.post(reverse("organisation:staff_edit", args=[admin.pk]), staff_form(admin, []))
    assert response.status_code == 200
    assert "is_administrator" in response.context["form"].errors
    assert Membership.objects.filter(user=admin, role=Role.ADMINISTRATOR).exists()


def test_an_administrator_cannot_deactivate_themselves(world: World) -> None:
    admin = world.users[Role.ADMINISTRATOR]
    data = staff_form(admin, [], is_administrator="on")
    del data["is_active"]
    response = administrator_afresh().post(reverse("organisation:staff_edit", args=[admin.pk]), data)
    assert "is_active" in response.context["form"].errors
    admin.refresh_from_db()
    assert admin.is_active


def test_two_roles_in_one_service_are_refused_next_to_the_field(world: World) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    own = str(world.own.pk)
    data = staff_form(worker, [(own, Role.SOCIAL_WORKER), (own, Role.PSYCHOLOGIST)])
    data["memberships-INITIAL_FORMS"] = "0"
    response = administrator_afresh().post(reverse("organisation:staff_edit", args=[worker.pk]), data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert any("service" in form.errors for form in formset.forms)


def test_an_administrator_gives_a_role_in_another_service(world: World) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    existing = Membership.objects.get(user=worker)
    data = staff_form(worker, [(str(world.own.pk), Role.SOCIAL_WORKER), (str(world.other.pk), Role.PEDAGOGUE)])
    data.update(
        {"memberships-INITIAL_FORMS": "1", "memberships-0-id": str(existing.pk), "memberships-0-user": str(worker.pk)}
    )
    response = administrator_afresh().post(reverse("organisation:staff_edit", args=[worker.pk]), data)
    assert response.status_code == 302, response.context and response.context["formset"].errors
    roles = set(Membership.objects.filter(user=worker).values_list("service_id", "role"))
    assert roles == {(world.own.pk, Role.SOCIAL_WORKER), (world.other.pk, Role.PEDAGOGUE)}


def test_a_head_sees_a_colleagues_roles_only_in_their_own_services(world: World) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    Membership.objects.create(user=worker, service=world.other, role=Role.PEDAGOGUE)
    client = world.client_for(Role.HEAD)
    detail = client.get(reverse("organisation:staff_detail", args=[worker.pk]))
    assert [m.service for m in detail.context["memberships"]] == [world.own]
    listing = client.get(reverse("organisation:staff_list"))
    shown = next(member for member in listing.context["staff"] if member.pk == worker.pk)
    assert [m.service for m in shown.memberships.all()] == [world.own]
    assert world.other.name not in listing.content.decode()


def test_the_administrator_sees_every_role(world: World) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    Membership.objects.create(user=worker, service=world.other, role=Role.PEDAGOGUE)
    detail = world.client_for(Role.ADMINISTRATOR).get(reverse("organisation:staff_detail", args=[worker.pk]))
    assert {m.service for m in detail.context["memberships"]} == {world.own, world.other}
