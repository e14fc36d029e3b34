"""A structural check of a GeoJSON file (RFC 7946), reported like a table check.

``check_geojson(path)`` returns the same report as ``content.check_table``
(status, error_count, errors_by_code, errors), so the job, the badge, the
report page and the gap engine treat both alike. In an error, ``row`` is the
feature's number (counted from 1), ``field`` the JSON path inside it
(``geometry.coordinates[0][3]``, indexes from 0) and ``cell`` the value.

``error``: the file is not JSON, or not GeoJSON at its top level.
``failure``: GeoJSON with wrong members, geometry types or coordinates.
"""
from __future__ import annotations

import json
import math
import os
from typing import Any

from ckanext.provincial.content_checks.report import (
    DEFAULT_MAX_BYTES, DEFAULT_MAX_ERRORS, file_error_report, findings_report,
)

GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                  "GeometryCollection")
TOP_LEVEL_TYPES = ("FeatureCollection", "Feature") + GEOMETRY_TYPES
# Depth of the arrays of positions in each geometry's "coordinates".
POSITION_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
                  "MultiPolygon": 3}
# Thailand's bounding box (lon, lat), to recognise positions written lat, lon.
THAILAND = {"west": 97.3, "east": 105.7, "south": 5.6, "north": 20.5}
# GeometryCollections inside GeometryCollections (RFC 7946 3.1.8 advises against them).
MAX_NESTING = 10


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _json_kind(value: Any) -> str:
    """How JSON calls a value that should have been an object."""
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "boolean" if isinstance(value, bool) else "number"


def _in_thailand(lon: float, lat: float) -> bool:
    return THAILAND["west"] <= lon <= THAILAND["east"] and THAILAND["south"] <= lat <= THAILAND["north"]


class _Checker:
    def __init__(self, max_errors: int):
        self.max_errors = max_errors
        self.errors: list[dict[str, Any]] = []
        # Positions out of range, kept apart: all of them may be one swap.
        self.out_of_range: list[dict[str, Any]] = []
        self.positions = 0
        self.all_swapped = True
        self.first_position: tuple[int | None, str, Any] | None = None

    def full(self) -> bool:
        return bool(self.max_errors) and len(self.errors) + len(self.out_of_range) >= self.max_errors

    def add(self, code: str, row: int | None, field: str | None, cell: Any = None, note: str = "") -> None:
        if self.full():
            return
        self.errors.append({"code": code, "row": row, "column": None, "field": field or None,
                            "cell": None if cell is None else _short(cell), "note": note})

    # ----------------------------------------------------------- members --

    def feature(self, feature: Any, row: int) -> bool:
        """Check one feature; whether it has a (non-null) geometry."""
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            found = feature.get("type") if isinstance(feature, dict) else _json_kind(feature)
            self.add("geojson-not-feature", row, "type", found)
            return False
        # RFC 7946 3.2: "properties" is an object or null.
        if "properties" not in feature:
            self.add("geojson-no-properties", row, "properties")
        elif feature["properties"] is not None and not isinstance(feature["properties"], dict):
            self.add("geojson-no-properties", row, "properties", feature["properties"])
        if "geometry" not in feature:
            self.add("geojson-no-geometry", row, "geometry")
            return False
        if feature["geometry"] is None:
            return False
        self.geometry(feature["geometry"], row, "geometry")
        return True

    def geometry(self, geometry: Any, row: int | None, path: str, depth: int = 0) -> None:
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
            found = geometry.get("type") if isinstance(geometry, dict) else _json_kind(geometry)
            self.add("geojson-geometry-type", row, _join(path, "type"), found)
            return
        kind = geometry["type"]
        if kind == "GeometryCollection":
            members = geometry.get("geometries")
            if not isinstance(members, list) or depth >= MAX_NESTING:
                self.add("geojson-coordinates", row, _join(path, "geometries"), members, kind)
                return
            for index, member in enumerate(members):
                if self.full():
                    return
                self.geometry(member, row, _join(path, f"geometries[{index}]"), depth + 1)
            return
        self.coordinates(geometry.get("coordinates"), POSITION_DEPTH[kind], kind, row, _join(path, "coordinates"))

    def coordinates(self, value: Any, depth: int, kind: str, row: int | None, path: str) -> None:
        if depth == 0:
            self.position(value, row, path)
            return
        if not isinstance(value, list):
            self.add("geojson-coordinates", row, path, value, kind)
            return
        # The array of positions of one line or ring.
        if depth == 1 and kind in ("LineString", "MultiLineString") and len(value) < 2:
            self.add("geojson-line-short", row, path, len(value))
        if depth == 1 and kind in ("Polygon", "MultiPolygon"):
            self.ring(value, row, path)
        for index, item in enumerate(value):
            if self.full():
                return
            self.coordinates(item, depth - 1, kind, row, f"{path}[{index}]")

    def ring(self, ring: list, row: int | None, path: str) -> None:
        if len(ring) < 4:
            self.add("geojson-ring-short", row, path, len(ring))
        elif ring[0] != ring[-1] and all(isinstance(p, list) for p in (ring[0], ring[-1])):
            self.add("geojson-ring-open", row, path, [ring[0], ring[-1]])

    def position(self, value: Any, row: int | None, path: str) -> None:
        if not isinstance(value, list) or len(value) not in (2, 3) or not all(_is_number(v) for v in value):
            self.add("geojson-position", row, path, value)
            return
        lon, lat = value[0], value[1]
        self.positions += 1
        if self.first_position is None:
            self.first_position = (row, path, value)
        if self.all_swapped and not _in_thailand(lat, lon):
            self.all_swapped = False
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) and not self.full():
            self.out_of_range.append({"code": "geojson-out-of-range", "row": row, "column": None, "field": path,
                                      "cell": _short(value), "note": ""})

    # ---------------------------------------------------------- document --

    def document(self, data: Any) -> int:
        """Check the whole document; the number of features."""
        if not isinstance(data, dict) or data.get("type") not in TOP_LEVEL_TYPES:
            found = data.get("type") if isinstance(data, dict) else _json_kind(data)
            self.add("geojson-top-level", None, "type", found)
            return 0
        kind = data["type"]
        if kind == "Feature":
            self.feature(data, 1)
            return 1
        if kind != "FeatureCollection":
            self.geometry(data, None, "")
            return 0
        features = data.get("features")
        if not isinstance(features, list):
            self.add("geojson-no-features", None, "features", features)
            return 0
        with_geometry = checked = 0
        for number, feature in enumerate(features, start=1):
            if self.full():
                break
            checked = number
            with_geometry += self.feature(feature, number)
        if features and not with_geometry and not self.full() \
                and all(isinstance(f, dict) and f.get("type") == "Feature" and "geometry" in f for f in features):
            self.add("geojson-no-geometries", None, None, len(features))
        return checked

    def result(self) -> list[dict[str, Any]]:
        if self.positions and self.all_swapped:
            row, path, value = self.first_position
            swapped = {"code": "geojson-swapped", "row": row, "column": None, "field": path,
                       "cell": _short(value), "note": ""}
            return [swapped] + self.errors
        return self.errors + self.out_of_range


def check_geojson(path: str, max_errors: int = DEFAULT_MAX_ERRORS, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    """Check the GeoJSON file at ``path`` and return a report (see the module doc)."""
    base = {"format": "geojson", "encoding": "utf-8", "schema_source": ""}
    size = os.path.getsize(path)
    if size > max_bytes > 0:
        return file_error_report("too-large", f"{size} > {max_bytes}", **base)
    with open(path, "rb") as handle:
        raw = handle.read()
    if not raw.strip():
        return file_error_report("empty-file", **base)
    try:
        # RFC 7946 8.1: GeoJSON is UTF-8 (a BOM is tolerated).
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return file_error_report("encoding-error", str(exc)[:300], **base)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return file_error_report("json-error", f"line {exc.lineno}, column {exc.colno}: {exc.msg}", **base)
    except RecursionError:
        return file_error_report("json-error", "nested too deeply", **base)
    checker = _Checker(max_errors)
    try:
        features = checker.document(data)
    except RecursionError:
        return file_error_report("json-error", "nested too deeply", **base)
    errors = checker.result()
    if max_errors:
        errors = errors[:max_errors]
    # "json-error" and "geojson-top-level" are report.FILE_ERRORS: not GeoJSON at all, status "error".
    return findings_report(errors, **base, rows_checked=features, row_limit_reached=False)
