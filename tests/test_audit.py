"""The audit trail: what a change or a look leaves behind, that it cannot be rewritten, and who reads it."""

import html
import json
import re
from dataclasses import dataclass
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opora.accounts.models import User
from opora.audit.context import acting_as
from opora.audit.models import AppendOnlyError, ChangeAction, ChangeEvent, ViewEvent, ViewOutcome
from opora.audit.presenters import Names, field_changes
from opora.audit.views import PAGE_SIZE
from opora.organisation.models import Membership, Organisation, Programme, Role, Service, ServiceKind
from tests.conftest import PASSWORD, World, make_service, make_user


def events_of(record: Model) -> list[ChangeEvent]:
    """The change events of one record, oldest first."""
    return list(
        ChangeEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=str(record.pk),
        ).order_by("id")
    )


def presented(event: ChangeEvent) -> list[tuple[str, str, str]]:
    """The event's fields as the audit pages show them (no names looked up)."""
    return [(row.field, row.before, row.after) for row in field_changes(event, Names({}, {}))]


def service_form(service: Service, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": service.name,
        "kind": service.kind,
        "activity_types": list(service.activity_types),
        "municipality": service.municipality,
        "address": service.address,
        "capacity": service.capacity,
        "is_active": "on" if service.is_active else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


@pytest.fixture
def admin(world: World) -> User:
    return world.users[Role.ADMINISTRATOR]


@pytest.fixture
def admin_client(world: World) -> Client:
    return world.client_for(Role.ADMINISTRATOR)


# --- Changes -----------------------------------------------------------------------------------------


def test_creating_a_service_through_the_form_records_the_administrator_and_the_new_values(
    world: World, admin: User, admin_client: Client
) -> None:
    data = service_form(world.own, name="ЦОП Бяла", municipality="Бяла", capacity=12, activity_types=["day_care"])
    response = admin_client.post(reverse("organisation:service_create"), data)

    assert response.status_code == 302
    service = Service.objects.get(name="ЦОП Бяла")
    (event,) = events_of(service)
    assert event.action == ChangeAction.CREATED
    assert event.actor == admin
    assert event.organisation_id == world.organisation.pk
    assert event.object_repr == "ЦОП Бяла"
    assert event.changes["name"] == [None, "ЦОП Бяла"]
    assert event.changes["capacity"] == [None, 12]
    assert event.changes["activity_types"] == [None, ["day_care"]]
    assert event.changes["organisation"] == [None, world.organisation.pk]


def test_changing_a_service_through_the_form_records_the_administrator_and_before_and_after(
    world: World, admin: User, admin_client: Client
) -> None:
    before = len(events_of(world.other))
    response = admin_client.post(
        reverse("organisation:service_edit", args=[world.other.pk]),
        service_form(world.other, capacity=45, address="ул. Нова 1"),
    )

    assert response.status_code == 302
    events = events_of(world.other)
    assert len(events) == before + 1
    event = events[-1]
    assert event.action == ChangeAction.CHANGED
    assert event.actor == admin
    # Only what changed, each as [before, after].
    assert event.changes == {"capacity": [30, 45], "address": ["", "ул. Нова 1"]}


def test_saving_a_service_unchanged_records_nothing(world: World, admin_client: Client) -> None:
    before = ChangeEvent.objects.count()
    response = admin_client.post(reverse("organisation:service_edit", args=[world.own.pk]), service_form(world.own))
    assert response.status_code == 302
    assert ChangeEvent.objects.count() == before


def test_deleting_a_service_records_its_last_values_and_who_deleted_it(world: World, admin: User) -> None:
    service = Service.objects.create(
        organisation=world.organisation,
        name="ЦОП Ветово",
        kind=ServiceKind.GENERAL_ACCESS,
        municipality="Ветово",
        capacity=5,
    )
    pk = service.pk
    with acting_as(admin):
        service.delete()

    event = ChangeEvent.objects.filter(object_id=str(pk), action=ChangeAction.DELETED).get()
    assert event.content_type.model_class() is Service
    assert event.actor == admin
    assert event.organisation_id == world.organisation.pk
    assert event.changes["name"] == ["ЦОП Ветово", None]
    assert event.changes["capacity"] == [5, None]


def test_a_change_outside_any_request_is_the_systems(world: World) -> None:
    world.own.capacity = 61
    world.own.save()
    event = events_of(world.own)[-1]
    assert event.changes == {"capacity": [60, 61]}
    assert event.actor is None


def test_a_management_command_change_has_no_actor_even_right_after_a_request(
    world: World, admin_client: Client
) -> None:
    # A request by the administrator first: its actor must not outlive it.
    admin_client.post(reverse("organisation:service_edit", args=[world.own.pk]), service_form(world.own, capacity=70))
    assert events_of(world.own)[-1].actor is not None
    last = ChangeEvent.objects.order_by("-id").values_list("id", flat=True).first()

    call_command("load_demo", stdout=StringIO())

    made = ChangeEvent.objects.filter(id__gt=last)
    assert made.filter(content_type__model="service").exists()
    assert made.filter(content_type__model="user").exists()
    # The organisation, its services and staff are the command's own; the demo's referrals are recorded
    # in the name of the demo's staff, as the pages would. Nothing is the administrator's of the request.
    assert not made.filter(content_type__model__in=["organisation", "service", "user"]).exclude(actor=None).exists()
    assert not made.filter(actor=world.users[Role.ADMINISTRATOR]).exists()


def test_a_new_password_is_recorded_as_changed_but_masked(world: World, admin: User) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    old_hash = worker.password
    with acting_as(admin):
        worker.set_password("a completely new secret 2026")
        worker.save()

    worker.refresh_from_db()
    event = events_of(worker)[-1]
    assert event.action == ChangeAction.CHANGED
    assert event.actor == admin
    assert event.changes == {"password": ["•••", "•••"]}
    everything = json.dumps(list(ChangeEvent.objects.values_list("changes", flat=True)), ensure_ascii=False)
    for secret in ("a completely new secret 2026", PASSWORD, old_hash, worker.password):
        assert secret not in everything


def test_a_save_without_a_new_password_does_not_mention_it(world: World) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    worker = User.objects.get(pk=worker.pk)
    worker.job_title = "Социален работник"
    worker.save()
    assert events_of(worker)[-1].changes == {"job_title": ["", "Социален работник"]}


def test_a_password_changed_by_the_user_is_recorded_masked_with_the_user_as_actor(world: World) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    client = Client()
    client.force_login(worker)
    new = "a completely new secret 2026"

    response = client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )

    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.check_password(new)
    event = events_of(worker)[-1]
    assert event.actor == worker
    assert event.changes == {"password": ["•••", "•••"]}


def test_a_new_staff_members_password_is_masked_in_the_created_event(world: World) -> None:
    user = make_user("newcomer", world.organisation, Role.PEDAGOGUE, world.own)
    event = events_of(user)[0]
    assert event.action == ChangeAction.CREATED
    assert event.changes["password"] == [None, "•••"]
    assert event.organisation_id == world.organisation.pk
    assert "last_login" not in event.changes


def test_a_membership_event_belongs_to_the_users_organisation(world: World) -> None:
    membership = Membership.objects.get(user=world.users[Role.ADMINISTRATOR])
    (event,) = events_of(membership)
    assert event.organisation_id == world.organisation.pk


# --- Many-to-many ------------------------------------------------------------------------------------


@pytest.fixture
def programme(world: World) -> Programme:
    return Programme.objects.create(organisation=world.organisation, name="Обратно в клас", direction="prevent_dropout")


def test_programme_services_added_removed_and_cleared_are_recorded(world: World, programme: Programme) -> None:
    start = len(events_of(programme))
    programme.services.add(world.own, world.other)
    programme.services.remove(world.other)
    programme.services.add(world.own)  # already there: nothing changed, nothing recorded
    programme.services.add(world.other)
    programme.services.clear()

    changes = [event.changes for event in events_of(programme)[start:]]
    assert changes == [
        {"services": {"added": ["ЦОП Русе", "ЦОП Хисаря"]}},
        {"services": {"removed": ["ЦОП Хисаря"]}},
        {"services": {"added": ["ЦОП Хисаря"]}},
        {"services": {"cleared": ["ЦОП Русе", "ЦОП Хисаря"]}},
    ]
    with translation.override("en"):
        assert presented(events_of(programme)[-1]) == [("Services", "ЦОП Русе, ЦОП Хисаря", "—")]


def test_the_trail_shows_labels_not_codes(world: World) -> None:
    service = world.own
    service.kind = ServiceKind.GENERAL_ACCESS
    service.is_active = False
    service.save()
    with translation.override("en"):
        rows = {label: (before, after) for label, before, after in presented(events_of(service)[-1])}
    assert rows["Kind"] == ("Specialised", "General-access")
    assert rows["Active"] == ("yes", "no")


def test_programme_services_changed_through_the_form_are_recorded_with_the_actor(
    world: World, admin: User, admin_client: Client, programme: Programme
) -> None:
    programme.services.add(world.own)
    start = len(events_of(programme))

    response = admin_client.post(
        reverse("organisation:programme_edit", args=[programme.pk]),
        {"name": programme.name, "direction": programme.direction, "services": [world.other.pk], "is_active": "on"},
    )

    assert response.status_code == 302
    events = events_of(programme)[start:]
    assert {event.actor for event in events} == {admin}
    assert [event.changes for event in events] == [
        {"services": {"removed": ["ЦОП Русе"]}},
        {"services": {"added": ["ЦОП Хисаря"]}},
    ]


def test_programme_services_changed_from_the_services_side_are_recorded_on_the_programme(
    world: World, programme: Programme
) -> None:
    start = len(events_of(programme))
    world.own.programmes.add(programme)
    world.own.programmes.remove(programme)
    world.other.programmes.add(programme)
    world.other.programmes.clear()

    assert [event.changes for event in events_of(programme)[start:]] == [
        {"services": {"added": ["ЦОП Русе"]}},
        {"services": {"removed": ["ЦОП Русе"]}},
        {"services": {"added": ["ЦОП Хисаря"]}},
        {"services": {"removed": ["ЦОП Хисаря"]}},
    ]
    assert not ChangeEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Service), changes__has_key="programmes"
    ).exists()


# --- Append-only -------------------------------------------------------------------------------------


@pytest.fixture
def view_event(world: World) -> ViewEvent:
    return ViewEvent.objects.create(
        actor=world.users[Role.HEAD],
        outcome=ViewOutcome.VIEWED,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(world.users[Role.SOCIAL_WORKER].pk),
        path="/staff/1/",
    )


def test_a_change_event_cannot_be_changed_or_deleted(world: World) -> None:
    event = ChangeEvent.objects.order_by("id").first()
    assert event is not None
    original = event.object_repr
    event.object_repr = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert ChangeEvent.objects.get(pk=event.pk).object_repr == original


def test_a_view_event_cannot_be_changed_or_deleted(view_event: ViewEvent) -> None:
    view_event.path = "/elsewhere/"
    with pytest.raises(AppendOnlyError):
        view_event.save()
    with pytest.raises(AppendOnlyError):
        view_event.delete()
    assert ViewEvent.objects.get(pk=view_event.pk).path == "/staff/1/"


@pytest.mark.parametrize("table", ["audit_changeevent", "audit_viewevent"])
def test_the_database_refuses_a_raw_update_of_the_audit_trail(world: World, view_event: ViewEvent, table: str) -> None:
    model: type[ChangeEvent] | type[ViewEvent] = ChangeEvent if table == "audit_changeevent" else ViewEvent
    row = model.objects.order_by("id").first()
    assert row is not None
    column = "object_repr" if model is ChangeEvent else "path"
    original = getattr(row, column)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", ["rewritten", row.pk])  # noqa: S608

    assert getattr(model.objects.get(pk=row.pk), column) == original


def test_the_database_refuses_a_queryset_update_of_the_audit_trail(world: World) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        ChangeEvent.objects.update(object_repr="rewritten")
    assert not ChangeEvent.objects.filter(object_repr="rewritten").exists()


# --- Views of person-level pages ------------------------------------------------------------------------


def test_viewing_a_staff_member_writes_a_viewed_event(world: World) -> None:
    head = world.users[Role.HEAD]
    worker = world.users[Role.SOCIAL_WORKER]
    url = reverse("organisation:staff_detail", args=[worker.pk])

    response = world.client_for(Role.HEAD).get(url)

    assert response.status_code == 200
    event = ViewEvent.objects.get()
    assert event.actor == head
    assert event.outcome == ViewOutcome.VIEWED
    assert event.content_type == ContentType.objects.get_for_model(User)
    assert event.object_id == str(worker.pk)
    assert event.path == url


def test_a_refused_staff_page_writes_a_denied_event_and_no_viewed_one(world: World) -> None:
    outsider = world.outsider
    assert outsider is not None
    response = world.client_for(Role.HEAD).get(reverse("organisation:staff_detail", args=[outsider.pk]))
    assert response.status_code == 404
    event = ViewEvent.objects.get()
    assert event.outcome == ViewOutcome.DENIED
    assert event.object_id == str(outsider.pk)


def test_a_page_refused_for_want_of_permission_is_logged_as_a_refusal(world: World) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    url = reverse("organisation:staff_detail", args=[world.users[Role.HEAD].pk])

    response = world.client_for(Role.SOCIAL_WORKER).get(url)

    assert response.status_code == 403
    event = ViewEvent.objects.get()
    assert (event.actor, event.outcome, event.path) == (worker, ViewOutcome.FORBIDDEN, url)
    assert event.organisation_id == world.organisation.pk


def test_a_403_writes_one_line_to_the_server_log_without_a_traceback(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    url = reverse("organisation:staff_detail", args=[world.users[Role.HEAD].pk])

    with caplog.at_level("WARNING", logger="django.request"):
        response = world.client_for(Role.SOCIAL_WORKER).get(url)

    assert response.status_code == 403
    lines = [record for record in caplog.records if record.name == "django.request"]
    assert len(lines) == 1
    assert lines[0].exc_info is None
    assert url in lines[0].getMessage()


def test_a_403_page_is_the_projects_own_refusal_page(world: World) -> None:
    response = world.client_for(Role.SOCIAL_WORKER).get(
        reverse("organisation:staff_detail", args=[world.users[Role.HEAD].pk])
    )
    assert response.status_code == 403
    assert "<html" in response.content.decode()


# --- The audit pages ---------------------------------------------------------------------------------


@dataclass
class Elsewhere:
    organisation: Organisation
    service: Service
    admin: User
    worker: User
    client: Client


@pytest.fixture
def elsewhere(world: World) -> Elsewhere:
    """A second organisation whose staff and system changes and views leave their own trail."""
    organisation = Organisation.objects.create(name="Фондация „Другаде“", municipality="Варна")
    service = make_service(organisation, "Тайна услуга Варна", ServiceKind.SPECIALISED, "Варна", 9)
    admin = make_user("admin_elsewhere", organisation, Role.ADMINISTRATOR, None)
    worker = make_user("worker_elsewhere", organisation, Role.SOCIAL_WORKER, service)
    with acting_as(admin):
        service.address = "ул. Скрита 7"
        service.save()
    client = Client()
    client.force_login(admin)
    assert client.get(reverse("organisation:staff_detail", args=[worker.pk])).status_code == 200
    return Elsewhere(organisation=organisation, service=service, admin=admin, worker=worker, client=client)


def test_the_change_log_shows_the_changes_to_the_administrator(world: World, admin_client: Client) -> None:
    admin_client.post(
        reverse("organisation:service_edit", args=[world.own.pk]), service_form(world.own, address="ул. Видима 3")
    )

    response = admin_client.get(reverse("audit:audit_changes"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "ул. Видима 3" in content
    assert "ЦОП Русе" in content
    assert world.users[Role.ADMINISTRATOR].get_full_name() in content


def test_the_view_log_shows_the_views_to_the_administrator(world: World, admin_client: Client) -> None:
    url = reverse("organisation:staff_detail", args=[world.users[Role.PSYCHOLOGIST].pk])
    world.client_for(Role.HEAD).get(url)

    response = admin_client.get(reverse("audit:audit_views"))

    assert response.status_code == 200
    content = response.content.decode()
    assert url in content
    assert world.users[Role.HEAD].get_full_name() in content


def test_the_change_log_leaves_out_another_organisations_changes(
    world: World, admin_client: Client, elsewhere: Elsewhere
) -> None:
    world.own.address = "ул. Своя 1"
    world.own.save()  # a system change in this organisation: shown

    content = admin_client.get(reverse("audit:audit_changes")).content.decode()

    assert "ул. Своя 1" in content
    for foreign in ("Тайна услуга Варна", "ул. Скрита 7", "Фондация", "admin_elsewhere", "worker_elsewhere"):
        assert foreign not in content


def test_the_change_log_leaves_out_another_organisation_loaded_by_a_command(world: World, admin_client: Client) -> None:
    call_command("load_demo", stdout=StringIO())
    assert ChangeEvent.objects.filter(actor=None, object_repr__contains="Еквилибриум").exists()

    content = admin_client.get(reverse("audit:audit_changes")).content.decode()

    assert "Еквилибриум" not in content
    assert "ЦОП Русе" in content  # this organisation's own system changes are there


def test_the_other_administrator_sees_only_their_own_organisations_trail(
    world: World, admin_client: Client, elsewhere: Elsewhere
) -> None:
    admin_client.post(
        reverse("organisation:service_edit", args=[world.own.pk]), service_form(world.own, address="ул. Видима 3")
    )
    changes = elsewhere.client.get(reverse("audit:audit_changes")).content.decode()
    views = elsewhere.client.get(reverse("audit:audit_views")).content.decode()

    assert "ул. Скрита 7" in changes
    assert "ул. Видима 3" not in changes
    assert "ЦОП Русе" not in changes
    assert reverse("organisation:staff_detail", args=[elsewhere.worker.pk]) in views


def test_the_view_log_leaves_out_another_organisations_views(
    world: World, admin_client: Client, elsewhere: Elsewhere
) -> None:
    foreign_path = reverse("organisation:staff_detail", args=[elsewhere.worker.pk])
    assert ViewEvent.objects.filter(path=foreign_path).exists()

    content = admin_client.get(reverse("audit:audit_views")).content.decode()

    assert foreign_path not in content
    assert "Admin_elsewhere" not in content


def test_a_refusal_is_shown_to_the_records_organisation_and_not_to_the_outsiders(
    world: World, admin_client: Client, elsewhere: Elsewhere
) -> None:
    """Another organisation's administrator probing this organisation's ids learns nothing from their own
    log; this organisation's administrator sees the attempt."""
    probed = reverse("organisation:staff_detail", args=[world.users[Role.SOCIAL_WORKER].pk])
    missing = reverse(
        "organisation:staff_detail", args=[User.objects.order_by("-pk").values_list("pk", flat=True)[0] + 50]
    )

    assert elsewhere.client.get(probed).status_code == 404
    assert elsewhere.client.get(missing).status_code == 404

    theirs = elsewhere.client.get(reverse("audit:audit_views")).content.decode()
    ours = admin_client.get(reverse("audit:audit_views")).content.decode()
    assert probed not in theirs
    assert missing not in theirs
    assert probed in ours
    assert elsewhere.admin.get_full_name() in ours
    assert missing not in ours
    event = ViewEvent.objects.get(path=probed)
    assert (event.outcome, event.organisation_id) == (ViewOutcome.DENIED, world.organisation.pk)


def test_the_change_log_filters_by_record(world: World, admin_client: Client) -> None:
    world.own.address = "ул. Първа 1"
    world.own.save()
    world.other.address = "ул. Втора 2"
    world.other.save()

    content = admin_client.get(
        reverse("audit:audit_changes"), {"type": "organisation.service", "object": str(world.other.pk)}
    ).content.decode()

    assert "ул. Втора 2" in content
    assert "ул. Първа 1" not in content


def test_the_htmx_partial_returns_only_rows(world: World, admin_client: Client) -> None:
    world.own.address = "ул. Частична 5"
    world.own.save()

    partial = admin_client.get(reverse("audit:audit_changes"), headers={"HX-Request": "true"})
    full = admin_client.get(reverse("audit:audit_changes"))

    content = partial.content.decode()
    assert partial.status_code == 200
    assert "ул. Частична 5" in content
    assert content.lstrip().startswith("<tr")
    for page_part in ("<html", "<body", "<table", "<thead", "<nav", "<h1"):
        assert page_part not in content
        assert page_part in full.content.decode()


def test_a_boosted_htmx_request_gets_the_whole_page(world: World, admin_client: Client) -> None:
    response = admin_client.get(reverse("audit:audit_views"), headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.content.decode()


def older_link(content: str) -> str:
    """The query of the "Show older entries" link of a page or a partial ("" when there is none)."""
    found = re.search(r'hx-get="\?([^"]*)"', content)
    return html.unescape(found.group(1)) if found else ""


def test_the_htmx_partial_pages_through_older_entries(world: World, admin_client: Client) -> None:
    head = world.users[Role.HEAD]
    user_type = ContentType.objects.get_for_model(User)
    for number in range(PAGE_SIZE + 3):
        ViewEvent.objects.create(
            actor=head,
            organisation=world.organisation,
            outcome=ViewOutcome.VIEWED,
            content_type=user_type,
            object_id="1",
            path=f"/staff/page-{number}/",
        )

    first = admin_client.get(reverse("audit:audit_views"), headers={"HX-Request": "true"}).content.decode()
    second = admin_client.get(
        f"{reverse('audit:audit_views')}?{older_link(first)}", headers={"HX-Request": "true"}
    ).content.decode()

    assert first.count("<tr>") == PAGE_SIZE
    assert older_link(first).startswith("before=")
    assert second.count("<tr>") == 3
    assert {"/staff/page-0/", "/staff/page-1/", "/staff/page-2/"} == {
        f"/staff/page-{n}/" for n in range(PAGE_SIZE + 3) if f"/staff/page-{n}/<" in second
    }
    assert "<html" not in second
    assert older_link(second) == ""
