"""Validators of the provincial dataset, resource and organization schemas.

The schemas (``schemas/*.yaml``) name these validators; the behaviour that
depends on a field (its data types, its "other" parent, its area level) is
read from the field definition, not written here per field.

Thai tags: CKAN's own tag rule (``\\w``) refuses Thai vowel and tone marks,
which are combining characters. ``tag_name_validator`` and
``tag_string_convert`` are replaced by versions that accept every letter,
mark and digit and still refuse commas, control characters and the like.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from typing import Any, Callable, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import codes, thai_dates
from ckanext.provincial.language import current as current_language
from ckanext.provincial.language import label_text

Invalid = toolkit.Invalid
StopOnError = toolkit.StopOnError
missing = toolkit.missing
_ = toolkit._

OTHER_VALUE = "อื่นๆ"
DATA_TYPE_FIELD = "data_type"
DRAFT = "draft"

# CKAN's tag table limits (ckan.model.MIN_TAG_LENGTH / MAX_TAG_LENGTH).
TAG_MIN_LENGTH = 2
TAG_MAX_LENGTH = 100
# Besides letters, marks and digits, what CKAN allows in a tag.
_TAG_PUNCTUATION = frozenset(" -_.")

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.+\-Z]*)?$")
_YEAR = re.compile(r"^\d{4}$")
_WHOLE_NUMBER = re.compile(r"^\d+$")


def scheming_validator(fn: Callable) -> Callable:
    """Mark a validator factory that receives the field definition.

    What ``ckanext.scheming.validation.scheming_validator`` does; importing
    scheming here would be circular (scheming collects validators on import).
    """
    fn.is_a_scheming_validator = True
    return fn


# ----------------------------------------------------------- pure rules --

def tag_problem(tag: str, check_length: bool = True) -> Optional[tuple[str, str]]:
    """Why ``tag`` is not a valid tag, as ``(reason, detail)``; None when it is.

    Reasons: ``too_short``, ``too_long`` (with ``check_length``), ``comma``,
    ``control`` (a control or invisible formatting character), ``character``
    (any other symbol).
    """
    if check_length and len(tag) < TAG_MIN_LENGTH:
        return "too_short", str(TAG_MIN_LENGTH)
    if check_length and len(tag) > TAG_MAX_LENGTH:
        return "too_long", str(TAG_MAX_LENGTH)
    for char in tag:
        if char in _TAG_PUNCTUATION:
            continue
        category = unicodedata.category(char)
        if category[0] in "LMN":
            continue
        if char == ",":
            return "comma", char
        if category in ("Cc", "Cf", "Zl", "Zp") or char in "\t\r\n":
            return "control", f"U+{ord(char):04X}"
        return "character", char
    return None


def split_tags(text: str) -> list[str]:
    """Tags of a comma-separated tag string, stripped, empty ones dropped."""
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def parse_iso_date(value: Any) -> dt.date:
    """A date from ``YYYY-MM-DD`` (a time after it is ignored), a date or a datetime.

    Raises ``ValueError("format")`` for anything else and
    ``ValueError("buddhist", year)`` for a Buddhist-era year (2566-01-31).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _ISO_DATE.match(str(value).strip())
    if not match:
        raise ValueError("format")
    year, month, day = (int(part) for part in match.groups())
    if thai_dates.is_buddhist_year(year):
        raise ValueError("buddhist", year)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError("format")


def parse_period(value: Any) -> tuple[Optional[dt.date], Optional[dt.date]]:
    """The start and end of a reference period.

    Accepts ``{"start": ..., "end": ...}``, ``[start, end]``, the ISO 8601
    interval ``"2023-10-01/2024-09-30"`` or one date (start = end). Raises
    ``ValueError`` with the reason (``format``, ``buddhist``, ``no_start``,
    ``reversed``) and, for a bad date, the side (``start`` / ``end``).
    """
    if isinstance(value, dict):
        start, end = value.get("start"), value.get("end")
    elif isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError("format", "start")
        start, end = value
    elif isinstance(value, str):
        text = value.strip()
        if "/" in text:
            start, _sep, end = text.partition("/")
        else:
            start, end = text, text
    else:
        raise ValueError("format", "start")
    start = None if start in (None, "") else start
    end = None if end in (None, "") else end
    if start is None and end is None:
        return None, None
    if start is None:
        raise ValueError("no_start", "start")
    dates = []
    for side, text in (("start", start), ("end", end if end is not None else start)):
        try:
            dates.append(parse_iso_date(text))
        except ValueError as error:
            raise ValueError(*error.args, side)
    if dates[1] < dates[0]:
        raise ValueError("reversed", "end")
    return dates[0], dates[1]


def format_period(start: dt.date, end: dt.date) -> str:
    """The stored text of a period: ``2023-10-01/2024-09-30``, or one date when start = end."""
    return start.isoformat() if start == end else f"{start.isoformat()}/{end.isoformat()}"


def field_label(schema: Optional[dict], name: str) -> str:
    """The label of a dataset, resource or organization field of a scheming schema; its name when not found."""
    for group in ("dataset_fields", "resource_fields", "fields"):
        for field in (schema or {}).get(group) or []:
            if field.get("field_name") == name and field.get("label"):
                return label_text(field["label"], current_language())
    return name


def choice_label(schema: Optional[dict], name: str, value: Any) -> str:
    """The label of one choice of a field, as presets.yaml words it, in the current language; the value when not found.

    Read labels from the schema rather than copying them into code, where their wording drifts.
    """
    for group in ("dataset_fields", "resource_fields", "fields"):
        for field in (schema or {}).get(group) or []:
            if field.get("field_name") == name:
                for choice in field.get("choices") or []:
                    if choice.get("value") == value:
                        return label_text(choice.get("label"), current_language(), default=str(value))
    return "" if value is None else str(value)


def applies_to(field: dict, data_type: Any) -> bool:
    """Whether a field belongs to datasets of ``data_type`` (fields without ``form_data_type`` belong to all)."""
    types = field.get("form_data_type")
    return not types or data_type in types


def choice_values(value: Any) -> list[str]:
    """The chosen values of a single or multiple choice (a text, a list or a stored JSON list)."""
    if value is missing or value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    text = str(value)
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except (ValueError, RecursionError):  # "[[[[…" thousands deep
            return [text]
        if isinstance(loaded, list):
            return [str(v) for v in loaded]
    return [text]


# ------------------------------------------------------------ messages --

def _tag_message(tag: str, reason: str, detail: str) -> str:
    if reason == "too_short":
        return _('Tag "{tag}" is too short: a tag has at least {length} characters').format(tag=tag, length=detail)
    if reason == "too_long":
        return _('Tag "{tag}" is too long: a tag has at most {length} characters').format(
            tag=tag[:30] + "…", length=detail)
    if reason == "comma":
        return _('Tag "{tag}" contains a comma; commas separate tags, give them as separate tags').format(tag=tag)
    if reason == "control":
        return _('Tag "{tag}" contains an invisible or control character ({char}); retype it without').format(
            tag=tag, char=detail)
    return _('Tag "{tag}" contains "{char}": a tag has letters (Thai or other), digits, spaces, '
             'hyphens, underscores and dots only').format(tag=tag, char=detail)


def _date_message(error: ValueError) -> str:
    if error.args and error.args[0] == "buddhist":
        year = error.args[1]
        return _("{year} is a Buddhist-era year; write dates in the common era as YYYY-MM-DD "
                 "(B.E. {year} is {ce})").format(year=year, ce=thai_dates.common_era(year))
    return _("Date format incorrect: write the date as YYYY-MM-DD, such as 2024-01-31")


# --------------------------------------------------------------- tags --

def thai_tag_name_validator(value: Any, context: dict) -> Any:
    """A tag name: letters of any script with their vowel and tone marks, digits, space, - _ .

    As CKAN's ``tag_name_validator``, the characters only: the length is
    ``tag_length_validator``'s (vocabularies of one-character codes skip it).
    """
    if not isinstance(value, str):
        raise Invalid(_("A tag is text, such as อุตสาหกรรม"))
    problem = tag_problem(value, check_length=False)
    if problem:
        raise Invalid(_tag_message(value, *problem))
    return value


def thai_tag_string_convert(key, data, errors, context) -> None:
    """CKAN's ``tag_string_convert``, with the Thai-aware tag rule."""
    value = data[key]
    if isinstance(value, str):
        tags = split_tags(value)
    elif isinstance(value, (list, tuple)):
        tags = [str(tag).strip() for tag in value if str(tag).strip()]
    else:
        tags = []
    current = max([int(k[1]) for k in data.keys() if len(k) == 3 and k[0] == "tags"] + [-1])
    for number, tag in enumerate(tags, start=current + 1):
        data[("tags", number, "name")] = tag
    for tag in tags:
        problem = tag_problem(tag)
        if problem:
            errors[key].append(_tag_message(tag, *problem))


@scheming_validator
def provincial_tag_string_convert(field: dict, schema: dict) -> Callable:
    """``tag_string``: comma-separated Thai tags; when required, a dataset needs a tag (here or in ``tags``)."""

    def validator(key, data, errors, context):
        value = data.get(key, missing)
        if value is missing or value is None or value == "":
            data.pop(key, None)
            has_tags = any(len(k) == 3 and k[0] == "tags" and data[k] for k in data)
            if field.get("required") and not has_tags:
                errors[key].append(_("Missing value"))
            raise StopOnError
        thai_tag_string_convert(key, data, errors, context)

    return validator


# ------------------------------------------------- data types and choices --

def _raw(data: dict, name: str) -> Any:
    value = data.get((name,), missing)
    return "" if value is missing or value is None else value


def dataset_data_type(data: dict) -> str:
    value = _raw(data, DATA_TYPE_FIELD)
    return value.strip() if isinstance(value, str) else ""


@scheming_validator
def provincial_type_required(field: dict, schema: dict) -> Callable:
    """``required: true`` means required for the field's ``form_data_type`` only; empty optional values are dropped."""
    not_empty = toolkit.get_validator("not_empty")
    ignore_empty = toolkit.get_validator("ignore_empty")

    def validator(key, data, errors, context):
        if field.get("required") and applies_to(field, dataset_data_type(data)):
            not_empty(key, data, errors, context)
        else:
            ignore_empty(key, data, errors, context)

    return validator


@scheming_validator
def provincial_choices(field: dict, schema: dict) -> Callable:
    """One of the field's choices (static ``choices`` or a ``choices_helper``)."""

    def validator(value: Any, context: dict) -> Any:
        if value is missing or value is None or value == "":
            return value
        if "choices" in field:
            allowed = [choice["value"] for choice in field["choices"]]
        else:
            allowed = [choice["value"] for choice in toolkit.h.scheming_field_choices(field)]
        if value not in allowed:
            raise Invalid(_('"{value}" is not one of the choices of this field: {choices}').format(
                value=value, choices=", ".join(allowed)))
        return value

    return validator


@scheming_validator
def provincial_national_choice(field: dict, schema: dict) -> Callable:
    """A choice marked ``national: refused`` only on a dataset the national catalogue does not receive.

    A release of the national schema refuses that value (``ข้อมูลใช้ภายใน`` in
    ``data_category``): a public dataset, or a private one whose publisher
    consented to the national listing (``allow_harvest``), could never be
    harvested with it. A private dataset without that consent keeps it.
    """
    refused = {str(choice["value"]) for choice in field.get("choices") or [] if choice.get("national") == "refused"}
    national = [str(choice["value"]) for choice in field.get("choices") or [] if choice.get("national") != "refused"]

    def validator(key, data, errors, context):
        value = data.get(key, missing)
        if not refused or errors.get(key) or not any(v in refused for v in choice_values(value)):
            return
        from ckanext.provincial import national_rules

        package = context.get("package")
        private = data.get(("private",), missing)
        if private is missing:
            private = getattr(package, "private", False) if package is not None else False
        if national_rules.offered_nationally(private, _raw(data, "allow_harvest")):
            errors[key].append(_(
                'The national Government Data Catalog refuses "{value}", and this dataset goes to it '
                '(it is public, or private with consent to the national listing). Choose one of: {choices}; '
                'or keep the dataset private without that consent.').format(
                    value=", ".join(v for v in choice_values(value) if v in refused), choices=", ".join(national)))
            raise StopOnError

    return validator


@scheming_validator
def provincial_other_text(field: dict, schema: dict) -> Callable:
    """The text of an "other" choice: required when the field ``other_of`` holds ``other_value``."""
    parent = field["other_of"]
    other_value = field.get("other_value", OTHER_VALUE)
    ignore_empty = toolkit.get_validator("ignore_empty")

    def validator(key, data, errors, context):
        chosen = choice_values(data.get(key[:-1] + (parent,), missing))
        value = data.get(key, missing)
        empty = value is missing or value is None or (isinstance(value, str) and not value.strip())
        if other_value in chosen and empty:
            errors[key].append(_('You chose "{other}" in "{parent}": say what it is here').format(
                other=other_value, parent=field_label(schema, parent)))
            raise StopOnError
        ignore_empty(key, data, errors, context)

    return validator


def provincial_blank_choices(key, data, errors, context) -> None:
    """Empty entries of a multiple choice ("" from a form or a spreadsheet) are no choice."""
    value = data.get(key, missing)
    if value is None or (isinstance(value, str) and not value.strip()):
        data[key] = missing
    elif isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            # scheming's multiple choice, next, fails on a list inside the list (HTTP 500)
            errors[key].append(_("expecting list of strings"))
            raise StopOnError
        data[key] = [item for item in value if item.strip()]


# --------------------------------------------------------------- dates --

def provincial_iso_date(value: Any, context: dict) -> Any:
    """A date, stored as ``YYYY-MM-DD``; Buddhist-era years are refused with their common-era year."""
    if value is missing or value is None or value == "":
        return value
    try:
        return parse_iso_date(value).isoformat()
    except ValueError as error:
        raise Invalid(_date_message(error))


def _state(data: dict, context: dict) -> str:
    state = _raw(data, "state")
    if not state and context.get("package") is not None:
        state = getattr(context["package"], "state", "") or ""
    return str(state)


def provincial_required_when_published(key, data, errors, context) -> None:
    """Required unless the dataset is a draft (the web form saves a draft before its files)."""
    if _state(data, context) == DRAFT:
        toolkit.get_validator("ignore_empty")(key, data, errors, context)
    else:
        value = data.get(key, missing)
        if value is missing or value is None or value == "":
            errors[key].append(_("Missing value: a published dataset needs the date its data was last updated"))
            raise StopOnError


def provincial_reference_period(key, data, errors, context) -> None:
    """``reference_period``: start and end dates, stored as ``2023-10-01/2024-09-30``.

    From the API a dict ``{"start", "end"}``, a list or the text; from the
    form the inputs ``reference_period_start`` and ``reference_period_end``.
    """
    value = data.get(key, missing)
    extras = data.get(key[:-1] + ("__extras",)) or {}
    form_keys = (key[-1] + "_start", key[-1] + "_end")
    if any(name in extras for name in form_keys):
        start, end = (extras.pop(name, "") for name in form_keys)
        value = {"start": start, "end": end}
    if value is missing or value is None or value == "" or value == {}:
        data.pop(key, None)
        raise StopOnError
    try:
        start, end = parse_period(value)
    except ValueError as error:
        reason, side = error.args[0], error.args[-1]
        if reason == "no_start":
            message = _("Give the start date of the period, not only its end")
        elif reason == "reversed":
            message = _("The period ends before it starts")
        else:
            message = _date_message(ValueError(*error.args[:-1]))
        prefix = _("Start") if side == "start" else _("End")
        errors[key].append(f"{prefix}: {message}")
        raise StopOnError
    if start is None:
        data.pop(key, None)
        raise StopOnError
    data[key] = format_period(start, end)


# ----------------------------------------------------- numbers and years --

def provincial_year(value: Any, context: dict) -> Any:
    """A four-digit year, Buddhist era (2566) or common era (2023), kept as text."""
    if value is missing or value is None or value == "":
        return value
    text = str(value).strip()
    if not _YEAR.match(text):
        raise Invalid(_('"{value}" is not a year: write four digits, such as 2566').format(value=value))
    return text


def provincial_whole_number(value: Any, context: dict) -> Any:
    """A whole number of 1 or more, kept as text (the national schema stores text)."""
    if value is missing or value is None or value == "":
        return value
    text = str(value).strip()
    try:
        number = int(text) if _WHOLE_NUMBER.match(text) else 0
    except ValueError:  # more digits than Python converts (4300)
        number = 0
    if number < 1:
        raise Invalid(_('"{value}" is not a whole number of 1 or more').format(value=value))
    return text


# The national catalogue's limit (CKAN allows 100): a longer name cannot be harvested.
GDC_NAME_MAX_LENGTH = 70


def provincial_gdc_name_length(value: Any, context: dict) -> Any:
    if isinstance(value, str) and len(value) > GDC_NAME_MAX_LENGTH:
        raise Invalid(_("The URL name is {length} characters long; the national Government Data Catalog "
                        "takes at most {limit}").format(length=len(value), limit=GDC_NAME_MAX_LENGTH))
    return value


@scheming_validator
def provincial_coordinate(field: dict, schema: dict) -> Callable:
    """Decimal degrees of the field's ``coordinate_axis`` (longitude or latitude), kept as text."""
    latitude = field.get("coordinate_axis") == "latitude"
    limit = 90 if latitude else 180

    def validator(value: Any, context: dict) -> Any:
        if value is missing or value is None or value == "":
            return value
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is None or not -limit <= number <= limit:
            if latitude:
                raise Invalid(_('"{value}" is not a latitude: decimal degrees from -90 to 90, such as 14.02').format(
                    value=value))
            raise Invalid(_('"{value}" is not a longitude: decimal degrees from -180 to 180, such as 100.53').format(
                value=value))
        return text

    return validator


# ------------------------------------------------- provinces and areas --

def provincial_province_code(value: Any, context: dict) -> Any:
    """A TIS 1099 / DOPA province code known to geothai, such as ``13``."""
    if value is missing or value is None or value == "":
        return value
    code = codes.clean_code(value)
    if codes.province(code) is None:
        raise Invalid(_('"{value}" is not a province code: use the two-digit code, such as 13 for '
                        'Pathum Thani').format(value=value))
    return code


def _area_label(area: codes.Area) -> str:
    return area.label(current_language())


@scheming_validator
def provincial_area_codes(field: dict, schema: dict) -> Callable:
    """District or subdistrict codes (``area_level``) of the dataset's province, stored as a JSON list.

    Accepts a list, a JSON list, or codes separated by commas or spaces.
    """
    level = field.get("area_level", "district")
    province_field = field.get("province_field", "province_code")
    digits = 4 if level == "district" else 6

    def validator(key, data, errors, context):
        value = data.get(key, missing)
        found = codes.split_codes(None if value is missing else value)
        if found is None:
            errors[key].append(_('Give the codes as a list, such as ["1301", "1302"]'))
            raise StopOnError
        if not found:
            data.pop(key, None)
            raise StopOnError
        province = codes.clean_code(_raw(data, province_field))
        for problem in codes.check_areas(found, level, province):
            if problem.reason == "unknown":
                if level == "district":
                    message = _('"{code}" is not a district code ({digits} digits, such as 1302)')
                else:
                    message = _('"{code}" is not a subdistrict code ({digits} digits, such as 130201)')
                errors[key].append(message.format(code=problem.code, digits=digits))
            else:
                home = codes.province(province)
                errors[key].append(_("{area} is in {area_province}, not in the dataset's province {province}").format(
                    area=_area_label(problem.area),
                    area_province=_area_label(codes.province(codes.province_of(problem.code))),
                    province=_area_label(home)))
        if errors[key]:
            raise StopOnError
        data[key] = json.dumps(sorted(found))

    return validator


# ----------------------------------------------------------- organizations --

def _is_sysadmin(context: dict) -> bool:
    if context.get("ignore_auth"):
        return True
    try:
        toolkit.check_access("sysadmin", {"user": context.get("user")})
    except toolkit.NotAuthorized:
        return False
    return True


def provincial_sysadmin_only(key, data, errors, context) -> None:
    """Only a system administrator changes this field; others keep its stored value."""
    group = context.get("group")
    stored = None
    if group is not None:
        stored = (getattr(group, "extras", None) or {}).get(key[-1])
    value = data.get(key, missing)
    if value is missing or value is None or value == "":
        if stored is not None:
            data[key] = stored
        return
    if value != (stored if stored is not None else "False") and not _is_sysadmin(context):
        errors[key].append(_("Only a system administrator may change this field"))
        raise StopOnError


def get_validators() -> dict[str, Callable]:
    return {
        # CKAN's own tag rules, replaced so that Thai tags pass.
        "tag_name_validator": thai_tag_name_validator,
        "tag_string_convert": thai_tag_string_convert,
        "provincial_tag_name": thai_tag_name_validator,
        "provincial_tag_string_convert": provincial_tag_string_convert,
        "provincial_type_required": provincial_type_required,
        "provincial_choices": provincial_choices,
        "provincial_national_choice": provincial_national_choice,
        "provincial_other_text": provincial_other_text,
        "provincial_blank_choices": provincial_blank_choices,
        "provincial_iso_date": provincial_iso_date,
        "provincial_required_when_published": provincial_required_when_published,
        "provincial_reference_period": provincial_reference_period,
        "provincial_year": provincial_year,
        "provincial_whole_number": provincial_whole_number,
        "provincial_gdc_name_length": provincial_gdc_name_length,
        "provincial_coordinate": provincial_coordinate,
        "provincial_province_code": provincial_province_code,
        "provincial_area_codes": provincial_area_codes,
        "provincial_sysadmin_only": provincial_sysadmin_only,
    }
