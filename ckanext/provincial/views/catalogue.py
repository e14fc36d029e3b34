"""GDC workbook pages: an organization's import (check first, then confirm), and the workbook downloads.

``/organization/<id>/import``: the file form; a check (dry run) lists every
problem as sheet, row, column, field and message; when the file is clean a
confirm button imports the same stored upload (published or private). A
large file runs as a background job: the page shows its rows done of rows
and reloads itself until the job ends. Every import's report downloads as XLSX.

Downloads: ``/organization/<id>/export.xlsx``, ``/dataset/export.xlsx``
(``?province=13`` for a province, else the whole portal) and
``/dataset/template.xlsx``; each holds what the user may see.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import catalogue_export, catalogue_import
from ckanext.provincial.validators import requirement as checks
from ckanext.provincial.views.gap import _download, context

catalogue_pages = Blueprint("provincial_catalogue", __name__)

# Rows of a result listed on the page; the report holds them all.
ROWS_SHOWN = 500


def _organization(id: str) -> dict[str, Any]:
    if checks.UNSTORABLE.search(id):  # PostgreSQL refuses the text (NUL): no organization has that name
        toolkit.abort(404, toolkit._("Organization not found"))
    try:
        return toolkit.get_action("organization_show")(context(), {
            "id": id, "include_datasets": False, "include_users": False, "include_groups": False,
            "include_tags": False, "include_followers": False, "include_extras": False})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized, toolkit.ValidationError):
        toolkit.abort(404, toolkit._("Organization not found"))


def _require_importer(org: dict[str, Any]) -> None:
    try:
        toolkit.check_access("provincial_dataset_import", context(), {"owner_org": org["id"]})
    except toolkit.NotAuthorized:
        toolkit.abort(403, toolkit._("Only editors and admins of the organization, and sysadmins, may import datasets into it"))


def _status(import_id: str, org: dict[str, Any]) -> dict[str, Any]:
    try:
        status = toolkit.get_action("provincial_dataset_import_status")(context(), {"import_id": import_id})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        toolkit.abort(404, toolkit._("Import not found (an import is kept for a day)"))
    if status.get("owner_org") != org["id"]:
        toolkit.abort(404, toolkit._("Import not found (an import is kept for a day)"))
    return status


def _page(org: dict[str, Any], **extra: Any):
    values = {"org": org, "result": None, "problems": [], "file_error": "", "import_id": "", "status": None,
              "rows_shown": ROWS_SHOWN, "dry_run": True, "publish": False}
    values.update(extra)
    return toolkit.render("organization/catalogue_import.html", values)


def _run(org: dict[str, Any], data: dict[str, Any]):
    try:
        result = toolkit.get_action("provincial_dataset_import")(context(), dict(data, owner_org=org["id"]))
    except toolkit.ValidationError as error:
        errors = error.error_dict
        import_id = (errors.get("import_id") or [""])[0]
        file_error = "; ".join(map(str, errors.get("upload") or []))
        other = [f"{key}: {'; '.join(map(str, value))}" for key, value in errors.items()
                 if key not in ("rows", "import_id", "upload") and isinstance(value, list)]
        return _page(org, problems=errors.get("rows") or [], import_id=import_id,
                     file_error="; ".join(filter(None, [file_error] + other)),
                     dry_run=bool(data.get("dry_run")), publish=bool(data.get("publish")))
    except toolkit.ObjectNotFound as error:
        return _page(org, file_error=str(error.message or error))
    if result.get("state") == catalogue_import.QUEUED:
        return toolkit.redirect_to("provincial_catalogue.import_page", id=org["name"], import_id=result["import_id"])
    return _page(org, result=result, import_id=result["import_id"], dry_run=result["dry_run"],
                 publish=result["published"])


def import_page(id: str):
    org = _organization(id)
    _require_importer(org)
    if request.method == "POST":
        try:
            dry_run = checks.boolean_validator(request.form.get("dry_run", ""))
            publish = checks.boolean_validator(request.form.get("publish", ""))
        except toolkit.Invalid:
            toolkit.abort(400, toolkit._("Bad request"))
        import_id = request.form.get("import_id", "").strip()
        if import_id:
            return _run(org, {"import_id": import_id, "dry_run": dry_run, "publish": publish})
        upload = request.files.get("upload")
        if upload is None or not upload.filename:
            return _page(org, file_error=toolkit._("Choose the workbook to import (Excel .xlsx)"))
        return _run(org, {"upload": upload, "dry_run": dry_run, "publish": publish})
    import_id = request.args.get("import_id", "").strip()
    if import_id:
        status = _status(import_id, org)
        result = status.get("result") or None
        return _page(org, status=status, import_id=import_id, result=result,
                     problems=(result or {}).get("problems") or [],
                     dry_run=bool(status.get("dry_run")), publish=bool(status.get("publish")))
    return _page(org)


def report(id: str, import_id: str):
    org = _organization(id)
    _status(import_id, org)
    content = catalogue_import.stored_report(import_id)
    if content is None:
        toolkit.abort(404, toolkit._("Import not found (an import is kept for a day)"))
    return _download(content, f"import-report-{org['name']}-{import_id[:8]}.xlsx", "xlsx")


def export_organization(id: str):
    org = _organization(id)
    content = catalogue_export.export(context(), owner_org=org["id"])
    return _download(content, f"gdc-catalogue-{org['name']}.xlsx", "xlsx")


def export_datasets():
    province = request.args.get("province", "").strip()
    if province:
        try:
            province = checks.province_code_validator(province)
        except toolkit.Invalid:
            toolkit.abort(404, toolkit._("Province not found"))
    content = catalogue_export.export(context(), province_code=province or None)
    return _download(content, f"gdc-catalogue-{('province-' + province) if province else 'all'}.xlsx", "xlsx")


def template_file():
    return _download(catalogue_export.template(), "gdc-catalogue-template.xlsx", "xlsx")


catalogue_pages.add_url_rule("/organization/<id>/import", view_func=import_page, methods=["GET", "POST"])
catalogue_pages.add_url_rule("/organization/<id>/import/<import_id>/report.xlsx", view_func=report)
catalogue_pages.add_url_rule("/organization/<id>/export.xlsx", view_func=export_organization)
catalogue_pages.add_url_rule("/dataset/export.xlsx", view_func=export_datasets)
catalogue_pages.add_url_rule("/dataset/template.xlsx", view_func=template_file)


def get_blueprints():
    return [catalogue_pages]
