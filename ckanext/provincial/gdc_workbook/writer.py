"""Writing the national GDC metadata workbook, current layout (pure, no CKAN).

One ``Temp2_Meta_*`` sheet of datasets and one ``Temp3_Resource_*`` sheet of
resource links per data type, in the national order; on each sheet title
rows above the header as the national template has them, the header on row
4 (Thai labels of ``schemas/dataset.yaml``; the national columns first, the
province's after them), an explanation row on row 5 (English label and
field name, which the reader also recognises) and the data from row 6.

Cells are text, as the national importer reads them: dates in the Buddhist
era (``2566-01-15``), multiple choices joined by ", ", "อื่นๆ" replaced by its
free text, yes/no as ใช่/ไม่ใช่. A text starting with = + - @ is stored as
text with Excel's quote prefix, never as a formula. The workbook is written
with openpyxl's write-only mode, row by row in one pass over ``datasets``:
20,000 datasets do not sit in memory as cells.
"""
from __future__ import annotations

import dataclasses
import io
from typing import Any, Iterable, Optional

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ckanext.provincial.gdc_workbook import layout as layouts, values
from ckanext.provincial.gdc_workbook.layout import Column, SheetLayout, column_letter

CHOICES_SHEET = "รายการตัวเลือก"
# Rows of the template (and after the data of an export) that offer the drop-downs.
VALIDATION_ROWS = 2000
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
PROVINCIAL_FILL = PatternFill("solid", fgColor="E2EFDA")
EXPLANATION_FONT = Font(italic=True, color="595959", size=9)
# Excel keeps at most this many characters in a cell.
EXCEL_CELL_LIMIT = 32_767


def _text(value: Any) -> Optional[str]:
    if value is None:
        return None
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text or None


def _cell(sheet, value: Any, font: Optional[Font] = None, fill: Optional[PatternFill] = None,
          wrap: bool = False) -> Any:
    """A cell that holds text as text: a value starting like a formula gets the quote prefix."""
    text = _text(value)
    plain = font is None and fill is None and not wrap
    if plain and (text is None or not text.startswith(values.FORMULA_START)):
        return text   # openpyxl stores a plain text as text
    cell = WriteOnlyCell(sheet, value=text)
    if text is not None and text.startswith(values.FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _all_columns(sheet: SheetLayout) -> list[Column]:
    return list(sheet.columns) + list(sheet.provincial)


def _title_rows(sheet: SheetLayout, data_type: dict, width: int) -> list[list]:
    national = len(sheet.columns)
    what = "คำอธิบายชุดข้อมูล (Metadata)" if sheet.role == layouts.METADATA else "ทรัพยากรของชุดข้อมูล (Resource)"
    first = f"บัญชีข้อมูล: {what} ประเภท{data_type['title']}"
    second = (f"แถวที่ {sheet.header_row} คือหัวคอลัมน์ แถวที่ {sheet.header_row + 1} คือคำอธิบาย "
              f"กรอกข้อมูลตั้งแต่แถวที่ {sheet.first_data_row} · วันที่เป็นปี พ.ศ. เช่น 2566-01-15 · "
              f"เลือกหลายค่าคั่นด้วยจุลภาค (,) · ค่าที่ไม่มีในตัวเลือกจะบันทึกเป็น \"อื่นๆ\" พร้อมข้อความที่กรอก")
    third = f"คอลัมน์ A–{column_letter(national)} ตามแบบฟอร์มบัญชีข้อมูลภาครัฐ (GD-Catalog)"
    if width > national:
        third += f" · คอลัมน์ {column_letter(national + 1)}–{column_letter(width)} เป็นข้อมูลระดับจังหวัด"
    return [[first], [second], [third]]


class _Sheet:
    """One sheet being written: its layout, column fields and the openpyxl write-only worksheet."""

    def __init__(self, book: Workbook, sheet: SheetLayout, data_type: dict, national_only: bool = False):
        if national_only:
            sheet = dataclasses.replace(sheet, provincial=())
        self.layout = sheet
        self.ws = book.create_sheet(sheet.name)
        self.columns = _all_columns(sheet)
        fields = layouts.dataset_fields() if sheet.role == layouts.METADATA else layouts.resource_fields()
        self.fields = [fields.get(column.key) if column.key else None for column in self.columns]
        self.rows = 0
        width = len(self.columns)
        national = len(sheet.columns)
        ws = self.ws
        ws.freeze_panes = f"B{sheet.first_data_row}"
        for index, column in enumerate(self.columns, start=1):
            field = self.fields[index - 1]
            wide = field is not None and field.name in ("notes", "title", "accessible_condition", "description",
                                                        "calculation_method", "url")
            ws.column_dimensions[column_letter(index)].width = 40 if wide else 22
        for number, row in enumerate(_title_rows(sheet, data_type, width)):
            ws.append([_cell(ws, row[0], font=Font(bold=number == 0, size=14 if number == 0 else 10))])
        ws.merged_cells.add(f"A1:{column_letter(max(width, 2))}1")
        header = []
        explanation = []
        for index, column in enumerate(self.columns):
            fill = PROVINCIAL_FILL if index >= national else HEADER_FILL
            header.append(_cell(ws, column.label_th or "", font=Font(bold=True), fill=fill, wrap=True))
            note = f"{column.label_en} ({column.key})" if column.key else ""
            explanation.append(_cell(ws, note, font=EXPLANATION_FONT, wrap=True))
        ws.append(header)
        ws.append(explanation)

    def append(self, cells: list[Optional[str]]) -> None:
        self.ws.append([_cell(self.ws, text) for text in cells])
        self.rows += 1


def _dataset_cells(sheet: _Sheet, dataset: dict, organization: Optional[str]) -> list[Optional[str]]:
    cells = []
    for column, field in zip(sheet.columns, sheet.fields):
        if column.key == "d_type":
            cells.append(dataset.get("data_type"))
        elif column.key == "owner_org":
            cells.append(organization)
        elif field is not None:
            cells.append(values.write_value(field, dataset))
        else:
            cells.append(None)
    return cells


def _resource_cells(sheet: _Sheet, dataset: dict, resource: dict) -> list[Optional[str]]:
    cells = []
    for column, field in zip(sheet.columns, sheet.fields):
        if column.key == "dataset_name":
            cells.append(dataset.get("name"))
        elif column.key == "dataset_title":
            cells.append(dataset.get("title"))
        elif field is not None:
            cells.append(values.write_value(field, resource))
        else:
            cells.append(None)
    return cells


def _organization_text(dataset: dict, organizations: Optional[dict[str, str]]) -> Optional[str]:
    owner = dataset.get("owner_org")
    if organizations and owner in organizations:
        return organizations[owner]
    organization = dataset.get("organization") or {}
    return organization.get("name") or owner


class _Choices:
    """A hidden sheet listing the choices of the single-choice columns, for their drop-downs."""

    def __init__(self):
        self.lists: dict[str, list[str]] = {}

    def column_of(self, field) -> str:
        if field.name not in self.lists:
            self.lists[field.name] = [choice.labels[0] if field.kind == "yes_no" else choice.value
                                      for choice in field.choices]
        index = list(self.lists).index(field.name) + 1
        return column_letter(index)

    def validate(self, sheet: _Sheet, last_row: int) -> None:
        for index, field in enumerate(sheet.fields, start=1):
            if field is None or field.kind not in ("choice", "yes_no") or not field.choices:
                continue
            letter = self.column_of(field)
            count = len(self.lists[field.name])
            # Free text stays allowed: a value outside the list is the national "อื่นๆ" convention.
            rule = DataValidation(type="list", formula1=f"'{CHOICES_SHEET}'!${letter}$1:${letter}${count}",
                                  allow_blank=True, showErrorMessage=False)
            target = column_letter(index)
            rule.add(f"{target}{sheet.layout.first_data_row}:{target}{last_row}")
            sheet.ws.data_validations.append(rule)

    def write(self, book: Workbook) -> None:
        ws = book.create_sheet(CHOICES_SHEET)
        ws.sheet_state = "hidden"
        columns = list(self.lists.values())
        for row in range(max((len(c) for c in columns), default=0)):
            ws.append([_cell(ws, column[row]) if row < len(column) else None for column in columns])


def _write(datasets: Iterable[dict], organizations: Optional[dict[str, str]], national_only: bool) -> bytes:
    book = Workbook(write_only=True)
    current = layouts.layouts()[layouts.CURRENT]
    types = {entry["value"]: entry for entry in layouts.data_types()}
    metadata = {sheet.data_type: _Sheet(book, sheet, types[sheet.data_type], national_only)
                for sheet in current.metadata_sheets()}
    resources = {sheet.data_type: _Sheet(book, sheet, types[sheet.data_type], national_only)
                 for sheet in current.resource_sheets()}
    first_type = layouts.data_types()[0]["value"]
    for dataset in datasets:
        data_type = dataset.get("data_type")
        # A dataset without a known type (never through the schema) goes with the records.
        data_type = data_type if data_type in metadata else first_type
        metadata[data_type].append(_dataset_cells(metadata[data_type], dataset,
                                                  _organization_text(dataset, organizations)))
        for resource in dataset.get("resources") or []:
            resources[data_type].append(_resource_cells(resources[data_type], dataset, resource))
    choices = _Choices()
    for sheet in list(metadata.values()) + list(resources.values()):
        last = sheet.layout.first_data_row + sheet.rows + VALIDATION_ROWS
        choices.validate(sheet, last)
    choices.write(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_catalogue(datasets: Iterable[dict], *, organizations: Optional[dict[str, str]] = None,
                    national_only: bool = False) -> bytes:
    """The national metadata workbook (current layout, our columns after the national ones) of ``datasets``.

    :param datasets: package_show dicts, read once, in order
    :param organizations: owner_org id → the text of the workbook's agency column
        (else the dataset's organization name)
    :param national_only: without the province's columns. The national importer
        (ckanext-thai_gdc) names a sheet's columns by position and takes nothing
        from a sheet with more columns than its layout: give it this one.
    """
    return _write(datasets, organizations, national_only)


def write_template(*, national_only: bool = False) -> bytes:
    """The same workbook without data rows, with drop-downs for the single-choice columns."""
    return _write([], None, national_only)
