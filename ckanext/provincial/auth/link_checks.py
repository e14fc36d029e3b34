"""Who may run and read link checks: sysadmins run them; whoever may see a resource sees its check."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.validators import requirement as checks


def provincial_link_check_run(context, data_dict):
    return {"success": False, "msg": toolkit._("Only sysadmins may run link checks")}


@toolkit.auth_allow_anonymous_access
def provincial_link_check_show(context, data_dict):
    resource_id = (data_dict or {}).get("resource_id")
    # Runs before the action validates its parameters: CKAN's resource auth fails on ids that are
    # not text, or that hold characters no id has (NUL, lone surrogates).
    if not isinstance(resource_id, str) or checks.UNSTORABLE.search(resource_id):
        return {"success": False, "msg": toolkit._("Resource not found")}
    try:
        toolkit.check_access("resource_show", dict(context), {"id": resource_id})
    except toolkit.ObjectNotFound:
        return {"success": False, "msg": toolkit._("Resource not found")}
    except toolkit.NotAuthorized:
        return {"success": False, "msg": toolkit._("Not authorized to see this resource")}
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def provincial_link_broken_list(context, data_dict):
    # Public: the list only holds datasets the user may see (the action searches as the user).
    return {"success": True}


def get_auth_functions():
    return {
        "provincial_link_check_run": provincial_link_check_run,
        "provincial_link_check_show": provincial_link_check_show,
        "provincial_link_broken_list": provincial_link_broken_list,
    }
