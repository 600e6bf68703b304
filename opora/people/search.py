"""Finding people: the one search box of the register, and the duplicate check before a registration.

One box understands:

- a full ЕГН or ЛНЧ (ten digits): the person with that number, found by its lookup digest;
- the first 6 to 9 digits of an ЕГН: the birth date they encode (and, with 9 digits, the sex);
- a date, "15.03.2016" or "2016-03-15": the birth date;
- a word that is the name of a settlement (with at least one other word): people living there;
- anything else: a name, in Cyrillic or Latin, partial, in any word order, with a typo or two, or spelt by
  another Latin habit than the Transliteration Act's ("Alex" for "Aleks", opora.people.spelling).

Names are compared on ``Person.search_key`` (both spellings, transliterated and folded), word by word:
every query word is matched to its closest name word (edit distance with transpositions, or a typed
beginning, as written or with the Latin spelling habits undone), whatever the order. First the query's
words are matched against the vocabulary of name words (``NameWord``), which gives, for each, the few name
words it may stand for; then the database is asked for the people bearing one of those for every query
word (opora.people.search_index: a GIN index over the key's words on PostgreSQL, with the settlement in
the same index condition when one is named, FTS5 on SQLite), and they are ranked by one scoring, in SQL
on PostgreSQL and here on SQLite, so that the two databases agree. A selective key first, then the
forgiving comparison: the tables of people are only ever asked for exact words.
"""

import bisect
import datetime
import functools
import heapq
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Count, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from rapidfuzz import process
from rapidfuzz.distance import OSA

from opora.access import Perm, scope
from opora.core.transliteration import fold, search_key
from opora.organisation.models import Organisation
from opora.people.models import IdentityKind, NameWord, Person, Sex, identifier_digest
from opora.people.search_index import PG_PLACED_WORDS, placed_words
from opora.people.spelling import forms
from opora.places.models import Settlement

# A query word counts as matched from this similarity on; a person is found from this average on.
WORD_THRESHOLD = 0.5
NAME_THRESHOLD = 0.72
# A word spelt by another Latin habit ("Alex" for "Aleks") is this close to it: nearly the same word.
HABITS = 0.95
# A query word stands for at most this many name words (the closest), read from this many beginning with it.
VARIANTS = 24
PREFIX_SCAN = 200
# At most this many people born on one day are compared with a registration.
CANDIDATES = 1000
# A registration is compared with at most this many people of a similar name (besides those born that day).
NAMESAKES = 50
# People born on a date the typed one could be a slip for are candidates from this name similarity on.
NEAR_DATE_NAME_THRESHOLD = 0.85
# Each name part (first, last, the father's) of a candidate is at least this close to the typed one (a
# three-letter name with one typo is 0.67).
PART_MINIMUM = 0.65
NEAR_DATE_COMBINATIONS = 5
# A typed name part of more words than the stored one (a double surname) is this close at best.
DOUBLE_NAME_SIMILARITY = 0.9
# At most this many combinations of name words are asked for by one search.
COMBINATIONS = 400

_TEN_DIGITS = re.compile(r"^[0-9]{10}$")
_PARTIAL_EGN = re.compile(r"^[0-9]{6,9}$")
_DOTTED_DATE = re.compile(r"^([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{4})$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_DOCUMENT = re.compile(r"^[A-Za-z0-9-]{4,30}$")


# --- Similarity of words ------------------------------------------------------------------------------


def word_similarity(query: str, word: str) -> float:
    """1.0 for the same word; a typed beginning of the word ("пет" for "петров") scores high; otherwise one
    less the optimal-string-alignment distance (a swap of neighbours is one edit) over the longer length.
    The same, a little lower (``HABITS``), between the words' forms with the Latin spelling habits undone
    (opora.people.spelling: "alex" is "aleks", "iwanow" "ivanov"), if that is closer."""
    return _similarity(query, word, beginnings=True)


def _similarity(query: str, word: str, *, beginnings: bool) -> float:
    plain = _plain_similarity(query, word, beginnings)
    if plain >= HABITS:
        return plain  # no other spelling can come closer
    respelt = max(_plain_similarity(a, b, beginnings) for a in forms(query) for b in forms(word))
    return max(plain, HABITS * respelt)


def _plain_similarity(query: str, word: str, beginnings: bool) -> float:
    if query == word:
        return 1.0
    if beginnings and len(query) >= 2 and word.startswith(query):
        return 0.85 + 0.15 * len(query) / len(word)
    return float(OSA.normalized_similarity(query, word))


# --- Reading the query ------------------------------------------------------------------------------


@dataclass
class Query:
    """What the box's text asks for."""

    digests: list[str]
    birth_dates: list[datetime.date]
    birth_date_ranges: list[tuple[datetime.date, str]]  # a partial ЕГН: the date and the sex, if known
    name_words: list[str]

    @property
    def has_conditions(self) -> bool:
        return bool(self.digests or self.birth_dates or self.birth_date_ranges or self.name_words)


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def egn_prefix_date(digits: str) -> tuple[datetime.date, str] | None:
    """The birth date in the first six digits of an ЕГН (month + 20 for the 1800s, + 40 for the 2000s) and,
    from the ninth digit, the sex (even: male, odd: female); None when the digits are no date."""
    year, month, day = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if month > 40:
        year, month = 2000 + year, month - 40
    elif month > 20:
        year, month = 1800 + year, month - 20
    else:
        year += 1900
    born = _date(year, month, day)
    if born is None:
        return None
    sex = ""
    if len(digits) >= 9:
        sex = Sex.MALE if int(digits[8]) % 2 == 0 else Sex.FEMALE
    return born, sex


def _parse_date(token: str) -> datetime.date | None:
    if match := _DOTTED_DATE.match(token):
        # "03.15.2016" is no day.month: it is the month first, as English forms write it.
        return _date(int(match[3]), int(match[2]), int(match[1])) or _date(int(match[3]), int(match[1]), int(match[2]))
    if match := _ISO_DATE.match(token):
        return _date(int(match[1]), int(match[2]), int(match[3]))
    return None


def parse_query(text: str) -> Query:
    query = Query(digests=[], birth_dates=[], birth_date_ranges=[], name_words=[])
    for token in text.split():
        token = token.strip(",;")
        if not token:
            continue
        if _TEN_DIGITS.match(token):
            query.digests += [identifier_digest(IdentityKind.EGN, token), identifier_digest(IdentityKind.LNCH, token)]
            continue
        if (born := _parse_date(token)) is not None:
            query.birth_dates.append(born)
            continue
        if _PARTIAL_EGN.match(token):
            decoded = egn_prefix_date(token)
            if decoded is not None:
                query.birth_date_ranges.append(decoded)
            query.digests.append(identifier_digest(IdentityKind.FOREIGN, token))
            continue
        if _DOCUMENT.match(token) and any(c.isdigit() for c in token):
            query.digests.append(identifier_digest(IdentityKind.FOREIGN, token))
            continue
        query.name_words += search_key(token).split()
    query.digests = list(dict.fromkeys(query.digests))
    return query


# --- Settlements --------------------------------------------------------------------------------------

_settlement_keys: dict[tuple[Any, ...], dict[str, list[int]]] = {}


def settlement_ids_by_key() -> dict[str, list[int]]:
    """Settlement ids under the search key of their name, read once while the register is unchanged."""
    state = Settlement.objects.aggregate(count=Count("pk"), last=Max("pk"))
    signature = (connection.alias, connection.settings_dict["NAME"], state["count"], state["last"])
    found = _settlement_keys.get(signature)
    if found is None:
        found = {}
        for pk, name in Settlement.objects.values_list("pk", "name"):
            found.setdefault(search_key(name), []).append(pk)
        _settlement_keys.clear()
        _settlement_keys[signature] = found
    return found


def split_settlement(words: list[str]) -> tuple[list[str], list[int]]:
    """The name words without those naming a settlement (one or two words), and the settlements named.

    A settlement is recognised only beside at least one other word: "Русе" alone is a name to look for.
    """
    if len(words) < 2:
        return words, []
    keys = settlement_ids_by_key()
    for size in (2, 1):
        for start in range(len(words) - size + 1):
            if len(words) - size < 1:
                continue
            ids = keys.get(" ".join(words[start : start + size]))
            if ids:
                return words[:start] + words[start + size :], ids
    return words, []


# --- The vocabulary of name words --------------------------------------------------------------------------


@dataclass
class _Vocabulary:
    database: tuple[str, str]
    last_pk: int
    words: list[str]  # sorted, for the typed beginnings
    forms: list[str]  # the words' forms with the Latin spelling habits undone (opora.people.spelling), sorted
    words_of_form: dict[str, list[str]]


_vocabulary: list[_Vocabulary] = []


def vocabulary() -> _Vocabulary:
    """Every name word of the register, sorted, and their forms. Read once, then only the words added since
    (they are never removed, so what is held stays true)."""
    database = (connection.alias, str(connection.settings_dict["NAME"]))
    held = _vocabulary[0] if _vocabulary and _vocabulary[0].database == database else None
    if held is None:
        held = _Vocabulary(database, 0, [], [], {})
        _vocabulary[:] = [held]
    added = list(NameWord.objects.filter(pk__gt=held.last_pk).order_by("pk").values_list("pk", "word"))
    if added:
        held.last_pk = added[-1][0]
        held.words = sorted({*held.words, *(word for _pk, word in added)})
        for _pk, word in added:
            for form in forms(word):
                held.words_of_form.setdefault(form, []).append(word)
        held.forms = sorted(held.words_of_form)
    return held


def forget_vocabulary() -> None:
    """For tests, whose rolled-back rows may give a number to another word."""
    _vocabulary.clear()


def word_variants(word: str, names: _Vocabulary) -> dict[str, float]:
    """The name words ``word`` may stand for, with their similarity (``word_similarity``): itself, the words
    it begins, and the words within the typos ``WORD_THRESHOLD`` allows, each as written or with the Latin
    spelling habits undone (both sides); the ``VARIANTS`` closest."""
    found = _near(word, names.words)
    for form in forms(word):
        for near_form, similarity in _near(form, names.forms).items():
            respelt = HABITS * similarity
            for candidate in names.words_of_form[near_form]:
                if respelt > found.get(candidate, 0.0):
                    found[candidate] = respelt
    kept = [(candidate, similarity) for candidate, similarity in found.items() if similarity >= WORD_THRESHOLD]
    closest = sorted(kept, key=lambda item: (-item[1], item[0]))[:VARIANTS]
    return dict(closest)


def _near(word: str, words: list[str]) -> dict[str, float]:
    """The words of the sorted ``words`` that ``word`` begins, or within the typos ``WORD_THRESHOLD`` allows,
    with their similarity as written (``_plain_similarity``)."""
    found: dict[str, float] = {}
    if len(word) >= 2:
        start = bisect.bisect_left(words, word)
        for candidate in itertools.islice(words, start, start + PREFIX_SCAN):
            if not candidate.startswith(word):
                break
            found[candidate] = _plain_similarity(word, candidate, True)
    for candidate, score, _index in process.extract(
        word, words, scorer=OSA.normalized_similarity, score_cutoff=WORD_THRESHOLD, limit=None
    ):
        found.setdefault(candidate, float(score))
    return found


# --- Candidates from the database -----------------------------------------------------------------------


def _bearing(people: QuerySet[Person], words: Iterable[str]) -> QuerySet[Person]:
    """The people whose key holds every one of ``words`` (see opora.people.search_index)."""
    words = sorted(set(words))
    if connection.vendor == "postgresql":
        contains = RawSQL(
            "string_to_array(people_person.search_key, ' ') @> %s::text[]", (words,), output_field=BooleanField()
        )
        return people.filter(contains)
    match = " AND ".join('"' + word.replace('"', '""') + '"' for word in words)
    matching = RawSQL("SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH %s", (match,))
    return people.filter(pk__in=matching)


def combinations(
    variants: list[dict[str, float]], threshold: float = NAME_THRESHOLD, most: int = COMBINATIONS
) -> Iterator[tuple[float, frozenset[str]]]:
    """One name word for each query word, the best average similarity first (a best-first walk over the
    variants of each word, sorted), each set of words once, until no combination can reach ``threshold``."""
    ranked = [sorted(found.items(), key=lambda item: (-item[1], item[0])) for found in variants]

    def average(position: tuple[int, ...]) -> float:
        return sum(ranked[word][index][1] for word, index in enumerate(position)) / len(ranked)

    start = (0,) * len(ranked)
    frontier = [(-average(start), start)]
    reached: set[tuple[int, ...]] = {start}
    given: set[frozenset[str]] = set()
    while frontier and len(given) < most:
        negative, position = heapq.heappop(frontier)
        if -negative < threshold:
            return
        words = frozenset(ranked[word][index][0] for word, index in enumerate(position))
        if words not in given:
            given.add(words)
            yield -negative, words
        for word in range(len(ranked)):
            if position[word] + 1 < len(ranked[word]):
                following = (*position[:word], position[word] + 1, *position[word + 1 :])
                if following not in reached:
                    reached.add(following)
                    heapq.heappush(frontier, (-average(following), following))


def name_matches(
    people: QuerySet[Person],
    words: list[str],
    *,
    limit: int,
    threshold: float = NAME_THRESHOLD,
    most: int = COMBINATIONS,
    settlements: list[int] | None = None,
) -> list[tuple[int, float]]:
    """(pk, similarity) of the best ``limit`` people whose name matches ``words``, best first, then by name;
    with ``settlements``, of the people living in one of them.

    A person's similarity is that of the best combination of their name words (``combinations``), so the
    combinations are asked for in that order, each for at most ``limit`` of its people, and the asking
    stops as soon as ``limit`` people are found who are better than any combination still to come. A common
    name spelt right is one question; a rare name with typos, a few. Nobody is ever read for a score.
    """
    names = vocabulary()
    variants = [word_variants(word, names) for word in words]
    if not words or not all(variants):
        return []
    found: dict[int, tuple[float, str, str]] = {}
    pending = combinations(variants, threshold, most)
    batch_size = 1
    while batch := list(itertools.islice(pending, batch_size)):
        best_to_come = batch[0][0]
        if len(found) >= limit and _ranked(found)[limit - 1][0] > best_to_come:
            break
        for pk, similarity, last_name, first_name in _people_of(people, batch, limit, settlements):
            if pk not in found or found[pk][0] < similarity:
                found[pk] = (similarity, last_name, first_name)
        batch_size = min(batch_size * 4, 64)
    return [(pk, similarity) for similarity, _last, _first, pk in _ranked(found)[:limit]]


def _ranked(found: dict[int, tuple[float, str, str]]) -> list[tuple[float, str, str, int]]:
    return sorted(((similarity, last, first, pk) for pk, (similarity, last, first) in found.items()), key=_best_first)


def _best_first(row: tuple[float, str, str, int]) -> tuple[float, str, str, int]:
    similarity, last_name, first_name, pk = row
    return -similarity, last_name, first_name, pk


def _people_of(
    people: QuerySet[Person], batch: list[tuple[float, frozenset[str]]], limit: int, settlements: list[int] | None
) -> list[tuple[int, float, str, str]]:
    """For each combination of the batch, ``limit`` of its people (living in one of ``settlements``, if given),
    with its similarity.

    Not the first by name: to find those, the database would read every bearer of the words (thousands of
    "Иван Петров" in a country) only to sort them. A page of people who are all as close as each other is
    listed by name; a name that common needs a birth date or a settlement beside it to find one person.
    """
    if connection.vendor == "postgresql":
        return _people_of_on_postgresql(people, batch, limit, settlements)
    # SQLite (a centre's register): one small question per combination.
    if settlements:
        people = people.filter(settlement__in=settlements)
    rows = []
    for similarity, words in batch:
        first = _bearing(people, words).order_by("last_name", "first_name", "pk")[:limit]
        rows += [
            (pk, similarity, last, given) for pk, last, given in first.values_list("pk", "last_name", "first_name")
        ]
    return rows


def _people_of_on_postgresql(
    people: QuerySet[Person], batch: list[tuple[float, frozenset[str]]], limit: int, settlements: list[int] | None
) -> list[tuple[int, float, str, str]]:
    """One statement for the whole batch: the combinations as a VALUES list, each joined LATERAL to its
    people (the user's scope is compiled once, by the ORM, into the inner query).

    With settlements, each combination is asked once per settlement, of the index of words tagged with the
    settlement (``PG_PLACED_WORDS``): a filter on the settlement beside the words would let the database read
    a big city's people one by one for the name, and intersecting the name's and the city's long lists inside
    one index still costs 10 ms at a million children; tagged words are short lists.
    """
    if settlements:
        batch = [
            (similarity, frozenset(placed_words(sorted(combination), settlement)))
            for similarity, combination in batch
            for settlement in settlements
        ]
        # A constant of search_index (the index's own expression) and a column of the VALUES: no user text.
        words = RawSQL(PG_PLACED_WORDS + " @> combination.words", (), BooleanField())  # noqa: S611
    else:
        words = RawSQL("string_to_array(people_person.search_key, ' ') @> combination.words", (), BooleanField())
    inner = people.filter(words).order_by().values_list("pk", "last_name", "first_name")
    try:
        inner_sql, inner_params = inner[:limit].query.sql_with_params()
    except EmptyResultSet:
        return []  # a scope that reaches nobody (``none()``) compiles to no SQL at all
    width = max(len(combination) for _similarity, combination in batch)
    values: list[str] = []
    params: list[Any] = []
    for similarity, combination in batch:
        values.append("(%s::float8, %s::text[])")
        # Arrays in one VALUES column must have one length: a repeated word asks for nothing more.
        padded = sorted(combination)
        params += [similarity, padded + [padded[0]] * (width - len(padded))]
    # Only placeholders, fixed text and the ORM's own compiled query are joined here; words are parameters.
    statement = (
        "WITH combination(similarity, words) AS (VALUES " + ", ".join(values) + ") "
        "SELECT person.id, combination.similarity, person.last_name, person.first_name "
        "FROM combination CROSS JOIN LATERAL (" + inner_sql + ") AS person (id, last_name, first_name)"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *inner_params])
        return [(pk, similarity, last, first) for pk, similarity, last, first in cursor.fetchall()]


# --- The search box -------------------------------------------------------------------------------------


def search_people(user: Any, text: str, *, limit: int = 50) -> list[Person]:
    """The people the user may see that ``text`` finds, best first (see the module docstring)."""
    return rank_people(scope(user, Person.objects.active(), Perm.PERSON_VIEW), text, limit=limit)


def rank_people(people: QuerySet[Person], text: str, *, limit: int = 50) -> list[Person]:
    """``search_people`` over a queryset already scoped (``opora.access.scope``)."""
    query = parse_query(text)
    if not query.has_conditions:
        return []
    exact: list[Person] = []
    if query.digests:
        exact = list(
            people.filter(identifier_digest__in=query.digests)
            .select_related("settlement")
            .order_by("last_name", "first_name", "pk")
        )
    found = _by_dates_and_name(people, query, limit)
    if found is None:
        found = []
    seen = {person.pk for person in exact}
    return (exact + [person for person in found if person.pk not in seen])[:limit]


def _by_dates_and_name(people: QuerySet[Person], query: Query, limit: int) -> list[Person] | None:
    if not (query.birth_dates or query.birth_date_ranges or query.name_words):
        return None
    narrowed = people
    for born in query.birth_dates:
        narrowed = narrowed.filter(birth_date=born)
    one_date = len(query.birth_dates) == 1 and not query.birth_date_ranges
    if one_date and query.name_words and not split_settlement(query.name_words)[1]:
        return _by_name_and_date(people, query.name_words, query.birth_dates[0], limit)
    for born, sex in query.birth_date_ranges:
        narrowed = narrowed.filter(birth_date=born)
        if sex:
            narrowed = narrowed.filter(sex=sex)
    if not query.name_words:
        return list(narrowed.select_related("settlement").order_by("last_name", "first_name", "pk")[:limit])
    words, settlements = split_settlement(query.name_words)
    if settlements:
        found = _in_order(name_matches(narrowed, words, limit=limit, settlements=settlements))
        if found:
            return found
        # No one of that name there: the word may be part of the name after all.
    return _by_name(narrowed, query.name_words, limit)


def _by_name_and_date(people: QuerySet[Person], words: list[str], born: datetime.date, limit: int) -> list[Person]:
    """A name with a birth date: the people of that name born that day, then those of a close name born on a
    date the typed one could be a slip for (the birthday a worker copies is often a keystroke off)."""
    found = _by_name(people.filter(birth_date=born), words, limit)
    if len(found) < limit:
        near = name_matches(
            people.filter(birth_date__in=mistyped_dates(born)),
            words,
            limit=limit - len(found),
            threshold=NEAR_DATE_NAME_THRESHOLD,
            most=NEAR_DATE_COMBINATIONS,
        )
        found += _in_order(near)
    return found


def _by_name(people: QuerySet[Person], words: list[str], limit: int) -> list[Person]:
    return _in_order(name_matches(people, words, limit=limit))


def _in_order(matches: list[tuple[int, float]]) -> list[Person]:
    by_pk = Person.objects.select_related("settlement").in_bulk([pk for pk, _similarity in matches])
    return [by_pk[pk] for pk, _similarity in matches if pk in by_pk]


# --- Duplicates ---------------------------------------------------------------------------------------------

_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z]")


@functools.lru_cache(maxsize=50_000)
def _key(name: str) -> str:
    """``search_key`` of one name part; names repeat, and a registration compares a few hundred of them."""
    return search_key(name)


@functools.lru_cache(maxsize=50_000)
def _folded(name: str) -> str:
    """A name part in its own alphabet, case folded: a typo in Cyrillic is one edit here ("Марйя" for
    "Мария"), where transliteration may make it two ("maryya" for "mariya")."""
    return fold(name)


def _name_keys(*names: str) -> list[str]:
    """A stored name part's forms to compare with: its search key (both spellings) and as written."""
    forms = [form(name) for name in names for form in (_key, _folded)]
    return list(dict.fromkeys(form for form in forms if form))


def _part_similarity(typed: str, stored: list[str]) -> float:
    """How close a typed name part is to the stored one (either spelling, either alphabet), word by word."""
    best = 0.0
    for typed_form in {_key(typed), _folded(typed)}:
        typed_words = typed_form.split()
        if not typed_words:
            continue
        for key in stored:
            words = key.split()
            if not words:
                continue
            pairs = [max(_full_word_similarity(t, w) for w in words) for t in typed_words]
            best = max(best, sum(pairs) / len(pairs))
            if len(typed_words) > len(words):
                # A double surname typed where one was stored (Иванова-Колева for Иванова): the stored part
                # is in it, but an added word is not a typo to be averaged in.
                best = max(best, DOUBLE_NAME_SIMILARITY * min(sorted(pairs, reverse=True)[: len(words)]))
    return best


def _full_word_similarity(a: str, b: str) -> float:
    """Like ``word_similarity`` but a beginning is not a match: "Иван" and "Иванка" are different people."""
    return _similarity(a, b, beginnings=False)


def close_dates(born: datetime.date) -> list[datetime.date]:
    """The commonest slips in a birth date: the day before or after (a date copied across midnight or read
    off the wrong line: 30 → 29, 01.02 → 31.01) and the day and the month swapped (05.03 → 03.05)."""
    dates = {
        born - datetime.timedelta(days=1),
        born + datetime.timedelta(days=1),
        _date(born.year, born.day, born.month),
    }
    dates.discard(born)
    return sorted(date for date in dates if date is not None)


def mistyped_dates(born: datetime.date) -> list[datetime.date]:
    """The dates a slip makes of ``born``: one digit of "DD.MM.YYYY" changed, or one of the ``close_dates``.
    Any other date is another birthday, and so, for a registration, another person."""
    typed = born.strftime("%d%m%Y")
    dates = set()
    for position, digit in itertools.product(range(len(typed)), "0123456789"):
        if typed[position] != digit:
            changed = typed[:position] + digit + typed[position + 1 :]
            dates.add(_date(int(changed[4:]), int(changed[2:4]), int(changed[0:2])))
    dates.update(close_dates(born))
    dates.discard(born)
    return sorted(date for date in dates if date is not None)


def duplicate_candidates(
    organisation: Organisation,
    *,
    first_name: str,
    last_name: str,
    middle_name: str = "",
    birth_date: datetime.date | None = None,
    identifier_digest: str = "",
    sex: str = "",
    exclude_pk: int | None = None,
    among: QuerySet[Person] | None = None,
    limit: int = 5,
) -> list[tuple[Person, float, list[str]]]:
    """People of the whole organisation (every service) who may be the person about to be registered, with
    a score (1.0 for the same EGN) and the reasons; with ``among``, only people of that (scoped) queryset.
    Without it, the caller decides what the user may see of them.

    The selective keys come first: the same ЕГН; with a birth date, everyone born that day (a few hundred
    in a country), and people of a similar name born on a date the typed one could be a slip for; without
    one, the people of the most similar names.
    """
    people = Person.objects.active().filter(organisation=organisation)
    if among is not None:
        people = people.filter(pk__in=among.values("pk"))
    if exclude_pk is not None:
        people = people.exclude(pk=exclude_pk)
    wanted = Q(pk__in=[])
    if identifier_digest:
        wanted |= Q(identifier_digest=identifier_digest)
    words = search_key(f"{first_name} {last_name}").split()
    if birth_date is not None:
        wanted |= Q(birth_date=birth_date)
        father_words = search_key(middle_name).split()
        if words and father_words:
            # A near birthday counts only with the father's name agreeing (``_duplicate_score``), so all three
            # names are asked for at once, in close spellings only: a slip in the date and typos together are rare.
            near = people.filter(birth_date__in=mistyped_dates(birth_date))
            near_names = name_matches(
                near,
                words + father_words,
                limit=NAMESAKES,
                threshold=NEAR_DATE_NAME_THRESHOLD,
                most=NEAR_DATE_COMBINATIONS,
            )
            wanted |= Q(pk__in=[pk for pk, _similarity in near_names])
        elif words:
            # Without the father's name only the commonest slips are looked at, and for the name itself.
            near = people.filter(birth_date__in=close_dates(birth_date))
            near_names = name_matches(
                near, words, limit=NAMESAKES, threshold=NEAR_DATE_NAME_THRESHOLD, most=NEAR_DATE_COMBINATIONS
            )
            wanted |= Q(pk__in=[pk for pk, _similarity in near_names])
    elif words:
        wanted |= Q(pk__in=[pk for pk, _similarity in name_matches(people, words, limit=NAMESAKES)])
    # Only what the comparison reads: a day's births are a few hundred rows, and whole records cost.
    rows = people.filter(wanted).order_by().values_list(*_Compared._fields)[:CANDIDATES]
    typed_latin = bool(_LATIN.search(first_name + last_name)) and not _CYRILLIC.search(first_name + last_name)
    similar_name = str(_("similar name"))
    scored_rows = []
    for row in rows:
        compared = _Compared(*row)
        if sex and compared.sex and sex != compared.sex and compared.identifier_digest != identifier_digest:
            continue  # a boy and a girl of one name and birthday (Борислав, Борислава) are two children
        scored = _duplicate_score(compared, first_name, last_name, middle_name, birth_date, identifier_digest)
        if scored is None:
            continue
        score, reasons = scored
        if typed_latin and similar_name in reasons and _CYRILLIC.search(compared.first_name + compared.last_name):
            reasons.append(str(_("transliterated spelling")))
        scored_rows.append((compared, score, reasons))
    scored_rows.sort(key=lambda item: (-item[1], item[0].last_name, item[0].first_name, item[0].pk))
    best = scored_rows[:limit]
    by_pk = Person.objects.in_bulk([compared.pk for compared, _score, _reasons in best])
    return [(by_pk[compared.pk], score, reasons) for compared, score, reasons in best]


class _Compared(NamedTuple):
    """The columns of a person the duplicate check compares."""

    pk: int
    identifier_digest: str
    birth_date: datetime.date | None
    sex: str
    first_name: str
    first_name_latin: str
    middle_name: str
    middle_name_latin: str
    last_name: str
    last_name_latin: str


def _father_similarity(person: "_Compared | Person", middle_name: str) -> float | None:
    """How close the typed father's name is to the person's; None when either is unknown."""
    if not (middle_name and person.middle_name):
        return None
    return _part_similarity(middle_name, _name_keys(person.middle_name, person.middle_name_latin))


def _first_and_last_similarity(person: "_Compared | Person", first_name: str, last_name: str) -> tuple[float, bool]:
    """The average closeness of the first and the last name, in the order typed or swapped (whichever is
    closer), and whether swapped; 0 when either part is further than PART_MINIMUM."""
    firsts = _name_keys(person.first_name, person.first_name_latin)
    lasts = _name_keys(person.last_name, person.last_name_latin)
    in_order = (_part_similarity(first_name, firsts), _part_similarity(last_name, lasts))
    swapped = (_part_similarity(first_name, lasts), _part_similarity(last_name, firsts))
    best = max(in_order, swapped, key=lambda pair: (min(pair) >= PART_MINIMUM, sum(pair)))
    if min(best) < PART_MINIMUM:
        return 0.0, False
    return sum(best) / 2, best is swapped and sum(swapped) > sum(in_order)


def _duplicate_score(
    person: _Compared, first_name: str, last_name: str, middle_name: str, birth_date: Any, digest: str
) -> tuple[float, list[str]] | None:
    """The score and the reasons, before the spelling's; None when the two are not alike enough."""
    same_date = birth_date is not None and person.birth_date == birth_date
    other_date = birth_date is not None and person.birth_date is not None and not same_date
    reasons: list[str] = []
    if digest and person.identifier_digest == digest:
        reasons.append(str(_("same EGN")))
        if same_date:
            reasons.append(str(_("same birth date")))
        return 1.0, reasons
    if digest and person.identifier_digest:
        return None  # two different numbers: two different people
    if other_date and person.birth_date not in mistyped_dates(birth_date):
        return None  # another birthday: another person
    father = _father_similarity(person, middle_name)
    if father is not None and father < PART_MINIMUM:
        return None  # another father's name: another person
    if other_date and father is not None and father < NEAR_DATE_NAME_THRESHOLD:
        return None  # a near birthday is a slip only if the father's name agrees as well
    if other_date and father is None and person.birth_date not in close_dates(birth_date):
        return None  # without the father's name, only the commonest slips: namesakes are born every week
    name, swapped = _first_and_last_similarity(person, first_name, last_name)
    if name < (NEAR_DATE_NAME_THRESHOLD if other_date and father is None else 0.75):
        return None
    reasons.append(str(_("similar name")))
    if swapped:
        reasons.append(str(_("names swapped")))
    if father is not None:
        name = (3 * name + father) / 4
    if same_date:
        reasons.append(str(_("same birth date")))
        score = 0.6 + 0.35 * name
    elif other_date:
        reasons.append(str(_("birth date differs by a slip of the keyboard")))
        score = 0.45 + 0.35 * name if father is not None else 0.45 + 0.25 * name
    else:
        score = 0.7 * name
    if score < 0.45:
        return None
    return round(score, 2), reasons
