"""Search-index hooks: extra fields at index time, facets, search parameters."""
from __future__ import annotations

import contextlib
import json
import logging
import re
from collections import OrderedDict
from typing import Any, Iterator

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import codes as area_codes
from ckanext.provincial import development_issues, vocabulary
from ckanext.provincial import gap
from ckanext.provincial import metadata_quality
from ckanext.provincial import vocabulary_store as store
from ckanext.provincial.language import current as current_language, label_text
from ckanext.provincial.content_checks import hooks as content_checks
from ckanext.provincial.link_checks import hooks as link_hooks

log = logging.getLogger(__name__)


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    pkg_dict[link_hooks.INDEX_KEY] = link_hooks.broken_links(pkg_dict)  # read by quality.check (link:<id>)
    pkg_dict = content_checks.index_fields(pkg_dict)
    pkg_dict.update(gap.index_fields(pkg_dict))  # compact facts read by the gap analysis
    broken_links = pkg_dict.pop(link_hooks.INDEX_KEY, None)  # not for Solr (single-valued catch-all field)
    pkg_dict = vocabulary_index_fields(pkg_dict)
    pkg_dict = area_index_fields(pkg_dict)
    # metadata quality (MQA) score as facet tokens; issues with their parents, set just above
    pkg_dict.update(metadata_quality.index_fields(pkg_dict, pkg_dict.get(store.ISSUES_INDEX_FIELD) or [], broken_links))
    return cut_immense_terms(pkg_dict)


def before_dataset_search(search_params: dict[str, Any]) -> dict[str, Any]:
    search_params = vocabulary_field_names(search_params)
    return search_params


def after_dataset_search(search_results: dict[str, Any], search_params: dict[str, Any]) -> dict[str, Any]:
    search_results = facet_labels(search_results)
    return search_results


def dataset_facets(facets_dict, package_type):
    return provincial_facets(facets_dict, package_type or "dataset")


def group_facets(facets_dict, group_type, package_type):
    return provincial_facets(facets_dict, package_type or "dataset")


def organization_facets(facets_dict, organization_type, package_type):
    return provincial_facets(facets_dict, package_type or "dataset")


# ------------------------------------------------------- immense terms --
#
# Solr refuses a whole document when a string field holds a term over 32766
# UTF-8 bytes, and the schema's catch-all field ``*`` (every schema field CKAN
# does not know, such as data_type_other) is a string: an 11,000-character
# Thai text would make the dataset impossible to save. The index copy of such
# values is cut (the database keeps them whole; ``*`` is not stored anyway).

SOLR_MAX_TERM_BYTES = 32766
# Tokenised or not indexed: their length is not one term.
_NOT_ONE_TERM = frozenset({"title", "notes", "text", "data_dict", "validated_data_dict"})


def _cut(value: str) -> str:
    encoded = value.encode("utf-8", "surrogatepass")
    if len(encoded) <= SOLR_MAX_TERM_BYTES:
        return value
    return encoded[:SOLR_MAX_TERM_BYTES].decode("utf-8", "ignore")


def cut_immense_terms(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(pkg_dict.items()):
        if key in _NOT_ONE_TERM or key.startswith(("extras_", "res_extras_")):
            continue
        if isinstance(value, str):
            pkg_dict[key] = _cut(value)
        elif isinstance(value, list):
            pkg_dict[key] = [_cut(item) if isinstance(item, str) else item for item in value]
    return pkg_dict


# -------------------------------------------- PMQA and development issues --
#
# Datasets store the codes as JSON lists (scheming multiple-choice fields).
# Solr gets them in multi-valued ``vocab_*`` fields, each code with its
# parents (4.1 also counts for category 4, a sub-issue for its issue), and
# development issues also in ``groups``: each issue's CKAN group page lists
# its datasets from the index, with no membership rows to keep in step.

def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value] if value else []
    if not isinstance(value, list):
        return []
    return [code for code in value if isinstance(code, str) and code]


def vocabulary_index_fields(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    # The stored JSON texts stay too (``pmqa``, ``development_issues``): other
    # index fields may be computed from them.
    pmqa = _codes(pkg_dict.get(store.PMQA_FIELD))
    if pmqa:
        expanded = pmqa + [parent for code in pmqa for parent in vocabulary.pmqa_ancestors(code)]
        pkg_dict[store.PMQA_INDEX_FIELD] = list(dict.fromkeys(expanded))
    issues = _codes(pkg_dict.get(store.ISSUES_FIELD))
    if issues:
        expanded = list(dict.fromkeys(issues + store.issue_ancestors(issues)))
        pkg_dict[store.ISSUES_INDEX_FIELD] = expanded
        pkg_dict["groups"] = list(dict.fromkeys(list(pkg_dict.get("groups") or []) + expanded))
    return pkg_dict


def area_index_fields(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """District and subdistrict codes, one per value, in ``vocab_district_codes`` / ``vocab_subdistrict_codes``."""
    for field in store.AREA_FIELDS:
        found = area_codes.split_codes(pkg_dict.get(field))
        if found:
            pkg_dict["vocab_" + field] = found
    return pkg_dict


# ``fq=pmqa:4.1``, ``fq=development_issues:13-...`` and ``fq=district_codes:1302``
# work as well as the index names ``vocab_pmqa``, ``vocab_development_issues``...
_FIELD_ALIASES = re.compile(r"(?<![\w.])({}):".format(
    "|".join((store.PMQA_FIELD, store.ISSUES_FIELD) + store.AREA_FIELDS)))


def vocabulary_field_names(search_params: dict[str, Any]) -> dict[str, Any]:
    for key in ("fq", "q"):
        if isinstance(search_params.get(key), str):
            search_params[key] = _FIELD_ALIASES.sub(r"vocab_\1:", search_params[key])
    if isinstance(search_params.get("fq_list"), list):
        search_params["fq_list"] = [
            _FIELD_ALIASES.sub(r"vocab_\1:", fq) if isinstance(fq, str) else fq for fq in search_params["fq_list"]
        ]
    return search_params


# ----------------------------------------------------------------- facets --

CHOICE_FACETS = ("data_type", "data_category", "data_classification")


def _facet_titles() -> "OrderedDict[str, str]":
    return OrderedDict([
        (store.PROVINCE_FIELD, toolkit._("Province")),
        (store.DISTRICTS_INDEX_FIELD, toolkit._("District")),
        (store.ISSUES_INDEX_FIELD, toolkit._("Development issues")),
        (store.PMQA_INDEX_FIELD, toolkit._("PMQA 4.0")),
        ("data_type", toolkit._("Data type")),
        ("data_category", toolkit._("Data category")),
        ("data_classification", toolkit._("Data classification")),
    ])


def provincial_facets(facets_dict, package_type: str):
    """Organization first, then the provincial facets, then CKAN's others (groups, tags, formats...)."""
    ordered = OrderedDict()
    if "organization" in facets_dict:
        ordered["organization"] = facets_dict["organization"]
    ordered.update(_facet_titles())
    for key, title in facets_dict.items():
        ordered.setdefault(key, title)
    facets_dict.clear()
    facets_dict.update(ordered)
    return facets_dict


def _choice_labels(package_type: str = "dataset") -> dict[str, dict[str, str]]:
    """value → label of the dataset schema's choice fields shown as facets."""
    try:
        schema = toolkit.h.scheming_get_dataset_schema(package_type) or {}
    except (AttributeError, KeyError, RuntimeError):  # scheming not loaded, or no request
        return {}
    labels: dict[str, dict[str, str]] = {}
    for field in schema.get("dataset_fields", []):
        if field.get("field_name") in CHOICE_FACETS:
            choices = field.get("choices") or []
            labels[field["field_name"]] = {
                choice["value"]: _in_language(choice.get("label"), choice["value"])
                for choice in choices if "value" in choice
            }
    return labels


def _in_language(label, default: str) -> str:
    """A scheming label ({th: ..., en: ...} or text) in the current language (API calls too)."""
    return label_text(label, default=default)


def _relabel(facet: dict, label) -> None:
    for item in facet.get("items", []):
        item["display_name"] = label(item["name"]) or item["name"]


def facet_labels(search_results: dict[str, Any]) -> dict[str, Any]:
    """Names instead of codes on the provincial facets, in the request's language."""
    facets = search_results.get("search_facets") or {}
    if facets.get(store.PMQA_INDEX_FIELD):
        pmqa = store.pmqa_file_or_none()
        _relabel(facets[store.PMQA_INDEX_FIELD], lambda code: store.pmqa_label(code, pmqa))
    if facets.get(store.ISSUES_INDEX_FIELD):
        codes = [item["name"] for item in facets[store.ISSUES_INDEX_FIELD].get("items", [])]
        groups = store.issue_groups(codes)
        _relabel(facets[store.ISSUES_INDEX_FIELD], lambda code: store.issue_label(code, groups.get(code)))
    if facets.get("groups"):
        # Issues have their own facet; "groups" keeps the national categories and ordinary groups.
        facets["groups"]["items"] = [
            item for item in facets["groups"].get("items", [])
            if not development_issues.ISSUE_CODE.match(item["name"])
        ]
    if facets.get(store.PROVINCE_FIELD):
        def province(code):
            name = development_issues.province_name(code)
            return name.in_language(current_language()) if name else code
        _relabel(facets[store.PROVINCE_FIELD], province)
    if facets.get(store.DISTRICTS_INDEX_FIELD):
        def district(code):
            found = area_codes.district(code)
            return found.name(current_language()) if found else code
        _relabel(facets[store.DISTRICTS_INDEX_FIELD], district)
    wanted = [name for name in CHOICE_FACETS if facets.get(name)]
    if wanted:
        labels = _choice_labels()
        for name in wanted:
            _relabel(facets[name], lambda value, name=name: labels.get(name, {}).get(value))
    return search_results


@contextlib.contextmanager
def one_index_commit(fail_quietly: bool = False) -> Iterator[None]:
    """Index the datasets written inside the block without a Solr commit each; commit the index once after.

    A Solr commit per dataset is most of the time of a bulk write (the demo
    load, a workbook import). Another request's index write during these
    seconds is made visible by our commit. ``fail_quietly``: a failed index
    commit is logged, not raised (when the database is already committed).
    """
    # The toolkit has no index commit; CKAN's search module does.
    from ckan.lib import search

    key = "ckan.search.solr_commit"
    before = toolkit.config.get(key)
    toolkit.config[key] = False
    try:
        yield
    finally:
        toolkit.config[key] = before
        try:
            search.commit()
        except Exception:
            if not fail_quietly:
                raise
            log.exception("could not commit the search index after a bulk write")
