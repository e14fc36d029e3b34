"""Who may load the code lists into CKAN (sysadmins) and read them (anyone)."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit


def provincial_vocabulary_sync(context, data_dict):
    # Sysadmins pass before auth functions run; nobody else changes vocabularies.
    return {"success": False, "msg": toolkit._("Only system administrators can load the PMQA, development issue and national category lists")}


@toolkit.auth_allow_anonymous_access
def provincial_vocabulary_show(context, data_dict):
    return {"success": True}


def get_auth_functions():
    return {
        "provincial_vocabulary_sync": provincial_vocabulary_sync,
        "provincial_vocabulary_show": provincial_vocabulary_show,
    }
