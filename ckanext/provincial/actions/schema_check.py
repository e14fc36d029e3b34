"""The one way the extension's actions check their parameters against a schema."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit


def validated(context, data_dict, schema) -> dict[str, Any]:
    """``data_dict`` converted by the navl ``schema``; ValidationError with every error otherwise."""
    data, errors = toolkit.navl_validate(dict(data_dict or {}), schema, context)
    if errors:
        raise toolkit.ValidationError(errors)
    return data
