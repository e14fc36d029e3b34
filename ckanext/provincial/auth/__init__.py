"""Auth functions of the extension, one submodule per domain."""
from __future__ import annotations

from typing import Any, Callable


def get_auth_functions() -> dict[str, Callable[..., Any]]:
    modules: tuple = ()
    functions: dict[str, Callable[..., Any]] = {}
    for module in modules:
        functions.update(module.get_auth_functions())
    return functions
