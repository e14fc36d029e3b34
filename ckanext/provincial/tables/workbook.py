"""Excel workbooks (XLSX, XLS) as agencies make them.

An agency's workbook is rarely a bare table: a title above it (often merged
across the table), blank rows, a header further down, sometimes in two rows
(merged group cells above their sub-headers), notes under it ("ที่มา: …",
"หมายเหตุ: …", "* …") and more than one sheet. ``read_workbook`` finds the
table on each sheet; ``SheetTable.rows()`` streams its data rows, re-opening
the file each time, so a large file is never held in memory.

Sheets. Every sheet is looked at in order. A chart sheet, a hidden sheet, an
empty sheet and a sheet with no table (notes, a cover page) are left out and
listed in ``Workbook.skipped`` with the reason.

Header rule. Only the first ``HEAD_ROWS`` (30) rows of a sheet can hold the
header. Blank rows do not count. The header is the first row that

* has at least two non-empty cells,
* is mostly words: more than half of its non-empty cells are text that is not
  a number, or a year (1900-2100, or Buddhist era 2400-2700), or a date, and
* is as wide as the table under it: its non-empty cells are at least 60 % of
  the non-empty cells of the widest of the (up to 10) rows that follow it.

A title merged across the table is a single cell, and a title with a unit at
its right ("หน่วย: คน") has two cells over a wider table: neither is a header.

Two-row headers. The row just under the header row is a second header row
when all its non-empty cells are text (no numbers), it has at least two, it
fills a column left empty in the row above to the right of a non-empty cell
(the group cell's merge), and the row above has either a header standing
alone over an empty cell below it (``ลำดับ``, ``อำเภอ`` merged down) or at
least two groups of two columns or more. Widths are then judged on the two rows
together. A group cell spans the empty cells to its right as long as the
row below has a sub-header in them and under the group cell itself, the way
Excel merges cells; each column's header is then ``"group — sub"``, or the one of
the two that is not empty. Merges are read from this pattern, not from the
file, because the file lists its merges after all its rows.

Columns. The table's columns run from the leftmost to the rightmost non-empty
cell of its header and of the rows that follow it; cells to the right of
``max_columns`` are not read and counted in ``columns_cut``.

Title and notes. The non-blank rows above the header are the title, one line
per row (its cells joined by a space). After the last data row, rows whose
first non-empty cell starts with ที่มา, แหล่งที่มา, แหล่งข้อมูล, หมายเหตุ, Source,
Note or ``*``, and rows with one non-empty cell of text, are notes
(``footnotes``) when nothing but such rows and blank rows follow them. Rows of
one cell with no marker among them are notes only when a blank row
separates them from the table; more than ``MAX_FOOTNOTE_ROWS`` such rows in a
row are data. Blank rows inside the table are skipped.

Cells are given as text, as the DataStore loader types them later: integers
without ``.0`` (``1234``), other numbers in plain notation to Excel's 15
significant digits (``0.3``, ``0.000015``), dates ``2023-01-15``, date-times
``2023-01-15T08:30:00`` (a date-time at midnight is a date), times
``08:30:00``, booleans ``TRUE``/``FALSE``, text with its ends stripped
(``None`` when empty). A formula gives the value Excel saved with it; a
formula saved without one (a file written by a program, never opened in
Excel) gives ``None`` and is counted in ``formulas_without_value``.

Safety. The file's kind is read from its first bytes, not its name: a ZIP is
read as XLSX and an OLE2 compound file as XLS, whatever the resource's format
says; anything else (a CSV or PDF renamed) is ``not-a-workbook``. An
encrypted workbook is ``encrypted``. Before an XLSX is opened, the sizes in
its ZIP directory are added up and held against ``max_uncompressed_bytes``,
and each member's compression ratio against ``max_ratio`` (``zip-bomb``);
Python's zipfile never inflates a member past the size its directory
declares, so the check holds for a lying directory too. XLSX sheets are read
row by row (openpyxl's parser; its shared-string table is read whole, as
Excel's format requires). XLS files (at most 65,536 rows) are read by xlrd.

``row_count``, ``footnotes``, ``formulas_without_value`` and ``columns_cut``
need the end of the sheet: they are known when ``read_workbook`` returns for
a sheet of at most ``LOOKAHEAD_ROWS`` rows, and otherwise once ``rows()`` has
run to its end (``row_count`` is ``None`` until then).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import mmap
import re
import zipfile
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Iterator

HEAD_ROWS = 30
FOLLOWING_ROWS = 10
LOOKAHEAD_ROWS = 200
HEADER_COVERAGE = 0.6
MAX_FOOTNOTE_ROWS = 50
DEFAULT_MAX_UNCOMPRESSED_BYTES = 2 * 1024 ** 3
DEFAULT_MAX_RATIO = 200
# Members smaller than this are not judged by their ratio (a tiny XML part compresses a lot).
RATIO_FLOOR_BYTES = 10 * 1024 ** 2
DEFAULT_MAX_COLUMNS = 2000
FORMULAS_LISTED = 100

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FOOTNOTE_MARKERS = ("ที่มา", "แหล่งที่มา", "แหล่งข้อมูล", "หมายเหตุ", "source", "note", "*")
GROUP_JOIN = " — "

_NUMBER = re.compile(r"^[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SPACES = re.compile(r"\s+")

TEXT, NUMBER, DATE, BOOL, ERROR, FORMULA = "text", "number", "date", "bool", "error", "formula"
_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)\"")


def _column_letter(index: int) -> str:
    """Excel's letters of the 1-based column ``index`` (1 → A, 27 → AA)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class WorkbookError(Exception):
    """A workbook that cannot be read: ``code``, an English ``message`` and a Thai ``message_th``."""

    def __init__(self, code: str, message: str, message_th: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_th = message_th


_ERRORS = {
    "not-a-workbook": ("The file is not an Excel workbook (XLSX or XLS){detail}.",
                       "ไฟล์นี้ไม่ใช่สมุดงาน Excel (XLSX หรือ XLS){detail}"),
    "encrypted": ("The workbook is protected with a password. Save it again without a password.",
                  "สมุดงานนี้ตั้งรหัสผ่านไว้ บันทึกใหม่โดยไม่ตั้งรหัสผ่าน"),
    "zip-bomb": ("The workbook would unpack to {detail}: too large to be read.",
                 "สมุดงานนี้จะขยายออกเป็น {detail} ใหญ่เกินกว่าจะอ่านได้"),
    "no-table": ("No sheet of the workbook holds a table (a header of at least two columns in its first {detail} rows).",
                 "ไม่มีแผ่นงานใดในสมุดงานที่มีตาราง (หัวตารางอย่างน้อยสองคอลัมน์ภายใน {detail} แถวแรก)"),
}


def _error(code: str, detail: str = "", detail_th: str | None = None) -> WorkbookError:
    english, thai = _ERRORS[code]
    return WorkbookError(code, english.format(detail=detail), thai.format(detail=detail if detail_th is None else detail_th))


# ------------------------------------------------------------------ cells --


def number_text(value: float | int) -> str:
    """A number as plain text: ``1234``, ``0.3``, ``0.000015`` (Excel's 15 significant digits)."""
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    try:
        text = format(Decimal("%.15g" % value), "f")
    except InvalidOperation:
        return repr(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def cell_text(value: Any) -> tuple[str | None, str | None]:
    """``(text, kind)`` of a cell value from openpyxl or xlrd; kind is text/number/date/bool."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), BOOL
    if isinstance(value, (int, float)):
        return number_text(value), NUMBER
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0) and value.tzinfo is None:
            return value.date().isoformat(), DATE
        return value.replace(microsecond=0).isoformat(), DATE
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat(), DATE
    if isinstance(value, _dt.timedelta):
        seconds = int(value.total_seconds())
        return "%d:%02d:%02d" % (seconds // 3600, seconds % 3600 // 60, seconds % 60), DATE
    text = str(value).strip()
    return (text, TEXT) if text else (None, None)


@dataclasses.dataclass
class _Row:
    number: int                      # Excel's row number
    cells: list[str | None]          # texts, column 1 first
    kinds: list[str | None]

    @property
    def filled(self) -> list[int]:
        return [i for i, cell in enumerate(self.cells) if cell is not None]

    @property
    def blank(self) -> bool:
        return not any(cell is not None for cell in self.cells)

    def line(self) -> str:
        return " ".join(cell for cell in self.cells if cell is not None)


def _is_wordy(text: str | None, kind: str | None) -> bool:
    """A cell that reads like a header: text that is not a number, a year, or a date."""
    if kind == DATE:
        return True
    if text is None:
        return False
    plain = text.translate(_THAI_DIGITS).replace(" ", "")
    if _NUMBER.match(plain):
        digits = plain.replace(",", "")
        return digits.isdigit() and (1900 <= int(digits) <= 2100 or 2400 <= int(digits) <= 2700)
    return kind in (TEXT, None)


def _is_text(text: str | None, kind: str | None) -> bool:
    return text is not None and kind == TEXT and not _NUMBER.match(text.translate(_THAI_DIGITS).replace(" ", ""))


# ----------------------------------------------------------------- sources --


def _sniff(path: str) -> str:
    with open(path, "rb") as handle:
        start = handle.read(8)
    if start.startswith(ZIP_MAGIC):
        return "xlsx"
    if start == OLE2_MAGIC:
        return "xls"
    kind = "PDF" if start.startswith(b"%PDF") else ("empty" if not start else "")
    raise _error("not-a-workbook", f": it looks like {kind}" if kind else "", f": ดูเหมือนเป็น {kind}" if kind else "")


def _check_zip(path: str, max_uncompressed_bytes: int, max_ratio: float) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _error("not-a-workbook", f" ({exc})", f" ({exc})") from None
    total = sum(member.file_size for member in members)
    if max_uncompressed_bytes and total > max_uncompressed_bytes:
        raise _error("zip-bomb", f"{total:,} bytes (limit {max_uncompressed_bytes:,})",
                     f"{total:,} ไบต์ (จำกัด {max_uncompressed_bytes:,})")
    for member in members:
        if max_ratio and member.file_size > RATIO_FLOOR_BYTES and member.file_size > max_ratio * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise _error("zip-bomb", f"{member.file_size:,} bytes ({member.filename} is compressed {ratio}:1)",
                         f"{member.file_size:,} ไบต์ ({member.filename} ถูกบีบอัด {ratio}:1)")
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise _error("not-a-workbook", ": a ZIP archive without a workbook in it", ": เป็นไฟล์ ZIP ที่ไม่มีสมุดงานอยู่ข้างใน")
    if "xl/workbook.bin" in names and "xl/workbook.xml" not in names:
        raise _error("not-a-workbook", ": an XLSB binary workbook; save it as XLSX",
                     ": เป็นสมุดงานแบบไบนารี XLSB บันทึกใหม่เป็น XLSX")


def _sheet_parser_class():
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet import _reader
    from openpyxl.xml.constants import SHEET_MAIN_NS

    text_tag = "{%s}t" % SHEET_MAIN_NS

    class SheetParser(_reader.WorkSheetParser):
        """openpyxl's streaming sheet parser that marks formulas saved without a value and keeps no rows."""

        def parse_cell(self, element):
            if element.get("t") == "inlineStr":
                # openpyxl's own path builds a rich-text object per cell (files written by openpyxl,
                # our exports, hold every text so): a plain <is><t> is read directly, 3 times faster.
                child = element.find(_reader.INLINE_STRING)
                if (child is not None and len(child) == 1 and child[0].tag == text_tag
                        and element.find(_reader.FORMULA_TAG) is None):
                    coordinate = element.get("r")
                    if coordinate:
                        row, column = coordinate_to_tuple(coordinate)
                        self.col_counter = column
                    else:
                        self.col_counter += 1
                        row, column = self.row_counter, self.col_counter
                    return {"row": row, "column": column, "value": child[0].text or None, "data_type": "s",
                            "style_id": int(element.get("s", 0) or 0)}
            cell = super().parse_cell(element)
            # An empty value is a saved result only for a text formula (t="str"), e.g. =IF(A1>0,"",A1).
            if (cell["value"] is None and element.find(_reader.FORMULA_TAG) is not None
                    and element.get("t") != "str" and not element.findtext(_reader.VALUE_TAG)):
                cell["data_type"] = FORMULA
            return cell

        def parse(self):
            rows_parent = None
            sheet_data_tag = _reader.ROW_TAG.replace("}row", "}sheetData")
            for event, element in _reader.iterparse(self.source, events=("start", "end")):
                if event == "start":
                    if element.tag == sheet_data_tag:
                        rows_parent = element
                    continue
                if element.tag == _reader.ROW_TAG:
                    row = self.parse_row(element)
                    element.clear()
                    if rows_parent is not None:
                        # Drop the parsed rows from the tree: memory stays flat on a large sheet.
                        rows_parent.clear()
                    yield row

    return SheetParser


def _reader_class():
    from openpyxl.reader.excel import ExcelReader

    class Reader(ExcelReader):
        """openpyxl's reader that lists the sheets without opening them.

        Its read-only worksheets measure themselves when made, which reads a
        whole sheet whose file does not state its size (files not saved by Excel)."""

        def read_worksheets(self):
            self.sheet_list = []
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files:
                    kind = "chart" if "chartsheet" in rel.Type else "sheet"
                    self.sheet_list.append((sheet.name, sheet.state or "visible", rel.target, kind))

    return Reader


class _XlsxBook:
    def __init__(self, path: str, max_columns: int):
        self.max_columns = max_columns
        # An open file, not the path: openpyxl refuses a path without an Excel
        # extension, and CKAN stores uploads under the resource id.
        self.stream = open(path, "rb")
        try:
            reader = _reader_class()(self.stream, read_only=True, data_only=True, keep_links=False)
            reader.read()
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            self.stream.close()
            raise _error("not-a-workbook", f" ({type(exc).__name__}: {str(exc)[:200]})",
                         f" ({type(exc).__name__}: {str(exc)[:200]})") from None
        self.reader = reader
        self.paths = {name: target for name, _state, target, _kind in reader.sheet_list}

    def sheets(self) -> Iterator[tuple[str, str | None]]:
        """(name, reason to leave it out or None)."""
        for name, state, _target, kind in self.reader.sheet_list:
            yield name, ("chart" if kind == "chart" else "hidden" if state != "visible" else None)

    def rows(self, name: str, cut: list[int]) -> Iterator[_Row]:
        book = self.reader.wb
        parser_class = _sheet_parser_class()
        with contextlib.closing(self.reader.archive.open(self.paths[name])) as source:
            parser = parser_class(source, self.reader.shared_strings, data_only=True, epoch=book.epoch,
                                  date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
            for number, cells in parser.parse():
                width = 0
                for cell in cells:
                    if cell["column"] <= self.max_columns:
                        width = max(width, cell["column"])
                    elif cell["value"] is not None:
                        cut[0] += 1
                texts: list[str | None] = [None] * width
                kinds: list[str | None] = [None] * width
                for cell in cells:
                    column = cell["column"]
                    if column > self.max_columns:
                        continue
                    if cell["data_type"] == FORMULA:
                        kinds[column - 1] = FORMULA
                        continue
                    texts[column - 1], kinds[column - 1] = cell_text(cell["value"])
                    if cell["data_type"] == "e":
                        kinds[column - 1] = ERROR  # #DIV/0!, #N/A: shown as Excel shows them
                yield _Row(number, texts, kinds)

    def merged_ranges(self, name: str) -> list[str]:
        """``A1:H1``-style ranges of the sheet's merged cells.

        The sheet lists them after all its rows: the raw XML is scanned for
        the first ``mergeCell`` (fast, no parsing of the rows), then only the
        rest is read."""
        with contextlib.closing(self.reader.archive.open(self.paths[name])) as source:
            tail = b""
            while True:
                chunk = source.read(1 << 20)
                if not chunk:
                    return []
                buffer = tail + chunk
                at = buffer.find(b"mergeCell")
                if at >= 0:
                    rest = buffer[max(at - 16, 0):] + source.read()
                    return [ref.decode("ascii").upper() for ref in _MERGE_CELL.findall(rest)]
                tail = buffer[-32:]

    def close(self) -> None:
        self.reader.archive.close()
        self.stream.close()


class _XlsBook:
    def __init__(self, path: str, max_columns: int):
        import xlrd
        from xlrd import compdoc

        self.max_columns = max_columns
        self.xlrd = xlrd
        self.path = path
        with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as memory:
            try:
                names = {entry.name for entry in compdoc.CompDoc(memory, logfile=_Silent()).dirlist}
            except Exception as exc:
                raise _error("not-a-workbook", f" ({str(exc)[:200]})", f" ({str(exc)[:200]})") from None
        if "EncryptedPackage" in names or "EncryptionInfo" in names:
            raise _error("encrypted")
        if not names & {"Workbook", "Book"}:
            raise _error("not-a-workbook", ": an OLE2 file (Word, older Office) without a workbook in it",
                         ": เป็นไฟล์ OLE2 (เช่น Word) ที่ไม่มีสมุดงานอยู่ข้างใน")
        try:
            self.book = xlrd.open_workbook(path, on_demand=True, logfile=_Silent())
        except xlrd.XLRDError as exc:
            if "encrypted" in str(exc).lower():
                raise _error("encrypted") from None
            raise _error("not-a-workbook", f" ({str(exc)[:200]})", f" ({str(exc)[:200]})") from None
        except Exception as exc:
            raise _error("not-a-workbook", f" ({type(exc).__name__}: {str(exc)[:200]})",
                         f" ({type(exc).__name__}: {str(exc)[:200]})") from None

    def sheets(self) -> Iterator[tuple[str, str | None]]:
        for index, name in enumerate(self.book.sheet_names()):
            sheet = self.book.sheet_by_index(index)
            yield name, ("hidden" if sheet.visibility else None)
            self.book.unload_sheet(index)

    def rows(self, name: str, cut: list[int]) -> Iterator[_Row]:
        xlrd = self.xlrd
        sheet = self.book.sheet_by_name(name)
        for index in range(sheet.nrows):
            types = sheet.row_types(index)
            values = sheet.row_values(index)
            if len(values) > self.max_columns:
                cut[0] += sum(1 for kind in types[self.max_columns:] if kind not in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK))
            texts: list[str | None] = []
            kinds: list[str | None] = []
            for kind, value in zip(types[:self.max_columns], values[:self.max_columns]):
                if kind == xlrd.XL_CELL_DATE:
                    try:
                        value = xlrd.xldate_as_datetime(value, self.book.datemode)
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        pass
                elif kind == xlrd.XL_CELL_BOOLEAN:
                    value = bool(value)
                elif kind == xlrd.XL_CELL_ERROR:
                    value = xlrd.error_text_from_code.get(value, "#ERROR!")
                elif kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    value = None
                elif kind == xlrd.XL_CELL_NUMBER and float(value).is_integer() and abs(value) < 2 ** 53:
                    value = int(value)
                text, text_kind = cell_text(value)
                texts.append(text)
                kinds.append(ERROR if kind == xlrd.XL_CELL_ERROR else text_kind)
            yield _Row(index + 1, texts, kinds)

    def merged_ranges(self, name: str) -> list[str]:
        """Merged cells need xlrd's formatting pass: the file is opened again for them (XLS stays small)."""
        xlrd = self.xlrd
        try:
            book = xlrd.open_workbook(self.path, formatting_info=True, on_demand=True, logfile=_Silent())
        except Exception:  # formatting records xlrd cannot read: no merges known
            return []
        try:
            sheet = book.sheet_by_name(name)
            return [f"{_column_letter(first_col + 1)}{first_row + 1}:{_column_letter(end_col)}{end_row}"
                    for first_row, end_row, first_col, end_col in sheet.merged_cells]
        finally:
            book.release_resources()

    def close(self) -> None:
        self.book.release_resources()


class _Silent:
    def write(self, *_args) -> None:
        pass


@contextlib.contextmanager
def _open(path: str, kind: str, max_columns: int):
    book = (_XlsxBook if kind == "xlsx" else _XlsBook)(path, max_columns)
    try:
        yield book
    finally:
        book.close()


# ------------------------------------------------------------------ tables --


@dataclasses.dataclass
class _Layout:
    header_rows: list[int]
    headers: list[str]
    title: list[str]
    first_column: int   # 1-based
    width: int


@dataclasses.dataclass
class SheetTable:
    sheet: str
    index: int
    header_row: int
    headers: list[str]
    title: list[str]
    footnotes: list[str]
    row_count: int | None
    header_rows: list[int] = dataclasses.field(default_factory=list)
    first_column: int = 1
    formulas_without_value: int = 0
    # (row, column) of the first FORMULAS_LISTED formulas saved without a value, as Excel numbers them.
    formula_cells_without_value: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    columns_cut: int = 0
    _path: str = dataclasses.field(default="", repr=False, compare=False)
    _kind: str = dataclasses.field(default="xlsx", repr=False, compare=False)
    _max_columns: int = dataclasses.field(default=DEFAULT_MAX_COLUMNS, repr=False, compare=False)

    def rows(self) -> Iterator[tuple[int, list[str | None]]]:
        """``(Excel row number, cells)`` of each data row; re-opens the file on each call."""
        with _open(self._path, self._kind, self._max_columns) as book:
            cut = [0]
            rows = (row for row in book.rows(self.sheet, cut) if row.number > self.header_row)
            yield from self._scan(rows, cut)

    def _scan(self, rows: Iterable[_Row], cut: list[int]) -> Iterator[tuple[int, list[str | None]]]:
        """Data rows of ``rows`` (those under the header); sets the counts and notes at the end."""
        first, width = self.first_column - 1, len(self.headers)
        held: list[_Row] = []      # rows that may be notes, until a data row or the end says
        blank_before_held = False
        blank_seen = False
        count, formulas, listed = 0, 0, []

        def data(row: _Row):
            nonlocal count, formulas
            cells = row.cells[first:]
            while len(cells) > width and cells[-1] is None:
                cells.pop()
            cells = cells + [None] * (width - len(cells))
            for column, kind in enumerate(row.kinds[first:], start=self.first_column):
                if kind == FORMULA:
                    formulas += 1
                    if len(listed) < FORMULAS_LISTED:
                        listed.append((row.number, column))
            count += 1
            return row.number, cells

        for row in rows:
            if row.blank and FORMULA not in row.kinds:
                blank_seen = True
                continue
            if _note_like(row) and len(held) < MAX_FOOTNOTE_ROWS:
                if not held:
                    blank_before_held = blank_seen
                held.append(row)
            else:
                for waiting in held:
                    yield data(waiting)
                held = []
                yield data(row)
            blank_seen = False
        if held and not blank_before_held and not any(_marked(row) for row in held):
            for waiting in held:
                yield data(waiting)
            held = []
        self.footnotes = [row.line() for row in held]
        self.row_count = count
        self.formulas_without_value = formulas
        self.formula_cells_without_value = listed
        self.columns_cut = cut[0]


def _marked(row: _Row) -> bool:
    first = next((cell for cell in row.cells if cell is not None), "")
    return first.lower().startswith(FOOTNOTE_MARKERS)


def _note_like(row: _Row) -> bool:
    if _marked(row):
        return True
    filled = row.filled
    return len(filled) == 1 and _is_text(row.cells[filled[0]], row.kinds[filled[0]])


def _widest(rows: list[_Row]) -> int:
    return max((len(row.filled) for row in rows), default=0)


def _header_pair(upper: _Row, lower: _Row) -> bool:
    """Whether ``lower`` is the sub-header row of the group row ``upper`` (see the module doc)."""
    lower_filled = lower.filled
    if len(lower_filled) < 2 or not all(_is_text(lower.cells[i], lower.kinds[i]) for i in lower_filled):
        return False
    up = lambda i: i < len(upper.cells) and upper.cells[i] is not None  # noqa: E731
    low = lambda i: i < len(lower.cells) and lower.cells[i] is not None  # noqa: E731
    upper_filled = upper.filled
    if len(upper_filled) < 2:
        return False
    # A group: a cell of the upper row with a sub-header under it, spanning the empty cells to its right.
    spans = []
    for i in upper_filled:
        end = i
        if low(i):
            while not up(end + 1) and low(end + 1):
                end += 1
        spans.append(end - i + 1)
    if not any(not up(i) and low(i) and any(up(j) for j in range(i)) for i in lower_filled):
        return False
    standing_alone = any(not low(i) for i in upper_filled)
    return standing_alone or sum(1 for span in spans if span >= 2) >= 2


def _joined_headers(rows: list[_Row], first: int, width: int) -> list[str]:
    clean = [[_SPACES.sub(" ", cell) if cell else "" for cell in row.cells[first:first + width]] for row in rows]
    for cells in clean:
        cells.extend([""] * (width - len(cells)))
    if len(clean) == 1:
        return clean[0]
    upper, lower = clean
    groups, current = [], ""
    for i in range(width):
        if upper[i]:
            current = upper[i] if lower[i] else ""
            groups.append(upper[i])
        elif lower[i] and current:
            groups.append(current)
        else:
            current = ""
            groups.append("")
    return [GROUP_JOIN.join(part for part in (group, sub) if part) for group, sub in zip(groups, lower)]


def _layout(head: list[_Row], max_columns: int) -> _Layout | None:
    """Find the header in the first rows of a sheet (the rule of the module doc)."""
    rows = [row for row in head if not row.blank]
    for position, row in enumerate(rows):
        if row.number > HEAD_ROWS:
            break
        header = [row]
        after = position + 1
        if after < len(rows) and rows[after].number == row.number + 1 and _header_pair(row, rows[after]):
            header.append(rows[after])
            after += 1
        columns = sorted({i for part in header for i in part.filled})
        if len(columns) < 2:
            continue
        wordy = sum(1 for part in header for i in part.filled if _is_wordy(part.cells[i], part.kinds[i]))
        if wordy * 2 <= sum(len(part.filled) for part in header):
            continue
        following = rows[after:after + FOLLOWING_ROWS]
        if len(columns) < HEADER_COVERAGE * _widest(following):
            continue
        body = [r for r in following if len(r.filled) >= 2]
        first = min([columns[0]] + [r.filled[0] for r in body])
        last = max([columns[-1]] + [r.filled[-1] for r in body])
        width = min(last - first + 1, max_columns)
        title = [r.line() for r in rows[:position]]
        return _Layout([part.number for part in header], _joined_headers(header, first, width), title, first + 1, width)
    return None


@dataclasses.dataclass
class SheetRow:
    """One row of a sheet read by position: Excel's row number, the cells as
    text (``cell_text``), and each cell's kind (``text``, ``number``, ``date``,
    ``bool``, ``error``, ``formula`` for a formula saved without a value)."""
    number: int
    cells: list[str | None]
    kinds: list[str | None]

    @property
    def blank(self) -> bool:
        return not any(cell is not None for cell in self.cells)


class OpenWorkbook:
    """A workbook opened for reading sheets by position (fixed layouts such as
    the national metadata workbook), with the same safety checks as
    ``read_workbook``. Use through :func:`open_workbook`."""

    def __init__(self, book):
        self._book = book
        self._sheets = list(book.sheets())

    def sheet_names(self, visible_only: bool = False) -> list[str]:
        """Sheet names in workbook order (chart sheets left out; hidden ones too with ``visible_only``)."""
        return [name for name, reason in self._sheets
                if reason != "chart" and not (visible_only and reason)]

    def rows(self, sheet: str) -> Iterator[SheetRow]:
        """Every row Excel stores for ``sheet`` (blank rows may be missing), in order."""
        cut = [0]
        for row in self._book.rows(sheet, cut):
            yield SheetRow(row.number, row.cells, row.kinds)

    def merged_ranges(self, sheet: str) -> list[str]:
        """The merged cells of ``sheet`` as Excel ranges (``A1:H1``), in the file's order."""
        return self._book.merged_ranges(sheet)


@contextlib.contextmanager
def open_workbook(
    path: str,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    max_columns: int = DEFAULT_MAX_COLUMNS,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> Iterator[OpenWorkbook]:
    """The workbook at ``path`` opened for reading by position.

    :raises WorkbookError: ``not-a-workbook``, ``encrypted``, ``zip-bomb``
    """
    kind = _sniff(path)
    if kind == "xlsx":
        _check_zip(path, max_uncompressed_bytes, max_ratio)
    with _open(path, kind, max_columns) as book:
        yield OpenWorkbook(book)


@dataclasses.dataclass
class Workbook:
    tables: list[SheetTable]
    skipped: list[dict]


def read_workbook(
    path: str,
    fmt: str = "xlsx",
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    max_columns: int = DEFAULT_MAX_COLUMNS,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> Workbook:
    """The tables of the workbook at ``path`` (see the module doc for the rules).

    :param fmt: ``xlsx`` or ``xls`` as the resource says; the file's first bytes decide
    :raises WorkbookError: ``not-a-workbook``, ``encrypted``, ``zip-bomb``, ``no-table``
    """
    kind = _sniff(path)
    if kind == "xlsx":
        _check_zip(path, max_uncompressed_bytes, max_ratio)
    tables: list[SheetTable] = []
    skipped: list[dict] = []
    with _open(path, kind, max_columns) as book:
        for index, (name, reason) in enumerate(list(book.sheets())):
            if reason:
                skipped.append({"sheet": name, "reason": reason, "note": ""})
                continue
            cut = [0]
            head: list[_Row] = []
            complete = True
            rows = book.rows(name, cut)
            try:
                for row in rows:
                    if row.number > LOOKAHEAD_ROWS:
                        complete = False
                        break
                    head.append(row)
            finally:
                close = getattr(rows, "close", None)
                if close:
                    close()
            if all(row.blank for row in head) and complete:
                skipped.append({"sheet": name, "reason": "empty", "note": ""})
                continue
            layout = _layout(head, max_columns)
            if layout is None:
                lines = [row.line() for row in head if not row.blank]
                skipped.append({"sheet": name, "reason": "no-table", "note": (lines[0] if lines else "")[:200]})
                continue
            table = SheetTable(
                sheet=name, index=index, header_row=layout.header_rows[-1], headers=layout.headers,
                title=layout.title, footnotes=[], row_count=None, header_rows=layout.header_rows,
                first_column=layout.first_column, _path=path, _kind=kind, _max_columns=max_columns)
            if complete:
                for _ in table._scan((row for row in head if row.number > table.header_row), cut):
                    pass
            tables.append(table)
    if not tables:
        raise _error("no-table", str(HEAD_ROWS))
    return Workbook(tables=tables, skipped=skipped)
