"""Limits and report building shared by the table and GeoJSON checks (a leaf: imports nothing of ours).

Both ``content.check_table`` and ``geojson.check_geojson`` return the same report shape
(see ``content``'s module doc); the pieces that build it live here so neither check
module has to import the other for them.
"""
from __future__ import annotations

from typing import Any

DEFAULT_MAX_ROWS = 1_000_000
DEFAULT_MAX_ERRORS = 1_000
DEFAULT_MAX_BYTES = 200 * 1024 * 1024

SUCCESS, FAILURE, ERROR = "success", "failure", "error"

# Errors that mean the file is not a readable table (status "error").
FILE_ERRORS = frozenset({
    "empty-file", "binary-file", "too-large", "download-error", "schema-error",
    "source-error", "scheme-error", "format-error", "encoding-error",
    "resource-error", "compression-error", "hash-count", "byte-count", "general-error",
    "json-error", "geojson-top-level",
})


def file_error_report(code: str, note: str = "", **report: Any) -> dict[str, Any]:
    report.setdefault("rows_checked", 0)
    report.setdefault("row_limit_reached", False)
    return {
        "status": ERROR,
        **report,
        "error_count": 1,
        "errors_by_code": {code: 1},
        "errors": [{"code": code, "row": None, "column": None, "field": None, "cell": None, "note": note}],
    }


def findings_report(found: list[dict[str, Any]], **report: Any) -> dict[str, Any]:
    """A report of the errors ``found`` in a file that could be read: its status and counts."""
    by_code: dict[str, int] = {}
    for item in found:
        by_code[item["code"]] = by_code.get(item["code"], 0) + 1
    if not found:
        status = SUCCESS
    elif any(item["code"] in FILE_ERRORS for item in found):
        status = ERROR
    else:
        status = FAILURE
    return {"status": status, **report, "error_count": len(found), "errors_by_code": by_code, "errors": found}
