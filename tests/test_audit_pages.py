"""The audit pages as an administrator reads them: labels not codes, names not ids, Sofia time, filters and
pages that never count the table."""

import datetime
import html
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from opora.accounts.models import User
from opora.audit.context import acting_as
from opora.audit.models import ChangeAction, ChangeEvent, ViewEvent, ViewOutcome
from opora.audit.presenters import Names, field_changes, local_time
from opora.audit.views import PAGE_SIZE
from opora.cases.casework.models import CaseState
from opora.cases.casework.services import case_begin_assessment
from opora.cases.intake.models import Referral
from opora.cases.planning.models import Domain, PlanGoal
from opora.organisation.models import ActivityType, Organisation, Role, Service
from opora.people.models import Person
from tests.casework import accept, approved_assessment, make_referral, save_plan
from tests.conftest import Clock, World, make_person, make_user

MAX_QUERIES = 8


@pytest.fixture
def admin_client(world: World) -> Client:
    return world.client_for(Role.ADMINISTRATOR)


def text_of(content: bytes) -> str:
    """The page's text as a reader sees it: no tags, one space between words."""
    inline = re.sub(r"</?(span|a|time|code|strong)\b[^>]*>", "", content.decode())
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", inline)))


def changes_page(client: Client, **filters: str) -> str:
    response = client.get(reverse("audit:audit_changes"), filters)
    assert response.status_code == 200
    return text_of(response.content)


def views_page(client: Client, **filters: str) -> str:
    response = client.get(reverse("audit:audit_views"), filters)
    assert response.status_code == 200
    return text_of(response.content)


def change_event(
    world: World,
    *,
    model: type = Service,
    object_id: object = 1,
    changes: dict[str, object] | None = None,
    actor: User | None = None,
    action: str = ChangeAction.CHANGED,
) -> ChangeEvent:
    return ChangeEvent.objects.create(
        actor=actor,
        organisation=world.organisation,
        action=action,
        content_type=ContentType.objects.get_for_model(model),
        object_id=str(object_id),
        object_repr="Запис",
        changes=changes if changes is not None else {"address": ["", "ул. Нова 1"]},
    )


# --- Labels, not codes ----------------------------------------------------------------------------------


def test_a_case_moving_on_reads_as_its_states(world: World, admin_client: Client, child: Person) -> None:
    head = world.users[Role.HEAD]
    with acting_as(head):
        case = accept(make_referral(world.own, [child], head), head, world.users[Role.SOCIAL_WORKER])
        case_begin_assessment(case=case, by=head)

    content = changes_page(admin_client)

    accepted, assessment = str(CaseState.ACCEPTED.label), str(CaseState.ASSESSMENT.label)
    assert f"{accepted} → {assessment}" in content  # the case's state, and the transition's own name
    assert f"{case}: {accepted} → {assessment}" in content
    assert "accepted" not in content
    assert "→ assessment" not in content


def test_lists_of_codes_read_as_their_labels(world: World, child: Person) -> None:
    head = world.users[Role.HEAD]
    world.own.activity_types = [ActivityType.DAY_CARE, ActivityType.SHELTER]
    world.own.save()
    case = accept(make_referral(world.own, [child], head), head, world.users[Role.SOCIAL_WORKER])
    approved_assessment(case, world.users[Role.SOCIAL_WORKER], head)
    save_plan(case, world.users[Role.SOCIAL_WORKER])

    with translation.override("en"):
        service = {f: a for f, _b, a in presented(ChangeEvent.objects.filter(object_repr="ЦОП Русе").first())}
        goal_type = ContentType.objects.get_for_model(PlanGoal)
        goal = {f: a for f, _b, a in presented(ChangeEvent.objects.filter(content_type=goal_type).get())}
    assert service["Activity types"] == "Day care, Shelter"
    assert goal["Assessed needs"] == "Education"
    assert Domain.EDUCATION.value == "education"


def presented(event: ChangeEvent | None) -> list[tuple[str, str, str]]:
    assert event is not None
    return [(row.field, row.before, row.after) for row in field_changes(event, Names({}, {}))]


def test_field_names_and_record_types_are_translated(world: World, admin_client: Client) -> None:
    world.own.capacity = 61
    world.own.save()

    bulgarian = changes_page(admin_client)
    admin_client.post(reverse("set_language"), {"language": "en"})
    english = changes_page(admin_client)

    assert "Услуга ЦОП Русе" in bulgarian
    assert "Капацитет: 60 → 61" in bulgarian
    assert "Service ЦОП Русе" in english
    assert "Capacity: 60 → 61" in english
    assert "capacity" not in english


def test_a_new_record_lists_what_it_was_given_without_empty_fields_or_its_number(
    world: World, admin_client: Client
) -> None:
    with acting_as(world.users[Role.ADMINISTRATOR]):
        Service.objects.create(organisation=world.organisation, name="ЦОП Бяла", kind="specialised", capacity=5)

    after_label = changes_page(admin_client).split("Услуга ЦОП Бяла", 1)[1]
    row = re.split(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", after_label)[0]  # up to the next event's time
    assert "Наименование: ЦОП Бяла" in row
    assert "Капацитет: 5" in row
    assert "Адрес" not in row  # left empty
    assert "ID" not in row
    assert "— →" not in row


# --- Names, not ids -------------------------------------------------------------------------------------


def test_people_and_records_are_named_not_numbered(world: World, admin_client: Client, child: Person) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    with acting_as(worker):
        referral = make_referral(world.own, [child], worker)
    change_event(world, model=Person, object_id=child.pk, changes={"settlement": [None, 999]})

    content = changes_page(admin_client, type="cases.referral", object=str(referral.pk))

    assert "Social_worker Тестов (social_worker)" in content  # who, with the username
    assert f"Въведено от: {worker.get_full_name()} (social_worker)" in content  # a user in a value
    assert "Заявена услуга: ЦОП Русе" in content  # a record the trail saw created, by its name
    settlement = changes_page(admin_client, type="people.person", object=str(child.pk))
    assert "Населено място: — → населено място #999" in settlement  # never seen by the trail: type and number


def test_the_system_is_named_as_such(world: World, admin_client: Client) -> None:
    world.own.capacity = 61
    world.own.save()
    with translation.override("bg"):
        assert "системата" in changes_page(admin_client)


def test_the_view_log_names_who_looked_at_whom(world: World, admin_client: Client, child: Person) -> None:
    assert world.client_for(Role.HEAD).get(reverse("people:person_detail", args=[child.pk])).status_code == 200

    content = views_page(admin_client)

    assert f"Head Тестов (head) прегледан Лице {child}" in content


# --- Time --------------------------------------------------------------------------------------------------


def test_times_are_shown_in_sofia_in_the_bulgarian_format(world: World, admin_client: Client, clock: Clock) -> None:
    # 07:10 UTC on 2 March is 09:10 in Sofia (winter time, UTC+2).
    change_event(world, changes={"received_at": [None, clock.now.isoformat()]}, model=Referral, action="created")

    content = changes_page(admin_client)

    assert "02.03.2026 09:10" in content
    assert "07:10" not in content
    assert clock.now.isoformat() not in content  # a moment kept in a value is local time too


def test_local_time_does_not_follow_the_requests_zone(world: World) -> None:
    summer = datetime.datetime(2026, 7, 1, 21, 30, tzinfo=datetime.UTC)  # 00:30 the next day in Sofia (UTC+3)
    with timezone.override("UTC"), translation.override("en"):
        assert local_time(summer) == "02.07.2026 00:30"


# --- Filters ---------------------------------------------------------------------------------------------


@pytest.fixture
def two_services_changed(world: World) -> None:
    with acting_as(world.users[Role.ADMINISTRATOR]):
        world.own.address = "ул. Първа 1"
        world.own.save()
    world.other.address = "ул. Втора 2"
    world.other.save()  # by the system


def test_the_change_log_filters_by_record_type(world: World, admin_client: Client, child: Person) -> None:
    world.own.address = "ул. Първа 1"
    world.own.save()
    content = changes_page(admin_client, type="people.person")
    assert str(child) in content
    assert "ул. Първа 1" not in content


def test_the_change_log_filters_by_one_record(world: World, admin_client: Client, two_services_changed: None) -> None:
    content = changes_page(admin_client, type="organisation.service", object=str(world.other.pk))
    assert "ул. Втора 2" in content
    assert "ул. Първа 1" not in content


@pytest.mark.parametrize("junk", ["abc", "1 OR 1=1", "-5", "1.5", "1" * 23, "٣"])
def test_a_record_number_that_is_not_one_is_a_form_error(world: World, admin_client: Client, junk: str) -> None:
    response = admin_client.get(reverse("audit:audit_changes"), {"type": "organisation.service", "object": junk})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'class="errorlist' in content
    assert "Въведете номера на записа с цифри" in text_of(response.content)
    assert f'value="{html.escape(junk)}"' in content  # what was typed is kept
    assert "Поправете филтъра" in text_of(response.content)  # and nothing listed on a guess
    assert "<time" not in content


def test_a_record_number_without_its_type_is_a_form_error(world: World, admin_client: Client) -> None:
    content = changes_page(admin_client, object="12")
    assert "Изберете и вида на записа" in content


def test_an_unknown_record_type_is_a_form_error(world: World, admin_client: Client) -> None:
    content = changes_page(admin_client, type="auth.permission")
    assert "Поправете филтъра" in content


def test_the_change_log_filters_by_who(world: World, admin_client: Client, two_services_changed: None) -> None:
    admin = world.users[Role.ADMINISTRATOR]
    by_admin = changes_page(admin_client, user=str(admin.pk))
    by_system = changes_page(admin_client, user="system")
    assert "ул. Първа 1" in by_admin
    assert "ул. Втора 2" not in by_admin
    assert "ул. Втора 2" in by_system
    assert "ул. Първа 1" not in by_system


def test_the_who_filter_offers_only_the_organisations_staff(world: World, admin_client: Client) -> None:
    organisation = Organisation.objects.create(name="Другаде", municipality="Варна")
    stranger = make_user("stranger", organisation, Role.ADMINISTRATOR, None)
    content = changes_page(admin_client, user=str(stranger.pk))
    assert "stranger" not in content.split("Поправете филтъра")[0]
    assert "Поправете филтъра" in content  # not one of the choices


def test_the_change_log_filters_by_action(world: World, admin_client: Client, two_services_changed: None) -> None:
    created = changes_page(admin_client, action="created")
    changed = changes_page(admin_client, action="changed")
    assert "ул. Първа 1" not in created
    assert "ул. Първа 1" in changed
    assert "създаване" in created
    assert "Капацитет: 60" in created  # the services' creation


def test_the_change_log_filters_by_days_of_sofia(world: World, admin_client: Client, clock: Clock) -> None:
    clock.now = datetime.datetime(2026, 3, 1, 21, 30, tzinfo=datetime.UTC)  # Sunday 1 March, 23:30 in Sofia
    change_event(world, changes={"address": ["", "в неделя вечер"]})
    clock.now = datetime.datetime(2026, 3, 1, 22, 30, tzinfo=datetime.UTC)  # 2 March, 00:30 in Sofia
    change_event(world, changes={"address": ["", "в понеделник"]})
    clock.now = datetime.datetime(2026, 3, 4, 9, 0, tzinfo=datetime.UTC)
    change_event(world, changes={"address": ["", "в сряда"]})

    monday = changes_page(admin_client, since="2026-03-02", until="2026-03-02")
    from_monday = changes_page(admin_client, since="2026-03-02")
    to_sunday = changes_page(admin_client, until="2026-03-01")

    assert "в понеделник" in monday
    assert "в неделя вечер" not in monday
    assert "в сряда" not in monday
    assert "в сряда" in from_monday
    assert "в неделя вечер" not in from_monday
    assert "в неделя вечер" in to_sunday
    assert "в понеделник" not in to_sunday


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"since": "2026-03-05", "until": "2026-03-01"}, "Крайната дата е преди началната."),
        ({"since": "0001-01-01"}, "Въведете дата от 01.01.2000 нататък."),
        ({"until": "9999-12-31"}, "Въведете дата не по-късно от"),
        ({"until": "не е дата"}, "Въведете датата във вида дд.мм.гггг"),
        ({"until": "31.02.2026"}, "Датата 31.02.2026 не съществува: февруари 2026 г. има 28 дни."),
    ],
)
def test_a_date_range_that_is_not_one_is_a_form_error(
    world: World, admin_client: Client, filters: dict[str, str], message: str
) -> None:
    content = changes_page(admin_client, **filters)
    assert message in content
    assert "Поправете филтъра" in content


def test_the_view_log_filters_by_outcome_and_who(world: World, admin_client: Client, child: Person) -> None:
    head = world.users[Role.HEAD]
    world.client_for(Role.HEAD).get(reverse("people:person_detail", args=[child.pk]))
    world.client_for(Role.SOCIAL_WORKER).get(reverse("organisation:staff_detail", args=[head.pk]))  # 403: a refusal

    viewed = views_page(admin_client, action=ViewOutcome.VIEWED)
    refused = views_page(admin_client, action=ViewOutcome.FORBIDDEN)
    by_head = views_page(admin_client, user=str(head.pk))

    assert str(child) in viewed
    assert reverse("organisation:staff_detail", args=[head.pk]) not in viewed
    assert reverse("organisation:staff_detail", args=[head.pk]) in refused
    assert str(child) not in refused
    assert str(child) in by_head
    assert reverse("organisation:staff_detail", args=[head.pk]) not in by_head


def test_the_view_log_filters_by_record(world: World, admin_client: Client, child: Person) -> None:
    other = make_person(world.own, "Иван", "Петров")
    for person in (child, other):
        world.client_for(Role.HEAD).get(reverse("people:person_detail", args=[person.pk]))
    content = views_page(admin_client, type="people.person", object=str(other.pk))
    assert "Иван Петров" in content
    assert str(child) not in content


# --- Pages -----------------------------------------------------------------------------------------------


def older_query(content: str) -> str:
    found = re.search(r'hx-get="\?([^"]*)"', content)
    return html.unescape(found.group(1)) if found else ""


def test_pages_of_events_at_the_same_instant_miss_and_repeat_none(
    world: World, admin_client: Client, clock: Clock
) -> None:
    for number in range(PAGE_SIZE + 10):
        change_event(world, changes={"address": ["", f"адрес-{number}-"]})
    first = admin_client.get(reverse("audit:audit_changes"), {"action": "changed"}).content.decode()
    second = admin_client.get(f"{reverse('audit:audit_changes')}?{older_query(first)}").content.decode()

    shown = [re.findall(r"адрес-(\d+)-", page) for page in (first, second)]
    assert [int(n) for n in shown[0]] == list(range(PAGE_SIZE + 9, 9, -1))  # newest first
    assert [int(n) for n in shown[1]] == list(range(9, -1, -1))
    assert "action=changed" in older_query(first)  # the filter is kept from page to page
    assert "Към най-новите записи" in text_of(second.encode())
    assert older_query(second) == ""


def test_pages_are_never_counted(world: World, admin_client: Client) -> None:
    with CaptureQueriesContext(connection) as captured:
        admin_client.get(reverse("audit:audit_changes"))
        admin_client.get(reverse("audit:audit_views"))
    assert not [query for query in captured if "COUNT(" in query["sql"].upper() and "audit_" in query["sql"]]


@pytest.mark.parametrize("before", ["abc", "9" * 30, "-1", ""])
def test_a_cursor_that_is_not_one_gives_the_newest(world: World, admin_client: Client, before: str) -> None:
    world.own.address = "ул. Нова 9"
    world.own.save()
    assert "ул. Нова 9" in changes_page(admin_client, before=before)


def test_a_cursor_of_another_organisations_event_shows_nothing_of_it(world: World, admin_client: Client) -> None:
    organisation = Organisation.objects.create(name="Другаде", municipality="Варна")
    foreign = ChangeEvent.objects.create(
        organisation=organisation,
        action=ChangeAction.CHANGED,
        content_type=ContentType.objects.get_for_model(Organisation),
        object_id=str(organisation.pk),
        object_repr="Другаде",
        changes={"name": ["", "Другаде"]},
    )
    content = changes_page(admin_client, before=str(foreign.pk))
    assert "Другаде" not in content
    assert "Все още няма записи" in content


# --- Query budgets ---------------------------------------------------------------------------------------


def many_changes(world: World, count: int, child: Person) -> None:
    """``count`` changes of several kinds, each naming staff, services, people and unaudited records."""
    kinds: list[tuple[type, dict[str, object]]] = [
        (Referral, {"service": [None, world.own.pk], "recorded_by": [None, world.users[Role.HEAD].pk]}),
        (Person, {"settlement": [None, 7], "services": {"added": ["ЦОП Русе"]}}),
        (
            Service,
            {"organisation": [world.organisation.pk, world.organisation.pk], "kind": ["general_access", "specialised"]},
        ),
    ]
    for number in range(count):
        model, changes = kinds[number % len(kinds)]
        change_event(world, model=model, object_id=child.pk, changes=changes, actor=world.users[Role.HEAD])


def many_views(world: World, count: int, child: Person) -> None:
    kinds = [
        (Person, child.pk, ViewOutcome.VIEWED),
        (User, world.users[Role.HEAD].pk, ViewOutcome.DENIED),
        (None, "", ViewOutcome.FORBIDDEN),
    ]
    for number in range(count):
        model, object_id, outcome = kinds[number % len(kinds)]
        ViewEvent.objects.create(
            actor=world.users[Role.HEAD],
            organisation=world.organisation,
            outcome=outcome,
            content_type=ContentType.objects.get_for_model(model) if model else None,
            object_id=str(object_id),
            path=f"/people/{number}/",
        )


def queries_at(client: Client, url: str) -> int:
    client.get(url)  # warm the per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url_name", "make"), [("audit:audit_changes", many_changes), ("audit:audit_views", many_views)]
)
def test_each_audit_page_stays_within_its_query_budget_at_5_and_50_rows(
    world: World, admin_client: Client, child: Person, url_name: str, make: object
) -> None:
    url = reverse(url_name)
    ChangeEvent.objects.all().delete()
    ViewEvent.objects.all().delete()
    make(world, 5, child)  # type: ignore[operator]
    few = queries_at(admin_client, url)
    make(world, 45, child)  # type: ignore[operator]
    many = queries_at(admin_client, url)
    assert few <= MAX_QUERIES
    assert many <= MAX_QUERIES
    assert many == few


def test_a_long_list_of_fields_is_folded_and_a_short_one_is_not(world: World, admin_client: Client) -> None:
    world.own.capacity = 61
    world.own.save()  # one field changed

    content = admin_client.get(reverse("audit:audit_changes"), {"type": "organisation.service"}).content.decode()

    service_type = ContentType.objects.get_for_model(Service)
    creation = ChangeEvent.objects.filter(content_type=service_type, object_id=str(world.own.pk), action="created")
    created = len(presented(creation.first()))
    assert created > 3
    assert f"<summary>{created} полета</summary>" in content  # the service's creation, folded
    newest = content.split("<tbody", 1)[1].split("</tr>", 1)[0]
    assert "<details>" not in newest
    assert "Капацитет</span>: 60 → 61" in newest


def test_stored_values_of_any_shape_are_shown_not_raised(world: World, admin_client: Client) -> None:
    """The trail outlives the code that wrote it: odd values (a field since removed, a nested list, a moment
    that is not one) are shown as they are."""
    change_event(
        world,
        changes={
            "activity_types": [None, [{"nested": 1}, "day_care"]],
            "removed_long_ago": ["a", "b"],
            "created_at": ["вчера", None],
            "capacity": [None, {"odd": True}],
        },
    )
    content = changes_page(admin_client)
    assert "removed_long_ago: a → b" in content
    with translation.override("bg"):
        assert f"{{'nested': 1}}, {ActivityType.DAY_CARE.label}" in content
