"""The requirement plan's history: its changes (CKAN activities) and each requirement's gap status changes."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import model, plan_activity
from ckanext.provincial.actions.schema_check import validated
from ckanext.provincial.validators import requirement as checks

# As CKAN's ``ckan.activity_list_limit`` defaults.
DEFAULT_LIMIT, MAX_LIMIT = 31, 100


def _at_most_configured(value: Any) -> Any:
    """A limit over CKAN's ``ckan.activity_list_limit_max`` is lowered to it, as CKAN's lists do."""
    if not isinstance(value, int):  # natural_number has already said what is wrong
        return value
    return min(value, toolkit.asint(toolkit.config.get("ckan.activity_list_limit_max") or MAX_LIMIT))


def _paging() -> dict[str, Any]:
    v = toolkit.get_validator
    return {
        "limit": [v("default")(DEFAULT_LIMIT), checks.natural_number, _at_most_configured],
        "offset": [v("default")(0), checks.natural_number],
    }


def requirement_history_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return dict(_paging(), id=[v("not_empty"), v("unicode_safe")])


def plan_history_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return dict(_paging(), province_code=[v("not_empty"), v("unicode_safe"), checks.province_code_validator])


def _requirement(data) -> model.Requirement:
    requirement = model.requirement_by_id(data["id"])
    if requirement is None:
        raise toolkit.ObjectNotFound(toolkit._("Requirement not found"))
    return requirement


@toolkit.side_effect_free
def provincial_requirement_activity_list(context, data_dict) -> list[dict[str, Any]]:
    """The changes of one requirement, newest first: created, changed (with the fields
    that changed, old and new values), imported from a plan file.

    :param id: the requirement's id
    :type id: string
    :param limit: at most this many (default 31, at most ``ckan.activity_list_limit_max``)
    :type limit: int
    :param offset: skip this many first
    :type offset: int

    :returns: activities: ``id``, ``timestamp`` (UTC), ``user_id``, ``object_id``,
        ``activity_type`` (``new requirement``, ``changed requirement``), ``data``
        (``requirement``, ``province_code``, ``actor``, ``changes``: field → [old, new],
        ``import_id`` when it came from a plan file)
    :rtype: list of dictionaries
    """
    toolkit.check_access("provincial_requirement_activity_list", context, data_dict)
    data = validated(context, data_dict, requirement_history_schema())
    requirement = _requirement(data)
    return plan_activity.requirement_activities(requirement.id, data["limit"], data["offset"])


@toolkit.side_effect_free
def provincial_plan_activity_list(context, data_dict) -> list[dict[str, Any]]:
    """The changes of a province's requirement plan, newest first: requirements created,
    changed and deleted, and plan files imported (one activity per import, with its counts
    and codes; the requirements it touched have their own in their history).

    :param province_code: the province
    :type province_code: string
    :param limit: at most this many (default 31, at most ``ckan.activity_list_limit_max``)
    :type limit: int
    :param offset: skip this many first
    :type offset: int

    :returns: activities, as ``provincial_requirement_activity_list``; an import is
        ``imported plan`` with ``data``: ``filename``, ``counts``, ``codes``
    :rtype: list of dictionaries
    """
    toolkit.check_access("provincial_plan_activity_list", context, data_dict)
    data = validated(context, data_dict, plan_history_schema())
    return plan_activity.plan_activities(data["province_code"], data["limit"], data["offset"])


@toolkit.side_effect_free
def provincial_requirement_status_history(context, data_dict) -> list[dict[str, Any]]:
    """When the requirement's gap status changed, oldest first, as the gap snapshots
    (``provincial_gap_snapshot_create``, nightly) recorded it: the status the public sees.

    :param id: the requirement's id
    :type id: string

    :returns: ``{"taken_at", "from", "to"}`` (``from`` is null for the first snapshot
        that holds the requirement)
    :rtype: list of dictionaries
    """
    toolkit.check_access("provincial_requirement_status_history", context, data_dict)
    v = toolkit.get_validator
    data = validated(context, data_dict, {"id": [v("not_empty"), v("unicode_safe")]})
    return plan_activity.requirement_status_changes(_requirement(data))


def get_actions():
    return {
        "provincial_requirement_activity_list": provincial_requirement_activity_list,
        "provincial_plan_activity_list": provincial_plan_activity_list,
        "provincial_requirement_status_history": provincial_requirement_status_history,
    }
