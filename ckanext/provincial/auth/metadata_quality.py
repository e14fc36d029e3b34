"""Metadata quality: a dataset's score for whoever may see the dataset; the means are public."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.validators import requirement as checks


@toolkit.auth_allow_anonymous_access
def provincial_quality_show(context, data_dict):
    # The score tells what the dataset's metadata holds: the same rule as package_show.
    dataset_id = (data_dict or {}).get("id")
    # Runs before the action validates: CKAN's package auth fails on ids that are not text, or
    # that hold characters PostgreSQL refuses (NUL, lone surrogates).
    if not isinstance(dataset_id, str) or checks.UNSTORABLE.search(dataset_id):
        raise toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    try:
        toolkit.check_access("package_show", dict(context), {"id": dataset_id})
    except toolkit.NotAuthorized:
        return {"success": False, "msg": toolkit._("Not authorized to see this dataset")}
    except toolkit.ObjectNotFound:  # package_show's auth has no message
        raise toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def provincial_quality_summary(context, data_dict):
    # Means over public datasets (private ones only those the user may see, through package_search).
    return {"success": True}


def get_auth_functions():
    return {
        "provincial_quality_show": provincial_quality_show,
        "provincial_quality_summary": provincial_quality_summary,
    }
