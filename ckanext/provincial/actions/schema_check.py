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


def organization(field: str, value: str) -> dict[str, str]:
    """The active organization named or identified by ``value`` (``{"id", "name", "title"}``);
    a ValidationError naming ``field`` when there is none."""
    from ckanext.provincial import model

    found = model.organizations([value]).get(value)
    if found is None:
        raise toolkit.ValidationError({field: [toolkit._('No organization "{value}"').format(value=value)]})
    return found
