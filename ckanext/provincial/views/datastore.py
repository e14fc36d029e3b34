"""Reload a resource's table into the DataStore from its page (a publisher who
changed a column type in the Data Dictionary, or a table loaded before the
portal's loader)."""
from __future__ import annotations

from flask import Blueprint

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.views.gap import context

datastore_pages = Blueprint("provincial_datastore", __name__)


@datastore_pages.route("/dataset/<id>/resource/<resource_id>/datastore-reload", methods=["POST"])
def reload(id: str, resource_id: str):
    try:
        toolkit.get_action("provincial_datastore_submit")(context(), {"resource_id": resource_id})
    except toolkit.NotAuthorized:
        return toolkit.abort(403, toolkit._("Not authorized to load this table"))
    except toolkit.ObjectNotFound:
        return toolkit.abort(404, toolkit._("Resource not found"))
    except toolkit.ValidationError as exc:
        toolkit.h.flash_error("; ".join(str(m) for messages in exc.error_dict.values() for m in messages))
    else:
        toolkit.h.flash_success(toolkit._("The table will be loaded into the DataStore again in a moment."))
    return toolkit.redirect_to("resource.read", id=id, resource_id=resource_id)


def get_blueprints():
    return [datastore_pages]
