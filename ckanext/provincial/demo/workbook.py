"""The agency workbooks the demo ships: ``demo/data/workbooks/<organization>.xlsx``.

An agency of a demo province brings its catalogue as the national GDC
metadata workbook (``gdc_workbook``); ``demo.loader`` imports it into the
agency's organization as ``ckan provincial demo load`` runs. Each ``.xlsx``
is made from the ``.yaml`` beside it (see that file): the national layout of
``gdc_workbook.writer``, then the agency's own touches with openpyxl: its
title rows, dates typed the ways agencies type them, a few cells as typed.

    python -m ckanext.provincial.demo.workbook    # writes every .xlsx again

Pure: no CKAN.
"""
from __future__ import annotations

import datetime as dt
import glob
import io
import os
from typing import Any

from openpyxl import load_workbook

from ckanext.provincial import thai_dates
from ckanext.provincial.demo import builder
from ckanext.provincial.gdc_workbook import layout as layouts, writer

WORKBOOK_DIR = os.path.join(builder.DATA_DIR, "workbooks")
# Excel's date format in the Thai Buddhist calendar (calendar 107): 1 มี.ค. 2568.
BUDDHIST_DATE_FORMAT = "[$-th-TH,107]d mmm yyyy;@"
# The day the demo agency filled its workbook (the file's properties say so).
FILLED = dt.datetime(2025, 5, 30, 9, 0)


def read_source(path: str) -> dict[str, Any]:
    return builder._read(path)


def stored_datasets(source: dict[str, Any], catalogue: builder.Catalogue) -> list[dict[str, Any]]:
    """The datasets of ``source`` as the portal stores them, demonstration markers included
    (what an import of the workbook must give)."""
    defaults = catalogue.defaults
    note = defaults["marker_note"]
    found = []
    for entry in source["datasets"]:
        dataset = {**source.get("common", {}), **entry}
        dataset.pop("cells", None)
        dataset = {key: value for key, value in dataset.items() if value is not None}
        dataset["title"] = builder.marked(dataset["title"], catalogue)
        dataset["notes"] = f"{dataset['notes'].strip()}\n\n{note}"
        tags = [t.strip() for t in dataset.get("tag_string", "").split(",") if t.strip()]
        dataset["tag_string"] = ",".join(dict.fromkeys([*tags, defaults["tag"]]))
        dataset["resources"] = [
            {**resource, "description": f"{resource['description'].strip()}\n\n{note}"}
            for resource in entry.get("resources") or []
        ]
        found.append(dataset)
    return found


def _typed_date(text: str, style: str) -> Any:
    """A date cell's value as the agency typed it; ``text`` is the writer's ``2568-03-31``."""
    day = thai_dates.parse_text(text)
    if day is None:
        return text
    year = thai_dates.buddhist_year(day.year)
    if style == "thai":
        return thai_dates.format_thai(day, short=True)
    if style == "slash":
        return f"{day.day}/{day.month}/{year}"
    if style == "excel":
        return day
    raise builder.CatalogueError(f"unknown date style {style!r} (thai, slash, excel)")


def build(source: dict[str, Any], catalogue: builder.Catalogue) -> bytes:
    """The workbook's bytes: the national layout with the source's datasets, as the agency typed them."""
    datasets = stored_datasets(source, catalogue)
    organizations = {source["organization"]: source["agency_th"]}
    content = writer.write_catalogue(
        [{**d, "owner_org": source["organization"]} for d in datasets], organizations=organizations)

    book = load_workbook(io.BytesIO(content))
    typed = {entry["name"]: entry.get("cells") or {} for entry in source["datasets"]}
    styles = source.get("date_styles") or {}
    current = layouts.layouts()[layouts.CURRENT]
    for sheet in current.sheets:
        ws = book[sheet.name]
        for row, text in enumerate(source.get("title_rows") or [], start=1):
            ws.cell(row=row, column=1, value=text)
        if sheet.role != layouts.METADATA:
            continue
        letters = {column.key: layouts.column_letter(index)
                   for index, column in enumerate(list(sheet.columns) + list(sheet.provincial), start=1)}
        for row in range(sheet.first_data_row, ws.max_row + 1):
            name = ws[f"{letters['name']}{row}"].value
            if not name:
                continue
            for field, style in styles.items():
                if field in letters and ws[f"{letters[field]}{row}"].value:
                    cell = ws[f"{letters[field]}{row}"]
                    cell.value = _typed_date(cell.value, style)
                    if style == "excel":
                        cell.number_format = BUDDHIST_DATE_FORMAT
            for field, text in typed.get(name, {}).items():
                if field not in letters:
                    raise builder.CatalogueError(f"{name}: sheet {sheet.name} has no column {field!r}")
                ws[f"{letters[field]}{row}"] = str(text)
    book.properties.creator = source["agency_th"]
    book.properties.created = book.properties.modified = FILLED
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sources(directory: str = WORKBOOK_DIR) -> list[str]:
    return sorted(glob.glob(os.path.join(directory, "*.yaml")))


def main() -> None:
    catalogue = builder.load_catalogue()
    for path in sources():
        source = read_source(path)
        target = os.path.splitext(path)[0] + ".xlsx"
        with open(target, "wb") as out:
            out.write(build(source, catalogue))
        print(f"{os.path.relpath(target)}: {len(source['datasets'])} datasets")


if __name__ == "__main__":
    main()
