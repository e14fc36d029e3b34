"""Who may read and run content validation and DataStore loads: whoever may read / edit the resource."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.auth import access


def _allowed(action: str, context, resource_id) -> dict:
    return access.resource_allowed(action, context, resource_id,
                                   toolkit._("Not authorized to see or check this resource"))


@toolkit.auth_allow_anonymous_access
def provincial_validation_show(context, data_dict):
    return _allowed("resource_show", context, (data_dict or {}).get("resource_id"))


def provincial_validation_run(context, data_dict):
    return _allowed("resource_update", context, (data_dict or {}).get("resource_id"))


@toolkit.auth_allow_anonymous_access
def provincial_datastore_status(context, data_dict):
    return _allowed("resource_show", context, (data_dict or {}).get("resource_id"))


def provincial_datastore_submit(context, data_dict):
    return _allowed("resource_update", context, (data_dict or {}).get("resource_id"))


def get_auth_functions():
    return {
        "provincial_validation_show": provincial_validation_show,
        "provincial_validation_run": provincial_validation_run,
        "provincial_datastore_status": provincial_datastore_status,
        "provincial_datastore_submit": provincial_datastore_submit,
    }
