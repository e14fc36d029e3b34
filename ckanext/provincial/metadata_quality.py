"""Metadata quality score of a dataset, after data.europa.eu's Metadata Quality Assessment (MQA).

The MQA (https://data.europa.eu/mqa/methodology) scores a dataset's DCAT-AP
metadata on five dimensions derived from the FAIR principles, with published
indicators and weights, 405 points at most, and rates the total:
Excellent 351–405, Good 221–350, Sufficient 121–220, Bad 0–120.

This module computes the same indicators, with the same weights, from our own
metadata: a ``package_show`` dictionary of the GDC scheming schema
(schemas/dataset.yaml) and what our DCAT output (ckanext-dcat's
``euro_dcat_ap_3`` + the ``provincial`` profile) makes of it. Where a GDC
field stands for a DCAT property the adaptation is said in ``INDICATORS``
(``source``) and in docs/metadata-quality.md.

Distribution indicators (the ones the MQA checks on each distribution) give
the weight times the share of the dataset's resources that meet them, rounded
to the nearest point; a dataset without resources gets none of them.

Links: the accessibility indicators read a *link state* given by the caller
(this module never queries): ``{"broken": [resource ids], "checked": {resource
id: {"ok": bool, "status_code": int}}}``, from the link checker
(``ckanext.provincial.link_checks.store``). A resource is reachable when it is
an upload (``url_type`` ``upload``: the portal's own file), or it has a URL
that is neither broken (failed two checks in a row) nor last checked not ok.
**A link never checked yet gets the points**: the MQA deducts for observed
errors only, and the score indexed (which knows only the broken ids) stays
equal to the score computed live.

Pure module: no CKAN import.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional

from ckanext.provincial import quality
from ckanext.provincial.dcat import terms


def N_(message: str) -> str:
    """Marks a message for the catalogs (babel extracts ``N_``); ``toolkit._`` translates it where shown."""
    return message


MAX_TOTAL = 405

FINDABILITY = "findability"
ACCESSIBILITY = "accessibility"
INTEROPERABILITY = "interoperability"
REUSABILITY = "reusability"
CONTEXTUALITY = "contextuality"
DIMENSIONS: tuple[str, ...] = (FINDABILITY, ACCESSIBILITY, INTEROPERABILITY, REUSABILITY, CONTEXTUALITY)
DIMENSION_LABELS = {
    FINDABILITY: N_("Findability"),
    ACCESSIBILITY: N_("Accessibility"),
    INTEROPERABILITY: N_("Interoperability"),
    REUSABILITY: N_("Reusability"),
    CONTEXTUALITY: N_("Contextuality"),
}

# Rating bands of the MQA: (lowest total, rating), best first.
EXCELLENT, GOOD, SUFFICIENT, BAD = "excellent", "good", "sufficient", "bad"
RATINGS: tuple[tuple[int, str], ...] = ((351, EXCELLENT), (221, GOOD), (121, SUFFICIENT), (0, BAD))
RATING_LABELS = {EXCELLENT: N_("Excellent"), GOOD: N_("Good"), SUFFICIENT: N_("Sufficient"), BAD: N_("Bad")}

UPLOAD = "upload"

# Formats (upper case, as ``quality.normalize_format`` gives them) by the EU
# file-type vocabulary's flags. Known = our controlled format list: the
# resource formats the GDC ``data_format`` choices accept, and common others.
KNOWN_FORMATS: frozenset[str] = frozenset(
    {fmt for formats in quality.DECLARED_FORMATS.values() for fmt in formats}
    | {"GEOJSON", "KML", "KMZ", "ODP", "PPT", "PPTX", "API", "WMS", "WFS", "SQL", "PARQUET", "GPKG", "XLSM"}
)
MACHINE_READABLE: frozenset[str] = frozenset({
    "CSV", "TSV", "JSON", "GEOJSON", "JSON-LD", "JSONLD", "XML", "RDF", "RDF/XML", "TTL", "TURTLE", "N3", "NT",
    "XLS", "XLSX", "XLSM", "ODS", "GML", "KML", "KMZ", "SHP", "SHAPEFILE", "GEOTIFF", "GPKG", "PARQUET",
    "API", "WMS", "WFS", "SQL",
})
NON_PROPRIETARY: frozenset[str] = frozenset({
    "CSV", "TSV", "JSON", "GEOJSON", "JSON-LD", "JSONLD", "XML", "RDF", "RDF/XML", "TTL", "TURTLE", "N3", "NT",
    "ODS", "ODT", "ODP", "HTML", "HTM", "TXT", "TEXT", "MD", "PDF", "GML", "KML", "GPKG", "PARQUET",
    "PNG", "JPG", "JPEG", "GIF", "SVG", "TIF", "TIFF", "GEOTIFF", "WEBP", "MP3", "OGG", "FLAC", "WEBM", "MP4",
})
# Formats that are a page or a service, not a file to download.
NOT_A_FILE: frozenset[str] = frozenset({"", "HTML", "HTM", "API", "WMS", "WFS", "WEBSITE", "WEB"})

# The GDC licence list (schemas/presets.yaml gdc_license) without "อื่นๆ" (other: free text).
GDC_LICENSES: frozenset[str] = frozenset({
    "Open Data Common", "Creative Commons Attributions", "Creative Commons Attribution Non-Commercial",
    "Creative Commons Attribution Share-Alike", "Creative Commons Attribution Non-Commercial Share-Alike",
    "Creative Commons Attribution Non-Commercial No-Derivs", "Creative Commons Attribution No-Derivs",
})
# The GDC data_category list (schemas/presets.yaml gdc_data_category).
GDC_DATA_CATEGORIES: frozenset[str] = frozenset({
    "ข้อมูลสาธารณะ", "ข้อมูลใช้ภายใน", "ข้อมูลส่วนบุคคล", "ข้อมูลความมั่นคง", "ข้อมูลความลับทางราชการ",
})


@dataclass(frozen=True)
class Indicator:
    key: str
    dimension: str
    weight: int
    label: str        # English msgid (Thai from the catalog)
    hint: str         # what would raise it, English msgid
    source: str       # where our metadata answers it (documentation, not shown)
    distribution: bool = False  # weight × share of resources meeting it


INDICATORS: tuple[Indicator, ...] = (
    # ------------------------------------------------------------ findability (100)
    Indicator("keywords", FINDABILITY, 30, N_("Keywords"),
              N_("Add keywords (tags)."), "tags / tag_string → dcat:keyword"),
    Indicator("categories", FINDABILITY, 30, N_("Categories"),
              N_("Link the dataset to a development issue, a PMQA item or a national category group."),
              "development_issues, pmqa, groups → dcat:theme"),
    Indicator("geo", FINDABILITY, 20, N_("Geographical coverage"),
              N_("Give the province, districts or bounding box the data covers."),
              "province_code, district_codes, subdistrict_codes, bounding box → dct:spatial"),
    Indicator("time", FINDABILITY, 20, N_("Time coverage"),
              N_("Give the reference period, or the first and latest year of the data."),
              "reference_period, first_year_of_data, last_year_of_data → dct:temporal"),
    # ---------------------------------------------------------- accessibility (100)
    Indicator("access_url_status", ACCESSIBILITY, 50, N_("Access URLs reachable"),
              N_("Fix or replace the broken links of the resources."),
              "resource url, link checker (uploads count as reachable)", distribution=True),
    Indicator("download_url", ACCESSIBILITY, 20, N_("Download URLs"),
              N_("Upload the files, or link to the file itself rather than to a web page."),
              "upload, download_url, or a link to a file format → dcat:downloadURL", distribution=True),
    Indicator("download_url_status", ACCESSIBILITY, 30, N_("Download URLs reachable"),
              N_("Make every resource a reachable file (upload it, or fix its link)."),
              "download URLs that are reachable", distribution=True),
    # ------------------------------------------------------- interoperability (110)
    Indicator("format", INTEROPERABILITY, 20, N_("File format"),
              N_("Give every resource its file format."), "resource format → dct:format", distribution=True),
    Indicator("media_type", INTEROPERABILITY, 10, N_("Media type"),
              N_("Upload the files so their media type is recorded, or give it in the resource."),
              "resource mimetype → dcat:mediaType", distribution=True),
    Indicator("format_vocabulary", INTEROPERABILITY, 10, N_("Format from the vocabulary"),
              N_("Choose resource formats from the portal's format list (CSV, XLSX, JSON...)."),
              "format in our controlled format list, or an IANA media type", distribution=True),
    Indicator("non_proprietary", INTEROPERABILITY, 20, N_("Non-proprietary format"),
              N_("Publish the data also in an open format such as CSV, JSON or ODS."),
              "format in the open (non-proprietary) list", distribution=True),
    Indicator("machine_readable", INTEROPERABILITY, 20, N_("Machine-readable format"),
              N_("Publish the data also in a machine-readable format such as CSV, JSON or XLSX (not PDF or images)."),
              "format in the machine-readable list", distribution=True),
    Indicator("dcat_ap", INTEROPERABILITY, 30, N_("DCAT-AP compliance"),
              N_("Give a title, a description and at least one resource, each with a URL."),
              "DCAT-AP mandatory properties: dct:title, dct:description, dcat:distribution with dcat:accessURL"),
    # ------------------------------------------------------------ reusability (75)
    Indicator("license", REUSABILITY, 20, N_("Licence"),
              N_("Choose a licence."), "license_id → dct:license"),
    Indicator("license_vocabulary", REUSABILITY, 10, N_("Licence from the vocabulary"),
              N_("Choose a licence from the GDC list instead of Other."), "license_id in the GDC licence list"),
    Indicator("access_restrictions", REUSABILITY, 10, N_("Access restrictions"),
              N_("Give the data category (government data governance)."),
              "data_category, data_classification → dct:accessRights"),
    Indicator("access_restrictions_vocabulary", REUSABILITY, 5, N_("Access restrictions from the vocabulary"),
              N_("Choose the data category from the GDC list."),
              "data_category in the GDC list → EU access-right table"),
    Indicator("contact_point", REUSABILITY, 20, N_("Contact point"),
              N_("Give a contact email."), "maintainer, maintainer_email → dcat:contactPoint"),
    Indicator("publisher", REUSABILITY, 10, N_("Publisher"),
              N_("Assign the dataset to an agency."), "owner_org → dct:publisher"),
    # ---------------------------------------------------------- contextuality (20)
    Indicator("rights", CONTEXTUALITY, 5, N_("Rights"),
              N_("Describe the access conditions."), "accessible_condition, resource_accessible_condition → dct:rights"),
    Indicator("file_size", CONTEXTUALITY, 5, N_("File size"),
              N_("Upload the files (their size is recorded) or give each resource's size."),
              "resource size → dcat:byteSize", distribution=True),
    Indicator("issued", CONTEXTUALITY, 5, N_("Date of issue"),
              N_("Give the date created or the release date."),
              "created_date, data_release_date, data_release_calendar, resource_created_date → dct:issued"),
    Indicator("modified", CONTEXTUALITY, 5, N_("Modification date"),
              N_("Give the date the data was last updated."),
              "last_updated_date, resource_last_updated_date → dct:modified"),
)
BY_KEY: dict[str, Indicator] = {indicator.key: indicator for indicator in INDICATORS}
DIMENSION_MAX: dict[str, int] = {
    dimension: sum(i.weight for i in INDICATORS if i.dimension == dimension) for dimension in DIMENSIONS
}
assert sum(DIMENSION_MAX.values()) == MAX_TOTAL, DIMENSION_MAX


def rating(points: Optional[float]) -> Optional[str]:
    """The MQA rating of a total (a mean is rounded to the nearest point first); None for None."""
    if points is None:
        return None
    whole = int(float(points) + 0.5)
    for lowest, name in RATINGS:
        if whole >= lowest:
            return name
    return BAD


# ------------------------------------------------------------------ facts --

def _filled(value: Any) -> bool:
    return not quality.is_empty(value)


def _any_filled(container: Mapping[str, Any], *fields: str) -> bool:
    return any(_filled(container.get(field)) for field in fields)


def _resources(dataset: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [r for r in (dataset.get("resources") or []) if isinstance(r, dict)]


def _format(resource: Mapping[str, Any]) -> str:
    return quality.normalize_format(resource.get("format"))


def _tags(dataset: Mapping[str, Any]) -> bool:
    return bool(quality.as_list(dataset.get("tags"))) or bool(quality.as_list(dataset.get("tag_string")))


def _group_names(dataset: Mapping[str, Any]) -> list[str]:
    return quality.as_list(dataset.get("groups"))


def _has_url(resource: Mapping[str, Any]) -> bool:
    return _filled(resource.get("url"))


def _is_upload(resource: Mapping[str, Any]) -> bool:
    return resource.get("url_type") == UPLOAD and _has_url(resource)


class _Links:
    def __init__(self, link_state: Optional[Mapping[str, Any]]):
        link_state = link_state or {}
        self.broken = {str(rid) for rid in (link_state.get("broken") or [])}
        self.checked = dict(link_state.get("checked") or {})

    def reachable(self, resource: Mapping[str, Any]) -> bool:
        if _is_upload(resource):
            return True
        if not _has_url(resource):
            return False
        rid = str(resource.get("id") or "")
        if rid in self.broken:
            return False
        last = self.checked.get(rid)
        if isinstance(last, Mapping) and last.get("ok") is False:
            return False
        return True  # checked and ok, or never checked yet


def _downloadable(resource: Mapping[str, Any]) -> bool:
    if _is_upload(resource) or _filled(resource.get("download_url")):
        return True
    return _has_url(resource) and _format(resource) not in NOT_A_FILE


def _media_type(resource: Mapping[str, Any]) -> bool:
    # ckanext-dcat writes dcat:mediaType from ``mimetype``, or from a format that is a media type.
    return _filled(resource.get("mimetype")) or "/" in str(resource.get("format") or "")


def _format_in_vocabulary(resource: Mapping[str, Any]) -> bool:
    return _format(resource) in KNOWN_FORMATS or "/" in str(resource.get("mimetype") or "")


def _dataset_checks() -> dict[str, Callable[[Mapping[str, Any]], bool]]:
    return {
        "keywords": _tags,
        "categories": lambda d: _any_filled(d, "development_issues", "pmqa") or bool(_group_names(d)),
        "geo": lambda d: _any_filled(d, "province_code", "district_codes", "subdistrict_codes")
        or all(_filled(d.get(f)) for f in ("west_bound_longitude", "east_bound_longitude",
                                           "north_bound_longitude", "south_bound_longitude")),
        "time": lambda d: _any_filled(d, "reference_period", "first_year_of_data", "last_year_of_data"),
        "dcat_ap": lambda d: _any_filled(d, "title") and _any_filled(d, "notes")
        and bool(_resources(d)) and all(_has_url(r) for r in _resources(d)),
        "license": lambda d: _any_filled(d, "license_id"),
        "license_vocabulary": lambda d: str(d.get("license_id") or "").strip() in GDC_LICENSES,
        "access_restrictions": lambda d: _any_filled(d, "data_category", "data_classification"),
        "access_restrictions_vocabulary": lambda d: str(d.get("data_category") or "").strip() in GDC_DATA_CATEGORIES
        and terms.access_right(d.get("data_category"), d.get("data_classification")) is not None,
        "contact_point": lambda d: _any_filled(d, "maintainer_email", "maintainer"),
        "publisher": lambda d: _any_filled(d, "owner_org"),
        "rights": lambda d: _any_filled(d, "accessible_condition")
        or any(_filled(r.get("resource_accessible_condition")) for r in _resources(d)),
        "issued": lambda d: _any_filled(d, "created_date", "data_release_date", "data_release_calendar")
        or any(_any_filled(r, "resource_created_date", "resource_data_release_date") for r in _resources(d)),
        "modified": lambda d: _any_filled(d, "last_updated_date")
        or any(_filled(r.get("resource_last_updated_date")) for r in _resources(d)),
    }


def _resource_checks(links: _Links) -> dict[str, Callable[[Mapping[str, Any]], bool]]:
    return {
        "access_url_status": links.reachable,
        "download_url": _downloadable,
        "download_url_status": lambda r: _downloadable(r) and links.reachable(r),
        "format": lambda r: _format(r) != "",
        "media_type": _media_type,
        "format_vocabulary": _format_in_vocabulary,
        "non_proprietary": lambda r: _format(r) in NON_PROPRIETARY,
        "machine_readable": lambda r: _format(r) in MACHINE_READABLE,
        "file_size": lambda r: _filled(r.get("size")),
    }


def _share_points(weight: int, met: int, of: int) -> int:
    return int(weight * met / of + 0.5) if of else 0


def score(dataset: Mapping[str, Any], link_state: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """The MQA score of a ``package_show`` dictionary, given the link state of its resources.

    :returns: ``{"total", "max": 405, "rating", "dimensions": {dimension: {"score", "max"}},
        "indicators": [{"key", "dimension", "points", "weight", "met"}], "improvements":
        [{"key", "dimension", "gain", "hint"}]}`` (improvements: the indicators not fully met,
        the biggest gain first; ``hint`` an English msgid).
    """
    links = _Links(link_state)
    per_dataset = _dataset_checks()
    per_resource = _resource_checks(links)
    resources = _resources(dataset)
    indicators = []
    for indicator in INDICATORS:
        if indicator.distribution:
            met_count = sum(1 for resource in resources if per_resource[indicator.key](resource))
            points = _share_points(indicator.weight, met_count, len(resources))
        else:
            points = indicator.weight if per_dataset[indicator.key](dataset) else 0
        indicators.append({"key": indicator.key, "dimension": indicator.dimension, "points": points,
                           "weight": indicator.weight, "met": points == indicator.weight})
    dimensions = {
        dimension: {"score": sum(i["points"] for i in indicators if i["dimension"] == dimension),
                    "max": DIMENSION_MAX[dimension]}
        for dimension in DIMENSIONS
    }
    total = sum(i["points"] for i in indicators)
    improvements = sorted(
        ({"key": i["key"], "dimension": i["dimension"], "gain": i["weight"] - i["points"],
          "hint": BY_KEY[i["key"]].hint} for i in indicators if not i["met"]),
        key=lambda item: (-item["gain"], INDICATORS.index(BY_KEY[item["key"]])),
    )
    return {"total": total, "max": MAX_TOTAL, "rating": rating(total), "dimensions": dimensions,
            "indicators": indicators, "improvements": improvements}


# --------------------------------------------------------------- indexing --
#
# The search index holds each dataset's score as facet tokens (multi-valued
# ``vocab_*`` string fields: CKAN's Solr schema has no numeric dynamic field),
# so that one faceted search gives the distribution of scores — and exact
# means — over any filtered set of datasets, per agency and per issue too.

INDEX_TOTAL = "vocab_mqa_total"            # ["<total>"]
INDEX_DIMENSIONS = "vocab_mqa_dimension"   # ["<dimension>:<score>", ...]
INDEX_BY_AGENCY = "vocab_mqa_agency"       # ["<organization name>:<total>"]
INDEX_BY_ISSUE = "vocab_mqa_issue"         # ["<issue code>:<total>", ...] (issues with their parents)
INDEX_FIELDS = (INDEX_TOTAL, INDEX_DIMENSIONS, INDEX_BY_AGENCY, INDEX_BY_ISSUE)
BROKEN_LINKS_FIELD = "provincial_broken_links"  # set on the index dict by the link checker's hook


def _stored_dataset(pkg_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The ``package_show`` form of a dataset being indexed (CKAN keeps it as JSON)."""
    for key in ("validated_data_dict", "data_dict"):
        try:
            stored = json.loads(pkg_dict.get(key) or "{}")
        except (TypeError, ValueError):
            continue
        if isinstance(stored, dict) and stored:
            return stored
    return dict(pkg_dict)


def index_fields(pkg_dict: Mapping[str, Any], issue_codes: Iterable[str] = (),
                 broken_links: Optional[Iterable[str]] = None) -> dict[str, list[str]]:
    """The index fields of a dataset being indexed.

    ``issue_codes``: its development issues with their parents; ``broken_links``:
    ids of its broken resources, as the link checker's index hook found them
    (``provincial_broken_links``), read from ``pkg_dict`` when not given.
    """
    dataset = _stored_dataset(pkg_dict)
    if broken_links is None:
        broken_links = pkg_dict.get(BROKEN_LINKS_FIELD) or []
    result = score(dataset, {"broken": list(broken_links)})
    total = str(result["total"])
    organization = pkg_dict.get("organization")
    if isinstance(organization, Mapping):
        organization = organization.get("name")
    fields = {
        INDEX_TOTAL: [total],
        INDEX_DIMENSIONS: ["{}:{}".format(d, result["dimensions"][d]["score"]) for d in DIMENSIONS],
        INDEX_BY_AGENCY: ["{}:{}".format(organization, total)] if organization else [],
        INDEX_BY_ISSUE: ["{}:{}".format(code, total) for code in dict.fromkeys(issue_codes) if code],
    }
    return {key: value for key, value in fields.items() if value}


# -------------------------------------------------------------- aggregates --

def _split(token: str) -> tuple[str, Optional[int]]:
    key, _sep, value = str(token).rpartition(":")
    try:
        return key, int(value)
    except ValueError:
        return key, None


def _mean(points: float, count: int) -> Optional[float]:
    return round(points / count, 1) if count else None


def aggregate(facets: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """Means from the facet counts of the index fields (``{field: {token: count}}``).

    :returns: ``{"datasets", "score", "rating", "dimensions": {dimension: mean}, "by_agency":
        {name: {"datasets", "score"}}, "by_issue": {code: {"datasets", "score"}}}``; means
        rounded to 0.1, None when there is no dataset.
    """
    datasets = 0
    points = 0
    for token, count in (facets.get(INDEX_TOTAL) or {}).items():
        _key, value = _split("x:" + str(token))
        if value is not None:
            datasets += count
            points += value * count
    dimension_points = {dimension: 0 for dimension in DIMENSIONS}
    for token, count in (facets.get(INDEX_DIMENSIONS) or {}).items():
        dimension, value = _split(token)
        if dimension in dimension_points and value is not None:
            dimension_points[dimension] += value * count

    def grouped(field: str) -> dict[str, dict[str, Any]]:
        counts: dict[str, int] = {}
        sums: dict[str, int] = {}
        for token, count in (facets.get(field) or {}).items():
            key, _sep, value = token.rpartition(":")
            if key and value.isdigit():
                counts[key] = counts.get(key, 0) + count
                sums[key] = sums.get(key, 0) + int(value) * count
        return {key: {"datasets": n, "score": _mean(sums[key], n)} for key, n in counts.items()}

    mean = _mean(points, datasets)
    return {
        "datasets": datasets,
        "score": mean,
        "rating": rating(mean),
        "dimensions": {dimension: _mean(dimension_points[dimension], datasets) for dimension in DIMENSIONS},
        "by_agency": grouped(INDEX_BY_AGENCY),
        "by_issue": grouped(INDEX_BY_ISSUE),
    }
