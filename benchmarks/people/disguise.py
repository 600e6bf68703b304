"""Ways a name is mistyped or respelled when a person is registered a second time.

Typos are the ones people make on a keyboard or by ear: a letter for a similar-sounding one (е/и, о/у,
ъ/а, д/т, з/с…), two neighbours swapped, a letter left out or doubled. The first letter is left alone,
as people rarely get it wrong. Latin spellings are what a passport or a foreign register may hold
instead of the Transliteration Act's: "j" or "zh" for ж, "c" or "tz" for ц, "u" for ъ, "ia" for я, "kh"
for х, "iya" at the end of Мария…

Everything takes a ``random.Random`` so that the benchmark's query sets are the same on every run.
"""

import random

from opora.core.transliteration import transliterate

# A letter for one that sounds or looks alike, in Cyrillic and in Latin.
_CYRILLIC_SIMILAR = {
    "а": "ъя",
    "ъ": "аь",
    "е": "иъ",
    "и": "ей",
    "о": "у",
    "у": "о",
    "я": "аи",
    "ю": "у",
    "й": "и",
    "б": "п",
    "п": "б",
    "в": "ф",
    "ф": "в",
    "г": "к",
    "к": "г",
    "д": "т",
    "т": "д",
    "ж": "ш",
    "ш": "жщ",
    "щ": "ш",
    "з": "с",
    "с": "зц",
    "ц": "с",
    "ч": "ш",
    "м": "н",
    "н": "м",
    "л": "р",
    "р": "л",
    "х": "к",
}
_LATIN_SIMILAR = {
    "a": "e",
    "e": "ai",
    "i": "ye",
    "y": "i",
    "o": "u",
    "u": "o",
    "b": "p",
    "p": "b",
    "v": "w",
    "w": "v",
    "d": "t",
    "t": "d",
    "g": "k",
    "k": "gc",
    "c": "k",
    "z": "s",
    "s": "z",
    "m": "n",
    "n": "m",
    "l": "r",
    "r": "l",
    "h": "kc",
}

# Other Latin spellings of a letter than the Act's; the Act's own comes first.
_LATIN_ALTERNATIVES = {
    "ж": ("zh", "j", "z"),
    "ц": ("ts", "c", "tz"),
    "щ": ("sht", "st"),
    "ъ": ("a", "u", "e"),
    "ю": ("yu", "iu", "ju"),
    "я": ("ya", "ia", "ja"),
    "й": ("y", "i", "j"),
    "х": ("h", "kh", "ch"),
    "ь": ("y", "i"),
    "ч": ("ch", "tch"),
    "ш": ("sh", "ch"),
}


def typo(word: str, rng: random.Random) -> str:
    """``word`` with one typo (never the first letter); unchanged only if the word is too short."""
    letters = [index for index in range(1, len(word)) if word[index].isalpha()]
    if len(letters) < 2:
        return word
    for _attempt in range(20):
        changed = _one_typo(word, letters, rng)
        if changed != word:
            return changed
    return word


def _one_typo(word: str, letters: list[int], rng: random.Random) -> str:
    kind = rng.random()
    index = rng.choice(letters)
    if kind < 0.4:
        return word[:index] + _similar(word[index], rng) + word[index + 1 :]
    if kind < 0.65:
        # Swap with the next letter (or the previous one at the end of the word).
        other = index + 1 if index + 1 < len(word) and word[index + 1].isalpha() else index - 1
        if other < 1 or not word[other].isalpha():
            return word
        first, second = sorted((index, other))
        return word[:first] + word[second] + word[first] + word[second + 1 :]
    if kind < 0.85:
        return word[:index] + word[index + 1 :]
    return word[:index] + word[index] + word[index:]


def _similar(letter: str, rng: random.Random) -> str:
    lower = letter.lower()
    table = _CYRILLIC_SIMILAR if "\u0400" <= lower <= "\u04ff" else _LATIN_SIMILAR
    options = table.get(lower)
    if not options:
        alphabet = "абвгдежзийклмнопрстуфхцчшщъьюя" if table is _CYRILLIC_SIMILAR else "abcdefghijklmnopqrstuvwxyz"
        options = alphabet.replace(lower, "")
    replacement = rng.choice(options)
    return replacement.upper() if letter.isupper() else replacement


def latin_variant(cyrillic: str, rng: random.Random) -> str:
    """A Latin spelling of ``cyrillic`` that a passport might hold, other than the Act's where one exists."""
    act = transliterate(cyrillic)
    for _attempt in range(10):
        variant = _respell(cyrillic, rng)
        if variant != act:
            return variant
    return act


def has_latin_variant(cyrillic: str) -> bool:
    """Whether the name has a letter (or an "-ия" ending) that is spelled in more than one way."""
    lower = cyrillic.lower()
    return any(letter in _LATIN_ALTERNATIVES for letter in lower) or "ия" in lower


def _respell(cyrillic: str, rng: random.Random) -> str:
    pieces = []
    for word in _split_words(cyrillic):
        if not word[0].isalpha():
            pieces.append(word)
            continue
        # The Act ends a word in "ия" with "ia"; a passport may have "iya".
        ending_ia = word.lower().endswith("ия")
        stem = word[:-1] if ending_ia else word
        latin = []
        for letter in stem:
            options = _LATIN_ALTERNATIVES.get(letter.lower())
            group = rng.choice(options) if options and rng.random() < 0.6 else transliterate(letter.lower())
            latin.append(group.capitalize() if letter.isupper() else group)
        if ending_ia:
            latin.append(rng.choice(("a", "ya")))
        pieces.append("".join(latin))
    return "".join(pieces)


def _split_words(text: str) -> list[str]:
    """Runs of letters and runs of everything else, in order ("Анна-Мария" → "Анна", "-", "Мария")."""
    pieces: list[str] = []
    for character in text:
        if pieces and pieces[-1][-1].isalpha() == character.isalpha():
            pieces[-1] += character
        else:
            pieces.append(character)
    return pieces
