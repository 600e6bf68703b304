"""The support-plan editor keeps every row a worker did not remove: rows shown pre-filled and left untouched
are saved as they are, goals and activities are added and removed in place, tampered management forms give
a form error rather than a 500, and the stale-edit summary covers activities too.

The pages are posted the way a browser posts them: every field of the rendered form with its value."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from opora.cases.casework.models import Case
from opora.cases.casework.services import case_begin_assessment
from opora.cases.planning.models import SupportPlan
from opora.cases.planning.services import ActivityData
from opora.organisation.models import Role
from opora.people.models import Person
from tests.casework import a_goal, accept, approve, approved_assessment, head, make_referral, save_plan, worker
from tests.conftest import World, make_person


@pytest.fixture(autouse=True)
def _in_english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def child(world: World) -> Person:
    return make_person(world.own, "Мартин", "Колев", birth_date=datetime.date(2018, 1, 10))


@pytest.fixture
def case(world: World, child: Person) -> Case:
    case = accept(make_referral(world.own, [child], worker(world)), head(world), worker(world))
    case_begin_assessment(case=case, by=worker(world))
    approved_assessment(case, worker(world), head(world))
    return case


def _field_value(form: forms.BaseForm, name: str) -> Any:
    bound, field = form[name], form.fields[name]
    value = bound.value()
    if isinstance(field, forms.BooleanField):
        return "on" if value else None
    if isinstance(field, forms.MultipleChoiceField):
        return [str(item) for item in value or []]
    if value is None:
        return ""
    return field.widget.format_value(value) if isinstance(value, datetime.date) else str(value)


def as_posted(page: Any, **changes: Any) -> dict[str, Any]:
    """What the browser sends from ``page``'s plan form, as it is on the screen, with ``changes`` typed."""
    context = page.context
    every_form: list[forms.BaseForm] = [context["form"]]
    for formset in (context["goal_forms"], context["activity_forms"]):
        every_form += [formset.management_form, *formset.forms]
    data: dict[str, Any] = {}
    for form in every_form:
        for name in form.fields:
            value = _field_value(form, name)
            if value is not None:
                data[form.add_prefix(name)] = value
    return data | changes


def plan_page(world: World, case: Case, role: str = Role.SOCIAL_WORKER) -> tuple[Client, Any, str]:
    client = world.client_for(role)
    url = reverse("cases:case_plan", args=[case.pk])
    return client, client.get(url), url


def two_activities() -> list[ActivityData]:
    today = timezone.localdate()
    return [
        ActivityData(what="Консултация", frequency="седмично", starts_on=today, partner="Училището"),
        ActivityData(what="Среща с родителите", frequency="месечно", starts_on=today, partner="Читалището"),
    ]


def saved_plan(case: Case) -> SupportPlan:
    return SupportPlan.objects.filter(case=case).order_by("-number").first()  # type: ignore[return-value]


def goals_and_activities(plan: SupportPlan) -> list[tuple[str, list[str]]]:
    return [
        (goal.text, [activity.what for activity in goal.activities.order_by("pk")])
        for goal in plan.goals.order_by("position")
    ]


# --- Untouched pre-filled rows are kept ----------------------------------------------------------------


def test_changing_only_the_contract_number_saves_the_plan_with_its_goal(world: World, case: Case) -> None:
    save_plan(case, worker(world), goals=[a_goal(activities=two_activities())])
    client, page, url = plan_page(world, case)

    response = client.post(url, as_posted(page, contract_number="Д-99"))

    assert response.status_code == 302, response.context["form"].errors
    plan = saved_plan(case)
    assert plan.contract_number == "Д-99"
    assert goals_and_activities(plan) == [("Редовно посещение на училище", ["Консултация", "Среща с родителите"])]


def test_editing_goal_one_and_adding_goal_two_keeps_the_activities_of_version_one(world: World, case: Case) -> None:
    first = approve(
        save_plan(case, worker(world), goals=[a_goal(activities=two_activities())]), worker(world), head(world)
    )
    client, page, url = plan_page(world, case)
    assert page.context["goal_forms"].total_form_count() == 2  # goal 1 and an empty row

    response = client.post(
        url,
        as_posted(
            page,
            **{
                "goals-0-text": "Редовно в училище всеки ден",
                "goals-1-text": "Спокойни вечери у дома",
                "goals-1-needs": ["warmth"],
                "goals-1-expected_results": "Без викане.",
            },
        ),
    )

    assert response.status_code == 302, response.context["goal_forms"].errors
    second = saved_plan(case)
    assert second.number == first.number + 1
    assert goals_and_activities(second) == [
        ("Редовно в училище всеки ден", ["Консултация", "Среща с родителите"]),
        ("Спокойни вечери у дома", []),
    ]
    assert goals_and_activities(first) == [("Редовно посещение на училище", ["Консултация", "Среща с родителите"])]


def test_editing_goal_one_again_keeps_goal_two(world: World, case: Case) -> None:
    save_plan(case, worker(world), goals=[a_goal(), a_goal(text="Спокойни вечери у дома", needs=["warmth"])])
    client, page, url = plan_page(world, case)

    response = client.post(url, as_posted(page, **{"goals-0-text": "Редовно в училище всеки ден"}))

    assert response.status_code == 302, response.context["goal_forms"].errors
    assert goals_and_activities(saved_plan(case)) == [
        ("Редовно в училище всеки ден", ["Консултация"]),
        ("Спокойни вечери у дома", ["Консултация"]),
    ]


def test_an_activity_left_on_a_removed_goal_is_refused_next_to_it_not_dropped(world: World, case: Case) -> None:
    save_plan(case, worker(world), goals=[a_goal(), a_goal(text="Спокойни вечери у дома", needs=["warmth"])])
    client, page, url = plan_page(world, case)

    response = client.post(url, as_posted(page, **{"goals-1-DELETE": "on"}))

    assert response.status_code == 200
    activities = response.context["activity_forms"].forms
    assert activities[1].errors == {
        "goal": ["This goal is empty or removed: link the activity to a goal of the plan, or remove it."]
    }
    assert len(saved_plan(case).goals.all()) == 2

    response = client.post(url, as_posted(page, **{"goals-1-DELETE": "on", "activities-1-DELETE": "on"}))
    assert response.status_code == 302
    assert goals_and_activities(saved_plan(case)) == [("Редовно посещение на училище", ["Консултация"])]


# --- Tampered management forms ---------------------------------------------------------------------------


@pytest.mark.parametrize("total", ["abc", "", "-3", "1" * 30])
def test_damaged_row_counters_give_a_form_error_and_keep_the_rows_typed(world: World, case: Case, total: str) -> None:
    save_plan(case, worker(world), goals=[a_goal(activities=two_activities())])
    client, page, url = plan_page(world, case)
    posted = as_posted(
        page, **{"goals-0-text": "Моята цел", "goals-TOTAL_FORMS": total, "activities-INITIAL_FORMS": "x"}
    )

    response = client.post(url, posted)

    assert response.status_code == 200
    goal_forms = response.context["goal_forms"]
    assert goal_forms.non_form_errors() == [
        "The form's row counters arrived damaged, so nothing was saved. Check the rows below and save again."
    ]
    assert goal_forms.forms[0]["text"].value() == "Моята цел"
    assert [form["what"].value() for form in response.context["activity_forms"].forms[:2]] == [
        "Консултация",
        "Среща с родителите",
    ]
    assert saved_plan(case).goals.get().text == "Редовно посещение на училище"
    # The page sends sound counters back: saving it again works.
    assert client.post(url, as_posted(response)).status_code == 302
    assert saved_plan(case).goals.get().text == "Моята цел"


def test_damaged_counters_on_the_staff_form_keep_its_roles(world: World) -> None:
    from tests.test_staff import administrator_afresh, staff_form

    member = world.users[Role.SOCIAL_WORKER]
    data = staff_form(member, [(str(world.own.pk), Role.PSYCHOLOGIST)], **{"memberships-TOTAL_FORMS": "abc"})

    response = administrator_afresh().post(reverse("organisation:staff_edit", args=[member.pk]), data)

    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.non_form_errors() == [
        "The form's row counters arrived damaged, so nothing was saved. Check the rows below and save again."
    ]
    assert formset.forms[0]["role"].value() == Role.PSYCHOLOGIST


# --- The stale-edit summary --------------------------------------------------------------------------------


def test_the_stale_edit_summary_shows_the_activities_changed(world: World, case: Case) -> None:
    save_plan(case, worker(world), goals=[a_goal()])
    _client, page, url = plan_page(world, case)
    head_client, head_page, _url = plan_page(world, case, Role.HEAD)
    assert head_client.post(url, as_posted(head_page, **{"activities-0-frequency": "всеки ден"})).status_code == 302

    response = world.client_for(Role.SOCIAL_WORKER).post(url, as_posted(page, **{"activities-0-what": "Игра"}))

    assert response.status_code == 200
    assert (
        "Activities",
        "Goal 1: Консултация (Училището, всеки ден)",
        "Goal 1: Игра (Училището, седмично)",
    ) in response.context["conflict"]["rows"]
    assert response.context["activity_forms"].forms[0]["what"].value() == "Игра"


# --- Adding and removing rows in place ---------------------------------------------------------------------


def test_the_row_buttons_add_and_remove_rows_in_place_keeping_what_was_typed(world: World, case: Case) -> None:
    save_plan(case, worker(world), goals=[a_goal(), a_goal(text="Спокойни вечери у дома", needs=["warmth"])])
    client, page, url = plan_page(world, case)
    htmx = {"HX-Request": "true"}

    added = client.post(url, as_posted(page, rows="add:goals", **{"contract_number": "Д-5"}), headers=htmx)
    assert added.templates[0].name == "cases/_plan_rows.html"
    assert added.context["goal_forms"].total_form_count() == 4
    removed = client.post(url, as_posted(added, rows="remove:goals:1"), headers=htmx)
    goal_forms, activity_forms = removed.context["goal_forms"], removed.context["activity_forms"]
    assert [form["DELETE"].value() for form in goal_forms.forms] == [False, True, False, False]
    # Goal 2's activity goes with it, on the screen.
    assert [form["DELETE"].value() for form in activity_forms.forms[:2]] == [False, True]
    assert "Keep goal 2" in removed.content.decode()
    assert not any(form.errors for form in goal_forms.forms)

    saved = client.post(url, as_posted(page, contract_number="Д-5") | _rows_of(removed))
    assert saved.status_code == 302, (saved.context["form"].errors, saved.context["goal_forms"].errors)
    assert goals_and_activities(saved_plan(case)) == [("Редовно посещение на училище", ["Консултация"])]
    assert saved_plan(case).contract_number == "Д-5"


def _rows_of(fragment: Any) -> dict[str, Any]:
    """The rows' fields of an htmx fragment, as the browser sends them after the swap."""
    context = fragment.context
    data: dict[str, Any] = {}
    for formset in (context["goal_forms"], context["activity_forms"]):
        for form in [formset.management_form, *formset.forms]:
            for name in form.fields:
                value = _field_value(form, name)
                if value is not None:
                    data[form.add_prefix(name)] = value
    return data
