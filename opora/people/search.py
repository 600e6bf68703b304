"""Finding people: the one search box of the register, and the duplicate check before a registration.

One box understands:

- a full ЕГН or ЛНЧ (ten digits): the person with that number, found by its lookup digest;
- the first 6 to 9 digits of an ЕГН: the birth date they encode (and, with 9 digits, the sex);
- a date, "15.03.2016" or "2016-03-15": the birth date;
- a word that is the name of a settlement (with at least one other word): people living there;
- anything else: a name, in Cyrillic or Latin, partial, in any word order, with a typo or two.

Names are compared on ``Person.search_key`` (both spellings, transliterated and folded). Candidates are
found by the database: on PostgreSQL with pg_trgm's word similarity (the ``<%`` operator, served by the
GIN trigram index of migration 0002); on SQLite (a small centre) with a cheap filter on the query's
trigrams. Both are then ranked here by one scorer, so that the two databases agree: every query word is
matched to its closest name word (edit distance with transpositions, or a prefix), whatever the order.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Count, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from opora.core.access import Perm, scope
from opora.core.transliteration import search_key
from opora.organisation.models import Organisation
from opora.people.models import IdentityKind, Person, Sex, identifier_digest
from opora.places.models import Settlement

# A query word counts as matched from this similarity on; a person is found from this average on.
WORD_THRESHOLD = 0.5
NAME_THRESHOLD = 0.72
# pg_trgm's word similarity from which a row is a candidate at all (the default, 0.6, misses two typos).
PG_WORD_SIMILARITY = 0.3
# At most this many candidates are ranked in Python.
CANDIDATES = 500

_TEN_DIGITS = re.compile(r"^[0-9]{10}$")
_PARTIAL_EGN = re.compile(r"^[0-9]{6,9}$")
_DOTTED_DATE = re.compile(r"^([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{4})$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_DOCUMENT = re.compile(r"^[A-Za-z0-9-]{4,30}$")


# --- Similarity of words ------------------------------------------------------------------------------


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swapped neighbours."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def word_similarity(query: str, word: str) -> float:
    """1.0 for the same word; a typed beginning of the word ("пет" for "петров") scores high."""
    if query == word:
        return 1.0
    if len(query) >= 2 and word.startswith(query):
        return 0.85 + 0.15 * len(query) / len(word)
    longest = max(len(query), len(word))
    return max(0.0, 1.0 - _edit_distance(query, word) / longest)


def name_similarity(query_words: list[str], name_words: list[str]) -> float:
    """How well every query word meets a word of the name, in any order: the average of the best meetings,
    0 when a query word meets nothing."""
    if not query_words or not name_words:
        return 0.0
    best = [max(word_similarity(q, w) for w in name_words) for q in query_words]
    if min(best) < WORD_THRESHOLD:
        return 0.0
    return sum(best) / len(best)


def _key_words(key: str) -> list[str]:
    """The words of a stored search key (both spellings, " / " between them)."""
    return [word for word in re.split(r"[ /]+", key) if word]


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
        return _date(int(match[3]), int(match[2]), int(match[1]))
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


# --- Candidates from the database -----------------------------------------------------------------------


def _trigrams(words: Iterable[str]) -> set[str]:
    grams: set[str] = set()
    for word in words:
        if len(word) < 3:
            grams.add(word)
        grams |= {word[i : i + 3] for i in range(len(word) - 2)}
    return grams


def name_candidates(people: QuerySet[Person], words: list[str]) -> list[tuple[int, str]]:
    """(pk, search key) of the people whose name may match ``words``: a generous, cheap first cut."""
    key = " ".join(words)
    # Without the scope's DISTINCT, which would not let the rows be ordered by their similarity.
    people = Person.objects.filter(pk__in=people.values("pk"))
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [PG_WORD_SIMILARITY])
            matched = (
                people.filter(RawSQL("%s <%% people_person.search_key", (key,), output_field=BooleanField()))
                .annotate(similarity=RawSQL("word_similarity(%s, people_person.search_key)", (key,)))
                .order_by("-similarity", "pk")
                .values_list("pk", "search_key")[:CANDIDATES]
            )
            return list(matched)
    condition = Q()
    for gram in sorted(_trigrams(words))[:40]:
        condition |= Q(search_key__contains=gram)
    return list(people.filter(condition).order_by("pk").values_list("pk", "search_key")[: CANDIDATES * 4])


# --- The search box -------------------------------------------------------------------------------------


def search_people(user: Any, text: str, *, limit: int = 50) -> list[Person]:
    """The people the user may see that ``text`` finds, best first (see the module docstring)."""
    return rank_people(scope(user, Person.objects.active(), Perm.PERSON_VIEW), text, limit=limit)


def rank_people(people: QuerySet[Person], text: str, *, limit: int = 50) -> list[Person]:
    """``search_people`` over a queryset already scoped (``opora.core.access.scope``)."""
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
    found = _by_dates_and_name(people, query)
    if found is None:
        found = []
    seen = {person.pk for person in exact}
    return (exact + [person for person in found if person.pk not in seen])[:limit]


def _by_dates_and_name(people: QuerySet[Person], query: Query) -> list[Person] | None:
    if not (query.birth_dates or query.birth_date_ranges or query.name_words):
        return None
    narrowed = people
    for born in query.birth_dates:
        narrowed = narrowed.filter(birth_date=born)
    for born, sex in query.birth_date_ranges:
        narrowed = narrowed.filter(birth_date=born)
        if sex:
            narrowed = narrowed.filter(sex=sex)
    if not query.name_words:
        return list(narrowed.select_related("settlement").order_by("last_name", "first_name", "pk")[:CANDIDATES])
    words, settlements = split_settlement(query.name_words)
    if settlements:
        found = _by_name(narrowed.filter(settlement__in=settlements), words)
        if found:
            return found
        # No one of that name there: the word may be part of the name after all.
    return _by_name(narrowed, query.name_words)


def _by_name(people: QuerySet[Person], words: list[str]) -> list[Person]:
    scored = []
    for pk, key in name_candidates(people, words):
        score = name_similarity(words, _key_words(key))
        if score >= NAME_THRESHOLD:
            scored.append((pk, score))
    if not scored:
        return []
    by_pk = Person.objects.select_related("settlement").in_bulk([pk for pk, _score in scored])
    ranked = sorted(scored, key=lambda item: (-item[1], by_pk[item[0]].last_name, by_pk[item[0]].first_name, item[0]))
    return [by_pk[pk] for pk, _score in ranked]


# --- Duplicates ---------------------------------------------------------------------------------------------

_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z]")


def _name_keys(*names: str) -> list[str]:
    return [key for key in (search_key(name) for name in names) if key]


def _part_similarity(typed: str, stored: list[str]) -> float:
    """How close a typed name part is to the stored one (either spelling), word by word."""
    typed_words = search_key(typed).split()
    if not typed_words:
        return 0.0
    best = 0.0
    for key in stored:
        words = key.split()
        if not words:
            continue
        pairs = [max(_full_word_similarity(t, w) for w in words) for t in typed_words]
        best = max(best, sum(pairs) / len(pairs))
    return best


def _full_word_similarity(a: str, b: str) -> float:
    """Like ``word_similarity`` but a beginning is not a match: "Иван" and "Иванка" are different people."""
    if a == b:
        return 1.0
    return max(0.0, 1.0 - _edit_distance(a, b) / max(len(a), len(b)))


def duplicate_candidates(
    organisation: Organisation,
    *,
    first_name: str,
    last_name: str,
    middle_name: str = "",
    birth_date: datetime.date | None = None,
    identifier_digest: str = "",
    exclude_pk: int | None = None,
    limit: int = 5,
) -> list[tuple[Person, float, list[str]]]:
    """People of the whole organisation (every service) who may be the person about to be registered, with
    a score (1.0 for the same EGN) and the reasons. The caller decides what the user may see of them."""
    people = Person.objects.active().filter(organisation=organisation)
    if exclude_pk is not None:
        people = people.exclude(pk=exclude_pk)
    ids: set[int] = set()
    if identifier_digest:
        ids |= set(people.filter(identifier_digest=identifier_digest).values_list("pk", flat=True))
    words = search_key(f"{first_name} {last_name}").split()
    if words:
        ids |= {pk for pk, _key in name_candidates(people, words)}
    if birth_date is not None:
        ids |= set(people.filter(birth_date=birth_date).values_list("pk", flat=True)[:CANDIDATES])
    typed_latin = bool(_LATIN.search(first_name + last_name)) and not _CYRILLIC.search(first_name + last_name)
    found = []
    for person in people.filter(pk__in=ids):
        scored = _duplicate_score(person, first_name, last_name, middle_name, birth_date, identifier_digest)
        if scored is None:
            continue
        score, reasons = scored
        if typed_latin and "similar name" in reasons and _CYRILLIC.search(person.first_name + person.last_name):
            reasons.append(str(_("transliterated spelling")))
        found.append((person, score, reasons))
    found.sort(key=lambda item: (-item[1], item[0].last_name, item[0].first_name, item[0].pk))
    return found[:limit]


def _duplicate_score(
    person: Person, first_name: str, last_name: str, middle_name: str, birth_date: Any, digest: str
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
    firsts = _name_keys(person.first_name, person.first_name_latin)
    lasts = _name_keys(person.last_name, person.last_name_latin)
    in_order = (_part_similarity(first_name, firsts) + _part_similarity(last_name, lasts)) / 2
    swapped = (_part_similarity(first_name, lasts) + _part_similarity(last_name, firsts)) / 2
    name = max(in_order, swapped)
    if name < 0.75:
        return None
    reasons.append(str(_("similar name")))
    if swapped > in_order:
        reasons.append(str(_("names swapped")))
    if middle_name and person.middle_name:
        middles = _name_keys(person.middle_name, person.middle_name_latin)
        name = (3 * name + _part_similarity(middle_name, middles)) / 4
    if same_date:
        reasons.append(str(_("same birth date")))
        score = 0.6 + 0.35 * name
    elif other_date:
        score = 0.5 * name
    else:
        score = 0.7 * name
    if score < 0.45:
        return None
    return round(score, 2), reasons
