"""Publishing the Provincial Statistics Committee's report (docs/committee-report.md)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.actions.schema_check import validated
from ckanext.provincial.validators import requirement as checks


def publish_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {"province_code": [v("not_empty"), v("unicode_safe"), checks.province_code_validator]}


def provincial_report_publish(context, data_dict) -> dict[str, Any]:
    """Build the committee's report of a province and store it, PDF and XLSX, as two new dated
    uploaded resources of the province's report dataset (``committee-report-<code>``, created
    on first use and owned by ``ckanext.provincial.report.organization`` or else by the
    organization coordinating the province's plan). Sysadmins only.

    :param province_code: two-digit province code (e.g. ``13``)
    :type province_code: string

    :returns: ``dataset`` (name), ``dataset_id``, ``date`` (the day the report describes) and
        ``resources`` (the two resources created)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_report_publish", context, data_dict)
    data = validated(context, data_dict, publish_schema())
    from ckanext.provincial.committee_report import publish  # loads WeasyPrint only when used

    return publish.publish(data["province_code"])


def get_actions():
    return {"provincial_report_publish": provincial_report_publish}
