"""Is a dataset complete and correct enough to use (ถูกต้อง)? Checks on its metadata and resources.

A dataset fails the checks ("incomplete") when any of these holds; each failed
check is one problem code:

``missing:<field>``
    a field the national GDC requires is empty (``REQUIRED_FIELDS``);
``no_resource``
    the dataset has no resource (no file, no link);
``empty_url``
    a resource has an empty URL;
``format:<declared>``
    a format declared in ``data_format`` (e.g. ``CSV``, ``XLS``) is not the
    format of any resource. Declared values with no file format of their own
    (``Database``, ``NoSQL``, ``ไม่ทราบ``, ``อื่นๆ``) are not checked;
``content:<resource>``
    the contents of a resource failed the Frictionless check (its
    ``validation_status`` is ``failure``, or ``error`` when the file could not
    be read as a table at all: empty, binary, malformed);
``link:<resource id>``
    a resource that is a link failed two link checks in a row (``link_checks/``).
    The indexer puts those ids in ``provincial_broken_links`` before the checks
    run; a dictionary without that key has no link problem.

Works on a ``package_show`` dictionary (resources as a list of dicts) and on
the search-index form of a dataset (``res_url`` / ``res_format`` lists). Pure
module: no CKAN import.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

# Fields the GDC marks required for every data type (besides resources).
REQUIRED_FIELDS: tuple[str, ...] = (
    "title", "owner_org", "data_type", "maintainer", "maintainer_email", "tags", "notes",
    "objective", "update_frequency_unit", "geo_coverage", "data_source", "data_format",
    "data_category", "license_id",
)

NO_RESOURCE = "no_resource"
EMPTY_URL = "empty_url"
MISSING = "missing:"
FORMAT = "format:"
INVALID_CONTENT = "content:"
BROKEN_LINK = "link:"
# Set on the index form of a dataset by link_checks.hooks: ids of its resources whose link is broken.
BROKEN_LINKS_KEY = "provincial_broken_links"
# Validation statuses that mean the data itself is not correct (see content_checks/content.py).
FAILED_CONTENT = frozenset({"failure", "error"})

# Declared GDC ``data_format`` → resource formats that satisfy it (upper case).
DECLARED_FORMATS: dict[str, frozenset[str]] = {
    "CSV": frozenset({"CSV", "TSV"}),
    "XML": frozenset({"XML"}),
    "JSON": frozenset({"JSON", "GEOJSON", "JSON-LD", "JSONLD"}),
    "HTML": frozenset({"HTML", "HTM"}),
    "DOC/DOCX": frozenset({"DOC", "DOCX", "ODT"}),
    "XLS": frozenset({"XLS", "XLSX", "ODS"}),
    "PDF": frozenset({"PDF"}),
    "RDF": frozenset({"RDF", "RDF/XML", "TTL", "TURTLE", "N3", "NT", "JSON-LD", "JSONLD"}),
    "Image": frozenset({"PNG", "JPG", "JPEG", "GIF", "TIF", "TIFF", "SVG", "WEBP", "BMP"}),
    "Video": frozenset({"MP4", "AVI", "MOV", "WEBM", "MKV", "MPEG", "MPG", "WMV"}),
    "Audio": frozenset({"MP3", "WAV", "OGG", "FLAC", "M4A", "AAC"}),
    "Text": frozenset({"TXT", "TEXT", "MD", "RTF"}),
    "Shapefile": frozenset({"SHP", "SHAPEFILE", "ZIP"}),
    "GeoTiff": frozenset({"GEOTIFF", "TIF", "TIFF"}),
    "GML": frozenset({"GML"}),
    "Arc/Info Coverage": frozenset({"E00", "ADF", "ARC/INFO COVERAGE"}),
}

# Media types and spellings that name a format.
_FORMAT_SYNONYMS = {
    "TEXT/CSV": "CSV", "APPLICATION/CSV": "CSV",
    "APPLICATION/JSON": "JSON", "APPLICATION/GEO+JSON": "GEOJSON",
    "APPLICATION/XML": "XML", "TEXT/XML": "XML", "TEXT/HTML": "HTML", "APPLICATION/PDF": "PDF",
    "APPLICATION/VND.MS-EXCEL": "XLS",
    "APPLICATION/VND.OPENXMLFORMATS-OFFICEDOCUMENT.SPREADSHEETML.SHEET": "XLSX",
    "APPLICATION/MSWORD": "DOC",
    "APPLICATION/VND.OPENXMLFORMATS-OFFICEDOCUMENT.WORDPROCESSINGML.DOCUMENT": "DOCX",
    "TEXT/PLAIN": "TXT", "IMAGE/PNG": "PNG", "IMAGE/JPEG": "JPEG", "APPLICATION/ZIP": "ZIP",
    "EXCEL": "XLSX", "XLS/XLSX": "XLSX",
}


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in ("", "[]", "{}")
    if isinstance(value, (list, tuple, set, dict)):
        return not any(not is_empty(item) for item in (value.values() if isinstance(value, dict) else value))
    return False


def as_list(value: Any) -> list[str]:
    """A list of strings from a list, a JSON list string or a comma-separated string."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        items = list(value)
    else:
        text = str(value).strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except (ValueError, RecursionError):  # "[[[[…" thousands deep
                items = [text]
        else:
            items = text.split(",")
    return [str(item.get("name", "") if isinstance(item, dict) else item).strip() for item in items
            if not is_empty(item)]


def normalize_format(value: Any) -> str:
    text = str(value or "").strip().upper().lstrip(".")
    return _FORMAT_SYNONYMS.get(text, text)


def resources_of(dataset: dict[str, Any]) -> list[dict[str, Any]]:
    """Resources as ``{"url", "format"}`` dicts, from ``resources`` or the index's ``res_*`` lists."""
    if "resources" in dataset and dataset["resources"] is not None:
        return [{"url": r.get("url"), "format": r.get("format")} for r in dataset["resources"]]
    urls = dataset.get("res_url") or []
    formats = dataset.get("res_format") or []
    if isinstance(urls, str):
        urls = [urls]
    if isinstance(formats, str):
        formats = [formats]
    formats = list(formats) + [""] * (len(urls) - len(formats))
    return [{"url": url, "format": fmt} for url, fmt in zip(urls, formats)]


def full_resources(dataset: dict[str, Any]) -> list[dict[str, Any]]:
    """The resource dicts, also when indexing (CKAN moves them into ``validated_data_dict``)."""
    if isinstance(dataset.get("resources"), list):
        return [r for r in dataset["resources"] if isinstance(r, dict)]
    for key in ("validated_data_dict", "data_dict"):
        try:
            stored = json.loads(dataset.get(key) or "{}")
        except (TypeError, ValueError):
            continue
        if isinstance(stored.get("resources"), list):
            return [r for r in stored["resources"] if isinstance(r, dict)]
    return []


def content_problems(dataset: dict[str, Any]) -> list[str]:
    """One ``content:<name>`` problem per resource whose contents failed validation."""
    return [
        INVALID_CONTENT + str(resource.get("name") or resource.get("id") or "")
        for resource in full_resources(dataset)
        if resource.get("validation_status") in FAILED_CONTENT
    ]


def link_problems(dataset: dict[str, Any]) -> list[str]:
    """One ``link:<resource id>`` problem per resource whose link is broken."""
    return [BROKEN_LINK + str(rid) for rid in as_list(dataset.get(BROKEN_LINKS_KEY)) if rid]


def _required_value(dataset: dict[str, Any], field: str) -> Any:
    if field == "tags":
        return dataset.get("tags") or dataset.get("tag_string")
    return dataset.get(field)


def check(dataset: dict[str, Any], required_fields: Iterable[str] = REQUIRED_FIELDS) -> list[str]:
    """The problem codes of a dataset, in a stable order; empty when it passes every check."""
    problems = [MISSING + field for field in required_fields if is_empty(_required_value(dataset, field))]
    resources = resources_of(dataset)
    if not resources:
        problems.append(NO_RESOURCE)
    elif any(is_empty(resource.get("url")) for resource in resources):
        problems.append(EMPTY_URL)
    have = {normalize_format(resource.get("format")) for resource in resources}
    for declared in as_list(dataset.get("data_format")):
        accepted = DECLARED_FORMATS.get(declared)
        if accepted is not None and resources and not (have & accepted):
            problems.append(FORMAT + declared)
    problems.extend(content_problems(dataset))
    problems.extend(link_problems(dataset))
    return problems
