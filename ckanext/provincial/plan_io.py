"""Requirement plans and gap tables as CSV and Excel files: read, write, templates.

Column headers carry Thai and English (``รหัสรายการข้อมูล (Requirement code)``);
reading also accepts the Thai text alone, the English text alone or the field
key (``code``). CSV is written as UTF-8 with a byte-order mark so that Excel
shows Thai; read as UTF-8, else as Windows Thai (cp874/TIS-620), with comma,
semicolon or tab separators.

Spreadsheet formula injection: a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a leading apostrophe, so
Excel shows it as text instead of running it; reading removes that apostrophe
again, so an exported plan imports unchanged.

Pure module: no CKAN import.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import os
from typing import Any, Iterable, Optional, Sequence

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # control characters that openpyxl refuses to write
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from ckanext.provincial import freshness


def N_(message: str) -> str:
    return message


@dataclasses.dataclass(frozen=True)
class Column:
    key: str
    th: str
    en: str
    required: bool = False
    help_th: str = ""
    help_en: str = ""

    @property
    def header(self) -> str:
        return f"{self.th} ({self.en})"


PLAN_COLUMNS: tuple[Column, ...] = (
    Column("province_code", "รหัสจังหวัด", "Province code", False,
           "รหัสจังหวัด 2 หลัก (เช่น 13) เว้นว่างได้เมื่อนำเข้าให้จังหวัดเดียว",
           "Two-digit province code (e.g. 13); may be empty when importing for one province"),
    Column("code", "รหัสรายการข้อมูล", "Requirement code", True,
           "ไม่ซ้ำกันภายในจังหวัด ไม่มีจุลภาคหรืออัฒภาค", "Unique within the province; no commas or semicolons"),
    Column("title_th", "ชื่อข้อมูลที่ต้องการ (ไทย)", "Title in Thai", True),
    Column("title_en", "ชื่อข้อมูลที่ต้องการ (อังกฤษ)", "Title in English"),
    Column("development_issue", "ประเด็นการพัฒนา", "Development issue", False,
           "รหัสประเด็นการพัฒนาของจังหวัด", "Code of one of the province's development issues"),
    Column("sub_issue", "ประเด็นย่อย", "Sub-issue", False, "รหัสประเด็นย่อย", "Code of a sub-issue of that issue"),
    Column("agency", "หน่วยงานที่รับผิดชอบ", "Responsible agency", False,
           "ชื่อหน่วยงานตามที่อยู่เว็บของหน่วยงานในพอร์ทัล", "The organization's name as in its web address on the portal"),
    Column("purpose", "วัตถุประสงค์การใช้ข้อมูล", "Purpose"),
    Column("indicator", "ตัวชี้วัด", "Indicator"),
    Column("update_frequency_unit", "หน่วยความถี่ของการปรับปรุงข้อมูล", "Update frequency unit", False,
           "ค่าตามบัญชีข้อมูลภาครัฐ เช่น ปี เดือน ไตรมาส", "A GDC unit such as ปี (year), เดือน (month), ไตรมาส (quarter)"),
    Column("update_frequency_interval", "ค่าความถี่ของการปรับปรุงข้อมูล", "Update frequency interval", False,
           "จำนวนเต็มตั้งแต่ 1 (ว่าง = 1)", "A whole number from 1 (empty = 1)"),
    Column("geo_level", "ระดับพื้นที่ที่ต้องการ", "Geographic level", False,
           "เช่น จังหวัด อำเภอ ตำบล หมู่บ้าน", "Such as จังหวัด (province), อำเภอ (district), ตำบล (subdistrict)"),
    Column("priority", "ลำดับความสำคัญ", "Priority", False, "สูง กลาง หรือ ต่ำ", "high, medium or low"),
    Column("pmqa", "หมวด/ข้อ PMQA", "PMQA items", False,
           "รหัสคั่นด้วยจุลภาค เช่น 4.1, 4.2", "Codes separated by commas, such as 4.1, 4.2"),
    Column("source_plan", "แผนที่มา", "Source plan", False,
           "เช่น แผนพัฒนาสถิติจังหวัด", "Such as the provincial statistics development plan"),
)

FORMATS = ("csv", "xlsx")
# A cell may hold a long text (a requirement's purpose): the csv module's cap of 131,072
# characters would make an exported plan impossible to import again.
CSV_FIELD_LIMIT = 64 * 1024 * 1024
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


class PlanFileError(ValueError):
    """A file that cannot be read as a plan at all (not a row problem)."""

    def __init__(self, message: str, **params: Any):
        self.message_id = message
        self.params = params
        super().__init__(message.format(**params))

    def message(self, gettext=lambda s: s) -> str:
        return gettext(self.message_id).format(**self.params)


@dataclasses.dataclass
class PlanTable:
    columns: list[str]                      # field keys, in the file's order
    headers: dict[str, str]                 # field key -> header as written in the file
    rows: list[tuple[int, dict[str, str]]]  # (row number in the file, values by field key)


# ------------------------------------------------------------------ cells

def neutralise(value: Any) -> Any:
    """A cell value that a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(_DANGEROUS_START):
        return "'" + value
    return value


def restore(value: str) -> str:
    """Undo :func:`neutralise` on a cell read back from a file."""
    if value.startswith("'") and value[1:].startswith(_DANGEROUS_START):
        return value[1:]
    return value


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    text = str(value)
    # As written ("'" + "\r" for a lone carriage return), else trimmed first.
    return restore(text if text.startswith("'") else text.strip()).strip()


def format_of(filename: str, declared: Optional[str] = None) -> str:
    fmt = (declared or os.path.splitext(filename or "")[1].lstrip(".")).strip().lower()
    if fmt == "xls":
        raise PlanFileError(N_("Old Excel files (.xls) cannot be read: save the file as .xlsx or .csv"))
    if fmt not in FORMATS:
        raise PlanFileError(N_('"{name}" is neither a CSV nor an Excel (.xlsx) file'), name=filename or fmt)
    return fmt


# ------------------------------------------------------------------ reading

def _header_key(header: str, columns: Sequence[Column]) -> Optional[str]:
    text = " ".join(header.split()).casefold()
    for column in columns:
        names = {column.key, column.th, column.en, column.header, f"{column.th} ({column.key})"}
        if text in {" ".join(name.split()).casefold() for name in names}:
            return column.key
    return None


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp874"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PlanFileError(N_("The file is neither UTF-8 nor Thai Windows (TIS-620) text: save it as CSV UTF-8"))


def _csv_rows(content: bytes) -> list[list[str]]:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)  # process-wide, and only ever raised
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as error:
        raise PlanFileError(N_("The CSV file cannot be read: {reason}"), reason=str(error))


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise PlanFileError(N_("The Excel file cannot be read: {reason}"), reason=str(error) or type(error).__name__)
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(content: bytes, filename: str, fmt: Optional[str] = None,
               columns: Sequence[Column] = PLAN_COLUMNS) -> PlanTable:
    """The header and the non-empty rows of a plan file (first sheet of a workbook)."""
    fmt = format_of(filename, fmt)
    raw = _csv_rows(content) if fmt == "csv" else _xlsx_rows(content)
    lines = [(number, [cell_text(cell) for cell in row]) for number, row in enumerate(raw, start=1)]
    lines = [(number, row) for number, row in lines if any(row)]
    if not lines:
        raise PlanFileError(N_("The file is empty: it needs a header row and one row per requirement"))
    header_number, header = lines[0]
    keys: list[Optional[str]] = [_header_key(h, columns) if h else None for h in header]
    unknown = [h for h, k in zip(header, keys) if h and k is None]
    if unknown:
        raise PlanFileError(
            N_("Unknown columns in row {row}: {columns}. Use the headers of the template."),
            row=header_number, columns=", ".join(f'"{h}"' for h in unknown),
        )
    twice = sorted({k for k in keys if k and keys.count(k) > 1})
    if twice:
        raise PlanFileError(N_("Columns given twice: {columns}"), columns=", ".join(twice))
    absent = [c.header for c in columns if c.required and c.key not in keys]
    if absent:
        raise PlanFileError(N_("Required columns are missing: {columns}"), columns=", ".join(absent))
    rows = []
    for number, row in lines[1:]:
        values = {key: (row[i] if i < len(row) else "") for i, key in enumerate(keys) if key}
        extra = [cell for i, cell in enumerate(row) if i >= len(keys) and cell]
        if extra:
            values["__extra__"] = ", ".join(extra)
        rows.append((number, values))
    return PlanTable([k for k in keys if k], {k: h for k, h in zip(keys, header) if k}, rows)


# ------------------------------------------------------------------ writing

def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(cell_text(h)) for h in header])
    for row in rows:
        writer.writerow([neutralise("" if cell is None else (cell if isinstance(cell, str) else cell_text(cell))) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_cell(value: Any) -> Any:
    """A value a workbook can hold: text neutralised, without the control characters XML refuses."""
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return "" if value is None else value


def _fill_sheet(sheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet.append([xlsx_cell(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) for h in header]
    for row in rows:
        values = [xlsx_cell(cell) for cell in row]
        sheet.append(values)
        widths = [max(w, len(str(v))) for w, v in zip(widths, values)] + widths[len(values):]
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = min(max(width, 8) + 2, 60)


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per ``(title, header, rows)``; every string cell is text, never a formula."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        _fill_sheet(workbook.create_sheet(title[:31]), header, rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def plan_header(columns: Sequence[Column] = PLAN_COLUMNS) -> list[str]:
    return [column.header for column in columns]


def plan_rows(requirements: Iterable[dict[str, Any]], columns: Sequence[Column] = PLAN_COLUMNS) -> list[list[Any]]:
    """Rows of a plan file; ``agency`` is written as the organization's name when ``agency_name`` is known."""
    rows = []
    for requirement in requirements:
        row = []
        for column in columns:
            value = requirement.get(column.key)
            if column.key == "agency":
                value = requirement.get("agency_name") or value
            row.append(cell_text(value) if not isinstance(value, str) else value)
        rows.append(row)
    return rows


def template(fmt: str, choices: Optional[dict[str, Sequence[str]]] = None) -> bytes:
    """An empty plan with the bilingual headers; the workbook adds a help sheet and drop-down lists."""
    if fmt == "csv":
        return write_csv(plan_header(), [])
    choices = dict(choices or {})
    choices.setdefault("update_frequency_unit", freshness.UNITS)
    choices.setdefault("priority", ("high", "medium", "low"))
    workbook = openpyxl.Workbook()
    plan = workbook.active
    plan.title = "plan"
    _fill_sheet(plan, plan_header(), [])
    help_sheet = workbook.create_sheet("คำอธิบาย (help)")
    _fill_sheet(
        help_sheet,
        ["คอลัมน์ (column)", "รหัสช่อง (key)", "ต้องกรอก (required)", "คำอธิบาย", "Help", "ค่าที่ใช้ได้ (allowed values)"],
        [[c.header, c.key, "ใช่ (yes)" if c.required else "", c.help_th, c.help_en, ", ".join(choices.get(c.key, ()))]
         for c in PLAN_COLUMNS],
    )
    lists = workbook.create_sheet("lists")
    lists.sheet_state = "hidden"
    for index, column in enumerate(PLAN_COLUMNS, start=1):
        values = list(choices.get(column.key, ()))
        if not values:
            continue
        letter = openpyxl.utils.get_column_letter(index)
        for row, value in enumerate(values, start=1):
            lists.cell(row=row, column=index, value=value)
        validation = DataValidation(type="list", formula1=f"=lists!${letter}$1:${letter}${len(values)}", allow_blank=True)
        plan.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}5000")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ gap tables

GAP_COLUMNS: tuple[Column, ...] = (
    Column("code", "รหัสรายการข้อมูล", "Requirement code"),
    Column("title_th", "ชื่อข้อมูลที่ต้องการ (ไทย)", "Title in Thai"),
    Column("title_en", "ชื่อข้อมูลที่ต้องการ (อังกฤษ)", "Title in English"),
    Column("development_issue", "ประเด็นการพัฒนา", "Development issue"),
    Column("sub_issue", "ประเด็นย่อย", "Sub-issue"),
    Column("agency_name", "หน่วยงานที่รับผิดชอบ", "Responsible agency"),
    Column("pmqa", "หมวด/ข้อ PMQA", "PMQA items"),
    Column("priority", "ลำดับความสำคัญ", "Priority"),
    Column("status", "สถานะ", "Status"),
    Column("days_overdue", "จำนวนวันที่เกินกำหนด", "Days overdue"),
    Column("datasets", "ชุดข้อมูล", "Datasets"),
    Column("hidden_datasets", "ชุดข้อมูลที่ไม่เปิดเผย", "Datasets not shown"),
    Column("problems", "ปัญหาคุณภาพ", "Quality problems"),
)

GROUP_COLUMNS: tuple[Column, ...] = (
    Column("key", "รหัส", "Code"),
    Column("label", "ชื่อ", "Name"),
    Column("total", "จำนวนรายการ", "Requirements"),
    Column("available", "พร้อมใช้", "Available"),
    Column("incomplete", "ไม่ครบถ้วน", "Incomplete"),
    Column("stale", "ไม่ทันสมัย", "Out of date"),
    Column("restricted", "ไม่เปิดเผย", "Not public"),
    Column("missing", "ยังไม่มี", "Missing"),
    Column("coverage", "ความครอบคลุม (%)", "Coverage (%)"),
    Column("readiness", "คะแนนความพร้อม (%)", "Readiness score (%)"),
)


def gap_cell(row: dict[str, Any], key: str) -> Any:
    """The value of a gap table cell, taken from a ``provincial_gap_show`` requirement row."""
    value = row.get(key)
    if key == "datasets":
        return ", ".join(d.get("name") or "" for d in value or [])
    if key in ("pmqa", "problems"):
        return ", ".join(value or [])
    if key == "days_overdue":
        return "" if value is None else value
    return "" if value is None else value


def gap_table(rows: Iterable[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the drill-down table, in the given order."""
    return [c.header for c in GAP_COLUMNS], [[gap_cell(row, c.key) for c in GAP_COLUMNS] for row in rows]


def group_table(groups: Iterable[dict[str, Any]], label_of=lambda group: "") -> tuple[list[str], list[list[Any]]]:
    rows = []
    for group in groups:
        counts = group.get("counts") or {}
        rows.append([group.get("key", ""), label_of(group), group.get("total", 0)]
                    + [counts.get(s, 0) for s in ("available", "incomplete", "stale", "restricted", "missing")]
                    + [group.get("coverage", 0.0), group.get("readiness", 0.0)])
    return [c.header for c in GROUP_COLUMNS], rows
