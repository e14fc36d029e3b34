"""Sentences for the codes of a validation report, for people.

The English sentences are message ids: ``N_`` only marks them for the
translation catalogue, and ``describe`` translates them at display time with
the ``gettext`` it is given (``toolkit._`` in CKAN), so the report reads in
Thai or English like the rest of the portal.
"""
from __future__ import annotations

import re
from typing import Any, Callable


def N_(message: str) -> str:
    return message


STATUS_LABELS = {
    "success": N_("Data checked: no problems"),
    "failure": N_("Data has problems"),
    "error": N_("Data could not be checked"),
    "pending": N_("Data check running"),
    # Files other than tables (PDF, images, maps, archives): no content check exists for them.
    "not-checked": N_("Not checked (not a table)"),
}

# Per error code: the sentence, with {row}, {column}, {field}, {cell}, {note}.
SENTENCES = {
    "empty-file": N_("The file is empty."),
    "binary-file": N_("The file is not text: it is a binary file with a table's name. Upload the table itself (CSV or Excel)."),
    "too-large": N_("The file is too large to be checked ({note} bytes)."),
    "download-error": N_("The file could not be downloaded: {note}"),
    "schema-error": N_("The Table Schema declared for this resource is not valid: {note}"),
    "format-error": N_("The file could not be read in its format. Open it and save it again as CSV or XLSX. ({note})"),
    "encoding-error": N_("The characters of the file could not be decoded. Save it as UTF-8. ({note})"),
    "source-error": N_("The file could not be read as a table: {note}"),
    "scheme-error": N_("The file could not be read as a table: {note}"),
    "resource-error": N_("The file could not be read as a table: {note}"),
    "blank-label": N_("Column {column} has no header."),
    "duplicate-label": N_("The header of column {column} repeats the header of another column ({note})."),
    "incorrect-label": N_("The header of column {column} does not match the Table Schema ({note})."),
    "missing-label": N_("Column {column} ({field}) of the Table Schema is missing from the file."),
    "extra-label": N_("Column {column} is not in the Table Schema."),
    "blank-row": N_("Row {row} is empty."),
    "missing-cell": N_("Row {row} has no value in column {column} ({field})."),
    "extra-cell": N_("Row {row} has an extra value in column {column}: \"{cell}\"."),
    "type-error": N_("Row {row}, column {column} ({field}): \"{cell}\" is not of the column's type ({note})."),
    "constraint-error": N_("Row {row}, column {column} ({field}): \"{cell}\" breaks a rule of the Table Schema ({note})."),
    "unique-error": N_("Row {row}, column {column} ({field}): \"{cell}\" repeats a value that must be unique."),
    "primary-key": N_("Row {row} repeats the primary key of another row."),
    "formula-cell": N_("Row {row}, column {column} ({field}): \"{cell}\" starts like a spreadsheet formula and could run when the file is opened in a spreadsheet."),
    # GeoJSON (content_checks/geojson.py): {where} is the feature and the path inside it.
    "json-error": N_("The file is not valid JSON ({note})."),
    "geojson-top-level": N_("The file is not GeoJSON: its top-level type is \"{cell}\", not FeatureCollection, Feature or a geometry."),
    "geojson-no-features": N_("The FeatureCollection has no \"features\" list."),
    "geojson-not-feature": N_("{where}: not a GeoJSON Feature (type \"{cell}\")."),
    "geojson-no-properties": N_("{where}: the feature has no \"properties\" object."),
    "geojson-no-geometry": N_("{where}: the feature has no \"geometry\" member."),
    "geojson-no-geometries": N_("None of the {cell} features has a geometry: every \"geometry\" is null."),
    "geojson-geometry-type": N_("{where}: \"{cell}\" is not a GeoJSON geometry type (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon, GeometryCollection)."),
    "geojson-coordinates": N_("{where}: {cell} is not the nesting of arrays a {note} needs."),
    "geojson-position": N_("{where}: {cell} is not a position: 2 or 3 numbers (longitude, latitude, height)."),
    "geojson-out-of-range": N_("{where}: {cell} is outside longitude -180 to 180 or latitude -90 to 90."),
    "geojson-swapped": N_("{where}: coordinates look swapped (latitude, longitude), e.g. {cell}: GeoJSON puts the longitude first."),
    "geojson-line-short": N_("{where}: a line needs at least 2 positions, it has {cell}."),
    "geojson-ring-short": N_("{where}: a polygon ring needs at least 4 positions, it has {cell}."),
    "geojson-ring-open": N_("{where}: the polygon ring is not closed: its first and last positions differ ({cell})."),
}
# DataStore loads (loading/datastore.py); codes shared with the checks keep their sentence above.
SENTENCES.update({
    "no-header": N_("The first row holds data, not column names: add a header row above the data."),
    "no-rows": N_("The table has a header but no rows of data."),
    "no-table": N_("No table was found in the file: {note}"),
    "nul-byte": N_("The file holds a NUL byte (a character that text never holds): save it again as CSV or XLSX."),
    "unterminated-quote": N_("A quotation mark opened in row {row} is never closed, so the rest of the file reads as one cell."),
    "extra-data": N_("Row {row} has more cells than the header."),
    "short-row": N_("Row {row} has fewer cells than the header."),
    "too-many-columns": N_("The table has {cell} columns; at most {note} can be loaded."),
    "type-override": N_("Row {row}, column {column} ({field}): \"{cell}\" is not of the type {note} chosen in the Data Dictionary. Correct the value or the type, then load the table again."),
    "datastore-error": N_("The table could not be written to the DataStore: {note}"),
    "not-a-workbook": N_("The file is not an Excel workbook, although its name says so: {note}"),
    "encrypted": N_("The workbook is protected by a password. Save it without a password."),
    "zip-bomb": N_("The workbook would take too much space once unpacked: {note}"),
})
LOAD_STATUS_LABELS = {
    "pending": N_("Waiting to be loaded into the DataStore"),
    "running": N_("Loading into the DataStore"),
    "complete": N_("Loaded into the DataStore"),
    "error": N_("Could not be loaded into the DataStore"),
}
ROW_PREFIX = N_("Row {row}: {message}")
FEATURE = N_("Feature {row}")
GENERIC = N_("{note}")
ROW_LIMIT = N_("Only the first {rows} rows were checked.")


def _identity(message: str) -> str:
    return message


def describe(error: dict[str, Any], gettext: Callable[[str], str] = _identity) -> str:
    """One sentence for one error of a report, translated with ``gettext``."""
    template = gettext(SENTENCES.get(error.get("code") or "", GENERIC))
    values = {key: "" if error.get(key) is None else error.get(key) for key in ("row", "column", "field", "cell", "note")}
    values["where"] = ", ".join(part for part in (
        gettext(FEATURE).format(row=values["row"]) if values["row"] != "" else "", str(values["field"])) if part)
    if not values["note"] and template == gettext(GENERIC):
        values["note"] = error.get("code") or ""
    sentence = re.sub(r"\s+\(\)", "", template.format(**values))
    # A load names the row even where the check's sentence has no place for it.
    if values["row"] != "" and "{row}" not in SENTENCES.get(error.get("code") or "", "{row}") \
            and error.get("code") in LOAD_ROW_CODES:
        sentence = gettext(ROW_PREFIX).format(row=values["row"], message=sentence)
    return sentence


LOAD_ROW_CODES = frozenset({"encoding-error", "nul-byte", "source-error", "no-header"})


def status_label(status: str | None, gettext: Callable[[str], str] = _identity) -> str:
    return gettext(STATUS_LABELS.get(status or "", STATUS_LABELS["pending"]))
