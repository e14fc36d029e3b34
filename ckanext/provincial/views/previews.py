"""Around CKAN's table preview data endpoint (``/datatables/ajax/<view id>``).

CKAN's datatables view reads the view with ``resource_view_show`` before its
own checks and lets ``NotAuthorized`` through, so a request for the table of a
private dataset by someone who may not read it ends as an HTTP 500; numbers
that are not numbers (``draw``, ``start``, ``length``) do the same. The guard
answers 403 / 404 / 400 instead, in the endpoint's own JSON form.
"""
from __future__ import annotations

import json

from flask import Blueprint, request

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.views.gap import context

TABLE_ENDPOINT = "datatablesview.ajax"
WHOLE_NUMBERS = ("draw", "start", "length")

preview_guard = Blueprint("provincial_previews", __name__)


def _refuse(status: int, message: str):
    return json.dumps({"error": message}), status, {"Content-Type": "application/json; charset=utf-8"}


@preview_guard.before_app_request
def table_data_guard():
    if request.endpoint != TABLE_ENDPOINT:
        return None
    view_id = (request.view_args or {}).get("resource_view_id")
    try:
        toolkit.get_action("resource_view_show")(context(), {"id": view_id})
    except toolkit.ObjectNotFound:
        return _refuse(404, "Object not found")
    except toolkit.NotAuthorized:
        return _refuse(403, "Not Authorized")
    for name in WHOLE_NUMBERS:
        try:
            int(request.form.get(name, ""))
        except ValueError:
            return _refuse(400, f"{name}: not a whole number")
    return None


def get_blueprints():
    return [preview_guard]
