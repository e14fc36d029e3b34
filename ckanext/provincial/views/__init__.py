"""Flask blueprints of the extension, one submodule per page family."""
from __future__ import annotations

from flask import Blueprint


def get_blueprints() -> list[Blueprint]:
    modules: tuple = ()
    return [bp for module in modules for bp in module.get_blueprints()]
