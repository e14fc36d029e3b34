"""Data request pages: the list, asking, a request with its history and the coordinators' forms,
and the "Data requests" tab of the user dashboard. Every change is a POST through an action."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import datarequest as rules
from ckanext.provincial import settings
from ckanext.provincial.views.gap import context

datarequest_pages = Blueprint("provincial_datarequest", __name__, url_prefix="/datarequest")
dashboard_pages = Blueprint("provincial_datarequest_dashboard", __name__, url_prefix="/dashboard")

LIST_FILTERS = ("status", "province_code", "development_issue", "organization", "user", "requirement_id", "q")
PAGE_SIZE = 20


def _signed_in() -> bool:
    return bool(context()["user"])


def _to_login():
    return toolkit.redirect_to("user.login", came_from=request.full_path)


def _show(request_id: str) -> dict[str, Any]:
    try:
        return toolkit.get_action("provincial_datarequest_show")(context(), {"id": request_id})
    except toolkit.ObjectNotFound:
        toolkit.abort(404, toolkit._("Data request not found"))


def _summary(errors: dict[str, Any]) -> dict[str, str]:
    return {key: "; ".join(map(str, v)) if isinstance(v, list) else str(v) for key, v in errors.items()}


def index():
    filters = {k: request.args.get(k, "").strip() for k in LIST_FILTERS if request.args.get(k, "").strip()}
    page = max(toolkit.h.get_page_number(request.args), 1)
    try:
        result = toolkit.get_action("provincial_datarequest_list")(
            context(), dict(filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE))
    except toolkit.ValidationError as error:
        return toolkit.render("datarequest/index.html", {
            "filters": filters, "result": {"count": 0, "results": [], "counts": {}}, "page": None,
            "errors": _summary(error.error_dict), "any_status": {}})
    pager = {"number": page, "previous": page > 1, "next": page * PAGE_SIZE < result["count"],
             "last": max((result["count"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)}
    any_status = {key: value for key, value in filters.items() if key != "status"}
    return toolkit.render("datarequest/index.html", {"filters": filters, "result": result, "page": pager,
                                                    "errors": {}, "any_status": any_status})


def _form_values() -> dict[str, Any]:
    return {key: request.form.get(key, "") for key in rules.FIELDS}


def _render_form(values: dict[str, Any], errors: dict[str, Any], editing: bool):
    return toolkit.render("datarequest/form.html", {
        "data": values, "errors": errors, "editing": editing, "error_summary": _summary(errors)})


def new():
    if not _signed_in():
        return _to_login()
    if request.method == "POST":
        values = _form_values()
        try:
            created = toolkit.get_action("provincial_datarequest_create")(context(), values)
        except toolkit.ValidationError as error:
            return _render_form(values, error.error_dict, editing=False)
        except toolkit.NotAuthorized:
            toolkit.abort(403, toolkit._("Not authorized"))
        toolkit.h.flash_success(toolkit._("Your request has been sent to the province"))
        return toolkit.redirect_to("provincial_datarequest.read", id=created["id"])
    return _render_form({"province_code": request.args.get("province_code") or settings.province_code()}, {},
                        editing=False)


def read(id: str):
    found = _show(id)
    return toolkit.render("datarequest/read.html", {"datarequest": found})


def edit(id: str):
    if not _signed_in():
        return _to_login()
    existing = _show(id)
    try:
        toolkit.check_access("provincial_datarequest_update", context(), {"id": id})
    except toolkit.NotAuthorized:
        toolkit.abort(403, toolkit._("Not authorized to edit this request"))
    if request.method == "POST":
        values = dict(_form_values(), id=id)
        try:
            toolkit.get_action("provincial_datarequest_update")(context(), values)
        except toolkit.ValidationError as error:
            return _render_form(dict(values, status=existing["status"]), error.error_dict, editing=True)
        except toolkit.NotAuthorized:
            toolkit.abort(403, toolkit._("Not authorized"))
        toolkit.h.flash_success(toolkit._("Request saved"))
        return toolkit.redirect_to("provincial_datarequest.read", id=id)
    return _render_form(existing, {}, editing=True)


def _post(action: str, id: str, data: dict[str, Any], done: str):
    """Run a change from a form of the request's page; back to the page with its message or errors."""
    if not _signed_in():
        return _to_login()
    _show(id)
    try:
        toolkit.get_action("provincial_datarequest_" + action)(context(), dict(data, id=id))
    except toolkit.NotAuthorized:
        toolkit.abort(403, toolkit._("Not authorized"))
    except toolkit.ValidationError as error:
        toolkit.h.flash_error("; ".join(f"{key}: {value}" for key, value in _summary(error.error_dict).items()))
        return toolkit.redirect_to("provincial_datarequest.read", id=id)
    toolkit.h.flash_success(done)
    return toolkit.redirect_to("provincial_datarequest.read", id=id)


def comment(id: str):
    return _post("comment", id, {"comment": request.form.get("comment", "")}, toolkit._("Comment added"))


def accept(id: str):
    return _post("accept", id, {"requirement_id": request.form.get("requirement_id", ""),
                                "comment": request.form.get("comment", "")},
                 toolkit._("The request is accepted into the plan"))


def close(id: str):
    data = {key: request.form.get(key, "") for key in ("outcome", "reason", "merged_into", "datasets")}
    return _post("close", id, data, toolkit._("The request is closed"))


def delete(id: str):
    if not _signed_in():
        return _to_login()
    _show(id)
    try:
        toolkit.get_action("provincial_datarequest_delete")(context(), {"id": id})
    except toolkit.NotAuthorized:
        toolkit.abort(403, toolkit._("Not authorized"))
    toolkit.h.flash_success(toolkit._("Request deleted"))
    return toolkit.redirect_to("provincial_datarequest.index")


def dashboard():
    if not _signed_in():
        return _to_login()
    events = toolkit.get_action("provincial_datarequest_feed")(context(), {})
    mine = toolkit.get_action("provincial_datarequest_list")(context(), {"user": context()["user"], "limit": 100})
    # What CKAN's dashboard pages give the template they extend (user/edit_base.html).
    user_dict = toolkit.get_action("user_show")(context(), {"id": context()["user"]})
    return toolkit.render("datarequest/dashboard.html", {
        "events": events, "mine": mine, "user_dict": user_dict, "is_myself": True,
        "is_sysadmin": bool(user_dict.get("sysadmin")),
        "about_formatted": toolkit.h.render_markdown(user_dict.get("about"))})


datarequest_pages.add_url_rule("/", view_func=index, strict_slashes=False)
datarequest_pages.add_url_rule("/new", view_func=new, methods=["GET", "POST"])
datarequest_pages.add_url_rule("/<id>", view_func=read)
datarequest_pages.add_url_rule("/<id>/edit", view_func=edit, methods=["GET", "POST"])
datarequest_pages.add_url_rule("/<id>/comment", view_func=comment, methods=["POST"])
datarequest_pages.add_url_rule("/<id>/accept", view_func=accept, methods=["POST"])
datarequest_pages.add_url_rule("/<id>/close", view_func=close, methods=["POST"])
datarequest_pages.add_url_rule("/<id>/delete", view_func=delete, methods=["POST"])
dashboard_pages.add_url_rule("/datarequests", view_func=dashboard)


def get_blueprints():
    return [datarequest_pages, dashboard_pages]


# ---------------------------------------------------------------- accepting from the requirement form

def requirement_prefill(datarequest_id: str) -> dict[str, Any]:
    """The requirement form's values from a request (``/requirement/new?datarequest=<id>``)."""
    found = _show(datarequest_id)
    return {
        "province_code": found["province_code"], "title_th": found["title"], "purpose": found["purpose"],
        "development_issue": found["development_issue"], "agency": found["organization_name"],
        "update_frequency_interval": 1, "datarequest": found["id"],
    }


def accept_into_plan(datarequest_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """Create the requirement of the form and accept the request with it, in one transaction."""
    accepted = toolkit.get_action("provincial_datarequest_accept")(
        context(), {"id": datarequest_id, "requirement": values})
    return accepted["requirement"] or {"code": values.get("code", "")}
