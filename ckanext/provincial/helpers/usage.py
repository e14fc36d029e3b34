"""Template helpers of the usage statistics: the home page's most viewed datasets, a dataset's
figures, an agency's and a province's months, the gap's use per requirement.

Totals are read as an anonymous visitor would (public datasets only), so a page
shows the same figures to everyone.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import settings, thai_dates, usage
from ckanext.provincial.language import current as current_language

HOME_ROWS = 5
ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _anonymous() -> dict[str, Any]:
    return {"user": "", "ignore_auth": False}


def month_label(month: str) -> str:
    """``2026-11`` as ``พ.ย. 2569`` under Thai (Buddhist era), ``Nov 2026`` otherwise."""
    try:
        year, number = (int(part) for part in month.split("-"))
        thai = current_language().lower().startswith("th")
        if thai:
            return f"{thai_dates.THAI_MONTHS_SHORT[number - 1]} {thai_dates.buddhist_year(year)}"
        return f"{ENGLISH_MONTHS[number - 1]} {year}"
    except (ValueError, IndexError, AttributeError):
        return month or ""


def most_viewed(limit: int = HOME_ROWS) -> list[dict[str, Any]]:
    """The public datasets viewed most (of the portal's province when one is configured); empty
    when nobody has viewed any yet."""
    return usage.most_viewed(limit, province_code=settings.province_code() or None)


def dataset_figures(pkg: dict[str, Any]) -> dict[str, int]:
    """All-time ``views`` and ``downloads`` of a dataset the page already shows to this visitor."""
    found = usage.totals(public_only=False, package_ids=[pkg["id"]]) if pkg.get("id") else []
    return {"views": found[0]["views"], "downloads": found[0]["downloads"]} if found else {"views": 0, "downloads": 0}


def summary(organization: Optional[str] = None, province_code: Optional[str] = None,
            months: int = usage.DEFAULT_MONTHS) -> Optional[dict[str, Any]]:
    """``provincial_usage_summary`` as an anonymous visitor, each month with its ``label`` and its share
    of the busiest month (``percent``, for the bars); None when the scope is unknown."""
    data: dict[str, Any] = {"months": months, "limit": 5}
    if organization:
        data["organization"] = organization
    if province_code:
        data["province_code"] = province_code
    try:
        result = toolkit.get_action("provincial_usage_summary")(_anonymous(), data)
    except toolkit.ValidationError:
        return None
    busiest = max([m["views"] + m["downloads"] for m in result["months"]] + [1])
    for entry in result["months"]:
        entry["label"] = month_label(entry["month"])
        entry["percent"] = round(100 * (entry["views"] + entry["downloads"]) / busiest)
    return result


def requirements(province_code: str) -> dict[str, dict[str, int]]:
    """Per requirement of the province (by ``gap.requirement_key``), the use of its public datasets."""
    return usage.requirement_usage(province_code) if province_code else {}


def of_requirement(found: dict[str, dict[str, int]], row: dict[str, Any]) -> dict[str, int]:
    return usage.for_requirement(found, row.get("province_code"), row.get("code"))


def get_helpers():
    return {
        "provincial_usage_month_label": month_label,
        "provincial_usage_most_viewed": most_viewed,
        "provincial_usage_dataset": dataset_figures,
        "provincial_usage_summary": summary,
        "provincial_usage_requirements": requirements,
        "provincial_usage_of_requirement": of_requirement,
    }
