"""Validators of the requirement plan, and of the dataset field ``requirement_codes``.

The code lists come from the operator's data files: development issues
(``ckanext.provincial.development_issues_directory``) and PMQA
(``ckanext.provincial.pmqa_file``). When a province has no issue file, its issue
codes are accepted as written.
"""
from __future__ import annotations

import re
from typing import Any, Optional

import geothai

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import development_issues, freshness, model, quality, vocabulary
from ckanext.provincial import vocabulary_store as store

Invalid = toolkit.Invalid
missing = toolkit.missing

# Required geographic level: the GDC geo_coverage values a province can ask for.
GEO_LEVELS: tuple[str, ...] = (
    "จังหวัด", "อำเภอ", "ตำบล", "หมู่บ้าน", "เทศบาล/อบต.", "พิกัด", "ประเทศ", "ภาค", "ไม่มี", "ไม่ทราบ", "อื่นๆ",
)
GEO_ALIASES = {
    "province": "จังหวัด", "district": "อำเภอ", "amphoe": "อำเภอ", "subdistrict": "ตำบล", "tambon": "ตำบล",
    "village": "หมู่บ้าน", "muban": "หมู่บ้าน", "municipality": "เทศบาล/อบต.", "local government": "เทศบาล/อบต.",
    "coordinates": "พิกัด", "point": "พิกัด", "country": "ประเทศ", "region": "ภาค", "none": "ไม่มี",
    "unknown": "ไม่ทราบ", "other": "อื่นๆ",
}
PRIORITY_ALIASES = {"high": "high", "medium": "medium", "low": "low", "สูง": "high", "กลาง": "medium", "ปานกลาง": "medium",
                    "ต่ำ": "low", "1": "high", "2": "medium", "3": "low"}

# 1 to 50 characters; no list separators (comma, semicolon), quotes, line breaks or control characters.
CODE_PATTERN = re.compile(r"^[^,;\"'\x00-\x1f\x7f]{1,50}$")
# Largest update interval of a requirement (every 1000 years, months, days...).
MAX_INTERVAL = 1000
# Largest offset or page size of a listing: what PostgreSQL and Solr take as an integer.
MAX_NATURAL = 2**31 - 1
TRUE_WORDS = ("true", "yes", "t", "y", "1", "on")
# What PostgreSQL cannot store in text: NUL, and UTF-16 surrogates left alone (from JSON "\ud800").
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


# ------------------------------------------------------------- code lists

def issue_catalogue() -> Optional[development_issues.IssueCatalogue]:
    """The configured development issue files; None when they cannot be read (codes then pass as written)."""
    try:
        return store.issue_file()
    except (vocabulary.VocabularyFileError, OSError, TypeError):
        return None


def pmqa_vocabulary() -> Optional[vocabulary.PmqaVocabulary]:
    """The configured PMQA file; None when it cannot be read (codes then pass as written)."""
    try:
        return store.pmqa_file()
    except (vocabulary.VocabularyFileError, OSError, TypeError):
        return None


def province_issues(province_code: str, context: Optional[dict] = None) -> Optional[list]:
    """The province's issues from its file; None when the province has no file.

    A context caches the answer (an import checks thousands of rows).
    """
    cache = context.setdefault("provincial_issues", {}) if context is not None else {}
    if province_code not in cache:
        catalogue = issue_catalogue()
        cache[province_code] = (catalogue.of_province(province_code) or None) if catalogue else None
    return cache[province_code]


# ------------------------------------------------------------- single fields

def storable_text(key, data, errors, context) -> None:
    """Text the database can hold: refused with a message instead of failing on save (HTTP 500).

    Stops the field's other validators: navl runs them after an ``Invalid``, and
    the next one may well be a database lookup.
    """
    value = data.get(key)
    if isinstance(value, str) and UNSTORABLE.search(value):
        errors[key].append(toolkit._("Contains a character that cannot be stored (NUL or a lone surrogate); remove it"))
        raise toolkit.StopOnError


def _value(key, data) -> Any:
    value = data.get(key)
    return "" if value is missing or value is None else value


def boolean_validator(value: Any) -> bool:
    """CKAN's ``boolean_validator`` for action parameters; that one fails on numbers, lists and dicts (HTTP 500)."""
    if value is missing or value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise Invalid(toolkit._("Must be true or false"))


def natural_number(value: Any) -> int:
    """A whole number from 0 (CKAN's ``natural_number_validator`` fails on blank text, HTTP 500)."""
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= MAX_NATURAL:
        raise Invalid(toolkit._("Must be a whole number from 0 to {maximum}").format(maximum=MAX_NATURAL))
    return number


def province_code_validator(value: Any) -> str:
    code = str(value or "").strip()
    if not re.match(r"^[0-9]{2}$", code) or geothai.province(code) is None:
        raise Invalid(toolkit._('"{value}" is not a province code (two digits, such as 13 for Pathum Thani)').format(value=code))
    return code


def requirement_code_validator(value: Any) -> str:
    code = " ".join(str(value or "").split())
    if not CODE_PATTERN.match(code):
        raise Invalid(toolkit._("A code has 1 to 50 characters without commas, semicolons, quotes or line breaks"))
    return code


def frequency_unit_validator(value: Any) -> str:
    if value in (None, "", missing):
        return ""
    unit = freshness.normalize_unit(value)
    if unit is None:
        raise Invalid(toolkit._('"{value}" is not an update frequency; use one of: {allowed}').format(
            value=value, allowed=", ".join(freshness.UNITS)))
    return unit


def frequency_interval_validator(value: Any) -> int:
    if value in (None, "", missing):
        return 1
    try:
        number = float(str(value).strip())
    except ValueError:
        number = 0
    if number > MAX_INTERVAL:  # infinity too; due dates stay within the calendar
        raise Invalid(toolkit._("The interval is at most {maximum}").format(maximum=MAX_INTERVAL))
    if not number >= 1 or not number.is_integer():  # NaN fails ">="
        raise Invalid(toolkit._("The interval is a whole number, 1 or more"))
    return int(number)


def geo_level_validator(value: Any) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    if text in GEO_LEVELS:
        return text
    if text.lower() in GEO_ALIASES:
        return GEO_ALIASES[text.lower()]
    raise Invalid(toolkit._('"{value}" is not a geographic level; use one of: {allowed}').format(
        value=text, allowed=", ".join(GEO_LEVELS)))


def priority_validator(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    found = PRIORITY_ALIASES.get(text.lower())
    if found is None:
        raise Invalid(toolkit._('"{value}" is not a priority; use high, medium or low').format(value=text))
    return found


def split_codes(value: Any) -> list[str]:
    """Codes from a list or from text separated by commas, semicolons or line breaks (duplicates dropped)."""
    if value in (None, "", missing):
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, str):
        value = quality.as_list(value) if value.strip().startswith("[") else re.split(r"[,;\n]", value)
    if not isinstance(value, (list, tuple)):
        raise Invalid(toolkit._("Give the codes as a list, or as text separated by commas"))
    found: list[str] = []
    for item in value:
        code = " ".join(str(item or "").split())
        if code and code not in found:
            found.append(code)
    return found


def pmqa_validator(value: Any) -> list[str]:
    codes = split_codes(value)
    known = pmqa_vocabulary()
    if known is not None:
        unknown = [code for code in codes if known.get(code) is None]
        if unknown:
            raise Invalid(toolkit._("Unknown PMQA code: {codes} (known: {known})").format(
                codes=", ".join(unknown), known=", ".join(known.codes())))
    return codes


# ------------------------------------------------------------- cross-field

def _code_and_province_issues(key, data, context) -> tuple[str, Optional[list]]:
    """The field's code (trimmed, and stored so) and the issues of the requirement's province to check it
    against: None when there is nothing to check (no code, or a province without an issue file)."""
    code = str(_value(key, data)).strip()
    data[key] = code
    if not code:
        return code, None
    return code, province_issues(str(_value(("province_code",), data)), context)


def development_issue_validator(key, data, errors, context) -> None:
    """An issue (or focus area) of the requirement's province, when the province has an issue file."""
    code, issues = _code_and_province_issues(key, data, context)
    if issues is None:
        return
    allowed = [issue.code for issue in issues if issue.parent is None]
    if code not in allowed:
        errors[key].append(toolkit._('"{value}" is not a development issue of this province; use one of: {allowed}').format(
            value=code, allowed=", ".join(allowed)))


def sub_issue_validator(key, data, errors, context) -> None:
    """A sub-issue of the requirement's development issue (which it fills in when empty)."""
    code, issues = _code_and_province_issues(key, data, context)
    if issues is None:
        return
    parent = next((issue.parent for issue in issues if issue.code == code and issue.parent), None)
    if parent is None:
        errors[key].append(toolkit._('"{value}" is not a sub-issue of this province').format(value=code))
        return
    issue = str(_value(("development_issue",), data))
    if not issue and not errors.get(("development_issue",)):
        data[("development_issue",)] = parent
    elif issue and issue != parent:
        errors[key].append(toolkit._('"{value}" is a sub-issue of "{parent}", not of "{issue}"').format(
            value=code, parent=parent, issue=issue))


def agency_validator(key, data, errors, context) -> None:
    """An organization, given by name or id; stored as its id."""
    value = str(_value(key, data)).strip()
    data[key] = value
    if not value:
        return
    known = context.get("provincial_organizations")
    if known is None:
        known = model.organizations([value])
    org = known.get(value)
    if org is None:
        errors[key].append(toolkit._('No organization "{value}" (give its name as in its web address, or its id)').format(value=value))
        return
    data[key] = org["id"]


def requirement_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    not_empty, unicode_safe = v("not_empty"), v("unicode_safe")
    text = [v("default")(""), unicode_safe, storable_text, v("strip_value")]
    return {
        "province_code": [not_empty, unicode_safe, province_code_validator],
        "code": [not_empty, unicode_safe, storable_text, requirement_code_validator],
        # not_empty again after strip_value: a title of spaces alone would be saved empty.
        "title_th": [not_empty, unicode_safe, storable_text, v("strip_value"), not_empty],
        "title_en": list(text),
        "development_issue": list(text) + [development_issue_validator],
        "sub_issue": list(text) + [sub_issue_validator],
        "agency": list(text) + [agency_validator],
        "purpose": list(text),
        "indicator": list(text),
        "update_frequency_unit": [frequency_unit_validator],
        "update_frequency_interval": [frequency_interval_validator],
        "geo_level": [geo_level_validator],
        "priority": [priority_validator],
        "pmqa": [pmqa_validator],
        "source_plan": list(text),
    }


# ------------------------------------------------------------- dataset field

def provincial_requirement_codes(key, data, errors, context) -> None:
    """Dataset field ``requirement_codes``: codes of the plan of the dataset's province.

    Accepts a list or text separated by commas, semicolons or line breaks;
    leaves a list of the codes as the plan writes them (for
    ``scheming_multiple_text`` to store).
    """
    value = data.get(key)
    if value is missing or value is None:
        return
    codes = split_codes(value)
    if not codes:
        data[key] = []
        return
    province = str(_value(key[:-1] + ("province_code",), data)).strip()
    if not province:
        errors[key].append(toolkit._("Choose the dataset's province before linking it to requirements of its plan"))
        return
    planned = model.canonical_codes(province, codes)
    unknown = [code for code in codes if code.lower() not in planned]
    if unknown:
        errors[key].append(toolkit._("Not in the requirement plan of province {province}: {codes}").format(
            province=province, codes=", ".join(unknown)))
        return
    data[key] = [planned[code.lower()] for code in codes]


def get_validators():
    return {"provincial_requirement_codes": provincial_requirement_codes}

