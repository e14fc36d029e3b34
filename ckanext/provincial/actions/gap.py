"""Gap analysis actions: a province's gap, the comparison across provinces, snapshots over time.

Thin API wrappers: each checks access, validates its input and asks
``gap_service``, which does the work (and which helpers and pages use too).
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import gap_service, model
from ckanext.provincial.validators import requirement as checks
from ckanext.provincial.actions.schema_check import validated


# ---------------------------------------------------------------- schemas

def gap_show_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    optional = [v("ignore_missing"), v("unicode_safe"), v("strip_value")]
    return {
        "province_code": [v("not_empty"), v("unicode_safe"), checks.province_code_validator],
        "development_issue": list(optional),
        "sub_issue": list(optional),
        "agency": list(optional),
        "pmqa": list(optional),
        "include_unlinked": [v("default")(True), checks.boolean_validator],
    }


def gap_summary_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {"province_codes": [v("ignore_missing"), checks.split_codes, _province_list]}


def _province_list(value):
    if not isinstance(value, list):
        return value  # split_codes refused it; navl runs the next validators all the same
    return [checks.province_code_validator(code) for code in value]


def _at_most(maximum: int):
    def validator(value):
        return min(value, maximum) if isinstance(value, int) else value  # else refused before
    return validator


def snapshot_list_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {
        "province_code": [v("not_empty"), v("unicode_safe"), checks.province_code_validator],
        "limit": [v("default")(100), checks.natural_number, _at_most(1000)],
    }


# ---------------------------------------------------------------- actions

@toolkit.side_effect_free
def provincial_gap_show(context, data_dict) -> dict[str, Any]:
    """The gap of one province: each requirement's status, the aggregates, the unlinked datasets.

    Statuses (``missing``, ``restricted``, ``stale``, ``incomplete``,
    ``available``) do not depend on who asks; the datasets listed do: private
    datasets appear only to users who may see them, and are otherwise only
    counted (``hidden_datasets``).

    :param province_code: two-digit province code (e.g. ``13``)
    :type province_code: string
    :param development_issue: only requirements of this development issue (code)
    :type development_issue: string
    :param sub_issue: only requirements of this sub-issue (code)
    :type sub_issue: string
    :param agency: only requirements of this responsible organization (name or id)
    :type agency: string
    :param pmqa: only requirements tagged with this PMQA item (e.g. ``4.1``)
    :type pmqa: string
    :param include_unlinked: list the public datasets of the province that
        fulfil no requirement (default ``true``)
    :type include_unlinked: bool

    :returns: ``province_code``, ``province`` (``th``/``en`` name), ``filters``,
        ``date`` (the day freshness was judged on), ``statuses``, ``summary``
        (``total``, ``counts`` per status, ``coverage`` %, ``readiness`` %),
        ``by_development_issue``, ``by_sub_issue``, ``by_agency``, ``by_pmqa``
        (each a list of groups with ``key``, ``label`` and the same scores),
        ``requirements`` (one row per requirement with ``status``,
        ``days_overdue``, ``problems``, ``datasets``, ``hidden_datasets``) and
        ``unlinked_datasets``
    :rtype: dictionary
    """
    toolkit.check_access("provincial_gap_show", context, data_dict)
    data = validated(context, data_dict, gap_show_schema())
    return gap_service.province_gap(context, data["province_code"], data, include_unlinked=data["include_unlinked"])


@toolkit.side_effect_free
def provincial_gap_summary(context, data_dict) -> dict[str, Any]:
    """The gap of several provinces side by side (all provinces with a plan by default).

    :param province_codes: the provinces to compare, e.g. ``["13", "19"]`` or ``"13,19"``
    :type province_codes: list of strings

    :returns: ``date``, ``statuses``, ``national`` (the scores of all the
        requirements together) and ``provinces``: per province its
        ``province_code``, ``province`` (``th``/``en``), ``total``, ``counts``,
        ``coverage``, ``readiness``, ``unlinked_count`` (public datasets
        fulfilling no requirement) and ``by_pmqa``
    :rtype: dictionary
    """
    toolkit.check_access("provincial_gap_summary", context, data_dict)
    data = validated(context, data_dict, gap_summary_schema())
    return gap_service.summary(list(data.get("province_codes") or []) or None)


def provincial_gap_snapshot_create(context, data_dict) -> list[dict[str, Any]]:
    """Record the gap aggregates of every province with a plan (run daily or weekly by cron).

    :param province_codes: only these provinces (default: all with a plan)
    :type province_codes: list of strings

    :returns: the snapshots recorded, one per province
    :rtype: list of dictionaries
    """
    toolkit.check_access("provincial_gap_snapshot_create", context, data_dict)
    data = validated(context, data_dict, gap_summary_schema())
    return gap_service.record_snapshots(data.get("province_codes") or None)


@toolkit.side_effect_free
def provincial_gap_snapshot_list(context, data_dict) -> list[dict[str, Any]]:
    """A province's recorded gap snapshots, oldest first (the coverage trend).

    :param province_code: two-digit province code
    :type province_code: string
    :param limit: the latest this many snapshots (default 100, at most 1000)
    :type limit: int

    :returns: snapshots with ``taken_at``, ``total``, ``counts``, ``coverage``,
        ``readiness`` and ``by_development_issue``
    :rtype: list of dictionaries
    """
    toolkit.check_access("provincial_gap_snapshot_list", context, data_dict)
    data = validated(context, data_dict, snapshot_list_schema())
    return [snapshot.as_dict() for snapshot in model.snapshots(data["province_code"], data["limit"])]


def get_actions():
    return {
        "provincial_gap_show": provincial_gap_show,
        "provincial_gap_summary": provincial_gap_summary,
        "provincial_gap_snapshot_create": provincial_gap_snapshot_create,
        "provincial_gap_snapshot_list": provincial_gap_snapshot_list,
    }
