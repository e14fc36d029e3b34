"""Where the extension leans on upstream code beyond its public API: one list, checked by a test.

Each entry names our code, the upstream function whose behaviour it repeats, works around
or calls privately, the upstream release it was written for, and a hash of that function's
source at that release. ``tests/test_upstream.py`` fails when an installed upstream
function no longer matches its hash: re-read the upstream change, check that our code
still fits (or drop it when upstream fixed the problem), then update ``written_for`` and
``source_sha256`` here.

ckanext-dcat's private helpers are called only through the wrappers at the end of this
module, so a rename upstream breaks one place.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import inspect
from typing import Any, Callable

from ckanext.dcat import logic as dcat_logic


@dataclasses.dataclass(frozen=True)
class Patch:
    ours: str            # our code, "module:name"
    upstream: str        # the upstream function, "module:name"
    package: str         # its distribution
    written_for: str     # the release our code was written against
    source_sha256: str   # sha256 of the function's source at that release
    why: str


PATCHES: tuple[Patch, ...] = (
    Patch(
        ours="ckanext.provincial.actions.dcat:dcat_catalog_show",
        upstream="ckanext.dcat.logic:dcat_catalog_show",
        package="ckanext-dcat", written_for="2.4.4",
        source_sha256="9896e029b2a52086",
        why="Re-done step by step to percent-encode the hydra page links (rdflib refuses a URI "
            "with spaces or quotes: HTTP 500 for /catalog.ttl?q=title:\"น้ำ\") and to check the "
            "API parameters ckanext-dcat passes on unchecked.",
    ),
    Patch(
        ours="ckanext.provincial.upstream:dcat_search_datasets",
        upstream="ckanext.dcat.logic:_search_ckan_datasets",
        package="ckanext-dcat", written_for="2.4.4",
        source_sha256="734e81533e67819d",
        why="Private helper of ckanext-dcat called by our dcat_catalog_show.",
    ),
    Patch(
        ours="ckanext.provincial.upstream:dcat_pagination_info",
        upstream="ckanext.dcat.logic:_pagination_info",
        package="ckanext-dcat", written_for="2.4.4",
        source_sha256="b5bcaf848fc100a5",
        why="Private helper of ckanext-dcat called by our dcat_catalog_show.",
    ),
    Patch(
        ours="ckanext.provincial.dcat.cache:search_params",
        upstream="ckanext.dcat.logic:_search_ckan_datasets",
        package="ckanext-dcat", written_for="2.4.4",
        source_sha256="734e81533e67819d",
        why="The catalogue page's search (paging, sort, filters, errors) repeated so that the cached "
            "pages read only index_id, _version_ and organization from the index.",
    ),
    Patch(
        ours="ckanext.provincial.dcat.cache:serialize_page",
        upstream="ckanext.dcat.processors:RDFSerializer.serialize_catalog",
        package="ckanext-dcat", written_for="2.4.4",
        source_sha256="0f503dea34d9f132",
        why="The catalogue page written as upstream does (catalogue, dcat:dataset links, paging), "
            "with each dataset's triples from the cache; with sub-catalogues on, pages are written whole.",
    ),
    Patch(
        ours="ckanext.provincial.dcat.cache:Serializer",
        upstream="ckanext.dcat.processors:RDFProcessor._load_profiles",
        package="ckanext-dcat", written_for="2.4.4",
        source_sha256="0615993e80684b8e",
        why="The profile classes looked up once per process: upstream scans every entry point of "
            "every installed package for each serializer.",
    ),
    Patch(
        ours="ckanext.provincial.dcat.cache:forget_publishers",
        upstream="ckanext.dcat.profiles.euro_dcat_ap_base:BaseEuropeanDCATAPProfile._graph_from_dataset_base",
        package="ckanext-dcat", written_for="2.4.4",
        source_sha256="ecfa9df84cc5298e",
        why="The publisher is read from the class-wide RDFProfile._org_cache, never refreshed: the "
            "catalogue empties it before serializing (a renamed organization kept its old name until a "
            "restart); the cache keys read the same fields from the database.",
    ),
    Patch(
        ours="ckanext.provincial.content_checks.hooks:create_default_views",
        upstream="ckan.logic.action.update:package_update",
        package="ckan", written_for="2.11.6",
        source_sha256="9d5835e8d70ca42e",
        why="CKAN's package_update makes no default views, so a file added or changed by "
            "package_update/package_patch got none; after_dataset_update makes them.",
    ),
    Patch(
        ours="ckanext.provincial.content_checks.hooks:after_dataset_update",
        upstream="ckan.logic.action.update:resource_update",
        package="ckan", written_for="2.11.6",
        source_sha256="7e563a3b0368e6ec",
        why="resource_update makes views itself (when the format changes): our hook skips "
            "updates that come from it so the views are not made twice.",
    ),
    Patch(
        ours="ckanext.provincial.content_checks.hooks:after_dataset_update",
        upstream="ckan.logic.action.create:resource_create",
        package="ckan", written_for="2.11.6",
        source_sha256="38a953f7f53d9804",
        why="resource_create makes views itself: our hook skips creates that come from it.",
    ),
    Patch(
        ours="ckanext.provincial.actions.catalogue:package_create_default_resource_views",
        upstream="ckan.logic.action.create:package_create",
        package="ckan", written_for="2.11.6",
        source_sha256="11f59679e1d95591",
        why="package_create calls package_create_default_resource_views without defer_commit, "
            "which would commit a workbook import's transaction half way; the chained action "
            "makes none during an import (the import makes them after its commit).",
    ),
    Patch(
        ours="ckanext.provincial.actions.catalogue:package_create_default_resource_views",
        upstream="ckan.logic.action.create:package_create_default_resource_views",
        package="ckan", written_for="2.11.6",
        source_sha256="97538070dab67e3d",
        why="Chained: refuses a data_dict without a package dict (upstream fails with HTTP 500) "
            "and makes no views inside a workbook import.",
    ),
    Patch(
        ours="ckanext.provincial.actions.vocabulary:GroupPlan.apply",
        upstream="ckanext.activity.subscriptions:group_or_org_changed",
        package="ckan", written_for="2.11.6",
        source_sha256="8e3658242b93a788",
        why="The activity plugin reads a group action's result as a dict: with return_id_only "
            "(a string) every group create fails, so the sync asks for it only without that plugin.",
    ),
    Patch(
        ours="ckanext.provincial.gap_service:search_all",
        upstream="ckanext.tracking.plugin:TrackingPlugin.after_dataset_search",
        package="ckan", written_for="2.11.6",
        source_sha256="8abbef12e76b3bdf",
        why="The tracking plugin reads the views of each search result with an id, one query per "
            "dataset and per resource; the gap engine reads the id under another name so that its "
            "searches over the whole catalogue make none.",
    ),
)


def resolve(dotted: str) -> Callable[..., Any]:
    module, _sep, name = dotted.partition(":")
    found: Any = importlib.import_module(module)
    for part in name.split("."):  # "Class.method" as well as "function"
        found = getattr(found, part)
    return found


def source_sha256(function: Callable[..., Any]) -> str:
    """The first 16 hex digits of the sha256 of a function's source (decorators unwrapped)."""
    source = inspect.getsource(inspect.unwrap(function))
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def changed_upstream() -> list[Patch]:
    """The patches whose upstream function no longer has the source they were written for."""
    return [patch for patch in PATCHES if source_sha256(resolve(patch.upstream)) != patch.source_sha256]


# ------------------------------------------------- ckanext-dcat private API --

def dcat_search_datasets(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """ckanext-dcat's catalogue search (its ``package_search`` with the catalogue's paging)."""
    return dcat_logic._search_ckan_datasets(context, data_dict)


def dcat_pagination_info(query: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """ckanext-dcat's hydra paging links of a catalogue page."""
    return dcat_logic._pagination_info(query, data_dict)
