"""Who may import datasets from a GDC workbook into an organization: its editors and admins, and sysadmins.

The same people may follow an import (its progress, result and report).
Members and anonymous visitors may not. (Sysadmins pass every CKAN auth
check before these run.)
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import model


def may_add_datasets(context, org_id_or_name: Any) -> bool:
    """Whether the context's user may create datasets in the organization (CKAN's own rule)."""
    user = context.get("user")
    if not user or not isinstance(org_id_or_name, str) or not org_id_or_name.strip():
        return False
    org = model.organizations([org_id_or_name]).get(org_id_or_name)
    if org is None:
        return False
    check = {"user": user, "auth_user_obj": context.get("auth_user_obj"), "model": context.get("model")}
    try:
        toolkit.check_access("package_create", {k: v for k, v in check.items() if v is not None},
                             {"owner_org": org["id"]})
    except toolkit.NotAuthorized:
        return False
    return True


def _decision(context, org_id_or_name: Any) -> dict[str, Any]:
    if may_add_datasets(context, org_id_or_name):
        return {"success": True}
    return {"success": False, "msg": toolkit._(
        "Only editors and admins of the organization, and sysadmins, may import datasets into it")}


def provincial_dataset_import(context, data_dict):
    return _decision(context, (data_dict or {}).get("owner_org"))


def provincial_dataset_import_status(context, data_dict):
    from ckanext.provincial import catalogue_import

    entry = catalogue_import.state((data_dict or {}).get("import_id"))
    if entry is None:
        # Nothing to show; the action says it was not found to those who could have started one.
        return {"success": bool(context.get("user"))}
    return _decision(context, entry.get("owner_org"))


def get_auth_functions():
    return {
        "provincial_dataset_import": provincial_dataset_import,
        "provincial_dataset_import_status": provincial_dataset_import_status,
    }
