"""Update-frequency rules (ทันสมัย): every GDC unit, at the boundary between fresh and stale."""
import datetime as dt

import pytest

from ckanext.provincial import freshness as f

pytestmark = pytest.mark.unit

D = dt.date


@pytest.mark.parametrize(
    "unit, interval, updated, last_fresh_day",
    [
        (f.YEAR, 1, D(2023, 3, 15), D(2024, 3, 15)),
        (f.YEAR, 2, D(2022, 3, 15), D(2024, 3, 15)),
        (f.YEAR, 1, D(2023, 2, 28), D(2024, 2, 28)),
        (f.YEAR, 1, D(2024, 2, 29), D(2025, 2, 28)),  # leap day clamps to the month's end
        (f.HALF_YEAR, 1, D(2024, 1, 31), D(2024, 7, 31)),
        (f.HALF_YEAR, 1, D(2024, 8, 31), D(2025, 2, 28)),
        (f.QUARTER, 1, D(2024, 1, 1), D(2024, 4, 1)),
        (f.QUARTER, 2, D(2024, 11, 30), D(2025, 5, 30)),
        (f.MONTH, 1, D(2024, 1, 31), D(2024, 2, 29)),
        (f.MONTH, 1, D(2024, 12, 10), D(2025, 1, 10)),
        (f.MONTH, 3, D(2024, 1, 15), D(2024, 4, 15)),
        (f.WEEK, 1, D(2024, 5, 1), D(2024, 5, 8)),
        (f.WEEK, 2, D(2024, 5, 1), D(2024, 5, 15)),
        (f.DAY, 1, D(2024, 5, 1), D(2024, 5, 2)),
        (f.DAY, 10, D(2024, 5, 1), D(2024, 5, 11)),
        (f.WORKING_DAY, 1, D(2024, 5, 3), D(2024, 5, 6)),   # Friday -> Monday
        (f.WORKING_DAY, 1, D(2024, 5, 4), D(2024, 5, 6)),   # Saturday -> Monday
        (f.WORKING_DAY, 5, D(2024, 5, 1), D(2024, 5, 8)),   # Wednesday + 5 working days
        (f.WORKING_DAY, 1, D(2024, 5, 6), D(2024, 5, 7)),   # Monday -> Tuesday
        (f.HOUR, 1, D(2024, 5, 1), D(2024, 5, 2)),
        (f.HOUR, 6, D(2024, 5, 1), D(2024, 5, 2)),          # the date has no time: one day at most
        (f.MINUTE, 15, D(2024, 5, 1), D(2024, 5, 2)),
        (f.REAL_TIME, 1, D(2024, 5, 1), D(2024, 5, 2)),
    ],
)
def test_unit_is_fresh_on_its_due_date_and_stale_the_day_after(unit, interval, updated, last_fresh_day):
    on_due = f.assess(updated.isoformat(), unit, interval, last_fresh_day)
    day_after = f.assess(updated.isoformat(), unit, interval, last_fresh_day + dt.timedelta(days=1))
    week_after = f.assess(updated.isoformat(), unit, interval, last_fresh_day + dt.timedelta(days=7))

    assert (on_due.fresh, on_due.due, on_due.days_overdue) == (True, last_fresh_day, 0)
    assert (day_after.fresh, day_after.reason, day_after.days_overdue) == (False, f.OVERDUE, 1)
    assert week_after.days_overdue == 7


def test_every_gdc_unit_has_a_documented_rule():
    assert len(f.UNITS) == 13
    with_period = {u for u in f.UNITS if f.has_rule(u)}
    assert with_period == {f.YEAR, f.HALF_YEAR, f.QUARTER, f.MONTH, f.WEEK, f.DAY, f.WORKING_DAY,
                           f.HOUR, f.MINUTE, f.REAL_TIME}
    for unit in f.UNITS:
        assert unit in f.__doc__


def test_never_updated_is_never_stale():
    verdict = f.assess("1990-01-01", f.NEVER_UPDATED, 1, D(2030, 1, 1))
    assert verdict.fresh and verdict.reason == f.NEVER_STALE and not verdict.judged


@pytest.mark.parametrize("unit", [f.UNKNOWN, f.OTHER, "", None, "fortnightly-ish"])
def test_units_without_a_period_are_not_judged(unit):
    verdict = f.assess("1990-01-01", unit, 1, D(2030, 1, 1))
    assert verdict.fresh and verdict.reason == f.NO_RULE and not verdict.judged


def test_no_date_under_a_rule_is_stale_by_an_unknown_number_of_days():
    verdict = f.assess("", f.MONTH, 1, D(2024, 1, 1))
    assert (verdict.fresh, verdict.reason, verdict.days_overdue) == (False, f.NO_DATE, None)


def test_future_date_is_fresh():
    assert f.assess("2030-01-01", f.DAY, 1, D(2024, 1, 1)).fresh


@pytest.mark.parametrize("value, expected", [
    ("2024-03-01", D(2024, 3, 1)),
    ("2024-03-01T00:00:00Z", D(2024, 3, 1)),
    ("2567-03-01", D(2024, 3, 1)),  # Buddhist era
    (dt.datetime(2024, 3, 1, 23, 59), D(2024, 3, 1)),
    ("1 มีนาคม 2567", None),
    ("2024-02-30", None),
    ("", None),
])
def test_parse_date(value, expected):
    assert f.parse_date(value) == expected


@pytest.mark.parametrize("value, expected", [("3", 3), (2, 2), ("2.0", 2), ("", 1), (None, 1), ("0", 1), ("-4", 1), ("x", 1)])
def test_interval_is_a_positive_whole_number(value, expected):
    assert f.parse_interval(value) == expected


def test_english_unit_names_map_to_the_stored_thai_values():
    assert f.normalize_unit("Monthly") == f.MONTH
    assert f.normalize_unit(" working   day ") == f.WORKING_DAY
    assert f.normalize_unit("ไตรมาส") == f.QUARTER
    assert f.normalize_unit("fortnight") is None


def test_every_update_frequency_unit_has_the_forms_thai_and_english_label():
    from ckanext.provincial import schemas

    labels = {choice["value"]: choice["label"] for choice in schemas.preset_choices("gdc_update_frequency_unit")}
    assert set(f.UNITS) <= set(labels)
    for unit in f.UNITS:
        assert labels[unit]["th"] == unit
        assert labels[unit]["en"] and labels[unit]["en"].isascii(), unit
