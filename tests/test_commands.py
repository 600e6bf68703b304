"""Management commands: the demo organisation and the first organisation of a real installation."""

import pytest
from django.core.management import CommandError, call_command

from opora.access import Perm, scope
from opora.accounts.models import User
from opora.cases.casework.models import Case, CaseTask
from opora.cases.intake.models import Referral, ReferralStatus
from opora.organisation.management.commands import load_demo
from opora.organisation.models import Membership, Organisation, Programme, Role, Service
from opora.people.models import Person
from opora.people.search import duplicate_candidates


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
def test_each_scenario_can_be_played_from_its_first_line(capsys) -> None:
    call_command("load_demo")
    cop = Service.objects.get(name=load_demo.COP_RUSE)
    ralitsa = User.objects.get(username="ralitsa")
    # Scenario 1: Мартин was registered last spring by the street-children centre, with a typo in the family
    # name, and the Centre for Public Support has nothing about him: the duplicate check finds him for Ралица.
    martin = Person.objects.get(first_name="Мартин")
    assert (martin.last_name, [service.name for service in martin.services.all()]) == ("Колов", [load_demo.STREET])
    assert not Referral.objects.filter(people=martin).exists()
    assert not Case.objects.filter(people=martin).exists()
    assert not scope(ralitsa, Person.objects.filter(pk=martin.pk), Perm.PERSON_VIEW).exists()
    found = duplicate_candidates(
        cop.organisation,
        first_name="Мартин",
        middle_name="Стоянов",
        last_name="Колев",
        birth_date=martin.birth_date,
        identifier_digest="",
        sex="male",
    )
    assert martin in [person for person, _score, _reasons in found]
    assert User.objects.filter(memberships__role=Role.HEAD, memberships__service__name=load_demo.STREET).exists()
    # The centre is at 58 of 60 places in the scenario; the demo's is empty but for what waits.
    assert cop.capacity == 60
    # Scenario 2: Виктория walks in on Tuesday; nobody has recorded her yet.
    assert not Person.objects.filter(first_name="Виктория").exists()
    # One referral waits on the list, and it obeys the rules (it carries its preliminary assessment).
    waiting = Referral.objects.get(status=ReferralStatus.WAITING)
    assert waiting.preliminary_assessment
    assert not CaseTask.objects.exists()


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
