"""``make screenshots`` keeps working as the code under it moves: the scenarios it plays on the demo go
through today's services, and every page it photographs answers 200 to the user it photographs it as."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from opora.accounts.models import User
from opora.cases.casework.models import Case, CaseState
from opora.cases.planning.models import SupportPlan
from opora.deadlines.models import StoredDueItem
from tools import screenshots


@pytest.mark.django_db
def test_the_screenshots_scenarios_play_on_the_demo_and_every_page_answers() -> None:
    call_command("load_demo", stdout=io.StringIO())

    ids = screenshots.play_scenarios()

    case = Case.objects.get(pk=ids["case"])
    assert case.state == CaseState.PLAN  # the approved assessment moved it on
    assert SupportPlan.objects.get(pk=ids["plan"]).case == case
    assert StoredDueItem.objects.exists()  # Overdue and My tasks have something to show
    shots = screenshots.shots(ids)
    assert {shot.user for shot in shots} == {screenshots.WORKER, screenshots.HEAD, screenshots.ADMIN}
    for username in {shot.user for shot in shots}:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for shot in (shot for shot in shots if shot.user == username):
            response = client.get(shot.path)
            assert response.status_code == 200, (shot.path, username)
            if shot.name == "overdue":
                assert "Андреева" in response.content.decode()  # Стела's assessment, six weeks after she came
