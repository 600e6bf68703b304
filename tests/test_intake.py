"""Intake: the referral's rules hold however it is recorded (the service, not the form, refuses), a
recorded referral and a plan review can be corrected (version checked under the lock, the audit trail
records what changed), the preliminary assessment's file survives a form with errors, and the head of
service links a referral to a child registered by another service (scenario 1)."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from opora.access import Perm, scope
from opora.audit.models import ChangeEvent
from opora.cases.casework.models import Case
from opora.cases.intake.forms import KEPT_FILE_SALT
from opora.cases.intake.models import PersonLink, Referral, ReferralKind, ReferralSource
from opora.cases.intake.services import person_link_to_service, referral_record
from opora.cases.planning.models import GoalStatus, PlanReview
from opora.cases.planning.services import plan_review_record
from opora.deadlines.rules import RuleCode
from opora.organisation.models import Role
from opora.people.models import Person, PersonKind
from tests.casework import PDF, accept, approved_assessment, approved_plan, assessment_file, head, make_referral, worker
from tests.conftest import World, make_person, make_user
from tests.test_cases_pages import errors_of, referral_form


@pytest.fixture(autouse=True)
def _in_english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def referral(world: World, **changes: Any) -> Referral:
    values: dict[str, Any] = {
        "service": world.own,
        "kind": ReferralKind.REFERRAL,
        "source": ReferralSource.CHILD_PROTECTION,
        "referring_institution": "ОЗД Русе",
        "reasons": "Отсъства от училище.",
        "preliminary_assessment": "Нужда от подкрепа.",
        "home_municipality": "Русе",
        "received_at": timezone.now() - datetime.timedelta(hours=1),
    }
    return Referral(**(values | changes))


# --- (a) The rules are the service's --------------------------------------------------------------------

REFUSED = [
    ({"preliminary_assessment": ""}, "preliminary_assessment", "art. 73"),
    ({"kind": ReferralKind.REFERRAL, "source": ReferralSource.SELF, "referring_institution": ""}, "kind", "request"),
    ({"referring_institution": ""}, "referring_institution", "Name the institution"),
    ({"child_alone": True}, "child_alone", "refers themselves"),
    ({"received_at": timezone.now() + datetime.timedelta(days=2)}, "received_at", "in the future"),
    ({"preliminary_assessment_file": assessment_file(content=b"not a pdf")}, "preliminary_assessment_file", "PDF"),
]


@pytest.mark.parametrize(("changes", "field", "message"), REFUSED)
def test_referral_record_refuses_what_the_form_refuses(
    world: World, child: Person, changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        referral_record(referral=referral(world, **changes), people=[child], by=worker(world))

    assert message in " ".join(refused.value.message_dict[field])
    assert not Referral.objects.exists()


def test_a_child_alone_must_be_a_child(world: World) -> None:
    mother = make_person(world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female")
    alone = referral(world, kind=ReferralKind.REQUEST, source=ReferralSource.SELF, child_alone=True)

    with pytest.raises(ValidationError) as refused:
        referral_record(referral=alone, people=[mother], by=worker(world))

    assert "registered as a child" in refused.value.message_dict["child_alone"][0]


def test_an_empty_municipality_is_taken_from_the_address_or_refused(world: World, child: Person) -> None:
    with pytest.raises(ValidationError) as refused:
        referral_record(referral=referral(world, home_municipality=""), people=[child], by=worker(world))

    assert "municipality" in refused.value.message_dict["home_municipality"][0]


def test_what_the_rules_allow_is_recorded(world: World, child: Person) -> None:
    recorded = referral_record(referral=referral(world), people=[child], by=worker(world))

    assert list(recorded.people.all()) == [child]
    assert recorded.recorded_by == world.users[Role.SOCIAL_WORKER]


# --- (b) Correcting a recorded referral ------------------------------------------------------------------


def changes_of(record: Any) -> list[dict[str, Any]]:
    events = ChangeEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk), action="changed"
    )
    return [event.changes for event in events.order_by("pk")]


def edit_data(world: World, child: Person, recorded: Referral, **changes: Any) -> dict[str, Any]:
    data = referral_form(world, child, preliminary_assessment="Нужда от подкрепа.", preliminary_assessment_file=None)
    return data | {"edit_version": recorded.edit_version} | changes


def test_the_worker_corrects_a_recorded_referral_and_the_audit_trail_says_what_changed(
    world: World, child: Person
) -> None:
    recorded = make_referral(world.own, [child], worker(world), document_number="ЗД/1")
    url = reverse("cases:referral_edit", args=[recorded.pk])

    response = world.client_for(Role.SOCIAL_WORKER).post(
        url, edit_data(world, child, recorded, document_number="ЗД/Д-Р-123", violence_concern="on")
    )

    assert response.status_code == 302
    recorded.refresh_from_db()
    assert (recorded.document_number, recorded.violence_concern, recorded.edit_version) == ("ЗД/Д-Р-123", True, 2)
    # The correction calls for the 24-hour clock: it starts now.
    assert recorded.tasks.filter(kind=RuleCode.VIOLENCE_COORDINATION).exists()
    changed = changes_of(recorded)[-1]
    assert changed["document_number"] == ["ЗД/1", "ЗД/Д-Р-123"]
    assert changed["violence_concern"] == [False, True]


def test_a_new_referral_starts_its_tasks_without_asking_which_it_has_and_a_correction_not_twice(
    world: World, child: Person
) -> None:
    """A referral being recorded has no task yet: finding out costs no query. A correction asks, and does not
    start again a task that is there."""
    with CaptureQueriesContext(connection) as recording:
        recorded = make_referral(world.own, [child], worker(world), violence_concern=True)
    reads = [query["sql"] for query in recording.captured_queries if query["sql"].startswith("SELECT")]
    # (The stored due items read the new task's facts by its id; nothing reads the referral's tasks.)
    assert not [sql for sql in reads if '"cases_casetask"."referral_id" = ' in sql], reads
    assert list(recorded.tasks.values_list("kind", flat=True)) == [RuleCode.VIOLENCE_COORDINATION]

    url = reverse("cases:referral_edit", args=[recorded.pk])
    client = world.client_for(Role.SOCIAL_WORKER)
    for number in ("ЗД/2", "ЗД/3"):
        recorded.refresh_from_db()
        data = edit_data(world, child, recorded, document_number=number, violence_concern="on")
        assert client.post(url, data).status_code == 302
    recorded.refresh_from_db()
    assert recorded.edit_version == 3
    assert list(recorded.tasks.values_list("kind", flat=True)) == [RuleCode.VIOLENCE_COORDINATION]


def test_a_stale_correction_is_refused_showing_the_difference_and_saving_again_replaces_it(
    world: World, child: Person
) -> None:
    recorded = make_referral(world.own, [child], worker(world), document_number="ЗД/1")
    url = reverse("cases:referral_edit", args=[recorded.pk])
    head = world.client_for(Role.HEAD)
    read = edit_data(world, child, recorded)
    assert head.post(url, read | {"document_number": "ЗД/2"}).status_code == 302  # the colleague's correction

    response = world.client_for(Role.SOCIAL_WORKER).post(url, read | {"document_number": "ЗД/3"})

    recorded.refresh_from_db()
    assert recorded.document_number == "ЗД/2"
    conflict = response.context["conflict"]
    assert any(row[1:] == ("ЗД/2", "ЗД/3") for row in conflict["rows"])
    form = response.context["form"]
    assert form["document_number"].value() == "ЗД/3"
    assert form["edit_version"].value() == "2"
    again = world.client_for(Role.SOCIAL_WORKER).post(url, read | {"document_number": "ЗД/3", "edit_version": 2})
    assert again.status_code == 302
    recorded.refresh_from_db()
    assert recorded.document_number == "ЗД/3"


def test_the_correction_is_refused_as_a_new_referral_would_be(world: World, child: Person) -> None:
    recorded = make_referral(world.own, [child], worker(world))
    url = reverse("cases:referral_edit", args=[recorded.pk])

    response = world.client_for(Role.SOCIAL_WORKER).post(
        url, edit_data(world, child, recorded, preliminary_assessment="")
    )

    assert "art. 73" in errors_of(response)["preliminary_assessment"][0]
    recorded.refresh_from_db()
    assert recorded.preliminary_assessment == "Нужда от подкрепа на семейството."


def test_only_those_who_record_referrals_in_its_service_correct_it(world: World, child: Person) -> None:
    recorded = make_referral(world.own, [child], worker(world))
    url = reverse("cases:referral_edit", args=[recorded.pk])

    assert world.client_for(Role.MONITORING).get(url).status_code == 403
    outsider = world.client_for(Role.SOCIAL_WORKER)
    outsider.force_login(world.outsider)  # type: ignore[arg-type]
    assert outsider.get(url).status_code == 404
    assert world.client_for(Role.HEAD).get(url).status_code == 200


# --- (c) The file survives a form with errors ------------------------------------------------------------


def test_the_kept_file_is_recorded_with_the_referral_once_the_errors_are_fixed(world: World, child: Person) -> None:
    worker_client = world.client_for(Role.SOCIAL_WORKER)
    first = worker_client.post(reverse("cases:referral_create"), referral_form(world, child, reasons=""))
    assert "reasons" in errors_of(first)
    token = first.context["form"]["kept_file"].value()
    assert "Kept: оценка.pdf" in first.content.decode()

    data = referral_form(world, child, preliminary_assessment_file=None) | {"kept_file": token}
    second = worker_client.post(reverse("cases:referral_create"), data)

    assert second.status_code == 302
    recorded = Referral.objects.get()
    assert recorded.preliminary_assessment_filename == "оценка.pdf"
    assert recorded.preliminary_assessment_file.read() == PDF


@pytest.mark.parametrize(
    "token",
    [
        "junk",
        "a" * 900,
        signing.dumps({"file": "../../settings.py", "name": "x.pdf", "user": 1}, salt=KEPT_FILE_SALT),
        signing.dumps({"file": "referrals/none.pdf", "name": "x.pdf", "user": 1}, salt=KEPT_FILE_SALT),
        signing.dumps(["referrals"], salt=KEPT_FILE_SALT),
        signing.dumps({"file": "referrals/x.pdf"}, salt="another purpose"),
    ],
)
def test_a_junk_or_foreign_token_is_refused_next_to_the_file(world: World, child: Person, token: str) -> None:
    data = referral_form(world, child, preliminary_assessment_file=None) | {"kept_file": token}

    response = world.client_for(Role.SOCIAL_WORKER).post(reverse("cases:referral_create"), data)

    assert "no longer kept" in errors_of(response)["preliminary_assessment_file"][0]
    assert not Referral.objects.exists()


def test_another_users_kept_file_is_not_theirs_to_take(world: World, child: Person) -> None:
    first = world.client_for(Role.SOCIAL_WORKER).post(
        reverse("cases:referral_create"), referral_form(world, child, reasons="")
    )
    token = first.context["form"]["kept_file"].value()
    data = referral_form(world, child, preliminary_assessment_file=None) | {"kept_file": token}

    response = world.client_for(Role.HEAD).post(reverse("cases:referral_create"), data)

    assert "no longer kept" in errors_of(response)["preliminary_assessment_file"][0]


# --- (b) Correcting a plan review --------------------------------------------------------------------------


@pytest.fixture
def review(world: World, child: Person) -> PlanReview:
    case = accept(make_referral(world.own, [child], worker(world)), head(world), worker(world))
    approved_assessment(case, worker(world), head(world))
    plan = approved_plan(case, worker(world), head(world))
    goal = plan.goals.get()
    return plan_review_record(
        case=case,
        by=worker(world),
        reviewed_on=timezone.localdate(),
        summary="Напредък.",
        progress={goal.pk: (GoalStatus.IN_PROGRESS, "")},
    )


def review_data(review: PlanReview, **changes: Any) -> dict[str, Any]:
    goal = review.plan.goals.get()
    data = {
        "reviewed_on": review.reviewed_on.isoformat(),
        "summary": review.summary,
        f"status_{goal.pk}": GoalStatus.IN_PROGRESS,
        f"note_{goal.pk}": "",
        "edit_version": review.edit_version,
    }
    return data | changes


def test_a_review_is_corrected_and_the_audit_trail_says_what_changed(world: World, review: PlanReview) -> None:
    goal = review.plan.goals.get()
    url = reverse("cases:review_edit", args=[review.pk])

    response = world.client_for(Role.SOCIAL_WORKER).post(
        url, review_data(review, summary="Посещава редовно.", **{f"status_{goal.pk}": GoalStatus.ACHIEVED})
    )

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.summary, review.edit_version) == ("Посещава редовно.", 2)
    assert review.progress.get().status == GoalStatus.ACHIEVED
    assert changes_of(review)[-1]["summary"] == ["Напредък.", "Посещава редовно."]
    assert changes_of(review.progress.get())[-1]["status"] == [GoalStatus.IN_PROGRESS, GoalStatus.ACHIEVED]


def test_a_stale_review_correction_is_refused_with_the_difference(world: World, review: PlanReview) -> None:
    url = reverse("cases:review_edit", args=[review.pk])
    read = review_data(review)
    assert world.client_for(Role.HEAD).post(url, read | {"summary": "Версия на ръководителя."}).status_code == 302

    response = world.client_for(Role.SOCIAL_WORKER).post(url, read | {"summary": "Моята версия."})

    review.refresh_from_db()
    assert review.summary == "Версия на ръководителя."
    assert any(row[1:] == ("Версия на ръководителя.", "Моята версия.") for row in response.context["conflict"]["rows"])
    assert response.context["form"]["summary"].value() == "Моята версия."
    assert response.context["form"]["edit_version"].value() == "2"


def test_only_those_who_write_the_case_documents_correct_a_review(world: World, review: PlanReview) -> None:
    url = reverse("cases:review_edit", args=[review.pk])
    outsider = world.client_for(Role.SOCIAL_WORKER)
    outsider.force_login(world.outsider)  # type: ignore[arg-type]

    assert outsider.get(url).status_code == 404
    assert world.client_for(Role.MONITORING).get(url).status_code == 403
    assert world.client_for(Role.SOCIAL_WORKER).get(url).status_code == 200


# --- (d) Scenario 1: the head links the referral to a child another service registered --------------------


@pytest.fixture
def other_head(world: World) -> Any:
    return make_user("otherhead", world.organisation, Role.HEAD, world.other)


@pytest.fixture
def martin_elsewhere(world: World, other_head: Any) -> Person:
    """Мартин as the other service registered him last spring (a typo in the family name), with a case there."""
    martin = make_person(world.other, "Мартин", "Колов", middle_name="Стоянов", birth_date=datetime.date(2018, 1, 10))
    assert world.outsider is not None
    accept(make_referral(world.other, [martin], other_head, home_municipality="Хисаря"), other_head, world.outsider)
    return martin


def offered_link(world: World, client: Any) -> str:
    """The link the duplicate check offers the head while she registers Мартин again."""
    response = client.post(
        reverse("people:person_create"),
        {
            "service": world.own.pk,
            "kind": PersonKind.CHILD,
            "first_name": "Мартин",
            "middle_name": "Стоянов",
            "last_name": "Колев",
            "identity_kind": "none",
            "no_identifier_reason": "Не е посочено в направлението",
            "birth_date": "2018-01-10",
            "sex": "male",
        },
    )
    [candidate] = [candidate for candidate in response.context["candidates"] if candidate.person is None]
    assert candidate.link
    assert "Колов" not in response.content.decode()
    return reverse("cases:person_link", args=[candidate.link])


def test_the_head_links_the_child_to_her_service_and_sees_him_not_the_other_services_case(
    world: World,
    martin_elsewhere: Person,
    other_head: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mails: list[tuple[str, str, list[str]]] = []
    monkeypatch.setattr(
        "opora.cases.intake.services.send_prepared_email",
        type("Mail", (), {"enqueue": staticmethod(lambda subject, body, to: mails.append((subject, body, to)))}),
    )
    notified = other_head
    head_user = world.users[Role.HEAD]
    assert not scope(head_user, Person.objects.filter(pk=martin_elsewhere.pk), Perm.PERSON_VIEW).exists()
    client = world.client_for(Role.HEAD)
    url = offered_link(world, client)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"service": world.own.pk, "reason": "Същото дете: име, дата на раждане, адрес."})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('cases:referral_create')}?person={martin_elsewhere.pk}"
    assert scope(head_user, Person.objects.filter(pk=martin_elsewhere.pk), Perm.PERSON_VIEW).exists()
    # Nothing of the other service's case or referral.
    assert not scope(head_user, Case.objects.filter(people=martin_elsewhere), Perm.CASE_VIEW).exists()
    assert not scope(head_user, Referral.objects.filter(people=martin_elsewhere), Perm.REFERRAL_VIEW).exists()
    link = PersonLink.objects.get()
    assert (link.person, link.service, link.by, link.registered_by) == (
        martin_elsewhere,
        world.own,
        head_user,
        world.other.name,
    )
    assert ChangeEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(PersonLink), object_id=str(link.pk), actor=head_user
    ).exists()
    [(subject, body, to)] = mails
    assert "ЦОП Русе" in subject
    assert to == [notified.email]
    assert "Същото дете" in body
    # The referral form now offers him.
    form = client.get(response["Location"]).context["form"]
    assert form["people"].value() == [martin_elsewhere.pk]


def test_a_link_needs_a_reason_and_a_head(world: World, martin_elsewhere: Person) -> None:
    client = world.client_for(Role.HEAD)
    url = offered_link(world, client)

    response = client.post(url, {"service": world.own.pk, "reason": " "})

    assert "reason" in errors_of(response)
    assert not PersonLink.objects.exists()
    assert world.client_for(Role.SOCIAL_WORKER).get(url).status_code == 403
    # The token stands for the person in the head's session only.
    other_session = world.client_for(Role.HEAD)
    assert other_session.get(url).status_code == 404


def test_person_link_to_service_checks_its_own_permission(world: World, martin_elsewhere: Person) -> None:
    with pytest.raises(PermissionDenied):
        person_link_to_service(
            person=martin_elsewhere, service=world.own, by=world.users[Role.SOCIAL_WORKER], reason="Същото дете."
        )
    assert not PersonLink.objects.exists()
