"""Auth of the usage statistics: public totals for everyone; one dataset's figures for whom may see it."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit


@toolkit.auth_allow_anonymous_access
def provincial_usage_show(context, data_dict):
    """Whoever may read the dataset (``package_show``); an unknown dataset is the action's 404."""
    dataset = (data_dict or {}).get("id")
    if not dataset or not isinstance(dataset, str):
        return {"success": True}  # the action's validation names the missing field
    try:
        toolkit.check_access("package_show", dict(context), {"id": dataset})
    except toolkit.ObjectNotFound:
        return {"success": True}  # the action answers "Dataset not found"
    except toolkit.NotAuthorized:
        return {"success": False, "msg": toolkit._("Not authorized to see the usage of this dataset")}
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def provincial_usage_summary(context, data_dict):
    # Counts public datasets only, whoever asks.
    return {"success": True}


def get_auth_functions():
    return {
        "provincial_usage_show": provincial_usage_show,
        "provincial_usage_summary": provincial_usage_summary,
    }
