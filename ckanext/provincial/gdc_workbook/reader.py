"""Reading the national GDC metadata workbook (pure, no CKAN).

``read_catalogue(path)`` returns every dataset row of the workbook as the
values our schema stores, its resource links attached, and every problem it
found, each located as Excel shows it (sheet, row, column letter) with an
English and a Thai message. It never raises for bad content: a file that is
no workbook, a zip bomb or an encrypted file is one problem without a sheet.

What it checks, besides each value (``values.read_value``):

* the layout, from the sheet names (``layout.detect``); a template sheet that
  is missing or renamed; a sheet of the other layout;
* the header row: a national column whose header names another field (a
  column moved, added or deleted), columns missing at the end, a column after
  the national ones that is none of ours, data in a column without a header;
* the explanation row under the header replaced by a dataset (the row would
  be lost, as the national importer drops it);
* merged cells in data rows, formulas saved without their value, Excel error
  values (#N/A);
* URL names: missing, duplicated within the file; resource rows naming no
  dataset of the file, or a dataset of another data type;
* more dataset rows than ``max_rows`` (reading stops there).

Blank rows anywhere are skipped. National columns are read by position;
ours, after them, by their header (Thai or English label or field name, in
the header or in the explanation row), in any order.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from typing import Iterator, Optional

from openpyxl.utils.cell import range_boundaries

from ckanext.provincial.gdc_workbook import layout as layouts, values
from ckanext.provincial.gdc_workbook.layout import Field, Layout, SheetLayout, column_letter, header_key
from ckanext.provincial.tables import workbook
from ckanext.provincial.tables.workbook import WorkbookError, open_workbook

log = logging.getLogger(__name__)

PROVINCIAL_SUFFIX = "+provincial"
# Problems of one kind listed per sheet before the rest are counted in one line (a column
# moved in a sheet of 20,000 rows would otherwise list hundreds of thousands).
MAX_PROBLEMS_PER_KIND = 1000


@dataclasses.dataclass
class Problem:
    """One problem, located as Excel shows it."""
    sheet: Optional[str]
    row: Optional[int]
    column: Optional[str]        # column letter, e.g. "F"
    field: Optional[str]
    message: str
    message_th: str

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class ResourceRecord:
    sheet: str
    row: int
    resource: dict               # url, name, format, description, resource_* stored values
    columns: dict[str, str]      # field -> column letter
    dataset_name: str = ""       # the dataset's URL name as the row gives it


@dataclasses.dataclass
class DatasetRecord:
    sheet: str
    row: int                     # Excel row of the dataset's metadata row
    dataset: dict                # stored values for package_create (no owner_org/private)
    columns: dict[str, str]      # field -> column letter in `sheet`
    resources: list[ResourceRecord]
    owner_org_text: Optional[str]   # what the workbook's owner_org column says

    def locate(self, field: str, resource_index: Optional[int] = None) -> tuple[str, int, Optional[str]]:
        """(sheet, Excel row, column letter or None) of ``field`` of the dataset, or of its
        ``resource_index``-th resource; a field without a column gives the row."""
        if resource_index is not None and 0 <= resource_index < len(self.resources):
            resource = self.resources[resource_index]
            return resource.sheet, resource.row, resource.columns.get(field)
        if field in ("tags", "tag_string"):
            field = "tag_string" if "tag_string" in self.columns else field
        return self.sheet, self.row, self.columns.get(field)


@dataclasses.dataclass
class CatalogueFile:
    layout: str                  # "2021-03" or "current", with "+provincial" when our columns are present
    records: list[DatasetRecord]
    problems: list[Problem]
    data_rows: int               # dataset rows read
    over_limit: bool = False     # reading stopped at max_rows

    @property
    def ok(self) -> bool:
        return not self.problems


# ------------------------------------------------------------------ messages --


def _sheet_list(names: list[str]) -> str:
    return ", ".join(names)


class _Problems:
    """Problems as found, at most MAX_PROBLEMS_PER_KIND of one kind per sheet (then one line counting the rest)."""

    def __init__(self):
        self.items: list[Problem] = []
        self._counts: dict[tuple, int] = {}

    def add(self, kind: str, sheet, row, column, field, message: str, message_th: str) -> None:
        key = (kind, sheet)
        self._counts[key] = self._counts.get(key, 0) + 1
        if self._counts[key] <= MAX_PROBLEMS_PER_KIND:
            self.items.append(Problem(sheet, row, column, field, message, message_th))

    def finish(self) -> list[Problem]:
        for (kind, sheet), count in self._counts.items():
            if count > MAX_PROBLEMS_PER_KIND:
                more = count - MAX_PROBLEMS_PER_KIND
                self.items.append(Problem(sheet, None, None, None,
                                          f"… and {more:,} more problems of the same kind in this sheet",
                                          f"… และปัญหาแบบเดียวกันอีก {more:,} รายการในแผ่นงานนี้"))
        return self.items


# -------------------------------------------------------------------- reader --


@dataclasses.dataclass
class _Columns:
    """Which field each column of a sheet holds (0-based index -> key)."""
    keys: dict[int, str]
    provincial: bool = False
    width: int = 0               # columns with a known header (national and ours)


class _Stop(Exception):
    """More dataset rows than max_rows: reading stops."""


class _Reader:
    def __init__(self, book: workbook.OpenWorkbook, max_rows: Optional[int]):
        self.book = book
        self.max_rows = max_rows
        self.problems = _Problems()
        self.records: list[DatasetRecord] = []
        self.by_name: dict[str, DatasetRecord] = {}
        self.resources: list[ResourceRecord] = []
        self.provincial = False
        self.data_rows = 0
        self.over_limit = False

    # ------------------------------------------------------------ layout --

    def layout(self) -> Optional[Layout]:
        names = self.book.sheet_names()
        found = layouts.detect(names)
        if found is None and any(name.startswith("Temp2_Meta_") for name in names):
            found = self._guess_from_headers(names)
        return found

    def _guess_from_headers(self, names: list[str]) -> Layout:
        """No resource sheet: the metadata sheets' column B tells (title in March 2021, d_type later)."""
        march = layouts.layouts()[layouts.MARCH_2021]
        title = header_key(layouts.dataset_fields()["title"].label_th)
        for sheet in march.metadata_sheets():
            if sheet.name in names and sheet.data_type != "ข้อมูลประเภทอื่นๆ":
                for row in self.book.rows(sheet.name):
                    if row.number == sheet.header_row:
                        if len(row.cells) > 1 and title in header_key(row.cells[1]):
                            return march
                        break
                    if row.number > sheet.header_row:
                        break
        return layouts.layouts()[layouts.CURRENT]

    def check_sheets(self, layout: Layout) -> list[SheetLayout]:
        names = self.book.sheet_names()
        expected = {sheet.name for sheet in layout.sheets}
        known = {layouts.sheet_key(sheet.name): sheet.name
                 for each in layouts.layouts().values() for sheet in each.sheets}
        present = []
        renamed = set()
        for name in names:
            if name in expected:
                continue
            key = layouts.sheet_key(name)
            target = known.get(key) or next((known[k] for k in known if k in key or (len(key) > 6 and key in k)), None)
            if target is None:
                continue  # instructions, lists for drop-downs: not read
            if target in expected and target not in names:
                renamed.add(target)
                self.problems.add(
                    "sheet", name, None, None, None,
                    f'The sheet "{name}" looks like the template\'s sheet "{target}" renamed: give it its name '
                    f"back (the sheets are found by name)",
                    f'แผ่นงาน "{name}" ดูเหมือนแผ่นงาน "{target}" ของแบบฟอร์มที่ถูกเปลี่ยนชื่อ: '
                    f"เปลี่ยนชื่อกลับเป็น \"{target}\" (ระบบหาแผ่นงานจากชื่อ)")
            elif target not in expected:
                self.problems.add(
                    "sheet", name, None, None, None,
                    f'The sheet "{name}" belongs to the other layout of the national workbook; its rows are not '
                    f"read. Keep the sheets of one layout: {_sheet_list(sorted(expected))}",
                    f'แผ่นงาน "{name}" เป็นของแบบฟอร์มบัญชีข้อมูลอีกรุ่นหนึ่ง จึงไม่ถูกอ่าน ใช้แผ่นงานของรุ่นเดียวกัน: '
                    f"{_sheet_list(sorted(expected))}")
        for sheet in layout.sheets:
            if sheet.name in names:
                present.append(sheet)
            elif sheet.name not in renamed:
                self.problems.add(
                    "sheet", sheet.name, None, None, None,
                    f'The sheet "{sheet.name}" of the national workbook is missing: keep every sheet of the '
                    f"template, even when it has no rows",
                    f'ไม่พบแผ่นงาน "{sheet.name}" ของแบบฟอร์มบัญชีข้อมูล: เก็บทุกแผ่นงานของแบบฟอร์มไว้ '
                    f"แม้ไม่มีข้อมูล")
        return present

    # ----------------------------------------------------------- headers --

    def _fields_of(self, sheet: SheetLayout) -> dict[str, Field]:
        return layouts.dataset_fields() if sheet.role == layouts.METADATA else layouts.resource_fields()

    def _labels(self, sheet: SheetLayout, thai_only: bool = False) -> dict[str, str]:
        """Header texts (labels, field names) that name exactly one column key of the sheet.

        ``thai_only``: the Thai labels alone, as national headers are worded (an English
        word such as "URL" heads more than one kind of column)."""
        seen: dict[str, set] = {}
        columns = [c for c in sheet.columns if c.key] + list(sheet.provincial)
        for column in columns:
            texts = (column.label_th,) if thai_only else (column.label_th, column.label_en, column.key)
            for text in texts:
                seen.setdefault(header_key(text), set()).add(column.key)
        return {text: next(iter(keys)) for text, keys in seen.items() if len(keys) == 1 and text}

    def _recognise(self, sheet: SheetLayout, header: str, explanation: str) -> Optional[str]:
        labels = self._labels(sheet)
        ours = {column.key for column in sheet.provincial}
        for text in (header, explanation):
            key = labels.get(header_key(text))
            if key in ours:
                return key
        for text in (header, explanation):
            for token in re.findall(r"[a-z][a-z0-9_]*", (text or "").lower()):
                if token in ours:
                    return token
        return None

    def columns(self, sheet: SheetLayout, header: list, explanation: list) -> _Columns:
        labels = self._labels(sheet, thai_only=True)
        keys: dict[int, str] = {}
        national = sheet.keys()
        cell = lambda cells, i: cells[i] if i < len(cells) else None  # noqa: E731
        filled = [i for i, text in enumerate(header) if text]
        for index, key in enumerate(national):
            text = cell(header, index)
            named = labels.get(header_key(text)) if text else None
            if key is not None:
                keys[index] = key
            if named and named != key:
                expected = sheet.columns[index] if key else None
                self.problems.add(
                    "column", sheet.name, sheet.header_row, column_letter(index + 1), key,
                    f'Column {column_letter(index + 1)} is headed "{text}" where the national workbook has '
                    f'"{expected.label_th if expected else "(blank)"}": a column was added, deleted or moved '
                    f"(the national columns are read by position)",
                    f'คอลัมน์ {column_letter(index + 1)} มีหัวคอลัมน์ "{text}" แต่แบบฟอร์มบัญชีข้อมูลมี '
                    f'"{expected.label_th if expected else "(ว่าง)"}": มีการเพิ่ม ลบ หรือย้ายคอลัมน์ '
                    f"(ระบบอ่านคอลัมน์ตามตำแหน่ง)")
        last_national = max((i for i in filled if i < len(national)), default=-1)
        if filled and last_national < len(national) - 1 and all(i < len(national) for i in filled):
            missing = [c.label_th for c in sheet.columns[last_national + 1:] if c.key]
            if missing:
                self.problems.add(
                    "column", sheet.name, sheet.header_row, column_letter(last_national + 2), None,
                    f"The sheet ends at column {column_letter(last_national + 1)}; the national workbook's columns "
                    f"{', '.join(missing)} are missing",
                    f"แผ่นงานสิ้นสุดที่คอลัมน์ {column_letter(last_national + 1)} ไม่พบคอลัมน์ "
                    f"{', '.join(missing)} ของแบบฟอร์มบัญชีข้อมูล")
        provincial = False
        taken: dict[str, int] = {}
        for index in range(len(national), max(len(header), len(explanation))):
            text, note = cell(header, index), cell(explanation, index)
            if not text and not note:
                continue
            key = self._recognise(sheet, text or "", note or "")
            letter = column_letter(index + 1)
            if key is None:
                self.problems.add(
                    "column", sheet.name, sheet.header_row, letter, None,
                    f'Column {letter} ("{text or note}") is not a column of the national workbook nor of the '
                    f"province's: remove it or give it the header of one of ours "
                    f"({', '.join(c.label_th for c in sheet.provincial)})",
                    f'คอลัมน์ {letter} ("{text or note}") ไม่ใช่คอลัมน์ของแบบฟอร์มบัญชีข้อมูลหรือของจังหวัด: '
                    f"ลบออก หรือใช้หัวคอลัมน์ของจังหวัด ({', '.join(c.label_th for c in sheet.provincial)})")
            elif key in taken:
                self.problems.add(
                    "column", sheet.name, sheet.header_row, letter, key,
                    f"Columns {column_letter(taken[key] + 1)} and {letter} both hold {key}: keep one",
                    f"คอลัมน์ {column_letter(taken[key] + 1)} และ {letter} เป็น {key} ทั้งคู่: เก็บไว้คอลัมน์เดียว")
            else:
                keys[index] = key
                taken[key] = index
                provincial = True
        width = max([len(national)] + [i + 1 for i in keys])
        return _Columns(keys, provincial, width)

    def _looks_like_data(self, sheet: SheetLayout, cells: list) -> bool:
        """The explanation row holding a dataset or a link instead (the template's row was deleted)."""
        keys = sheet.keys()
        for index, key in enumerate(keys):
            text = cells[index] if index < len(cells) else None
            if not text:
                continue
            if key == "data_category" and text.strip() in {c.value for c in layouts.dataset_fields()[key].choices}:
                return True
            if key == "url" and sheet.role != layouts.METADATA and re.match(r"^(https?|ftp)://", text.strip()):
                return True
        return False

    # -------------------------------------------------------------- rows --

    def _cell_problem(self, sheet: SheetLayout, row: int, letter: str, field: Optional[str],
                      text: Optional[str], kind: Optional[str]) -> bool:
        if kind == workbook.FORMULA:
            self.problems.add(
                "formula", sheet.name, row, letter, field,
                "A formula without its value (the file was saved by a program, not by Excel): open and save it "
                "in Excel, or paste the values in place of the formulas",
                "สูตรที่ไม่มีค่าที่คำนวณไว้ (ไฟล์ถูกบันทึกโดยโปรแกรม ไม่ใช่ Excel): เปิดแล้วบันทึกใน Excel "
                "หรือวางเป็นค่าแทนสูตร")
            return True
        if kind == workbook.ERROR:
            self.problems.add(
                "error", sheet.name, row, letter, field,
                f"The cell shows the Excel error {text}: correct the formula or type the value",
                f"เซลล์แสดงข้อผิดพลาดของ Excel {text}: แก้สูตรหรือพิมพ์ค่า")
            return True
        return False

    def sheet_rows(self, sheet: SheetLayout) -> Iterator[tuple[workbook.SheetRow, _Columns]]:
        """The data rows of ``sheet`` with its column map; checks the header, explanation row and merges."""
        first_data = sheet.first_data_row
        for ref in self.book.merged_ranges(sheet.name):
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
            except ValueError:
                continue
            if max_row is not None and max_row >= first_data:
                self.problems.add(
                    "merged", sheet.name, max(min_row, first_data), column_letter(min_col), None,
                    f"Cells {ref} are merged: unmerge them and fill each row (one row describes one "
                    f"{'dataset' if sheet.role == layouts.METADATA else 'resource link'})",
                    f"เซลล์ {ref} ถูกผสานไว้: ยกเลิกการผสานเซลล์และกรอกทุกแถว (หนึ่งแถวคือ"
                    f"{'ชุดข้อมูลหนึ่งชุด' if sheet.role == layouts.METADATA else 'ลิงก์ทรัพยากรหนึ่งรายการ'})")
        header: list = []
        explanation: list = []
        columns: Optional[_Columns] = None
        ignored: set[int] = set()
        reported: set[int] = set()
        for row in self.book.rows(sheet.name):
            if row.number < sheet.header_row:
                continue
            if row.number == sheet.header_row:
                header = row.cells
                sheet = self._variant(sheet, header)
                continue
            if sheet.explanation_row and row.number == sheet.header_row + 1:
                explanation = row.cells
                if self._looks_like_data(sheet, row.cells):
                    self.problems.add(
                        "layout", sheet.name, row.number, None, None,
                        f"Row {row.number} holds data, but it is the template's explanation row, which is not "
                        f"read: put the explanation row back under the header (data starts on row {first_data})",
                        f"แถวที่ {row.number} มีข้อมูล แต่เป็นแถวคำอธิบายของแบบฟอร์มซึ่งไม่ถูกอ่าน: "
                        f"ใส่แถวคำอธิบายกลับใต้หัวคอลัมน์ (ข้อมูลเริ่มที่แถวที่ {first_data})")
                continue
            if columns is None:
                columns = self._start(sheet, header, explanation)
                # A template filled down with the data type, or with formulas that had no value
                # to save, has rows that hold nothing: they are blank.
                ignored = {index for index, key in enumerate(sheet.keys())
                           if key in (None, "d_type", "dataset_title")}
            if not any(text is not None and index not in ignored for index, text in enumerate(row.cells)):
                continue  # blank rows anywhere are skipped
            for index, text in enumerate(row.cells):
                if (text is not None or row.kinds[index] == workbook.FORMULA) and index not in columns.keys \
                        and index >= len(sheet.columns) and index not in reported:
                    reported.add(index)
                    letter = column_letter(index + 1)
                    self.problems.add(
                        "column", sheet.name, row.number, letter, None,
                        f"Column {letter} has data but no header: give it the header of one of the province's "
                        f"columns or remove it",
                        f"คอลัมน์ {letter} มีข้อมูลแต่ไม่มีหัวคอลัมน์: ใส่หัวคอลัมน์ของจังหวัดหรือลบออก")
            yield row, columns
        if columns is None:
            self._start(sheet, header, explanation)

    def _variant(self, sheet: SheetLayout, header: list) -> SheetLayout:
        """The sheet's layout with a column a variant of the national workbook inserts, when its header says so."""
        for insert in layouts.config().get("inserted_columns") or []:
            keys = sheet.keys()
            if insert["after"] not in keys or insert["key"] in keys:
                continue
            at = keys.index(insert["after"]) + 1
            fields = self._fields_of(sheet)
            label = header_key(fields[insert["key"]].label_th) if insert["key"] in fields else None
            if label and at < len(header) and header_key(header[at]).startswith(label):
                sheet = layouts.with_inserted_column(sheet, insert["after"], insert["key"])
        return sheet

    def _start(self, sheet: SheetLayout, header: list, explanation: list) -> _Columns:
        if not any(header):
            self.problems.add(
                "layout", sheet.name, sheet.header_row, None, None,
                f"Row {sheet.header_row} should hold the column headers of the national workbook and is empty: "
                f"rows were added or deleted above it",
                f"แถวที่ {sheet.header_row} ต้องเป็นหัวคอลัมน์ของแบบฟอร์มบัญชีข้อมูลแต่ว่างอยู่: "
                f"มีการเพิ่มหรือลบแถวด้านบน")
        columns = self.columns(sheet, header, explanation)
        if columns.provincial:
            self.provincial = True
        return columns

    def _plan(self, columns: _Columns, fields: dict[str, Field], skip: tuple[str, ...]):
        """Per column: (index, key, letter, field); and the field -> letter map of every row of the sheet."""
        plan = []
        letters: dict[str, str] = {}
        for index, key in sorted(columns.keys.items()):
            letter = column_letter(index + 1)
            if key in skip:
                continue
            letters[key] = letter
            field = fields.get(key)
            if field is not None and field.other:
                letters.setdefault(field.other, letter)
            plan.append((index, key, letter, field))
        return plan, letters

    def _read_cells(self, sheet: SheetLayout, row: workbook.SheetRow, plan, stored: dict) -> dict[str, Optional[str]]:
        """Reads the row's cells into ``stored``; returns the workbook's own columns' texts."""
        own: dict[str, Optional[str]] = {}
        cells, kinds = row.cells, row.kinds
        width = len(cells)
        for index, key, letter, field in plan:
            if index >= width:
                break
            text, kind = cells[index], kinds[index]
            if text is None and kind is None:
                continue
            if kind in (workbook.FORMULA, workbook.ERROR):
                self._cell_problem(sheet, row.number, letter, key, text, kind)
                continue
            if field is None or key in ("owner_org", "name"):
                own[key] = values.clean(text) or None
                if field is None or key == "owner_org":
                    continue
            try:
                stored.update(values.read_value(field, text, kind))
            except values.CellError as error:
                self.problems.add("value", sheet.name, row.number, letter, key, error.message, error.message_th)
        return own

    def read_metadata(self, sheet: SheetLayout) -> None:
        fields = layouts.dataset_fields()
        name_letter = column_letter(sheet.keys().index("name") + 1)
        plan = letters = None
        for row, columns in self.sheet_rows(sheet):
            if plan is None:
                plan, letters = self._plan(columns, fields, ("d_type",))
            if self.max_rows is not None and self.data_rows >= self.max_rows:
                self.problems.add(
                    "limit", sheet.name, row.number, None, None,
                    f"The workbook has more than {self.max_rows:,} dataset rows, the most one import takes: "
                    f"split it into several files",
                    f"สมุดงานมีชุดข้อมูลเกิน {self.max_rows:,} แถว ซึ่งเป็นจำนวนสูงสุดที่นำเข้าได้ในครั้งเดียว: "
                    f"แบ่งเป็นหลายไฟล์")
                self.over_limit = True
                raise _Stop
            self.data_rows += 1
            record = DatasetRecord(sheet.name, row.number, {"data_type": sheet.data_type}, dict(letters), [], None)
            own = self._read_cells(sheet, row, plan, record.dataset)
            record.owner_org_text = own.get("owner_org")
            raw_name = own.get("name")
            name = record.dataset.get("name")
            if raw_name is None:
                self.problems.add(
                    "value", sheet.name, row.number, name_letter, "name",
                    f"The dataset has no URL name (column {name_letter}): give it one in English letters, digits "
                    f"and hyphens",
                    f"ชุดข้อมูลไม่มีชื่อ URL (คอลัมน์ {name_letter}): กรอกเป็นอักษรภาษาอังกฤษ ตัวเลข และขีด (-)")
            elif name is not None:
                first = self.by_name.get(name)
                if first is not None:
                    self.problems.add(
                        "duplicate", sheet.name, row.number, name_letter, "name",
                        f'The URL name "{name}" is already used by the dataset of sheet {first.sheet}, row '
                        f"{first.row}: each dataset needs its own name",
                        f'ชื่อ URL "{name}" ซ้ำกับชุดข้อมูลในแผ่นงาน {first.sheet} แถวที่ {first.row}: '
                        f"แต่ละชุดข้อมูลต้องมีชื่อไม่ซ้ำกัน")
                else:
                    self.by_name[name] = record
            if raw_name is not None:
                self.by_name.setdefault("\0" + raw_name, record)
            self.records.append(record)

    def read_resources(self, sheet: SheetLayout) -> None:
        fields = layouts.resource_fields()
        plan = letters = None
        for row, columns in self.sheet_rows(sheet):
            if plan is None:
                plan, letters = self._plan(columns, fields, ("dataset_title",))
            resource = ResourceRecord(sheet.name, row.number, {}, dict(letters))
            own = self._read_cells(sheet, row, plan, resource.resource)
            resource.dataset_name = own.get("dataset_name") or ""
            if not resource.resource:
                continue  # a dataset name alone (a template row prepared for a link): nothing to add
            if not resource.resource.get("name") and resource.resource.get("url"):
                # The national importer's rule: the last part of the link, else the dataset's name.
                tail = resource.resource["url"].rstrip("/").rsplit("/", 1)[-1]
                resource.resource["name"] = tail or resource.dataset_name
            self.resources.append(resource)

    def attach(self, layout: Layout) -> None:
        for resource in self.resources:
            record = None
            try:
                key = values.url_name(resource.dataset_name) if resource.dataset_name else None
            except values.CellError:
                key = None
            if key is not None:
                record = self.by_name.get(key)
            if record is None and resource.dataset_name:
                record = self.by_name.get("\0" + resource.dataset_name)
            letter = resource.columns.get("dataset_name")
            if record is None and not resource.dataset_name:
                self.problems.add(
                    "resource", resource.sheet, resource.row, letter, "dataset_name",
                    "The link names no dataset: write the URL name of its dataset",
                    "ลิงก์นี้ไม่ได้ระบุชุดข้อมูล: กรอกชื่อ URL ของชุดข้อมูล")
                continue
            if record is None:
                self.problems.add(
                    "resource", resource.sheet, resource.row, letter, "dataset_name",
                    f'The link names the dataset "{resource.dataset_name}", which no metadata sheet of this '
                    f"workbook has: write the URL name of one of its datasets",
                    f'ลิงก์นี้ระบุชุดข้อมูล "{resource.dataset_name}" '
                    f"ซึ่งไม่มีในแผ่นงานคำอธิบายชุดข้อมูลของสมุดงานนี้: "
                    f"กรอกชื่อ URL ของชุดข้อมูลในสมุดงาน")
                continue
            sheet = layout.sheet(resource.sheet)
            if sheet is not None and sheet.data_type and sheet.data_type != record.dataset.get("data_type"):
                expected = next((s.name for s in layout.resource_sheets()
                                 if s.data_type == record.dataset.get("data_type")), "")
                self.problems.add(
                    "resource", resource.sheet, resource.row, letter, "dataset_name",
                    f'The dataset "{resource.dataset_name}" is in sheet {record.sheet}: its links belong in '
                    f"sheet {expected}",
                    f'ชุดข้อมูล "{resource.dataset_name}" อยู่ในแผ่นงาน {record.sheet}: ลิงก์ของชุดข้อมูลนี้ต้องอยู่ใน'
                    f"แผ่นงาน {expected}")
                continue
            record.resources.append(resource)
        for record in self.records:
            record.dataset["resources"] = [resource.resource for resource in record.resources]

    def read(self) -> CatalogueFile:
        layout = self.layout()
        if layout is None:
            names = self.book.sheet_names()
            wanted = [sheet.name for sheet in layouts.layouts()[layouts.CURRENT].sheets]
            self.problems.add(
                "sheet", None, None, None, None,
                f"This is not the national metadata workbook: none of its sheets ({_sheet_list(names)}) is a "
                f"sheet of the template ({_sheet_list(wanted)})",
                f"ไฟล์นี้ไม่ใช่แบบฟอร์มบัญชีข้อมูล: ไม่มีแผ่นงานใด ({_sheet_list(names)}) ตรงกับแผ่นงานของแบบฟอร์ม "
                f"({_sheet_list(wanted)})")
            return CatalogueFile("", [], self.problems.finish(), 0)
        sheets = self.check_sheets(layout)
        current = None
        try:
            for sheet in sheets:
                current = sheet.name
                if sheet.role == layouts.METADATA:
                    self.read_metadata(sheet)
            for sheet in sheets:
                current = sheet.name
                if sheet.role != layouts.METADATA:
                    self.read_resources(sheet)
        except _Stop:
            pass
        except WorkbookError as error:
            self.problems.add("file", current, None, None, None, error.message, error.message_th)
        except Exception as error:  # a damaged sheet part: say so, never half-read silently
            log.warning("Workbook sheet %s could not be read", current, exc_info=True)
            self.problems.add(
                "file", current, None, None, None,
                f"The sheet could not be read to its end ({type(error).__name__}: {str(error)[:200]}): "
                f"save the workbook again in Excel",
                f"อ่านแผ่นงานได้ไม่ครบ ({type(error).__name__}: {str(error)[:200]}): บันทึกสมุดงานใหม่ใน Excel")
        self.attach(layout)
        key = layout.key + (PROVINCIAL_SUFFIX if self.provincial else "")
        return CatalogueFile(key, self.records, self.problems.finish(), self.data_rows, self.over_limit)


def read_catalogue(path: str, *, max_rows: Optional[int] = None) -> CatalogueFile:
    """Every dataset of the national metadata workbook at ``path`` and every problem found (see the module doc).

    Never raises for bad content: a file that cannot be opened as a workbook
    is one problem without a sheet."""
    try:
        with open_workbook(path) as book:
            return _Reader(book, max_rows).read()
    except WorkbookError as error:
        return CatalogueFile("", [], [Problem(None, None, None, None, error.message, error.message_th)], 0)
