"""Finding people: the ranked, typo-tolerant search box and the duplicate check before a registration.

Runs on SQLite and on PostgreSQL (pg_trgm); both must give the same answers."""

import datetime
import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opora.core.identifiers import fake_egn
from opora.organisation.models import Role
from opora.people.models import IdentityKind, Person, identifier_digest
from opora.people.search import duplicate_candidates, egn_prefix_date, mistyped_dates, search_people
from opora.people.search_index import PG_PLACED_WORDS
from opora.places.ekatte import load_shipped_extract
from opora.places.models import Settlement
from tests.conftest import World, make_person

BORN = datetime.date(2016, 3, 15)


@pytest.fixture(autouse=True)
def _in_english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def people(world: World) -> dict[str, Person]:
    """A few people of the own service, and one of the other service."""
    return {
        "ivan": make_person(world.own, "Иван", "Петров", birth_date=BORN),
        "ivan_georgiev": make_person(world.own, "Иван", "Георгиев", birth_date=datetime.date(2012, 1, 2)),
        "ivana": make_person(world.own, "Ивана", "Стоянова", birth_date=datetime.date(2014, 7, 8), sex="female"),
        "maria": make_person(world.own, "Мария", "Петрова", birth_date=BORN, sex="female"),
        "petar": make_person(world.own, "Петър", "Колев", birth_date=datetime.date(2010, 10, 10)),
        "hidden": make_person(world.other, "Иван", "Петров", birth_date=datetime.date(2011, 11, 11)),
    }


def found(world: World, text: str, role: str = Role.SOCIAL_WORKER) -> list[Person]:
    return search_people(world.users[role], text)


# --- Names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Иван Петров",
        "Ivan Petrov",
        "Ivan Petorv",
        "Petrov Ivan",
        "Петров Иван",
        "Иван Петорв",
        "Iavn Petrvo",
        "ivan pet",
    ],
)
def test_a_name_is_found_in_either_alphabet_any_order_and_with_typos(
    world: World, people: dict[str, Person], text: str
) -> None:
    assert found(world, text)[0] == people["ivan"]


def test_a_first_name_finds_everyone_of_that_name_ties_by_last_name(world: World, people: dict[str, Person]) -> None:
    result = found(world, "Ivan")
    assert result[:2] == [people["ivan_georgiev"], people["ivan"]]
    assert people["petar"] not in result
    assert people["maria"] not in result


def test_an_unrelated_name_finds_nobody(world: World, people: dict[str, Person]) -> None:
    assert found(world, "Зюмбюл Ъглов") == []


def test_the_best_match_comes_first(world: World, people: dict[str, Person]) -> None:
    result = found(world, "Petrova")
    assert result[0] == people["maria"]


@pytest.mark.parametrize(
    ("typed", "stored", "near"),
    [
        # A spelling habit against a name a letter or two away: the habit is the closer.
        ("Alex Ivanov", "Алекс Иванов", "Алек Иванов"),  # x for ks
        ("Stephan Petkov", "Стефан Петков", "Степан Петков"),  # ph for f
        ("Iwan Petkow", "Иван Петков", "Иван Петко"),  # w for v
        ("Tzvetan Tzonev", "Цветан Цонев", "Цветан Тонев"),  # tz for ts
        ("Jivko Iordanov", "Живко Йорданов", "Живко Горданов"),  # j for zh, i for y
        ("Mariya Ivanova", "Мария Иванова", "Марина Иванова"),  # -iya for -ia
        ("Khristo Petrov", "Христо Петров", "Кристо Петров"),  # kh for h
    ],
)
def test_latin_spelling_habits_find_the_name_before_near_names(
    world: World, typed: str, stored: str, near: str
) -> None:
    person = make_person(world.own, *stored.split())
    other = make_person(world.own, *near.split())
    assert found(world, typed)[:2] == [person, other]


def test_alex_finds_aleks_first_then_the_names_it_begins(world: World, people: dict[str, Person]) -> None:
    aleks = make_person(world.own, "Алекс", "Колев")
    aleksandar = make_person(world.own, "Александър", "Колев")
    alen = make_person(world.own, "Ален", "Колев")
    result = found(world, "Alex")
    assert result[:2] == [aleks, aleksandar]
    assert result.index(alen) > 1


def test_a_spelling_habit_is_a_duplicate_candidate(world: World) -> None:
    aleks = make_person(world.own, "Алекс", "Иванов", birth_date=BORN)
    candidates = duplicate_candidates(world.organisation, first_name="Alex", last_name="Ivanov", birth_date=BORN)
    assert [person for person, _score, _reasons in candidates] == [aleks]


# --- Numbers and dates ----------------------------------------------------------------------------------


def test_a_full_egn_finds_exactly_that_person(world: World, people: dict[str, Person]) -> None:
    assert found(world, people["maria"].identifier) == [people["maria"]]


def test_a_full_lnch_is_found_by_its_digest(world: World, people: dict[str, Person]) -> None:
    person = people["petar"]
    person.identity_kind = IdentityKind.LNCH
    person.identifier_digest = identifier_digest(IdentityKind.LNCH, "1234567890")
    person.save()
    assert found(world, "1234567890") == [person]


def test_six_digits_of_an_egn_give_the_birth_date(world: World, people: dict[str, Person]) -> None:
    assert set(found(world, people["ivan"].identifier[:6])) == {people["ivan"], people["maria"]}


def test_nine_digits_of_an_egn_give_the_birth_date_and_the_sex(world: World, people: dict[str, Person]) -> None:
    assert found(world, people["maria"].identifier[:9]) == [people["maria"]]
    assert found(world, people["ivan"].identifier[:9]) == [people["ivan"]]


def test_the_egn_date_part_knows_the_centuries() -> None:
    assert egn_prefix_date("160315") == (datetime.date(1916, 3, 15), "")
    assert egn_prefix_date("164315") == (datetime.date(2016, 3, 15), "")
    assert egn_prefix_date("052315") == (datetime.date(1805, 3, 15), "")
    assert egn_prefix_date("164315001") == (datetime.date(2016, 3, 15), "female")
    assert egn_prefix_date("164315000") == (datetime.date(2016, 3, 15), "male")
    assert egn_prefix_date("169915") is None


@pytest.mark.parametrize("text", ["15.03.2016", "2016-03-15", "15.3.2016"])
def test_a_date_finds_the_people_born_that_day(world: World, people: dict[str, Person], text: str) -> None:
    assert found(world, text) == [people["ivan"], people["maria"]]


def test_a_date_and_a_name_together(world: World, people: dict[str, Person]) -> None:
    assert found(world, "Мария 15.03.2016") == [people["maria"]]


# --- Settlements ----------------------------------------------------------------------------------------


def test_a_settlement_word_narrows_by_settlement(world: World, people: dict[str, Person]) -> None:
    load_shipped_extract()
    varna = Settlement.objects.get(name="Варна")
    in_varna = make_person(world.own, "Иван", "Петков", birth_date=datetime.date(2013, 4, 4), settlement=varna)
    assert found(world, "Иван Варна") == [in_varna]
    assert found(world, "Ivan Varna") == [in_varna]
    assert people["ivan"] in found(world, "Иван")


# --- Scope ------------------------------------------------------------------------------------------------


def test_another_services_people_are_never_found(world: World, people: dict[str, Person]) -> None:
    hidden = people["hidden"]
    for text in ["Иван Петров", hidden.identifier, hidden.identifier[:6], "11.11.2011"]:
        assert hidden not in found(world, text)
    assert hidden in search_people(world.outsider, "Иван Петров")
    assert hidden in found(world, "Иван Петров", Role.ADMINISTRATOR)
    assert found(world, "Иван Петров", Role.MONITORING) == []


def test_the_list_page_searches(world: World, people: dict[str, Person]) -> None:
    client = world.client_for(Role.SOCIAL_WORKER)
    response = client.get(reverse("people:person_list"), {"q": "Petorv Ivan"})
    assert next(iter(response.context["page"])) == people["ivan"]
    assert people["hidden"] not in list(response.context["page"])


def test_the_list_page_says_when_more_match_than_it_shows(
    world: World, people: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    from opora.people import views

    monkeypatch.setattr(views, "SEARCH_LIMIT", 2)
    client = world.client_for(Role.SOCIAL_WORKER)
    # Three Иван of the own service (Петров, Георгиев; Ивана is close too): more than two.
    crowded = client.get(reverse("people:person_list"), {"q": "Иван"})
    assert crowded.context["more_than_shown"] is True
    assert "15.03.2016" in crowded.content.decode()
    narrow = client.get(reverse("people:person_list"), {"q": "Иван Петров"})
    assert narrow.context["more_than_shown"] is False


# --- Duplicates -------------------------------------------------------------------------------------------


def reasons_for(candidates: list[tuple[Person, float, list[str]]], person: Person) -> list[str]:
    return next(reasons for candidate, _score, reasons in candidates if candidate == person)


def test_the_same_egn_is_the_first_candidate(world: World, people: dict[str, Person]) -> None:
    ivan = people["ivan"]
    candidates = duplicate_candidates(
        world.organisation, first_name="Йоан", last_name="Петров", identifier_digest=ivan.identifier_digest
    )
    assert candidates[0][0] == ivan
    assert candidates[0][1] == 1.0
    assert "same EGN" in candidates[0][2]


def test_swapped_names_are_a_candidate(world: World, people: dict[str, Person]) -> None:
    candidates = duplicate_candidates(world.organisation, first_name="Петрова", last_name="Мария")
    assert candidates[0][0] == people["maria"]
    assert "names swapped" in candidates[0][2]


def test_a_latin_spelling_is_a_candidate_for_a_cyrillic_record(world: World, people: dict[str, Person]) -> None:
    candidates = duplicate_candidates(world.organisation, first_name="Mariya", last_name="Petrova", birth_date=BORN)
    assert candidates[0][0] == people["maria"]
    assert {"similar name", "transliterated spelling", "same birth date"} <= set(candidates[0][2])


def test_the_reasons_are_in_the_users_language(world: World, people: dict[str, Person]) -> None:
    with translation.override("bg"):
        candidates = duplicate_candidates(world.organisation, first_name="Mariya", last_name="Petrova", birth_date=BORN)
        expected = {str(translation.gettext(reason)) for reason in ("similar name", "transliterated spelling")}
    assert candidates[0][0] == people["maria"]
    assert expected <= set(candidates[0][2])
    assert "similar name" not in candidates[0][2]


def test_without_an_egn_the_same_birth_date_makes_a_strong_candidate(world: World, people: dict[str, Person]) -> None:
    candidates = duplicate_candidates(world.organisation, first_name="Иван", last_name="Петров", birth_date=BORN)
    assert candidates[0][0] == people["ivan"]
    assert "same birth date" in candidates[0][2]
    # The other Иван Петров was born on 11.11.2011: another birthday, another person.
    assert people["hidden"] not in [person for person, _score, _reasons in candidates]


def test_a_birth_date_one_keystroke_away_makes_a_weaker_candidate(world: World) -> None:
    born = datetime.date(2011, 11, 11)
    ivan = make_person(world.other, "Иван", "Петров", middle_name="Стоянов", birth_date=born)
    slip = datetime.date(2011, 11, 17)  # 17.11.2011 for 11.11.2011

    def candidates(typed: datetime.date) -> list[tuple[Person, float, list[str]]]:
        return duplicate_candidates(
            world.organisation, first_name="Иван", middle_name="Стоянов", last_name="Петров", birth_date=typed
        )

    assert [person for person, _score, _reasons in candidates(slip)] == [ivan]
    score, reasons = candidates(slip)[0][1], candidates(slip)[0][2]
    assert "birth date differs by a slip of the keyboard" in reasons
    assert score < candidates(born)[0][1]


def test_a_near_birthday_with_another_fathers_name_is_another_person(world: World) -> None:
    born = datetime.date(2015, 6, 20)
    veselin = make_person(world.own, "Веселин", "Костадинов", middle_name="Ангелов", birth_date=born)
    slip = datetime.date(2015, 6, 28)

    def candidates(middle_name: str) -> list[Person]:
        found = duplicate_candidates(
            world.organisation, first_name="Веселин", middle_name=middle_name, last_name="Костадинов", birth_date=slip
        )
        return [person for person, _score, _reasons in found]

    assert candidates("Ангелов") == [veselin]
    assert candidates("Маринов") == []
    # Without the father's name a near birthday is too weak: in a country, namesakes are born every week.
    assert candidates("") == []


def test_another_fathers_name_is_another_person(world: World) -> None:
    born = datetime.date(2015, 6, 20)
    make_person(world.own, "Веселин", "Костадинов", middle_name="Ангелов", birth_date=born)
    found = duplicate_candidates(
        world.organisation, first_name="Веселин", middle_name="Маринов", last_name="Костадинов", birth_date=born
    )
    assert found == []


def test_a_boy_and_a_girl_of_one_name_and_birthday_are_two_children(world: World) -> None:
    born = datetime.date(2013, 10, 15)
    borislava = make_person(world.own, "Борислава", "Иванова", birth_date=born, sex="female")

    def candidates(sex: str = "") -> list[Person]:
        found = duplicate_candidates(
            world.organisation, first_name="Борислав", last_name="Иванова", birth_date=born, sex=sex
        )
        return [person for person, _score, _reasons in found]

    assert candidates() == [borislava]  # by the names and the birthday alone, a likely duplicate
    assert candidates(sex="female") == [borislava]
    assert candidates(sex="male") == []


def test_every_part_of_the_name_must_be_close(world: World) -> None:
    """The same first name and birth date with another family name is another child, however the average
    of the two parts looks."""
    born = datetime.date(2009, 10, 5)
    make_person(world.own, "Бояна", "Коларова", birth_date=born, sex="female")
    assert duplicate_candidates(world.organisation, first_name="Бояна", last_name="Костова", birth_date=born) == []


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (datetime.date(2016, 3, 15), datetime.date(2016, 3, 16)),  # a day digit
        (datetime.date(2016, 3, 15), datetime.date(2016, 8, 15)),  # a month digit
        (datetime.date(2016, 3, 15), datetime.date(2018, 3, 15)),  # a year digit
        (datetime.date(2016, 3, 5), datetime.date(2016, 5, 3)),  # day and month swapped
    ],
)
def test_a_slip_of_the_keyboard_in_a_birth_date(typed: datetime.date, meant: datetime.date) -> None:
    assert meant in mistyped_dates(typed)


def test_two_keystrokes_make_another_birthday() -> None:
    dates = mistyped_dates(BORN)
    assert datetime.date(2016, 4, 16) not in dates  # two digits changed
    assert BORN not in dates
    assert all(isinstance(date, datetime.date) for date in dates)  # 31.02 and the like are left out


def test_duplicates_are_found_in_every_service(world: World, people: dict[str, Person]) -> None:
    candidates = duplicate_candidates(world.organisation, first_name="Иван", last_name="Петров")
    assert {people["ivan"], people["hidden"]} <= {person for person, _score, _reasons in candidates}


def test_a_different_egn_is_a_different_person(world: World, people: dict[str, Person]) -> None:
    number = fake_egn(BORN, "male", random.Random(99))
    candidates = duplicate_candidates(
        world.organisation,
        first_name="Иван",
        last_name="Петров",
        birth_date=BORN,
        identifier_digest=identifier_digest(IdentityKind.EGN, number),
    )
    assert people["ivan"] not in [person for person, _score, _reasons in candidates]


def test_different_people_are_no_candidates(world: World, people: dict[str, Person]) -> None:
    assert duplicate_candidates(world.organisation, first_name="Зюмбюл", last_name="Ъглов") == []
    ivan = people["ivan"]
    candidates = duplicate_candidates(world.organisation, first_name="Иван", last_name="Петров", exclude_pk=ivan.pk)
    assert ivan not in [person for person, _score, _reasons in candidates]


# --- Registration ---------------------------------------------------------------------------------------


def registration(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "child",
        "first_name": "Иван",
        "last_name": "Петров",
        "identity_kind": "none",
        "no_identifier_reason": "Не е известен",
        "birth_date": BORN.isoformat(),
        "sex": "male",
        "address": "ул. „Нова“ 5",
    }
    data.update(changes)
    return data


def register(world: World, client: Client, data: dict[str, Any]) -> Any:
    return client.post(reverse("people:person_create"), {"service": world.own.pk, **data})


def test_registration_shows_the_candidates_and_keeps_the_values(world: World, people: dict[str, Person]) -> None:
    client = world.client_for(Role.SOCIAL_WORKER)
    before = Person.objects.count()
    # No birth date yet: both Иван Петров are candidates, whatever their birthdays.
    response = register(world, client, registration(birth_date=""))
    assert response.status_code == 200
    assert Person.objects.count() == before
    content = response.content.decode()
    assert reverse("people:person_detail", args=[people["ivan"].pk]) in content
    # The other service's Иван Петров: only that someone matches there, nothing of the person.
    assert reverse("people:person_detail", args=[people["hidden"].pk]) not in content
    assert "A person registered in another service matches. Ask ЦОП Хисаря or your head of service." in content
    assert "11.11.2011" not in content
    assert "2011-11-11" not in content
    form = response.context["form"]
    assert form["first_name"].value() == "Иван"
    assert form["address"].value() == "ул. „Нова“ 5"
    assert 'name="different_person"' in content


def test_ticking_a_different_person_registers_them(world: World, people: dict[str, Person]) -> None:
    client = world.client_for(Role.SOCIAL_WORKER)
    response = register(world, client, registration(different_person="on"))
    assert response.status_code == 302
    assert Person.objects.filter(first_name="Иван", last_name="Петров").count() == 3


def test_a_registration_without_candidates_goes_straight_through(world: World, people: dict[str, Person]) -> None:
    client = world.client_for(Role.SOCIAL_WORKER)
    response = client.get(reverse("people:person_create"))
    assert 'name="different_person"' not in response.content.decode()
    response = register(world, client, registration(first_name="Зюмбюл", last_name="Ъглов"))
    assert response.status_code == 302
    registered = Person.objects.get(first_name="Зюмбюл", last_name="Ъглов")
    assert response["Location"] == reverse("people:person_detail", args=[registered.pk])


# --- The structures behind the search -----------------------------------------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="runs in the PostgreSQL pass")
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="runs in the SQLite pass")


@postgresql_only
def test_the_name_search_can_use_the_words_index(world: World, people: dict[str, Person]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM people_person WHERE string_to_array(search_key, ' ') && %s::text[]",
            [["ivan", "ivana"]],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "people_person_search_words" in plan, plan


@postgresql_only
def test_a_name_and_a_settlement_are_one_condition_of_one_index(world: World, people: dict[str, Person]) -> None:
    """A big city's people are never read one by one for a name: the words and the settlement are asked of
    the index together."""
    load_shipped_extract()
    varna = Settlement.objects.get(name="Варна")
    in_varna = make_person(world.own, "Мария", "Иванова", sex="female", settlement=varna)
    statements: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert found(world, "Мария Иванова Варна") == [in_varna]
    sql, params = next((sql, params) for sql, params in statements if "LATERAL" in sql)
    assert f"{PG_PLACED_WORDS} @> combination.words" in sql  # the index's expression
    assert [f"ivanova#{varna.pk}", f"maria#{varna.pk}"] in list(params)  # the words tagged with Varna
    assert '"settlement_id" IN' not in sql
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        statement = f"EXPLAIN SELECT id FROM people_person WHERE {PG_PLACED_WORDS} @> %s::text[]"  # noqa: S608
        cursor.execute(statement, [["maria#1"]])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "people_person_search_placed_words" in plan, plan
    index_condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "@>" in index_condition, plan


@postgresql_only
def test_a_name_is_found_in_each_settlement_of_that_name(world: World, people: dict[str, Person]) -> None:
    """Two settlements may share a name: the tagged words are asked for each of them."""
    load_shipped_extract()
    first = Settlement.objects.get(name="Варна")
    second = Settlement.objects.create(
        ekatte="99990", kind=first.kind, name="Варна", municipality=first.municipality
    )  # a village of the same name (there are such pairs in EKATTE)
    name = "Варна"
    in_first = make_person(world.own, "Мария", "Иванова", sex="female", settlement=first, egn=False)
    in_second = make_person(world.own, "Мария", "Иванова", sex="female", settlement=second, egn=False)
    make_person(world.own, "Мария", "Иванова", sex="female", egn=False)  # elsewhere: not found
    assert set(found(world, f"Мария Иванова {name}")) == {in_first, in_second}


@sqlite_only
def test_the_full_text_table_follows_every_change(world: World, people: dict[str, Person]) -> None:
    def matching(word: str) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH ?", [f'"{word}"'])
            return {pk for (pk,) in cursor.fetchall()}

    petar = people["petar"]
    assert matching("kolev") == {petar.pk}
    petar.last_name = "Колесов"
    petar.save()
    assert matching("kolev") == set()
    assert matching("kolesov") == {petar.pk}
    Person.objects.filter(pk=petar.pk).delete()
    assert matching("kolesov") == set()


@sqlite_only
def test_the_full_text_triggers_come_back_after_a_table_rebuild(world: World, people: dict[str, Person]) -> None:
    from opora.people.search_index import ensure_sqlite_fts

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER people_person_fts_update")
    assert ensure_sqlite_fts(connection) is True
    assert ensure_sqlite_fts(connection) is False
    ivan = people["ivan"]
    ivan.first_name = "Йоан"
    ivan.save()
    assert found(world, "Йоан Петров") == [ivan]


def test_a_new_name_is_found_at_once(world: World, people: dict[str, Person]) -> None:
    assert found(world, "Зюмбюл Петров") == []
    new = make_person(world.own, "Зюмбюл", "Петров")
    assert found(world, "Зюмбюл Петров") == [new]
    assert found(world, "Zyumbyul") == [new]


def test_common_names_list_the_exact_ones_first_by_name(world: World) -> None:
    """More people bear the exact name than one page holds: they fill it, alphabetically, ahead of the
    near spellings."""
    georgievs = [make_person(world.own, "Иван", last) for last in ("Георгиев", "Андреев", "Борисов")]
    near = make_person(world.own, "Иванка", "Алексиева", sex="female")
    from opora.people.search import rank_people

    people = Person.objects.filter(organisation=world.organisation)
    assert rank_people(people, "Иван", limit=3) == sorted(georgievs, key=lambda person: person.last_name)
    assert rank_people(people, "Иван", limit=4)[-1] == near
