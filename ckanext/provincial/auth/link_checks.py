"""Who may run and read link checks: sysadmins run them; whoever may see a resource sees its check."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.auth import access


def provincial_link_check_run(context, data_dict):
    return {"success": False, "msg": toolkit._("Only sysadmins may run link checks")}


@toolkit.auth_allow_anonymous_access
def provincial_link_check_show(context, data_dict):
    return access.resource_allowed("resource_show", context, (data_dict or {}).get("resource_id"),
                                   toolkit._("Not authorized to see this resource"))


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
