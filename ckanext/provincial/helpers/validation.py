"""Template helpers for content validation badges and reports."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.validation import jobs, messages
from ckanext.provincial.validation.content import SEVERITY, worst_status


def provincial_validation_report(resource: dict[str, Any]) -> dict[str, Any] | None:
    """The resource's report with readable messages, or None (not checkable / never checked)."""
    if not resource or not resource.get("id"):
        return None
    report = jobs.stored_report(resource["id"])
    if report is None:
        return None
    from ckanext.provincial.actions.validation import with_messages

    return with_messages(report)


NOT_CHECKED = "not-checked"


def provincial_validation_badge(resource: dict[str, Any]) -> dict[str, Any] | None:
    """``{"status", "label"}`` for the resource's badge, or None.

    A file no check exists for (neither a table nor GeoJSON) says so (``not-checked``), so a reader can tell
    "no check exists for this kind of file" from "forgotten"."""
    if not resource:
        return None
    report = jobs.stored_report(resource["id"]) if resource.get("id") else None
    status = (report or {}).get("status") or resource.get("validation_status")
    if not status and resource.get("url") and not jobs.is_checkable(resource):
        status = NOT_CHECKED
    if not status:
        return None
    return {"status": status, "label": messages.status_label(status, toolkit._)}


def provincial_dataset_validation(dataset: dict[str, Any]) -> dict[str, Any] | None:
    """Summary for the dataset page: worst status and counts, or None without tables."""
    statuses = [
        (provincial_validation_badge(resource) or {}).get("status")
        for resource in dataset.get("resources") or []
        if jobs.is_checkable(resource)
    ]
    statuses = [status for status in statuses if status]
    worst = worst_status(statuses)
    if worst is None:
        return None
    counts = {status: statuses.count(status) for status in SEVERITY if status in statuses}
    return {"status": worst, "label": messages.status_label(worst, toolkit._), "counts": counts, "total": len(statuses)}


def get_helpers():
    return {
        "provincial_validation_report": provincial_validation_report,
        "provincial_validation_badge": provincial_validation_badge,
        "provincial_dataset_validation": provincial_dataset_validation,
    }
