"""Who may do what with data requests (the rules are in ``ckanext.provincial.datarequest``).

Everyone reads requests; signed-in users ask; the requester edits while the
request is open; the coordinators of the request's province (who may edit its
plan) edit, accept, answer, decline and merge it; the requester, the
coordinators and the members of the suggested agency comment; sysadmins delete.
(Sysadmins pass every CKAN auth check before these run.)
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import datarequest as rules
from ckanext.provincial.auth.requirement import can_edit_plan


def _user(context) -> Any:
    return context.get("auth_user_obj")


def _user_id(context) -> str:
    return getattr(_user(context), "id", "") or ""


def _is_sysadmin(context) -> bool:
    return bool(getattr(_user(context), "sysadmin", False))


def request_of(data_dict) -> rules.DataRequest:
    """The request named by ``id``; ObjectNotFound otherwise."""
    found = rules.by_id((data_dict or {}).get("id"))
    if found is None:
        raise toolkit.ObjectNotFound(toolkit._("Data request not found"))
    return found


def is_coordinator(context, request: rules.DataRequest) -> bool:
    return can_edit_plan(context, request.province_code)


def is_agency_member(context, request: rules.DataRequest) -> bool:
    """A member (any capacity) of the agency the requester suggested."""
    user = context.get("user")
    if not user or not request.organization_id:
        return False
    orgs = toolkit.get_action("organization_list_for_user")(
        {"ignore_auth": True, "user": user}, {"id": user, "permission": "read", "include_dataset_count": False})
    return any(org["id"] == request.organization_id for org in orgs)


def facts(context, request: rules.DataRequest) -> dict[str, bool]:
    """What the rules need to know of the current user and a request."""
    user_id = _user_id(context)
    return {
        "is_requester": bool(user_id) and user_id == request.user_id,
        "is_coordinator": bool(user_id) and is_coordinator(context, request),
        "is_sysadmin": _is_sysadmin(context),
    }


def _answer(allowed: bool, message: str) -> dict[str, Any]:
    return {"success": True} if allowed else {"success": False, "msg": message}


def provincial_datarequest_create(context, data_dict):
    return _answer(bool(context.get("user") and _user(context)), toolkit._("Sign in to ask for data"))


@toolkit.auth_allow_anonymous_access
def provincial_datarequest_show(context, data_dict):
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def provincial_datarequest_list(context, data_dict):
    return {"success": True}


def provincial_datarequest_update(context, data_dict):
    request = request_of(data_dict)
    known = facts(context, request)
    return _answer(rules.may_update(request.status, **known), toolkit._(
        "Only the requester (while the request is open) and the coordinators of the plan of province {province} "
        "may edit this request").format(province=request.province_code))


def _decide(context, data_dict):
    request = request_of(data_dict)
    known = facts(context, request)
    if rules.is_closed(request.status) and (known["is_coordinator"] or known["is_sysadmin"]):
        return {"success": False, "msg": toolkit._("This request is closed")}
    return _answer(rules.may_decide(request.status, known["is_coordinator"], known["is_sysadmin"]), toolkit._(
        "Only the coordinators of the plan of province {province} may accept, answer, decline or merge "
        "its requests").format(province=request.province_code))


def provincial_datarequest_accept(context, data_dict):
    return _decide(context, data_dict)


def provincial_datarequest_close(context, data_dict):
    return _decide(context, data_dict)


def provincial_datarequest_comment(context, data_dict):
    request = request_of(data_dict)
    known = facts(context, request)
    allowed = rules.may_comment(known["is_requester"], known["is_coordinator"],
                                bool(_user_id(context)) and is_agency_member(context, request), known["is_sysadmin"])
    return _answer(allowed, toolkit._(
        "Only the requester, the coordinators of the plan and members of the suggested agency may comment"))


def provincial_datarequest_delete(context, data_dict):
    return {"success": False, "msg": toolkit._("Only sysadmins may delete a data request")}


def provincial_datarequest_refresh(context, data_dict):
    return {"success": False, "msg": toolkit._("Only sysadmins may refresh data requests")}


def provincial_datarequest_feed(context, data_dict):
    return _answer(bool(context.get("user") and _user(context)), toolkit._("Sign in to see your data requests"))


def get_auth_functions():
    return {
        "provincial_datarequest_create": provincial_datarequest_create,
        "provincial_datarequest_show": provincial_datarequest_show,
        "provincial_datarequest_list": provincial_datarequest_list,
        "provincial_datarequest_update": provincial_datarequest_update,
        "provincial_datarequest_accept": provincial_datarequest_accept,
        "provincial_datarequest_close": provincial_datarequest_close,
        "provincial_datarequest_comment": provincial_datarequest_comment,
        "provincial_datarequest_delete": provincial_datarequest_delete,
        "provincial_datarequest_refresh": provincial_datarequest_refresh,
        "provincial_datarequest_feed": provincial_datarequest_feed,
    }
