"""Template helpers of the data request pages: labels of statuses and events, permissions, counts."""
from __future__ import annotations

from typing import Any, Optional

import geothai

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import datarequest as rules
from ckanext.provincial import language, model, settings
from ckanext.provincial.language import N_



STATUS_LABELS = {
    rules.OPEN: N_("Open"),
    rules.ACCEPTED: N_("Accepted into the plan"),
    rules.FULFILLED: N_("Fulfilled"),
    rules.ANSWERED: N_("Answered"),
    rules.DECLINED: N_("Declined"),
    rules.MERGED: N_("Merged"),
}
STATUS_HELP = {
    rules.OPEN: N_("Waiting for the plan coordinators"),
    rules.ACCEPTED: N_("A requirement of the plan; closes when its data is available"),
    rules.FULFILLED: N_("The requirement it became is available"),
    rules.ANSWERED: N_("Answered with existing datasets"),
    rules.DECLINED: N_("Declined, with a reason"),
    rules.MERGED: N_("A duplicate of another request"),
}
EVENT_LABELS = {
    rules.CREATED: N_("asked for this data"),
    rules.UPDATED: N_("edited the request"),
    rules.COMMENT: N_("commented"),
    rules.ACCEPTED: N_("accepted it into the plan"),
    rules.FULFILLED: N_("closed it: the requirement is available"),
    rules.ANSWERED: N_("answered it with existing datasets"),
    rules.DECLINED: N_("declined it"),
    rules.MERGED: N_("merged it into another request"),
    rules.DUPLICATE: N_("merged a duplicate into it"),
}
# Bootstrap 5.1 (CKAN 2.11) colours of the status badges; dark text on the light ones.
STATUS_CLASSES = {
    rules.OPEN: "bg-primary", rules.ACCEPTED: "bg-info text-dark", rules.FULFILLED: "bg-success",
    rules.ANSWERED: "bg-success", rules.DECLINED: "bg-secondary", rules.MERGED: "bg-light text-dark border",
}


def status_label(status: str) -> str:
    return toolkit._(STATUS_LABELS.get(status, status))


def status_help(status: str) -> str:
    return toolkit._(STATUS_HELP.get(status, ""))


def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "bg-light text-dark border")


def statuses() -> list[dict[str, str]]:
    return [{"key": s, "label": status_label(s), "help": status_help(s)} for s in rules.STATUSES]


def event_label(kind: str) -> str:
    return toolkit._(EVENT_LABELS.get(kind, kind))


def can(action: str, request_id: str) -> bool:
    """Whether the current user may call ``provincial_datarequest_<action>`` on the request."""
    user = toolkit.current_user
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        toolkit.check_access("provincial_datarequest_" + action, {"user": user.name, "auth_user_obj": user},
                             {"id": request_id})
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return False
    return True


def requirement_request_count(requirement_id: Optional[str]) -> int:
    return rules.count_for_requirement(requirement_id or "")


def district_choices(province_code: Optional[str]) -> list[dict[str, str]]:
    english = language.is_english()
    return [{"value": d.code, "text": d.name_en if english else d.name_th}
            for d in geothai.districts(province_code or "")] if province_code else []


def plan_requirements(province_code: Optional[str]) -> list[dict[str, Any]]:
    """The requirements of a province's plan (for the coordinators' "link a requirement")."""
    return [r.as_dict() for r in model.requirements([province_code])] if province_code else []


def open_requests(province_code: Optional[str]) -> list[dict[str, Any]]:
    """The not-closed requests of a province (what a duplicate may be merged into), newest first."""
    if not province_code:
        return []
    found = []
    for status in (rules.OPEN, rules.ACCEPTED):
        _count, page, _counts = rules.search({"province_code": province_code, "status": status}, 200, 0)
        found.extend({"id": r.id, "title": r.title, "status": r.status} for r in page)
    return found


def province_choices() -> list[dict[str, str]]:
    english = language.is_english()
    return [{"value": p.code, "text": p.name_en if english else p.name_th} for p in geothai.provinces()]


def label(value: Optional[dict[str, Any]], fallback: str = "") -> str:
    return language.label_text(value, default=fallback) if value else fallback


def get_helpers():
    return {
        "provincial_datarequest_status_label": status_label,
        "provincial_datarequest_status_help": status_help,
        "provincial_datarequest_status_class": status_class,
        "provincial_datarequest_statuses": statuses,
        "provincial_datarequest_event_label": event_label,
        "provincial_datarequest_can": can,
        "provincial_datarequest_requirement_count": requirement_request_count,
        "provincial_datarequest_district_choices": district_choices,
        "provincial_datarequest_label": label,
        "provincial_datarequest_requirements": plan_requirements,
        "provincial_datarequest_open_requests": open_requests,
        "provincial_datarequest_province_choices": province_choices,
        "provincial_datarequest_default_province": settings.province_code,
    }
