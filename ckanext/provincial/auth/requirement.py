"""Who may edit a province's requirement plan: sysadmins, and admins of its coordinating organization.

An organization coordinates the plan of a province when its fields say
``plan_coordinator: "True"`` and ``province_code: <the province>``. Everyone
reads the plan. (Sysadmins pass every CKAN auth check before these run.)
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import model


def _field(org: dict[str, Any], name: str) -> str:
    """An organization field, whether scheming shows it at the top level or it is a plain extra."""
    if name in org:
        return str(org.get(name) or "")
    for extra in org.get("extras") or []:
        if extra.get("key") == name:
            return str(extra.get("value") or "")
    return ""


def coordinated_provinces(user_name: str) -> set[str]:
    """Provinces whose plan the user coordinates as admin of a coordinating organization."""
    if not user_name:
        return set()
    site = {"ignore_auth": True}
    orgs = toolkit.get_action("organization_list_for_user")(
        dict(site, user=user_name), {"id": user_name, "permission": "admin", "include_dataset_count": False}
    )
    found = set()
    for org in orgs:
        full = toolkit.get_action("organization_show")(dict(site), {
            "id": org["id"], "include_datasets": False, "include_users": False, "include_groups": False,
            "include_tags": False, "include_followers": False, "include_extras": True,
        })
        if _field(full, "plan_coordinator").lower() == "true" and _field(full, "province_code"):
            found.add(_field(full, "province_code"))
    return found


def can_edit_plan(context, province_code: str) -> bool:
    user = context.get("user")
    if not user:
        return False
    user_obj = context.get("auth_user_obj")
    if getattr(user_obj, "sysadmin", False):
        return True
    cache = context.setdefault("provincial_coordinated", {})
    if user not in cache:
        cache[user] = coordinated_provinces(user)
    return str(province_code or "") in cache[user]


def _decision(context, province_code) -> dict[str, Any]:
    if can_edit_plan(context, province_code):
        return {"success": True}
    return {"success": False, "msg": toolkit._(
        "Only sysadmins and admins of the organization coordinating the plan of province {province} may change it"
    ).format(province=province_code or "?")}


def _province_of(data_dict) -> str:
    data_dict = data_dict or {}
    if data_dict.get("id"):
        requirement = model.requirement_by_id(data_dict["id"])
        if requirement is None:
            raise toolkit.ObjectNotFound(toolkit._("Requirement not found"))
        return requirement.province_code
    return str(data_dict.get("province_code") or "")


def provincial_requirement_create(context, data_dict):
    return _decision(context, (data_dict or {}).get("province_code"))


def provincial_requirement_update(context, data_dict):
    return _decision(context, _province_of(data_dict))


def provincial_requirement_delete(context, data_dict):
    return _decision(context, _province_of(data_dict))


def provincial_requirement_import(context, data_dict):
    return _decision(context, (data_dict or {}).get("province_code"))


@toolkit.auth_allow_anonymous_access
def provincial_requirement_show(context, data_dict):
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def provincial_requirement_list(context, data_dict):
    return {"success": True}


def get_auth_functions():
    return {
        "provincial_requirement_create": provincial_requirement_create,
        "provincial_requirement_update": provincial_requirement_update,
        "provincial_requirement_delete": provincial_requirement_delete,
        "provincial_requirement_import": provincial_requirement_import,
        "provincial_requirement_show": provincial_requirement_show,
        "provincial_requirement_list": provincial_requirement_list,
    }
