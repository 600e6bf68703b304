"""Bulgarian Cyrillic to Latin by the Transliteration Act (Закон за транслитерацията, 2009).

The Act is the law for official Latin spellings (documents, registers, addresses). The ``cyrtranslit``
and ``transliterate`` packages follow other systems (ъ → "u" or "a`", щ → "sht" but ц → "c", no "ия"
rule), so this is our own, small and tested letter by letter in ``tests/test_transliteration.py``.

Rules implemented:

- the letter table of art. 4 (ж zh, ц ts, щ sht, ъ a, ь y, ю yu, я ya, ...);
- art. 5: "ия" at the end of a word becomes "ia" (София → Sofia, Мария → Maria); elsewhere it is
  "iy" (Марияна → Mariyana, Киянов → Kiyanov). A word is a run of letters, so the rule also applies
  before a hyphen (София-юг → Sofia-yug) and to the one-word name Ия → Ia;
- art. 6: the name of the state, България, is Bulgaria (the table alone would give "Balgaria");
- case: a capital becomes a capitalised Latin group (Жечо → Zhecho), and a word written in capitals
  stays in capitals (ЖЕЧО → ZHECHO). A one-letter capital (an initial) follows the text: "Ж. Петров" →
  "Zh. Petrov" but "Ж. ПЕТРОВ" → "ZH. PETROV".

Everything that is not a Bulgarian letter (digits, punctuation, Latin, other Cyrillic alphabets' own
letters such as ы or і) passes unchanged. The text is first put in composed form (NFC), so a "й" typed
as "и" plus a combining breve is still recognised.
"""

import re
import unicodedata

_LETTERS = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sht",
    "ъ": "a",
    "ь": "y",
    "ю": "yu",
    "я": "ya",
    # Not in the Act's table, but Bulgarian: the grave accent marks the pronoun ѝ ("her") apart from и
    # ("and") and, rarely, stress on е. The accent carries no sound, so the plain letter's value is used.
    "ѝ": "i",
    "ѐ": "e",
}

# Runs of letters of any script: the Act's "word", whose end the "ия" rule looks at.
_WORD = re.compile(r"[^\W\d_]+")

_STATE_NAME = "българия"
_STATE_NAME_LATIN = "bulgaria"

_NON_ALPHANUMERIC = re.compile(r"[\W_]+")


def transliterate(text: str) -> str:
    """The official Latin spelling of ``text``; see the module docstring for the rules."""
    text = unicodedata.normalize("NFC", text)
    shouting = _is_all_capitals(text)
    return _WORD.sub(lambda match: _transliterate_word(match.group(), shouting), text)


def search_key(text: str) -> str:
    """The normalised form of a name under which search and duplicate detection compare people.

    Cyrillic is transliterated by the Act, then compatibility forms are folded (full-width letters,
    ligatures, "№" → "No") and accents stripped (Latin names from passports keep theirs: "José" meets
    "Jose"), case is folded, and every run of other characters (spaces, hyphens, dots, apostrophes)
    becomes one space. So "Иван  Петров-Иванов" and "IVAN Petrov Ivanov" share the
    key "ivan petrov ivanov".

    Deliberately no more than that. A passport may spell a name another way than the Act ("Mariya" for
    Мария, "Georgi"/"Gueorgui", "Hristo"/"Christo"), and a worker may mistype: those are near matches, not
    equal keys, and are left to the typo-tolerant comparison of words (opora.people.search). Guessing
    equivalences here would merge keys of people who really are different, and duplicate detection must
    never hide a person.
    """
    latin = unicodedata.normalize("NFKD", transliterate(text))
    bare = "".join(character for character in latin if not unicodedata.combining(character))
    return fold(bare)


def fold(text: str) -> str:
    """``text`` case folded, every run of characters that are not letters or digits one space, in its own
    alphabet (the last step of ``search_key``; "Марйя" stays one edit from "Мария")."""
    return _NON_ALPHANUMERIC.sub(" ", text.casefold()).strip()


def _is_all_capitals(text: str) -> bool:
    """True when the text has more than one letter and no lowercase: a name typed with Caps Lock on."""
    letters = [character for character in text if character.isalpha()]
    return len(letters) > 1 and not any(character.islower() for character in letters)


def _transliterate_word(word: str, shouting: bool) -> str:
    """One run of letters: the state's name, or letter by letter with the "ия" ending."""
    upper = _is_all_capitals(word) or (shouting and word.isupper())
    if word.lower() == _STATE_NAME:
        return _with_case(_STATE_NAME_LATIN, word[0], upper)
    final_ia = word[-2:].lower() == "ия"
    groups = []
    for index, letter in enumerate(word):
        group = _LETTERS.get(letter.lower())
        if group is None:
            groups.append(letter)  # not a Bulgarian letter: unchanged, case and all
            continue
        if final_ia and index == len(word) - 1:
            group = "a"  # art. 5: the final "я" after "и" loses its "y"
        groups.append(_with_case(group, letter, upper))
    return "".join(groups)


def _with_case(group: str, original: str, upper: bool) -> str:
    """The Latin group in the case of the Cyrillic letter it stands for (Ж → "Zh", or "ZH" in a capital word)."""
    if not original.isupper():
        return group
    return group.upper() if upper else group.capitalize()
