"""URIs and code mappings of the provincial DCAT profile.

Pure module (no CKAN): the profile in ``profiles.py`` turns these into triples.
The URI scheme is documented in ``docs/harvesting.md``:

- administrative areas: ``<id base>area/<DOPA code>`` — ``13`` a province,
  ``1301`` a district (amphoe), ``130101`` a subdistrict (tambon). The same
  URI on every portal, so the national catalogue can merge what provinces send;
- PMQA 4.0 codes: ``<id base>pmqa/<code>`` (``…/pmqa/4.1``);
- development issues, national group categories and plan requirements are
  the portal's own pages: ``<site>/development-issue/<code>``,
  ``<site>/national-category/<code>``, ``<site>/requirement/<province>/<code>``;
- update frequency and access rights: the EU Publications Office authority
  tables that DCAT-AP prescribes.
"""
from __future__ import annotations

import re
from typing import Any, Optional
from urllib.parse import quote

from ckanext.provincial import freshness

# Our vocabulary: one property per field of schemas/dataset.yaml that has no
# standard DCAT term, named exactly as the field (``provincial:data_type``).
PROVINCIAL_NAMESPACE = "https://ckanext-provincial.github.io/ns#"
DEFAULT_ID_BASE = "https://ckanext-provincial.github.io/id/"

EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"

AREA_LEVELS = {2: "province", 4: "district", 6: "subdistrict"}

_THAI_SCRIPT = re.compile("[\u0e00-\u0e7f]")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


# ------------------------------------------------------------------ URIs --

def id_base(configured: Optional[str]) -> str:
    """The configured base of our identifiers, ending with ``/``."""
    base = (configured or DEFAULT_ID_BASE).strip()
    return base if base.endswith("/") else base + "/"


def area_uri(code: str, base: str = DEFAULT_ID_BASE) -> str:
    return f"{id_base(base)}area/{code}"


def area_level(code: str) -> Optional[str]:
    """``province``, ``district`` or ``subdistrict`` by the length of a DOPA code."""
    code = str(code or "")
    return AREA_LEVELS.get(len(code)) if code.isdigit() else None


def parent_area(code: str) -> Optional[str]:
    """The code of the area one level up (``130101`` → ``1301`` → ``13`` → None)."""
    code = str(code or "")
    return code[:-2] if len(code) in (4, 6) else None


def pmqa_uri(code: str, base: str = DEFAULT_ID_BASE) -> str:
    return f"{id_base(base)}pmqa/{code}"


def pmqa_scheme_uri(base: str = DEFAULT_ID_BASE) -> str:
    return f"{id_base(base)}pmqa"


def development_issue_uri(site: str, code: str) -> str:
    return f"{site.rstrip('/')}/development-issue/{quote(code, safe='')}"


def national_category_uri(site: str, code: str) -> str:
    return f"{site.rstrip('/')}/national-category/{quote(code, safe='')}"


def requirement_uri(site: str, province_code: str, code: str) -> str:
    return f"{site.rstrip('/')}/requirement/{quote(province_code, safe='')}/{quote(code, safe='')}"


# ----------------------------------------------------- update frequency --

# GDC unit → how long one unit lasts, in months / days / minutes.
_MONTH_UNITS = {freshness.YEAR: 12, freshness.HALF_YEAR: 6, freshness.QUARTER: 3, freshness.MONTH: 1}
_DAY_UNITS = {freshness.WEEK: 7, freshness.DAY: 1}
_MINUTE_UNITS = {freshness.HOUR: 60, freshness.MINUTE: 1}

# A whole period → the EU frequency code that names it.
_BY_MONTHS = {
    1: "MONTHLY", 2: "BIMONTHLY", 3: "QUARTERLY", 4: "ANNUAL_3", 6: "ANNUAL_2", 12: "ANNUAL",
    24: "BIENNIAL", 36: "TRIENNIAL", 48: "QUADRENNIAL", 60: "QUINQUENNIAL", 72: "SEXENNIAL",
    120: "DECENNIAL", 240: "BIDECENNIAL", 360: "TRIDECENNIAL",
}
_BY_DAYS = {1: "DAILY", 7: "WEEKLY", 14: "BIWEEKLY"}
_BY_MINUTES = {
    1: "1MIN", 5: "5MIN", 10: "10MIN", 15: "15MIN", 30: "30MIN", 60: "HOURLY", 120: "BIHOURLY",
    180: "TRIHOURLY", 720: "12HRS", 1440: "DAILY",
}
_WHOLE_UNITS = {
    freshness.REAL_TIME: "UPDATE_CONT",
    freshness.NEVER_UPDATED: "NEVER",
    freshness.UNKNOWN: "UNKNOWN",
    freshness.OTHER: "OTHER",
}

# EU code → the GDC unit and interval a parser fills in when a graph carries
# no provincial:update_frequency_unit (a catalogue that is not ours).
FREQUENCY_TO_GDC: dict[str, tuple[str, str]] = {
    "UPDATE_CONT": (freshness.REAL_TIME, ""), "CONT": (freshness.REAL_TIME, ""),
    "NEVER": (freshness.NEVER_UPDATED, ""), "UNKNOWN": (freshness.UNKNOWN, ""),
    "OTHER": (freshness.OTHER, ""), "IRREG": (freshness.OTHER, ""),
    "WEEKLY_5": (freshness.WORKING_DAY, "1"),
    "DAILY": (freshness.DAY, "1"), "WEEKLY": (freshness.WEEK, "1"), "BIWEEKLY": (freshness.WEEK, "2"),
    "MONTHLY": (freshness.MONTH, "1"), "BIMONTHLY": (freshness.MONTH, "2"),
    "QUARTERLY": (freshness.QUARTER, "1"), "ANNUAL_3": (freshness.MONTH, "4"),
    "ANNUAL_2": (freshness.HALF_YEAR, "1"), "ANNUAL": (freshness.YEAR, "1"),
    "BIENNIAL": (freshness.YEAR, "2"), "TRIENNIAL": (freshness.YEAR, "3"),
    "QUADRENNIAL": (freshness.YEAR, "4"), "QUINQUENNIAL": (freshness.YEAR, "5"),
    "SEXENNIAL": (freshness.YEAR, "6"), "DECENNIAL": (freshness.YEAR, "10"),
    "BIDECENNIAL": (freshness.YEAR, "20"), "TRIDECENNIAL": (freshness.YEAR, "30"),
    "1MIN": (freshness.MINUTE, "1"), "5MIN": (freshness.MINUTE, "5"), "10MIN": (freshness.MINUTE, "10"),
    "15MIN": (freshness.MINUTE, "15"), "30MIN": (freshness.MINUTE, "30"), "HOURLY": (freshness.HOUR, "1"),
    "BIHOURLY": (freshness.HOUR, "2"), "TRIHOURLY": (freshness.HOUR, "3"), "12HRS": (freshness.HOUR, "12"),
}


def _interval(value: Any) -> int:
    """The declared interval; 1 when empty or not a positive whole number (as freshness reads it)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return number if number > 0 else 1


def frequency_code(unit: Any, interval: Any = None) -> Optional[str]:
    """The EU frequency code for a GDC unit and interval; None when no unit is given.

    ``ปี``/``1`` → ``ANNUAL``, ``เดือน``/``3`` → ``QUARTERLY``, ``วันทำการ``/``1``
    → ``WEEKLY_5`` (five times a week). A period the EU table has no name for
    (every 7 months) is ``OTHER``; the exact unit and interval travel in
    ``provincial:update_frequency_unit`` / ``provincial:update_frequency_interval``.
    """
    unit = str(unit or "").strip()
    if not unit:
        return None
    unit = freshness.ALIASES.get(unit.lower(), unit)
    if unit in _WHOLE_UNITS:
        return _WHOLE_UNITS[unit]
    n = _interval(interval)
    if unit in _MONTH_UNITS:
        return _BY_MONTHS.get(_MONTH_UNITS[unit] * n, "OTHER")
    if unit in _DAY_UNITS:
        return _BY_DAYS.get(_DAY_UNITS[unit] * n, "OTHER")
    if unit in _MINUTE_UNITS:
        return _BY_MINUTES.get(_MINUTE_UNITS[unit] * n, "OTHER")
    if unit == freshness.WORKING_DAY:
        return "WEEKLY_5" if n == 1 else "OTHER"
    return "OTHER"


def frequency_uri(unit: Any, interval: Any = None) -> Optional[str]:
    code = frequency_code(unit, interval)
    return EU_FREQUENCY + code if code else None


def gdc_frequency(uri: str) -> Optional[tuple[str, str]]:
    """The GDC unit and interval of an EU frequency URI, or None for another URI."""
    if not str(uri or "").startswith(EU_FREQUENCY):
        return None
    return FREQUENCY_TO_GDC.get(str(uri)[len(EU_FREQUENCY):])


# ---------------------------------------------------------- access rights --

PUBLIC_CATEGORY = "ข้อมูลสาธารณะ"
INTERNAL_CATEGORY = "ข้อมูลใช้ภายใน"
OPEN_CLASSIFICATION = "เปิดเผย"
INTERNAL_CLASSIFICATION = "ชั้นเผยแพร่ภายในองค์กร"
SECRET_CLASSIFICATIONS = ("ลับ", "ลับมาก", "ลับที่สุด")


def access_right(data_category: Any, data_classification: Any) -> Optional[str]:
    """The EU access-right code (``PUBLIC``, ``RESTRICTED``, ``NON_PUBLIC``) of a GDC category/classification.

    The stricter of the two wins: public data that is classified secret is
    ``NON_PUBLIC``. None when neither is given.
    """
    category = str(data_category or "").strip()
    classification = str(data_classification or "").strip()
    if not category and not classification:
        return None
    if classification in SECRET_CLASSIFICATIONS or (category and category not in (PUBLIC_CATEGORY, INTERNAL_CATEGORY)):
        return "NON_PUBLIC"
    if classification == INTERNAL_CLASSIFICATION or category == INTERNAL_CATEGORY:
        return "RESTRICTED"
    return "PUBLIC"


def access_right_uri(data_category: Any, data_classification: Any) -> Optional[str]:
    code = access_right(data_category, data_classification)
    return EU_ACCESS_RIGHT + code if code else None


# --------------------------------------------------------------- language --

# GDC data_language choices → EU language table (ISO 639-3 based).
DATA_LANGUAGES = {
    "ไทย": "THA", "อังกฤษ": "ENG", "จีน": "ZHO", "มลายู": "MSA", "พม่า": "MYA", "ลาว": "LAO",
    "เขมร": "KHM", "ญี่ปุ่น": "JPN", "เกาหลี": "KOR", "ฝรั่งเศส": "FRA", "เยอรมัน": "DEU",
    "อารบิก": "ARA",
}


def language_uri(data_language: str) -> Optional[str]:
    code = DATA_LANGUAGES.get(str(data_language or "").strip())
    return EU_LANGUAGE + code if code else None


def has_thai(text: Any) -> bool:
    return bool(_THAI_SCRIPT.search(str(text or "")))


def text_language(text: Any) -> Optional[str]:
    """``th`` for text written in Thai script; None when the language cannot be told from the text."""
    return "th" if has_thai(text) else None


def bounding_box_wkt(west: Any, east: Any, north: Any, south: Any) -> Optional[str]:
    """The GDC bounds as a WKT polygon (GeoDCAT-AP ``dcat:bbox``); None unless all four are numbers."""
    try:
        w, e, n, s = (float(str(v).strip()) for v in (west, east, north, south))
    except (TypeError, ValueError):
        return None
    return f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"


def is_iso_date(text: Any) -> bool:
    return bool(_ISO_DATE.match(str(text or "")))
