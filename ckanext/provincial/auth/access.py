"""Rules shared by auth functions that follow CKAN's rule on a resource."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.validators import requirement as checks


def resource_allowed(action: str, context, resource_id, refused: str) -> dict:
    """CKAN's ``action`` auth (``resource_show``, ``resource_update``) on ``resource_id``, as an auth result.

    Runs before the action validates its parameters: CKAN's resource auth fails on ids that are
    not text, or that hold characters no id has (NUL, lone surrogates).
    """
    if not isinstance(resource_id, str) or checks.UNSTORABLE.search(resource_id):
        return {"success": False, "msg": toolkit._("Resource not found")}
    try:
        toolkit.check_access(action, dict(context), {"id": resource_id})
    except toolkit.ObjectNotFound:
        return {"success": False, "msg": toolkit._("Resource not found")}
    except toolkit.NotAuthorized:
        return {"success": False, "msg": refused}
    return {"success": True}
