"""CKAN's dataset create and update, refusing text the database cannot store.

PostgreSQL refuses text holding a NUL character, and a lone UTF-16
surrogate (JSON's ``"\\ud800"``) cannot be encoded at all: CKAN would only
find out when it writes the dataset, and answer HTTP 500. Resource links
must be text (CKAN parses them before validating) and fit the database's
index on them (about 2,700 bytes). ``resource_create`` and ``resource_update``
read the link before they call ``package_update``, so they check their
resource first and name its fields (``url``), not ``resources.3.url``.
"""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.validators.requirement import UNSTORABLE


def unstorable_fields(value: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Dotted paths (``resources.0.name``) of the texts, keys included, that cannot be stored."""
    if isinstance(value, str):
        return [".".join(path) or "?"] if UNSTORABLE.search(value) else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = path + (str(key),)
            if isinstance(key, str) and UNSTORABLE.search(key):
                found.append(".".join(where))
            found.extend(unstorable_fields(item, where))
    elif isinstance(value, (list, tuple)):
        for number, item in enumerate(value):
            found.extend(unstorable_fields(item, path + (str(number),)))
    return found


# Left to their validators, which refuse control characters in tags with a more precise message.
_VALIDATED_ELSEWHERE = re.compile(r"^(tag_string|tags\.\d+\.name)$")


# Longest resource link: PostgreSQL's index on resource.url takes about 2,700 bytes.
MAX_URL_BYTES = 2000


def url_problem(url: Any) -> str | None:
    """Why a resource link cannot be taken, or None (absent links are the schema's business)."""
    if url is None or url is toolkit.missing:
        return None
    if not isinstance(url, str):
        return toolkit._("A link is text, such as https://www.example.go.th/data.csv")
    if len(url.encode("utf-8", "surrogatepass")) > MAX_URL_BYTES:
        return toolkit._("A link is at most {maximum} bytes long").format(maximum=MAX_URL_BYTES)
    return None


def link_problems(data_dict) -> dict[str, list[str]]:
    resources = data_dict.get("resources")
    found: dict[str, list[str]] = {}
    for number, resource in enumerate(resources if isinstance(resources, list) else []):
        problem = url_problem(resource.get("url")) if isinstance(resource, dict) else None
        if problem:
            found[f"resources.{number}.url"] = [problem]
    return found


def _refuse_unstorable(data_dict) -> None:
    fields = [field for field in unstorable_fields(data_dict or {}) if not _VALIDATED_ELSEWHERE.match(field)]
    message = toolkit._("Contains a character that cannot be stored (NUL or a lone surrogate); remove it")
    errors = dict({field: [message] for field in fields}, **link_problems(data_dict or {}))
    if errors:
        raise toolkit.ValidationError(errors)


def _refuse_unstorable_resource(data_dict) -> None:
    """The same checks for one resource, named by its own fields."""
    data_dict = data_dict if isinstance(data_dict, dict) else {}
    fields = unstorable_fields(data_dict)
    message = toolkit._("Contains a character that cannot be stored (NUL or a lone surrogate); remove it")
    errors = {field: [message] for field in fields}
    problem = url_problem(data_dict.get("url"))
    if problem:
        errors["url"] = [problem]
    if errors:
        raise toolkit.ValidationError(errors)


def _checked_first(check, name: str):
    """CKAN's action ``name`` after ``check`` (which raises ValidationError), as a chained action."""

    @toolkit.chained_action
    def action(original_action, context, data_dict):
        check(data_dict)
        return original_action(context, data_dict)

    action.__name__ = name
    action.__doc__ = f"CKAN's ``{name}``, refusing first what it would crash on or could not store, by field."
    return action


def get_actions():
    return {
        "package_create": _checked_first(_refuse_unstorable, "package_create"),
        "package_update": _checked_first(_refuse_unstorable, "package_update"),
        "resource_create": _checked_first(_refuse_unstorable_resource, "resource_create"),
        "resource_update": _checked_first(_refuse_unstorable_resource, "resource_update"),
    }
