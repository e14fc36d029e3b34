"""Small synthetic tables and map layers for the demo datasets, as file bytes.

A file spec from ``data/catalogue.yaml`` (``table: by_district``, ``columns``,
``formats``...) becomes one :class:`GeneratedFile` per format. Everything is
drawn from a random generator seeded by the province, dataset and file, and
dated relative to the dataset's ``last_updated_date``, so the same inputs give
the same bytes (the loader relies on that to leave unchanged files alone).

Pure Python: no CKAN import, testable on its own.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import random
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import geothai

from ckanext.provincial import thai_dates

FORMATS = {
    # format: (file extension, mimetype)
    "CSV": ("csv", "text/csv"),
    "XLSX": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "GeoJSON": ("geojson", "application/geo+json"),
    "JSON": ("json", "application/json"),
    "TXT": ("txt", "text/plain"),
}
GEOMETRY_TABLES = ("points", "lines", "zones")

# Thai high season (Nov-Feb) and the rainy season (Jun-Sep), as monthly factors.
SEASONS = {
    "true": {11: 1.25, 12: 1.35, 1: 1.3, 2: 1.15, 3: 0.95, 4: 1.05, 5: 0.85, 6: 0.8, 7: 0.85, 8: 0.85, 9: 0.75, 10: 0.9},
    "rainy": {1: 0.3, 2: 0.25, 3: 0.3, 4: 0.45, 5: 0.8, 6: 1.3, 7: 1.6, 8: 1.7, 9: 1.4, 10: 0.9, 11: 0.55, 12: 0.4},
}
KM_PER_DEGREE = 111.0
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class SpecError(ValueError):
    """A file spec of the catalogue that cannot be generated."""


@dataclass(frozen=True)
class Area:
    """What a table is generated for: a province and its districts."""

    code: str
    name_th: str
    name_en: str
    # district code -> (lat, lon)
    centroids: dict[str, tuple[float, float]]

    def districts(self, only: Sequence[str] | None = None) -> list[geothai.District]:
        found = geothai.districts(self.code)
        if only:
            found = [d for d in found if d.code in only]
        return found

    def centroid(self, district_code: str) -> tuple[float, float]:
        try:
            return self.centroids[district_code]
        except KeyError:
            raise SpecError(f"no centre given for district {district_code} (provinces.yaml)") from None


@dataclass
class Table:
    """Rows of cells under headers; ``keys`` name the columns for JSON/GeoJSON."""

    headers: list[str]
    keys: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # One geometry per row for map layers, else empty.
    geometries: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class GeneratedFile:
    filename: str
    data: bytes
    format: str
    mimetype: str
    name: str
    # Mistakes put in on purpose (``defects`` of the file spec), for the
    # content check to find.
    defects: tuple[str, ...] = ()

    @property
    def md5(self) -> str:
        # Kept in the resource's ``hash``: an unchanged file is not uploaded again.
        return hashlib.md5(self.data, usedforsecurity=False).hexdigest()


# ------------------------------------------------------------------ columns --

@dataclass(frozen=True)
class Column:
    key: str
    header: str
    make: Callable[[random.Random, dict[str, Any], float], Any]
    # Numbers only: None for whole numbers, else the decimals kept.
    numeric: bool = False
    decimals: int | None = None

    def scaled(self, base: Any, factor: float, rng: random.Random, noise: float = 0.07) -> Any:
        """A value of a series: ``base`` moved by ``factor`` and a little noise."""
        if not self.numeric:
            return base
        value = base * factor * rng.uniform(1 - noise, 1 + noise)
        return int(round(value)) if self.decimals is None else round(value, self.decimals)


def parse_column(spec: Any) -> Column:
    """``[key, header, min, max(, decimals)]``, ``[key, header, [choices]]``,
    ``[key, header, "template {n}"]`` or ``[key, header, "@date"]``."""
    if isinstance(spec, dict):
        spec = [spec.get("key"), spec.get("header"), *spec.get("values", [])]
    if not isinstance(spec, (list, tuple)) or len(spec) < 3 or not spec[0] or not spec[1]:
        raise SpecError(f"bad column {spec!r}: expected [key, header, values...]")
    key, header, *values = spec
    key, header = str(key), str(header)
    first = values[0]
    if isinstance(first, list):
        choices = [str(c) for c in first]
        return Column(key, header, lambda rng, ctx, f: rng.choice(choices))
    if isinstance(first, str):
        if first == "@date":
            return Column(key, header, lambda rng, ctx, f: _random_date(rng, ctx["end"]))
        template = first
        return Column(key, header, lambda rng, ctx, f: template.format_map(_Placeholders(ctx)))
    if len(values) >= 2 and all(isinstance(v, (int, float)) for v in values[:2]):
        low, high = values[0], values[1]
        decimals = int(values[2]) if len(values) > 2 else None
        if low > high:
            raise SpecError(f"column {key}: min {low} > max {high}")

        def number(rng: random.Random, ctx: dict[str, Any], factor: float) -> Any:
            value = rng.uniform(low, high) * factor
            if decimals is None:
                return int(round(value))
            return round(value, decimals)

        return Column(key, header, number, numeric=True, decimals=decimals)
    raise SpecError(f"bad column {spec!r}")


class _Placeholders(dict):
    def __init__(self, ctx: dict[str, Any]):
        super().__init__(ctx)

    def __missing__(self, key: str) -> str:
        raise SpecError(f"unknown placeholder {{{key}}} in a column template")


def _random_date(rng: random.Random, end: dt.date) -> str:
    # Within the year before the first day of the dataset's update month, so
    # the value only moves when that month does.
    anchor = end.replace(day=1)
    return (anchor - dt.timedelta(days=rng.randint(1, 365))).isoformat()


def _be(year: int) -> int:
    return thai_dates.buddhist_year(year)


# ------------------------------------------------------------------- tables --

def build_table(spec: dict[str, Any], area: Area, end: dt.date, rng: random.Random) -> Table:
    """The rows (and geometries) of one file spec."""
    kind = spec.get("table")
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise SpecError(f"unknown table kind {kind!r} (one of {', '.join(sorted(_BUILDERS))})")
    columns = [parse_column(c) for c in spec.get("columns") or []]
    if kind != "text" and not columns:
        raise SpecError(f"table {kind}: no columns")
    base_ctx = {"province_th": area.name_th, "province_en": area.name_en, "end": end,
                "year": _be(end.year), "n": 0, "district_th": "", "district_code": "", "subdistrict_th": ""}
    return builder(spec, area, end, rng, columns, base_ctx)


def _cells(columns, rng, ctx, factor=1.0) -> list[Any]:
    return [c.make(rng, ctx, factor) for c in columns]


def _series(columns, rng, ctx, noise: float = 0.07):
    """Cells of one series (a district over the years, a province over the
    months): drawn once, then each period moves them by its factor."""
    bases = _cells(columns, rng, ctx)

    def cells(factor: float) -> list[Any]:
        return [c.scaled(b, factor, rng, noise) if c.numeric else c.make(rng, ctx, factor) for c, b in zip(columns, bases)]

    return cells


def _district_ctx(ctx, district) -> dict[str, Any]:
    return {**ctx, "district_th": district.name_th, "district_code": district.code}


def _years(spec, end: dt.date) -> list[int]:
    count = int(spec.get("years") or 1)
    # Yearly figures are published for the last complete year.
    last = end.year - 1
    return list(range(last - count + 1, last + 1))


def _trend(spec, step: int, steps: int) -> float:
    rate = float(spec.get("trend", 0.03 if spec.get("years") else 0.0))
    return (1 + rate) ** (step - steps + 1)


def _by_district(spec, area, end, rng, columns, ctx) -> Table:
    years = _years(spec, end)
    with_year = len(years) > 1
    headers = ["รหัสอำเภอ", "อำเภอ"] + (["ปี พ.ศ."] if with_year else []) + [c.header for c in columns]
    keys = ["district_code", "district"] + (["year"] if with_year else []) + [c.key for c in columns]
    table = Table(headers, keys)
    for district in area.districts(spec.get("districts")):
        series = _series(columns, rng, _district_ctx(ctx, district))
        for i, year in enumerate(years):
            cells = series(_trend(spec, i, len(years)))
            table.rows.append([district.code, district.name_th] + ([_be(year)] if with_year else []) + cells)
    return table


def _by_subdistrict(spec, area, end, rng, columns, ctx) -> Table:
    headers = ["รหัสตำบล", "ตำบล", "อำเภอ"] + [c.header for c in columns]
    keys = ["subdistrict_code", "subdistrict", "district"] + [c.key for c in columns]
    table = Table(headers, keys)
    for district in area.districts(spec.get("districts")):
        for sub in geothai.subdistricts(district.code):
            sctx = {**_district_ctx(ctx, district), "subdistrict_th": sub.name_th}
            table.rows.append([sub.code, sub.name_th, district.name_th] + _cells(columns, rng, sctx, rng.uniform(0.3, 1.0)))
    return table


def _periods_before(year: int, period: int, count: int, per_year: int) -> list[tuple[int, int]]:
    """The ``count`` periods (numbered 1 to ``per_year`` in a year) before the given one, oldest first."""
    out = []
    for _ in range(count):
        period -= 1
        if period == 0:
            year, period = year - 1, per_year
        out.append((year, period))
    return out[::-1]


def _months(count: int, end: dt.date) -> list[tuple[int, int]]:
    # Complete months only: the last one is the month before the update.
    return _periods_before(end.year, end.month, count, 12)


def _quarters(count: int, end: dt.date) -> list[tuple[int, int]]:
    return _periods_before(end.year, (end.month - 1) // 3 + 1, count, 4)  # complete quarters only


def _periodic(spec, area, rng, columns, ctx, periods, period_header, period_key, season_of) -> Table:
    per_district = bool(spec.get("per_district"))
    season = SEASONS.get(str(spec.get("season")).lower()) if spec.get("season") else None
    lead_h = ["ปี พ.ศ.", period_header] + (["รหัสอำเภอ", "อำเภอ"] if per_district else [])
    lead_k = ["year", period_key] + (["district_code", "district"] if per_district else [])
    table = Table(lead_h + [c.header for c in columns], lead_k + [c.key for c in columns])
    groups = area.districts(spec.get("districts")) if per_district else [None]
    for district in groups:
        series = _series(columns, rng, _district_ctx(ctx, district) if district else ctx,
                         float(spec.get("noise", 0.07)))
        for i, (year, period) in enumerate(periods):
            factor = _trend(spec, i, len(periods))
            if season:
                factor *= season[season_of(period)]
            lead = [_be(year), period] + ([district.code, district.name_th] if district else [])
            table.rows.append(lead + series(factor))
    return table


def _monthly(spec, area, end, rng, columns, ctx) -> Table:
    periods = _months(int(spec.get("months") or 12), end)
    return _periodic(spec, area, rng, columns, ctx, periods, "เดือน", "month", lambda m: m)


def _quarterly(spec, area, end, rng, columns, ctx) -> Table:
    periods = _quarters(int(spec.get("quarters") or 4), end)
    return _periodic(spec, area, rng, columns, ctx, periods, "ไตรมาส", "quarter", lambda q: q * 3)


def _daily(spec, area, end, rng, columns, ctx) -> Table:
    days = int(spec.get("days") or 30)
    stations = int(spec.get("stations") or 1)
    table = Table(["วันที่", "สถานี"] + [c.header for c in columns], ["date", "station"] + [c.key for c in columns])
    for s in range(1, stations + 1):
        # A smooth day-to-day series: a slow wave plus noise.
        phase = rng.uniform(0, 2 * math.pi)
        series = _series(columns, rng, ctx)
        for d in range(days, 0, -1):
            day = end - dt.timedelta(days=d - 1)
            factor = 0.75 + 0.25 * math.sin(phase + d / 9.0)
            table.rows.append([day.isoformat(), f"{area.code}-{s:02d}"] + series(factor))
    return table


def _yearly(spec, area, end, rng, columns, ctx) -> Table:
    years = _years({"years": spec.get("years") or 5, **spec}, end)
    table = Table(["ปี พ.ศ."] + [c.header for c in columns], ["year"] + [c.key for c in columns])
    series = _series(columns, rng, ctx)
    for i, year in enumerate(years):
        table.rows.append([_be(year)] + series(_trend(spec, i, len(years))))
    return table


def _categories(spec, area, end, rng, columns, ctx) -> Table:
    rows = [str(r) for r in spec.get("rows") or []]
    if not rows:
        raise SpecError("table categories: no rows")
    years = _years(spec, end)
    with_year = len(years) > 1
    headers = [str(spec.get("category_header") or "รายการ")] + (["ปี พ.ศ."] if with_year else []) + [c.header for c in columns]
    keys = ["category"] + (["year"] if with_year else []) + [c.key for c in columns]
    table = Table(headers, keys)
    for row in rows:
        series = _series(columns, rng, ctx)
        for i, year in enumerate(years):
            cells = series(_trend(spec, i, len(years)))
            table.rows.append([row] + ([_be(year)] if with_year else []) + cells)
    return table


def _per_district_counts(spec, area, rng) -> list[tuple[Any, int]]:
    """(district or None, how many items) for ``per_district: [a, b]`` or ``count: n``."""
    if spec.get("per_district") is not None:
        low, high = spec["per_district"]
        return [(d, rng.randint(int(low), int(high))) for d in area.districts(spec.get("districts"))]
    return [(None, int(spec.get("count") or 10))]


def _records(spec, area, end, rng, columns, ctx) -> Table:
    counts = _per_district_counts(spec, area, rng)
    located = counts[0][0] is not None
    headers = ["ลำดับ"] + (["รหัสอำเภอ", "อำเภอ", "ตำบล"] if located else []) + [c.header for c in columns]
    keys = ["no"] + (["district_code", "district", "subdistrict"] if located else []) + [c.key for c in columns]
    table = Table(headers, keys)
    n = 0
    for district, count in counts:
        for _ in range(count):
            n += 1
            if district is not None:
                sub = rng.choice(geothai.subdistricts(district.code))
                rctx = {**_district_ctx(ctx, district), "subdistrict_th": sub.name_th, "n": n}
                lead = [n, district.code, district.name_th, sub.name_th]
            else:
                rctx, lead = {**ctx, "n": n}, [n]
            table.rows.append(lead + _cells(columns, rng, rctx))
    return table


def _jitter(rng, lat, lon, km) -> tuple[float, float]:
    dlat = rng.uniform(-km, km) / KM_PER_DEGREE
    dlon = rng.uniform(-km, km) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lat + dlat, 5), round(lon + dlon, 5)


def _located_table(columns) -> Table:
    return Table(["ลำดับ", "รหัสอำเภอ", "อำเภอ"] + [c.header for c in columns] + ["ละติจูด", "ลองจิจูด"],
                 ["no", "district_code", "district"] + [c.key for c in columns] + ["latitude", "longitude"])


def _points(spec, area, end, rng, columns, ctx) -> Table:
    km = float(spec.get("jitter_km", 4.0))
    table = _located_table(columns)
    counts = _per_district_counts(spec, area, rng)
    if counts[0][0] is None:
        districts = area.districts(spec.get("districts"))
        counts = [(rng.choice(districts), 1) for _ in range(counts[0][1])]
    n = 0
    for district, count in counts:
        for _ in range(count):
            n += 1
            lat, lon = _jitter(rng, *area.centroid(district.code), km)
            cells = _cells(columns, rng, {**_district_ctx(ctx, district), "n": n})
            table.rows.append([n, district.code, district.name_th] + cells + [lat, lon])
            table.geometries.append({"type": "Point", "coordinates": [lon, lat]})
    return table


def _lines(spec, area, end, rng, columns, ctx) -> Table:
    districts = area.districts(spec.get("districts"))
    table = _located_table(columns)
    for n in range(1, int(spec.get("count") or 8) + 1):
        start = rng.choice(districts)
        finish = rng.choice(districts)
        a = _jitter(rng, *area.centroid(start.code), 3.0)
        b = _jitter(rng, *area.centroid(finish.code), 3.0) if finish.code != start.code else _jitter(rng, *a, 8.0)
        vertices = []
        for step in range(5):
            t = step / 4
            lat, lon = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
            if 0 < step < 4:
                lat, lon = _jitter(rng, lat, lon, 0.8)
            vertices.append([round(lon, 5), round(lat, 5)])
        cells = _cells(columns, rng, {**_district_ctx(ctx, start), "n": n})
        table.rows.append([n, start.code, start.name_th] + cells + [a[0], a[1]])
        table.geometries.append({"type": "LineString", "coordinates": vertices})
    return table


def _zones(spec, area, end, rng, columns, ctx) -> Table:
    districts = area.districts(spec.get("districts"))
    size = float(spec.get("size_km", 1.0))
    table = _located_table(columns)
    for n in range(1, int(spec.get("count") or 8) + 1):
        district = rng.choice(districts)
        lat, lon = _jitter(rng, *area.centroid(district.code), 5.0)
        # An irregular hexagon around the centre.
        ring = []
        for k in range(6):
            angle = math.radians(60 * k + rng.uniform(-12, 12))
            radius = size * rng.uniform(0.6, 1.0) / KM_PER_DEGREE
            ring.append([round(lon + radius * math.cos(angle) / math.cos(math.radians(lat)), 5),
                         round(lat + radius * math.sin(angle), 5)])
        ring.append(ring[0])
        cells = _cells(columns, rng, {**_district_ctx(ctx, district), "n": n})
        table.rows.append([n, district.code, district.name_th] + cells + [lat, lon])
        table.geometries.append({"type": "Polygon", "coordinates": [ring]})
    return table


def _text(spec, area, end, rng, columns, ctx) -> Table:
    lines = [str(line).format_map(_Placeholders(ctx)) for line in spec.get("lines") or []]
    if not lines:
        raise SpecError("table text: no lines")
    return Table(["text"], ["text"], [[line] for line in lines])


_BUILDERS = {
    "by_district": _by_district,
    "by_subdistrict": _by_subdistrict,
    "monthly": _monthly,
    "quarterly": _quarterly,
    "daily": _daily,
    "yearly": _yearly,
    "categories": _categories,
    "records": _records,
    "points": _points,
    "lines": _lines,
    "zones": _zones,
    "text": _text,
}


# ------------------------------------------------------------- serialising --

def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return out.getvalue().encode("utf-8")


# Mistakes of a hand-typed CSV export that the content check reports. Both
# ``missing_cell`` and ``blank_row`` still load into the DataStore (a short row
# reads as empty cells, a blank row is left out); ``extra_cell`` makes the
# loader refuse the file, naming the row.
DEFECTS = {
    "missing_cell": "a row one cell short",
    "extra_cell": "a row with one cell too many",
    "blank_row": "an empty row inside the table",
}


def with_defects(table: Table, defects: Sequence[str]) -> Table:
    """A copy of the table with the given mistakes, each in its own data row."""
    rows = [list(row) for row in table.rows]
    for index, defect in enumerate(defects):
        if defect not in DEFECTS:
            raise SpecError(f"unknown defect {defect!r} (one of {', '.join(DEFECTS)})")
        if len(rows) < 2 + 2 * index:
            raise SpecError(f"defect {defect!r}: the table has too few rows ({len(rows)})")
        at = 1 + 2 * index
        if defect == "missing_cell":
            rows[at] = rows[at][:-1]
        elif defect == "extra_cell":
            rows[at] = rows[at] + ["ดูหมายเหตุ"]
        else:
            rows.insert(at, [""] * len(table.headers))
    return Table(table.headers, table.keys, rows)


def to_xlsx(table: Table, sheet: str = "data") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet[:31]
    ws.append(table.headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        ws.append(row)
    fixed = dt.datetime(2024, 1, 1)
    workbook.properties.creator = "ckanext-provincial demo"
    workbook.properties.created = fixed
    raw = io.BytesIO()
    workbook.save(raw)
    return _stable_zip(raw.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """The same workbook always gives the same bytes: fixed entry times and
    document timestamps (openpyxl stamps the save time into both)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def to_json(table: Table) -> bytes:
    records = [dict(zip(table.keys, row)) for row in table.rows]
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


def to_geojson(table: Table, name: str) -> bytes:
    if not table.geometries:
        raise SpecError("GeoJSON needs a points, lines or zones table")
    skip = {"latitude", "longitude"}
    features = []
    for row, geometry in zip(table.rows, table.geometries):
        props = {k: v for k, v in zip(table.keys, row) if k not in skip}
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    collection = {"type": "FeatureCollection", "name": name, "features": features}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def to_text(table: Table) -> bytes:
    return ("\n".join(str(row[0]) for row in table.rows) + "\n").encode("utf-8")


def serialise(table: Table, fmt: str, name: str) -> bytes:
    if fmt == "CSV":
        return to_csv(table)
    if fmt == "XLSX":
        return to_xlsx(table)
    if fmt == "GeoJSON":
        return to_geojson(table, name)
    if fmt == "JSON":
        return to_json(table)
    if fmt == "TXT":
        return to_text(table)
    raise SpecError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def generate_files(spec: dict[str, Any], area: Area, end: dt.date, seed: str,
                   basename: str, name: str) -> list[GeneratedFile]:
    """All files (one per format) of one file spec."""
    formats = spec.get("formats") or ["CSV"]
    defects = tuple(spec.get("defects") or ())
    if defects and formats != ["CSV"]:
        raise SpecError(f"{basename}: defects are made in CSV files only (formats: {formats})")
    rng = random.Random(seed)
    table = build_table(spec, area, end, rng)
    if defects:
        table = with_defects(table, defects)
    files = []
    for fmt in formats:
        if fmt not in FORMATS:
            raise SpecError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        ext, mimetype = FORMATS[fmt]
        data = serialise(table, fmt, basename)
        files.append(GeneratedFile(f"{basename}.{ext}", data, fmt, mimetype, f"{name} ({fmt})", defects))
    return files
