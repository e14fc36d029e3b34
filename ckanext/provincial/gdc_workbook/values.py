"""Cells of the national metadata workbook ⇄ the values our schema stores (pure).

Reading (:func:`read_value`) takes a cell as ``tables.workbook`` gives it
(text and kind) and returns the stored values it stands for, or raises
:class:`CellError` with an English and a Thai message:

* choices: the stored value, a Thai or English label, in any case and
  spacing ("อื่น ๆ" is "อื่นๆ"). A value that is none of the national choices
  is stored as ``อื่นๆ`` with the text in the field's ``*_other`` field (the
  national workbook's convention; "อื่นๆ: text" too); a field without an
  ``*_other`` field refuses it. Multiple choices are separated by commas (or
  the separators of :data:`LIST_SEPARATORS`), with all the unknown parts as
  one free text, and are stored in the order of the choices.
* dates: date cells, Excel day numbers, ISO dates in either era and Thai text
  dates (``thai_dates.parse_text``), stored ``YYYY-MM-DD`` in the common era.
* years: four digits as written (2566 stays 2566: the schema keeps the era).
* yes/no: TRUE/FALSE, True/False, ใช่/ไม่ใช่, yes/no, ยินยอม/ไม่ยินยอม → "True"/"False".
* tags and code lists: separated by commas and the like.
* the URL name: lower case, spaces and other signs as hyphens; a name with
  Thai letters or outside 2..70 characters is refused, never invented.
* text: as written, ends stripped (markdown keeps its indentation). In every
  other column a cell holding only "-", "ไม่ระบุ" and the like is empty.

Writing (:func:`write_value`) gives the text of a cell for a stored dataset
or resource: dates in the Buddhist era as the national workbook has them
(2566-01-15), multiple choices joined by ", ", "อื่นๆ" replaced by its free
text.
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
import re
import unicodedata
from typing import Any, Optional

from ckanext.provincial import codes, thai_dates
from ckanext.provincial.gdc_workbook import layout
from ckanext.provincial.gdc_workbook.layout import OTHER_VALUE, Field

NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 70   # the national catalogue's limit (CKAN allows 100)
# Between the items of a list: commas (also full-width and ideographic ones), semicolons, new lines.
LIST_SEPARATORS = re.compile(r"\s*(?:[,，、;；\n\r]|\s\|\s)\s*")
# Between choices where every piece must be a choice (values themselves hold "/": DOC/DOCX).
_LOOSE_SEPARATORS = re.compile(r"\s*/\s*|\s+(?:และ|หรือ|and|or)\s+")
# Area codes may also be separated by spaces alone.
CODE_SEPARATORS = re.compile(r"[\s,，、;；|]+")
# "อื่นๆ: text", "อื่นๆ (ระบุ) text", "อื่น ๆ - text", "Other: text"
_OTHER_PREFIX = re.compile(r"^(?:อื่นๆ|other)\s*(?:\((?:โปรด)?ระบุ\)|\(please specify\))?\s*[:：\-–]?\s*(.*)$",
                           re.IGNORECASE | re.DOTALL)
_NAME_CHARACTERS = re.compile(r"[^a-z0-9_-]+")
# Characters of a formula, which a spreadsheet runs when a cell starts with them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CellError(ValueError):
    """A cell whose value cannot be stored: an English ``message`` and a Thai ``message_th``."""

    def __init__(self, message: str, message_th: str):
        super().__init__(message)
        self.message = message
        self.message_th = message_th


# ------------------------------------------------------------------ text --


_SPACES = re.compile(r"[ \t\u00a0\u200b]+")


def clean(text: Optional[str]) -> str:
    """Spaces collapsed (new lines kept), ends stripped; "อื่น ๆ" written "อื่นๆ"."""
    if text is None:
        return ""
    text = str(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).replace("อื่น ๆ", "อื่นๆ")
    return _SPACES.sub(" ", text).strip()


_WHITESPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    return _WHITESPACE.sub(" ", clean(text)).casefold()


def split_list(text: Optional[str]) -> list[str]:
    """Items of a list written in one cell, stripped, empty ones dropped, duplicates dropped."""
    items = [item.strip() for item in LIST_SEPARATORS.split(clean(text))]
    return list(dict.fromkeys(item for item in items if item))


@functools.lru_cache(maxsize=None)
def _empty_words() -> frozenset:
    return frozenset(str(word).casefold() for word in layout.config()["empty_words"])


# --------------------------------------------------------------- choices --


@functools.lru_cache(maxsize=None)
def _choice_index(field: Field) -> dict[str, str]:
    index: dict[str, str] = {}
    for choice in field.choices:
        for text in (choice.value, *choice.labels):
            index.setdefault(_key(text), choice.value)
    for word, value in (layout.config().get("choice_synonyms") or {}).get(field.name, {}).items():
        index.setdefault(_key(str(word)), str(value))
    if field.kind == "yes_no":
        for word in layout.config()["yes_words"]:
            index.setdefault(_key(str(word)), "True")
        for word in layout.config()["no_words"]:
            index.setdefault(_key(str(word)), "False")
    return index


def _choice_order(field: Field, values: list[str]) -> list[str]:
    order = [choice.value for choice in field.choices]
    return sorted(dict.fromkeys(values), key=lambda value: order.index(value) if value in order else len(order))


def _choice_list(field: Field) -> str:
    return ", ".join(choice.value for choice in field.choices)


def _unknown_choice(field: Field, parts: list[str]) -> CellError:
    shown = ", ".join(f'"{part}"' for part in parts)
    return CellError(
        f"{shown} is not one of the choices of {field.label_en}: {_choice_list(field)}",
        f"{shown} ไม่ใช่ตัวเลือกของ{field.label_th}: {_choice_list(field)}")


def _read_choices(field: Field, text: str) -> dict[str, Any]:
    index = _choice_index(field)
    whole = index.get(_key(text))
    if whole is not None:
        return {field.name: [whole] if field.kind == "choices" else whole}
    parts = split_list(text) if field.kind == "choices" else [text]
    chosen: list[str] = []
    free: list[str] = []
    for part in parts:
        value = index.get(_key(part))
        if value is not None:
            chosen.append(value)
            continue
        # "ไทย/อังกฤษ", "เพศ และ อายุ/กลุ่มอายุ": taken apart only when every piece is a choice.
        pieces = _LOOSE_SEPARATORS.split(part) if field.kind == "choices" else []
        if len(pieces) > 1 and all(_key(piece) in index for piece in pieces):
            chosen.extend(index[_key(piece)] for piece in pieces)
            continue
        other = _OTHER_PREFIX.match(part)
        if other and field.other:
            chosen.append(OTHER_VALUE)
            if other.group(1).strip():
                free.append(other.group(1).strip())
            continue
        free.append(part)
    if free:
        if not field.other:
            raise _unknown_choice(field, free)
        chosen.append(OTHER_VALUE)
    if field.kind == "choice":
        found = {field.name: chosen[0]}
    else:
        found = {field.name: _choice_order(field, chosen)}
    if free:
        found[field.other] = ", ".join(free)
    return found


def _read_yes_no(field: Field, text: str) -> dict[str, Any]:
    value = _choice_index(field).get(_key(text))
    if value is None:
        raise CellError(
            f'"{text}" is not a yes/no answer for {field.label_en}: write ใช่ or ไม่ใช่ (TRUE or FALSE)',
            f'"{text}" ไม่ใช่คำตอบใช่/ไม่ใช่ของ{field.label_th}: กรอก ใช่ หรือ ไม่ใช่ (TRUE หรือ FALSE)')
    return {field.name: value}


# ----------------------------------------------------------------- dates --


def read_date(text: str, kind: Optional[str] = None) -> _dt.date:
    """A date from a cell: a date cell, an Excel day number, or text (:func:`thai_dates.parse_text`)."""
    found = thai_dates.parse_text(text)
    if found is None and kind == "number":
        found = thai_dates.from_excel_serial(text)
    if found is None:
        raise CellError(
            f'"{text}" is not a date: write it as 15/01/2566, 15 ม.ค. 2566 or 2566-01-15',
            f'"{text}" ไม่ใช่วันที่: กรอกเช่น 15/01/2566, 15 ม.ค. 2566 หรือ 2566-01-15')
    return found


def _year_range(text: str) -> Optional[tuple[_dt.date, _dt.date]]:
    found = re.fullmatch(r"(?:ปี\s*)?(?:พ\.?\s?ศ\.?\s*)?(\d{4})(?:\s*[-–—]\s*(\d{4}))?",
                         thai_dates.western_digits(text).strip())
    if not found:
        return None
    first = thai_dates.common_era(int(found.group(1)))
    last = thai_dates.common_era(int(found.group(2) or found.group(1)))
    return _dt.date(first, 1, 1), _dt.date(last, 12, 31)


def read_period(text: str, kind: Optional[str] = None) -> str:
    """A reference period as stored: ``2023-10-01/2024-09-30``, one date when it starts and ends the same day.

    Reads one date, two dates separated by "/", "-", "–", "ถึง" or "to", and
    a year or years (2566, 2560-2566: whole calendar years)."""
    single = thai_dates.parse_text(text)
    if single is None and kind == "number":
        single = thai_dates.from_excel_serial(text)
    if single is not None:
        return single.isoformat()
    years = _year_range(text)
    if years is not None:
        start, end = years
    else:
        start = end = None
        for separator in ("/", " - ", "-", "–", "—", "ถึง", " to ", "to"):
            at = text.find(separator)
            while at >= 0 and start is None:
                left, right = text[:at], text[at + len(separator):]
                first, last = thai_dates.parse_text(left.strip()), thai_dates.parse_text(right.strip())
                if first and last:
                    start, end = first, last
                at = text.find(separator, at + 1)
            if start is not None:
                break
        if start is None:
            raise CellError(
                f'"{text}" is not a period: write its start and end dates, such as 1/10/2565 - 30/9/2566',
                f'"{text}" ไม่ใช่ช่วงเวลา: กรอกวันเริ่มต้นและวันสิ้นสุด เช่น 1/10/2565 - 30/9/2566')
    if end < start:
        raise CellError(f'The period "{text}" ends before it starts', f'ช่วงเวลา "{text}" สิ้นสุดก่อนวันเริ่มต้น')
    return start.isoformat() if start == end else f"{start.isoformat()}/{end.isoformat()}"


def buddhist_date(value: Any) -> str:
    """A stored date as the workbook writes it: ``2566-01-15`` (unreadable values as they are)."""
    day = thai_dates.parse(value)
    if day is None:
        return "" if value is None else str(value)
    return f"{thai_dates.buddhist_year(day.year):04d}-{day.month:02d}-{day.day:02d}"


def buddhist_period(value: Any) -> str:
    text = "" if value is None else str(value)
    parts = text.split("/")
    if len(parts) in (1, 2) and all(thai_dates.parse(part) for part in parts):
        return "/".join(buddhist_date(part) for part in parts)
    return text


# ------------------------------------------------------------------ names --


def url_name(text: str) -> str:
    """The URL name of a dataset as written in the workbook: lower case, spaces and signs as hyphens.

    Raises :class:`CellError` for Thai letters (no URL name can be made of
    them without inventing one) and for a length outside 2..70."""
    value = unicodedata.normalize("NFKC", thai_dates.western_digits(clean(text))).lower()
    foreign = [char for char in value if char.isalpha() and not char.isascii()]
    if foreign:
        raise CellError(
            f'The URL name "{text}" has letters other than a-z ("{"".join(foreign[:10])}"): write it in English '
            f'letters, digits, "-" and "_", such as factories-by-district',
            f'ชื่อ URL "{text}" มีตัวอักษรที่ไม่ใช่ a-z ("{"".join(foreign[:10])}"): กรอกเป็นอักษรภาษาอังกฤษ ตัวเลข '
            f'"-" และ "_" เช่น factories-by-district')
    value = _NAME_CHARACTERS.sub("-", value).strip("-")
    if len(value) > NAME_MAX_LENGTH:
        raise CellError(
            f'The URL name "{value}" is {len(value)} characters long; the national Government Data Catalog '
            f"takes at most {NAME_MAX_LENGTH}",
            f'ชื่อ URL "{value}" ยาว {len(value)} ตัวอักษร '
            f"ระบบบัญชีข้อมูลภาครัฐรับได้ไม่เกิน {NAME_MAX_LENGTH} ตัวอักษร")
    if len(value) < NAME_MIN_LENGTH:
        raise CellError(
            f'The URL name "{text}" is too short: at least {NAME_MIN_LENGTH} letters or digits',
            f'ชื่อ URL "{text}" สั้นเกินไป: อย่างน้อย {NAME_MIN_LENGTH} ตัวอักษรหรือตัวเลข')
    return value


# -------------------------------------------------------------- numbers --


def _number_text(text: str) -> str:
    return thai_dates.western_digits(text).replace(",", "").replace(" ", "").strip()


def _read_number(field: Field, text: str) -> dict[str, Any]:
    value = _number_text(text)
    if re.fullmatch(r"\d+\.0+", value):
        value = value.split(".")[0]
    if not re.fullmatch(r"\d+", value):
        raise CellError(f'"{text}" is not a whole number ({field.label_en})',
                        f'"{text}" ไม่ใช่จำนวนเต็ม ({field.label_th})')
    return {field.name: value}


def _read_coordinate(field: Field, text: str) -> dict[str, Any]:
    value = thai_dates.western_digits(text).replace("°", "").replace(" ", "").strip()
    try:
        float(value)
    except ValueError:
        raise CellError(f'"{text}" is not a coordinate in decimal degrees, such as 100.53 ({field.label_en})',
                        f'"{text}" ไม่ใช่ค่าพิกัดแบบทศนิยม เช่น 100.53 ({field.label_th})') from None
    return {field.name: value}


def _read_year(field: Field, text: str) -> dict[str, Any]:
    year = thai_dates.parse_year(text)
    if year is None:
        raise CellError(f'"{text}" is not a year: write four digits, such as 2566 ({field.label_en})',
                        f'"{text}" ไม่ใช่ปี: กรอกตัวเลขสี่หลัก เช่น 2566 ({field.label_th})')
    return {field.name: year}


@functools.lru_cache(maxsize=None)
def _province_names() -> dict[str, str]:
    names = {}
    for area in codes.provinces():
        for name in (area.name_th, "จังหวัด" + area.name_th, "จ." + area.name_th, area.name_en):
            names[_key(name)] = area.code
    return names


def _read_province(field: Field, text: str) -> dict[str, Any]:
    value = thai_dates.western_digits(clean(text))
    code = _province_names().get(_key(value))
    if code is None:
        code = value[:-2] if re.fullmatch(r"\d{1,2}\.0+", value) else value
        if re.fullmatch(r"\d", code):
            code = "0" + code
    return {field.name: code}


def _read_codes(field: Field, text: str) -> dict[str, Any]:
    value = thai_dates.western_digits(clean(text))
    area = field.name in ("district_codes", "subdistrict_codes")
    parts = CODE_SEPARATORS.split(value) if area else split_list(value)
    return {field.name: list(dict.fromkeys(part.strip() for part in parts if part.strip()))}


def _read_tags(field: Field, text: str) -> dict[str, Any]:
    return {field.name: ",".join(split_list(text))}


# ---------------------------------------------------------------- reading --


def read_value(field: Field, text: Optional[str], kind: Optional[str] = None) -> dict[str, Any]:
    """The stored values a cell stands for: ``{field: value}`` (and ``{field_other: text}``
    for a choice outside the national list); ``{}`` for an empty cell.

    :param kind: the cell's kind as ``tables.workbook`` gives it (text, number, date, bool)
    :raises CellError: a value that cannot be stored
    """
    kind_of_field = field.kind
    if kind_of_field in ("text", "organization"):
        # As written (markdown keeps its indentation and line breaks), ends stripped.
        kept = "" if text is None else str(text).strip()
        return {field.name: kept} if kept else {}
    text = clean(text)
    if not text or (kind_of_field != "name" and text.casefold() in _empty_words()):
        return {}
    if kind_of_field == "url":
        return {field.name: text}
    if kind_of_field == "name":
        return {field.name: url_name(text)}
    if kind_of_field in ("choice", "choices"):
        return _read_choices(field, text)
    if kind_of_field == "yes_no":
        return _read_yes_no(field, text)
    if kind_of_field == "date":
        return {field.name: read_date(text, kind).isoformat()}
    if kind_of_field == "period":
        return {field.name: read_period(text, kind)}
    if kind_of_field == "year":
        return _read_year(field, text)
    if kind_of_field == "number":
        return _read_number(field, text)
    if kind_of_field == "coordinate":
        return _read_coordinate(field, text)
    if kind_of_field == "province":
        return _read_province(field, text)
    if kind_of_field == "codes":
        return _read_codes(field, text)
    if kind_of_field == "tags":
        return _read_tags(field, text)
    return {field.name: text}


# ---------------------------------------------------------------- writing --


def stored_list(value: Any) -> list[str]:
    """The items of a stored list: a list, a JSON list, a comma-separated text or one value."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if item not in (None, "")]
    text = str(value)
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except (ValueError, RecursionError):
            loaded = None
        if isinstance(loaded, list):
            return [str(item) for item in loaded if item not in (None, "")]
    return [text]


def tag_names(dataset: dict) -> list[str]:
    """A dataset's tags: its ``tags`` (package_show) or else its ``tag_string``."""
    tags = [tag.get("name") for tag in dataset.get("tags") or [] if isinstance(tag, dict) and tag.get("name")]
    if tags:
        return tags
    value = dataset.get("tag_string")
    if isinstance(value, (list, tuple)):
        return [str(tag) for tag in value]
    return [tag.strip() for tag in str(value or "").split(",") if tag.strip()]


def write_value(field: Field, data: dict) -> Optional[str]:
    """The text of the cell for ``field`` of a stored dataset or resource (None when empty)."""
    if field.kind == "tags":
        return ", ".join(tag_names(data)) or None
    value = data.get(field.name)
    if field.kind in ("choice", "choices"):
        chosen = stored_list(value) if field.kind == "choices" else ([str(value)] if value not in (None, "") else [])
        other = str(data.get(field.other) or "").strip() if field.other else ""
        texts = [other if (item == OTHER_VALUE and other) else item for item in chosen]
        return ", ".join(texts) or None
    if value is None or value == "" or value == []:
        return None
    if field.kind == "yes_no":
        labels = {choice.value: choice.labels[0] for choice in field.choices}
        return labels.get(str(value), str(value))
    if field.kind == "date":
        return buddhist_date(value)
    if field.kind == "period":
        return buddhist_period(value)
    if field.kind == "codes":
        return ", ".join(stored_list(value)) or None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)
