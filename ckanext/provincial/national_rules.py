"""What the national Government Data Catalog takes from this portal.

The national catalogue harvests the portal (the action API, DCAT, the GDC
metadata workbook) into a CKAN running the national schema of ckanext-thai_gdc.
Our dataset schema follows that schema field for field (the lists of its newest
release we could read, 2.2.4); where the national releases are stricter, our
schema says so and this module reads it there:

- a choice marked ``national: refused`` (presets.yaml) is refused by a national
  release (``data_category = ข้อมูลใช้ภายใน``: 2.1.0 checks its four categories);
- a field marked ``national: false`` (dataset.yaml) is not national: the
  national catalogue leaves it behind (province, districts, PMQA...);
- ``national_required: false``: required here, optional nationally.

``check_dataset`` lists every value of a dataset the national schema would
refuse (a missing required value, a value outside the national choices, a
shape its validators refuse) and, on request, the values it would drop.
``title_clashes`` finds the datasets of a province whose title is the same
(the national catalogue refuses a title another dataset already uses).
Each problem has an English ``message`` and a Thai ``message_th``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import unicodedata
from typing import Any, Iterable, Optional

import yaml

import ckan.plugins.toolkit as toolkit

# The national schema's own limits (ckanext-thai_gdc validation.py, CKAN's tag table).
NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 70
TAG_MIN_LENGTH = 2
TAG_MAX_LENGTH = 100

DATASET, RESOURCE = "dataset", "resource"
CHOICE, CHOICES, DATE, TAGS, NAME, EMAIL, TEXT = "choice", "choices", "date", "tags", "name", "email", "text"

# Rules of a problem.
REQUIRED = "required"
REFUSED_CHOICE = "refused_choice"
UNKNOWN_CHOICE = "unknown_choice"
SHAPE = "shape"
DROPPED = "dropped"

_NAME = re.compile(r"^[a-z0-9_\-]+$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.+\-Z]*)?$")
_TRUE = frozenset(("true", "1", "yes", "on", "t", "y"))

# The national catalogue's name, in messages.
GDC_EN = "the national Government Data Catalog"
GDC_TH = "ระบบบัญชีข้อมูลภาครัฐ"
_GDC_EN_START = "The national Government Data Catalog"


@dataclasses.dataclass(frozen=True)
class NationalField:
    """A field of the national schema as our schema holds it."""

    name: str
    entity: str                      # DATASET or RESOURCE
    kind: str                        # CHOICE, CHOICES, DATE, TAGS, NAME, EMAIL or TEXT
    label_th: str
    label_en: str
    choices: tuple[str, ...] = ()    # the national values
    refused: tuple[str, ...] = ()    # our values a national release refuses
    data_types: tuple[str, ...] = () # form_data_type; () = every data type
    required: bool = False           # required nationally (for ``data_types``)

    def applies_to(self, data_type: Any) -> bool:
        return not self.data_types or data_type in self.data_types


# ----------------------------------------------------------- the schema --

def _yaml(name: str) -> Any:
    from ckanext.provincial import schemas

    with open(schemas.path(name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _label(label: Any, name: str) -> tuple[str, str]:
    if isinstance(label, dict):
        th = str(label.get("th") or label.get("en") or name)
        return th, str(label.get("en") or th)
    return str(label or name), str(label or name)


def _kind(values: dict, entity: str) -> str:
    name = values["field_name"]
    validators = str(values.get("validators") or "")
    if entity == DATASET and name == "tag_string":
        return TAGS
    if entity == DATASET and name == "name":
        return NAME
    if "email_validator" in validators:
        return EMAIL
    if values.get("form_snippet") == "date.html":
        return DATE
    if "scheming_multiple_choice" in validators:
        return CHOICES
    if values.get("choices"):
        return CHOICE
    return TEXT


@functools.lru_cache(maxsize=None)
def _schema() -> tuple[dict[str, NationalField], dict[str, NationalField], tuple[str, ...], tuple[str, ...]]:
    """National dataset fields, resource fields, provincial (non-national) dataset fields, data types."""
    presets = {p["preset_name"]: p.get("values", {}) for p in _yaml("presets.yaml")["presets"]}
    schema = _yaml("dataset.yaml")

    def build(definitions: list[dict], entity: str) -> tuple[dict[str, NationalField], list[str]]:
        national, provincial = {}, []
        for definition in definitions:
            values = dict(presets.get(definition.get("preset"), {}))
            values.update(definition)
            name = values["field_name"]
            if values.get("national") is False:
                provincial.append(name)
                continue
            choices = [c for c in values.get("choices") or []]
            th, en = _label(values.get("label"), name)
            national[name] = NationalField(
                name=name, entity=entity, kind=_kind(values, entity), label_th=th, label_en=en,
                choices=tuple(str(c["value"]) for c in choices if c.get("national") != "refused"),
                refused=tuple(str(c["value"]) for c in choices if c.get("national") == "refused"),
                data_types=tuple(values.get("form_data_type") or ()),
                required=(bool(values.get("required")) or str(values.get("validators") or "").startswith("not_empty"))
                and values.get("national_required", True) is not False)
        return national, provincial

    dataset, provincial = build(schema["dataset_fields"], DATASET)
    resource, _resource_provincial = build(schema["resource_fields"], RESOURCE)
    return dataset, resource, tuple(provincial), dataset["data_type"].choices


def national_fields(entity: str = DATASET) -> dict[str, NationalField]:
    """The national fields of datasets (or resources), by name, in the national order."""
    dataset, resource, _provincial, _types = _schema()
    return dict(dataset if entity == DATASET else resource)


def provincial_fields() -> tuple[str, ...]:
    """Dataset fields of our schema that the national schema does not have."""
    return _schema()[2]


# --------------------------------------------------------------- values --

def is_true(value: Any) -> bool:
    """A CKAN boolean as forms, the API and extras give it (True, "True", "true", "on"...)."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def offered_nationally(private: Any, allow_harvest: Any) -> bool:
    """Whether the national catalogue receives a dataset: public ones, and private ones
    whose publisher consented to the national listing (``allow_harvest = "True"``)."""
    return not is_true(private) or is_true(allow_harvest)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {}, ())


def _chosen(value: Any) -> Optional[list]:
    """What a multiple choice holds, as the national scheming reads it: a text is one
    choice, a list its elements; None for anything else."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _is_date(value: Any) -> bool:
    if isinstance(value, (dt.date, dt.datetime)):
        return True
    match = _DATE.match(str(value).strip())
    if not match:
        return False
    try:
        dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return False
    return True


def _is_email(value: Any) -> bool:
    try:
        toolkit.get_validator("email_validator")(str(value), {})
    except toolkit.Invalid:
        return False
    return True


def _tags(dataset: dict) -> list[str]:
    """Tag names from ``tags`` (package_show) or ``tag_string`` (forms, workbooks)."""
    names = [str(tag.get("name") if isinstance(tag, dict) else tag) for tag in dataset.get("tags") or []]
    text = dataset.get("tag_string")
    if isinstance(text, str):
        names += text.split(",")
    elif isinstance(text, (list, tuple)):
        names += [str(tag) for tag in text]
    return [name.strip() for name in names if str(name).strip()]


# ------------------------------------------------------------- problems --

def _problem(field: NationalField, resource: Optional[int], value: Any, rule: str,
             english: str, thai: str) -> dict[str, Any]:
    if resource is not None:
        english = f"Resource {resource + 1}: {english}"
        thai = f"ทรัพยากรที่ {resource + 1}: {thai}"
    return {"field": field.name, "resource": resource, "value": value, "rule": rule,
            "message": english, "message_th": thai}


def _required(field: NationalField, resource: Optional[int]) -> dict[str, Any]:
    return _problem(field, resource, None, REQUIRED,
                    f'Missing value: {GDC_EN} requires "{field.label_en}"',
                    f'ไม่มีค่า: {GDC_TH}กำหนดให้ต้องกรอก "{field.label_th}"')


def _check_choice(field: NationalField, resource: Optional[int], value: str) -> Optional[dict[str, Any]]:
    if value in field.refused:
        return _problem(field, resource, value, REFUSED_CHOICE,
                        f'{_GDC_EN_START} refuses "{value}" in "{field.label_en}"; '
                        f'its choices: {", ".join(field.choices)}',
                        f'{GDC_TH}ไม่รับค่า "{value}" ใน "{field.label_th}" ตัวเลือกที่รับ: {", ".join(field.choices)}')
    if value not in field.choices:
        return _problem(field, resource, value, UNKNOWN_CHOICE,
                        f'"{value}" is not one of the national choices of "{field.label_en}"',
                        f'"{value}" ไม่อยู่ในตัวเลือกของ{GDC_TH}สำหรับ "{field.label_th}"')
    return None


def _check_value(field: NationalField, resource: Optional[int], value: Any) -> list[dict[str, Any]]:
    if field.kind == CHOICE:
        if not isinstance(value, str):
            return [_problem(field, resource, value, SHAPE,
                             f'"{field.label_en}" holds one choice, not {type(value).__name__}',
                             f'"{field.label_th}" เลือกได้ค่าเดียว')]
        problem = _check_choice(field, resource, value)
        return [problem] if problem else []
    if field.kind == CHOICES:
        chosen = _chosen(value)
        if chosen is None or not all(isinstance(item, str) for item in chosen):
            return [_problem(field, resource, value, SHAPE,
                             f'"{field.label_en}" holds a list of choices',
                             f'"{field.label_th}" ต้องเป็นรายการของตัวเลือก')]
        return [problem for item in chosen if (problem := _check_choice(field, resource, item))]
    if field.kind == DATE and not _is_date(value):
        return [_problem(field, resource, value, SHAPE,
                         f'"{value}" in "{field.label_en}" is not a date {GDC_EN} reads: write YYYY-MM-DD',
                         f'"{value}" ใน "{field.label_th}" ไม่ใช่วันที่ที่{GDC_TH}อ่านได้ ต้องเขียนเป็น YYYY-MM-DD (ปี ค.ศ.)')]
    if field.kind == EMAIL and not _is_email(value):
        return [_problem(field, resource, value, SHAPE,
                         f'"{value}" is not an email address {GDC_EN} takes',
                         f'"{value}" ไม่ใช่ที่อยู่อีเมลที่{GDC_TH}รับ')]
    if field.kind == NAME:
        text = str(value)
        if not (NAME_MIN_LENGTH <= len(text) <= NAME_MAX_LENGTH and _NAME.match(text)):
            return [_problem(field, resource, value, SHAPE,
                             f'The URL name "{text}" is not one {GDC_EN} takes: {NAME_MIN_LENGTH} to '
                             f'{NAME_MAX_LENGTH} lowercase letters, digits, "-" or "_"',
                             f'ชื่อ URL "{text}" ไม่เป็นไปตามที่{GDC_TH}รับ: อักษรภาษาอังกฤษตัวเล็ก ตัวเลข "-" หรือ "_" '
                             f'{NAME_MIN_LENGTH} ถึง {NAME_MAX_LENGTH} ตัว')]
    return []


def _check_tags(field: NationalField, dataset: dict, data_type: Any) -> list[dict[str, Any]]:
    tags = _tags(dataset)
    if not tags:
        return [_required(field, None)] if field.required and field.applies_to(data_type) else []
    return [_problem(field, None, tag, SHAPE,
                     f'Tag "{tag}": {GDC_EN} takes tags of {TAG_MIN_LENGTH} to {TAG_MAX_LENGTH} characters',
                     f'คำสำคัญ "{tag}": {GDC_TH}รับคำสำคัญยาว {TAG_MIN_LENGTH} ถึง {TAG_MAX_LENGTH} ตัวอักษร')
            for tag in tags if not TAG_MIN_LENGTH <= len(tag) <= TAG_MAX_LENGTH]


def _check_fields(values: dict, fields: Iterable[NationalField], data_type: Any,
                  resource: Optional[int]) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    for field in fields:
        if field.kind == TAGS:
            problems += _check_tags(field, values, data_type)
            continue
        value = values.get(field.name)
        if _empty(value):
            if field.required and field.applies_to(data_type):
                problems.append(_required(field, resource))
            continue
        problems += _check_value(field, resource, value)
    return problems


def check_dataset(dataset: dict, *, dropped: bool = False) -> list[dict[str, Any]]:
    """Every value of ``dataset`` (a package_show dict, or stored values as a workbook gives them)
    that the national schema would refuse; with ``dropped``, also the values it would leave behind
    (the provincial fields).

    Each problem: ``field``, ``resource`` (its index, None for the dataset), ``value``, ``rule``
    (``required``, ``refused_choice``, ``unknown_choice``, ``shape`` or ``dropped``), ``message``
    and ``message_th``.
    """
    data_type = dataset.get("data_type")
    problems = _check_fields(dataset, national_fields(DATASET).values(), data_type, None)
    resources = dataset.get("resources") or []
    for index, resource in enumerate(resources if isinstance(resources, list) else []):
        if isinstance(resource, dict):
            problems += _check_fields(resource, national_fields(RESOURCE).values(), data_type, index)
    if dropped:
        schema = _yaml("dataset.yaml")
        labels = {f["field_name"]: _label(f.get("label"), f["field_name"]) for f in schema["dataset_fields"]}
        for name in provincial_fields():
            if not _empty(dataset.get(name)):
                th, en = labels[name]
                problems.append({"field": name, "resource": None, "value": dataset[name], "rule": DROPPED,
                                 "message": f'{_GDC_EN_START} has no field "{en}": it leaves the value behind',
                                 "message_th": f'{GDC_TH}ไม่มีรายการ "{th}" จึงไม่เก็บค่านี้'})
    return problems


# ---------------------------------------------------------------- titles --

_INVISIBLE = frozenset(("Cf",))


def normalise_title(title: Any) -> str:
    """A title as a reader compares it: trimmed, runs of spaces as one, case folded,
    without invisible characters (the zero-width spaces of copied Thai text)."""
    text = unicodedata.normalize("NFC", str(title or ""))
    text = "".join(char for char in text if unicodedata.category(char) not in _INVISIBLE)
    return " ".join(text.split()).casefold()


def _phrase(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def title_clashes(title: Any, province_code: Any, exclude_id: Optional[str] = None) -> list[dict[str, Any]]:
    """The datasets of the province that the national catalogue receives (public ones, and
    private ones listed with consent) whose title is ``title`` once spaces and case are
    normalised; ``exclude_id`` (the dataset itself) left out.

    Each: ``id``, ``name``, ``title``, ``owner_org``, ``organization`` (its title) and ``private``.
    """
    wanted = normalise_title(title)
    code = str(province_code or "").strip()
    if not wanted or not code:
        return []
    # Solr narrows the field (the analysed title, or the exact one); the comparison is ours.
    text = " ".join(str(title).split())
    search = {
        "q": f"title:{_phrase(text)} OR title_string:{_phrase(text)}",
        "fq_list": [f"province_code:{_phrase(code)}", "capacity:public OR extras_allow_harvest:true"],
        "rows": 1000,
        "include_private": True,
    }
    # Every dataset of the province, whoever asks: the result says which, not what is in them.
    found = toolkit.get_action("package_search")({"ignore_auth": True}, search)
    clashes = []
    for dataset in found["results"]:
        if dataset["id"] == exclude_id or normalise_title(dataset.get("title")) != wanted:
            continue
        if dataset.get("private") and not is_true(dataset.get("allow_harvest")):
            continue
        clashes.append({
            "id": dataset["id"], "name": dataset["name"], "title": dataset.get("title"),
            "owner_org": dataset.get("owner_org"),
            "organization": (dataset.get("organization") or {}).get("title") or "",
            "private": bool(dataset.get("private")),
        })
    return clashes
