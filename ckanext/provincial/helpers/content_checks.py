"""Template helpers for content validation badges and reports."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.content_checks import jobs, messages
from ckanext.provincial.content_checks.messages import N_
from ckanext.provincial.content_checks.content import SEVERITY, worst_status


def provincial_validation_report(resource: dict[str, Any]) -> dict[str, Any] | None:
    """The resource's report with readable messages, or None (not checkable / never checked)."""
    if not resource or not resource.get("id"):
        return None
    report = jobs.stored_report(resource["id"])
    if report is None:
        return None
    from ckanext.provincial.actions.content_checks import with_messages

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


# What a column's DataStore type means to a reader.
COLUMN_TYPES = {
    "text": N_("Text"), "int8": N_("Whole number"), "numeric": N_("Number"), "date": N_("Date"),
    "timestamp": N_("Date and time"), "bool": N_("Yes or no"),
}


def provincial_column_type_label(type_name: str | None) -> str:
    return toolkit._(COLUMN_TYPES[type_name]) if type_name in COLUMN_TYPES else (type_name or "")


def provincial_column_type_choices() -> list[dict[str, str]]:
    """The Data Dictionary's "Type Override" choices: the types the loader makes."""
    return [{"text": toolkit._(label), "value": value} for value, label in COLUMN_TYPES.items()]


def provincial_datastore_status(resource: dict[str, Any]) -> dict[str, Any] | None:
    """The resource's DataStore load status with readable sentences, or None (never loaded)."""
    if not resource or not resource.get("id"):
        return None
    from ckanext.provincial.actions.datastore import with_message
    from ckanext.provincial.loading import jobs as loads

    report = loads.stored_status(resource["id"])
    if report is None:
        return None
    shown = with_message(report)
    shown["columns"] = [dict(column, type_label=provincial_column_type_label(column.get("type")))
                        for column in report.get("columns") or []]
    return shown


def get_helpers():
    return {
        "provincial_datastore_status": provincial_datastore_status,
        "provincial_column_type_label": provincial_column_type_label,
        "provincial_column_type_choices": provincial_column_type_choices,
        "provincial_validation_report": provincial_validation_report,
        "provincial_validation_badge": provincial_validation_badge,
        "provincial_dataset_validation": provincial_dataset_validation,
    }
