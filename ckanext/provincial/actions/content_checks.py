"""Content validation actions: read a resource's report, run a check."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.content_checks import jobs, messages
from ckanext.provincial.validators import requirement as checks
from ckanext.provincial.actions.schema_check import validated


def validation_show_schema() -> dict[str, Any]:
    not_empty = toolkit.get_validator("not_empty")
    unicode_safe = toolkit.get_validator("unicode_safe")
    resource_id_exists = toolkit.get_validator("resource_id_exists")
    return {"resource_id": [not_empty, unicode_safe, checks.storable_text, resource_id_exists]}


def validation_run_schema() -> dict[str, Any]:
    schema = validation_show_schema()
    schema["sync"] = [toolkit.get_validator("ignore_missing"), checks.boolean_validator]
    return schema


def with_messages(report: dict[str, Any]) -> dict[str, Any]:
    """The report with a sentence in the request's language for each error."""
    shown = dict(report)
    shown["status_label"] = messages.status_label(report.get("status"), toolkit._)
    shown["errors"] = [dict(error, message=messages.describe(error, toolkit._)) for error in report.get("errors") or []]
    if report.get("row_limit_reached"):
        shown["note"] = toolkit._(messages.ROW_LIMIT).format(rows=report.get("rows_checked"))
    return shown


@toolkit.side_effect_free
def provincial_validation_show(context, data_dict) -> dict[str, Any]:
    """Return the content validation report of a resource.

    :param resource_id: the id of the resource
    :type resource_id: string

    :returns: the report: ``status`` (``success``, ``failure``, ``error`` or
        ``pending``), ``checked_at``, ``format``, ``encoding``,
        ``rows_checked``, ``row_limit_reached``, ``error_count``,
        ``errors_by_code`` and ``errors`` (each with ``code``, ``row``,
        ``column``, ``field``, ``cell``, ``note`` and a readable ``message``)
    :rtype: dictionary
    :raises: ``ObjectNotFound`` when the resource was never checked
    """
    toolkit.check_access("provincial_validation_show", context, data_dict)
    data = validated(context, data_dict, validation_show_schema())
    report = jobs.stored_report(data["resource_id"])
    if report is None:
        raise toolkit.ObjectNotFound(toolkit._("This resource has no validation report."))
    report["resource_id"] = data["resource_id"]
    return with_messages(report)


def provincial_validation_run(context, data_dict) -> dict[str, Any]:
    """Check a resource's file again, in the background or now.

    :param resource_id: the id of the resource
    :type resource_id: string
    :param sync: check now and return the report instead of queueing a
        background job (default ``false``; sysadmins only)
    :type sync: bool

    :returns: the report (``status`` ``pending`` when queued)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_validation_run", context, data_dict)
    data = validated(context, data_dict, validation_run_schema())
    resource = toolkit.get_action("resource_show")(dict(context, ignore_auth=True), {"id": data["resource_id"]})
    if not jobs.is_checkable(resource):
        raise toolkit.ValidationError({"resource_id": [toolkit._(
            "Only files of these formats can be checked: {formats}.").format(formats=", ".join(sorted(jobs.checked_formats())))]})
    if data.get("sync"):
        toolkit.check_access("sysadmin", context, data_dict)
        jobs.check_resource(resource["id"], None, wait_seconds=0)
    else:
        jobs.enqueue(resource)
    return toolkit.get_action("provincial_validation_show")(context, {"resource_id": resource["id"]})


def get_actions():
    return {
        "provincial_validation_show": provincial_validation_show,
        "provincial_validation_run": provincial_validation_run,
    }
