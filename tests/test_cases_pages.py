"""The pages of intake and case work: recording a referral (with its file), triage, a case's moves and
completing a task; what each form refuses and keeps; who reaches which page; the private file; the view
log; and lists that cost the same queries whatever their length."""

import datetime
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from opora.audit.models import ChangeEvent, ViewEvent, ViewOutcome
from opora.cases.casework.models import Case, CaseOutcome, CaseState
from opora.cases.casework.services import case_close
from opora.cases.intake.models import Referral, ReferralStatus
from opora.cases.intake.services import referral_waitlist
from opora.deadlines.rules import RuleCode
from opora.organisation.models import Role, ServiceKind
from opora.people.models import Person
from opora.places.ekatte import load_shipped_extract
from opora.places.models import Settlement
from tests.casework import PDF, accept, assessment_file, head, make_referral, worker
from tests.conftest import World, make_person


@pytest.fixture(autouse=True)
def _in_english(settings: Any) -> Iterator[None]:
    """The messages are checked in English: the Bulgarian ones are the translators' to change."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def child(world: World) -> Person:
    return make_person(world.own, "Мартин", "Колев")


def client(world: World, role: str) -> Client:
    return world.client_for(role)


def errors_of(response: Any, form: str = "form") -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return {name: [str(message) for message in messages] for name, messages in response.context[form].errors.items()}


def local(moment: datetime.datetime) -> str:
    """A time as the browser's date-and-time field sends it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def referral_form(world: World, child: Person, **changes: Any) -> dict[str, Any]:
    """The referral form of Scenario 1 as the head fills it in: a referral from ОЗД Русе."""
    data: dict[str, Any] = {
        "service": world.own.pk,
        "kind": "referral",
        "source": "child_protection",
        "referring_institution": "ОЗД към ДСП Русе",
        "referring_person": "Иванка Петрова, социален работник, 082 800 000",
        "document_number": "ЗД/Д-Р-123",
        "received_at": local(timezone.now() - datetime.timedelta(hours=1)),
        "people": [child.pk],
        "home_municipality": "Русе",
        "reasons": "Отсъства от училище; конфликти у дома.",
        "preliminary_assessment": "",
        "preliminary_assessment_file": assessment_file(),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- Recording a referral --------------------------------------------------------------------------------


def test_the_head_records_a_referral_with_the_scanned_preliminary_assessment(world: World, child: Person) -> None:
    response = client(world, Role.HEAD).post(reverse("cases:referral_create"), referral_form(world, child))

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:referral_detail", args=[referral.pk])
    assert (referral.status, referral.recorded_by, list(referral.people.all())) == (
        ReferralStatus.NEW,
        world.users[Role.HEAD],
        [child],
    )
    assert referral.preliminary_assessment_filename == "оценка.pdf"
    # On disk under a random name, in the private storage, nowhere the web server serves.
    stored = Path(referral.preliminary_assessment_file.path)
    private: Any = settings.STORAGES["private"]
    assert stored.is_relative_to(Path(private["OPTIONS"]["location"]))
    assert "оценка" not in stored.name
    assert stored.read_bytes() == PDF
    assert ChangeEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Referral), object_id=str(referral.pk), action="created"
    ).exists()


def test_the_file_is_downloaded_through_the_access_check_and_the_look_is_logged(world: World, child: Person) -> None:
    referral = make_referral(world.own, [child], world.users[Role.HEAD], preliminary_assessment_file=assessment_file())
    url = reverse("cases:referral_assessment_file", args=[referral.pk])

    response = client(world, Role.PSYCHOLOGIST).get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%D0%BE%D1%86%D0%B5%D0%BD%D0%BA%D0%B0.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert ViewEvent.objects.filter(path=url, outcome=ViewOutcome.VIEWED).exists()
    outsider = Client()
    outsider.force_login(world.outsider)  # type: ignore[arg-type]
    assert outsider.get(url).status_code == 404
    assert ViewEvent.objects.filter(path=url, outcome=ViewOutcome.DENIED, actor=world.outsider).exists()


def test_a_refused_referral_keeps_everything_typed_and_the_file(world: World, child: Person) -> None:
    data = referral_form(world, child, reasons="", urgent="on", violence_concern="on")

    response = client(world, Role.SOCIAL_WORKER).post(reverse("cases:referral_create"), data)

    errors = errors_of(response)
    assert errors["reasons"] == ["This field is required."]
    assert "preliminary_assessment_file" not in errors
    form = response.context["form"]
    assert form.kept is not None
    assert form.kept[1] == "оценка.pdf"
    for name in ("referring_institution", "referring_person", "document_number", "home_municipality", "received_at"):
        assert form[name].value() == data[name], name
    assert form["urgent"].value() is True
    assert form["violence_concern"].value() is True
    content = response.content.decode()
    assert "Иванка Петрова, социален работник, 082 800 000" in content
    ticked = re.findall(r'<input type="checkbox" name="people" value="(\d+)"[^>]* checked>', content)
    assert ticked == [str(child.pk)]  # the child chosen is still chosen (a chip, with script)
    assert 'id="id_reasons_error"' in content  # the message is next to its field
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("оценка.exe", b"MZ\x90\x00"), "Attach a PDF, a picture (JPEG, PNG) or a document"),
        (SimpleUploadedFile("оценка.pdf", b"<html>not a pdf</html>"), "The file's content is not a PDF document"),
        (SimpleUploadedFile("снимка.png", PDF), "The file's content is not a PNG document"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_next_to_the_file(
    world: World, child: Person, upload: SimpleUploadedFile, message: str
) -> None:
    response = client(world, Role.SOCIAL_WORKER).post(
        reverse("cases:referral_create"), referral_form(world, child, preliminary_assessment_file=upload)
    )
    assert errors_of(response)["preliminary_assessment_file"][0].startswith(message)
    assert not Referral.objects.exists()


def test_a_file_larger_than_the_limit_is_refused(world: World, child: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("opora.cases.intake.services.MAX_ASSESSMENT_FILE_MB", 0)
    response = client(world, Role.SOCIAL_WORKER).post(reverse("cases:referral_create"), referral_form(world, child))
    assert "larger than 0 MB" in errors_of(response)["preliminary_assessment_file"][0]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"preliminary_assessment_file": None},
            "preliminary_assessment",
            "Every referral carries a preliminary assessment (Social Services Act, art. 73)",
        ),
        ({"source": "self", "referring_institution": ""}, "kind", "A person who asks for support themselves"),
        ({"referring_institution": ""}, "referring_institution", "Name the institution"),
        ({"child_alone": "on"}, "child_alone", "A child who comes alone refers themselves"),
        ({"people": []}, "people", "This field is required."),
        ({"received_at": "2099-01-01T10:00"}, "received_at", "This is in the future"),
        ({"received_at": "вчера"}, "received_at", "Type the date as dd.mm.yyyy"),
        ({"service": None}, "service", "This field is required."),
    ],
)
def test_each_referral_rule_is_told_next_to_its_field(
    world: World, child: Person, changes: dict[str, Any], field: str, message: str
) -> None:
    response = client(world, Role.SOCIAL_WORKER).post(
        reverse("cases:referral_create"), referral_form(world, child, **changes)
    )
    assert errors_of(response)[field][0].startswith(message)
    assert not Referral.objects.exists()


def test_a_child_alone_must_be_a_child(world: World) -> None:
    mother = make_person(world.own, "Петя", "Колева", kind="parent", sex="female", birth_date=datetime.date(1990, 3, 4))
    data = referral_form(world, mother, kind="request", source="self", referring_institution="", child_alone="on")
    response = client(world, Role.SOCIAL_WORKER).post(reverse("cases:referral_create"), data)
    assert errors_of(response)["child_alone"] == ["None of the people chosen is registered as a child."]


def test_the_municipality_comes_from_the_address_when_left_empty(world: World) -> None:
    load_shipped_extract()
    hisarya = Settlement.objects.get(name="Хисаря")
    child = make_person(world.own, "Стоян", "Хисарски", settlement=hisarya)
    client(world, Role.SOCIAL_WORKER).post(
        reverse("cases:referral_create"), referral_form(world, child, home_municipality="")
    )
    referral = Referral.objects.get()
    assert referral.home_municipality == hisarya.municipality.name
    assert referral.from_other_municipality


def test_without_an_address_the_municipality_must_be_typed(world: World, child: Person) -> None:
    response = client(world, Role.SOCIAL_WORKER).post(
        reverse("cases:referral_create"), referral_form(world, child, home_municipality="")
    )
    assert "Type the municipality" in errors_of(response)["home_municipality"][0]


def test_only_people_and_services_the_user_may_reach_can_be_chosen(world: World, child: Person) -> None:
    stranger = make_person(world.other, "Стоян", "Хисарски")
    response = client(world, Role.SOCIAL_WORKER).post(
        reverse("cases:referral_create"), referral_form(world, stranger, service=world.other.pk)
    )
    errors = errors_of(response)
    assert "people" in errors
    assert "service" in errors
    assert "Хисарски" not in response.content.decode()


def test_a_child_who_comes_alone_is_recorded_and_the_task_is_on_the_home_pages(world: World, child: Person) -> None:
    data = referral_form(
        world,
        child,
        kind="request",
        source="self",
        referring_institution="",
        child_alone="on",
        violence_concern="on",
        preliminary_assessment_file=None,
    )
    client(world, Role.SOCIAL_WORKER).post(reverse("cases:referral_create"), data)
    referral = Referral.objects.get()
    assert set(referral.tasks.values_list("kind", flat=True)) == {
        RuleCode.NOTIFY_CHILD_ALONE,
        RuleCode.VIOLENCE_COORDINATION,
    }
    for role in (Role.HEAD, Role.SOCIAL_WORKER):
        content = client(world, role).get(reverse("ui:home")).content.decode()
        assert "Notify the child protection department and the parents" in content
        assert "Coordinate with the child protection department on the violence signal" in content
    assert "Notify the child protection" not in client(world, Role.VOLUNTEER).get(reverse("ui:home")).content.decode()


def test_the_home_page_names_the_child_of_each_task(world: World, child: Person) -> None:
    """A row says whom the task is about, as My tasks does: the people of its referral, or of its case."""
    mother = make_person(world.own, "Петя", "Колева", kind="parent", sex="female", egn=False)
    on_referral = make_referral(world.own, [child, mother], head(world), violence_concern=True)
    other_child = make_person(world.own, "Иван", "Петров", egn=False)
    accepted = make_referral(world.own, [other_child], head(world), violence_concern=True)
    case = accept(accepted, head(world), worker(world))
    assert case.tasks.exists()

    page = client(world, Role.SOCIAL_WORKER).get(reverse("ui:home"))

    rows = {task.referral_id: cell for task, cell in zip(_home_tasks_of(page), _record_cells(page), strict=True)}
    assert "Мартин Колев" in rows[on_referral.pk]
    assert "Петя Колева" in rows[on_referral.pk]
    assert "Иван Петров" in rows[case.referral_id]
    assert "Мартин Колев" not in rows[case.referral_id]


def _home_tasks_of(page: Any) -> list[Any]:
    (panel,) = [panel for panel in page.context["panels"] if panel["template"] == "cases/_home_tasks.html"]
    return list(panel["context"]["tasks"])


def _record_cells(page: Any) -> list[str]:
    """The first cell of each row of the home page's table of tasks."""
    body = page.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row.split("</td>", 1)[0] for row in body.split("<tr>")[1:]]


# --- Triage ---------------------------------------------------------------------------------------------------


def triage(world: World, referral: Referral, role: str = Role.HEAD, **data: Any) -> Any:
    return client(world, role).post(reverse("cases:referral_triage", args=[referral.pk]), data)


def test_the_head_accepts_a_referral_into_a_case_and_goes_to_it(world: World, child: Person) -> None:
    referral = make_referral(world.own, [child], world.users[Role.SOCIAL_WORKER])
    psychologist = world.users[Role.PSYCHOLOGIST]

    response = triage(
        world,
        referral,
        decision="accept",
        case_manager=world.users[Role.SOCIAL_WORKER].pk,
        team=[psychologist.pk],
    )

    case = Case.objects.get()
    assert response["Location"] == reverse("cases:case_detail", args=[case.pk])
    assert list(case.team.all()) == [psychologist]


def test_a_refused_acceptance_keeps_the_choices_and_says_why_next_to_the_reason(world: World, child: Person) -> None:
    world.own.capacity = 1
    world.own.save()
    accept(
        make_referral(world.own, [make_person(world.own, "Иван", "Първанов")], world.users[Role.HEAD]),
        world.users[Role.HEAD],
        world.users[Role.SOCIAL_WORKER],
    )
    referral = make_referral(world.own, [child], world.users[Role.SOCIAL_WORKER])
    psychologist = world.users[Role.PSYCHOLOGIST]

    response = triage(
        world,
        referral,
        decision="accept",
        case_manager=world.users[Role.SOCIAL_WORKER].pk,
        team=[psychologist.pk],
    )

    errors = errors_of(response)
    assert errors["override_reason"][0].startswith("ЦОП Русе is full (1 of 1 places).")
    form = response.context["form"]
    assert form["decision"].value() == "accept"
    assert str(form["case_manager"].value()) == str(world.users[Role.SOCIAL_WORKER].pk)
    assert [str(pk) for pk in form["team"].value()] == [str(psychologist.pk)]
    assert Case.objects.count() == 1


def test_declining_without_a_ground_is_refused_next_to_the_fields_and_keeps_the_text(
    world: World, child: Person
) -> None:
    referral = make_referral(world.own, [child], world.users[Role.SOCIAL_WORKER])
    response = triage(world, referral, decision="decline", reason="Не е от целевата група.")
    errors = errors_of(response)
    assert errors == {"decline_ground": ["Choose the ground for declining."]}
    assert response.context["form"]["reason"].value() == "Не е от целевата група."
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW


def test_a_request_to_a_specialised_service_is_refused_next_to_the_decision(world: World, child: Person) -> None:
    request = make_referral(
        world.own, [child], world.users[Role.HEAD], kind="request", source="self", referring_institution=""
    )
    response = triage(world, request, decision="waitlist")
    assert "works only on a referral" in errors_of(response)["decision"][0]


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.MONITORING, Role.VOLUNTEER])
def test_only_the_head_may_post_a_triage_decision(world: World, child: Person, role: str) -> None:
    referral = make_referral(world.own, [child], world.users[Role.SOCIAL_WORKER])
    assert triage(world, referral, role, decision="waitlist").status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW


def test_the_triage_form_is_shown_to_the_head_only(world: World, child: Person) -> None:
    referral = make_referral(world.own, [child], world.users[Role.SOCIAL_WORKER])
    url = reverse("cases:referral_detail", args=[referral.pk])
    assert client(world, Role.HEAD).get(url).context["form"] is not None
    assert client(world, Role.SOCIAL_WORKER).get(url).context["form"] is None


def test_the_referral_page_and_the_waiting_list_show_the_place(world: World, child: Person) -> None:
    head = world.users[Role.HEAD]
    first = make_referral(world.own, [make_person(world.own, "Анна", "Първа", egn=False)], head)
    second = make_referral(world.own, [child], head)
    for referral in (first, second):
        referral_waitlist(referral=referral, by=head)

    page = client(world, Role.PSYCHOLOGIST).get(reverse("cases:referral_detail", args=[second.pk]))
    assert page.context["position"] == 2
    assert "place 2 on the waiting list" in page.content.decode()
    waiting = client(world, Role.PSYCHOLOGIST).get(reverse("cases:referral_waiting_list"))
    own_list = {service: rows for service, rows, _length in waiting.context["lists"]}[world.own]
    assert [(referral.pk, referral.position) for referral in own_list] == [(first.pk, 1), (second.pk, 2)]
    assert "Places taken: 0 of 60." in waiting.content.decode()
    listed = client(world, Role.PSYCHOLOGIST).get(reverse("cases:referral_list"))
    assert [(referral.pk, referral.position) for referral in listed.context["page"]] == [(second.pk, 2), (first.pk, 1)]


def test_the_waiting_lists_show_the_next_few_and_each_list_page_by_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a national scale a service has thousands waiting: the page of every service shows each list's next
    few and its length, and a service's own list is read a page at a time, places continuing from page to page."""
    from opora.cases.intake import views

    monkeypatch.setattr(views, "WAITING_PAGE", 5)
    head_of_service = world.users[Role.HEAD]
    start = timezone.now() - datetime.timedelta(days=30)
    waiting = []
    surnames = ["Ангелов", "Борисов", "Василев", "Георгиев", "Димов", "Евтимов", "Желев", "Захариев", "Иванов",
                "Йорданов", "Колев", "Лазаров", "Митев"]  # fmt: skip
    for number, surname in enumerate(surnames):
        person = make_person(world.own, "Дете", surname, egn=False)
        # Every third is urgent and so goes before everyone who is not, whenever it came.
        referral = make_referral(
            world.own, [person], head_of_service, received_at=start + datetime.timedelta(hours=number),
            urgent=number % 3 == 2,
        )  # fmt: skip
        referral_waitlist(referral=referral, by=head_of_service)
        waiting.append(referral)
    in_order = sorted(waiting, key=lambda referral: (not referral.urgent, referral.received_at))
    url = reverse("cases:referral_waiting_list")

    every = client(world, Role.PSYCHOLOGIST).get(url)
    lists = {service: (rows, length) for service, rows, length in every.context["lists"]}
    rows, length = lists[world.own]
    assert length == 13
    assert [(referral.pk, referral.position) for referral in rows] == [
        (referral.pk, place) for place, referral in enumerate(in_order[:10], start=1)
    ]
    assert f"?service={world.own.pk}" in every.content.decode()

    for number, places in ((1, range(1, 6)), (2, range(6, 11)), (3, range(11, 14))):
        page = client(world, Role.PSYCHOLOGIST).get(url, {"service": world.own.pk, "page": number})
        [(service, rows, length)] = page.context["lists"]
        assert service == world.own
        assert length == 13
        assert [(referral.pk, referral.position) for referral in rows] == [
            (in_order[place - 1].pk, place) for place in places
        ]
    assert client(world, Role.PSYCHOLOGIST).get(url, {"service": world.other.pk}).status_code == 404
    assert client(world, Role.PSYCHOLOGIST).get(url, {"service": "x"}).status_code == 404


# --- A case's moves ---------------------------------------------------------------------------------------------


@pytest.fixture
def case(world: World, child: Person) -> Case:
    referral = make_referral(world.own, [child], world.users[Role.SOCIAL_WORKER])
    return accept(referral, world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER])


def move(world: World, case: Case, role: str, **data: Any) -> Any:
    return client(world, role).post(reverse("cases:case_transition", args=[case.pk]), data)


def test_the_case_page_offers_only_the_moves_the_user_may_make(world: World, case: Case) -> None:
    url = reverse("cases:case_detail", args=[case.pk])
    assert [state for state, _label in client(world, Role.HEAD).get(url).context["moves"]] == ["assessment", "closed"]
    assert [state for state, _label in client(world, Role.SOCIAL_WORKER).get(url).context["moves"]] == ["assessment"]
    psychologist_page = client(world, Role.PSYCHOLOGIST).get(url)
    assert psychologist_page.context["moves"] == []
    assert 'name="to"' not in psychologist_page.content.decode()


def test_the_page_of_a_general_access_case_offers_support_at_once(world: World, child: Person) -> None:
    world.own.kind = ServiceKind.GENERAL_ACCESS
    world.own.save()
    referral = make_referral(world.own, [child], world.users[Role.SOCIAL_WORKER])
    case = accept(referral, world.users[Role.HEAD], world.users[Role.SOCIAL_WORKER])
    url = reverse("cases:case_detail", args=[case.pk])
    moves = [state for state, _label in client(world, Role.HEAD).get(url).context["moves"]]
    assert moves == ["assessment", "support", "closed"]

    assert move(world, case, Role.HEAD, to="support", reason="").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SUPPORT


def test_a_worker_starts_the_assessment_with_the_button(world: World, case: Case) -> None:
    response = move(world, case, Role.SOCIAL_WORKER, to="assessment", reason="")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSMENT


def test_closing_without_a_summary_or_an_outcome_is_refused_next_to_them(world: World, case: Case) -> None:
    response = move(world, case, Role.HEAD, to="closed", reason="")
    assert errors_of(response) == {
        "reason": ["Summarise the work with the case and why it closes."],
        "outcome": ["Choose the outcome of the case."],
    }
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_a_move_the_state_does_not_allow_is_refused_at_the_top_and_keeps_the_text(world: World, case: Case) -> None:
    response = move(world, case, Role.HEAD, to="support", reason="Планът е утвърден.")
    errors = errors_of(response)
    assert errors["__all__"][0].startswith("A case in the state “Accepted” cannot move to “Support”")
    assert response.context["form"]["reason"].value() == "Планът е утвърден."


def test_a_post_without_a_button_says_which_to_press(world: World, case: Case) -> None:
    response = move(world, case, Role.HEAD, reason="")
    assert errors_of(response) == {"to": ["Press the button of the state the case moves to."]}


@pytest.mark.parametrize(("role", "status"), [(Role.PSYCHOLOGIST, 403), (Role.MONITORING, 403), (Role.VOLUNTEER, 403)])
def test_a_role_that_does_not_work_cases_cannot_move_one(world: World, case: Case, role: str, status: int) -> None:
    assert move(world, case, role, to="assessment").status_code == status
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_a_worker_of_another_service_gets_404_and_the_attempt_is_logged(world: World, case: Case) -> None:
    outsider = Client()
    outsider.force_login(world.outsider)  # type: ignore[arg-type]
    assert case.referral is not None
    for url in (
        reverse("cases:case_detail", args=[case.pk]),
        reverse("cases:referral_detail", args=[case.referral.pk]),
    ):
        assert outsider.get(url).status_code == 404
        assert ViewEvent.objects.filter(path=url, outcome=ViewOutcome.DENIED).exists()
    assert outsider.post(reverse("cases:case_transition", args=[case.pk]), {"to": "assessment"}).status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_a_case_page_is_logged_as_viewed(world: World, case: Case) -> None:
    url = reverse("cases:case_detail", args=[case.pk])
    client(world, Role.PEDAGOGUE).get(url)
    assert ViewEvent.objects.filter(path=url, outcome=ViewOutcome.VIEWED, actor=world.users[Role.PEDAGOGUE]).exists()


def test_the_case_list_shows_open_cases_unless_asked_for_closed_ones(world: World, case: Case) -> None:
    case_close(case=case, by=world.users[Role.HEAD], reason="Приключи.", outcome=CaseOutcome.OTHER)
    worker = client(world, Role.SOCIAL_WORKER)
    assert list(worker.get(reverse("cases:case_list")).context["page"]) == []
    assert list(worker.get(reverse("cases:case_list") + "?state=closed").context["page"]) == [case]


# --- Tasks -----------------------------------------------------------------------------------------------------


def test_a_task_is_marked_done_with_what_was_done_and_leaves_the_home_page(world: World, child: Person) -> None:
    referral = make_referral(
        world.own,
        [child],
        world.users[Role.SOCIAL_WORKER],
        kind="request",
        source="self",
        referring_institution="",
        child_alone=True,
    )
    task = referral.tasks.get()
    url = reverse("cases:task_complete", args=[task.pk])
    worker = client(world, Role.SOCIAL_WORKER)

    refused = worker.post(url, {"notified_whom": "ОЗД Русе", "notified_at": "2026-03-02T10:00", "notified_how": ""})
    assert errors_of(refused) == {"notified_how": ["Choose how they were notified."]}
    assert "ОЗД Русе" in refused.content.decode()  # what was typed is kept
    refused = worker.post(
        url, {"notified_whom": "ОЗД Русе", "notified_at": "2999-01-01T10:00", "notified_how": "phone"}
    )
    assert errors_of(refused) == {"notified_at": ["This is in the future: type when they were notified."]}
    done = worker.post(
        url,
        {
            "notified_whom": "ОЗД по телефона",
            "notified_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "notified_how": "phone",
            "note": "Майката — лично.",
        },
    )

    assert done["Location"] == reverse("cases:referral_detail", args=[referral.pk])
    task.refresh_from_db()
    assert task.is_done
    assert task.title not in client(world, Role.HEAD).get(reverse("ui:home")).content.decode()
    assert "ОЗД по телефона" in worker.get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()


def test_monitoring_cannot_list_referrals_or_cases(world: World, case: Case) -> None:
    monitoring = client(world, Role.MONITORING)
    for name in ("cases:referral_list", "cases:referral_waiting_list", "cases:case_list"):
        assert monitoring.get(reverse(name)).status_code == 403
    assert "Колев" not in monitoring.get(reverse("ui:home")).content.decode()


# --- Lists cost the same queries for more rows --------------------------------------------------------------


def add_casework(world: World, count: int, prefix: str) -> None:
    head = world.users[Role.HEAD]
    for index in range(count):
        family = f"{prefix}{chr(0x430 + index)}"
        someone = make_person(world.own, "Дете", family, egn=False)
        mother = make_person(world.own, "Майка", family, kind="parent", sex="female", egn=False)
        referral = make_referral(world.own, [someone, mother], head)
        accept(referral, head, world.users[Role.SOCIAL_WORKER], override_reason="Вън от реда: за теста.")
        waiting = make_referral(world.own, [someone], head, violence_concern=True)
        referral_waitlist(referral=waiting, by=head)


@pytest.mark.parametrize(
    "url_name", ["cases:referral_list", "cases:referral_waiting_list", "cases:case_list", "ui:home"]
)
def test_a_list_costs_the_same_queries_for_more_rows(world: World, url_name: str) -> None:
    url = reverse(url_name) + ("?status=all" if url_name == "cases:referral_list" else "")
    head = client(world, Role.HEAD)

    def queries() -> int:
        head.get(url)  # warms per-process caches
        with CaptureQueriesContext(connection) as captured:
            assert head.get(url).status_code == 200
        return len(captured)

    add_casework(world, 2, "Малко")
    few = queries()
    add_casework(world, 8, "Много")
    assert queries() == few


def test_the_person_page_lists_the_persons_cases_and_referrals_and_offers_a_new_referral(world: World) -> None:
    child = make_person(world.own, "Мартин", "Колев")
    case = accept(make_referral(world.own, [child], worker(world)), head(world), worker(world))
    waiting = make_referral(world.own, [child], worker(world))

    page = world.client_for(Role.SOCIAL_WORKER).get(f"/people/{child.pk}/").content.decode()

    assert f'href="/cases/{case.pk}/"' in page
    assert f'href="/referrals/{waiting.pk}/"' in page
    assert f'href="/referrals/new/?person={child.pk}"' in page
