"""The gap analysis is public; what it lists is filtered per viewer by the actions. Snapshots: sysadmins."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit


@toolkit.auth_allow_anonymous_access
def provincial_gap_show(context, data_dict):
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def provincial_gap_summary(context, data_dict):
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def provincial_gap_snapshot_list(context, data_dict):
    return {"success": True}


def provincial_gap_snapshot_create(context, data_dict):
    # Sysadmins pass before this runs; the CLI acts as the site user.
    return {"success": False, "msg": toolkit._("Only sysadmins may record gap snapshots")}


def get_auth_functions():
    return {
        "provincial_gap_show": provincial_gap_show,
        "provincial_gap_summary": provincial_gap_summary,
        "provincial_gap_snapshot_list": provincial_gap_snapshot_list,
        "provincial_gap_snapshot_create": provincial_gap_snapshot_create,
    }
