"""Forms ask only for what applies (issue 9): the triage form's fields of the decision chosen, the person form's
unborn-child fields for an unborn child. The page marks each such field for ``conditional.js``; the server
drops what is posted for a field that does not apply, with its errors, so that a field not asked never blocks
the save, and keeps asking for a field that applies."""

import datetime
import re

import pytest
from django.urls import reverse

from opora.cases.intake.forms import TriageForm
from opora.cases.intake.models import Referral, ReferralStatus, TriageDecision
from opora.organisation.models import Role
from opora.people.models import IdentityKind, Person, PersonKind
from tests.casework import make_referral
from tests.conftest import World, make_person
from tests.test_cases_pages import errors_of, triage
from tests.test_people import child_form, register


@pytest.fixture
def referral(world: World, child: Person) -> Referral:
    return make_referral(world.own, [child], world.users[Role.SOCIAL_WORKER])


def test_the_triage_form_marks_each_decisions_fields(world: World, referral: Referral) -> None:
    page = world.client_for(Role.HEAD).get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()
    rules = {}
    for wrapper in page.split('<div class="field"')[1:]:
        named = re.search(r'name="(\w+)"', wrapper)
        rule = re.match(r' data-show-when="decision" data-show-values="(\w+)">', wrapper)
        if named:
            rules[named.group(1)] = rule.group(1) if rule else None
    assert rules["case_manager"] == rules["team"] == rules["override_reason"] == "accept"
    assert rules["partner"] == "redirect"
    assert rules["decline_ground"] == "decline"
    # The decision itself and the note are asked of every decision: never hidden.
    assert rules["decision"] is None
    assert rules["reason"] is None


def test_a_hidden_field_posted_anyway_is_dropped(world: World, referral: Referral) -> None:
    """Waitlisting with a partner and a case manager posted (a page without script, or crafted): they are
    not the waiting list's, so they are ignored, not refused and not stored."""
    response = triage(
        world,
        referral,
        decision="waitlist",
        partner="Дневен център „Слънце“",
        case_manager="junk",
        decline_ground="not_in_scope",
    )
    assert response.status_code == 302
    decision = TriageDecision.objects.get()
    assert decision.partner == ""
    assert decision.decline_ground == ""
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WAITING


def test_a_field_that_applies_is_still_asked(world: World, referral: Referral) -> None:
    errors = errors_of(triage(world, referral, decision="redirect", case_manager="junk"))
    assert list(errors) == ["partner"]  # the case manager is not the redirection's: its junk is no error


def test_what_applies_follows_the_value_posted() -> None:
    form = TriageForm({"decision": "accept", "partner": "X"}, staff=Person.objects.none())  # type: ignore[arg-type]
    form.is_valid()
    assert form.applies("case_manager")
    assert not form.applies("partner")
    assert form.cleaned_data["partner"] == ""
    assert "case_manager" in form.errors  # accepting needs the case manager


def test_the_person_form_marks_the_unborn_childs_fields(world: World) -> None:
    page = world.client_for(Role.SOCIAL_WORKER).get(reverse("people:person_create")).content.decode()
    assert re.search(r'<fieldset data-show-when="kind" data-show-values="unborn"><legend>', page)
    assert 'data-show-when="identity_kind" data-show-values="foreign"' in page


def test_a_due_date_typed_wrong_for_a_child_who_is_born_blocks_nothing(world: World) -> None:
    client = world.client_for(Role.SOCIAL_WORKER)
    response = register(client, child_form(due_date="32.13.2026", mother="junk"))
    assert response.status_code == 302
    person = Person.objects.get(last_name="Колев")
    assert person.due_date is None
    assert person.mother is None


def test_an_unborn_child_is_still_asked_for_the_due_date(world: World) -> None:
    mother = make_person(world.own, "Силвия", "Маринова", kind=PersonKind.PARENT, sex="female", egn=False)
    client = world.client_for(Role.SOCIAL_WORKER)
    data = {"kind": PersonKind.UNBORN, "identity_kind": IdentityKind.NONE, "last_name": "Маринова"}
    errors = errors_of(register(client, data | {"mother": mother.pk, "due_date": "32.13.2026"}))
    assert list(errors) == ["due_date"]
    due = (datetime.date.today() + datetime.timedelta(days=60)).strftime("%d.%m.%Y")
    assert register(client, data | {"mother": mother.pk, "due_date": due}).status_code == 302
