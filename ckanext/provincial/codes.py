"""Thai administrative area codes: provinces, districts (amphoe) and subdistricts (tambon).

Province codes are TIS 1099 / DOPA two-digit codes (``13`` = Pathum Thani); DOPA
extends them by two digits for a district (``1302`` = Khlong Luang) and two
more for a subdistrict (``130201``). The code tables come from ``geothai``.

Pure functions, no CKAN: the validators, helpers and other modules build on them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Optional

import geothai

PROVINCE_CODE = re.compile(r"^[0-9]{2}$")
DISTRICT_CODE = re.compile(r"^[0-9]{4}$")
SUBDISTRICT_CODE = re.compile(r"^[0-9]{6}$")

# A code list may be written with commas, semicolons or whitespace between codes.
_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Area:
    """One province, district or subdistrict with its names in Thai and English."""

    code: str
    name_th: str
    name_en: str
    level: str  # "province", "district" or "subdistrict"

    def name(self, language: str = "th") -> str:
        return self.name_en if (language or "").lower().startswith("en") else self.name_th

    def label(self, language: str = "th") -> str:
        """``ปทุมธานี (13)`` in Thai, ``Pathum Thani (13)`` in English."""
        return f"{self.name(language)} ({self.code})"


def _area(found: Any, level: str) -> Optional[Area]:
    if found is None:
        return None
    return Area(found.code, found.name_th, found.name_en, level)


def clean_code(value: Any) -> str:
    """A code as text without surrounding spaces (``13`` for ``13``, `` 13 `` or the integer 13)."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:02d}"
    return str(value).strip()


def province(code: Any) -> Optional[Area]:
    """The province with this two-digit code, or None."""
    code = clean_code(code)
    if not PROVINCE_CODE.match(code):
        return None
    return _area(geothai.province(code), "province")


def district(code: Any) -> Optional[Area]:
    """The district with this four-digit code, or None."""
    code = clean_code(code)
    if not DISTRICT_CODE.match(code):
        return None
    return _area(geothai.district(code), "district")


def subdistrict(code: Any) -> Optional[Area]:
    """The subdistrict with this six-digit code, or None."""
    code = clean_code(code)
    if not SUBDISTRICT_CODE.match(code):
        return None
    return _area(geothai.subdistrict(code), "subdistrict")


def area(code: Any) -> Optional[Area]:
    """The province, district or subdistrict with this code (by its length), or None."""
    code = clean_code(code)
    return {2: province, 4: district, 6: subdistrict}.get(len(code), lambda _c: None)(code)


def provinces() -> list[Area]:
    """All 77 provinces, by code."""
    return [Area(p.code, p.name_th, p.name_en, "province") for p in geothai.provinces()]


def districts(province_code: Any) -> list[Area]:
    """The districts of a province, by code (empty for an unknown province)."""
    return [Area(d.code, d.name_th, d.name_en, "district") for d in geothai.districts(clean_code(province_code))]


def subdistricts(district_code: Any) -> list[Area]:
    """The subdistricts of a district, by code (empty for an unknown district)."""
    return [Area(s.code, s.name_th, s.name_en, "subdistrict") for s in geothai.subdistricts(clean_code(district_code))]


def subdistricts_of_province(province_code: Any) -> list[Area]:
    """Every subdistrict of a province, district by district."""
    return [s for d in districts(province_code) for s in subdistricts(d.code)]


def province_of(code: Any) -> str:
    """The province part (first two digits) of a district or subdistrict code."""
    return clean_code(code)[:2]


def split_codes(value: Any, numbers: bool = True) -> Optional[list[str]]:
    """Codes given as a list, a JSON list or text separated by commas/spaces; None when unreadable.

    Duplicates are dropped, the order kept. ``numbers=False`` refuses numbers
    where a code is text (PMQA "4.1" is not the number 4.1).
    """
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except (ValueError, RecursionError):  # "[[[[…" thousands deep
                return None
        else:
            value = [part for part in _SEPARATORS.split(text) if part]
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        value = [str(value)]
    if not isinstance(value, (list, tuple)):
        return None
    codes = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int) if numbers else str):
            return None
        code = str(item).strip()
        if code:
            codes.append(code)
    return list(dict.fromkeys(codes))


@dataclass(frozen=True)
class CodeProblem:
    """Why one code of a list was refused: ``unknown`` or ``other_province``."""

    code: str
    reason: str
    area: Optional[Area] = None


def check_areas(codes: Iterable[str], level: str, province_code: Any) -> list[CodeProblem]:
    """The problems of district (``level="district"``) or subdistrict codes for a province.

    A code must exist at that level and, when ``province_code`` names a known
    province, lie in it. An unknown or empty province checks existence only
    (the province field reports its own error).
    """
    lookup = district if level == "district" else subdistrict
    home = province(province_code)
    problems = []
    for code in codes:
        found = lookup(code)
        if found is None:
            problems.append(CodeProblem(code, "unknown"))
        elif home is not None and province_of(code) != home.code:
            problems.append(CodeProblem(code, "other_province", found))
    return problems
