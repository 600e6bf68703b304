"""Load the demo organisation from the seeds: the association in Ruse, its complex, the partner centres.

Run again, it changes nothing and prints the logins. Every person here is invented.
"""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from opora.accounts.models import User
from opora.organisation.models import (
    ActivityType as A,
)
from opora.organisation.models import (
    Direction as D,
)
from opora.organisation.models import (
    Membership,
    Organisation,
    Programme,
    Role,
    Service,
    ServiceKind,
)

DEMO_PASSWORD = "opora-demo-2026"
ORGANISATION_NAME = "Сдружение „Еквилибриум“"

RUSE = "Русе"
COP_RUSE = "Център за обществена подкрепа – Русе"
STREET = "Център за работа с деца на улицата – Русе"
FAMILY_TYPE = "Център за настаняване от семеен тип – Русе"
RIGHTS = "Център за права на децата – Русе"
HISAR = "Център за обществена подкрепа – Хисаря"
KRICHIM = "Център за обществена подкрепа – Кричим"
SAEDINENIE = "Център за обществена подкрепа – Съединение"

SERVICES: list[dict[str, Any]] = [
    {
        "name": COP_RUSE,
        "kind": ServiceKind.SPECIALISED,
        "municipality": RUSE,
        "capacity": 60,
        "address": "гр. Русе, ул. „Шипка“ 38",
        "activity_types": [
            A.INFORMING_CONSULTING,
            A.ADVOCACY_MEDIATION,
            A.COMMUNITY_WORK,
            A.THERAPY_REHABILITATION,
            A.SKILLS_TRAINING,
        ],
    },
    {
        "name": STREET,
        "kind": ServiceKind.SPECIALISED,
        "municipality": RUSE,
        "capacity": 25,
        "address": "гр. Русе, ул. „Шипка“ 38",
        "activity_types": [A.INFORMING_CONSULTING, A.COMMUNITY_WORK, A.DAY_CARE],
    },
    {
        "name": FAMILY_TYPE,
        "kind": ServiceKind.SPECIALISED,
        "municipality": RUSE,
        "capacity": 14,
        "address": "гр. Русе, кв. „Дружба“",
        "activity_types": [A.RESIDENTIAL_CARE, A.SKILLS_TRAINING],
    },
    {
        "name": RIGHTS,
        "kind": ServiceKind.SPECIALISED,
        "municipality": RUSE,
        "capacity": 30,
        "address": "гр. Русе",
        "activity_types": [A.INFORMING_CONSULTING, A.ADVOCACY_MEDIATION],
    },
    {
        "name": HISAR,
        "kind": ServiceKind.GENERAL_ACCESS,
        "municipality": "Хисаря",
        "capacity": 30,
        "address": "гр. Хисаря",
        "activity_types": [A.INFORMING_CONSULTING, A.COMMUNITY_WORK],
    },
    {
        "name": KRICHIM,
        "kind": ServiceKind.GENERAL_ACCESS,
        "municipality": "Кричим",
        "capacity": 30,
        "address": "гр. Кричим",
        "activity_types": [A.INFORMING_CONSULTING, A.COMMUNITY_WORK],
    },
    {
        "name": SAEDINENIE,
        "kind": ServiceKind.GENERAL_ACCESS,
        "municipality": "Съединение",
        "capacity": 30,
        "address": "гр. Съединение",
        "activity_types": [A.INFORMING_CONSULTING, A.COMMUNITY_WORK],
    },
]

PARTNER_CENTRES = [HISAR, KRICHIM, SAEDINENIE]

# The programmes of seeds 002 (partner centres) and 003 (the Ruse complex).
PROGRAMMES: list[tuple[str, str, list[str]]] = [
    ("Първична превенция", D.PREVENT_ABANDONMENT, PARTNER_CENTRES),
    ("Семейна подкрепа", D.PREVENT_ABANDONMENT, PARTNER_CENTRES),
    ("Алтернативи", D.PREVENT_DEVIANT, PARTNER_CENTRES),
    ("Моят избор", D.PREVENT_DEVIANT, PARTNER_CENTRES),
    ("Директна работа с деца", D.PREVENT_VIOLENCE, PARTNER_CENTRES),
    ("Да се върнем в клас", D.PREVENT_DROPOUT, [*PARTNER_CENTRES, COP_RUSE]),
    ("Аз мога сам", D.REINTEGRATION, PARTNER_CENTRES),
    ("Група за подкрепа на родители на деца със специални нужди", D.PREVENT_ABANDONMENT, PARTNER_CENTRES),
    ("Социални умения", D.PREVENT_DEVIANT, PARTNER_CENTRES),
    ("Голям брат/голяма сестра", D.PREVENT_DROPOUT, [*PARTNER_CENTRES, COP_RUSE]),
    ("Превенция на ниво родилен дом", D.PREVENT_ABANDONMENT, [COP_RUSE]),
    ("Ранна интервенция", D.PREVENT_ABANDONMENT, [COP_RUSE]),
    ("SOS – родител", D.PREVENT_ABANDONMENT, [COP_RUSE]),
    ("Семейно планиране", D.PREVENT_ABANDONMENT, [COP_RUSE]),
]

# username, first name, last name, job title, role, service (None: whole organisation)
STAFF: list[tuple[str, str, str, str, str, str | None]] = [
    ("admin", "Милена", "Тодорова", "Администратор", Role.ADMINISTRATOR, None),
    ("ralitsa", "Ралица", "Петкова", "Ръководител", Role.HEAD, COP_RUSE),
    ("gergana", "Гергана", "Илиева", "Социален работник", Role.SOCIAL_WORKER, COP_RUSE),
    ("diana", "Диана", "Маринова", "Психолог", Role.PSYCHOLOGIST, COP_RUSE),
    ("petar", "Петър", "Христов", "Педагог", Role.PEDAGOGUE, STREET),
    # Told when another service links a child the street-children centre registered (scenario 1).
    ("kalina", "Калина", "Попова", "Ръководител", Role.HEAD, STREET),
    ("nadezhda", "Надежда", "Колева", "Екип приемна грижа", Role.FOSTER_CARE, COP_RUSE),
    ("stefan", "Стефан", "Ангелов", "Координатор доброволци", Role.VOLUNTEER_COORDINATOR, COP_RUSE),
    ("iva", "Ива", "Стоянова", "Доброволец", Role.VOLUNTEER, COP_RUSE),
    ("monitor", "Виолета", "Димитрова", "Мониторинг и оценка", Role.MONITORING, COP_RUSE),
    ("yordan", "Йордан", "Василев", "Ръководител", Role.HEAD, FAMILY_TYPE),
    ("teodora", "Теодора", "Николова", "Социален работник", Role.SOCIAL_WORKER, RIGHTS),
    ("maria", "Мария", "Георгиева", "Социален работник", Role.SOCIAL_WORKER, HISAR),
]


class Command(BaseCommand):
    help = "Load the demo organisation (once) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if not Organisation.objects.filter(name=ORGANISATION_NAME).exists():
            self._load()
            self.stdout.write(self.style.SUCCESS("Demo organisation loaded."))
        # The people register's invented families (by name: this app does not import the people app).
        call_command("load_demo_people", stdout=self.stdout)
        call_command("load_demo_cases", stdout=self.stdout)
        self._print_logins()

    @transaction.atomic
    def _load(self) -> None:
        organisation = Organisation.objects.create(
            name=ORGANISATION_NAME,
            short_name="Еквилибриум",
            municipality=RUSE,
            address="гр. Русе, ул. „Шипка“ 38",
            email="office@example.org",
        )
        services = {spec["name"]: Service.objects.create(organisation=organisation, **spec) for spec in SERVICES}
        for name, direction, service_names in PROGRAMMES:
            programme = Programme.objects.create(organisation=organisation, name=name, direction=direction)
            programme.services.set([services[s] for s in service_names])
        for username, first, last, title, role, service_name in STAFF:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                job_title=title,
                organisation=organisation,
                email=f"{username}@example.org",
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            Membership.objects.create(user=user, role=role, service=services[service_name] if service_name else None)

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, _title, role, service_name in STAFF:
            where = service_name or ORGANISATION_NAME
            self.stdout.write(f"  {username:<10} {first} {last} — {Role(role).label} — {where}")
