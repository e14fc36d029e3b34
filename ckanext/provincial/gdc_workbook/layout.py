"""Sheets and columns of the national GDC metadata workbook (pure, no CKAN).

The layouts are data, in ``schemas/gdc_workbook.yaml``; the fields' labels,
kinds and choices are those of ``schemas/dataset.yaml`` with its presets.
This module reads both once and answers: which sheets a layout has, which
field each column holds, what kind of value a field stores.

Layouts: ``"2021-03"`` (March 2021: ``Temp1_Dataset`` resource links, header
on row 5, no explanation row; ``Temp2_Meta_*`` header on row 4 and an
explanation row under it) and ``"current"`` (April 2021 to the national
extension's 2.1.0: ``d_type`` after the name, yes/no flags at the end,
resource links in ``Temp3_Resource_*``). Our provincial columns follow the
national ones of a metadata sheet.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any, Optional

import yaml

from ckanext.provincial import schemas

MARCH_2021 = "2021-03"
CURRENT = "current"
OWN_COLUMNS = ("d_type", "dataset_name", "dataset_title")
METADATA, RESOURCES, LINKS = "metadata", "resources", "links"
OTHER_VALUE = "อื่นๆ"


@dataclasses.dataclass(frozen=True)
class Choice:
    value: str
    labels: tuple[str, ...]      # Thai, English (as the schema gives them)


# eq=False: a field is one object of the schema (hashed by identity, cached per field).
@dataclasses.dataclass(frozen=True, eq=False)
class Field:
    """A dataset or resource field as the workbook sees it."""
    name: str
    kind: str                    # text, name, organization, date, year, number, coordinate, period,
                                 # tags, province, codes, yes_no, choice, choices (multiple)
    label_th: str
    label_en: str
    choices: tuple[Choice, ...] = ()
    other: Optional[str] = None  # the *_other field holding the free text of "อื่นๆ"
    data_types: tuple[str, ...] = ()   # form_data_type; () = every type
    required: bool = False

    @property
    def multiple(self) -> bool:
        return self.kind in ("choices", "tags", "codes")

    def applies_to(self, data_type: str) -> bool:
        return not self.data_types or data_type in self.data_types


@dataclasses.dataclass(frozen=True)
class Column:
    key: Optional[str]           # a field name, one of OWN_COLUMNS, or None (left blank)
    label_th: str
    label_en: str


@dataclasses.dataclass(frozen=True)
class SheetLayout:
    name: str                    # Temp2_Meta_Record …
    role: str                    # metadata, resources (Temp3_*) or links (Temp1_Dataset)
    data_type: Optional[str]     # stored value of data_type; None for Temp1_Dataset
    header_row: int
    explanation_row: bool
    columns: tuple[Column, ...]  # national columns, by position
    provincial: tuple[Column, ...] = ()   # our columns, recognised by their header

    @property
    def first_data_row(self) -> int:
        return self.header_row + (2 if self.explanation_row else 1)

    def keys(self) -> list[Optional[str]]:
        return [column.key for column in self.columns]


@dataclasses.dataclass(frozen=True)
class Layout:
    key: str
    sheets: tuple[SheetLayout, ...]

    def sheet(self, name: str) -> Optional[SheetLayout]:
        return next((sheet for sheet in self.sheets if sheet.name == name), None)

    def metadata_sheets(self) -> list[SheetLayout]:
        return [sheet for sheet in self.sheets if sheet.role == METADATA]

    def resource_sheets(self) -> list[SheetLayout]:
        return [sheet for sheet in self.sheets if sheet.role != METADATA]


# ------------------------------------------------------------------ loading --


def _yaml(name: str) -> Any:
    with open(schemas.path(name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _label(label: Any) -> tuple[str, str]:
    if isinstance(label, dict):
        th = str(label.get("th") or label.get("en") or "")
        return th, str(label.get("en") or th)
    return str(label or ""), str(label or "")


@functools.lru_cache(maxsize=None)
def config() -> dict:
    """``schemas/gdc_workbook.yaml`` as loaded."""
    return _yaml("gdc_workbook.yaml")


@functools.lru_cache(maxsize=None)
def _schema_fields() -> tuple[dict[str, Field], dict[str, Field]]:
    presets = {p["preset_name"]: p.get("values", {}) for p in _yaml("presets.yaml")["presets"]}
    schema = _yaml("dataset.yaml")
    kinds = config()["kinds"]

    def build(definitions: list[dict]) -> dict[str, Field]:
        merged = []
        for definition in definitions:
            values = dict(presets.get(definition.get("preset"), {}))
            values.update(definition)
            merged.append(values)
        others = {d["other_of"]: d["field_name"] for d in merged if d.get("other_of")}
        found = {}
        for values in merged:
            name = values["field_name"]
            kind = kinds.get(values.get("preset")) or config()["field_kinds"].get(name, "text")
            choices = tuple(Choice(str(c["value"]), _label(c.get("label", c["value"])))
                            for c in values.get("choices") or [])
            if choices and kind == "text":
                kind = "choices" if "multiple" in str(values.get("form_snippet", "")) else "choice"
            th, en = _label(values.get("label", name))
            found[name] = Field(name, kind, th, en, choices, others.get(name),
                                tuple(values.get("form_data_type") or ()), bool(values.get("required")))
        return found

    return build(schema["dataset_fields"]), build(schema["resource_fields"])


def dataset_fields() -> dict[str, Field]:
    """Dataset fields of ``schemas/dataset.yaml`` by name, in the schema's order."""
    return _schema_fields()[0]


def resource_fields() -> dict[str, Field]:
    return _schema_fields()[1]


def data_types() -> list[dict]:
    """``[{value, suffix, title}]`` in the national order."""
    return config()["data_types"]


def _column(key: Optional[str], fields: dict[str, Field]) -> Column:
    if key is None:
        return Column(None, "", "")
    if key in OWN_COLUMNS:
        th, en = _label(config()["own_columns"][key])
        return Column(key, th, en)
    if key not in fields:
        raise KeyError(f"gdc_workbook.yaml names {key!r}, which is not a field of dataset.yaml")
    return Column(key, fields[key].label_th, fields[key].label_en)


def _expand(keys: list) -> list:
    out = []
    for key in keys:
        out.extend(config()["common"] if key == "COMMON" else [key])
    return out


def provincial_columns(data_type: str, national: list[Optional[str]]) -> tuple[Column, ...]:
    """Our columns of a metadata sheet of ``data_type`` (those not already national there)."""
    fields = dataset_fields()
    return tuple(_column(key, fields) for key in config()["provincial_columns"]
                 if key not in national and fields[key].applies_to(data_type))


@functools.lru_cache(maxsize=None)
def layouts() -> dict[str, Layout]:
    found = {}
    for key, spec in config()["layouts"].items():
        sheets = []
        for role, prefix, fields in ((METADATA, "Temp2_Meta_", dataset_fields()),
                                     (RESOURCES, "Temp3_Resource_", resource_fields())):
            if role not in spec:
                continue
            part = spec[role]
            for data_type in data_types():
                keys = _expand(part["columns"][data_type["suffix"]])
                columns = tuple(_column(k, fields) for k in keys)
                provincial = provincial_columns(data_type["value"], keys) if role == METADATA else ()
                sheets.append(SheetLayout(prefix + data_type["suffix"], role, data_type["value"],
                                          part["header_row"], part["explanation_row"], columns, provincial))
        if LINKS in spec:
            part = spec[LINKS]
            columns = tuple(_column(k, resource_fields()) for k in part["columns"])
            sheets.append(SheetLayout(part["sheet"], LINKS, None, part["header_row"], part["explanation_row"],
                                      columns))
        found[key] = Layout(key, tuple(sheets))
    return found


def detect(sheet_names: list[str]) -> Optional[Layout]:
    """The layout whose resource sheets the workbook has (``Temp1_Dataset`` or ``Temp3_Resource_*``;
    the one with more of them when it has both); None when it has neither (the metadata sheets
    alone do not tell the two apart)."""
    names = set(sheet_names)
    counts = [(sum(sheet.name in names for sheet in layout.resource_sheets()), layout.key == CURRENT, layout)
              for layout in layouts().values()]
    count, _current, layout = max(counts, key=lambda found: found[:2])
    return layout if count else None


def with_inserted_column(sheet: SheetLayout, after: str, key: str) -> SheetLayout:
    """``sheet`` with the national column ``key`` after ``after`` (a variant of the national workbook)."""
    keys = sheet.keys()
    at = keys.index(after) + 1
    fields = dataset_fields() if sheet.role == METADATA else resource_fields()
    columns = sheet.columns[:at] + (_column(key, fields),) + sheet.columns[at:]
    provincial = tuple(column for column in sheet.provincial if column.key != key)
    return dataclasses.replace(sheet, columns=columns, provincial=provincial)


def sheet_key(name: str) -> str:
    """A sheet name compared loosely (case, spaces, underscores): to spot a renamed template sheet."""
    return re.sub(r"[\s_\-.]+", "", name or "").casefold()


def column_letter(index: int) -> str:
    """Excel's letter of the 1-based column ``index`` (1 → A, 27 → AA)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_key(text: Optional[str]) -> str:
    """A header compared loosely: case, spaces, "อื่น ๆ" spacing."""
    return re.sub(r"\s+", "", text or "").casefold()
