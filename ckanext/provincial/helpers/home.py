"""Template helpers of the home page: the province, headline figures, links, recent datasets.

Every figure comes from an action called as an anonymous visitor, so the page
is the same for everyone and never lists or counts a private dataset. The gap
figures are ``provincial_gap_summary``'s, not recomputed here.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import development_issues, settings
from ckanext.provincial import vocabulary_store as store
from ckanext.provincial.language import current as current_language

RECENT_ROWS = 5
# The PMQA 4.0 category the portal serves (measurement, analysis and knowledge management).
PMQA_CATEGORY = "4"


def _anonymous() -> dict[str, Any]:
    return {"user": "", "ignore_auth": False}


def province_code() -> str:
    return settings.province_code()


def province() -> Optional[dict[str, str]]:
    """The configured province (code and name in the page's language), None on a multi-province portal."""
    code = province_code()
    name = development_issues.province_name(code) if code else None
    return {"code": code, "name": name.in_language(current_language())} if name else None


def _public_search(code: Optional[str]) -> dict[str, Any]:
    # A province's portal shows its own province (the demo portal holds two).
    fq = "+capacity:public" + (f' +{store.PROVINCE_FIELD}:"{code}"' if code else "")
    return toolkit.get_action("package_search")(_anonymous(), {
        "q": "*:*",
        "fq": fq,
        "rows": RECENT_ROWS,
        "sort": "metadata_modified desc",
        "include_private": False,
        "facet.field": ["organization", store.PMQA_INDEX_FIELD, store.ISSUES_INDEX_FIELD],
        "facet.limit": -1,
        "facet.mincount": 1,
    })


def _facet_counts(search: dict[str, Any], field: str) -> dict[str, int]:
    facet = (search.get("search_facets") or {}).get(field) or {}
    return {item["name"]: item["count"] for item in facet.get("items", [])}


def _gap_summary(code: Optional[str]) -> Optional[dict[str, Any]]:
    data = {"province_codes": [code]} if code else {}
    try:
        return toolkit.get_action("provincial_gap_summary")(_anonymous(), data)
    except toolkit.ValidationError:
        return None


def _position(fields: dict[str, Any]) -> int:
    try:
        return int(fields.get("position") or 0)
    except ValueError:
        return 0


def _issues(code: str, counts: dict[str, int]) -> list[dict[str, Any]]:
    """The province's synced development issues and focus areas, each with its sub-issues."""
    groups = {name: fields for name, fields in store.issue_groups().items() if fields.get("province_code") == code}

    def entry(name: str) -> dict[str, Any]:
        kind = development_issues.KIND_LABELS.get(groups[name].get("kind") or "")
        return {
            "code": name,
            "label": store.issue_label(name, groups[name]),
            "kind": toolkit._(kind) if kind else "",
            "datasets": counts.get(name, 0),
            "url": toolkit.h.url_for(store.ISSUE_GROUP_TYPE + ".read", id=name),
        }

    ordered = sorted(groups, key=lambda name: _position(groups[name]))
    return [
        dict(entry(name), children=[entry(child) for child in ordered if groups[child].get("parent") == name])
        for name in ordered if not groups[name].get("parent")
    ]


def _pmqa(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Category 4 and its items with their public datasets; the codes in use when the file is unreadable."""
    pmqa = store.pmqa_file_or_none()
    if pmqa is not None and pmqa.get(PMQA_CATEGORY) is not None:
        codes = [PMQA_CATEGORY] + [term.code for term in pmqa.items_of(PMQA_CATEGORY)]
    else:
        codes = sorted(counts)
    return [{
        "code": code,
        "label": store.pmqa_label(code, pmqa),
        "datasets": counts.get(code, 0),
        "url": toolkit.h.url_for("dataset.search", **{store.PMQA_INDEX_FIELD: code}),
    } for code in codes]


def local_day(timestamp: str) -> str:
    """CKAN's naive UTC timestamp as the day it was in Thailand (the day the gap is judged on too)."""
    from ckanext.provincial.gap_service import TIMEZONE

    try:
        moment = dt.datetime.fromisoformat(timestamp)
    except (TypeError, ValueError):
        return timestamp or ""
    return moment.replace(tzinfo=moment.tzinfo or dt.timezone.utc).astimezone(TIMEZONE).date().isoformat()


def _recent(search: dict[str, Any]) -> list[dict[str, Any]]:
    return [{
        "name": dataset["name"],
        "title": dataset.get("title") or dataset["name"],
        "organization": (dataset.get("organization") or {}).get("title") or "",
        "modified": local_day(dataset.get("metadata_modified") or ""),
    } for dataset in search.get("results", [])]


def home() -> dict[str, Any]:
    """Everything the home page shows, read once per page."""
    chosen = province()
    search = _public_search(chosen["code"] if chosen else None)
    summary = _gap_summary(chosen["code"] if chosen else None)
    plan = None
    if summary is not None:
        plan = (summary["provinces"][0] if summary["provinces"] else None) if chosen else summary["national"]
    return {
        "province": chosen,
        "datasets": search["count"],
        "agencies": len(_facet_counts(search, "organization")),
        "plan": plan,
        "provinces": summary["provinces"] if summary is not None and not chosen else [],
        "date": summary["date"] if summary is not None else "",
        "issues": _issues(chosen["code"], _facet_counts(search, store.ISSUES_INDEX_FIELD)) if chosen else [],
        "pmqa": _pmqa(_facet_counts(search, store.PMQA_INDEX_FIELD)),
        "recent": _recent(search),
    }


def get_helpers():
    return {"provincial_home": home}
