"""Publishing a report: both files stored as new dated uploaded resources of the province's report dataset.

The dataset (``committee-report-<code>``, created on first publication) is a
GDC dataset of type "other" of the province, owned by the organization of
``ckanext.provincial.report.organization`` or else by the organization
coordinating the province's plan. Uploads go through CKAN's uploader
(``resource_create`` with an ``upload`` file), acting as the site user.
"""
from __future__ import annotations

import io
from typing import Any

from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import site
from ckanext.provincial.committee_report import collect, options, pdf, xlsx

PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _field(org: dict[str, Any], name: str) -> str:
    if name in org:
        return str(org.get(name) or "")
    return next((str(e.get("value") or "") for e in org.get("extras") or [] if e.get("key") == name), "")


def owner_organization(province_code: str) -> dict[str, Any]:
    """The organization owning the province's report dataset; ValidationError naming ``organization`` when none."""
    context = site.site_context()
    chosen = options.organization()
    if chosen:
        try:
            return toolkit.get_action("organization_show")(dict(context), {"id": chosen, "include_datasets": False})
        except toolkit.ObjectNotFound:
            raise toolkit.ValidationError({"organization": [toolkit._(
                'No organization "{value}" (ckanext.provincial.report.organization)').format(value=chosen)]})
    orgs = toolkit.get_action("organization_list")(dict(context), {
        "all_fields": True, "include_extras": True, "limit": 1000})
    for org in orgs:
        if _field(org, "plan_coordinator").lower() == "true" and _field(org, "province_code") == province_code:
            return org
    raise toolkit.ValidationError({"organization": [toolkit._(
        "No organization coordinates the plan of province {province}; set "
        "ckanext.provincial.report.organization").format(province=province_code)]})


def dataset_fields(report: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
    province = report["province"]
    return {
        "name": options.dataset_prefix() + report["province_code"],
        "title": f"รายงานต่อคณะกรรมการสถิติจังหวัด{province.get('th', '')}",
        "notes": ("รายงานช่องว่างข้อมูลของจังหวัดต่อคณะกรรมการสถิติจังหวัด (PDF และ Excel) จัดทำโดยพอร์ทัลโดยอัตโนมัติ "
                  f"/ Provincial Statistics Committee reports of {province.get('en', '')}, made by the portal."),
        "owner_org": owner["id"],
        "private": False,
        "data_type": "ข้อมูลประเภทอื่นๆ",
        "data_type_other": "เอกสารประกอบการบริหารงานจังหวัด",
        "province_code": report["province_code"],
        "maintainer": owner.get("title") or owner.get("name"),
        "maintainer_email": toolkit.config.get("smtp.mail_from") or "noreply@localhost",
        "tag_string": "คณะกรรมการสถิติจังหวัด,รายงาน",
        "objective": ["พันธกิจหน่วยงาน"],
        "update_frequency_unit": "เดือน",
        "update_frequency_interval": "1",
        "geo_coverage": "จังหวัด",
        "data_source": owner.get("title") or owner.get("name"),
        "data_format": ["PDF", "XLS"],  # the national list has no XLSX: XLS stands for Excel
        "data_category": "ข้อมูลสาธารณะ",
        "data_classification": "เปิดเผย",
        "license_id": "Open Data Common",
        "accessible_condition": "เปิดเผยต่อสาธารณะ",
        "data_language": ["ไทย"],
        "last_updated_date": report["date"],
        "data_support": "หน่วยงานของรัฐ",
        "data_collect": "ไม่มี",
        "created_date": report["date"],
        "high_value_dataset": "False",
        "reference_data": "False",
    }


def report_dataset(report: dict[str, Any]) -> dict[str, Any]:
    """The province's report dataset, created when it does not exist yet."""
    context = site.site_context()
    owner = owner_organization(report["province_code"])
    fields = dataset_fields(report, owner)
    try:
        return toolkit.get_action("package_show")(dict(context), {"id": fields["name"]})
    except toolkit.ObjectNotFound:
        return toolkit.get_action("package_create")(dict(context), fields)


def filename(report: dict[str, Any], extension: str) -> str:
    return f"committee-report-{report['province_code']}-{report['date']}.{extension}"


def _upload(dataset: dict[str, Any], report: dict[str, Any], content: bytes, extension: str, kind: str,
            fmt: str) -> dict[str, Any]:
    name = filename(report, extension)
    return toolkit.get_action("resource_create")(site.site_context(), {
        "package_id": dataset["id"],
        "upload": FileStorage(stream=io.BytesIO(content), filename=name, content_type=kind),
        "url": name,
        "name": f"รายงาน {report['date_thai']} ({fmt})",
        "description": f"รายงานต่อคณะกรรมการสถิติจังหวัด ข้อมูล ณ วันที่ {report['date_thai']} / as of {report['date']}",
        "format": fmt,
        "mimetype": kind,
        "resource_accessible_condition": "เปิดเผยต่อสาธารณะ",
        "resource_last_updated_date": report["date"],
        "resource_data_collect": "ไม่มี",
        "resource_created_date": report["date"],
    })


def publish(province_code: str) -> dict[str, Any]:
    """Build the report of the province (as the site user) and store both files; the dataset and new resources."""
    report = collect.collect(site.site_context(), province_code)
    dataset = report_dataset(report)
    content_pdf = pdf.write_pdf(report, options.site_title())
    content_xlsx = xlsx.write_xlsx(report)
    resources = [_upload(dataset, report, content_pdf, "pdf", PDF_TYPE, "PDF"),
                 _upload(dataset, report, content_xlsx, "xlsx", XLSX_TYPE, "XLSX")]
    return {"dataset": dataset["name"], "dataset_id": dataset["id"], "date": report["date"], "resources": resources}


def published_on(province_code: str, day) -> bool:
    """Whether the province's report dataset already has a report of ``day`` (the schedule runs once a day)."""
    try:
        dataset = toolkit.get_action("package_show")(site.site_context(), {"id": options.dataset_prefix() + province_code})
    except toolkit.ObjectNotFound:
        return False
    wanted = f"-{day.isoformat()}.pdf"
    return any((r.get("url") or "").endswith(wanted) for r in dataset.get("resources") or [])
