"""Link check actions: run a check, show a resource's last check, list the broken links by agency."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.actions.schema_check import organization, validated
from ckanext.provincial.link_checks import policy, runner, store
from ckanext.provincial.validators import requirement as checks

MAX_CONCURRENCY = 32
# Datasets per search when listing broken links (Solr's boolean clause limit is 1024).
ID_CHUNK = 200


def _v(name):
    return toolkit.get_validator(name)


def _concurrency(value: Any) -> int:
    number = checks.natural_number(value)
    if not 1 <= number <= MAX_CONCURRENCY:
        raise toolkit.Invalid(toolkit._("Must be a whole number from 1 to {maximum}").format(maximum=MAX_CONCURRENCY))
    return number


def link_check_run_schema() -> dict[str, Any]:
    optional = [_v("ignore_missing"), _v("unicode_safe"), checks.storable_text]
    return {
        "id": list(optional),
        "organization": list(optional),
        "province_code": [_v("ignore_missing"), _v("unicode_safe"), checks.province_code_validator],
        "concurrency": [_v("ignore_missing"), _concurrency],
    }


def link_check_show_schema() -> dict[str, Any]:
    return {"resource_id": [_v("not_empty"), _v("unicode_safe"), checks.storable_text, _v("resource_id_exists")]}


def link_broken_list_schema() -> dict[str, Any]:
    return {
        "organization": [_v("ignore_missing"), _v("unicode_safe"), checks.storable_text],
        "province_code": [_v("ignore_missing"), _v("unicode_safe"), checks.province_code_validator],
    }


def _organization_id(context, value: Optional[str]) -> Optional[str]:
    return organization("organization", value)["id"] if value else None


def provincial_link_check_run(context, data_dict) -> dict[str, int]:
    """Check the links of some datasets now, and record the results (sysadmins only).

    Resources uploaded to the portal are skipped. With no parameter every
    dataset is checked (that can take long: prefer ``ckan provincial links
    check``). A link found broken twice in a row makes its dataset incomplete.

    :param id: only this dataset (id or name)
    :type id: string
    :param organization: only the datasets of this organization (id or name)
    :type organization: string
    :param province_code: only the datasets of this province (e.g. ``13``)
    :type province_code: string
    :param concurrency: hosts checked at the same time (1-32; default the
        ``ckanext.provincial.link_checks.concurrency`` option)
    :type concurrency: int

    :returns: counts: ``datasets``, ``checked``, ``ok``, ``failed``,
        ``broken``, ``newly_broken``, ``recovered``, ``skipped_uploads``,
        ``reindexed``
    :rtype: dictionary
    """
    toolkit.check_access("provincial_link_check_run", context, data_dict)
    data = validated(context, data_dict, link_check_run_schema())
    package_ids = None
    if data.get("id"):
        try:
            pkg = toolkit.get_action("package_show")(dict(context, ignore_auth=True), {"id": data["id"]})
        except toolkit.ObjectNotFound:
            raise toolkit.ValidationError({"id": [toolkit._("Dataset not found")]})
        package_ids = [pkg["id"]]
    organization_id = _organization_id(context, data.get("organization"))
    return runner.run(package_ids=package_ids, organization_ids=[organization_id] if organization_id else None,
                      province_code=data.get("province_code") or "", concurrency=data.get("concurrency") or 0)


@toolkit.side_effect_free
def provincial_link_check_show(context, data_dict) -> dict[str, Any]:
    """Return the last link check of a resource.

    :param resource_id: the id of the resource
    :type resource_id: string

    :returns: ``resource_id``, ``package_id``, ``url`` (the URL checked),
        ``status_code``, ``content_type``, ``size``, ``error`` (``timeout``,
        ``connection``, ``redirect_loop``, ``too_many_redirects``,
        ``invalid_url``, ``ssl`` or null), ``failures`` (failed checks in a
        row), ``checked_at``, ``broken_since``, ``last_ok_at``, ``broken``
        (true after two failures in a row) and ``current`` (false when the
        resource's URL changed since the check)
    :rtype: dictionary
    :raises: ``ObjectNotFound`` when the resource's link was never checked
    """
    toolkit.check_access("provincial_link_check_show", context, data_dict)
    data = validated(context, data_dict, link_check_show_schema())
    row = store.last_check(data["resource_id"])
    if row is None:
        raise toolkit.ObjectNotFound(toolkit._("This resource's link was never checked."))
    try:
        resource = toolkit.get_action("resource_show")(dict(context, ignore_auth=True), {"id": data["resource_id"]})
    except toolkit.ObjectNotFound:  # checked, then deleted before the next run forgot it
        raise toolkit.ObjectNotFound(toolkit._("Resource not found"))
    shown = row.as_dict()
    shown["current"] = policy.is_link(resource) and str(resource.get("url") or "").strip() == row.url
    shown["broken"] = bool(shown["current"] and policy.is_broken(row.failures))
    return shown


def _iso(value) -> Optional[str]:
    return value.isoformat() if value else None


@toolkit.side_effect_free
def provincial_link_broken_list(context, data_dict) -> dict[str, Any]:
    """Return the broken links (failed two checks in a row or more), by agency.

    Only datasets the user may see are listed.

    :param province_code: only the datasets of this province (e.g. ``13``)
    :type province_code: string
    :param organization: only this organization's datasets (id or name)
    :type organization: string

    :returns: ``count`` (broken links) and ``by_agency``: one entry per
        organization (``name``, ``title``, ``broken``, ``links``), most broken
        links first; each link has ``package_id``, ``package_name``,
        ``package_title``, ``resource_id``, ``resource_name``, ``url``,
        ``status_code``, ``error``, ``broken_since`` and ``checked_at``
    :rtype: dictionary
    """
    toolkit.check_access("provincial_link_broken_list", context, data_dict)
    data = validated(context, data_dict, link_broken_list_schema())
    organization_id = _organization_id(context, data.get("organization"))
    rows = store.broken_links()
    by_package: dict[str, list] = {}
    for row in rows:
        by_package.setdefault(row.package_id, []).append(row)
    agencies: dict[str, dict[str, Any]] = {}
    package_ids = sorted(by_package)
    user_context = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
    for start in range(0, len(package_ids), ID_CHUNK):
        fq = runner.scope_query(package_ids[start:start + ID_CHUNK], [organization_id] if organization_id else None,
                                data.get("province_code") or "")
        for pkg in runner.datasets(user_context, fq):
            organization = pkg.get("organization") or {}
            agency = agencies.setdefault(organization.get("name") or "", {
                "name": organization.get("name") or "", "title": organization.get("title") or "",
                "broken": 0, "links": []})
            resources = {resource.get("id"): resource for resource in pkg.get("resources") or []}
            for row in by_package.get(pkg["id"], []):
                resource = resources.get(row.resource_id)
                if resource is None:
                    continue
                agency["links"].append({
                    "package_id": pkg["id"], "package_name": pkg.get("name"), "package_title": pkg.get("title"),
                    "resource_id": row.resource_id, "resource_name": resource.get("name") or "",
                    "url": row.url, "status_code": row.status_code, "error": row.error,
                    "broken_since": _iso(row.broken_since), "checked_at": _iso(row.checked_at),
                })
                agency["broken"] += 1
    by_agency = [agency for agency in agencies.values() if agency["broken"]]
    for agency in by_agency:
        agency["links"].sort(key=lambda link: (link["broken_since"] or "", link["package_title"] or "",
                                               link["resource_name"]))
    by_agency.sort(key=lambda agency: (-agency["broken"], agency["title"] or agency["name"]))
    return {"count": sum(agency["broken"] for agency in by_agency), "by_agency": by_agency}


def get_actions():
    return {
        "provincial_link_check_run": provincial_link_check_run,
        "provincial_link_check_show": provincial_link_check_show,
        "provincial_link_broken_list": provincial_link_broken_list,
    }
