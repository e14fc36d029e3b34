"""Metadata quality: a dataset's score for whoever may see the dataset; the means are public."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit


@toolkit.auth_allow_anonymous_access
def provincial_quality_show(context, data_dict):
    # The score tells what the dataset's metadata holds: the same rule as package_show.
    try:
        toolkit.check_access("package_show", dict(context), {"id": (data_dict or {}).get("id")})
    except toolkit.NotAuthorized:
        return {"success": False, "msg": toolkit._("Not authorized to see this dataset")}
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
