"""The slips a second registration makes that the duplicate check and the search box must see through: a
birth date a day off or with the day and the month swapped, with or without the father's name, a double
surname typed where one was stored. Runs on SQLite and on PostgreSQL.

(The million-child benchmark measures the same classes: ``make bench-people``, docs/benchmarks.md.)"""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from opora.organisation.models import Role
from opora.people import search
from opora.people.models import Person
from opora.people.search import duplicate_candidates, mistyped_dates, search_people
from tests.conftest import World, make_person


@pytest.fixture(autouse=True)
def _in_english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def candidates(world: World, **typed: Any) -> list[Person]:
    return [person for person, _score, _reasons in duplicate_candidates(world.organisation, **typed)]


# --- Near birth dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (datetime.date(2011, 11, 30), datetime.date(2011, 11, 29)),  # 30 → 29: two digits, one day
        (datetime.date(2016, 1, 31), datetime.date(2016, 2, 1)),  # 31.01 → 01.02: across the month
        (datetime.date(2016, 12, 31), datetime.date(2017, 1, 1)),  # across the year
        (datetime.date(2016, 3, 5), datetime.date(2016, 5, 3)),  # day and month swapped
    ],
)
def test_a_day_off_or_day_and_month_swapped_is_a_close_date(stored: datetime.date, typed: datetime.date) -> None:
    assert stored in search.close_dates(typed)
    assert stored in mistyped_dates(typed)


def test_close_dates_are_only_the_neighbours_and_the_swap() -> None:
    assert search.close_dates(datetime.date(2016, 3, 15)) == [datetime.date(2016, 3, 14), datetime.date(2016, 3, 16)]
    assert search.close_dates(datetime.date(2016, 3, 5)) == [
        datetime.date(2016, 3, 4),
        datetime.date(2016, 3, 6),
        datetime.date(2016, 5, 3),
    ]


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (datetime.date(2011, 11, 30), datetime.date(2011, 11, 29)),
        (datetime.date(2016, 1, 31), datetime.date(2016, 2, 1)),
        (datetime.date(2016, 3, 5), datetime.date(2016, 5, 3)),
    ],
)
@pytest.mark.parametrize("father", ["Стоянов", ""])
def test_a_child_registered_again_with_a_close_birth_date_is_a_candidate(
    world: World, stored: datetime.date, typed: datetime.date, father: str
) -> None:
    ivan = make_person(world.other, "Иван", "Петров", middle_name="Стоянов", birth_date=stored)
    make_person(world.own, "Иван", "Петров", middle_name="Стоянов", birth_date=datetime.date(2011, 6, 1))
    found = duplicate_candidates(
        world.organisation, first_name="Иван", middle_name=father, last_name="Петров", birth_date=typed
    )
    assert [person for person, _score, _reasons in found] == [ivan]
    _person, score, reasons = found[0]
    assert "birth date differs by a slip of the keyboard" in reasons
    # Weaker than the same birthday would be.
    same_day = duplicate_candidates(
        world.organisation, first_name="Иван", middle_name=father, last_name="Петров", birth_date=stored
    )
    assert score < same_day[0][1]


def test_a_close_birth_date_without_the_fathers_name_needs_the_name_itself(world: World) -> None:
    """Without the father's name a near birthday is a weak sign: a namesake with a typo is not enough."""
    make_person(world.own, "Веселин", "Костадинов", birth_date=datetime.date(2015, 6, 20))
    typed = datetime.date(2015, 6, 21)
    assert candidates(world, first_name="Веселин", last_name="Костадинов", birth_date=typed) != []
    assert candidates(world, first_name="Веселин", last_name="Костадиноф", birth_date=typed) != []
    assert candidates(world, first_name="Валентин", last_name="Костадинов", birth_date=typed) == []
    # A one-digit slip that is not a neighbouring day (20 → 28) still needs the father's name.
    assert candidates(world, first_name="Веселин", last_name="Костадинов", birth_date=datetime.date(2015, 6, 28)) == []


def test_a_close_birth_date_with_another_fathers_name_is_another_person(world: World) -> None:
    make_person(world.own, "Веселин", "Костадинов", middle_name="Ангелов", birth_date=datetime.date(2015, 6, 20))
    typed = datetime.date(2015, 6, 21)
    assert (
        candidates(world, first_name="Веселин", middle_name="Маринов", last_name="Костадинов", birth_date=typed) == []
    )


# --- Double surnames --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Мария", "Иванова-Петрова"),
        ("Мария", "Иванова-Колчева"),
        ("Мария", "Иванова Шишкова"),
        ("Мария", "Шишкова-Иванова"),
        ("Maria", "Ivanova-Shishkova"),
        ("Иванова-Шишкова", "Мария"),  # swapped too
    ],
)
def test_a_double_surname_typed_where_one_was_stored_is_a_candidate(world: World, first: str, last: str) -> None:
    born = datetime.date(2014, 4, 9)
    maria = make_person(world.own, "Мария", "Иванова", middle_name="Георгиева", birth_date=born, sex="female")
    make_person(world.own, "Мария", "Стоянова", birth_date=born, sex="female")
    assert candidates(world, first_name=first, last_name=last, birth_date=born) == [maria]
    assert candidates(world, first_name=first, middle_name="Георгиева", last_name=last, birth_date=born) == [maria]


def test_a_double_surname_with_both_parts_unknown_is_another_person(world: World) -> None:
    born = datetime.date(2014, 4, 9)
    make_person(world.own, "Мария", "Иванова", birth_date=born, sex="female")
    assert candidates(world, first_name="Мария", last_name="Колева-Петрова", birth_date=born) == []


# --- The search box --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["14.03.2016", "16.03.2016", "03.15.2016", "15.08.2016"])
def test_the_search_box_finds_a_name_born_on_a_mistyped_date(world: World, typed: str) -> None:
    """ "Мария Петрова 14.03.2016" for a Мария Петрова born on 15.03.2016: the people born that very day come
    first, then those of the name born on a date the typed one could be a slip for."""
    born = datetime.date(2016, 3, 15)
    maria = make_person(world.own, "Мария", "Петрова", birth_date=born, sex="female")
    make_person(world.own, "Мария", "Петрова", birth_date=datetime.date(2012, 7, 1), sex="female")
    assert search_people(world.users[Role.SOCIAL_WORKER], f"Мария Петрова {typed}") == [maria]
    assert search_people(world.users[Role.SOCIAL_WORKER], f"Mariya Petrova {typed}") == [maria]


def test_the_search_box_puts_the_typed_date_first(world: World) -> None:
    born = datetime.date(2016, 3, 15)
    near = make_person(world.own, "Мария", "Петрова", birth_date=datetime.date(2016, 3, 16), sex="female")
    exact = make_person(world.own, "Мария", "Петрова", birth_date=born, sex="female")
    make_person(world.own, "Мария", "Петрова", birth_date=datetime.date(2013, 1, 1), sex="female")
    assert search_people(world.users[Role.SOCIAL_WORKER], "Мария Петрова 15.03.2016") == [exact, near]
