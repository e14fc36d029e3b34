"""Dates as Thai government documents write them: the extension's one date module.

Stored values stay ISO 8601 in the common era (``2023-05-19``); only display changes.
Thai practice is day, full Thai month name and Buddhist-era year (CE + 543):
``19 พฤษภาคม 2566``. Other locales get the ISO date.

The Buddhist-era rule, used everywhere a year is read (forms, workbooks, freshness,
table columns): **a year from 2400 on is Buddhist era**, and its common-era year is
543 less (2566 BE = 2023 CE). 2400 BE is 1857 CE; no public dataset is dated before
that, nor after 2399 CE, so the two eras never overlap. :func:`common_era` applies the
rule, :func:`is_buddhist_year` tells, :func:`buddhist_year` goes the other way for display.
Form validators refuse a Buddhist-era ISO date rather than convert it (the field
promises CE), but they recognise one by this same rule.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Optional, Union

BUDDHIST_ERA_OFFSET = 543
# A year written from here on is Buddhist era (2400 BE = 1857 CE): see the module doc.
FIRST_BUDDHIST_YEAR = 2400

THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)

DateLike = Union[str, _dt.date, _dt.datetime, None]


_ISO_START = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")


def parse(value: DateLike) -> Optional[_dt.date]:
    """An ISO date or datetime (string or object) as a common-era date; None when empty or unreadable.

    ``2024-03-01``, ``2024-03-01T00:00:00Z`` and a Buddhist-era ``2567-03-01`` are all
    1 March 2024. What follows the date (a time, a zone) is ignored. Only ISO: for dates
    as people write them (``1 มี.ค. 2567``, ``1/3/2567``) see :func:`parse_text`.
    """
    if value in (None, ""):
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return _common_era_date(value)
    found = _ISO_START.match(str(value))
    if not found:
        return None
    year, month, day = (int(part) for part in found.groups())
    try:
        return _dt.date(common_era(year), month, day)
    except ValueError:
        return None


def buddhist_year(year: int) -> int:
    """The Buddhist-era year of a common-era one, for display (2023 → 2566)."""
    return year + BUDDHIST_ERA_OFFSET


def is_buddhist_year(year: int) -> bool:
    return year >= FIRST_BUDDHIST_YEAR


def common_era(year: int) -> int:
    """A year from 2400 on is Buddhist era: its common-era year; any other as it is."""
    return year - BUDDHIST_ERA_OFFSET if is_buddhist_year(year) else year


def _common_era_date(value: Union[_dt.date, _dt.datetime]) -> _dt.date:
    day = value.date() if isinstance(value, _dt.datetime) else value
    return day.replace(year=common_era(day.year)) if is_buddhist_year(day.year) else day


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


# ------------------------------------------------------------- reading --
#
# Dates as agencies write them in workbooks and forms: ISO (common or
# Buddhist era, 2566-01-15), day/month/year (15/01/2566, 15-1-2023), Thai
# month names full or short, with or without dots and "พ.ศ." (15 ม.ค. 2566,
# 15 มกราคม พ.ศ. 2566, 15 ม.ค. 66), English month names (15 Jan 2023), Thai
# digits anywhere (๑๕/๐๑/๒๕๖๖), and Excel's day numbers (44941). A year from
# 2400 is Buddhist era. Day before month always: 01/02/2566 is 1 February.

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
# Excel's day 0 (its 1900 system counts a 29 February 1900 that never was: day 60).
EXCEL_EPOCH = _dt.date(1899, 12, 30)
# Day numbers read as dates: 1927-05-18 to 9999-12-31. Smaller numbers are more
# likely years or counts than dates.
EXCEL_FIRST_DAY, EXCEL_LAST_DAY = 10_000, 2_958_465

_TO_WESTERN = str.maketrans(THAI_DIGITS, "0123456789")
_ENGLISH_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"
                  r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$", re.IGNORECASE)
_DMY = re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_ERA = r"(?:(?:พ\s*\.?\s*ศ|ค\s*\.?\s*ศ|b\s*\.?\s*e|c\s*\.?\s*e|a\s*\.?\s*d)\s*\.?\s*)?"
_NAMED = re.compile(r"^(?:วันที่\s*)?(\d{1,2})\s*([฀-๏.]+|[a-z]+\.?)\s*,?\s*" + _ERA + r"(\d{4}|\d{2})$")
_YEAR = re.compile(r"^(?:ปี\s*)?" + _ERA + r"(\d{4})$")


def western_digits(text: str) -> str:
    """Thai digits as 0-9 (๒๕๖๖ → 2566)."""
    return text.translate(_TO_WESTERN)


def from_excel_serial(number: Union[int, float, str]) -> Optional[_dt.date]:
    """The date of an Excel day number (1900 system) from 1927 on; None when outside that range."""
    try:
        value = float(western_digits(str(number)).strip())
    except ValueError:
        return None
    if not EXCEL_FIRST_DAY <= value <= EXCEL_LAST_DAY:
        return None
    return EXCEL_EPOCH + _dt.timedelta(days=int(value))


def _month(name: str) -> Optional[int]:
    key = name.replace(".", "").replace(" ", "").lower()
    for number, (full, short) in enumerate(zip(THAI_MONTHS, THAI_MONTHS_SHORT), start=1):
        if key in (full, short.replace(".", "")):
            return number
    for number, english in enumerate(_ENGLISH_MONTHS, start=1):
        if len(key) >= 3 and english.startswith(key[:3]) and key.isascii():
            return number
    return None


def parse_text(value: Any) -> Optional[_dt.date]:
    """A date as agencies write it (see above); None when the text is no date.

    Excel day numbers are not read here (a number is ambiguous): see
    :func:`from_excel_serial`.
    """
    if value in (None, ""):
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return _common_era_date(value)
    text = re.sub(r"\s+", " ", western_digits(str(value)).strip()).lower()
    year = month = day = None
    found = _ISO.match(text)
    if found:
        year, month, day = (int(part) for part in found.groups())
    elif (found := _DMY.match(text)):
        day, month, year = (int(part) for part in found.groups())
    elif (found := _NAMED.match(text)):
        day, month, year = int(found.group(1)), _month(found.group(2)), int(found.group(3))
        if month is None:
            return None
        if year < 100:
            # "15 ม.ค. 66": a two-digit year after a Thai month is Buddhist era; not guessed for English.
            if found.group(2).isascii():
                return None
            year += 2500
    if year is None:
        return None
    try:
        return _dt.date(common_era(year), month, day)
    except ValueError:
        return None


def parse_year(value: Any) -> Optional[str]:
    """A year as four digits, the era kept as written (``2566``, ``2023``); None when no year.

    Reads ``2566``, ``๒๕๖๖``, ``พ.ศ. 2566``, ``ปี 2566``, ``2566.0`` (a number cell).
    """
    if value in (None, ""):
        return None
    text = re.sub(r"\s+", " ", western_digits(str(value)).strip()).lower()
    if re.fullmatch(r"\d{4}\.0+", text):
        text = text.split(".")[0]
    found = _YEAR.match(text)
    return found.group(1) if found else None
