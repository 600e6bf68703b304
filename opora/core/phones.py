"""Phone numbers: stored in E.164 ("+359888123456"), shown the way people dial them.

One stored form means one number is found however it was typed ("0888 123 456", "+359 88 812 3456",
"00359 888 123 456") and duplicate contacts are plain equality. ``phonenumbers`` (Google's libphonenumber
metadata) knows which Bulgarian and foreign numbers exist.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "BG"
BULGARIA_COUNTRY_CODE = 359


def normalise_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """The number in E.164, or ``ValidationError`` "invalid_phone".

    A number without "+" or "00" is read as a number of ``region`` (the leading 0 of a Bulgarian
    number is the national trunk prefix). Letters are refused although ``phonenumbers`` would accept
    some: it turns "vanity" letters into digits and reads "ext. 12" as an extension, which E.164 then
    silently drops, so a typo or a note typed into the field would become a different, wrong number.
    """
    text = value.strip()
    if not text or any(character.isalpha() for character in text):
        raise _invalid_phone()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise _invalid_phone() from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid_phone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A stored number for display: "0888 123 456" for a Bulgarian mobile, "02 987 6543" for a Sofia
    landline, "+44 20 7946 0958" otherwise.

    The national format is what staff in Bulgaria dial and read; a foreign number needs its country
    code. A value that does not parse (legacy data saved before validation) is shown as it is rather
    than breaking the page that displays it.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == BULGARIA_COUNTRY_CODE:
        return _bulgarian_national(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _bulgarian_national(number: phonenumbers.PhoneNumber) -> str:
    """Bulgarian mobiles are written and read as the operator's four digits and two groups of three
    ("0899 765 432"); libphonenumber's metadata groups them "089 976 5432", which nobody here dials. Other
    Bulgarian numbers keep its grouping by area code ("02 987 6543", "032 123 456")."""
    digits = str(number.national_number)
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE and len(digits) == 9:
        return f"0{digits[:3]} {digits[3:6]} {digits[6:]}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _invalid_phone() -> ValidationError:
    """One message for every invalid number: it shows a form that works and how to enter a foreign one."""
    return ValidationError(
        _("Enter a valid phone number, for example 0888 123 456. A foreign number starts with + and its country code."),
        code="invalid_phone",
    )
