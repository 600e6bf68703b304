"""Intake: the referral's rules hold however it is recorded (the service, not the form, refuses), a
recorded referral and a plan review can be corrected (version checked under the lock, the audit trail
records what changed), the preliminary assessment's file survives a form with errors, and the head of
service links a referral to a child registered by another service (scenario 1)."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from opora.cases.models import Referral, ReferralKind, ReferralSource
from opora.cases.services import referral_record
from opora.organisation.models import Role
from opora.people.models import Person, PersonKind
from tests.casework import assessment_file, worker
from tests.conftest import World, make_person


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
