"""ЕГН and ЛНЧ: validation with a code for every failure, decoding, synthetic numbers and masking.

The property tests draw birth dates from the whole range an ЕГН can carry and check the generator and
the validator against each other; the fixed examples come from ``stdnum``'s documentation and from the
rules in DOMAIN.md ("Identifiers and names").
"""

import datetime
import itertools
import random
import re
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.bg import egn, pnf

from opora.core.identifiers import (
    CALENDAR_GAP_END,
    CALENDAR_GAP_START,
    EGN_FIRST_DATE,
    EGN_LAST_DATE,
    EgnInfo,
    Sex,
    egn_info,
    fake_egn,
    fake_lnch,
    mask_egn,
    validate_egn,
    validate_lnch,
)

TODAY = datetime.date.today()
EGN_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6)
# Judging "future" against the last date an ЕГН can carry isolates the check digit in the typo tests.
NO_FUTURE = EGN_LAST_DATE

PROPERTY = settings(max_examples=150, deadline=None, database=None)


def in_calendar_gap(day: datetime.date) -> bool:
    return CALENDAR_GAP_START <= day <= CALENDAR_GAP_END


birth_dates = st.dates(min_value=EGN_FIRST_DATE, max_value=min(TODAY, EGN_LAST_DATE)).filter(
    lambda day: not in_calendar_gap(day)
)
sexes: st.SearchStrategy[Sex] = st.sampled_from(["male", "female"])
rngs = st.randoms(use_true_random=False)


def with_check_digit(first_nine: str) -> str:
    """A number whose check digit is right, so that only the part under test can fail."""
    return first_nine + egn.calc_check_digit(first_nine)


def one_digit_changes(number: str) -> list[tuple[int, str]]:
    """Every number that differs from ``number`` in exactly one digit, with the position changed."""
    return [
        (position, number[:position] + digit + number[position + 1 :])
        for position in range(len(number))
        for digit in "0123456789"
        if digit != number[position]
    ]


def weighted_remainder(number: str) -> int:
    return sum(weight * int(digit) for weight, digit in zip(EGN_WEIGHTS, number[:9], strict=True)) % 11


def egn_outcome(value: str) -> str | None:
    """None when ``value`` is a valid ЕГН (with no limit on the future), else the code it is refused with."""
    try:
        egn_info(value, today=NO_FUTURE)
    except ValidationError as error:
        return error.code
    return None


def error_code(validator: object, value: str, **kwargs: object) -> str | None:
    """The ``code`` of the ValidationError the validator raises for ``value``."""
    assert callable(validator)
    with pytest.raises(ValidationError) as caught:
        validator(value, **kwargs)
    return caught.value.code


# ---------------------------------------------------------------------------------------------- ЕГН


@PROPERTY
@given(birth_date=birth_dates, sex=sexes, rng=rngs)
def test_every_fake_egn_is_valid_and_decodes_to_its_birth_date_and_sex(
    birth_date: datetime.date, sex: Sex, rng: random.Random
) -> None:
    number = fake_egn(birth_date, sex, rng)
    assert re.fullmatch(r"[0-9]{10}", number)
    assert egn_info(number, today=TODAY) == EgnInfo(birth_date=birth_date, sex=sex)
    assert egn.is_valid(number)  # stdnum agrees
    validate_egn(number)


@PROPERTY
@given(birth_date=birth_dates, sex=sexes, rng=rngs)
def test_a_one_digit_change_fails_the_check_digit_unless_the_remainder_swaps_0_and_10(
    birth_date: datetime.date, sex: Sex, rng: random.Random
) -> None:
    """The truth about one-digit typos, which is not "every one fails".

    A change of d at a position of weight w moves the weighted sum by w·d, never a multiple of 11 (11 is
    prime, 1 ≤ |d| ≤ 9, and no weight is a multiple of 11), so the remainder mod 11 always changes. But
    the check digit is that remainder with 10 written as 0: when the change moves the remainder from 0
    to 10 or from 10 to 0, the check digit stays 0 and the typo passes the check. Such a typo is then
    caught only if it breaks the date; otherwise it is another valid ЕГН. Changing the check digit
    itself always fails.
    """
    number = fake_egn(birth_date, sex, rng)
    for position, changed in one_digit_changes(number):
        blind_spot = position < 9 and {weighted_remainder(number), weighted_remainder(changed)} == {0, 10}
        code = egn_outcome(changed)
        if not blind_spot:
            assert code == "invalid_checksum", f"{changed}, one digit away from {number}, gave {code}"
            continue
        # Past the check digit: valid (code None), or refused for its date, never for the check digit.
        assert code in {None, "invalid_date", "calendar_gap"}, (number, changed, code)
        assert number[9] == changed[9] == "0"  # only numbers ending in 0 are exposed


@PROPERTY
@given(birth_date=birth_dates, sex=sexes, rng=rngs)
def test_a_one_digit_change_always_fails_when_the_check_digit_is_not_zero(
    birth_date: datetime.date, sex: Sex, rng: random.Random
) -> None:
    number = fake_egn(birth_date, sex, rng)
    assume(number[9] != "0")
    for _position, changed in one_digit_changes(number):
        with pytest.raises(ValidationError):
            egn_info(changed, today=NO_FUTURE)


def test_the_blind_spot_of_the_check_digit_on_a_concrete_number() -> None:
    """1710288210 (28 Oct 1917) and 6710288210 (28 Oct 1967) differ in one digit and are both valid."""
    original, typo = "1710288210", "6710288210"
    assert weighted_remainder(original) == 0
    assert weighted_remainder(typo) == 10
    assert egn_info(original, today=TODAY) == EgnInfo(datetime.date(1917, 10, 28), "female")
    assert egn_info(typo, today=TODAY) == EgnInfo(datetime.date(1967, 10, 28), "female")


def test_the_share_of_one_digit_typos_the_check_digit_misses() -> None:
    """Over all 10⁹ prefixes and all 81 one-digit changes of each: 40,909,091 in 2,250,000,000, about 1.8 %
    (almost exactly 1 in 55). Counted exactly by convolution instead of enumerating the prefixes: for each
    position, how many ways the other eight digits give each remainder of their weighted sum mod 11.
    """
    missed = total = 0
    for position, weight in enumerate(EGN_WEIGHTS):
        others = [1] + [0] * 10  # others[r]: ways the other digits' weighted sum is r mod 11
        for other_weight in EGN_WEIGHTS[:position] + EGN_WEIGHTS[position + 1 :]:
            others = [
                sum(others[(remainder - other_weight * digit) % 11] for digit in range(10)) for remainder in range(11)
            ]
        for before, after in itertools.permutations(range(10), 2):
            for remainder, ways in enumerate(others):
                total += ways
                if {(remainder + weight * before) % 11, (remainder + weight * after) % 11} == {0, 10}:
                    missed += ways
    assert total == 10**8 * 90 * 9
    assert Fraction(missed, total) == Fraction(40_909_091, 2_250_000_000)
    assert float(Fraction(missed, total)) == pytest.approx(1 / 55, rel=1e-6)


@pytest.mark.parametrize(
    ("number", "birth_date", "sex"),
    [
        ("8032056031", datetime.date(1880, 12, 5), "female"),  # stdnum's docs: month + 20, the 1800s
        ("7523169263", datetime.date(1875, 3, 16), "male"),  # stdnum's docs (compact('752316 926 3'))
        (" 7523169263\n", datetime.date(1875, 3, 16), "male"),  # surrounding whitespace is forgiven
    ],
)
def test_known_numbers_decode(number: str, birth_date: datetime.date, sex: Sex) -> None:
    assert egn_info(number, today=TODAY) == EgnInfo(birth_date=birth_date, sex=sex)


def test_a_number_from_the_2000s_uses_month_plus_40() -> None:
    # stdnum's docs: 7542011030 is 1 February 2075, a birth date in the future today ...
    assert error_code(egn_info, "7542011030") == "future_date"
    # ... and valid on that day.
    assert egn_info("7542011030", today=datetime.date(2075, 2, 1)) == EgnInfo(datetime.date(2075, 2, 1), "female")
    assert egn_info(with_check_digit("104515000"), today=TODAY).birth_date == datetime.date(2010, 5, 15)


@pytest.mark.parametrize(
    ("ninth_digit", "sex"), [(str(digit), "male" if digit % 2 == 0 else "female") for digit in range(10)]
)
def test_the_ninth_digit_gives_the_sex(ninth_digit: str, sex: str) -> None:
    assert egn_info(with_check_digit("85031512" + ninth_digit), today=TODAY).sex == sex


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "123456789",  # 9 digits
        "12345678901",  # 11 digits
        "7552A10004",  # stdnum's docs: a letter
        "752316 9263",  # a space inside
        "752316-9263",  # a hyphen inside
        "７５２３１６９２６３",  # full-width digits
        "٧٥٢٣١٦٩٢٦٣",  # Arabic-Indic digits: str.isdigit() says yes, but they are not an ЕГН
    ],
)
def test_anything_but_ten_digits_is_invalid_format(value: str) -> None:
    assert error_code(egn_info, value) == "invalid_format"
    assert error_code(validate_egn, value) == "invalid_format"


def test_a_wrong_check_digit_is_invalid_checksum() -> None:
    assert error_code(egn_info, "7523169264") == "invalid_checksum"
    assert error_code(validate_egn, "7523169260") == "invalid_checksum"


@pytest.mark.parametrize(
    "first_nine",
    [
        "801901000",  # stdnum's docs (8019010008): month 19 belongs to no century
        "851301000",  # month 13
        "850001000",  # month 0
        "850132000",  # 32 January
        "850230000",  # 30 February
        "010229000",  # 29 February 1901, not a leap year
        "000229000",  # 29 February 1900: a century, not a leap year
        "853301000",  # month 33 = 1800s month 13
        "855301000",  # month 53 = 2000s month 13
        "850100000",  # day 0
    ],
)
def test_an_impossible_date_is_invalid_date(first_nine: str) -> None:
    assert error_code(egn_info, with_check_digit(first_nine)) == "invalid_date"


@pytest.mark.parametrize(
    ("first_nine", "birth_date"),
    [("960229000", datetime.date(1996, 2, 29)), ("004229000", datetime.date(2000, 2, 29))],
)
def test_29_february_of_a_leap_year_is_a_date(first_nine: str, birth_date: datetime.date) -> None:
    assert egn_info(with_check_digit(first_nine), today=TODAY).birth_date == birth_date


@pytest.mark.parametrize("day", range(1, 14))
def test_the_days_skipped_by_the_calendar_change_of_1916_are_rejected(day: int) -> None:
    number = with_check_digit(f"1604{day:02d}000")
    with pytest.raises(ValidationError) as caught:
        egn_info(number, today=TODAY)
    assert caught.value.code == "calendar_gap"
    assert f"1916-04-{day:02d}" in caught.value.messages[0]
    assert egn.is_valid(number), "stdnum accepts it: the gap is ours to add"


@pytest.mark.parametrize(("first_nine", "day"), [("160331000", 31), ("160414000", 14)])
def test_the_days_either_side_of_the_calendar_gap_are_valid(first_nine: str, day: int) -> None:
    month = 3 if day == 31 else 4
    assert egn_info(with_check_digit(first_nine), today=TODAY).birth_date == datetime.date(1916, month, day)


def test_a_birth_date_in_the_future_is_rejected_and_today_is_not() -> None:
    number = fake_egn(datetime.date(2030, 6, 1), "male", random.Random(1))
    with pytest.raises(ValidationError) as caught:
        egn_info(number, today=datetime.date(2030, 5, 31))
    assert caught.value.code == "future_date"
    assert "2030-06-01" in caught.value.messages[0]
    assert egn_info(number, today=datetime.date(2030, 6, 1)).birth_date == datetime.date(2030, 6, 1)


def test_without_today_the_future_is_judged_against_the_current_date() -> None:
    assert error_code(validate_egn, fake_egn(datetime.date(2099, 12, 31), "female", random.Random(2))) == "future_date"
    validate_egn(fake_egn(TODAY - datetime.timedelta(days=1), "female", random.Random(3)))


def test_every_failure_has_a_message() -> None:
    for value in ("", "7523169264", with_check_digit("851301000"), with_check_digit("160405000"), "7542011030"):
        with pytest.raises(ValidationError) as caught:
            validate_egn(value)
        assert caught.value.messages[0].strip()


# ------------------------------------------------------------------------------------------ fake_egn


def test_fake_egn_is_reproducible_from_the_seed() -> None:
    birth_date = datetime.date(2012, 7, 9)
    assert fake_egn(birth_date, "female", random.Random(7)) == fake_egn(birth_date, "female", random.Random(7))


def test_fake_egn_spreads_over_serials() -> None:
    rng = random.Random(11)
    numbers = {fake_egn(datetime.date(2015, 1, 1), "male", rng) for _ in range(200)}
    assert len(numbers) > 150


@pytest.mark.parametrize(
    "birth_date",
    [datetime.date(1799, 12, 31), datetime.date(2100, 1, 1), datetime.date(1916, 4, 1), datetime.date(1916, 4, 13)],
)
def test_fake_egn_refuses_dates_no_egn_can_carry(birth_date: datetime.date) -> None:
    with pytest.raises(ValueError, match=birth_date.isoformat()):
        fake_egn(birth_date, "male", random.Random(0))


def test_fake_egn_refuses_an_unknown_sex() -> None:
    with pytest.raises(ValueError, match="sex"):
        fake_egn(datetime.date(2000, 1, 1), "unknown", random.Random(0))


# ---------------------------------------------------------------------------------------------- ЛНЧ


@PROPERTY
@given(rng=rngs)
def test_every_fake_lnch_is_valid_and_every_one_digit_change_fails(rng: random.Random) -> None:
    """The ЛНЧ's weights mod 10 are 1,9,7,3,1,9,7,3,1, all coprime to 10: w·d is never 0 mod 10 for a change
    d of 1 to 9, so unlike the ЕГН's check digit this one catches every one-digit change."""
    number = fake_lnch(rng)
    assert re.fullmatch(r"[0-9]{10}", number)
    validate_lnch(number)
    assert pnf.is_valid(number)
    for _position, changed in one_digit_changes(number):
        assert error_code(validate_lnch, changed) == "invalid_checksum"


def test_known_lnch_numbers() -> None:
    validate_lnch("7111042925")  # stdnum's docs
    validate_lnch("  7111042925 ")
    assert error_code(validate_lnch, "7111042922") == "invalid_checksum"  # stdnum's docs
    assert error_code(validate_lnch, "71110A2922") == "invalid_format"  # stdnum's docs
    assert error_code(validate_lnch, "7111 042 925") == "invalid_format"
    assert error_code(validate_lnch, "") == "invalid_format"


# ------------------------------------------------------------------------------------------ masking


@PROPERTY
@given(birth_date=birth_dates, sex=sexes, rng=rngs)
def test_the_mask_keeps_the_birth_date_part_and_hides_the_rest(
    birth_date: datetime.date, sex: Sex, rng: random.Random
) -> None:
    number = fake_egn(birth_date, sex, rng)
    assert mask_egn(number) == number[:6] + "••••"
    assert mask_egn(f" {number} ") == number[:6] + "••••"


@pytest.mark.parametrize(
    ("value", "masked"), [("12345", "•••••"), ("85031512345", "•" * 11), ("", ""), ("abcdefghij", "•" * 10)]
)
def test_a_malformed_value_is_masked_completely(value: str, masked: str) -> None:
    assert mask_egn(value) == masked
