"""DataStore load actions: a resource's load status, a reload on request."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit
from ckanext.provincial.actions.content_checks import validation_show_schema
from ckanext.provincial.loading import jobs as loads
from ckanext.provincial.content_checks import messages
from ckanext.provincial.actions.schema_check import validated


def with_message(report: dict[str, Any]) -> dict[str, Any]:
    """The status with sentences in the request's language."""
    shown = dict(report)
    shown["status_label"] = toolkit._(messages.LOAD_STATUS_LABELS.get(report.get("status") or "", messages.LOAD_STATUS_LABELS["pending"]))
    if report.get("error"):
        shown["error"] = dict(report["error"], message=messages.describe(report["error"], toolkit._))
    return shown


@toolkit.side_effect_free
def provincial_datastore_status(context, data_dict) -> dict[str, Any]:
    """Return the DataStore load status of a resource.

    :param resource_id: the id of the resource
    :type resource_id: string

    :returns: ``status`` (``pending``, ``running``, ``complete`` or
        ``error``), ``status_label``, ``started``, ``finished``; once complete
        ``rows``, ``columns`` (``id``, ``label`` - the full header -, ``type``),
        ``header_row``, ``title``, ``footnotes``, ``blank_rows``, ``sheet``,
        ``sheets_left_out``; on error ``error`` (``code``, ``row``,
        ``column``, ``field``, ``cell``, ``note`` and a readable ``message``)
    :rtype: dictionary
    :raises: ``ObjectNotFound`` when the resource was never loaded
    """
    toolkit.check_access("provincial_datastore_status", context, data_dict)
    data = validated(context, data_dict, validation_show_schema())
    report = loads.stored_status(data["resource_id"])
    if report is None:
        raise toolkit.ObjectNotFound(toolkit._("This resource has not been loaded into the DataStore."))
    report["resource_id"] = data["resource_id"]
    return with_message(report)


def provincial_datastore_submit(context, data_dict) -> dict[str, Any]:
    """Load a resource's table into the DataStore again (after a change of a
    column type in the Data Dictionary, or to move a table loaded by an
    earlier loader to full headers and real types).

    :param resource_id: the id of the resource
    :type resource_id: string
    :param sync: load now and return the result instead of queueing a
        background job (default ``false``; sysadmins only)
    :type sync: bool

    :returns: the load status (``pending`` when queued)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_datastore_submit", context, data_dict)
    from ckanext.provincial.actions.content_checks import validation_run_schema

    data = validated(context, data_dict, validation_run_schema())
    resource = toolkit.get_action("resource_show")(dict(context, ignore_auth=True), {"id": data["resource_id"]})
    if not loads.is_loadable(resource):
        raise toolkit.ValidationError({"resource_id": [toolkit._(
            "Only files of these formats are loaded into the DataStore: {formats}.").format(
                formats=", ".join(sorted(loads.loaded_formats())))]})
    if data.get("sync"):
        toolkit.check_access("sysadmin", context, data_dict)
        loads.process_resource(resource["id"], None, wait_seconds=0, check=False)
    else:
        loads.enqueue(resource, check=False)
    return toolkit.get_action("provincial_datastore_status")(context, {"resource_id": resource["id"]})


def get_actions():
    return {
        "provincial_datastore_status": provincial_datastore_status,
        "provincial_datastore_submit": provincial_datastore_submit,
    }
