"""Scheming schemas, presets and the operator-editable data files (PMQA, development issues).

Installed as ``ckanext.provincial.schemas`` so CKAN config can name files as
``ckanext.provincial.schemas:dataset.yaml``.
"""
import functools
import os

import yaml

DIRECTORY = os.path.dirname(os.path.abspath(__file__))


def path(*parts: str) -> str:
    return os.path.join(DIRECTORY, *parts)


@functools.lru_cache(maxsize=None)
def _presets() -> dict:
    with open(path("presets.yaml"), encoding="utf-8") as handle:
        return {preset["preset_name"]: preset.get("values", {}) for preset in yaml.safe_load(handle)["presets"]}


def preset_choices(name: str) -> list[dict]:
    """The ``choices`` of a preset in presets.yaml (value and ``{th, en}`` label), as the form shows them."""
    return list(_presets()[name].get("choices") or [])
