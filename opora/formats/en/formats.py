"""English dates as a Bulgarian office reads and types them: day before month, 24-hour clock.

The English interface is for staff who read English better (a foreign colleague, a volunteer), working in a
Bulgarian service on Bulgarian documents: a date must look the same as on the referral, the ЕГН and the
colleague's Bulgarian screen, and be typed the same way. So every format, long and short, is the Bulgarian
дд.мм.гггг and ЧЧ:ММ (04.12.2026 14:30), never Django's US default (Dec. 4, 2026, 2:30 p.m.); only the
placeholders' letters are English (dd.mm.yyyy). Django's English input formats read 04/12/2026 as the 12th
of April: replaced by the Bulgarian ones."""

from opora.formats.bg.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS, TIME_INPUT_FORMATS

DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1

__all__ = [
    "DATETIME_FORMAT",
    "DATETIME_INPUT_FORMATS",
    "DATE_FORMAT",
    "DATE_INPUT_FORMATS",
    "FIRST_DAY_OF_WEEK",
    "SHORT_DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "TIME_FORMAT",
    "TIME_INPUT_FORMATS",
]
