"""The habits of writing a Bulgarian name in Latin letters, folded away for the name search.

The search key (``opora.core.transliteration.search_key``) spells a Cyrillic name by the Transliteration
Act and stops there, so that two keys are equal only for the same name. But people type names the way
they have seen them written: "Alex" for Алекс (the Act: "Aleks"), "Stephan", "Iwanow", "Tzvetan" or
"Cvetan" for Цветан, "Tchavdar", "Jivko" for Живко, "Jordan" or "Iordan" for Йордан, "Georgii" for
Георгий, "Marija" for Мария, "Ana" for Анна. Each habit is one sound written another way, and a word can
hold several, so the edit distance alone puts such a spelling as far away as a different name.

``forms`` writes a word with every habit undone: the one form each spelling of the sound shares. "j"
stands for ж in one habit and for й in another, and "c" for к or ц, so a word with either has two forms
(or four). The search compares
these forms beside the words themselves (``opora.people.search.word_similarity``), a little below an
exact match; the keys in the database are never changed.
"""

import functools
import re

# One sound, many spellings: each group becomes the form of the sound. Longer groups are tried first.
_GROUPS = {
    "tsch": "ch",
    "tch": "ch",
    "sch": "sh",
    "cz": "ch",
    "ch": "ch",
    "tz": "ts",
    "ph": "f",
    "kh": "h",
    "ck": "k",
    "x": "ks",
    "q": "k",
    "w": "v",
    "y": "i",
}
_GROUP = re.compile("|".join(sorted(_GROUPS, key=len, reverse=True)) + "|c")
_SOFT = frozenset("eiyv")
_FINAL_FF = re.compile("ff$")
_J_AS_Y = re.compile("j(?!i)")
_DOUBLE = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=50_000)
def forms(word: str) -> tuple[str, ...]:
    """The forms of a folded name word with its spelling habits undone (more than one for a "c" or a "j")."""
    # "c" is ц before a soft vowel or a "v" (Cecilia, Cvetan); elsewhere к in one habit (Nicola, Victor) and ц
    # in another (Conev for Цонев).
    respelt = {_GROUP.sub(functools.partial(_undo, hard_c=hard_c), word) for hard_c in ("k", "ts")}
    respelt = {_FINAL_FF.sub("v", each) for each in respelt}  # "Petroff" for Петров
    # ж or й: "Jordan" is Йордан, "Marija" Мария, "Jana" Яна or Жана; before an "i" only ж ("Jivko" is
    # Живко, not Ивко).
    spellings = {spelling for each in respelt for spelling in (each.replace("j", "zh"), _J_AS_Y.sub("i", each))}
    # Then a doubled letter is one ("Anna", "Georgii", "Mariia" from "Mariya"): do this last, as undoing a
    # habit may double a letter.
    return tuple(sorted({_DOUBLE.sub(r"\1", spelling) for spelling in spellings}))


def _undo(match: re.Match[str], hard_c: str) -> str:
    group = match.group()
    if group != "c":
        return _GROUPS[group]
    following = match.string[match.end() : match.end() + 1]
    return "ts" if following in _SOFT else hard_c
