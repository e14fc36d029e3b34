"""Search-index hooks: extra fields at index time, facets, search parameters."""
from __future__ import annotations

from typing import Any


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    return pkg_dict


def before_dataset_search(search_params: dict[str, Any]) -> dict[str, Any]:
    return search_params


def dataset_facets(facets_dict, package_type):
    return facets_dict
