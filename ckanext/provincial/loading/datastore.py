"""Load one table file into a resource's DataStore table.

Why not ckanext-xloader: xloader names columns after the raw headers
(PostgreSQL cuts them at 63 bytes, so long Thai headers lose their end and two
long headers collide), stores every column as text, reads spreadsheets
without finding their header row, fetches uploads back over HTTP, and then
rewrites every row to build the full-text column and one index per text
column. Here:

1. the file is read where CKAN stored it and streamed by ``COPY`` into an
   unlogged staging table of text columns (``c1`` ... ``cN``), straight from
   the file for delimited text, through Python for workbooks and for text
   files with short rows;
2. blank rows and the footnotes under the table are taken out;
3. PostgreSQL decides each column's type over the whole column
   (``tables.types``), or checks the type the publisher chose in the Data
   Dictionary (``info.type_override``);
4. the DataStore table is made through ``datastore_create`` (safe column ids
   from ``tables.headers``, the full headers as ``info.label``), its indexes
   are set aside, and one ``INSERT ... SELECT`` writes every row once, typed
   and with its full-text vector; the indexes are then built once.

A reload keeps the previous table until the new one is complete: the old
table is renamed aside and comes back if anything fails.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import logging
import re
import time
import uuid
from typing import Any, Iterable, Iterator

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.tables import headers as header_rules
from ckanext.provincial.tables import text as text_tables
from ckanext.provincial.tables import types
from ckanext.provincial.tables.text import TableFileError

log = logging.getLogger(__name__)

TEXT_FORMATS = ("csv", "tsv")
WORKBOOK_FORMATS = ("xlsx", "xls")
LOADED_FORMATS = TEXT_FORMATS + WORKBOOK_FORMATS
# PostgreSQL's own limit is 1,600 columns a table.
DEFAULT_MAX_COLUMNS = 1000
# Python codec -> PostgreSQL client encoding, for COPY straight from the file.
PG_ENCODINGS = {"utf-8": "UTF8", "ascii": "UTF8", "cp874": "WIN874", "tis-620": "WIN874",
                "windows-874": "WIN874", "windows-1252": "WIN1252", "iso-8859-1": "LATIN1",
                "latin-1": "LATIN1"}
FOOTNOTE_SCAN = 30


class LoadError(Exception):
    """A file that cannot be loaded, with what names the place: ``code``
    (``loading.messages``), ``row`` as the file or sheet shows it, ``column``
    (1-based), ``field`` (the header), ``cell`` and ``note``."""

    def __init__(self, code: str, note: str = "", row: int | None = None, column: int | None = None,
                 field: str | None = None, cell: str | None = None):
        super().__init__(f"{code}: {note}" if note else code)
        self.code, self.note, self.row, self.column, self.field, self.cell = code, note, row, column, field, cell

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "note": self.note[:300], "row": self.row, "column": self.column,
                "field": self.field, "cell": None if self.cell is None else str(self.cell)[:200]}


@dataclasses.dataclass
class Source:
    """A table found in a file: its headers and where its rows come from."""
    path: str
    headers: list[str]
    header_row: int
    title: list[str]
    footnotes: list[str]
    text: text_tables.TextTable | None = None      # streamed by COPY from the file
    rows: Any = None                                # or (line, cells) pairs through Python
    sheet: str | None = None
    sheets_left_out: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    formulas_without_value: int = 0


def open_source(path: str, fmt: str, max_bytes: int = 0) -> Source:
    fmt = (fmt or "").lower()
    try:
        if fmt in WORKBOOK_FORMATS:
            return _workbook_source(path, fmt, max_bytes)
        table = text_tables.read_text_table(path)
    except TableFileError as exc:
        raise LoadError(exc.code, exc.note, row=exc.row, column=exc.column) from exc
    return Source(path=path, headers=table.headers, header_row=table.header_row, title=table.title, footnotes=[],
                  text=table)


def _workbook_source(path: str, fmt: str, max_bytes: int) -> Source:
    from ckanext.provincial.tables import workbook

    options = {"max_uncompressed_bytes": max_bytes} if max_bytes else {}
    try:
        book = workbook.read_workbook(path, fmt, **options)
    except workbook.WorkbookError as exc:
        raise LoadError(exc.code, getattr(exc, "message", "") or str(exc)) from exc
    if not book.tables:
        raise LoadError("no-table", "; ".join(f"{s.get('sheet')}: {s.get('reason')}" for s in book.skipped))
    table = book.tables[0]
    left_out = list(book.skipped) + [
        {"sheet": other.sheet, "reason": "another-table"} for other in book.tables[1:]]
    return Source(path=path, headers=table.headers, header_row=table.header_row, title=list(table.title),
                  footnotes=list(table.footnotes), rows=table.rows, sheet=table.sheet, sheets_left_out=left_out,
                  formulas_without_value=_count(getattr(table, "formulas_without_value", 0)))


def _count(value: Any) -> int:
    return value if isinstance(value, int) else len(value or [])


# -------------------------------------------------------------- SQL --

def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_connection():
    """A raw psycopg2 connection to the DataStore's write database (for COPY)."""
    from ckanext.datastore.backend.postgres import get_write_engine  # the DataStore's own engine

    return get_write_engine().raw_connection()


class _RowStream(io.RawIOBase):
    """CSV bytes for COPY made from (line, cells) rows: short rows padded,
    extra cells allowed only when empty, each row led by its line number."""

    def __init__(self, rows: Iterable[tuple[int, list[Any]]], width: int, headers: list[str]):
        self._rows: Iterator = iter(rows)
        self._width, self._headers = width, headers
        self._buffer = b""
        self.error: LoadError | None = None
        self._text = io.StringIO()
        self._writer = csv.writer(self._text, lineterminator="\n")

    def readable(self) -> bool:
        return True

    def _row(self, line: int, cells: list[Any]) -> list[Any]:
        if len(cells) > self._width:
            for position, cell in enumerate(cells[self._width:], start=self._width + 1):
                if cell is not None and str(cell).strip():
                    raise LoadError("extra-cell", row=line, column=position, cell=str(cell))
            cells = cells[: self._width]
        for position, cell in enumerate(cells, start=1):
            if isinstance(cell, str) and "\x00" in cell:
                raise LoadError("nul-byte", row=line, column=position, field=self._headers[position - 1])
        return [line] + [None if c is None else c for c in cells] + [None] * (self._width - len(cells))

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                line, cells = next(self._rows)
                row = self._row(line, list(cells))
            except StopIteration:
                break
            except TableFileError as exc:
                self.error = LoadError(exc.code, exc.note, row=exc.row)
                raise self.error from exc
            except LoadError as exc:
                # psycopg2 reports a failed read() as its own error; keep ours.
                self.error = exc
                raise
            # An empty cell is an unquoted empty field: NULL in the staging table.
            self._writer.writerow(["" if c is None else c for c in row])
            self._buffer += self._text.getvalue().encode("utf-8")
            self._text.seek(0)
            self._text.truncate()
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def _copy_rows(cursor, staging: str, width: int, rows, headers: list[str]) -> None:
    columns = ", ".join(["_row"] + [f"c{i}" for i in range(1, width + 1)])
    stream = _RowStream(rows, width, headers)
    try:
        cursor.copy_expert(f"COPY {identifier(staging)} ({columns}) FROM STDIN WITH (FORMAT csv)", stream)
    except Exception:
        if stream.error is not None:
            raise stream.error
        raise


_LINE = re.compile(r"line (\d+)")


def _copy_error(exc: Exception, first_line: int) -> tuple[str, int | None]:
    """Our code and the file's line for a COPY failure."""
    message = str(getattr(exc, "pgerror", None) or exc)
    context = getattr(getattr(exc, "diag", None), "context", None) or message
    found = _LINE.search(context)
    line = first_line + int(found.group(1)) - 1 if found else None
    if "0x00" in message:
        return "nul-byte", line
    if "invalid byte sequence" in message or "has no equivalent" in message:
        return "encoding-error", line
    if "extra data after last expected column" in message:
        return "extra-data", line
    if "missing data for column" in message or "carriage return" in message or "new-line" in message:
        return "short-row", line
    if "unterminated CSV quoted field" in message:
        return "unterminated-quote", line
    return "source-error", line


def stage(connection, source: Source, staging: str, width: int) -> int:
    """Copy the source's rows into the staging table; the offset from ``_row`` to the file's row."""
    cursor = connection.cursor()
    table = source.text
    if table is not None and table.encoding in PG_ENCODINGS and table.newline == b"\n":
        columns = ", ".join(f"c{i}" for i in range(1, width + 1))
        options = (f"FORMAT csv, DELIMITER {types.literal(table.delimiter)}, "
                   f"ENCODING {types.literal(PG_ENCODINGS[table.encoding])}")
        try:
            with open(source.path, "rb") as raw:
                raw.seek(table.data_offset)
                cursor.copy_expert(f"COPY {identifier(staging)} ({columns}) FROM STDIN WITH ({options})", raw)
            connection.commit()
            return table.data_line - 1
        except Exception as exc:  # noqa: BLE001 - sorted below, the careful path decides
            connection.rollback()
            code, line = _copy_error(exc, table.data_line)
            if code in ("nul-byte", "encoding-error", "unterminated-quote"):
                raise LoadError(code, str(exc).splitlines()[0][:200], row=line) from exc
            log.info("COPY straight from the file stopped (%s at line %s); reading it row by row", code, line)
    if table is not None:
        rows = text_tables.rows(source.path, table)
    else:
        rows = source.rows()
    try:
        _copy_rows(cursor, staging, width, rows, source.headers)
    except LoadError:
        connection.rollback()
        raise
    except Exception as exc:
        connection.rollback()
        code, line = _copy_error(exc, 1)
        raise LoadError(code, str(exc).splitlines()[0][:200]) from exc
    connection.commit()
    return 0


def _nonempty(cells: list[Any]) -> list[str]:
    return [str(c).strip() for c in cells if c is not None and str(c).strip()]


def take_out_footnotes(cursor, staging: str, width: int) -> list[str]:
    """Delete the rows under the table that are notes, not data; their text.

    From the bottom up, rows that are blank or hold a single non-empty cell
    that is not a number (``ที่มา: ...``, ``หมายเหตุ ...``, ``* ...``) are
    footnotes, up to the first row with two or more values. A one-column
    table has no footnotes by this rule.
    """
    if width < 2:
        return []
    columns = ", ".join(f"c{i}" for i in range(1, width + 1))
    cursor.execute(f"SELECT _row, {columns} FROM {identifier(staging)} ORDER BY _row DESC LIMIT {FOOTNOTE_SCAN}")
    notes, first_note = [], None
    for record in cursor.fetchall():
        values = _nonempty(list(record[1:]))
        if text_tables.is_data_row(values):
            break
        if values:
            notes.append(values[0])
        first_note = record[0]
    if first_note is not None:
        cursor.execute(f"DELETE FROM {identifier(staging)} WHERE _row >= %s", (first_note,))
    return list(reversed(notes))


def take_out_blank_rows(cursor, staging: str, width: int) -> int:
    cells = "ARRAY[" + ", ".join(f"c{i}" for i in range(1, width + 1)) + "]::text[]"
    cursor.execute(f"DELETE FROM {identifier(staging)} WHERE btrim(array_to_string({cells}, '')) = ''")
    return cursor.rowcount


def _misfit_sql(staging: str, position: int, type_name: str, first: bool = False) -> str:
    """SQL for a staged row whose value in column ``position`` does not fit the type.

    Without ``first`` the scan stops at the first such row it meets, so a
    text column is decided at once and only a typed column is read whole.
    """
    n = types.normalised_sql(f"s.c{position}")
    parts = types.parts_sql("v.n", type_name)
    lateral = f", LATERAL ({parts}) p" if parts else ""
    fits = types.fits_sql("v.n", type_name)
    return (f"SELECT s._row, s.c{position} FROM {identifier(staging)} s, LATERAL (SELECT {n} AS n OFFSET 0) v{lateral} "
            f"WHERE NOT ({types.empty_sql('v.n')} OR {fits}){' ORDER BY s._row' if first else ''} LIMIT 1")


def decide_types(cursor, staging: str, width: int, overrides: dict[int, str], offset: int,
                 headers: list[str]) -> list[str]:
    """Each column's type: the publisher's override (checked on every value) or
    the first type of ``types.INFERRED`` that every value fits."""
    chosen = []
    for position in range(1, width + 1):
        if position in overrides:
            wanted = overrides[position]
            if wanted != types.TEXT:
                cursor.execute(_misfit_sql(staging, position, wanted, first=True))
                misfit = cursor.fetchone()
                if misfit:
                    raise LoadError("type-override", note=wanted, row=misfit[0] + offset, column=position,
                                    field=headers[position - 1], cell=misfit[1])
            chosen.append(wanted)
            continue
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {identifier(staging)} WHERE btrim(c{position}) <> '')")
        decided = types.TEXT
        if cursor.fetchone()[0]:  # a column with no value at all stays text
            for name in types.INFERRED:
                cursor.execute(_misfit_sql(staging, position, name))
                if cursor.fetchone() is None:
                    decided = name
                    break
        chosen.append(decided)
    return chosen


def existing_fields(resource_id: str) -> dict[str, dict[str, Any]]:
    """The current DataStore columns of a resource by id (their Data Dictionary info)."""
    try:
        found = toolkit.get_action("datastore_search")(
            {"ignore_auth": True}, {"resource_id": resource_id, "limit": 0, "include_total": False})
    except (toolkit.ObjectNotFound, toolkit.ValidationError):
        return {}
    return {field["id"]: field for field in found.get("fields") or [] if not field["id"].startswith("_")}


def overrides_from(previous: dict[str, dict[str, Any]], ids: list[str]) -> dict[int, str]:
    """Types a publisher set in the Data Dictionary (``info.type_override``), by position."""
    chosen = {}
    for position, column in enumerate(ids, start=1):
        info = (previous.get(column) or {}).get("info") or {}
        override = types.canonical(info.get("type_override"))
        if override in types.OVERRIDES:
            chosen[position] = override
    return chosen


def _table_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (identifier(name),))
    return bool(cursor.fetchone()[0])


def _dependents(cursor, table: str) -> list[tuple[str, str]]:
    """(kind, name) of the indexes and owned sequences of a table: their names
    are derived from the table's, so they must move aside with it."""
    cursor.execute(
        "SELECT 'INDEX', c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass UNION ALL "
        "SELECT 'SEQUENCE', c.relname FROM pg_depend d JOIN pg_class c ON c.oid = d.objid "
        "WHERE d.refobjid = %s::regclass AND c.relkind = 'S'", (identifier(table), identifier(table)))
    return list(cursor.fetchall())


def _move(cursor, table: str, new_name: str, dependents: list[tuple[str, str, str]]) -> None:
    cursor.execute(f"ALTER TABLE {identifier(table)} RENAME TO {identifier(new_name)}")
    for kind, old, new in dependents:
        cursor.execute(f"ALTER {kind} {identifier(old)} RENAME TO {identifier(new)}")


def replace_table(connection, resource_id: str, staging: str, fields: list[dict[str, Any]], offset: int) -> None:
    """Make the resource's DataStore table from the staged rows (the previous one kept on failure)."""
    cursor = connection.cursor()
    aside, moved = None, []
    if _table_exists(cursor, resource_id):
        aside = f"_provincial_prev_{uuid.uuid4().hex[:16]}"
        moved = [(kind, name, f"{aside}_{k}") for k, (kind, name) in enumerate(_dependents(cursor, resource_id))]
        _move(cursor, resource_id, aside, moved)
        connection.commit()
    created = False
    try:
        toolkit.get_action("datastore_create")(
            {"ignore_auth": True}, {"resource_id": resource_id, "fields": fields, "force": True})
        created = True
        fill_table(connection, resource_id, staging, fields)
    except Exception:
        connection.rollback()
        if created:
            cursor.execute(f"DROP TABLE IF EXISTS {identifier(resource_id)} CASCADE")
        if aside:
            _move(cursor, aside, resource_id, [(kind, new, old) for kind, old, new in moved])
        connection.commit()
        raise
    if aside:
        cursor.execute(f"DROP TABLE IF EXISTS {identifier(aside)} CASCADE")
        connection.commit()


def _timed(cursor, what: str, sql: str) -> None:
    started = time.monotonic()
    cursor.execute(sql)
    log.debug("load step %s: %.3f s", what, time.monotonic() - started)


def fill_table(connection, resource_id: str, staging: str, fields: list[dict[str, Any]]) -> None:
    """One INSERT of every staged row, typed and with its full-text vector;
    the table's indexes are built once afterwards."""
    cursor = connection.cursor()
    table = identifier(resource_id)
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s "
                   "AND indexname NOT IN (SELECT conname FROM pg_constraint)", (resource_id,))
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {identifier(name)}")
    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER zfulltext")
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    targets, values, normalised, laterals = [], [], [], []
    for i, field in enumerate(fields, start=1):
        targets.append(identifier(field["id"]))
        if field["type"] == types.TEXT:
            values.append(f"s.c{i}")
            continue
        normalised.append(f"{types.normalised_sql(f's.c{i}')} AS n{i}")
        parts = types.parts_sql(f"v.n{i}", field["type"])
        if parts:
            laterals.append(f"LATERAL ({parts}) p{i}")
        values.append(types.cast_sql(f"v.n{i}", field["type"], f"p{i}"))
    source = f"{identifier(staging)} s"
    if normalised:
        # OFFSET 0: planned as its own step, so each value is normalised once.
        source += f", LATERAL (SELECT {', '.join(normalised)} OFFSET 0) v"
    source += "".join(f", {lateral}" for lateral in laterals)
    language = toolkit.config.get("ckan.datastore.default_fts_lang") or "english"
    cells = "ARRAY[" + ", ".join(f"s.c{i}" for i in range(1, len(fields) + 1)) + "]::text[]"
    _timed(cursor, "insert",
        f"INSERT INTO {table} ({', '.join(targets)}, _full_text) "
        f"SELECT {', '.join(values)}, to_tsvector({types.literal(language)}, array_to_string({cells}, ' ')) "
        f"FROM {source} ORDER BY s._row")
    for name, definition in indexes:
        _timed(cursor, f"index {name}", definition)
    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER zfulltext")
    connection.commit()
    # Row estimates for datastore_search's totals (what xloader's record count did).
    old_isolation = connection.isolation_level
    connection.set_isolation_level(0)
    try:
        cursor.execute(f"ANALYZE {table}")
    finally:
        connection.set_isolation_level(old_isolation)


def load_table(resource_id: str, path: str, fmt: str, max_columns: int = DEFAULT_MAX_COLUMNS,
               max_bytes: int = 0) -> dict[str, Any]:
    """Load the table in ``path`` into the resource's DataStore table; what was loaded.

    Raises ``LoadError`` for a file that cannot be loaded; the resource's
    previous table, if any, is then left as it was.
    """
    started = time.monotonic()
    source = open_source(path, fmt, max_bytes=max_bytes)
    width = len(source.headers)
    if width > max_columns:
        raise LoadError("too-many-columns", note=str(max_columns), cell=str(width))
    ids = header_rules.column_ids(source.headers)
    labels = [header_rules.label(h, i) for i, h in enumerate(source.headers, start=1)]
    previous = existing_fields(resource_id)
    staging = f"_provincial_load_{uuid.uuid4().hex[:16]}"
    connection = write_connection()
    try:
        cursor = connection.cursor()
        columns = ", ".join(f"c{i} text" for i in range(1, width + 1))
        cursor.execute(f"CREATE UNLOGGED TABLE {identifier(staging)} (_row bigserial, {columns})")
        connection.commit()
        step = time.monotonic()
        offset = stage(connection, source, staging, width)
        footnotes = take_out_footnotes(cursor, staging, width)
        blank = take_out_blank_rows(cursor, staging, width)
        connection.commit()
        cursor.execute(f"SELECT count(*) FROM {identifier(staging)}")
        count = cursor.fetchone()[0]
        if not count:
            raise LoadError("no-rows")
        log.debug("load step staging: %.3f s", time.monotonic() - step)
        step = time.monotonic()
        chosen = decide_types(cursor, staging, width, overrides_from(previous, ids), offset, source.headers)
        connection.commit()
        log.debug("load step types: %.3f s", time.monotonic() - step)
        fields = []
        for column, label, type_name in zip(ids, labels, chosen):
            info = dict((previous.get(column) or {}).get("info") or {})
            info["label"] = label
            fields.append({"id": column, "type": type_name, "info": info})
        replace_table(connection, resource_id, staging, fields, offset)
    finally:
        try:
            connection.rollback()
            connection.cursor().execute(f"DROP TABLE IF EXISTS {identifier(staging)}")
            connection.commit()
        finally:
            connection.close()
    return {
        "rows": count,
        "columns": [{"id": f["id"], "label": f["info"]["label"], "type": f["type"]} for f in fields],
        "header_row": source.header_row,
        "title": source.title,
        "footnotes": (source.footnotes or []) + footnotes,
        "blank_rows": blank,
        "sheet": source.sheet,
        "sheets_left_out": source.sheets_left_out,
        "formulas_without_value": source.formulas_without_value,
        "seconds": round(time.monotonic() - started, 3),
    }
