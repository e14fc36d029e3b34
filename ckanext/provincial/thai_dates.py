"""Dates as Thai government documents write them.

Stored values stay ISO 8601 (``2023-05-19``); only display changes. Thai
practice is day, full Thai month name and Buddhist-era year (CE + 543):
``19 พฤษภาคม 2566``. Other locales get the ISO date.
"""
from __future__ import annotations

import datetime as _dt
from typing import Optional, Union

BUDDHIST_ERA_OFFSET = 543

THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)

DateLike = Union[str, _dt.date, _dt.datetime, None]


def parse(value: DateLike) -> Optional[_dt.date]:
    """An ISO date or datetime (string or object) as a date; None when empty or unreadable."""
    if value in (None, ""):
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    try:
        return _dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def buddhist_year(year: int) -> int:
    return year + BUDDHIST_ERA_OFFSET


def format_thai(value: DateLike, short: bool = False) -> str:
    """``19 พฤษภาคม 2566`` (or ``19 พ.ค. 2566`` with ``short``); unreadable input comes back as given."""
    day = parse(value)
    if day is None:
        return "" if value is None else str(value)
    months = THAI_MONTHS_SHORT if short else THAI_MONTHS
    return f"{day.day} {months[day.month - 1]} {buddhist_year(day.year)}"


def format_for_locale(value: DateLike, locale: str, short: bool = False) -> str:
    """Thai display under a Thai locale, ISO ``YYYY-MM-DD`` otherwise."""
    day = parse(value)
    if day is None:
        return "" if value is None else str(value)
    if (locale or "").lower().startswith("th"):
        return format_thai(day, short=short)
    return day.isoformat()
