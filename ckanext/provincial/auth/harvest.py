"""Who harvests what: everyone reads the public catalogue; metadata-only records of
private datasets go to sysadmins and the national harvester accounts only.

(Sysadmins pass every CKAN auth check before these functions run.)
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import settings


def harvester_accounts() -> list[str]:
    """User names from ``ckanext.provincial.harvest.users``."""
    return settings.harvest_users()


@toolkit.auth_allow_anonymous_access
def provincial_harvest_search(context, data_dict) -> dict[str, Any]:
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def provincial_harvest_show(context, data_dict) -> dict[str, Any]:
    return {"success": True}


def provincial_harvest_metadata_only(context, data_dict) -> dict[str, Any]:
    user = context.get("user")
    if user and user in harvester_accounts():
        return {"success": True}
    return {"success": False, "msg": toolkit._(
        "Only sysadmins and the harvester accounts of ckanext.provincial.harvest.users "
        "receive the metadata of private datasets")}


def get_auth_functions():
    return {
        "provincial_harvest_search": provincial_harvest_search,
        "provincial_harvest_show": provincial_harvest_show,
        "provincial_harvest_metadata_only": provincial_harvest_metadata_only,
    }
