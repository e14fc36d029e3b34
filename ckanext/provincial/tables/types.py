"""The types of a table's columns, decided from every value of the column.

One set of rules, written twice from the same regular expressions: in Python
(``infer``, ``convert``: small tables, tests, the workbook reader) and as SQL
(``fits_sql``, ``cast_sql``: the loader, which lets PostgreSQL
judge a whole column of a large file in one pass over the staged rows).

A value is first normalised: spaces at the ends removed and Thai digits
(๐-๙) read as 0-9. A column takes the first type that every non-empty value
fits; a column with one value that fits none stays ``text``. Nothing is ever
dropped, rounded or rewritten: a leading zero (``0812345678``, ``01``), a
sign ``+``, a percent, a space inside a number or a dash for "no data" keep
the column as text, because turning them into numbers would change them.

========== ======================================================================
type       values (after normalising)
========== ======================================================================
int8       ``-12``, ``1234``, ``1,234,567`` (comma groups of three); at most 18 digits
numeric    the integers above and decimals: ``12.50``, ``1,234.5`` (scale kept)
date       ``2023-05-19``, ``19/05/2566``, ``19-5-2023``, ``19.05.2566``,
           ``19 พ.ค. 2566``, ``19 พฤษภาคม พ.ศ. 2566`` (day first; a year from
           2400 on is Buddhist era and loses 543: ``thai_dates``' rule)
timestamp  ``2023-05-19 08:30``, ``2023-05-19T08:30:15`` (no time zone)
bool       ``true``, ``false`` (any case)
text       everything else
========== ======================================================================
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from typing import Any, Iterable

from ckanext.provincial import thai_dates
from ckanext.provincial.thai_dates import BUDDHIST_ERA_OFFSET, FIRST_BUDDHIST_YEAR, THAI_DIGITS, THAI_MONTHS

TEXT, INTEGER, NUMERIC, DATE, TIMESTAMP, BOOLEAN = "text", "int8", "numeric", "date", "timestamp", "bool"
# Tried in this order; the first that every value fits wins.
INFERRED = (INTEGER, NUMERIC, DATE, TIMESTAMP, BOOLEAN)
# What a publisher may choose in the Data Dictionary (``info.type_override``).
OVERRIDES = (TEXT, INTEGER, NUMERIC, DATE, TIMESTAMP, BOOLEAN)
# DataStore type names that mean the same as ours.
ALIASES = {"int": INTEGER, "int4": INTEGER, "integer": INTEGER, "bigint": INTEGER, "float8": NUMERIC,
           "float": NUMERIC, "number": NUMERIC, "boolean": BOOLEAN, "datetime": TIMESTAMP}

# Abbreviations without their dots (ม.ค. and มค are both written).
THAI_MONTHS_SHORT = tuple(month.replace(".", "") for month in thai_dates.THAI_MONTHS_SHORT)


INTEGER_RE = r"^-?(0|[1-9][0-9]{0,17}|[1-9][0-9]{0,2}(,[0-9]{3}){1,5})$"
DECIMAL_RE = r"^-?(0|[1-9][0-9]*|[1-9][0-9]{0,2}(,[0-9]{3})+)(\.[0-9]+)?$"
ISO_DATE_RE = r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$"
DMY_DATE_RE = r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$"
# Any run of Thai letters and dots is taken as the month, then looked up: an
# alternation of the 24 names makes PostgreSQL's regex engine crawl.
THAI_DATE_RE = r"^([0-9]{1,2}) ?([ก-๎.]+) ?(?:พ\.?ศ\.? ?)?([0-9]{4})$"
# The three date forms in one expression, so SQL matches each value once:
# groups 1-3 ISO (y, m, d), 4-6 day first (d, m, y), 7-9 Thai month (d, month, y).
DATE_RE = ("^(?:" + ISO_DATE_RE[1:-1] + "|" + DMY_DATE_RE[1:-1] + "|" + THAI_DATE_RE[1:-1] + ")$")
TIMESTAMP_RE = r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[T ]([0-9]{1,2}):([0-9]{2})(:([0-9]{2})(\.[0-9]{1,6})?)?$"
BOOLEAN_RE = r"^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"

_COMPILED = {name: re.compile(pattern) for name, pattern in {
    "int": INTEGER_RE, "dec": DECIMAL_RE, "date": DATE_RE, "ts": TIMESTAMP_RE, "bool": BOOLEAN_RE}.items()}
_DIGITS = str.maketrans(THAI_DIGITS, "0123456789")


def canonical(type_name: str | None) -> str:
    name = (type_name or "").strip().lower()
    return ALIASES.get(name, name)


# ------------------------------------------------------------- Python --

def normalise(value: Any) -> str:
    return "" if value is None else str(value).strip().translate(_DIGITS)


def _month_number(name: str) -> int | None:
    if name in THAI_MONTHS:
        return THAI_MONTHS.index(name) + 1
    short = name.replace(".", "")
    return THAI_MONTHS_SHORT.index(short) + 1 if short in THAI_MONTHS_SHORT else None


def _date(text: str) -> _dt.date | None:
    found = _COMPILED["date"].match(text)
    if not found:
        return None
    g = found.groups()
    if g[0]:
        y, m, d = int(g[0]), int(g[1]), int(g[2])
    elif g[3]:
        d, m, y = int(g[3]), int(g[4]), int(g[5])
    else:
        d, m, y = int(g[6]), _month_number(g[7]), int(g[8])
        if m is None:
            return None
    try:
        return _dt.date(thai_dates.common_era(y), m, d)
    except ValueError:
        return None


def _timestamp(text: str) -> _dt.datetime | None:
    found = _COMPILED["ts"].match(text)
    if not found:
        return None
    y, m, d, hh, mm = (int(found.group(i)) for i in range(1, 6))
    seconds = float((found.group(7) or "0") + (found.group(8) or ""))
    try:
        return _dt.datetime(thai_dates.common_era(y), m, d, hh, mm) + _dt.timedelta(seconds=seconds)
    except ValueError:
        return None


def convert(value: Any, type_name: str) -> Any:
    """The value as ``type_name``; None for an empty value; ValueError when it does not fit."""
    text = normalise(value)
    if text == "":
        return None
    type_name = canonical(type_name)
    if type_name == TEXT:
        return str(value)
    if type_name == INTEGER and _COMPILED["int"].match(text):
        return int(text.replace(",", ""))
    if type_name == NUMERIC and _COMPILED["dec"].match(text):
        return Decimal(text.replace(",", ""))
    if type_name == DATE:
        day = _date(text)
        if day is not None:
            return day
    if type_name == TIMESTAMP:
        moment = _timestamp(text)
        if moment is not None:
            return moment
    if type_name == BOOLEAN and _COMPILED["bool"].match(text):
        return text.lower() == "true"
    raise ValueError(f"{value!r} is not {type_name}")


def fits(value: Any, type_name: str) -> bool:
    try:
        convert(value, type_name)
    except ValueError:
        return False
    return True


def infer(values: Iterable[Any]) -> str:
    """The type of a column of values (see the module doc)."""
    candidates = list(INFERRED)
    seen = False
    for value in values:
        if normalise(value) == "":
            continue
        seen = True
        candidates = [name for name in candidates if fits(value, name)]
        if not candidates:
            return TEXT
    return candidates[0] if seen and candidates else TEXT


# ---------------------------------------------------------------- SQL --

def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def normalised_sql(column_sql: str) -> str:
    """SQL for a staged text column, normalised as ``normalise`` does."""
    return f"translate(btrim({column_sql}), {literal(THAI_DIGITS)}, '0123456789')"


def empty_sql(n: str) -> str:
    return f"({n} IS NULL OR {n} = '')"


def _ce_year_sql(year: str) -> str:
    return f"(CASE WHEN {year} >= {FIRST_BUDDHIST_YEAR} THEN {year} - {BUDDHIST_ERA_OFFSET} ELSE {year} END)"


def _month_sql(name: str) -> str:
    full = "ARRAY[" + ",".join(literal(m) for m in THAI_MONTHS) + "]"
    short = "ARRAY[" + ",".join(literal(m) for m in THAI_MONTHS_SHORT) + "]"
    return f"coalesce(array_position({full}, {name}), array_position({short}, replace({name}, '.', '')))"


def parts_sql(n: str, type_name: str) -> str | None:
    """For dates and timestamps, a SELECT of the value's parts, for a LATERAL
    (aliased ``p``): ``ok``, the CE year ``y``, ``m``, ``d`` and for
    timestamps ``hh``, ``mi``, ``ss``. The value's form is matched once;
    parts come from ``split_part``, since PostgreSQL's ``regexp_match`` is an
    order of magnitude slower than a plain match. Only the rarer Thai-month
    form needs it. None for other types."""
    type_name = canonical(type_name)
    if type_name == DATE:
        form = (f"CASE WHEN {n} ~ {literal(ISO_DATE_RE)} THEN 1 WHEN {n} ~ {literal(DMY_DATE_RE)} THEN 2 "
                f"WHEN {n} ~ {literal(THAI_DATE_RE)} THEN 3 ELSE 0 END")
        dashed = f"translate({n}, './', '--')"
        thai = f"regexp_match({n}, {literal(THAI_DATE_RE)})"

        def pick(iso: str, dmy: str, thai_part: str) -> str:
            return f"(CASE q.f WHEN 1 THEN {iso} WHEN 2 THEN {dmy} WHEN 3 THEN {thai_part} END)"

        year = pick(f"split_part({n}, '-', 1)::int", f"split_part({dashed}, '-', 3)::int", f"({thai})[3]::int")
        month = pick(f"split_part({n}, '-', 2)::int", f"split_part({dashed}, '-', 2)::int",
                     _month_sql(f"({thai})[2]"))
        day = pick(f"split_part({n}, '-', 3)::int", f"split_part({dashed}, '-', 1)::int", f"({thai})[1]::int")
        return (f"SELECT q.f > 0 AS ok, {_ce_year_sql(year)} AS y, {month} AS m, {day} AS d "
                f"FROM (SELECT {form} AS f) q OFFSET 0")
    if type_name == TIMESTAMP:
        spaced = f"translate({n}, 'T', ' ')"
        day, clock = f"split_part({spaced}, ' ', 1)", f"split_part({spaced}, ' ', 2)"

        def when(expression: str) -> str:
            return f"(CASE WHEN q.ok THEN {expression} END)"

        return (f"SELECT q.ok, {when(_ce_year_sql(f'split_part({day}, {chr(39)}-{chr(39)}, 1)::int'))} AS y, "
                f"{when(f'split_part({day}, {chr(39)}-{chr(39)}, 2)::int')} AS m, "
                f"{when(f'split_part({day}, {chr(39)}-{chr(39)}, 3)::int')} AS d, "
                f"{when(f'split_part({clock}, {chr(39)}:{chr(39)}, 1)::int')} AS hh, "
                f"{when(f'split_part({clock}, {chr(39)}:{chr(39)}, 2)::int')} AS mi, "
                f"{when(f'coalesce(nullif(split_part({clock}, {chr(39)}:{chr(39)}, 3), {chr(39)}{chr(39)}), {chr(39)}0{chr(39)})::float8')} AS ss "
                f"FROM (SELECT {n} ~ {literal(TIMESTAMP_RE)} AS ok) q OFFSET 0")
    return None


def _valid_day_sql(y: str, m: str, d: str) -> str:
    # Plain arithmetic: make_date would raise on 31/02 and abort the whole query.
    leap = f"(({y}) % 4 = 0 AND (({y}) % 100 <> 0 OR ({y}) % 400 = 0))"
    days = (f"(CASE WHEN {m} IN (4, 6, 9, 11) THEN 30 WHEN {m} = 2 THEN "
            f"(CASE WHEN {leap} THEN 29 ELSE 28 END) ELSE 31 END)")
    return f"(({y}) BETWEEN 1 AND 9999 AND ({m}) BETWEEN 1 AND 12 AND ({d}) BETWEEN 1 AND {days})"


def fits_sql(n: str, type_name: str, p: str = "p") -> str:
    """SQL true when a normalised, non-empty value ``n`` converts to
    ``type_name`` (dates and timestamps read the ``parts_sql`` LATERAL ``p``)."""
    type_name = canonical(type_name)
    if type_name == TEXT:
        return "true"
    if type_name == INTEGER:
        return f"({n} ~ {literal(INTEGER_RE)})"
    if type_name == NUMERIC:
        return f"({n} ~ {literal(DECIMAL_RE)})"
    if type_name == BOOLEAN:
        return f"({n} ~ {literal(BOOLEAN_RE)})"
    day = _valid_day_sql(f"{p}.y", f"{p}.m", f"{p}.d")
    if type_name == DATE:
        return f"coalesce({p}.ok AND {day}, false)"
    if type_name == TIMESTAMP:
        clock = f"{p}.hh BETWEEN 0 AND 23 AND {p}.mi BETWEEN 0 AND 59 AND {p}.ss < 60"
        return f"coalesce({p}.ok AND {day} AND {clock}, false)"
    raise ValueError(type_name)


def cast_sql(n: str, type_name: str, p: str = "p") -> str:
    """SQL converting a normalised value that ``fits_sql`` accepted; NULL when empty."""
    type_name = canonical(type_name)
    if type_name == INTEGER:
        value = f"replace({n}, ',', '')::int8"
    elif type_name == NUMERIC:
        value = f"replace({n}, ',', '')::numeric"
    elif type_name == DATE:
        value = f"make_date({p}.y, {p}.m, {p}.d)"
    elif type_name == TIMESTAMP:
        value = f"make_timestamp({p}.y, {p}.m, {p}.d, {p}.hh, {p}.mi, {p}.ss)"
    elif type_name == BOOLEAN:
        value = f"lower({n})::bool"
    else:
        raise ValueError(type_name)
    return f"(CASE WHEN {empty_sql(n)} THEN NULL ELSE {value} END)"
