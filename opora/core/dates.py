"""Dates and times as a Bulgarian office types them, whatever the browser's or the interface's language:
day first (дд.мм.гггг) and a 24-hour clock (ЧЧ:ММ).

Accepted: ``04.12.2026``, ``4.12.2026``, ``04/12/2026``, ``04-12-2026``, ``4 12 2026``, ``04122026`` (a
phone's numeric keypad may have no dot), a trailing ``г.`` (``04.12.2026 г.``), and ISO ``2026-12-04`` (old
links and the browser date pickers of before). A two-digit year is refused rather than guessed (a birth
year 26 is 1926 as often as 2026), and so is a day a month does not have, each with its own message; the
parsing never depends on the locale, so an English interface reads 04/12/2026 as the 4th of December too."""

import calendar
import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dates import MONTHS_ALT
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

DATE_FORMAT = "%d.%m.%Y"
TIME_FORMAT = "%H:%M"

_SEPARATOR = r"\s*[./\-,\s]\s*"
_YEAR_SUFFIX = r"(?:\s*г\.?)?"  # "04.12.2026 г." as letters and forms write it
_DAY_FIRST = re.compile(rf"(\d{{1,2}}){_SEPARATOR}(\d{{1,2}}){_SEPARATOR}(\d{{4}})\.?{_YEAR_SUFFIX}", re.ASCII)
_SHORT_YEAR = re.compile(rf"(\d{{1,2}}){_SEPARATOR}(\d{{1,2}}){_SEPARATOR}(\d{{2}})\.?{_YEAR_SUFFIX}", re.ASCII)
_DIGITS = re.compile(r"(\d{2})(\d{2})(\d{4})", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_TIME = re.compile(r"(\d{1,2})(?:\s*[:.,h]\s*(\d{2})(?:[:.](\d{2}))?|(\d{2}))?(?:\s*ч\.?)?", re.ASCII)
# An ISO date and time in one value (the datetime-local picker's, an old link's): 2026-12-04T14:30[:00].
_ISO_DATETIME = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})[T ](\d{1,2}:\d{2}(?::\d{2})?)", re.ASCII)
# A day and a time typed in one box: "04.12.2026 14:30".
_DATE_AND_TIME = re.compile(r"(.*?\d)\s+(\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)", re.ASCII)

MESSAGES = {
    "invalid": _("Type the date as dd.mm.yyyy, e.g. %(example)s."),
    "short_year": _("Type the year in full, e.g. %(example)s."),
    "no_month": _("There is no month %(month)s: type the date as dd.mm.yyyy."),
    "no_day": _("%(date)s does not exist: %(month)s %(year)s has %(days)s days."),
    "invalid_time": _("Type the time as HH:MM on the 24-hour clock, e.g. 14:30."),
    "no_time": _("Type the time as well, e.g. 14:30."),
    "no_date": _("Type the date as well, e.g. %(example)s."),
}


def example() -> str:
    """Today as the example a message gives."""
    return timezone.localdate().strftime(DATE_FORMAT)


def _error(code: str, **params: object) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code, params=params)


def month_name(month: int) -> str:
    """The month's name in the current language as it is written inside a sentence (Bulgarian month names
    are lower case; Django's are capitalised, as for a calendar's heading)."""
    name = str(MONTHS_ALT[month])
    return name.lower() if (get_language() or "").startswith("bg") else name


def _day(year: int, month: int, day: int, typed: str) -> datetime.date:
    if not 1 <= month <= 12:
        raise _error("no_month", month=month)
    if year < 1:
        raise _error("invalid", example=example())
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise _error("no_day", date=typed, month=month_name(month), year=year, days=days)
    return datetime.date(year, month, day)


def parse_date(text: str) -> datetime.date:
    """The day ``text`` means, or a ValidationError that says what to type instead."""
    typed = text.strip()
    if match := _DAY_FIRST.fullmatch(typed) or _DIGITS.fullmatch(typed):
        day, month, year = (int(part) for part in match.groups())
        return _day(year, month, day, f"{day:02d}.{month:02d}.{year:04d}")
    if match := _ISO.fullmatch(typed):
        year, month, day = (int(part) for part in match.groups())
        return _day(year, month, day, f"{day:02d}.{month:02d}.{year:04d}")
    if _SHORT_YEAR.fullmatch(typed):
        raise _error("short_year", example=example())
    raise _error("invalid", example=example())


def parse_time(text: str) -> datetime.time:
    """The time of day ``text`` means on the 24-hour clock (14:30, 14.30, 1430, 9:05, 9), or a ValidationError."""
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise _error("invalid_time")
    hour, minute, second, packed = match.groups()
    hour_, minute_, second_ = int(hour), int(minute or packed or 0), int(second or 0)
    if hour_ > 23 or minute_ > 59 or second_ > 59:
        raise _error("invalid_time")
    return datetime.time(hour_, minute_, second_)


def split_datetime(value: object) -> tuple[str, str]:
    """What was typed for a date and a time, as (date, time) texts: from the two boxes of the widget (a list),
    or from one value or the day's box alone (an ISO ``2026-12-04T14:30`` of an old link, or ``04.12.2026
    14:30`` typed in one box)."""
    if isinstance(value, (list, tuple)):
        day, time, *_rest = [*(str(part) if part is not None else "" for part in value), "", ""]
        whole = _ISO_DATETIME.fullmatch(day.strip()) or _DATE_AND_TIME.fullmatch(day.strip())
        if whole:  # a whole moment in the day's box (typed, pasted, filled by a script) wins over the time box
            return whole.group(1), whole.group(2)
        return day, time
    text = str(value).strip()
    if match := _ISO_DATETIME.fullmatch(text) or _DATE_AND_TIME.fullmatch(text):
        return match.group(1), match.group(2)
    return text, ""


def parse_datetime(value: object) -> datetime.datetime | None:
    """The naive wall-clock moment a date and a time typed mean, None when both are empty, or a
    ValidationError that says what to type."""
    date_text, time_text = (part.strip() for part in split_datetime(value))
    if not date_text and not time_text:
        return None
    if not date_text:
        raise _error("no_date", example=example())
    day = parse_date(date_text)
    if not time_text:
        raise _error("no_time")
    return datetime.datetime.combine(day, parse_time(time_text))
