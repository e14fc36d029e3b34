"""Action functions of the extension, one submodule per domain."""
from __future__ import annotations

from typing import Any, Callable


def get_actions() -> dict[str, Callable[..., Any]]:
    from ckanext.provincial.actions import status

    actions: dict[str, Callable[..., Any]] = {}
    for module in (status,):
        actions.update(module.get_actions())
    return actions
