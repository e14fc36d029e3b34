"""Usage statistics actions: one dataset's views and downloads, an agency's or a province's totals.

Thin API wrappers over ``ckanext.provincial.usage``. Figures come from CKAN's
tracking summary (``ckan tracking update``, nightly): they are as fresh as its
last run. Totals of an agency, a province or the portal count active public
datasets only; one dataset's figures are refused to whom may not see it.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import model, usage
from ckanext.provincial.actions.schema_check import validated
from ckanext.provincial.validators import requirement as checks

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


# ---------------------------------------------------------------- schemas

def _between(low: int, high: int):
    def validator(value):
        if isinstance(value, int) and not low <= value <= high:
            raise toolkit.Invalid(toolkit._("Must be a whole number from {low} to {high}").format(low=low, high=high))
        return value
    return validator


def _months() -> list:
    v = toolkit.get_validator
    return [v("default")(usage.DEFAULT_MONTHS), checks.natural_number, _between(1, usage.MAX_MONTHS)]


def usage_show_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {"id": [v("not_empty"), v("unicode_safe"), v("strip_value")], "months": _months()}


def usage_summary_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {
        "organization": [v("ignore_missing"), v("unicode_safe"), v("strip_value")],
        "province_code": [v("ignore_missing"), v("unicode_safe"), checks.province_code_validator],
        "months": _months(),
        "limit": [v("default")(DEFAULT_LIMIT), checks.natural_number, _between(0, MAX_LIMIT)],
    }


# ---------------------------------------------------------------- actions

@toolkit.side_effect_free
def provincial_usage_show(context, data_dict) -> dict[str, Any]:
    """Views and downloads of one dataset: all time and per month.

    A private dataset's figures go only to those who may see the dataset.
    Views are visits of the dataset's page, one per visitor and day; downloads
    are clicks on its resources' links (uploads, DataStore dumps, external
    links), also one per visitor and day. The figures are those of the last
    run of the tracking summary (nightly).

    :param id: the dataset's id or name
    :type id: string
    :param months: how many months, up to the current one (default 12, at most 60)
    :type months: int

    :returns: ``id``, ``name``, ``private``, ``views`` and ``downloads`` (all
        time) and ``months``: oldest first, each ``{"month": "2026-11",
        "views": 12, "downloads": 3}``
    :rtype: dictionary
    """
    toolkit.check_access("provincial_usage_show", context, data_dict)
    data = validated(context, data_dict, usage_show_schema())
    try:
        pkg = toolkit.get_action("package_show")(dict(context), {"id": data["id"]})
    except toolkit.ObjectNotFound:
        raise toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    found = usage.dataset_usage(pkg["id"], data["months"])
    return dict(found, id=pkg["id"], name=pkg["name"], private=bool(pkg.get("private")))


@toolkit.side_effect_free
def provincial_usage_summary(context, data_dict) -> dict[str, Any]:
    """Monthly views and downloads of an agency's, a province's or the whole portal's public datasets,
    and the datasets used most.

    Private datasets are never counted nor listed, whoever asks.

    :param organization: only the datasets of this organization (agency), name or id
    :type organization: string
    :param province_code: only the datasets of this province (two digits, e.g. ``13``);
        also gives per requirement of its plan how much its datasets are used
    :type province_code: string
    :param months: how many months, up to the current one (default 12, at most 60)
    :type months: int
    :param limit: how many datasets in ``top_datasets`` (default 10, at most 100)
    :type limit: int

    :returns: ``organization`` (``id``, ``name``, ``title``, or null),
        ``province_code`` (or null), ``views`` and ``downloads`` (over the months
        asked), ``months`` (oldest first, each ``month``, ``views``,
        ``downloads``), ``top_datasets`` (most viewed in those months: ``id``,
        ``name``, ``title``, ``views``, ``downloads``) and, with a
        ``province_code``, ``requirements``: per requirement ``code``,
        ``datasets`` (public ones fulfilling it), ``views``, ``downloads``
        (all time)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_usage_summary", context, data_dict)
    data = validated(context, data_dict, usage_summary_schema())
    organization = None
    if data.get("organization"):
        organization = model.organizations([data["organization"]]).get(data["organization"])
        if organization is None:
            raise toolkit.ValidationError({"organization": [
                toolkit._('No organization "{value}"').format(value=data["organization"])]})
    scope = {"organization_id": organization["id"] if organization else None,
             "province_code": data.get("province_code")}
    months = usage.monthly(data["months"], **scope)
    since = usage.first_day(months[0]["month"])
    result: dict[str, Any] = {
        "organization": organization,
        "province_code": data.get("province_code"),
        "views": sum(m["views"] for m in months),
        "downloads": sum(m["downloads"] for m in months),
        "months": months,
        "top_datasets": usage.totals(since=since, limit=data["limit"], **scope) if data["limit"] else [],
    }
    if data.get("province_code"):
        code = data["province_code"]
        found = usage.requirement_usage(code)
        result["requirements"] = [
            dict(usage.for_requirement(found, code, r.code), code=r.code) for r in model.requirements([code])]
    return result


def get_actions():
    return {
        "provincial_usage_show": provincial_usage_show,
        "provincial_usage_summary": provincial_usage_summary,
    }
