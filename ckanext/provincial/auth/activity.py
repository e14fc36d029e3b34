"""Who may read the plan's history: everyone, as everyone reads the plan."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit


@toolkit.auth_allow_anonymous_access
def provincial_requirement_activity_list(context, data_dict):
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def provincial_plan_activity_list(context, data_dict):
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def provincial_requirement_status_history(context, data_dict):
    return {"success": True}


def get_auth_functions():
    return {
        "provincial_requirement_activity_list": provincial_requirement_activity_list,
        "provincial_plan_activity_list": provincial_plan_activity_list,
        "provincial_requirement_status_history": provincial_requirement_status_history,
    }
