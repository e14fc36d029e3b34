"""Catalogue identity added to ``status_show``."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

import ckanext.provincial as provincial


@toolkit.chained_action
@toolkit.side_effect_free
def status_show(original_action, context, data_dict) -> dict[str, Any]:
    """Return CKAN's site status plus the provincial catalogue identity.

    Adds ``provincial_version`` and ``provincial_province_code`` to what
    CKAN's own ``status_show`` returns.
    """
    status = original_action(context, data_dict)
    status["provincial_version"] = provincial.__version__
    status["provincial_province_code"] = toolkit.config.get("ckanext.provincial.province_code")
    return status


def get_actions():
    return {"status_show": status_show}
