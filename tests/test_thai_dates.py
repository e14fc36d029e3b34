"""Thai government date display (pure)."""
import datetime

import pytest

from ckanext.provincial import thai_dates

pytestmark = pytest.mark.unit


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


# ------------------------------------------------------------- reading --


@pytest.mark.parametrize("text, expected", [
    ("2023-01-15", datetime.date(2023, 1, 15)),
    ("2566-01-15", datetime.date(2023, 1, 15)),
    ("2023-01-15T08:30:00", datetime.date(2023, 1, 15)),
    ("15/01/2566", datetime.date(2023, 1, 15)),
    ("15-1-2023", datetime.date(2023, 1, 15)),
    ("๑๕/๐๑/๒๕๖๖", datetime.date(2023, 1, 15)),
    ("15 ม.ค. 2566", datetime.date(2023, 1, 15)),
    ("15 มค 2566", datetime.date(2023, 1, 15)),
    ("15 มกราคม พ.ศ. 2566", datetime.date(2023, 1, 15)),
    ("วันที่ 15 มกราคม 2566", datetime.date(2023, 1, 15)),
    ("15 ม.ค. 66", datetime.date(2023, 1, 15)),
    ("15 Jan 2023", datetime.date(2023, 1, 15)),
    (datetime.date(2566, 1, 15), datetime.date(2023, 1, 15)),
])
def test_dates_as_agencies_write_them(text, expected):
    assert thai_dates.parse_text(text) == expected


@pytest.mark.parametrize("text", ["", None, "1/15/2023", "31/02/2566", "15 Jan 23", "15 ธันวา", "ปีหน้า"])
def test_what_is_no_date_is_not_guessed(text):
    assert thai_dates.parse_text(text) is None


def test_excel_day_numbers():
    assert thai_dates.from_excel_serial(44941) == datetime.date(2023, 1, 15)
    assert thai_dates.from_excel_serial("45352.0") == datetime.date(2024, 3, 1)
    assert thai_dates.from_excel_serial(2566) is None   # a year, not 1907
    assert thai_dates.from_excel_serial("abc") is None


@pytest.mark.parametrize("text, year", [("2566", "2566"), ("พ.ศ. 2566", "2566"), ("๒๕๖๖", "2566"),
                                        ("ปี 2023", "2023"), ("2566.0", "2566"), ("66", None), ("2566-01", None)])
def test_years_keep_the_era_written(text, year):
    assert thai_dates.parse_year(text) == year


def test_common_era():
    assert (thai_dates.common_era(2566), thai_dates.common_era(2023)) == (2023, 2023)
    assert thai_dates.western_digits("๒๕๖๖") == "2566"
