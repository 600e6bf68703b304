"""The head of service names another case manager or changes the team of a case."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from opora.audit.models import ChangeEvent
from opora.cases.casework.models import Case
from opora.cases.casework.services import case_close, case_team_change
from opora.organisation.models import Role
from tests.casework import accept, make_referral
from tests.conftest import World, make_person, make_user


@pytest.fixture
def case(world: World) -> Case:
    worker, head = world.users[Role.SOCIAL_WORKER], world.users[Role.HEAD]
    child = make_person(world.own, "Мартин", "Колев")
    return accept(make_referral(world.own, [child], worker), head, worker)


def test_the_head_names_another_case_manager_and_team(world: World, case: Case) -> None:
    head, psychologist = world.users[Role.HEAD], world.users[Role.PSYCHOLOGIST]
    newcomer = make_user("newcomer", world.organisation, Role.SOCIAL_WORKER, world.own)

    case_team_change(case=case, by=head, case_manager=newcomer, team=[psychologist])

    case.refresh_from_db()
    assert case.case_manager == newcomer
    assert list(case.team.all()) == [psychologist]
    changes = ChangeEvent.objects.filter(object_id=str(case.pk), actor=head, content_type__model="case")
    assert any("case_manager" in event.changes for event in changes)
    assert any("team" in event.changes for event in changes)


def test_only_staff_of_the_case_services_may_join(world: World, case: Case) -> None:
    assert world.outsider is not None
    with pytest.raises(ValidationError) as refused:
        case_team_change(case=case, by=world.users[Role.HEAD], case_manager=world.outsider, team=[world.outsider])
    assert set(refused.value.message_dict) == {"case_manager", "team"}


def test_a_social_worker_may_not_change_the_team(world: World, case: Case) -> None:
    worker = world.users[Role.SOCIAL_WORKER]
    with pytest.raises(PermissionDenied):
        case_team_change(case=case, by=worker, case_manager=worker, team=[])


def test_a_closed_case_keeps_its_team(world: World, case: Case) -> None:
    head = world.users[Role.HEAD]
    case_close(case=case, by=head, reason="Целите са постигнати.", outcome="goals_achieved")
    with pytest.raises(ValidationError):
        case_team_change(case=case, by=head, case_manager=head, team=[])


def test_the_page_refuses_a_stranger_next_to_the_field_and_keeps_the_choice(world: World, case: Case) -> None:
    client = world.client_for(Role.HEAD)
    url = reverse("cases:case_team_edit", args=[case.pk])
    assert client.get(url).status_code == 200
    psychologist = world.users[Role.PSYCHOLOGIST]
    response = client.post(url, {"case_manager": world.users[Role.HEAD].pk, "team": [psychologist.pk]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.case_manager == world.users[Role.HEAD]
    assert world.outsider is not None
    refused = client.post(url, {"case_manager": world.outsider.pk, "team": [psychologist.pk]})
    assert refused.status_code == 200
    form: Any = refused.context["form"]
    assert "case_manager" in form.errors
    assert form["team"].value() == [str(psychologist.pk)]
    assert str(form.errors["case_manager"][0]) in refused.content.decode()
