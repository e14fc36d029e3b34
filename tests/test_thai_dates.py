"""Thai government date display (pure)."""
import datetime

import pytest

from ckanext.provincial import thai_dates


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2023-05-19", "19 พฤษภาคม 2566"),
        ("2024-01-01T08:30:00", "1 มกราคม 2567"),
        (datetime.date(2024, 2, 29), "29 กุมภาพันธ์ 2567"),
        (datetime.datetime(1999, 12, 31, 23, 59), "31 ธันวาคม 2542"),
    ],
)
def test_thai_dates_use_thai_month_names_and_the_buddhist_era(value, expected):
    assert thai_dates.format_thai(value) == expected


def test_short_form_uses_abbreviated_months():
    assert thai_dates.format_thai("2023-11-05", short=True) == "5 พ.ย. 2566"


@pytest.mark.parametrize("locale, expected", [("th", "19 พฤษภาคม 2566"), ("en", "2023-05-19"), ("en_GB", "2023-05-19")])
def test_locale_decides_the_display(locale, expected):
    assert thai_dates.format_for_locale("2023-05-19", locale) == expected


@pytest.mark.parametrize("value", ["", None])
def test_empty_values_display_as_empty(value):
    assert thai_dates.format_for_locale(value, "th") == ""


def test_unreadable_values_are_shown_as_given_not_invented():
    assert thai_dates.format_for_locale("not a date", "th") == "not a date"
    assert thai_dates.parse("2023-13-40") is None
