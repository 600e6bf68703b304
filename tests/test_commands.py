"""Management commands: the demo organisation and the first organisation of a real installation."""

import pytest
from django.core.management import CommandError, call_command

from opora.accounts.models import User
from opora.cases.models import Case, CaseState, CaseTask, Referral, ReferralStatus
from opora.organisation.management.commands import load_demo
from opora.organisation.models import Membership, Organisation, Programme, Role, Service


@pytest.mark.django_db
def test_the_demo_has_the_complex_the_partner_centres_and_every_role(capsys) -> None:
    call_command("load_demo")
    organisation = Organisation.objects.get(name=load_demo.ORGANISATION_NAME)
    names = set(Service.objects.filter(organisation=organisation).values_list("name", flat=True))
    assert {load_demo.COP_RUSE, load_demo.STREET, load_demo.FAMILY_TYPE, load_demo.RIGHTS} <= names
    assert {load_demo.HISAR, load_demo.KRICHIM, load_demo.SAEDINENIE} <= names
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Programme.objects.filter(name="Да се върнем в клас", services__name=load_demo.HISAR).exists()
    assert "opora-demo-2026" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_demo_has_scenario_ones_case_scenario_twos_tasks_and_a_waiting_list(capsys) -> None:
    call_command("load_demo")
    martin = Case.objects.get(people__first_name="Мартин", people__last_name="Колев")
    assert (martin.state, martin.case_manager.username) == (CaseState.ACCEPTED, "gergana")
    assert [user.username for user in martin.team.all()] == ["diana"]
    viktoria = Referral.objects.get(people__first_name="Виктория")
    assert viktoria.child_alone
    assert viktoria.violence_concern
    assert CaseTask.objects.filter(referral=viktoria, done_at__isnull=True).count() == 2
    assert Referral.objects.filter(status=ReferralStatus.WAITING).count() == 1


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_nothing(capsys) -> None:
    call_command("load_demo")
    counts = (Organisation.objects.count(), Service.objects.count(), User.objects.count(), Referral.objects.count())
    call_command("load_demo")
    assert (
        Organisation.objects.count(),
        Service.objects.count(),
        User.objects.count(),
        Referral.objects.count(),
    ) == counts
    assert capsys.readouterr().out.count("Demo logins") == 2


ARGS = [
    "--name=Фондация „Пример“",
    "--municipality=Пловдив",
    "--admin-username=boss",
    "--admin-first-name=Анна",
    "--admin-last-name=Петрова",
]


@pytest.mark.django_db
def test_create_organisation_makes_an_administrator_who_can_log_in(monkeypatch) -> None:
    monkeypatch.setenv("OPORA_ADMIN_PASSWORD", "a long and good password 2026")
    call_command("create_organisation", *ARGS)
    boss = User.objects.get(username="boss")
    assert boss.check_password("a long and good password 2026")
    assert boss.organisation is not None
    assert boss.organisation.name == "Фондация „Пример“"
    assert Membership.objects.get(user=boss).role == Role.ADMINISTRATOR


@pytest.mark.django_db
def test_create_organisation_refuses_a_weak_password_and_creates_nothing(monkeypatch) -> None:
    monkeypatch.setenv("OPORA_ADMIN_PASSWORD", "12345")
    with pytest.raises(CommandError):
        call_command("create_organisation", *ARGS)
    assert not Organisation.objects.exists()
    assert not User.objects.exists()
