"""Downloads of DataStore tables with the headers people read (``/datastore/dump/<resource id>``).

The portal's loader names each column by a safe id (``ปี พศ_1``, a long Thai
header cut to fit PostgreSQL's 63 bytes) and keeps the full header as the
column's label (``info.label``). CKAN's download writes the ids, so a reader
who downloads a table would get headers nobody wrote. This hook answers the
download itself for the formats below:

* CSV and TSV: the header row is the labels (the id where a column has none);
* JSON: each of ``fields`` gains its ``label``, records are as CKAN writes them;
* XLSX (new): a workbook whose first row is the labels, numbers as numbers,
  dates as dates, text as text (never a formula);
* XML: a label is no element name (spaces, brackets, dots), so elements stay
  named by the ids as in CKAN, but an id that is not an XML name (``ปี พศ_1``
  has a space) is mapped the SQL/XML way PostgreSQL's ``table_to_xml`` uses
  (``ปี_x0020_พศ_1``) instead of making the file unreadable.

Other formats, and wrong parameters of other formats, are CKAN's. The rows
are read page by page through ``datastore_search`` with the reader's own
context and sent as they come, so private tables stay private (the same 404
CKAN answers) and a large table never sits in memory.
"""
from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import tempfile
import xml.parsers.expat
from typing import Any, Callable, Iterator

from flask import Blueprint, Response, request, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font

import ckan.plugins.toolkit as toolkit
# The download's own parameters and writers, so that both answer alike.
from ckanext.datastore.blueprint import dump_schema
from ckanext.datastore.writer import csv_writer, json_writer, tsv_writer, xml_writer

from ckanext.provincial.views.gap import context

DUMP_ENDPOINT = "datastore.dump"
# CKAN's own page size; datastore_search may answer fewer (rows_max).
PAGE_ROWS = 32000
SEARCH_PARAMETERS = ("q", "filters", "distinct", "plain", "language", "fields", "sort")
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_TEXT = 32_767
# Excel keeps 15 significant digits; longer whole numbers (ids, codes) stay exact as text.
EXCEL_EXACT_INTEGER = 10 ** 15
SHEET_TITLE_UNSAFE = str.maketrans("", "", "\\/?*[]:")
CHUNK_BYTES = 1 << 16


@dataclasses.dataclass(frozen=True)
class Format:
    content_type: str
    records_format: str  # what datastore_search is asked for


FORMATS = {
    "csv": Format("text/csv; charset=utf-8", "csv"),
    "tsv": Format("text/tab-separated-values; charset=utf-8", "tsv"),
    "json": Format("application/json; charset=utf-8", "lists"),
    "xml": Format("text/xml; charset=utf-8", "objects"),
    "xlsx": Format("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "lists"),
}

table_downloads = Blueprint("provincial_downloads", __name__)


# --- what the files say ------------------------------------------------------

def labels(fields: list[dict[str, Any]]) -> list[str]:
    """Each column's label, its id where it has none."""
    return [((f.get("info") or {}).get("label") or "").strip() or f["id"] for f in fields]


@functools.lru_cache(maxsize=None)
def _xml_takes(character: str, first: bool) -> bool:
    # What the XML parser takes (XML 1.0's name characters; Thai ฯ is not one).
    if character == ":":  # namespaces read a colon as a prefix
        return False
    probe = xml.parsers.expat.ParserCreate()
    try:
        probe.Parse(f"<{character}a/>" if first else f"<a{character}a/>", True)
    except xml.parsers.expat.ExpatError:
        return False
    return True


def xml_name(column_id: str) -> str:
    """An XML element name for a column: the id where it is one, otherwise
    the id with each character no name may hold written ``_xHHHH_`` (SQL/XML)."""
    if column_id and all(_xml_takes(ch, i == 0) for i, ch in enumerate(column_id)):
        return column_id
    out = []
    for i, ch in enumerate(column_id):
        if ch == "_" and column_id[i + 1:i + 2] == "x":
            out.append("_x005F_")  # so the mapping reads back unambiguously
        elif _xml_takes(ch, i == 0):
            out.append(ch)
        else:
            out.append(f"_x{ord(ch):04X}_")
    return "".join(out) or "_"


def _excel_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_TEXT]


def excel_value(value: Any, type_name: str) -> Any:
    """A DataStore value (as ``datastore_search`` lists it) as an Excel cell holds it."""
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):
        return value if abs(value) < EXCEL_EXACT_INTEGER else str(value)
    if isinstance(value, (list, dict)):
        return _excel_text(json.dumps(value, ensure_ascii=False))
    text = str(value)
    parse = {"date": datetime.date.fromisoformat, "timestamp": datetime.datetime.fromisoformat,
             "time": datetime.time.fromisoformat}.get(type_name)
    if parse:
        try:
            moment = parse(text)
        except ValueError:
            return _excel_text(text)
        # Excel's calendar starts in 1900; earlier dates are kept as written.
        if isinstance(moment, datetime.date) and moment.year < 1900:
            return text
        return moment
    return _excel_text(text)


def sheet_title(name: str, fallback: str) -> str:
    title = " ".join((name or "").translate(SHEET_TITLE_UNSAFE).split())[:31].strip("'")
    return title or fallback[:31]


# --- reading the table -------------------------------------------------------

def read_pages(search: Callable[[dict], dict], query: dict[str, Any], records_format: str,
               offset: int, limit: int | None, count: bool = False) -> tuple[dict, Iterator[Any]]:
    """The first page of the download (read now, so that a wrong filter is an
    answer rather than a broken file) and an iterator of its record pages."""

    def page(start: int, left: int | None, **extra) -> dict:
        size = PAGE_ROWS if left is None else min(PAGE_ROWS, left)
        return search({**query, "offset": start, "limit": size, "records_format": records_format,
                       "include_total": False, **extra})

    first = page(offset, limit, include_total=count)
    step = min(first["limit"], PAGE_ROWS)

    def pages() -> Iterator[Any]:
        result, start, left = first, offset, limit
        while True:
            records = result["records"]
            if not records or (left is not None and left <= 0):
                return
            yield records
            # Delimited pages are text: only an empty page ends them.
            if not isinstance(records, str) and len(records) < step:
                return
            start += step
            left = None if left is None else left - step
            if left is not None and left <= 0:
                return
            result = page(start, left)

    return first, pages()


# --- writing the files -------------------------------------------------------

def _ckan_written(writer_factory, fields: list[dict[str, Any]], pages: Iterator[Any], bom: bool, empty: Any,
                  shape: Callable[[Any], Any] = lambda records: records) -> Iterator[bytes]:
    with writer_factory(fields, bom=bom) as writer:
        yield writer.write_records(empty)  # the header, even for no rows
        for records in pages:
            yield writer.write_records(shape(records))
        yield writer.end_file()


def delimited_file(fields, pages, bom: bool, tabs: bool = False) -> Iterator[bytes]:
    header = [{"id": label} for label in labels(fields)]
    return _ckan_written(tsv_writer if tabs else csv_writer, header, pages, bom, "")


def json_file(fields, pages, bom: bool) -> Iterator[bytes]:
    described = [dict(field, label=label) for field, label in zip(fields, labels(fields))]
    return _ckan_written(json_writer, described, pages, bom, [])


def xml_file(fields, pages, bom: bool) -> Iterator[bytes]:
    names = {f["id"]: xml_name(f["id"]) for f in fields}
    return _ckan_written(xml_writer, [{"id": names[f["id"]]} for f in fields], pages, bom, [],
                         lambda records: ({names[k]: v for k, v in r.items()} for r in records))


def _cell(sheet, value: Any):
    if isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # data, never a formula or an error value
        return cell
    return value


def write_workbook(target, fields: list[dict[str, Any]], pages: Iterator[list[list[Any]]], title: str) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for label in labels(fields):
        cell = WriteOnlyCell(sheet, _excel_text(label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    types = [f.get("type", "text") for f in fields]
    for records in pages:
        for record in records:
            sheet.append([_cell(sheet, excel_value(v, t)) for v, t in zip(record, types)])
    workbook.save(target)


def workbook_file(fields, pages, title: str) -> Iterator[bytes]:
    # A workbook is a zip, complete only at its end: it is written to a
    # temporary file (openpyxl streams the rows there) and sent from it.
    with tempfile.TemporaryFile(suffix=".xlsx") as file:
        write_workbook(file, fields, pages, title)
        file.seek(0)
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


# --- the hook ----------------------------------------------------------------

def _search(data_dict: dict[str, Any]) -> dict[str, Any]:
    return toolkit.get_action("datastore_search")(context(), data_dict)


def _errors(errors: dict[str, Any]) -> str:
    return "\n".join(f"{key}: {' '.join(str(m) for m in (messages if isinstance(messages, list) else [messages]))}"
                     for key, messages in errors.items())


def _parameters() -> dict[str, Any]:
    schema = dump_schema()
    schema["format"] = [toolkit.get_validator("default")("csv"), toolkit.get_validator("one_of")(list(FORMATS))]
    data, errors = toolkit.navl_validate(request.args.to_dict(), schema)
    if errors:
        toolkit.abort(400, _errors(errors))
    return data


@table_downloads.before_app_request
def table_download():
    if request.endpoint != DUMP_ENDPOINT or request.args.get("format", "csv") not in FORMATS:
        return None
    resource_id = (request.view_args or {}).get("resource_id")
    try:
        _search({"resource_id": resource_id, "limit": 0, "include_total": False})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        return toolkit.abort(404, toolkit._("DataStore resource not found"))
    data = _parameters()
    name = data["format"]
    query = {"resource_id": resource_id, **{k: data[k] for k in SEARCH_PARAMETERS if k in data}}
    limit = data.get("limit")
    try:
        first, pages = read_pages(_search, query, FORMATS[name].records_format, data["offset"], limit,
                                  count=name == "xlsx")
    except toolkit.ValidationError as exc:
        return toolkit.abort(400, _errors(exc.error_dict))
    except toolkit.ObjectNotFound:
        return toolkit.abort(404, toolkit._("DataStore resource not found"))
    fields = first["fields"]
    if name == "xlsx":
        rows = max(0, first.get("total", 0) - data["offset"])
        if min(rows, limit if limit is not None else rows) >= EXCEL_MAX_ROWS:
            return toolkit.abort(400, toolkit._(
                "The table has more rows than an Excel sheet holds ({rows}); download it as CSV, "
                "or choose fewer rows with filters or limit.").format(rows=f"{EXCEL_MAX_ROWS - 1:,}"))
        resource = toolkit.get_action("resource_show")(context(), {"id": resource_id})
        body = workbook_file(fields, pages, sheet_title(resource.get("name") or "", resource_id))
    elif name == "json":
        body = json_file(fields, pages, data["bom"])
    elif name == "xml":
        body = xml_file(fields, pages, data["bom"])
    else:
        body = delimited_file(fields, pages, data["bom"], tabs=name == "tsv")
    return Response(stream_with_context(body), content_type=FORMATS[name].content_type, headers={
        "Content-Disposition": f'attachment; filename="{resource_id}.{name}"'})


def get_blueprints():
    return [table_downloads]
