"""Load a few invented families of Ruse into the demo organisation (``load_demo`` calls this).

Every person and every ЕГН here is made up: the numbers come from ``fake_egn`` with a fixed seed. Ages
are counted back from today, so Мартин is 8 whenever the demo is loaded. Each scenario of SCENARIOS.md can be
played from its first line (scenarios 3 and 4 go on from where scenario 1 ends). Run again, it changes nothing.
"""

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from opora.accounts.models import User
from opora.core.identifiers import fake_egn
from opora.core.phones import normalise_phone
from opora.organisation.models import Organisation, Role, Service
from opora.people.models import Household, IdentityKind, Person, PersonKind, RelationshipKind
from opora.people.services import household_create, household_join, person_register, relationship_add
from opora.places.ekatte import load_shipped_extract
from opora.places.models import Settlement

ORGANISATION_NAME = "Сдружение „Еквилибриум“"
COP_RUSE = "Център за обществена подкрепа – Русе"
FAMILY_TYPE = "Център за настаняване от семеен тип – Русе"
STREET = "Център за работа с деца на улицата – Русе"
RUSE_EKATTE = "63427"
SEED = 2026


@dataclass
class Spec:
    """One invented person: names, kind, age (years, days) or a due date in days, sex, phone."""

    key: str
    first: str
    middle: str
    last: str
    kind: str
    sex: str
    age: tuple[int, int] | None = None
    phone: str = ""
    due_in_days: int | None = None
    mother: str = ""
    service: str = COP_RUSE
    identity: str = IdentityKind.EGN
    no_identifier_reason: str = ""
    address: str = ""


DRUZHBA = "ж.к. „Дружба“ 3, бл. 12, вх. А, ап. 7"


PEOPLE = [
    # Scenario 1's starting point: Мартин, 8, who lives with his mother and grandmother in Дружба, was
    # registered last spring by the street-children centre, with a typo in the family name (Колов for Колев);
    # the Centre for Public Support has nothing about the family yet. (Scenario 2's Виктория is not here:
    # she walks in on Tuesday.)
    Spec(
        "martin", "Мартин", "Стоянов", "Колов", PersonKind.CHILD, "male", age=(8, 40), address=DRUZHBA, service=STREET
    ),
    Spec(
        "petya",
        "Петя",
        "Иванова",
        "Колева",
        PersonKind.PARENT,
        "female",
        age=(31, 120),
        phone="0888 123 456",
        address=DRUZHBA,
        service=STREET,
    ),
    Spec(
        "donka",
        "Донка",
        "Петрова",
        "Иванова",
        PersonKind.RELATIVE,
        "female",
        age=(58, 200),
        address=DRUZHBA,
        service=STREET,
    ),
    # A pregnancy followed by the "Prevention at maternity ward" programme.
    Spec("silvia", "Силвия", "Асенова", "Маринова", PersonKind.PARENT, "female", age=(19, 30), phone="0877 555 010"),
    Spec("unborn", "", "", "", PersonKind.UNBORN, "", due_in_days=95, mother="silvia", identity=IdentityKind.NONE),
    # A young person about to leave the family-type placement centre.
    Spec(
        "kaloyan",
        "Калоян",
        "Веселинов",
        "Тодоров",
        PersonKind.CARE_LEAVER,
        "male",
        age=(17, 300),
        service=FAMILY_TYPE,
    ),
    Spec(
        "stela",
        "Стела",
        "",
        "Андреева",
        PersonKind.CHILD,
        "female",
        age=(6, 10),
        identity=IdentityKind.NONE,
        no_identifier_reason="Няма документи при насочването; ЕГН се изисква от ДСП.",
    ),
]

RELATIONS = [
    ("martin", "petya", RelationshipKind.MOTHER),
    ("martin", "donka", RelationshipKind.GRANDPARENT),
    ("petya", "donka", RelationshipKind.MOTHER),
]


class Command(BaseCommand):
    help = "Load invented families into the demo organisation (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(name=ORGANISATION_NAME).first()
        if organisation is None:
            raise CommandError("Load the demo organisation first: manage.py load_demo")
        if not Settlement.objects.filter(ekatte=RUSE_EKATTE).exists():
            load_shipped_extract()
        if Person.objects.filter(organisation=organisation).exists():
            return
        self._load(organisation)
        self.stdout.write(self.style.SUCCESS("Demo families loaded."))

    @transaction.atomic
    def _load(self, organisation: Organisation) -> None:
        rng = random.Random(SEED)  # noqa: S311 (synthetic demo numbers, not secrets)
        today = timezone.localdate()
        ruse = Settlement.objects.get(ekatte=RUSE_EKATTE)
        services = {service.name: service for service in Service.objects.filter(organisation=organisation)}
        # Recorded as the organisation's administrator would, who may register people in every service.
        by = User.objects.filter(organisation=organisation, memberships__role=Role.ADMINISTRATOR).order_by("pk").first()
        if by is None:
            raise CommandError("The demo organisation has no administrator: manage.py load_demo")
        people: dict[str, Person] = {}
        for spec in PEOPLE:
            person = _person(spec, organisation, ruse, today, rng, people)
            people[spec.key] = person_register(person=person, service=services[spec.service], by=by)
        for person_key, relative_key, kind in RELATIONS:
            relationship_add(person=people[person_key], relative=people[relative_key], kind=kind, by=by)
        since = today - datetime.timedelta(days=9 * 365)
        home = household_create(
            person=people["petya"],
            name="Семейство Колеви",
            settlement=ruse,
            address=DRUZHBA,
            start_date=since,
            by=by,
        ).household
        household_join(person=people["donka"], household=home, start_date=since, by=by)
        # Мартин has lived there since he was born.
        household_join(person=people["martin"], household=home, start_date=people["martin"].birth_date or since, by=by)
        _household_of(people["silvia"], "Семейство Маринови", ruse, "кв. „Средна кула“, ул. „Тих кът“ 4", today, by)


def _person(
    spec: Spec,
    organisation: Organisation,
    ruse: Settlement,
    today: datetime.date,
    rng: random.Random,
    people: dict[str, Person],
) -> Person:
    person = Person(
        organisation=organisation,
        kind=spec.kind,
        first_name=spec.first,
        middle_name=spec.middle,
        last_name=spec.last,
        identity_kind=spec.identity,
        no_identifier_reason=spec.no_identifier_reason,
        sex=spec.sex,
        settlement=ruse,
        address=spec.address,
        phone=_e164(spec.phone),
    )
    if spec.age is not None:
        years, days = spec.age
        person.birth_date = _years_ago(today, years) - datetime.timedelta(days=days)
    if spec.due_in_days is not None:
        person.due_date = today + datetime.timedelta(days=spec.due_in_days)
        person.mother = people[spec.mother]
    if spec.identity == IdentityKind.EGN and person.birth_date is not None:
        person.set_identifier(fake_egn(person.birth_date, spec.sex, rng))
    return person


def _years_ago(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _e164(phone: str) -> str:
    return normalise_phone(phone) if phone else ""


def _household_of(
    person: Person, name: str, settlement: Settlement, address: str, today: datetime.date, by: User
) -> Household:
    return household_create(
        person=person, name=name, settlement=settlement, address=address, start_date=today.replace(day=1), by=by
    ).household
