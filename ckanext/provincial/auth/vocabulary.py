"""Who may load the code lists into CKAN (sysadmins) and read them (anyone)."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import vocabulary_store as store

# Group types whose groups only the sync writes (from the operator's files).
SYNCED_GROUP_TYPES = (store.ISSUE_GROUP_TYPE, store.NATIONAL_GROUP_TYPE)


def provincial_vocabulary_sync(context, data_dict):
    # Sysadmins pass before auth functions run; nobody else changes vocabularies.
    return {"success": False, "msg": toolkit._("Only system administrators can load the PMQA, development issue and national category lists")}


@toolkit.auth_allow_anonymous_access
def provincial_vocabulary_show(context, data_dict):
    return {"success": True}


@toolkit.chained_auth_function
def group_create(next_auth, context, data_dict):
    # CKAN lets every signed-in user create groups (ckan.auth.user_create_groups);
    # a development issue or national category made that way would be accepted
    # by the dataset validators as if it came from the operator's files.
    group_type = (data_dict or {}).get("type") or context.get("group_type")
    if group_type in SYNCED_GROUP_TYPES:
        return {"success": False, "msg": toolkit._(
            "Development issues and national categories come from the operator's files: "
            "a system administrator loads them with ckan provincial vocabulary sync")}
    return next_auth(context, data_dict)


def get_auth_functions():
    return {
        "group_create": group_create,
        "provincial_vocabulary_sync": provincial_vocabulary_sync,
        "provincial_vocabulary_show": provincial_vocabulary_show,
    }
