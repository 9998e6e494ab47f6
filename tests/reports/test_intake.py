"""The shared validator, on what people really type."""

from decimal import Decimal

import pytest

from phananh.core.errors import ValidationFailed
from phananh.reports.intake import normalise_phone, validate_submission

pytestmark = pytest.mark.django_db


def submission(**values):
    return validate_submission(
        {"description": "Ổ gà", "consent": True, "reporter_phone": "0912345678", **values}, channel="web"
    )


def test_coordinates_typed_with_the_vietnamese_decimal_comma_are_understood():
    result = submission(latitude="21,8537", longitude="106,7615")

    assert (result.latitude, result.longitude) == (Decimal("21.853700"), Decimal("106.761500"))


def test_a_comma_between_two_numbers_is_not_a_coordinate():
    with pytest.raises(ValidationFailed) as exc:
        submission(latitude="21,85,37", longitude="106.7615")

    assert exc.value.fields["latitude"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(0205) 3812 345", "02053812345"),
        ("12345", None),
        ("09123456789012", None),
    ],
)
def test_phone_numbers_are_read_as_vietnamese_numbers(typed, stored):
    assert normalise_phone(typed) == stored


def test_an_anonymous_report_keeps_no_contact_even_when_one_was_typed():
    result = submission(anonymous=True, reporter_name="Lan", reporter_email="lan@example.vn")

    assert (result.reporter_name, result.reporter_phone, result.reporter_email) == ("", "", "")
