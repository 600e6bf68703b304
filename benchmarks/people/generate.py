"""Build the benchmark's people register: one organisation, its services, the shipped EKATTE settlements,
and families until the wanted number of children exists.

A family has a mother (most are registered), a father (many are), one to eight children born 2008–2025
(sometimes twins), sometimes a grandmother; relations between them (mother, father, grandparent,
siblings, partners), most of them a household, and links to the services that work with them. Most
people have a valid synthetic ЕГН (``fake_egn``), some an ЛНЧ or a foreign document, some no identifier
with a reason. The derived columns come from the model's own code: the Latin names and the search key
from ``Person.fill_latin_names`` and ``Person.refresh_search_key``, the encrypted identifier and its
digest from ``Person.set_identifier``.

Rows go straight into PostgreSQL with COPY, one stream per table at once, after the secondary indexes
and constraints of those tables are dropped; they are put back, the tables vacuumed and analysed, and
the search index rebuilt (``opora.people.search.rebuild_search_index``, when it exists). Everything
random comes from one ``random.Random(seed)``, so the same seed gives the same people, ids and numbers.
"""

import bisect
import datetime
import hashlib
import inspect
import random
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from benchmarks.people import disguise, names
from benchmarks.people.config import Config
from benchmarks.people.database import drop_secondary_structures, reset_identity, restore_secondary_structures
from opora.accounts.models import User
from opora.core import transliteration
from opora.core.crypto import lookup_digest
from opora.core.identifiers import fake_egn, fake_lnch
from opora.organisation.models import ActivityType, Membership, Organisation, Role, Service, ServiceKind
from opora.people.models import IdentityKind, Person, PersonKind, RelationshipKind, Sex, normalise_identifier
from opora.places.ekatte import load_shipped_extract
from opora.places.models import Settlement

# Bump when the generated data changes in a way the names files do not show (the files are hashed too).
GENERATOR_VERSION = 1

ORGANISATION_NAME = "Сдружение „Опора – бенчмарк“"
ADMIN_USERNAME = "bench-admin"
KEY_CHECK = "opora-bench-people-key-check"

FIRST_BIRTH = datetime.date(2008, 1, 1)
LAST_BIRTH = datetime.date(2025, 12, 31)
# Families may have started earlier: children born before FIRST_BIRTH are simply not in the register.
FAMILY_START = datetime.date(2004, 1, 1)
OLDEST_ADULT = datetime.date(1935, 1, 1)
REGISTERED_FROM = datetime.datetime(2020, 7, 1, tzinfo=datetime.UTC)  # the Social Services Act in force
REGISTERED_UNTIL = datetime.datetime(2025, 12, 31, tzinfo=datetime.UTC)
DUE_FROM = datetime.date(2026, 1, 1)

LOADED_TABLES = [
    "people_person",
    "people_person_services",
    "people_relationship",
    "people_household",
    "people_householdmember",
]
PERSON_COLUMNS = (
    "id",
    "organisation_id",
    "kind",
    "first_name",
    "middle_name",
    "last_name",
    "latin_from_passport",
    "first_name_latin",
    "middle_name_latin",
    "last_name_latin",
    "identity_kind",
    "identifier_encrypted",
    "identifier_digest",
    "document_country",
    "no_identifier_reason",
    "birth_date",
    "sex",
    "due_date",
    "mother_id",
    "settlement_id",
    "address",
    "phone",
    "merged_into_id",
    "search_key",
    "created_at",
    "updated_at",
)
COLUMNS = {
    "people_person": PERSON_COLUMNS,
    "people_person_services": ("id", "person_id", "service_id"),
    "people_relationship": ("id", "kind", "start_date", "end_date", "person_id", "relative_id"),
    "people_household": ("id", "name", "address", "created_at", "updated_at", "organisation_id", "settlement_id"),
    "people_householdmember": ("id", "start_date", "end_date", "household_id", "person_id"),
}

# How many children a family has in the register: 1 to 8, most one or two.
CHILDREN_PER_FAMILY = [(1, 48), (2, 33), (3, 11), (4, 4.5), (5, 2), (6, 0.8), (7, 0.4), (8, 0.3)]
TWINS = 0.015
MOTHER_REGISTERED = 0.94
FATHER_REGISTERED = 0.58
GRANDMOTHER_REGISTERED = 0.12
SURNAME_FROM_GRANDFATHER = 0.08  # the old custom: the father's patronymic becomes the family's surname
MOTHER_TOOK_HUSBANDS_NAME = 0.78
WITH_HOUSEHOLD = 0.88
# Families whose names come from names.TURKISH; their children often get a name from the other lists.
TURKISH_FAMILIES = 0.05
TURKISH_FAMILY_OTHER_NAME = 0.35
UNBORN = 0.0015

# (identity kind, share) for children and for adults.
CHILD_IDENTITY = [
    (IdentityKind.EGN, 95.5),
    (IdentityKind.LNCH, 1.2),
    (IdentityKind.FOREIGN, 0.5),
    (IdentityKind.NONE, 2.8),
]
ADULT_IDENTITY = [
    (IdentityKind.EGN, 93.0),
    (IdentityKind.LNCH, 2.5),
    (IdentityKind.FOREIGN, 1.0),
    (IdentityKind.NONE, 3.5),
]

# Approximate populations of the settlements of the shipped extract: how addresses are spread.
POPULATION = {
    "68134": 1_250_000,  # София
    "56784": 340_000,  # Пловдив
    "10135": 330_000,  # Варна
    "63427": 140_000,  # Русе
    "39921": 7_500,  # Кричим
    "77270": 6_700,  # Хисаря
    "70528": 5_300,  # Съединение
    "47336": 3_500,  # Мартен
}
VILLAGE_POPULATION = 800

STREETS = [
    "ул. „Васил Левски“",
    "ул. „Христо Ботев“",
    "ул. „Иван Вазов“",
    "ул. „Шипка“",
    "ул. „Раковски“",
    "ул. „Цар Освободител“",
    "ул. „Александровска“",
    "ул. „Славянска“",
    "ул. „Трети март“",
    "ул. „Стефан Караджа“",
    "ул. „Гео Милев“",
    "ул. „Отец Паисий“",
    "ул. „Хан Аспарух“",
    "ул. „Средна гора“",
    "ул. „Родопи“",
    "ул. „Дунав“",
    "ул. „Никола Вапцаров“",
    "ул. „Любен Каравелов“",
    "ул. „Георги Бенковски“",
    "ул. „Априлско въстание“",
    "бул. „България“",
    "ул. „Тих кът“",
]
COMPLEXES = {
    "68134": ["ж.к. „Люлин“", "ж.к. „Младост“", "ж.к. „Надежда“", "ж.к. „Дружба“", "ж.к. „Красна поляна“"],
    "56784": ["ж.к. „Тракия“", "ж.к. „Кючук Париж“", "ж.к. „Смирненски“", "кв. „Столипиново“"],
    "10135": ["ж.к. „Владиславово“", "ж.к. „Възраждане“", "ж.к. „Младост“", "кв. „Аспарухово“", "ж.к. „Чайка“"],
    "63427": ["ж.к. „Дружба“", "ж.к. „Чародейка“", "ж.к. „Здравец“", "ж.к. „Възраждане“", "кв. „Средна кула“"],
}

# (name, municipality, kind, weight): the organisation's services; people are spread by weight.
SERVICES = [
    ("Център за обществена подкрепа – Русе", "Русе", ServiceKind.SPECIALISED, 14),
    ("Център за обществена подкрепа – Пловдив", "Пловдив", ServiceKind.SPECIALISED, 12),
    ("Център за обществена подкрепа – София", "Столична", ServiceKind.SPECIALISED, 16),
    ("Център за обществена подкрепа – Варна", "Варна", ServiceKind.SPECIALISED, 11),
    ("Център за обществена подкрепа – Хисаря", "Хисаря", ServiceKind.GENERAL_ACCESS, 3),
    ("Център за обществена подкрепа – Кричим", "Кричим", ServiceKind.GENERAL_ACCESS, 3),
    ("Център за обществена подкрепа – Съединение", "Съединение", ServiceKind.GENERAL_ACCESS, 3),
    ("Център за работа с деца на улицата – Русе", "Русе", ServiceKind.SPECIALISED, 4),
    ("Център за работа с деца на улицата – София", "Столична", ServiceKind.SPECIALISED, 5),
    ("Център за настаняване от семеен тип – Русе", "Русе", ServiceKind.SPECIALISED, 1),
    ("Център за настаняване от семеен тип – Пловдив", "Пловдив", ServiceKind.SPECIALISED, 1),
    ("Кризисен център за деца – Варна", "Варна", ServiceKind.SPECIALISED, 2),
    ("Дневен център за деца с увреждания – София", "Столична", ServiceKind.SPECIALISED, 4),
    ("Дневен център за деца с увреждания – Пловдив", "Пловдив", ServiceKind.SPECIALISED, 3),
    ("Център за ранно детско развитие – Русе", "Русе", ServiceKind.SPECIALISED, 4),
    ("Център за ранно детско развитие – Варна", "Варна", ServiceKind.SPECIALISED, 4),
    ("Център за права на децата – Русе", "Русе", ServiceKind.SPECIALISED, 2),
    ("Мобилна превантивна общностна работа – Русе", "Русе", ServiceKind.GENERAL_ACCESS, 4),
    ("Мобилна превантивна общностна работа – Пловдив", "Пловдив", ServiceKind.GENERAL_ACCESS, 4),
    ("Приемна грижа – Русе", "Русе", ServiceKind.SPECIALISED, 2),
]

PROGRESS_EVERY = 50_000
DERIVED_CACHE_LIMIT = 400_000


class Picker[T]:
    """Draws from weighted values: a binary search over the cumulative weights."""

    def __init__(self, weighted: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _weight in weighted]
        self.cumulative: list[float] = []
        total = 0.0
        for _value, weight in weighted:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


@dataclass
class Counts:
    people: int = 0
    children: int = 0
    parents: int = 0
    relatives: int = 0
    unborn: int = 0
    families: int = 0
    twins: int = 0
    relationships: int = 0
    households: int = 0
    household_members: int = 0
    service_links: int = 0
    identity: dict[str, int] = field(default_factory=dict)


@dataclass
class Adult:
    """Who a parent or grandparent is, before (and whether) they are registered."""

    first: str
    middle: str
    last: str
    sex: str
    birth_date: datetime.date
    pk: int | None = None


def data_signature(config: Config) -> str:
    """What the generated data depends on: a different signature means the database must be rebuilt.

    The generator and its name lists, the scale and the seed, and the model's code that derives columns
    (Latin names, search key, identifier): rows derived by an older version would not be what the
    application now writes.
    """
    digest = hashlib.sha256()
    digest.update(f"{GENERATOR_VERSION}:{config.children}:{config.seed}".encode())
    for module in (names, disguise, transliteration):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(Path(__file__).read_bytes())
    for code in (
        Person.fill_latin_names,
        Person.refresh_search_key,
        Person.set_identifier,
        normalise_identifier,
        lookup_digest,
        fake_egn,
    ):
        digest.update(inspect.getsource(code).encode())
    return digest.hexdigest()


def key_check() -> str:
    """A digest made with the configured lookup key: data loaded under other keys cannot be searched."""
    return lookup_digest(KEY_CHECK)


# --- The organisation ---------------------------------------------------------------------------------------


@dataclass
class Setting:
    organisation_id: int
    services: Picker[int]
    settlements: Picker[Settlement]


def create_organisation() -> Setting:
    """The organisation, its services, its administrator and the settlements (through the ORM: few rows)."""
    if not Settlement.objects.exists():
        load_shipped_extract()
    organisation = Organisation.objects.create(name=ORGANISATION_NAME, short_name="Опора", municipality="Русе")
    service_weights = []
    for name, municipality, kind, weight in SERVICES:
        activity = [ActivityType.INFORMING_CONSULTING, ActivityType.COMMUNITY_WORK]
        service = Service.objects.create(
            organisation=organisation,
            name=name,
            municipality=municipality,
            kind=kind,
            capacity=100_000,
            activity_types=activity,
        )
        service_weights.append((service.pk, float(weight)))
    admin = User.objects.create_user(username=ADMIN_USERNAME, organisation=organisation, first_name="Бенчмарк")
    admin.set_unusable_password()
    admin.save()
    Membership.objects.create(user=admin, service=None, role=Role.ADMINISTRATOR)
    settlements = [
        (settlement, float(POPULATION.get(settlement.ekatte, VILLAGE_POPULATION)))
        for settlement in Settlement.objects.active().order_by("ekatte")
    ]
    return Setting(organisation.pk, Picker(service_weights), Picker(settlements))


# --- People ------------------------------------------------------------------------------------------------


class PeopleWriter:
    """Turns generated people into rows, with the model's own derived columns, and writes them out."""

    def __init__(self, streams: "CopyStreams", setting: Setting, rng: random.Random, first_ids: dict[str, int]) -> None:
        self.streams = streams
        self.setting = setting
        self.rng = rng
        self.next_id = dict(first_ids)
        self.counts = Counts()
        self.used_numbers: set[str] = set()
        self._model = Person(organisation_id=setting.organisation_id)
        self._derived: dict[tuple[Any, ...], tuple[str, str, str, str]] = {}
        self.child_identity = Picker(CHILD_IDENTITY)
        self.adult_identity = Picker(ADULT_IDENTITY)
        self.reasons = Picker([(reason, 1.0) for reason in names.NO_IDENTIFIER_REASONS])
        self.countries = Picker([(country, 1.0) for country in names.FOREIGN_COUNTRIES])

    def new_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def person(
        self,
        *,
        kind: str,
        first: str,
        middle: str,
        last: str,
        sex: str,
        birth_date: datetime.date | None,
        settlement_id: int,
        address: str,
        phone: str,
        registered: datetime.datetime,
        passport_latin: tuple[str, str, str] | None = None,
        identity: str | None = None,
        mother_id: int | None = None,
        due_date: datetime.date | None = None,
    ) -> int:
        pk = self.new_id("people_person")
        latin_first, latin_middle, latin_last, key = self._derive(first, middle, last, passport_latin)
        if identity is None:
            identity = (self.child_identity if kind == PersonKind.CHILD else self.adult_identity).pick(self.rng)
        identity, encrypted, digest, country, reason = self._identifier(identity, birth_date, sex, kind)
        updated = registered + datetime.timedelta(days=self.rng.randrange(0, 400))
        self.streams.write(
            "people_person",
            (
                pk,
                self.setting.organisation_id,
                kind,
                first,
                middle,
                last,
                passport_latin is not None,
                latin_first,
                latin_middle,
                latin_last,
                identity,
                encrypted,
                digest,
                country,
                reason,
                birth_date,
                sex,
                due_date,
                mother_id,
                settlement_id,
                address,
                phone,
                None,
                key,
                registered,
                min(updated, REGISTERED_UNTIL),
            ),
        )
        self.counts.people += 1
        self.counts.identity[identity] = self.counts.identity.get(identity, 0) + 1
        return pk

    def _derive(
        self, first: str, middle: str, last: str, passport_latin: tuple[str, str, str] | None
    ) -> tuple[str, str, str, str]:
        """The Latin names and the search key, exactly as ``Person.save`` computes them (cached: names repeat)."""
        cache_key = (first, middle, last, passport_latin)
        found = self._derived.get(cache_key)
        if found is None:
            model = self._model
            model.first_name, model.middle_name, model.last_name = first, middle, last
            model.latin_from_passport = passport_latin is not None
            if passport_latin is not None:
                model.first_name_latin, model.middle_name_latin, model.last_name_latin = passport_latin
            model.fill_latin_names()
            model.refresh_search_key()
            found = (model.first_name_latin, model.middle_name_latin, model.last_name_latin, model.search_key)
            if len(self._derived) >= DERIVED_CACHE_LIMIT:
                self._derived.clear()
            self._derived[cache_key] = found
        return found

    def _identifier(
        self, identity: str, birth_date: datetime.date | None, sex: str, kind: str
    ) -> tuple[str, str, str, str, str]:
        """(identity kind, encrypted, digest, document country, reason for none), through ``set_identifier``."""
        if identity == IdentityKind.EGN and (birth_date is None or sex not in (Sex.MALE, Sex.FEMALE)):
            identity = IdentityKind.NONE
        if identity == IdentityKind.NONE:
            reason = "" if kind == PersonKind.UNBORN else self.reasons.pick(self.rng)
            return identity, "", "", "", reason
        number = self._unique_number(identity, birth_date, sex)
        model = self._model
        model.identity_kind = identity
        model.set_identifier(number)
        country = self.countries.pick(self.rng) if identity == IdentityKind.FOREIGN else ""
        return identity, model.identifier_encrypted, model.identifier_digest, country, ""

    def _unique_number(self, identity: str, birth_date: datetime.date | None, sex: str) -> str:
        """A number no one else in the organisation holds (the register allows one person per number)."""
        while True:
            if identity == IdentityKind.EGN:
                assert birth_date is not None
                number = fake_egn(birth_date, sex, self.rng)
            elif identity == IdentityKind.LNCH:
                number = fake_lnch(self.rng)
            else:
                letters = "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVXYZ") for _ in range(2))
                number = f"{letters}{self.rng.randrange(10**7):07d}"
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def relationship(self, person_id: int, relative_id: int, kind: str) -> None:
        self.streams.write(
            "people_relationship", (self.new_id("people_relationship"), kind, None, None, person_id, relative_id)
        )
        self.counts.relationships += 1

    def services(self, person_id: int, service_ids: list[int]) -> None:
        for service_id in service_ids:
            self.streams.write("people_person_services", (self.new_id("people_person_services"), person_id, service_id))
            self.counts.service_links += 1


class NamePickers:
    """The name lists of one naming tradition (``names.TURKISH`` or the others), ready to draw from."""

    def __init__(self, turkish: bool) -> None:
        def keep(name: str) -> bool:
            return (name in names.TURKISH) == turkish

        self.child_male = Picker([item for item in names.CHILD_MALE if keep(item[0])])
        self.child_female = Picker([item for item in names.CHILD_FEMALE if keep(item[0])])
        self.adult_male = Picker(
            [((name, patronymic), weight) for name, weight, patronymic in names.ADULT_MALE if keep(name)]
        )
        self.adult_female = Picker([item for item in names.ADULT_FEMALE if keep(item[0])])
        self.surnames = Picker([item for item in names.SURNAMES if keep(item[0])])


class FamilyGenerator:
    """One family at a time, with everything about it, until the wanted number of children."""

    def __init__(self, writer: PeopleWriter, setting: Setting, rng: random.Random) -> None:
        self.writer = writer
        self.setting = setting
        self.rng = rng
        self.general = NamePickers(turkish=False)
        self.turkish = NamePickers(turkish=True)
        self.names = self.general  # the tradition of the family being generated
        self.children_count = Picker(CHILDREN_PER_FAMILY)

    def family(self, children_left: int) -> int:
        """Generate one family; return how many children it added."""
        rng = self.rng
        births = self._birth_dates(children_left)
        if not births:
            return 0
        self.names = self.turkish if rng.random() < TURKISH_FAMILIES else self.general
        settlement = self.setting.settlements.pick(rng)
        address = self._address(settlement)
        registered = _random_moment(rng)
        main_service = self.setting.services.pick(rng)
        father, mother, maiden = self._parents(births[0])
        maternal = rng.random() < 0.7
        grandmother = None
        if rng.random() < GRANDMOTHER_REGISTERED:
            grandmother = self._grandmother(mother if maternal else father, maiden if maternal else father.last)

        where = {"settlement_id": settlement.pk, "address": address}
        if rng.random() < MOTHER_REGISTERED:
            mother.pk = self._register_adult(mother, PersonKind.PARENT, where, registered, 0.85, main_service)
        if rng.random() < FATHER_REGISTERED:
            father.pk = self._register_adult(father, PersonKind.PARENT, where, registered, 0.6, main_service)
        if grandmother is not None:
            grandmother.pk = self._register_adult(
                grandmother, PersonKind.RELATIVE, where, registered, 0.4, main_service
            )
        if mother.pk is not None and father.pk is not None and rng.random() < 0.5:
            self.writer.relationship(mother.pk, father.pk, RelationshipKind.PARTNER)
        if grandmother is not None and grandmother.pk is not None:
            parent = mother if maternal else father
            if parent.pk is not None:
                self.writer.relationship(parent.pk, grandmother.pk, RelationshipKind.MOTHER)

        children = self._children(births, father, mother, grandmother, where, registered, main_service)
        if rng.random() < UNBORN and mother.pk is not None:
            self._unborn(mother.pk, where, registered, main_service)
        if rng.random() < WITH_HOUSEHOLD:
            self._household(father.last, where, births[0], registered, mother, father, grandmother, children)
        self.writer.counts.families += 1
        return len(children)

    # --- Who is in the family

    def _birth_dates(self, children_left: int) -> list[datetime.date]:
        """The children's birth dates within 2008–2025, first the eldest; twins share a date."""
        rng = self.rng
        wanted = self.children_count.pick(rng)
        span = (LAST_BIRTH - FAMILY_START).days
        born = FAMILY_START + datetime.timedelta(days=rng.randrange(span + 1))
        dates = []
        for _index in range(wanted):
            if born > LAST_BIRTH:
                break
            if born >= FIRST_BIRTH:
                dates.append(born)
                if rng.random() < TWINS:
                    dates.append(born)
            born += datetime.timedelta(days=rng.randrange(330, 365 * 6))
        return dates[:children_left]

    def _parents(self, first_birth: datetime.date) -> tuple[Adult, Adult, str]:
        """The father, the mother and her maiden surname (male form)."""
        rng = self.rng
        mother_age = min(44.0, max(16.5, rng.gauss(26.5, 5.0)))
        mother_born = _clamp_adult(first_birth - datetime.timedelta(days=int(mother_age * 365.25)), rng)
        father_born = mother_born - datetime.timedelta(days=int(rng.gauss(3.0, 3.0) * 365.25))
        # A father is at least 17 at his first child's birth.
        father_born = _clamp_adult(min(father_born, first_birth - datetime.timedelta(days=int(17 * 365.25))), rng)
        father_first, _own_patronymic = self.names.adult_male.pick(rng)
        _grandfather, father_patronymic = self.names.adult_male.pick(rng)
        surname = father_patronymic if rng.random() < SURNAME_FROM_GRANDFATHER else self.names.surnames.pick(rng)
        father = Adult(father_first, father_patronymic, surname, Sex.MALE, father_born)
        _mothers_father, mothers_patronymic = self.names.adult_male.pick(rng)
        maiden = self.names.surnames.pick(rng)
        married = rng.random() < MOTHER_TOOK_HUSBANDS_NAME
        mother_last = names.female_surname(surname if married else maiden)
        mother = Adult(
            self.names.adult_female.pick(rng),
            names.female_surname(mothers_patronymic),
            mother_last,
            Sex.FEMALE,
            mother_born,
        )
        return father, mother, maiden

    def _grandmother(self, child: Adult, surname: str) -> Adult:
        """The mother of ``child`` (the mother or the father), who took ``surname`` (male form) when she married."""
        rng = self.rng
        born = _clamp_adult(child.birth_date - datetime.timedelta(days=int(rng.uniform(19, 34) * 365.25)), rng)
        _her_father, patronymic = self.names.adult_male.pick(rng)
        return Adult(
            self.names.adult_female.pick(rng),
            names.female_surname(patronymic),
            names.female_surname(surname),
            Sex.FEMALE,
            born,
        )

    def _register_adult(
        self,
        adult: Adult,
        kind: str,
        where: dict[str, Any],
        registered: datetime.datetime,
        phone_share: float,
        service: int,
    ) -> int:
        rng = self.rng
        passport = _passport_latin(adult, rng) if rng.random() < 0.015 else None
        identity = self.writer.adult_identity.pick(rng)
        birth_date: datetime.date | None = adult.birth_date
        if identity == IdentityKind.NONE and rng.random() < 0.4:
            birth_date = None  # not known when the person was registered
        pk = self.writer.person(
            kind=kind,
            first=adult.first,
            middle=adult.middle,
            last=adult.last,
            sex=adult.sex,
            birth_date=birth_date,
            phone=_phone(rng) if rng.random() < phone_share else "",
            registered=registered + datetime.timedelta(hours=rng.randrange(0, 72)),
            passport_latin=passport,
            identity=identity,
            **where,
        )
        self.writer.services(pk, [service])
        if kind == PersonKind.PARENT:
            self.writer.counts.parents += 1
        else:
            self.writer.counts.relatives += 1
        return pk

    def _children(
        self,
        births: list[datetime.date],
        father: Adult,
        mother: Adult,
        grandmother: Adult | None,
        where: dict[str, Any],
        registered: datetime.datetime,
        main_service: int,
    ) -> list[tuple[int, datetime.date]]:
        rng = self.rng
        writer = self.writer
        children: list[tuple[int, datetime.date]] = []
        given: set[str] = set()
        previous_birth: datetime.date | None = None
        for birth in births:
            twin = birth == previous_birth
            previous_birth = birth
            if twin:
                writer.counts.twins += 1
            sex = Sex.MALE if rng.random() < 0.515 else Sex.FEMALE
            first = self._child_first_name(sex, given)
            given.add(first)
            male = sex == Sex.MALE
            middle = _PATRONYMICS[father.first]
            last = father.last
            if not male:
                middle, last = names.female_surname(middle), names.female_surname(last)
            pk = writer.person(
                kind=PersonKind.CHILD,
                first=first,
                middle=middle,
                last=last,
                sex=sex,
                birth_date=birth,
                phone=_phone(rng) if birth.year <= 2012 and rng.random() < 0.3 else "",
                registered=max(registered, _midnight(birth)) + datetime.timedelta(hours=rng.randrange(0, 72)),
                passport_latin=_passport_latin(Adult(first, middle, last, sex, birth), rng)
                if rng.random() < 0.005
                else None,
                **where,
            )
            writer.counts.children += 1
            writer.services(pk, self._child_services(main_service))
            if mother.pk is not None:
                writer.relationship(pk, mother.pk, RelationshipKind.MOTHER)
            if father.pk is not None:
                writer.relationship(pk, father.pk, RelationshipKind.FATHER)
            if grandmother is not None and grandmother.pk is not None:
                writer.relationship(pk, grandmother.pk, RelationshipKind.GRANDPARENT)
            for elder, _born in children:
                writer.relationship(elder, pk, RelationshipKind.SIBLING)
            children.append((pk, birth))
        return children

    def _child_first_name(self, sex: str, given: set[str]) -> str:
        tradition = self.names
        if tradition is self.turkish and self.rng.random() < TURKISH_FAMILY_OTHER_NAME:
            tradition = self.general
        picker = tradition.child_male if sex == Sex.MALE else tradition.child_female
        for _attempt in range(20):
            name = picker.pick(self.rng)
            if name not in given:
                return name
        return name

    def _child_services(self, main_service: int) -> list[int]:
        rng = self.rng
        chosen = [main_service]
        extra = rng.random()
        wanted = 3 if extra < 0.03 else 2 if extra < 0.18 else 1
        for _attempt in range(10):
            if len(chosen) >= wanted:
                break
            other = self.setting.services.pick(rng)
            if other not in chosen:
                chosen.append(other)
        return chosen

    def _unborn(self, mother_id: int, where: dict[str, Any], registered: datetime.datetime, service: int) -> None:
        rng = self.rng
        pk = self.writer.person(
            kind=PersonKind.UNBORN,
            first="",
            middle="",
            last="",
            sex="",
            birth_date=None,
            phone="",
            registered=registered,
            identity=IdentityKind.NONE,
            mother_id=mother_id,
            due_date=DUE_FROM + datetime.timedelta(days=rng.randrange(0, 250)),
            **where,
        )
        self.writer.services(pk, [service])
        self.writer.counts.unborn += 1

    def _household(
        self,
        surname: str,
        where: dict[str, Any],
        first_birth: datetime.date,
        registered: datetime.datetime,
        mother: Adult,
        father: Adult,
        grandmother: Adult | None,
        children: list[tuple[int, datetime.date]],
    ) -> None:
        rng = self.rng
        writer = self.writer
        household_id = writer.new_id("people_household")
        writer.streams.write(
            "people_household",
            (
                household_id,
                f"Семейство {names.family_name(surname)}",
                where["address"],
                registered,
                registered,
                self.setting.organisation_id,
                where["settlement_id"],
            ),
        )
        writer.counts.households += 1
        members: list[tuple[int, datetime.date | None, datetime.date | None]] = []
        if mother.pk is not None:
            members.append((mother.pk, first_birth, None))
        if father.pk is not None and rng.random() < 0.8:
            left = None
            if rng.random() < 0.05:
                left = min(LAST_BIRTH, first_birth + datetime.timedelta(days=rng.randrange(200, 3000)))
            members.append((father.pk, first_birth, left))
        if grandmother is not None and grandmother.pk is not None and rng.random() < 0.4:
            members.append((grandmother.pk, None, None))
        members += [(pk, born, None) for pk, born in children]
        for person_id, start, end in members:
            writer.streams.write(
                "people_householdmember", (writer.new_id("people_householdmember"), start, end, household_id, person_id)
            )
            writer.counts.household_members += 1

    def _address(self, settlement: Settlement) -> str:
        rng = self.rng
        complexes = COMPLEXES.get(settlement.ekatte)
        if complexes and rng.random() < 0.6:
            entrance = rng.choice("АБВГ")
            return f"{rng.choice(complexes)}, бл. {rng.randrange(1, 400)}, вх. {entrance}, ап. {rng.randrange(1, 90)}"
        return f"{rng.choice(STREETS)} {rng.randrange(1, 120)}"


_PATRONYMICS = {name: patronymic for name, _weight, patronymic in names.ADULT_MALE}


def _random_moment(rng: random.Random) -> datetime.datetime:
    span = int((REGISTERED_UNTIL - REGISTERED_FROM).total_seconds())
    return REGISTERED_FROM + datetime.timedelta(seconds=rng.randrange(span))


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)


def _clamp_adult(born: datetime.date, rng: random.Random) -> datetime.date:
    if born < OLDEST_ADULT:
        return OLDEST_ADULT + datetime.timedelta(days=rng.randrange(0, 3650))
    return born


def _phone(rng: random.Random) -> str:
    """A Bulgarian mobile number in E.164, as ``opora.core.phones.normalise_phone`` stores it."""
    return f"+3598{rng.choice('789')}{rng.randrange(10**7):07d}"


def _passport_latin(adult: Adult, rng: random.Random) -> tuple[str, str, str]:
    """A passport's Latin spelling that may differ from the Act's (for ``latin_from_passport``)."""
    return (
        disguise.latin_variant(adult.first, rng),
        disguise.latin_variant(adult.middle, rng),
        disguise.latin_variant(adult.last, rng),
    )


# --- COPY ----------------------------------------------------------------------------------------------------


class CopyStreams:
    """One COPY per table, all open at once (one connection each), committed together at the end."""

    def __init__(self, url: str, columns: dict[str, tuple[str, ...]]) -> None:
        self.url = url
        self.columns = columns
        self._stack = ExitStack()
        self._connections: list[psycopg.Connection[Any]] = []
        self._copies: dict[str, Any] = {}

    def __enter__(self) -> "CopyStreams":
        for table, columns in self.columns.items():
            connection = self._stack.enter_context(psycopg.connect(self.url))
            connection.execute("SET synchronous_commit = off")
            self._connections.append(connection)
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(column) for column in columns)
            )
            self._copies[table] = self._stack.enter_context(connection.cursor().copy(statement))
        return self

    def write(self, table: str, row: tuple[Any, ...]) -> None:
        self._copies[table].write_row(row)

    def __exit__(self, *exc_info: Any) -> None:
        # Closing the copies first ends each COPY; the connections then commit (or roll back on an error).
        self._stack.__exit__(*exc_info)


# --- The whole load ---------------------------------------------------------------------------------------


def generate(config: Config) -> dict[str, Any]:
    """Fill the (freshly migrated) database; return what was loaded and how long each step took."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    setting = create_organisation()
    with psycopg.connect(config.url, autocommit=True) as admin:
        first_ids = {table: _next_id(admin, table) for table in LOADED_TABLES}
        restore = drop_secondary_structures(admin, LOADED_TABLES)
    timings["setup"] = time.perf_counter() - started

    print(f"Generating families until {config.children:,} children exist (COPY into {config.database})…", flush=True)
    step = time.perf_counter()
    rng = random.Random(config.seed)
    with CopyStreams(config.url, COLUMNS) as streams:
        writer = PeopleWriter(streams, setting, rng, first_ids)
        families = FamilyGenerator(writer, setting, rng)
        next_report = PROGRESS_EVERY
        while writer.counts.children < config.children:
            families.family(config.children - writer.counts.children)
            if writer.counts.children >= next_report:
                _progress(writer.counts, config.children, step)
                next_report += PROGRESS_EVERY
    counts = writer.counts
    timings["generate_and_copy"] = time.perf_counter() - step
    print(
        f"  {counts.people:,} people in {counts.families:,} families written in {timings['generate_and_copy']:.0f} s",
        flush=True,
    )

    step = time.perf_counter()
    with psycopg.connect(config.url, autocommit=True) as admin:
        admin.execute("SET maintenance_work_mem = '1GB'")
        for table in LOADED_TABLES:
            reset_identity(admin, table)
        print(f"Recreating {len(restore)} indexes and constraints…", flush=True)
        restore_secondary_structures(admin, restore)
        timings["indexes"] = time.perf_counter() - step
        step = time.perf_counter()
        print("VACUUM ANALYZE…", flush=True)
        for table in LOADED_TABLES:
            admin.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        timings["vacuum_analyze"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    return {"counts": asdict(counts), "timings": timings}


def _next_id(connection: psycopg.Connection[Any], table: str) -> int:
    row = connection.execute(
        sql.SQL("SELECT COALESCE(max(id), 0) + 1 FROM {}").format(sql.Identifier(table))
    ).fetchone()
    assert row is not None
    return int(row[0])


def _progress(counts: Counts, wanted: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    rate = counts.children / elapsed if elapsed else 0.0
    left = (wanted - counts.children) / rate if rate else 0.0
    print(
        f"  {counts.children:>9,} children, {counts.people:>9,} people, {elapsed:6.0f} s, "
        f"{rate:,.0f} children/s, about {left:.0f} s left",
        flush=True,
    )
