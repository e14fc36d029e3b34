"""CKAN's dataset create and update, refusing text the database cannot store.

PostgreSQL refuses text holding a NUL character, and a lone UTF-16
surrogate (JSON's ``"\\ud800"``) cannot be encoded at all: CKAN would only
find out when it writes the dataset, and answer HTTP 500. Resource links
must be text (CKAN parses them before validating) and fit the database's
index on them (about 2,700 bytes). Resource actions end in
``package_update``, so most of them are covered too.
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


def link_problems(data_dict) -> dict[str, list[str]]:
    resources = data_dict.get("resources")
    found: dict[str, list[str]] = {}
    for number, resource in enumerate(resources if isinstance(resources, list) else []):
        url = resource.get("url") if isinstance(resource, dict) else None
        if url is None or url is toolkit.missing:
            continue
        if not isinstance(url, str):
            found[f"resources.{number}.url"] = [toolkit._("A link is text, such as https://www.example.go.th/data.csv")]
        elif len(url.encode("utf-8", "surrogatepass")) > MAX_URL_BYTES:
            found[f"resources.{number}.url"] = [toolkit._("A link is at most {maximum} bytes long").format(
                maximum=MAX_URL_BYTES)]
    return found


def _refuse_unstorable(data_dict) -> None:
    fields = [field for field in unstorable_fields(data_dict or {}) if not _VALIDATED_ELSEWHERE.match(field)]
    message = toolkit._("Contains a character that cannot be stored (NUL or a lone surrogate); remove it")
    errors = dict({field: [message] for field in fields}, **link_problems(data_dict or {}))
    if errors:
        raise toolkit.ValidationError(errors)


@toolkit.chained_action
def package_create(original_action, context, data_dict):
    """CKAN's ``package_create``; text that cannot be stored is refused with the field's name."""
    _refuse_unstorable(data_dict)
    return original_action(context, data_dict)


@toolkit.chained_action
def package_update(original_action, context, data_dict):
    """CKAN's ``package_update``; text that cannot be stored is refused with the field's name."""
    _refuse_unstorable(data_dict)
    return original_action(context, data_dict)


def get_actions():
    return {"package_create": package_create, "package_update": package_update}
