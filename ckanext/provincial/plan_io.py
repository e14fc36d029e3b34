"""Requirement plans and gap tables as CSV and Excel files: read, write, templates.

Column headers carry Thai and English (``รหัสรายการข้อมูล (Requirement code)``);
reading also accepts the Thai text alone, the English text alone or the field
key (``code``). CSV is written as UTF-8 with a byte-order mark so that Excel
shows Thai. Files are read by the portal's table layer (``tables/``), as the
DataStore reads published tables: CSV in UTF-8 or Windows Thai (cp874/TIS-620)
with comma, semicolon, tab or bar separators, XLSX and XLS workbooks, a title
above the header and notes under the table (see ``read_table``).

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
import tempfile
from typing import Any, Iterable, Optional, Sequence

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # control characters that openpyxl refuses to write
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from ckanext.provincial import freshness
from ckanext.provincial.tables import text as text_tables
from ckanext.provincial.tables import types
from ckanext.provincial.tables import workbook as workbooks
from ckanext.provincial.content_checks import messages


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

FORMATS = ("csv", "xlsx")                  # what plans are written as
WORKBOOK_FORMATS = ("xlsx", "xls")
READ_FORMATS = ("csv",) + WORKBOOK_FORMATS  # what an import reads
# Columns of codes and numbers, where Thai digits (๑๓, ๔.๑) are read as 0-9; titles keep theirs.
DIGIT_COLUMNS = ("province_code", "update_frequency_interval", "priority", "pmqa")
# A plan is Thai text: another encoding the layer guesses would give wrong letters, not a plan.
TEXT_ENCODINGS = ("utf-8", "cp874")
# A plan workbook is small: one that unpacks to more is refused before it is opened.
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
EMPTY_FILE = N_("The file is empty: it needs a header row and one row per requirement")
# A cell may hold a long text (a requirement's purpose): the csv module's cap of 131,072
# characters would make an exported plan impossible to import again.
CSV_FIELD_LIMIT = 64 * 1024 * 1024
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


class PlanFileError(ValueError):
    """A file that cannot be read as a plan at all (not a row problem).

    ``message_id`` is an English message id with ``params``; a ``reason`` the
    table layer gives in both languages comes with ``reason_th``, used when the
    sentence reads in Thai. A refusal of the text layer carries its ``report``
    error (code, note, row), worded by ``validation.messages``.
    """

    def __init__(self, message: str, report: Optional[dict[str, Any]] = None, **params: Any):
        self.message_id = message
        self.report = report
        self.params = params
        super().__init__(self.message())

    def message(self, gettext=lambda s: s) -> str:
        if self.report is not None:
            return messages.describe(self.report, gettext)
        template = gettext(self.message_id)
        params = {key: value for key, value in self.params.items() if not key.endswith("_th")}
        if template != self.message_id and self.params.get("reason_th"):
            params["reason"] = self.params["reason_th"]
        return template.format(**params)


@dataclasses.dataclass
class PlanTable:
    columns: list[str]                      # field keys, in the file's order
    headers: dict[str, str]                 # field key -> header as written in the file
    rows: list[tuple[int, dict[str, str]]]  # (row number as Excel shows it, values by field key)
    title: list[str] = dataclasses.field(default_factory=list)  # the lines above the header
    notes: list[str] = dataclasses.field(default_factory=list)  # the notes under the table, left out


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
    if text.startswith("'") and not text[1:].strip():
        # Excel's text prefix on an empty cell; also what a workbook reader, trimming
        # cells, leaves of a neutralised lone tab or carriage return.
        return ""
    # As written ("'" + "\r" for a lone carriage return), else trimmed first.
    return restore(text if text.startswith("'") else text.strip()).strip()


# ------------------------------------------------------------------ reading
#
# Files are read by the portal's table layer (``tables/``), the one that reads
# the tables agencies publish into the DataStore: CSV through ``tables.text``
# (encoding, delimiter, title lines above the header), workbooks through
# ``tables.workbook`` (XLSX and XLS by their first bytes, titles, notes under
# the table, zip bombs, files that are not workbooks). Rows keep the number the
# agency sees in Excel. Notes under the table follow the workbook reader's
# rule for both kinds, so that a row left half filled at the bottom is still
# checked (and refused) rather than set aside as a note.

def _header_key(header: str, columns: Sequence[Column]) -> Optional[str]:
    text = " ".join(header.split()).casefold()
    for column in columns:
        names = {column.key, column.th, column.en, column.header, f"{column.th} ({column.key})"}
        if text in {" ".join(name.split()).casefold() for name in names}:
            return column.key
    return None


@dataclasses.dataclass
class _Found:
    """A table as the table layer found it: header, (Excel row, cells) rows, title and notes."""
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    title: list[str]
    notes: list[str]


def _file_error(code: str, note: str = "", row: Optional[int] = None) -> PlanFileError:
    """A refusal of the text layer, in the sentences of the resource checks (translated there)."""
    if code == "empty-file":
        return PlanFileError(EMPTY_FILE)
    return PlanFileError(messages.SENTENCES.get(code, messages.GENERIC), report={"code": code, "note": note, "row": row})


def _read_text(path: str) -> _Found:
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)  # process-wide, and only ever raised
    try:
        table = text_tables.read_text_table(path)
        if table.encoding not in TEXT_ENCODINGS:
            raise PlanFileError(N_("The file is neither UTF-8 nor Thai Windows (TIS-620) text: save it as CSV UTF-8"))
        rows = text_tables.TableRows(path, table, spreadsheet=True, notes=text_tables.MARKED_NOTES)
        found = list(rows)
    except text_tables.TableFileError as error:
        raise _file_error(error.code, error.note, error.row) from None
    return _Found(table.header_record, table.headers, found, list(table.title), rows.footnotes)


def _plan_sheet(tables: list, columns: Sequence[Column]):
    """The first table whose header names a plan column (a cover or help sheet may come first)."""
    for table in tables:
        if any(header and _header_key(header, columns) for header in table.headers):
            return table
    return tables[0]


def _read_workbook(path: str, fmt: str, name: str, columns: Sequence[Column]) -> _Found:
    try:
        book = workbooks.read_workbook(path, fmt, max_uncompressed_bytes=MAX_UNCOMPRESSED_BYTES)
        table = _plan_sheet(book.tables, columns)
        found = list(table.rows())
    except workbooks.WorkbookError as error:
        raise PlanFileError(N_('"{name}" cannot be read: {reason}'), name=name,
                            reason=error.message, reason_th=error.message_th) from None
    if table.formulas_without_value:
        row, column = table.formula_cells_without_value[0]
        raise PlanFileError(
            N_("{count} cells hold a formula without its value (the first in row {row}, column {column}): "
               "open the file in Excel and save it again"),
            count=table.formulas_without_value, row=row, column=openpyxl.utils.get_column_letter(column))
    return _Found(table.header_row, list(table.headers), found, list(table.title), list(table.footnotes))


def format_of(filename: str, declared: Optional[str] = None) -> str:
    fmt = (declared or os.path.splitext(filename or "")[1].lstrip(".")).strip().lower()
    if fmt not in READ_FORMATS:
        raise PlanFileError(N_('"{name}" is neither a CSV nor an Excel (.xlsx, .xls) file'), name=filename or fmt)
    return fmt


def _digits(key: str, value: str) -> str:
    return types.normalise(value) if key in DIGIT_COLUMNS else value


def read_table(content: bytes, filename: str, fmt: Optional[str] = None,
               columns: Sequence[Column] = PLAN_COLUMNS) -> PlanTable:
    """The header and the rows of a plan file, as the table layer finds them.

    A workbook (XLSX or XLS, either one whatever the name says) gives its
    first sheet holding a table with a plan column; a CSV may be UTF-8
    (with or without a byte-order mark) or Windows Thai, separated by commas,
    semicolons, tabs or bars. A title above the header and notes under the
    table are set apart (``PlanTable.title``, ``PlanTable.notes``); blank rows
    are skipped. Row numbers are the ones Excel shows.

    :raises PlanFileError: the file cannot be read as a plan
    """
    fmt = format_of(filename, fmt)
    if not content.strip():
        raise PlanFileError(EMPTY_FILE)
    with tempfile.TemporaryDirectory(prefix="plan-") as folder:
        # The layer reads files; a name of our own, since the upload's may be anything.
        path = os.path.join(folder, "upload")
        with open(path, "wb") as out:
            out.write(content)
        if fmt in WORKBOOK_FORMATS:
            found = _read_workbook(path, fmt, filename or f"plan.{fmt}", columns)
        else:
            found = _read_text(path)
    header = [cell_text(h) for h in found.headers]
    keys: list[Optional[str]] = [_header_key(h, columns) if h else None for h in header]
    unknown = [h for h, k in zip(header, keys) if h and k is None]
    if unknown:
        raise PlanFileError(
            N_("Unknown columns in row {row}: {columns}. Use the headers of the template."),
            row=found.header_row, columns=", ".join(f'"{h}"' for h in unknown),
        )
    twice = sorted({k for k in keys if k and keys.count(k) > 1})
    if twice:
        raise PlanFileError(N_("Columns given twice: {columns}"), columns=", ".join(twice))
    absent = [c.header for c in columns if c.required and c.key not in keys]
    if absent:
        raise PlanFileError(N_("Required columns are missing: {columns}"), columns=", ".join(absent))
    rows = []
    for number, cells in found.rows:
        row = [cell_text(cell) for cell in cells]
        if not any(row):
            continue
        values = {key: _digits(key, row[i] if i < len(row) else "") for i, key in enumerate(keys) if key}
        extra = [cell for i, cell in enumerate(row) if i >= len(keys) and cell]
        if extra:
            values["__extra__"] = ", ".join(extra)
        rows.append((number, values))
    return PlanTable([k for k in keys if k], {k: h for k, h in zip(keys, header) if k}, rows,
                     title=found.title, notes=found.notes)


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
