"""Datasets into the national GDC metadata workbook: an organization's, a province's or the whole portal's.

The datasets are those ``package_search`` gives the user: private ones only
to those who may read them. They are read page by page and handed to
``gdc_workbook.writer.write_catalogue``, which streams them into the current
national layout with our provincial columns after the national ones, so that
the file imports back into any portal (``catalogue_import``) as the same
datasets, and the national catalogue's staff read it as any agency's workbook.
"""
from __future__ import annotations

from typing import Any, Iterator, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import gap, model

PAGE_ROWS = 500


def search_filter(owner_org: Optional[str] = None, province_code: Optional[str] = None) -> str:
    """The ``fq`` of the datasets to export (``owner_org`` an id)."""
    parts = ["+dataset_type:dataset"]
    if owner_org:
        parts.append(f'+owner_org:"{owner_org}"')
    if province_code:
        parts.append(f'+{gap.INDEX_PROVINCE_FIELD}:"{province_code}"')
    return " ".join(parts)


def datasets(context: dict[str, Any], owner_org: Optional[str] = None,
             province_code: Optional[str] = None) -> Iterator[dict[str, Any]]:
    """Every dataset of the filter the user may see, as ``package_show`` gives it, by URL name."""
    fq = search_filter(owner_org, province_code)
    start = 0
    while True:
        found = toolkit.get_action("package_search")(dict(context), {
            "q": "*:*", "fq": fq, "rows": PAGE_ROWS, "start": start, "sort": "name asc",
            "include_private": True, "include_drafts": False, "facet": "false",
        })
        results = found["results"]
        yield from results
        start += len(results)
        if not results or start >= found["count"]:
            return


def organization_names(context: dict[str, Any], fq: str) -> dict[str, str]:
    """Organization id → the name a workbook shows for it (its title), for the organizations of ``fq``."""
    found = toolkit.get_action("package_search")(dict(context), {
        "q": "*:*", "fq": fq, "rows": 0, "include_private": True, "include_drafts": False,
        "facet": "true", "facet.field": ["owner_org"], "facet.limit": -1, "facet.mincount": 1,
    })
    ids = [item["name"] for item in found["search_facets"].get("owner_org", {}).get("items", [])]
    return {org["id"]: org["title"] for org in model.organizations(ids).values()}


def export(context: dict[str, Any], owner_org: Optional[str] = None, province_code: Optional[str] = None) -> bytes:
    """The workbook of the datasets of an organization (id), a province, or the whole portal."""
    from ckanext.provincial.gdc_workbook import writer

    names = organization_names(context, search_filter(owner_org, province_code))
    return writer.write_catalogue(datasets(context, owner_org, province_code), organizations=names)


def template() -> bytes:
    """The workbook without datasets: the headers of the current layout, with our columns."""
    from ckanext.provincial.gdc_workbook import writer

    return writer.write_template()
