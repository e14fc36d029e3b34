"""Delimited text tables (CSV, TSV) as agencies save them.

``read_text_table`` looks at the start of a file only: its encoding (Thai
files come as UTF-8, UTF-8 with BOM or TIS-620/cp874), its delimiter (comma,
semicolon, tab or bar: the one that splits the first records into the same
number of cells), its line ending, the title lines an export from a
spreadsheet leaves above the header, and the header itself. The data is then
streamed by the loader, straight from the file into PostgreSQL's COPY.

Header rule (simpler than the workbooks' one in ``workbook.py``, since a text
export has no merged cells): leading blank records are skipped;
a record with a single non-empty cell, followed by records with more, is a
title line; the first record with at least two non-empty cells (or the only
cell of a one-column table) is the header. A header whose cells are all
numbers or dates is data: the file has no header and is refused.

Row numbers. ``rows`` numbers records by the text line they end on (what a
text editor shows); ``spreadsheet_rows`` numbers them as Excel shows the file
opened in it, one row per record however many lines its quoted cells span
(what an agency that keeps its table in Excel looks for).
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
from collections import Counter

from ckanext.provincial.tables import types
from ckanext.provincial.content_checks import encoding as encodings

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 256 * 1024
HEAD_RECORDS = 50


class TableFileError(Exception):
    """A file that cannot be read as a table; ``code`` names why (see loading.messages)."""

    def __init__(self, code: str, note: str = "", row: int | None = None, column: int | None = None):
        super().__init__(f"{code}: {note}" if note else code)
        self.code, self.note, self.row, self.column = code, note, row, column


@dataclasses.dataclass
class TextTable:
    encoding: str            # Python codec name
    delimiter: str
    newline: bytes           # b"\n" (also CRLF) or b"\r"
    headers: list[str]
    header_row: int          # line number of the header, as a text editor shows it
    title: list[str]
    data_offset: int         # byte offset of the first data line
    data_line: int           # its line number
    header_record: int = 0   # the header's row as a spreadsheet shows the file (one row per record)


def _records(text: str, delimiter: str, limit: int) -> list[tuple[int, list[str]]]:
    """The first records of ``text`` with the physical line each ends on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    found = []
    try:
        for record in reader:
            found.append((reader.line_num, record))
            if len(found) >= limit:
                break
    except csv.Error:
        pass
    return found


def _filled(record: list[str]) -> int:
    return sum(1 for cell in record if cell.strip())


def sniff_delimiter(text: str) -> str:
    """The delimiter that gives the first records one, largest, number of cells."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(r) for _, r in _records(text, delimiter, 30) if _filled(r) >= 2]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (count, width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def find_header(records: list[list[str | None]]) -> int | None:
    """Index of the header among the first records of a table (the module's rule)."""
    filled = [sum(1 for c in r if c is not None and str(c).strip()) for r in records]
    widest = max(filled, default=0)
    for index, count in enumerate(filled):
        if count == 0:
            continue
        if count >= 2 or widest <= 1:
            return index
    return None


def is_data_row(values: list[str]) -> bool:
    """Whether the non-empty ``values`` of a row under a table are data: two or
    more values, or one number or date. Otherwise (blank, or one word such as
    ``ที่มา: ...``) the row is a note if only notes follow it."""
    return len(values) >= 2 or (len(values) == 1 and types.infer(values) != types.TEXT)


def looks_like_data(record: list[str | None]) -> bool:
    values = [c for c in record if c is not None and str(c).strip()]
    return bool(values) and all(types.infer([v]) != types.TEXT for v in values)


def read_text_table(path: str, sample_bytes: int = SAMPLE_BYTES) -> TextTable:
    with open(path, "rb") as stream:
        sample = stream.read(sample_bytes)
    if not sample.strip():
        raise TableFileError("empty-file")
    if encodings.is_binary(sample):
        raise TableFileError("binary-file")
    detected = encodings.detect_encoding(sample)["encoding"]
    if detected not in ("utf-8", "utf-8-sig"):
        _refuse_mixed_utf8(path, sample)
    if not detected:
        raise TableFileError("encoding-error", "unknown character set")
    try:
        codecs.lookup(detected)
    except LookupError:
        raise TableFileError("encoding-error", detected)
    # The sample may end inside a character or a record: drop the last line.
    text = sample.decode(detected, errors="replace")
    if len(sample) == sample_bytes:
        text = text[: max(text.rfind("\n"), text.rfind("\r"))]
    if text.startswith("\ufeff"):
        text = text[1:]
    newline = b"\n" if b"\n" in sample else (b"\r" if b"\r" in sample else b"\n")
    delimiter = sniff_delimiter(text)
    head = _records(text, delimiter, HEAD_RECORDS)
    index = find_header([record for _, record in head])
    if index is None:
        raise TableFileError("empty-file")
    header_line, header = head[index]
    if looks_like_data(header):
        raise TableFileError("no-header", row=header_line)
    title = [" ".join(c.strip() for c in record if c.strip()) for _, record in head[:index] if _filled(record)]
    offset = _offset_after_lines(path, header_line, newline)
    return TextTable(encoding="utf-8" if detected == "utf-8-sig" else detected, delimiter=delimiter,
                     newline=newline, headers=[c.strip() for c in header], header_row=header_line, title=title,
                     data_offset=offset, data_line=header_line + 1, header_record=index + 1)


_UTF8_THAI = re.compile(rb"\xe0[\xb8\xb9][\x80-\xbf]")


def _refuse_mixed_utf8(path: str, sample: bytes) -> None:
    """A file that is UTF-8 in part and another encoding in part (rows pasted
    from two sources) would load as garbage either way: name its first bad line."""
    high = sum(1 for byte in sample if byte >= 0x80)
    if not high or len(_UTF8_THAI.findall(sample)) * 3 < high * 0.3:
        return
    with open(path, "rb") as stream:
        for number, line in enumerate(stream, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                raise TableFileError("encoding-error", "UTF-8 and another encoding mixed", row=number)


def _offset_after_lines(path: str, lines: int, newline: bytes) -> int:
    """Byte offset just after the first ``lines`` physical lines."""
    offset = 0
    with open(path, "rb") as stream:
        buffer = b""
        while lines > 0:
            chunk = stream.read(64 * 1024)
            if not chunk:
                return offset + len(buffer)
            buffer += chunk
            while lines > 0:
                at = buffer.find(newline)
                if at < 0:
                    break
                offset += at + 1
                buffer = buffer[at + 1:]
                lines -= 1
    return offset


def rows(path: str, table: TextTable):
    """(line number, cells) of each data record, decoded; for the careful path."""
    with open(path, "rb") as raw:
        raw.seek(table.data_offset)
        stream = io.TextIOWrapper(raw, encoding=table.encoding, errors="strict", newline="")
        reader = csv.reader(stream, delimiter=table.delimiter)
        line = table.data_line
        try:
            for record in reader:
                yield line, record
                line = table.data_line + reader.line_num
        except UnicodeDecodeError as exc:
            raise TableFileError("encoding-error", str(exc)[:200], row=line)
        except csv.Error as exc:
            raise TableFileError("source-error", str(exc)[:200], row=line)


def spreadsheet_rows(path: str, table: TextTable):
    """(row number as a spreadsheet shows the file, cells) of each data record."""
    number = table.header_record
    try:
        for _line, cells in rows(path, table):
            number += 1
            yield number, cells
    except TableFileError as exc:
        raise TableFileError(exc.code, exc.note, row=number + 1, column=exc.column) from exc


# How ``TableRows`` tells the notes under a table from its last rows.
TRAILING_NOTES = "trailing"   # the loader's: every blank or one-value row at the bottom
MARKED_NOTES = "marked"       # the workbook reader's (``workbook.py``), for files whose rows must not be lost


def _marked(values: list[str]) -> bool:
    from ckanext.provincial.tables.workbook import FOOTNOTE_MARKERS

    return bool(values) and values[0].lower().startswith(FOOTNOTE_MARKERS)


class TableRows:
    """The data rows of a text table as a spreadsheet export leaves them:
    blank rows left out, and the notes under the table kept apart in
    ``footnotes`` once the rows have been read to the end.

    Notes (``TRAILING_NOTES``, the loader's rule): from the bottom up, blank
    rows and rows of one value that is not a number or a date. With
    ``MARKED_NOTES``, the rule of ``workbook.py``: such rows, and rows whose
    first value starts with ที่มา, หมายเหตุ, Source, Note, ``*``..., are notes
    only when one of them is marked so or a blank row sets them apart from the
    table, and at most ``MAX_FOOTNOTE_ROWS`` of them; otherwise they are the
    table's last rows (a row an agency left half filled is then still read).

    Rows are numbered by text line, or with ``spreadsheet`` as Excel numbers them."""

    def __init__(self, path: str, table: TextTable, spreadsheet: bool = False, notes: str = TRAILING_NOTES):
        if notes not in (TRAILING_NOTES, MARKED_NOTES):
            raise ValueError(notes)
        self.path, self.table = path, table
        self.spreadsheet, self.notes = spreadsheet, notes
        self.footnotes: list[str] = []
        self.blank_rows = 0

    def _note_like(self, values: list[str], held_filled: int) -> bool:
        if self.notes == TRAILING_NOTES:
            return not is_data_row(values)
        from ckanext.provincial.tables.workbook import MAX_FOOTNOTE_ROWS

        return not values or ((not is_data_row(values) or _marked(values)) and held_filled < MAX_FOOTNOTE_ROWS)

    def _flush(self, held: list):
        for kept in held:
            if any(c.strip() for c in kept[1]):
                yield kept
            else:
                self.blank_rows += 1

    def __iter__(self):
        held: list[tuple[int, list[str]]] = []  # rows that are notes if nothing follows
        held_filled = 0                          # those of them that are not blank
        numbered = spreadsheet_rows if self.spreadsheet else rows
        for line, cells in numbered(self.path, self.table):
            values = [c.strip() for c in cells if c and c.strip()]
            if self._note_like(values, held_filled):
                held.append((line, cells))
                held_filled += bool(values)
                continue
            yield from self._flush(held)
            held, held_filled = [], 0
            yield line, cells
        if self.notes == MARKED_NOTES and held_filled:
            filled = [[c.strip() for c in cells if c and c.strip()] for _, cells in held]
            set_apart = not filled[0]
            if not set_apart and not any(_marked(values) for values in filled):
                yield from self._flush(held)
                held = []
        self.footnotes = [" ".join(c.strip() for c in cells if c.strip()) for _, cells in held
                          if any(c.strip() for c in cells)]
