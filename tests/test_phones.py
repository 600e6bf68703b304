"""Phone numbers: every way a Bulgarian number is typed gives one E.164 form, shown back as people dial it."""

import pytest
from django.core.exceptions import ValidationError

from opora.core.phones import format_phone, normalise_phone


@pytest.mark.parametrize(
    "typed",
    [
        "0888 123 456",
        "0888123456",
        "088 812 3456",
        "+359 88 812 3456",
        "+359888123456",
        "00359888123456",
        "00359 888 123 456",
        "(0888) 123-456",
        "0888.123.456",
        "  0888 123 456\n",
    ],
)
def test_a_bulgarian_mobile_number_however_typed(typed: str) -> None:
    assert normalise_phone(typed) == "+359888123456"


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("02 987 6543", "+35929876543"),  # Sofia landline
        ("032 123 456", "+35932123456"),  # Plovdiv landline
        ("+44 20 7946 0958", "+442079460958"),  # a foreign number needs its country code
        ("0044 20 7946 0958", "+442079460958"),
        ("+49 30 901820", "+4930901820"),
    ],
)
def test_landlines_and_foreign_numbers(typed: str, e164: str) -> None:
    assert normalise_phone(typed) == e164


def test_another_default_region_reads_national_numbers_as_its_own() -> None:
    assert normalise_phone("020 7946 0958", region="GB") == "+442079460958"
    assert normalise_phone("+359 888 123 456", region="GB") == "+359888123456"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "0888",  # too short
        "0888 123 456 789 0",  # too long
        "123",
        "+359 1 234",  # no such Bulgarian number
        "0888 ABC DEF",  # phonenumbers would read the letters as digits
        "0888 123 456 ext. 12",  # E.164 would drop the extension
        "not a number",
        "+",
    ],
)
def test_an_invalid_number_is_refused_with_a_code_and_a_message(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_phone(typed)
    assert caught.value.code == "invalid_phone"
    assert "0888 123 456" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+359888123456", "0888 123 456"),  # Bulgarian mobile: the operator's four digits, then 3 + 3
        ("+359899765432", "0899 765 432"),
        ("+35929876543", "02 987 6543"),  # Sofia landline: 02, then 3 + 4
        ("+35932123456", "032 123 456"),  # another city: its area code
        ("+442079460958", "+44 20 7946 0958"),  # foreign: with the country code
        ("+4930901820", "+49 30 901820"),
    ],
)
def test_format_phone(e164: str, shown: str) -> None:
    assert format_phone(e164) == shown


def test_format_phone_round_trips_through_normalise() -> None:
    for typed in ("0888 123 456", "+44 20 7946 0958", "02 987 6543"):
        assert normalise_phone(format_phone(normalise_phone(typed))) == normalise_phone(typed)


@pytest.mark.parametrize("stored", ["", "garbage", "0888 123 456"])
def test_format_phone_shows_a_value_it_cannot_read_as_it_is(stored: str) -> None:
    assert format_phone(stored) == stored
