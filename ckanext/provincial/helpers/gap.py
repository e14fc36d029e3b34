"""Template helpers of the requirement plan and gap pages: labels, colours, chart data, permissions."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import freshness, gap, gap_service, language, quality, schemas
from ckanext.provincial.validators import requirement as checks
from ckanext.provincial.language import N_



STATUS_LABELS = {
    gap.AVAILABLE: N_("Available"),
    gap.INCOMPLETE: N_("Incomplete"),
    gap.STALE: N_("Out of date"),
    gap.RESTRICTED: N_("Not public"),
    gap.MISSING: N_("Missing"),
}
STATUS_HELP = {
    gap.AVAILABLE: N_("Public, up to date and complete"),
    gap.INCOMPLETE: N_("Public and up to date, but fails a quality check"),
    gap.STALE: N_("Public, but older than its update frequency allows"),
    gap.RESTRICTED: N_("Only private datasets fulfil it"),
    gap.MISSING: N_("No dataset fulfils it"),
}
# Colour-blind-safe (Okabe-Ito) and readable in print: green, sky blue, orange, purple, vermilion.
STATUS_COLOURS = {
    gap.AVAILABLE: "#009E73",
    gap.INCOMPLETE: "#56B4E9",
    gap.STALE: "#E69F00",
    gap.RESTRICTED: "#CC79A7",
    gap.MISSING: "#D55E00",
}
PRIORITY_LABELS = {"high": N_("High"), "medium": N_("Medium"), "low": N_("Low")}
PROBLEM_LABELS = {
    quality.NO_RESOURCE: N_("no resource"),
    quality.EMPTY_URL: N_("a resource has no URL"),
    quality.MISSING: N_("empty required field: {field}"),
    quality.FORMAT: N_("no resource in the declared format {format}"),
    quality.INVALID_CONTENT: N_("the contents of resource “{resource}” fail validation"),
    quality.BROKEN_LINK: N_("the link of resource “{resource}” is broken"),
}
SORT_KEYS = ("code", "title", "development_issue", "agency", "status", "days_overdue", "datasets")


def unit_name_en(unit: str) -> str:
    """The English name of an update-frequency unit, as the dataset form's labels (presets.yaml) word it."""
    for choice in schemas.preset_choices("gdc_update_frequency_unit"):
        if choice["value"] == unit:
            return language.label_text(choice.get("label"), "en", unit)
    return unit


def status_label(status: str) -> str:
    return toolkit._(STATUS_LABELS.get(status, status))


def status_help(status: str) -> str:
    return toolkit._(STATUS_HELP.get(status, ""))


def statuses() -> list[dict[str, str]]:
    return [{"key": s, "label": status_label(s), "help": status_help(s), "colour": STATUS_COLOURS[s]}
            for s in gap.STATUSES]


def text(label: Optional[dict[str, str]], fallback: str = "") -> str:
    """A ``{"th", "en"}`` label in the page's language."""
    return language.label_text(label, default=fallback)


def unit_label(unit: Optional[str], interval: Any = 1) -> str:
    if not unit:
        return ""
    name = unit_name_en(unit).lower() if language.is_english() else unit
    count = freshness.parse_interval(interval)
    return toolkit._("every {count} {unit}").format(count=count, unit=name) if count > 1 else name


def priority_label(priority: Optional[str]) -> str:
    return toolkit._(PRIORITY_LABELS[priority]) if priority in PRIORITY_LABELS else ""


def problem_label(problem: str) -> str:
    if problem.startswith(quality.MISSING):
        return toolkit._(PROBLEM_LABELS[quality.MISSING]).format(field=problem[len(quality.MISSING):])
    if problem.startswith(quality.FORMAT):
        return toolkit._(PROBLEM_LABELS[quality.FORMAT]).format(format=problem[len(quality.FORMAT):])
    if problem.startswith(quality.INVALID_CONTENT):
        return toolkit._(PROBLEM_LABELS[quality.INVALID_CONTENT]).format(resource=problem[len(quality.INVALID_CONTENT):])
    if problem.startswith(quality.BROKEN_LINK):
        from ckanext.provincial.helpers.link_checks import resource_label

        return toolkit._(PROBLEM_LABELS[quality.BROKEN_LINK]).format(
            resource=resource_label(problem[len(quality.BROKEN_LINK):]))
    return toolkit._(PROBLEM_LABELS.get(problem, problem))


def province_name(code: Optional[str]) -> str:
    return text(gap_service.province_label(code or ""), code or "")


def can_edit_plan(province_code: Optional[str]) -> bool:
    """Whether the current user may change the province's plan.

    Asked through ``check_access`` (not the auth function itself), so that
    sysadmins and any plugin chaining ``provincial_requirement_create`` decide
    the pages' edit links as they decide the actions.
    """
    user = toolkit.current_user
    if not province_code or not getattr(user, "is_authenticated", False):
        return False
    try:
        toolkit.check_access("provincial_requirement_create", {"user": user.name, "auth_user_obj": user},
                             {"province_code": province_code})
    except toolkit.NotAuthorized:
        return False
    return True


def frequency_units() -> list[dict[str, str]]:
    """The update-frequency units for a form: the stored Thai name, on English pages with the English in brackets."""
    if language.is_english():
        return [{"value": u, "text": f"{u} ({unit_name_en(u)})"} for u in freshness.UNITS]
    return [{"value": u, "text": u} for u in freshness.UNITS]


def geo_levels() -> list[dict[str, str]]:
    return [{"value": level, "text": level} for level in checks.GEO_LEVELS]


def issue_choices(province_code: Optional[str]) -> list[dict[str, Any]]:
    """The province's development issues and sub-issues for a form, parents first."""
    issues = checks.province_issues(province_code or "") or []
    return [{"value": i.code, "text": i.name.in_language("en" if language.is_english() else "th"), "parent": i.parent or ""}
            for i in issues]


def pmqa_choices() -> list[dict[str, str]]:
    vocabulary = checks.pmqa_vocabulary()
    if vocabulary is None:
        return []
    return [{"value": t.code, "text": f"{t.code} {t.name.in_language('en' if language.is_english() else 'th')}",
             "category": t.is_category} for t in vocabulary.terms]


def sort_rows(rows: list[dict[str, Any]], sort: Optional[str]) -> list[dict[str, Any]]:
    """The drill-down table's order: ``key`` or ``key desc`` of ``SORT_KEYS`` (default: by code)."""
    key, _, direction = (sort or "code").partition(" ")
    if key not in SORT_KEYS:
        key = "code"
    rank = {s: i for i, s in enumerate(gap.STATUSES)}

    def value(row):
        if key == "status":
            return (rank.get(row["status"], 0),)
        if key == "days_overdue":
            return (row.get("days_overdue") is None, row.get("days_overdue") or 0)
        if key == "datasets":
            return (len(row.get("datasets") or []) + (row.get("hidden_datasets") or 0),)
        if key == "title":
            return ((row.get("title_en") if language.is_english() else row.get("title_th")) or row.get("title_th") or "",)
        if key == "agency":
            return (row.get("agency_title") or "",)
        return (str(row.get(key) or ""),)

    return sorted(rows, key=lambda r: (value(r), str(r.get("code") or "")), reverse=direction == "desc")


def chart_data(result: dict[str, Any], snapshots: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
    """What the gap page's charts draw, embedded in the page as JSON (readable without JavaScript)."""
    order = list(gap.STATUSES)
    issues = result.get("by_development_issue") or []
    trend = snapshots or []
    return {
        "statuses": [{"key": s, "label": status_label(s), "colour": STATUS_COLOURS[s]} for s in order],
        "donut": {
            "labels": [status_label(s) for s in order],
            "colours": [STATUS_COLOURS[s] for s in order],
            "values": [result["summary"]["counts"][s] for s in order],
            "coverage": result["summary"]["coverage"],
            "readiness": result["summary"]["readiness"],
        },
        "issues": {
            "labels": [text(entry.get("label"), entry["key"] or toolkit._("No development issue")) for entry in issues],
            "keys": [entry["key"] for entry in issues],
            "series": [
                {"status": s, "label": status_label(s), "colour": STATUS_COLOURS[s],
                 "values": [entry["counts"][s] for entry in issues]}
                for s in order
            ],
        },
        "trend": {
            "labels": [snapshot["taken_at"][:10] for snapshot in trend],
            "coverage": [snapshot["coverage"] for snapshot in trend],
            "readiness": [snapshot["readiness"] for snapshot in trend],
        },
        "texts": {"coverage": toolkit._("Coverage") + " (%)", "readiness": toolkit._("Readiness score") + " (%)",
                  "requirements": toolkit._("Requirements")},
    }


def summary_chart_data(summary: dict[str, Any]) -> dict[str, Any]:
    """The comparison chart across provinces (stacked counts per status)."""
    order = list(gap.STATUSES)
    provinces = summary.get("provinces") or []
    return {
        "issues": {
            "labels": [text(p.get("province"), p["province_code"]) for p in provinces],
            "keys": [p["province_code"] for p in provinces],
            "series": [
                {"status": s, "label": status_label(s), "colour": STATUS_COLOURS[s],
                 "values": [p["counts"][s] for p in provinces]}
                for s in order
            ],
        },
        "texts": {"requirements": toolkit._("Requirements")},
    }


def get_helpers():
    return {
        "provincial_gap_statuses": statuses,
        "provincial_gap_status_label": status_label,
        "provincial_gap_status_help": status_help,
        "provincial_gap_text": text,
        "provincial_gap_unit_label": unit_label,
        "provincial_gap_priority_label": priority_label,
        "provincial_gap_problem_label": problem_label,
        "provincial_gap_province_name": province_name,
        "provincial_can_edit_plan": can_edit_plan,
        "provincial_gap_frequency_units": frequency_units,
        "provincial_gap_geo_levels": geo_levels,
        "provincial_gap_issue_choices": issue_choices,
        "provincial_gap_pmqa_choices": pmqa_choices,
    }
