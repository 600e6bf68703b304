"""The Latin spelling habits the name search folds away (opora.people.spelling)."""

import pytest

from opora.core.transliteration import search_key
from opora.people.spelling import forms


@pytest.mark.parametrize(
    ("typed", "cyrillic"),
    [
        ("Alex", "Алекс"),  # x for ks
        ("Stephan", "Стефан"),  # ph for f
        ("Iwanow", "Иванов"),  # w for v
        ("Tzvetan", "Цветан"),  # tz for ts
        ("Cvetan", "Цветан"),  # c for ts
        ("Nicola", "Никола"),  # c for k
        ("Tchavdar", "Чавдар"),  # tch for ch
        ("Schopov", "Шопов"),  # sch for sh
        ("Jivko", "Живко"),  # j for zh
        ("Jordan", "Йордан"),  # j for y
        ("Iordan", "Йордан"),  # i for y
        ("Georgii", "Георгий"),  # -ii for -iy
        ("Georgi", "Георгий"),  # -i for -iy
        ("Mariya", "Мария"),  # -iya for the Act's -ia
        ("Marija", "Мария"),
        ("Yulia", "Юлия"),
        ("Ana", "Анна"),  # a doubled letter
        ("Khristo", "Христо"),  # kh for h
    ],
)
def test_a_habit_and_the_acts_spelling_share_a_form(typed: str, cyrillic: str) -> None:
    assert set(forms(search_key(typed))) & set(forms(search_key(cyrillic)))


def test_before_an_i_a_j_is_zh_not_y() -> None:
    """ "Jivko" is Живко, not Ивко (another name)."""
    assert "zhivko" in forms("jivko")
    assert "ivko" not in forms("jivko")


def test_a_j_gives_both_readings() -> None:
    assert forms("jana") == ("iana", "zhana")  # Яна or Жана
    assert forms("aleks") == ("aleks",)
