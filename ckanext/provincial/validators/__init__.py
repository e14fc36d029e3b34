"""Validators of the extension, one submodule per domain."""
from __future__ import annotations

from typing import Any, Callable


def get_validators() -> dict[str, Callable[..., Any]]:
    from ckanext.provincial.validators import vocabulary
    from ckanext.provincial.validators import requirement
    from ckanext.provincial.validators import schema

    modules: tuple = (vocabulary, requirement, schema)
    found: dict[str, Callable[..., Any]] = {}
    for module in modules:
        found.update(module.get_validators())
    return found
