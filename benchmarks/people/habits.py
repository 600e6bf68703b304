"""Latin spelling habits, as a worker types a name she has seen written in a foreign register or a
passport: "Alex" for Алекс, "Stephan", "Iwanow", "Tzvetan", "Tchavdar", "Jivko", "Georgii", "Mariya".

The queries of the benchmark's "name, Latin habits" row (issue 8). Only the measurement uses this module,
never the generator, so changing it never rebuilds the data.
"""

import random
import re

from opora.core.transliteration import transliterate

# A habit: what the Act writes, and what the habit writes instead (a pattern on the lowercase Latin).
HABITS: list[tuple[str, str]] = [
    ("ks", "x"),
    ("f", "ph"),
    ("v", "w"),
    ("ts", "tz"),
    ("ts", "c"),
    ("ch", "tch"),
    ("sh", "sch"),
    ("zh", "j"),
    ("^y", "j"),  # Йордан → Jordan
    ("^y", "i"),  # Йордан → Iordan
    ("iy$", "ii"),  # Георгий → Georgii
    ("iy$", "i"),
    ("ia$", "iya"),  # Мария → Mariya
    ("yu", "ju"),
    ("ya", "ja"),
    ("ov$", "off"),  # Петров → Petroff
]


def applicable(latin: str) -> list[tuple[str, str]]:
    """The habits that change ``latin`` (a lowercase Latin word)."""
    return [(act, habit) for act, habit in HABITS if re.search(act, latin)]


def respell(cyrillic: str, rng: random.Random) -> str:
    """The Act's Latin spelling of ``cyrillic`` (a name part), written with one or two habits that apply
    to it (each in all its places, as a habit is), capitalised; the Act's spelling if none applies."""
    words = []
    for word in transliterate(cyrillic).lower().split():
        options = applicable(word)
        for act, habit in rng.sample(options, min(len(options), rng.choice((1, 2)))):
            word = re.sub(act, habit, word)
        words.append(word.capitalize())
    return " ".join(words)


def has_habit(cyrillic: str) -> bool:
    return any(applicable(word) for word in transliterate(cyrillic).lower().split())
