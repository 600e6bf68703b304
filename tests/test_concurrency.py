"""Concurrent edits and the same ЕГН: a version is checked under the row's lock (twelve real sessions at
once on PostgreSQL: one save wins, eleven are told), two registrations of one ЕГН at once end in the form's
message, and a refused edit of a person shows who changed what, as the support plan does."""

import datetime
import random
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opora.cases.casework.models import Case
from opora.cases.planning.models import Assessment
from opora.cases.planning.services import assessment_save
from opora.core.conflicts import StaleEdit
from opora.core.identifiers import fake_egn
from opora.core.phones import format_phone
from opora.deadlines.models import DeadlineRule
from opora.deadlines.rules import DEFINITIONS, SETTABLE, RuleCode
from opora.organisation.models import Role
from opora.people.models import IdentityKind, Person, PersonKind
from tests.casework import ALL_DOMAINS, accept, make_referral, save_assessment, worker
from tests.concurrency import postgresql_only, run_at_once
from tests.conftest import World, make_person, registrar

PARALLEL = 12
STALE_PERSON = "changed this person's record on"
STALE_RULES = "after you opened the page"


@pytest.fixture(autouse=True)
def _in_english(settings: Any) -> Iterator[None]:
    """Messages are checked in English (the Bulgarian ones are the translators' to change)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def martin(world: World) -> Person:
    return make_person(world.own, "Мартин", "Колев", birth_date=datetime.date(2016, 5, 12), sex="male")


def edit_post(person: Person, **changes: Any) -> dict[str, Any]:
    """The person's edit form as a browser sends it, read from the record as it is now."""
    data = {
        "kind": person.kind,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "identity_kind": person.identity_kind,
        "identifier": person.identifier,
        "address": person.address,
        "version": person.updated_at.isoformat(),
    }
    return data | changes


def post_at_once(browsers: list[Client], url: str, posts: list[dict[str, Any]]) -> list[Any]:
    """Each browser posts its form at the same moment, as a request of its own."""
    return run_at_once(*[partial(browser.post, url, data) for browser, data in zip(browsers, posts, strict=True)])


def refusals(responses: list[Any], message: str) -> list[Any]:
    """The responses that gave the form back with ``message`` above it."""
    return [
        response
        for response in responses
        if getattr(response, "status_code", None) == 200
        and message in " ".join(response.context["form"].non_field_errors())
    ]


def logged_in(world: World, role: str, count: int) -> list[Client]:
    """``count`` browsers of the user in ``role``, each with its own session."""
    return [world.client_for(role) for _ in range(count)]


# --- A person: the version is checked under the lock ------------------------------------------------------


@postgresql_only
def test_twelve_parallel_saves_of_one_version_of_a_person_one_is_saved_eleven_are_told(
    transactional_db: None, world: World, martin: Person
) -> None:
    url = reverse("people:person_edit", args=[martin.pk])
    browsers = logged_in(world, Role.SOCIAL_WORKER, PARALLEL)
    posts = [edit_post(martin, address=f"адрес {index}") for index in range(PARALLEL)]

    responses = post_at_once(browsers, url, posts)

    saved = [index for index, response in enumerate(responses) if getattr(response, "status_code", None) == 302]
    told = refusals(responses, STALE_PERSON)
    assert (len(saved), len(told)) == (1, PARALLEL - 1), responses
    martin.refresh_from_db()
    assert martin.address == f"адрес {saved[0]}"


def test_a_save_from_a_person_read_before_a_colleagues_save_is_refused_in_the_service(
    world: World, martin: Person
) -> None:
    from opora.people.services import person_update

    read_at = martin.updated_at.isoformat()
    colleague = Person.objects.get(pk=martin.pk)
    colleague.address = "от колегата"
    person_update(by=registrar(colleague), person=colleague, version=read_at)
    mine = Person.objects.get(pk=martin.pk)
    mine.address = "моят"

    with pytest.raises(StaleEdit):
        person_update(by=registrar(mine), person=mine, version=read_at)

    martin.refresh_from_db()
    assert martin.address == "от колегата"


# --- Two registrations of one ЕГН at once ------------------------------------------------------------------


def registration(world: World, egn: str, first_name: str) -> dict[str, Any]:
    return {
        "service": world.own.pk,
        "kind": PersonKind.CHILD,
        "first_name": first_name,
        "last_name": "Колев",
        "identity_kind": IdentityKind.EGN,
        "identifier": egn,
        "address": "ул. „Липа“ 1",
        # Both were told the other may be the same child and went on: the ЕГН alone must stop the second.
        "different_person": "on",
    }


@postgresql_only
def test_two_parallel_registrations_of_one_egn_the_second_is_told_next_to_the_number(
    transactional_db: None, world: World
) -> None:
    egn = fake_egn(datetime.date(2019, 4, 2), "male", random.Random(7))
    browsers = logged_in(world, Role.SOCIAL_WORKER, 2)
    posts = [registration(world, egn, "Мартин"), registration(world, egn, "Марин")]
    url = reverse("people:person_create")

    responses = post_at_once(browsers, url, posts)

    assert sorted(getattr(response, "status_code", repr(response)) for response in responses) == [200, 302]
    refused = next(response for response in responses if response.status_code == 200)
    form = refused.context["form"]
    assert list(form.errors) == ["identifier"]
    assert "This number is already registered, for" in form.errors["identifier"][0]
    assert form["first_name"].value() in {"Мартин", "Марин"}
    assert form["identifier"].value() == egn
    assert Person.objects.count() == 1


# --- A refused person edit shows what changed ---------------------------------------------------------------


def test_a_refused_person_edit_shows_who_changed_what_and_saving_again_replaces_it_knowingly(
    world: World, martin: Person
) -> None:
    url = reverse("people:person_edit", args=[martin.pk])
    read = edit_post(martin)
    head = world.client_for(Role.HEAD)
    assert head.post(url, read | {"address": "ул. „Дъб“ 2", "phone": "0899 765 432"}).status_code == 302

    mine = read | {"address": "ул. „Бор“ 5", "first_name": "Мартин-Иван"}
    worker_page = world.client_for(Role.SOCIAL_WORKER)
    refused = worker_page.post(url, mine)

    assert refused.status_code == 200
    content = refused.content.decode()
    assert f"{world.users[Role.HEAD]} {STALE_PERSON}" in refused.context["form"].non_field_errors()[0]
    assert "Someone else saved this person&#x27;s record while you were editing it" in content
    rows = refused.context["conflict"]["rows"]
    assert ("Address", "ул. „Дъб“ 2", "ул. „Бор“ 5") in rows
    assert ("First name", "Мартин", "Мартин-Иван") in rows
    assert ("Phone", format_phone(Person.objects.get(pk=martin.pk).phone), "—") in rows
    assert "What you typed" in content
    form = refused.context["form"]
    assert form["address"].value() == "ул. „Бор“ 5"
    martin.refresh_from_db()
    assert martin.address == "ул. „Дъб“ 2"
    # The hidden version has moved on: saving again replaces the colleague's change, knowing it.
    assert form["version"].value() == martin.updated_at.isoformat()
    again = worker_page.post(url, {**form.data})
    assert again.status_code == 302
    martin.refresh_from_db()
    assert (martin.address, martin.first_name, martin.phone) == ("ул. „Бор“ 5", "Мартин-Иван", "")


def test_the_conflict_never_shows_a_hidden_egn_to_whom_may_not_see_it(world: World, martin: Person) -> None:
    url = reverse("people:person_edit", args=[martin.pk])
    read = edit_post(martin, identifier="")
    assert world.client_for(Role.HEAD).post(url, edit_post(martin, address="ново")).status_code == 302

    refused = world.client_for(Role.PSYCHOLOGIST).post(url, read | {"address": "друго"})

    assert refused.status_code == 200
    assert martin.identifier not in refused.content.decode()
    assert all(label != "Number" for label, _theirs, _yours in refused.context["conflict"]["rows"])


# --- The support plan's documents: twelve at once ----------------------------------------------------------


@postgresql_only
def test_twelve_parallel_saves_of_one_assessment_version_one_is_saved_eleven_are_told(
    transactional_db: None, world: World, martin: Person
) -> None:
    case = accept(make_referral(world.own, [martin], worker(world)), world.users[Role.HEAD], worker(world))
    loaded = save_assessment(case, worker(world), summary="Версия N.")

    def save(summary: str) -> Callable[[], Assessment]:
        return lambda: assessment_save(
            case=Case.objects.get(pk=case.pk),
            by=worker(world),
            values={"assessed_on": loaded.assessed_on, "risk_level": "medium", "summary": summary},
            domains=ALL_DOMAINS,
            heard_children=[],
            based_on=loaded.pk,
            edit_version=loaded.edit_version,
        )

    results = run_at_once(*[save(f"Запис {index}") for index in range(PARALLEL)])

    won = [result for result in results if isinstance(result, Assessment)]
    refused = [result for result in results if isinstance(result, StaleEdit)]
    assert (len(won), len(refused)) == (1, PARALLEL - 1), results
    loaded.refresh_from_db()
    assert loaded.summary == won[0].summary


# --- The organisation's time limits ------------------------------------------------------------------------


def rules_post(version: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"version": version}
    for code in SETTABLE:
        definition = DEFINITIONS[code]
        data[f"{code}-amount"] = definition.default_amount
        data[f"{code}-counts_from"] = definition.default_anchor
        data[f"{code}-is_active"] = "on"
    return data | changes


def rules_version(client: Client) -> str:
    return str(client.get(reverse("deadlines:deadline_rules")).context["form"]["version"].value() or "")


def test_a_time_limits_save_from_a_page_read_before_a_colleagues_save_is_refused_and_kept(world: World) -> None:
    first, second = logged_in(world, Role.ADMINISTRATOR, 2)
    read = rules_version(first)
    assert rules_version(second) == read
    assert (
        first.post(
            reverse("deadlines:deadline_rules"), rules_post(read, **{"needs_assessment-amount": "30"})
        ).status_code
        == 302
    )

    refused = second.post(reverse("deadlines:deadline_rules"), rules_post(read, **{"plan_review-amount": "9"}))

    assert refused.status_code == 200
    assert STALE_RULES in refused.content.decode()
    form = refused.context["form"]
    assert form["plan_review-amount"].value() == "9"
    assert DeadlineRule.objects.get(code=RuleCode.NEEDS_ASSESSMENT).amount == 30
    assert not DeadlineRule.objects.filter(amount=9).exists()
    # Saving again from the refused page (it carries the version as it is now) is a deliberate choice.
    again = second.post(reverse("deadlines:deadline_rules"), {**form.data})
    assert again.status_code == 302
    assert DeadlineRule.objects.get(code=RuleCode.PLAN_REVIEW).amount == 9


@postgresql_only
def test_twelve_parallel_saves_of_the_time_limits_one_is_saved_eleven_are_told(
    transactional_db: None, world: World
) -> None:
    browsers = logged_in(world, Role.ADMINISTRATOR, PARALLEL)
    read = rules_version(browsers[0])
    url = reverse("deadlines:deadline_rules")
    posts = [rules_post(read, **{"needs_assessment-amount": str(10 + index)}) for index in range(PARALLEL)]

    responses = post_at_once(browsers, url, posts)

    saved = [index for index, response in enumerate(responses) if getattr(response, "status_code", None) == 302]
    told = refusals(responses, STALE_RULES)
    assert (len(saved), len(told)) == (1, PARALLEL - 1), responses
    assert DeadlineRule.objects.get(code=RuleCode.NEEDS_ASSESSMENT).amount == 10 + saved[0]
