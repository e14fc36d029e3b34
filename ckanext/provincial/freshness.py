"""Is a dataset up to date (ทันสมัย)? Rules per update-frequency unit of the national GDC.

A dataset declares how often it is updated (``update_frequency_unit`` with an
``update_frequency_interval``, e.g. ``เดือน`` / ``3`` = every three months) and
when its data was last updated (``last_updated_date``, an ISO date). It is
*stale* when today is past its **due date**: the last update plus one declared
period. On the due date itself it is still fresh; the next day it is one day
overdue.

=================================================  =============================================
unit                                               due date (``n`` = interval, 1 when empty/bad)
=================================================  =============================================
ปี (year)                                          last update + ``12 × n`` calendar months
ครึ่งปี (half year)                                  last update + ``6 × n`` calendar months
ไตรมาส (quarter)                                    last update + ``3 × n`` calendar months
เดือน (month)                                       last update + ``n`` calendar months
สัปดาห์ (week)                                      last update + ``7 × n`` days
วัน (day)                                          last update + ``n`` days
วันทำการ (working day)                              the ``n``-th Monday–Friday after the last
                                                   update (public holidays are not known)
ชั่วโมง, นาที, ตามเวลาจริง (hour, minute, real time)  last update + 1 day: the date carries no
                                                   time, so the finest check is "dated today
                                                   or yesterday"
ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล (never updated)  never stale
ไม่ทราบ, อื่นๆ, empty (unknown, other)                no rule: not judged (counts as fresh)
=================================================  =============================================

Calendar months keep the day of the month, clamped to the month's last day
(31 January + 1 month = 28 or 29 February). A dataset with a rule but no
``last_updated_date`` is stale with an unknown number of days overdue: nothing
shows that it is up to date. A date in the future is fresh. Dates are read by
``thai_dates.parse``: ISO, a Buddhist-era year (from 2400 on) converted to the common era.

Pure module: no CKAN import; ``today`` is always passed in.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Optional

from dateutil.relativedelta import relativedelta

from ckanext.provincial.thai_dates import parse as parse_date

YEAR = "ปี"
HALF_YEAR = "ครึ่งปี"
QUARTER = "ไตรมาส"
MONTH = "เดือน"
WEEK = "สัปดาห์"
DAY = "วัน"
WORKING_DAY = "วันทำการ"
HOUR = "ชั่วโมง"
MINUTE = "นาที"
REAL_TIME = "ตามเวลาจริง"
NEVER_UPDATED = "ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล"
UNKNOWN = "ไม่ทราบ"
OTHER = "อื่นๆ"

# The GDC choice list, in the national order.
UNITS: tuple[str, ...] = (
    UNKNOWN, YEAR, HALF_YEAR, QUARTER, MONTH, WEEK, DAY, WORKING_DAY,
    HOUR, MINUTE, REAL_TIME, NEVER_UPDATED, OTHER,
)

# English names accepted on input (plan files written in English); stored values are Thai.
ALIASES: dict[str, str] = {
    "unknown": UNKNOWN, "year": YEAR, "yearly": YEAR, "annual": YEAR, "annually": YEAR,
    "half year": HALF_YEAR, "half-year": HALF_YEAR, "half_year": HALF_YEAR, "semiannual": HALF_YEAR,
    "quarter": QUARTER, "quarterly": QUARTER, "month": MONTH, "monthly": MONTH,
    "week": WEEK, "weekly": WEEK, "day": DAY, "daily": DAY,
    "working day": WORKING_DAY, "working_day": WORKING_DAY, "business day": WORKING_DAY,
    "hour": HOUR, "hourly": HOUR, "minute": MINUTE, "real time": REAL_TIME, "real-time": REAL_TIME,
    "realtime": REAL_TIME, "never updated": NEVER_UPDATED, "never": NEVER_UPDATED,
    "other": OTHER, "อื่น ๆ": OTHER,
}

_MONTHS = {YEAR: 12, HALF_YEAR: 6, QUARTER: 3, MONTH: 1}
_DAYS = {WEEK: 7, DAY: 1}
_SUB_DAILY = (HOUR, MINUTE, REAL_TIME)

# Why a result is what it is.
WITHIN_PERIOD = "within_period"
OVERDUE = "overdue"
NO_DATE = "no_date"
NEVER_STALE = "never_updated"
NO_RULE = "no_rule"


@dataclasses.dataclass(frozen=True)
class Freshness:
    """The verdict for one dataset on one day."""

    fresh: bool
    reason: str
    due: Optional[dt.date] = None
    days_overdue: Optional[int] = 0  # None: stale by an unknown number of days (no date)

    @property
    def judged(self) -> bool:
        return self.reason not in (NO_RULE, NEVER_STALE)


def normalize_unit(value: Any) -> Optional[str]:
    """The GDC unit for a stored or typed value (Thai or English), None when unrecognised/empty."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text:
        return None
    if text in UNITS:
        return text
    return ALIASES.get(text.lower())


# Longest interval judged: beyond it (or a number too large for a float) a dataset is due after
# the calendar ends, which due_date answers as date.max.
LONGEST_INTERVAL = 100_000


def parse_interval(value: Any) -> int:
    """The declared interval as a whole number ≥ 1 (1 when empty or not a positive number)."""
    try:
        number = int(float(str(value).strip()))
    except (TypeError, ValueError):
        return 1
    except OverflowError:  # "9999…" beyond a float, "inf"
        return LONGEST_INTERVAL
    return min(number, LONGEST_INTERVAL) if number >= 1 else 1


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, the day clamped to the month's last (31 January + 1 = end of February)."""
    return day + relativedelta(months=months)


def add_working_days(day: dt.date, count: int) -> dt.date:
    # Day by day up to the first 1-5 working days (landing on a weekday), then whole weeks:
    # from a weekday, 5 working days later is the same weekday a week later.
    weeks = max(count - 1, 0) // 5
    current, count = day, count - 5 * weeks
    while count > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            count -= 1
    return current + dt.timedelta(weeks=weeks)


def due_date(last_updated: dt.date, unit: Optional[str], interval: Any = 1) -> Optional[dt.date]:
    """The last day on which a dataset updated on ``last_updated`` is still fresh; None: never due."""
    unit = normalize_unit(unit)
    n = parse_interval(interval)
    try:
        if unit in _MONTHS:
            return add_months(last_updated, _MONTHS[unit] * n)
        if unit in _DAYS:
            return last_updated + dt.timedelta(days=_DAYS[unit] * n)
        if unit == WORKING_DAY:
            return add_working_days(last_updated, n)
        if unit in _SUB_DAILY:
            return last_updated + dt.timedelta(days=1)
    except (OverflowError, ValueError):  # due after year 9999
        return dt.date.max
    return None


def has_rule(unit: Any) -> bool:
    """Whether the unit sets a period after which data is stale."""
    unit = normalize_unit(unit)
    return unit in _MONTHS or unit in _DAYS or unit == WORKING_DAY or unit in _SUB_DAILY


def assess(last_updated: Any, unit: Any, interval: Any, today: dt.date) -> Freshness:
    """Fresh or stale on ``today``, with the due date and the days overdue."""
    unit = normalize_unit(unit)
    if unit == NEVER_UPDATED:
        return Freshness(True, NEVER_STALE, None, 0)
    if not has_rule(unit):
        return Freshness(True, NO_RULE, None, 0)
    updated = parse_date(last_updated)
    if updated is None:
        return Freshness(False, NO_DATE, None, None)
    due = due_date(updated, unit, interval)
    assert due is not None
    if today <= due:
        return Freshness(True, WITHIN_PERIOD, due, 0)
    return Freshness(False, OVERDUE, due, (today - due).days)
