"""Shared fixtures: a small named world of one organisation, two services and a user in every role."""

import datetime
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("OPORA_ENVIRONMENT", "test")
# Playwright's sync API runs an event loop in the test thread; Django's ORM calls there are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from opora.accounts.models import User
from opora.core.identifiers import fake_egn
from opora.organisation.models import Membership, Organisation, Role, Service, ServiceKind
from opora.people.models import IdentityKind, Person, PersonKind
from opora.people.search import forget_vocabulary
from opora.people.services import person_register

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """allauth keeps its per-address rate limits in the cache, which outlives each test's database; the
    search keeps the vocabulary of names, whose rolled-back rows may give a number to another word."""
    cache.clear()
    forget_vocabulary()


@pytest.fixture(autouse=True, scope="session")
def _private_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Uploaded files (referrals' preliminary assessments) go to a temporary directory, never into var/."""
    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path_factory.mktemp("private")},
    }
    with override_settings(STORAGES={**settings.STORAGES, "private": private}):
        yield


@dataclass
class World:
    """One organisation with an own and an other service; ``users[role]`` holds that role in ``own``."""

    organisation: Organisation
    own: Service
    other: Service
    users: dict[str, User] = field(default_factory=dict)
    outsider: User | None = None

    def client_for(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client


def make_user(username: str, organisation: Organisation, role: str, service: Service | None) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.capitalize(),
        last_name="Тестов",
        email=f"{username}@example.org",
        organisation=organisation,
    )
    Membership.objects.create(user=user, role=role, service=None if role == Role.ADMINISTRATOR else service)
    return user


def registrar(of: Organisation | Person) -> User:
    """Who registers and relates people in tests: an administrator of the organisation (made when it has
    none), who may do so in every service of it."""
    organisation = of if isinstance(of, Organisation) else of.organisation
    found = User.objects.filter(organisation=organisation, memberships__role=Role.ADMINISTRATOR).order_by("pk").first()
    return found or make_user(f"registrar{organisation.pk}", organisation, Role.ADMINISTRATOR, None)


def make_service(organisation: Organisation, name: str, kind: str, municipality: str, capacity: int) -> Service:
    return Service.objects.create(
        organisation=organisation, name=name, kind=kind, municipality=municipality, capacity=capacity
    )


def make_person(
    service: Service,
    first_name: str,
    last_name: str,
    *,
    birth_date: datetime.date | None = datetime.date(2016, 5, 12),
    sex: str = "male",
    kind: str = PersonKind.CHILD,
    egn: bool = True,
    **fields: Any,
) -> Person:
    """A person registered by ``service``; with ``egn`` a synthetic ЕГН matching the birth date and sex."""
    person = Person(
        organisation=service.organisation,
        kind=kind,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        sex=sex,
        identity_kind=IdentityKind.EGN if egn else IdentityKind.NONE,
        **fields,
    )
    if egn and birth_date is not None:
        person.set_identifier(fake_egn(birth_date, sex, random.Random(f"{first_name} {last_name}")))
    elif not egn and kind != PersonKind.UNBORN:
        person.no_identifier_reason = person.no_identifier_reason or "Не е известен"
    return person_register(person=person, service=service, by=registrar(service.organisation))


def build_world() -> World:
    """One organisation, services ``own`` and ``other``, a user in every role in ``own``, the outsider in ``other``."""
    organisation = Organisation.objects.create(name="Сдружение „Опора“", municipality="Русе")
    own = make_service(organisation, "ЦОП Русе", ServiceKind.SPECIALISED, "Русе", 60)
    other = make_service(organisation, "ЦОП Хисаря", ServiceKind.GENERAL_ACCESS, "Хисаря", 30)
    built = World(organisation=organisation, own=own, other=other)
    for role in Role:
        built.users[role] = make_user(role.value, organisation, role, own)
    built.outsider = make_user("outsider", organisation, Role.SOCIAL_WORKER, other)
    return built


@pytest.fixture
def world(db: None) -> World:
    return build_world()


# --- A fixed clock, and the child of the case-work tests --------------------------------------------------

FIXED_NOW = datetime.datetime(2026, 3, 2, 7, 10, tzinfo=datetime.UTC)  # Monday 09:10 in Sofia


@dataclass
class Clock:
    """A fixed ``timezone.now()`` for the test, moved on by hand."""

    now: datetime.datetime

    def advance(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fixed = Clock(FIXED_NOW)
    monkeypatch.setattr(timezone, "now", lambda: fixed.now)
    return fixed


@pytest.fixture
def child(world: World) -> Person:
    return make_person(world.own, "Мартин", "Колев")
