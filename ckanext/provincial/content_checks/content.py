"""Check a table file with the Frictionless framework and report in our terms.

``check_table(path, fmt)`` returns a plain dict (JSON-serialisable) that the
background job stores and the resource page shows:

    {"status": "success" | "failure" | "error",
     "format": "csv", "encoding": "cp874", "schema_source": "inferred",
     "rows_checked": 120, "row_limit_reached": False,
     "error_count": 2, "errors_by_code": {"missing-cell": 2},
     "errors": [{"code": "missing-cell", "row": 3, "column": 2,
                 "field": "amount", "cell": "", "note": ""}, ...]}

GeoJSON files go through ``check_file`` to ``geojson.check_geojson``, which
returns the same report (a feature's number as the row).

``failure`` means the table was read and has errors; ``error`` means the file
could not be read as a table at all (empty, binary, malformed, too large).
Rows and columns are counted as a spreadsheet shows them: the header is row 1.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Iterable

import attrs

from ckanext.provincial.content_checks import encoding as encodings
from ckanext.provincial.content_checks.geojson import check_geojson
from ckanext.provincial.content_checks.report import (  # noqa: F401 (part of this module's interface)
    DEFAULT_MAX_BYTES, DEFAULT_MAX_ERRORS, DEFAULT_MAX_ROWS, ERROR, FAILURE, FILE_ERRORS, SUCCESS,
    file_error_report, findings_report,
)

TEXT_FORMATS = ("csv", "tsv")
WORKBOOK_FORMATS = ("xlsx", "xls")
TABLE_FORMATS = TEXT_FORMATS + WORKBOOK_FORMATS
# Checked for structure by ``content_checks/geojson.py``, reported the same way.
GEO_FORMATS = ("geojson",)
CHECKED_FORMATS = TABLE_FORMATS + GEO_FORMATS

# A cell a spreadsheet would run as a formula ("CSV injection"). Signed
# numbers, phone numbers and dates are data, not formulas.
_FORMULA_START = ("=", "+", "-", "@")
_SIGNED_DATA = re.compile(r"^[+-][\d\s().,:/-]*$")


def normalise_format(fmt: str | None, path: str = "") -> str:
    """``CSV``, ``text/csv``, ``.xlsx``, ``GeoJSON`` ... → ``csv``/``xlsx``/``geojson``/...; ``""`` if unknown."""
    value = (fmt or "").strip().lower().lstrip(".")
    aliases = {
        "text/csv": "csv", "application/csv": "csv", "text/tab-separated-values": "tsv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
        "application/vnd.ms-excel": "xls", "excel": "xlsx",
        "application/geo+json": "geojson", "application/vnd.geo+json": "geojson",
    }
    value = aliases.get(value, value)
    if value in CHECKED_FORMATS:
        return value
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    return extension if extension in CHECKED_FORMATS else ""


def is_formula(cell: Any) -> bool:
    if not isinstance(cell, str) or len(cell) < 2 or not cell.startswith(_FORMULA_START):
        return False
    return not _SIGNED_DATA.match(cell)


def parse_schema(declared: Any) -> dict[str, Any] | None:
    """A resource's declared Table Schema: a dict, a JSON string, or empty."""
    if declared in (None, "", {}):
        return None
    if isinstance(declared, str):
        declared = json.loads(declared)
    if not isinstance(declared, dict):
        raise ValueError("a Table Schema is a JSON object")
    return declared


def _formula_check_class():
    from frictionless import Check, errors

    @attrs.define(kw_only=True, repr=False)
    class FormulaCellError(errors.CellError):
        type = "formula-cell"
        title = "Formula Cell"
        description = "A cell starts like a spreadsheet formula."
        template = 'Row "{rowNumber}" field "{fieldName}" starts like a formula: {note}'

    @attrs.define(kw_only=True, repr=False)
    class formula_cell(Check):
        type = "formula-cell"
        Errors = [FormulaCellError]

        def validate_row(self, row) -> Iterable[Any]:
            for name, cell in zip(row.field_names, row.cells):
                if is_formula(cell):
                    yield FormulaCellError.from_row(row, note=str(cell)[:100], field_name=name)

    return formula_cell


def _summarise(task, fmt: str, detected: str | None, schema_source: str, max_rows: int) -> dict[str, Any]:
    found = []
    for error in task.errors:
        item = error.to_descriptor()
        found.append({
            "code": item.get("type"),
            "row": item.get("rowNumber"),
            "column": item.get("fieldNumber"),
            "field": item.get("fieldName") or None,
            "cell": None if item.get("cell") is None else str(item.get("cell"))[:200],
            "note": str(item.get("note") or "")[:300],
        })
    rows = int(task.stats.get("rows") or 0)
    return findings_report(found, format=fmt, encoding=detected, schema_source=schema_source,
                           rows_checked=rows, row_limit_reached=bool(max_rows) and rows >= max_rows)


def check_table(
    path: str,
    fmt: str | None = None,
    schema: Any = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_errors: int = DEFAULT_MAX_ERRORS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """Check the table at ``path`` and return a report (see the module doc).

    :param fmt: the resource's format (``CSV``, ``xlsx``...); guessed from the
        file name when empty
    :param schema: the resource's declared Table Schema (dict or JSON string);
        without one, types are inferred from the data
    :param max_rows: check at most this many rows (0: all); the report says
        when the limit was reached
    :param max_errors: stop after this many errors
    :param max_bytes: larger files are not checked (status ``error``)
    """
    from frictionless import Checklist, Resource, Schema
    from frictionless.exception import FrictionlessException

    fmt = normalise_format(fmt, path)
    base = {"format": fmt, "encoding": None, "schema_source": "inferred"}
    size = os.path.getsize(path)
    if size > max_bytes > 0:
        return file_error_report("too-large", f"{size} > {max_bytes}", **base)
    sample = encodings.read_sample(path, 64 * 1024)
    if not sample.strip():
        return file_error_report("empty-file", **base)
    if fmt in TEXT_FORMATS:
        if encodings.is_binary(sample):
            return file_error_report("binary-file", **base)
        base["encoding"] = encodings.detect_file_encoding(path)["encoding"]

    try:
        declared = parse_schema(schema)
        if declared is not None:
            declared = Schema.from_descriptor(declared)
            base["schema_source"] = "declared"
    except (ValueError, FrictionlessException) as exc:
        return file_error_report("schema-error", str(exc)[:300], **base)

    if fmt in WORKBOOK_FORMATS:
        return _check_workbook(path, fmt, declared, max_rows, max_errors, base)
    exported = _exported_sheet(path)
    if exported is not None:
        return _check_exported_sheet(path, exported, declared, max_rows, max_errors, base)

    options: dict[str, Any] = {"basepath": os.path.dirname(os.path.abspath(path))}
    if fmt:
        options["format"] = fmt
    if base["encoding"]:
        options["encoding"] = base["encoding"]
    if declared is not None:
        options["schema"] = declared
    try:
        resource = Resource(os.path.basename(path), **options)
        report = resource.validate(
            Checklist(checks=[_formula_check_class()()]),
            limit_errors=max_errors or None,
            limit_rows=max_rows or None,
        )
    except FrictionlessException as exc:
        return file_error_report("source-error", str(exc)[:300], **base)
    if not report.tasks:
        note = "; ".join(str(e.note) for e in report.errors)[:300]
        return file_error_report("source-error", note, **base)
    return _summarise(report.tasks[0], fmt, base["encoding"], base["schema_source"], max_rows)


# A workbook that cannot be read, as a code of the report (each has a sentence in both languages).
_WORKBOOK_ERROR_CODES = {"zip-bomb": "too-large", "no-table": "source-error"}


def _check_workbook(path: str, fmt: str, declared: Any, max_rows: int, max_errors: int,
                    base: dict[str, Any]) -> dict[str, Any]:
    """Check the table found on a workbook's first table sheet, under its title and above its notes.

    Frictionless gets the detected header and the data rows as text (as the
    DataStore loader reads them); rows and columns of the report are Excel's.
    """
    from ckanext.provincial.tables.workbook import WorkbookError, read_workbook

    try:
        book = read_workbook(path, fmt)
    except WorkbookError as exc:
        return file_error_report(_WORKBOOK_ERROR_CODES.get(exc.code, "format-error"), exc.message, **base)
    table = book.tables[0]
    result, numbers = _check_found_table(table.headers, table.rows, declared, max_rows, max_errors,
                                         dict(base, encoding=None), expected=(WorkbookError,))
    if numbers is None:
        return result
    for error in result["errors"]:
        if error["column"] is not None:
            error["column"] += table.first_column - 1
    result["workbook"] = {
        "sheet": table.sheet,
        "header_row": table.header_row,
        "header_rows": table.header_rows,
        "first_column": table.first_column,
        "title": table.title,
        "footnotes": table.footnotes,
        "formulas_without_value": table.formulas_without_value,
        "formula_cells_without_value": [list(place) for place in table.formula_cells_without_value[:20]],
        # Other sheets holding a table: the DataStore and this check take the first one.
        "other_tables": [{"sheet": other.sheet, "header_row": other.header_row} for other in book.tables[1:]],
        "skipped": book.skipped,
    }
    return result


def _check_found_table(headers: list[str], open_rows, declared: Any, max_rows: int, max_errors: int,
                       base: dict[str, Any], expected: tuple = ()) -> tuple[dict[str, Any], Any]:
    """Check a table found inside a file (under its title, without its notes):
    Frictionless gets the header and the ``(row number, cells)`` rows that
    ``open_rows()`` gives (it may read them more than once) as inline data; the
    report's rows are the file's own. Returns (report, numbers or None)."""
    from array import array

    from frictionless import Checklist, Resource
    from frictionless.exception import FrictionlessException

    numbers = array("q")  # the file's row of each row Frictionless numbers 2, 3, ...
    opened = []

    def data():
        numbers[:] = array("q")
        yield headers
        rows = open_rows()
        opened.append(rows)
        for number, cells in rows:
            numbers.append(number)
            yield cells

    options: dict[str, Any] = {"schema": declared} if declared is not None else {}
    try:
        report = Resource(data=data, **options).validate(
            Checklist(checks=[_formula_check_class()()]),
            limit_errors=max_errors or None, limit_rows=max_rows or None)
    except (FrictionlessException,) + tuple(expected) as exc:
        return file_error_report("source-error", str(exc)[:300], **base), None
    finally:
        for rows in opened:
            getattr(rows, "close", lambda: None)()
    if not report.tasks:
        return file_error_report("source-error", "; ".join(str(e.note) for e in report.errors)[:300], **base), None
    result = _summarise(report.tasks[0], base["format"], base["encoding"], base["schema_source"], max_rows)
    for error in result["errors"]:
        if error["row"] is not None:
            error["row"] = numbers[error["row"] - 2] if 2 <= error["row"] < len(numbers) + 2 else None
    return result, numbers


def _exported_sheet(path: str):
    """A text table with a title above its header (a sheet saved as CSV), or None."""
    from ckanext.provincial.tables.text import TableFileError, read_text_table

    try:
        table = read_text_table(path)
    except TableFileError:
        return None  # Frictionless reports it in its own words
    return table if table.title else None


def _check_exported_sheet(path: str, table, declared: Any, max_rows: int, max_errors: int,
                          base: dict[str, Any]) -> dict[str, Any]:
    """Check a sheet saved as text as a workbook is checked: the table under its
    title, without its blank rows and the notes under it; rows are the file's lines."""
    from ckanext.provincial.tables.text import TableFileError, TableRows

    rows = TableRows(path, table)
    result, numbers = _check_found_table(table.headers, lambda: iter(rows), declared, max_rows, max_errors, base,
                                         expected=(TableFileError,))
    if numbers is None:
        return result
    result["workbook"] = {"sheet": None, "header_row": table.header_row, "header_rows": [table.header_row],
                          "first_column": 1, "title": table.title, "footnotes": rows.footnotes,
                          "formulas_without_value": 0, "formula_cells_without_value": [],
                          "other_tables": [], "skipped": []}
    return result


def check_file(
    path: str,
    fmt: str | None = None,
    schema: Any = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_errors: int = DEFAULT_MAX_ERRORS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """Check a resource's file by its format: GeoJSON for structure, the rest as a table."""
    if normalise_format(fmt, path) in GEO_FORMATS:
        return check_geojson(path, max_errors=max_errors, max_bytes=max_bytes)
    return check_table(path, fmt, schema=schema, max_rows=max_rows, max_errors=max_errors, max_bytes=max_bytes)


# Worst first: a dataset shows the worst status of its resources.
SEVERITY = (ERROR, FAILURE, "pending", SUCCESS)


def worst_status(statuses) -> str | None:
    found = [status for status in statuses if status in SEVERITY]
    return min(found, key=SEVERITY.index) if found else None
