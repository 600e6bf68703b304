"""Bulgarian date formats (Django's own Bulgarian formats leave the short date-time to the US default).

Shown: 04.12.2026 and 04.12.2026 14:30, long and short alike (Django's long Bulgarian format writes
"4 Декември 2026", with a capital a Bulgarian sentence does not have; the pages use the short one). Typed: the
forms' date fields read дд.мм.гггг themselves (``opora.core.dates``); these input formats are for any other
date field (the admin's), and accept the same, with ISO for old links. No two-digit year: it is refused, not
guessed."""

DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M"]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
]
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
