"""Bulgarian personal identifiers: the ЕГН of citizens and the ЛНЧ of foreigners.

``stdnum.bg.egn`` knows the ЕГН's layout (YYMMDDSSSC: month + 20 for births 1800-1899, + 40 from 2000;
the ninth digit even for a male, odd for a female; check digit from the weights 2,4,8,5,10,9,7,3,6, sum
mod 11, 10 → 0) but accepts two kinds of dates no person can have: dates in the future, and 1-13 April
1916, which never existed in Bulgaria because the country moved from the Julian to the Gregorian
calendar that year (31 March was followed by 14 April). Both are rejected here, on top of it.

Every failure is a ``ValidationError`` with its own ``code`` so that forms can show a message that tells
the user what to fix and callers (imports, the API) can tell failures apart without parsing text.

A known limit of the ЕГН itself: the "10 → 0" step lets a few one-digit typos through. When the weighted
sum is 0 or 10 mod 11 the check digit is 0 either way, so a change of one of the first nine digits that
moves the sum from one to the other keeps the check digit right: 1 in 55 (1.8 %) of the one-digit changes
of the first nine digits, counted over all numbers, and only numbers ending in 0 are exposed.
``tests/test_identifiers.py`` pins this down. The ЛНЧ's weights are all coprime to 10, so its check digit
catches every one-digit change.
"""

import datetime
import random
import re
from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.bg import egn, pnf
from stdnum.exceptions import InvalidComponent

Sex = Literal["male", "female"]

# ASCII digits only: str.isdigit() would also accept Arabic-Indic or full-width digits.
_TEN_DIGITS = re.compile(r"[0-9]{10}")

# The days Bulgaria skipped when it adopted the Gregorian calendar in 1916.
CALENDAR_GAP_START = datetime.date(1916, 4, 1)
CALENDAR_GAP_END = datetime.date(1916, 4, 13)

# The ЕГН's month offsets cover exactly these three centuries.
EGN_FIRST_DATE = datetime.date(1800, 1, 1)
EGN_LAST_DATE = datetime.date(2099, 12, 31)

MASK_CHARACTER = "•"


@dataclass(frozen=True)
class EgnInfo:
    """What a valid ЕГН says about its holder; forms compare it with a birth date and sex typed by hand."""

    birth_date: datetime.date
    sex: Sex


def egn_info(value: str, *, today: datetime.date | None = None) -> EgnInfo:
    """Validate an ЕГН and decode it; raise ``ValidationError`` naming the first problem found.

    Only surrounding whitespace is forgiven: an ЕГН with a space or hyphen inside is most likely a
    mistyped or pasted-together value, and storing one canonical form keeps searches exact.

    The check digit is tested before the date: a typo in the date digits usually breaks the check digit
    too, and "check for a typo" is then the more useful message than "no such date".

    ``today`` is the day against which "in the future" is judged; it defaults to today in Bulgaria
    (``settings.TIME_ZONE``), not on the server's clock, so a child born just after midnight in Sofia is
    accepted while the server's UTC date is still yesterday.
    """
    number = _ten_digits(value)
    if number is None:
        raise ValidationError(_("An EGN has exactly 10 digits."), code="invalid_format")
    if egn.calc_check_digit(number[:9]) != number[9]:
        raise ValidationError(
            _("This EGN's last digit does not match the others: please check it for a typo."),
            code="invalid_checksum",
        )
    birth_date = _egn_birth_date(number)
    if CALENDAR_GAP_START <= birth_date <= CALENDAR_GAP_END:
        raise ValidationError(
            _(
                "This EGN gives the birth date %(date)s, a day that did not exist in Bulgaria: "
                "1 to 13 April 1916 were skipped when the calendar changed."
            ),
            code="calendar_gap",
            params={"date": birth_date.isoformat()},
        )
    if birth_date > (today or timezone.localdate()):
        raise ValidationError(
            _("This EGN gives the birth date %(date)s, which is in the future."),
            code="future_date",
            params={"date": birth_date.isoformat()},
        )
    return EgnInfo(birth_date=birth_date, sex=_egn_sex(number))


def validate_egn(value: str) -> None:
    """Django validator (model and form fields): ``egn_info`` without the decoded result."""
    egn_info(value)


def validate_lnch(value: str) -> None:
    """Django validator for an ЛНЧ: 10 digits, weights 21,19,17,13,11,9,7,3,1, sum mod 10.

    Unlike the ЕГН, an ЛНЧ encodes no date, so the check digit is all there is to verify.
    """
    number = _ten_digits(value)
    if number is None:
        raise ValidationError(
            _("An LNCh (personal number of a foreigner) has exactly 10 digits."), code="invalid_format"
        )
    if pnf.calc_check_digit(number[:9]) != number[9]:
        raise ValidationError(
            _("This LNCh's last digit does not match the others: please check it for a typo."),
            code="invalid_checksum",
        )


def fake_egn(birth_date: datetime.date, sex: str, rng: random.Random) -> str:
    """A valid, synthetic ЕГН for tests, the demo and benchmarks: test data never holds a real one.

    One random draw and no retries, because the million-row benchmark calls this a million times: any
    nine digits have a check digit (a remainder of 10 becomes 0), so every serial of the right parity
    works. A synthetic number can still coincide with someone's real ЕГН (no public register says which
    are issued); it is never copied from a person and always sits next to made-up names, so it points
    to no one.

    ``birth_date`` must be one an ЕГН can carry (1800-2099, outside the 1916 calendar gap); a date in the
    future is allowed, for tests that need one, and ``egn_info`` will then reject the result.
    """
    if not EGN_FIRST_DATE <= birth_date <= EGN_LAST_DATE:
        raise ValueError(f"An EGN encodes birth dates from 1800 to 2099, not {birth_date.isoformat()}.")
    if CALENDAR_GAP_START <= birth_date <= CALENDAR_GAP_END:
        raise ValueError(f"{birth_date.isoformat()} did not exist in Bulgaria (calendar change of 1916).")
    parity = {"male": 0, "female": 1}.get(sex)
    if parity is None:
        raise ValueError(f"sex must be 'male' or 'female', not {sex!r}")
    month_offset = {18: 20, 19: 0, 20: 40}[birth_date.year // 100]
    # The ninth digit (the last of the serial) carries the sex: even for a male, odd for a female.
    serial = rng.randrange(500) * 2 + parity
    first_nine = f"{birth_date.year % 100:02d}{birth_date.month + month_offset:02d}{birth_date.day:02d}{serial:03d}"
    return first_nine + egn.calc_check_digit(first_nine)


def fake_lnch(rng: random.Random) -> str:
    """A valid, synthetic ЛНЧ: nine random digits and their check digit."""
    first_nine = f"{rng.randrange(10**9):09d}"
    return first_nine + pnf.calc_check_digit(first_nine)


def mask_egn(value: str) -> str:
    """The ЕГН for display to a role that must not see it in full: ``"850315••••"``.

    The first six digits are kept because they are only the birth date (with the century in the month),
    which the same screens show anyway as the birth date and age, and they let a worker tell apart two
    people of the same name on a list. The last four (the serial, which also encodes the sex and, for
    older numbers, the region where the birth was registered, and the check digit) are what make the
    number a person's identifier: the part that, with a name and birthday, is enough to impersonate them.

    A value that is not a well-formed ЕГН (legacy or imported data) is masked completely: its first six
    characters might not be a date, and then they would reveal something the rule above does not allow.
    """
    number = _ten_digits(value)
    if number is not None:
        return number[:6] + MASK_CHARACTER * 4
    return MASK_CHARACTER * len(value.strip())


def _ten_digits(value: str) -> str | None:
    """The value without surrounding whitespace if that is exactly ten ASCII digits, else None."""
    number = value.strip()
    return number if _TEN_DIGITS.fullmatch(number) else None


def _egn_birth_date(number: str) -> datetime.date:
    """The birth date encoded in the first six digits, or ``ValidationError`` "invalid_date"."""
    try:
        return egn.get_birth_date(number)
    except InvalidComponent:
        raise ValidationError(
            _("This EGN does not begin with a real date (YYMMDD, month + 20 for 1800-1899, + 40 from 2000)."),
            code="invalid_date",
        ) from None


def _egn_sex(number: str) -> Sex:
    """The ninth digit is even for a male, odd for a female."""
    return "male" if int(number[8]) % 2 == 0 else "female"
