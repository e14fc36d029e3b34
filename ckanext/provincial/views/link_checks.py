"""Broken-link pages: ``/organization/<id>/links`` (one agency) and ``/links/<province>`` (every agency
of a province). Only the datasets the visitor may see are listed (the action searches as the visitor)."""
from __future__ import annotations

from flask import Blueprint

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import gap_service
from ckanext.provincial.helpers.gap import text as gap_text

link_pages = Blueprint("provincial_links", __name__)


def _context() -> dict:
    return {"user": toolkit.current_user.name if toolkit.current_user.is_authenticated else "",
            "auth_user_obj": toolkit.current_user}


def organization(id: str):
    try:
        group_dict = toolkit.get_action("organization_show")(_context(), {
            "id": id, "include_datasets": False, "include_users": False, "include_extras": True})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        toolkit.abort(404, toolkit._("Organization not found"))
    found = toolkit.get_action("provincial_link_broken_list")(_context(), {"organization": group_dict["id"]})
    return toolkit.render("link_checks/organization.html", {
        "group_dict": group_dict, "broken": found, "group_type": "organization"})


def province(province_code: str):
    label = gap_service.province_label(province_code)
    if not label:
        toolkit.abort(404, toolkit._("Province not found"))
    try:
        found = toolkit.get_action("provincial_link_broken_list")(_context(), {"province_code": province_code})
    except toolkit.ValidationError:
        toolkit.abort(404, toolkit._("Province not found"))
    return toolkit.render("link_checks/province.html", {
        "broken": found, "province_code": province_code, "province_name": gap_text(label, province_code)})


link_pages.add_url_rule("/organization/<id>/links", view_func=organization)
link_pages.add_url_rule("/links/<province_code>", view_func=province)


def get_blueprints():
    return [link_pages]
