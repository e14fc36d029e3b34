"""Requirement plan pages: the plan of a province, a requirement, its form, file import and export."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import model, plan_io, settings
from ckanext.provincial.helpers import gap as gap_helpers
from ckanext.provincial.views.gap import _download, context
from ckanext.provincial.views import datarequest as datarequest_views

requirement_pages = Blueprint("provincial_requirement", __name__, url_prefix="/requirement")

LIST_FILTERS = ("development_issue", "sub_issue", "agency", "pmqa", "q")
HISTORY_LINES, HISTORY_PAGE = 10, 30


def _province() -> str:
    return (request.values.get("province_code") or "").strip() or settings.province_code()


def _show(province_code: str, code: str) -> dict[str, Any]:
    try:
        return toolkit.get_action("provincial_requirement_show")(
            context(), {"province_code": province_code, "code": code})
    except (toolkit.ObjectNotFound, toolkit.ValidationError):
        toolkit.abort(404, toolkit._("Requirement not found"))


def _require_editor(province_code: str) -> None:
    if not gap_helpers.can_edit_plan(province_code):
        toolkit.abort(403, toolkit._(
            "Only sysadmins and admins of the organization coordinating the plan of province {province} may change it"
        ).format(province=province_code))


def index():
    province_code = _province()
    if not province_code:
        return toolkit.render("requirement/provinces.html", {"provinces": model.planned_provinces()})
    filters = {k: request.args.get(k, "").strip() for k in LIST_FILTERS if request.args.get(k, "").strip()}
    try:
        requirements = toolkit.get_action("provincial_requirement_list")(
            context(), dict(filters, province_code=province_code))
    except toolkit.ValidationError:
        toolkit.abort(404, toolkit._("Province not found"))
    return toolkit.render("requirement/index.html", {
        "province_code": province_code, "requirements": requirements, "filters": filters,
    })


def read(province_code: str, code: str):
    requirement = _show(province_code, code)
    history = {
        "activities": toolkit.get_action("provincial_requirement_activity_list")(
            context(), {"id": requirement["id"], "limit": HISTORY_LINES}),
        "status_changes": toolkit.get_action("provincial_requirement_status_history")(
            context(), {"id": requirement["id"]}),
    }
    return toolkit.render("requirement/read.html", {"requirement": requirement, "history": history})


def history():
    """The changes of a province's plan, a page at a time."""
    province_code = _province()
    page = max(toolkit.h.get_page_number(request.args), 1)
    try:
        activities = toolkit.get_action("provincial_plan_activity_list")(context(), {
            "province_code": province_code, "limit": HISTORY_PAGE + 1, "offset": (page - 1) * HISTORY_PAGE})
    except toolkit.ValidationError:
        toolkit.abort(404, toolkit._("Province not found"))
    return toolkit.render("requirement/history.html", {
        "province_code": province_code, "activities": activities[:HISTORY_PAGE], "page": page,
        "has_next": len(activities) > HISTORY_PAGE,
    })


def _form_values() -> dict[str, Any]:
    values = {key: request.form.get(key, "") for key in model.REQUIREMENT_FIELDS if key != "pmqa"}
    values["pmqa"] = [code for code in request.form.getlist("pmqa") if code]
    return values


def _render_form(values: dict[str, Any], errors: dict[str, Any], editing: bool):
    return toolkit.render("requirement/form.html", {
        "data": values, "errors": errors, "editing": editing,
        "error_summary": {key: "; ".join(map(str, v)) if isinstance(v, list) else str(v) for key, v in errors.items()},
    })


def new():
    province_code = _province()
    if not province_code:
        toolkit.abort(400, toolkit._("Choose a province"))
    _require_editor(province_code)
    datarequest_id = request.values.get("datarequest", "").strip()  # accepting a data request into the plan
    if request.method == "POST":
        values = dict(_form_values(), province_code=province_code)
        try:
            if datarequest_id:
                created = datarequest_views.accept_into_plan(datarequest_id, values)
            else:
                created = toolkit.get_action("provincial_requirement_create")(context(), values)
        except toolkit.ValidationError as error:
            values["datarequest"] = datarequest_id
            return _render_form(values, error.error_dict, editing=False)
        except toolkit.NotAuthorized:
            toolkit.abort(403, toolkit._("Not authorized"))
        toolkit.h.flash_success(toolkit._("Requirement {code} added to the plan").format(code=created["code"]))
        return toolkit.redirect_to("provincial_requirement.read",
                                   province_code=created.get("province_code", province_code), code=created["code"])
    if datarequest_id:
        return _render_form(datarequest_views.requirement_prefill(datarequest_id), {}, editing=False)
    return _render_form({"province_code": province_code, "update_frequency_interval": 1}, {}, editing=False)


def edit(province_code: str, code: str):
    existing = _show(province_code, code)
    _require_editor(province_code)
    if request.method == "POST":
        values = dict(_form_values(), id=existing["id"], province_code=province_code)
        try:
            updated = toolkit.get_action("provincial_requirement_update")(context(), values)
        except toolkit.ValidationError as error:
            return _render_form(dict(values, id=existing["id"]), error.error_dict, editing=True)
        except toolkit.NotAuthorized:
            toolkit.abort(403, toolkit._("Not authorized"))
        toolkit.h.flash_success(toolkit._("Requirement {code} saved").format(code=updated["code"]))
        return toolkit.redirect_to("provincial_requirement.read", province_code=province_code, code=updated["code"])
    return _render_form(existing, {}, editing=True)


def delete(province_code: str, code: str):
    existing = _show(province_code, code)
    _require_editor(province_code)
    try:
        toolkit.get_action("provincial_requirement_delete")(context(), {"id": existing["id"]})
    except toolkit.NotAuthorized:
        toolkit.abort(403, toolkit._("Not authorized"))
    toolkit.h.flash_success(toolkit._("Requirement {code} removed from the plan").format(code=existing["code"]))
    return toolkit.redirect_to("provincial_requirement.index", province_code=province_code)


def import_plan():
    province_code = _province()
    extra: dict[str, Any] = {"province_code": province_code, "result": None, "row_errors": [], "file_error": ""}
    if request.method == "POST":
        if not province_code:
            toolkit.abort(400, toolkit._("Choose a province"))
        _require_editor(province_code)
        upload = request.files.get("upload")
        if upload is None or not upload.filename:
            extra["file_error"] = toolkit._("Choose a CSV or Excel file")
        else:
            try:
                extra["result"] = toolkit.get_action("provincial_requirement_import")(context(), {
                    "province_code": province_code, "upload": upload,
                    "dry_run": bool(request.form.get("dry_run")),
                })
            except toolkit.ValidationError as error:
                extra["row_errors"] = error.error_dict.get("rows") or []
                extra["file_error"] = "; ".join(map(str, error.error_dict.get("upload") or []))
            except toolkit.NotAuthorized:
                toolkit.abort(403, toolkit._("Not authorized"))
    elif province_code:
        _require_editor(province_code)
    return toolkit.render("requirement/import.html", extra)


def template_file(fmt: str):
    choices = {"pmqa": [c["value"] for c in gap_helpers.pmqa_choices()]}
    province_code = _province()
    if province_code:
        choices["development_issue"] = [i["value"] for i in gap_helpers.issue_choices(province_code) if not i["parent"]]
        choices["sub_issue"] = [i["value"] for i in gap_helpers.issue_choices(province_code) if i["parent"]]
    return _download(plan_io.template(fmt, choices), f"requirement-plan-template.{fmt}", fmt)


def export(fmt: str):
    province_code = _province()
    data = {"province_code": province_code} if province_code else {}
    try:
        requirements = toolkit.get_action("provincial_requirement_list")(context(), data)
    except toolkit.ValidationError:
        toolkit.abort(404, toolkit._("Province not found"))
    header, rows = plan_io.plan_header(), plan_io.plan_rows(requirements)
    name = f"requirement-plan-{province_code or 'all'}.{fmt}"
    if fmt == "csv":
        return _download(plan_io.write_csv(header, rows), name, fmt)
    return _download(plan_io.write_xlsx([("plan", header, rows)]), name, fmt)


requirement_pages.add_url_rule("/", view_func=index, strict_slashes=False)
requirement_pages.add_url_rule("/new", view_func=new, methods=["GET", "POST"])
requirement_pages.add_url_rule("/history", view_func=history)
requirement_pages.add_url_rule("/import", view_func=import_plan, methods=["GET", "POST"])
requirement_pages.add_url_rule("/template.<any(csv, xlsx):fmt>", view_func=template_file)
requirement_pages.add_url_rule("/export.<any(csv, xlsx):fmt>", view_func=export)
requirement_pages.add_url_rule("/<province_code>/<code>", view_func=read)
requirement_pages.add_url_rule("/<province_code>/<code>/edit", view_func=edit, methods=["GET", "POST"])
requirement_pages.add_url_rule("/<province_code>/<code>/delete", view_func=delete, methods=["POST"])


def get_blueprints():
    return [requirement_pages]
