"""Metadata quality (MQA) actions: one dataset's score, the means of a province or an agency.

The scoring is ``metadata_quality`` (pure); this module feeds it the link
checker's state and reads the aggregates from the search index, where
``indexing.before_dataset_index`` stores each dataset's score as facet tokens.
``summarize`` is the function the committee report and the gap snapshots call
(and ``bench/report.py`` can time over the whole catalogue).
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import metadata_quality as mqa
from ckanext.provincial import site
from ckanext.provincial import vocabulary_store as store
from ckanext.provincial.actions import schema_check
from ckanext.provincial.actions.schema_check import validated
from ckanext.provincial.validators import requirement as checks


# ------------------------------------------------------------- link state

def link_state(package_id: str) -> dict[str, Any]:
    """``{"broken": [resource ids], "checked": {resource id: {"ok", "status_code", ...}}}`` from the link checker."""
    from ckanext.provincial.link_checks import store as links  # the link checker's table (model)
    return {
        "broken": links.broken_resource_ids([package_id]).get(package_id, []),
        "checked": links.checked_resource_ids([package_id]).get(package_id, {}),
    }


def dataset_score(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """The score of a ``package_show`` dictionary, with its link state; labels and hints translated."""
    result = mqa.score(pkg_dict, link_state(pkg_dict["id"]))
    for entry in result["indicators"] + result["improvements"]:
        label = mqa.BY_KEY[entry["key"]].label  # a variable: Babel would extract a literal subscript
        entry["label"] = toolkit._(label)
    for improvement in result["improvements"]:
        hint = improvement["hint"]
        improvement["hint"] = toolkit._(hint)
    return dict(result, id=pkg_dict["id"], name=pkg_dict.get("name"))


# ------------------------------------------------------------- aggregates

def _quoted(value: str) -> str:
    return '"{}"'.format(str(value).replace("\\", "\\\\").replace('"', '\\"'))


def summarize(context: Optional[dict] = None, province_code: Optional[str] = None,
              organization: Optional[str] = None, include_private: bool = False) -> dict[str, Any]:
    """Mean scores of the active datasets (one faceted ``package_search``, no row read).

    ``organization``: a name (resolved by the caller). Public datasets only
    unless ``include_private``: then also the private ones the context's user
    may see (``package_search`` applies the permission labels). With no
    context: the site user, public datasets (the same figures for everyone).
    """
    context = dict(context) if context else site.site_context()
    fq = ["+dataset_type:dataset"]
    if province_code:
        fq.append("+{}:{}".format(store.PROVINCE_FIELD, _quoted(province_code)))
    if organization:
        fq.append("+organization:{}".format(_quoted(organization)))
    found = toolkit.get_action("package_search")(context, {
        "q": "*:*", "fq": " ".join(fq), "rows": 0, "include_private": bool(include_private),
        "facet": "true", "facet.limit": -1, "facet.mincount": 1,
        "facet.field": list(mqa.INDEX_FIELDS) + ["organization"],  # organization: CKAN gives the titles
    })
    facets = found.get("facets") or {}
    search_facets = found.get("search_facets") or {}

    def names(field: str) -> dict[str, str]:
        return {item["name"]: item.get("display_name") or item["name"]
                for item in (search_facets.get(field) or {}).get("items", [])}

    means = mqa.aggregate(facets)
    titles = names("organization")
    by_agency = [
        {"name": name, "title": titles.get(name, name), "datasets": entry["datasets"], "score": entry["score"],
         "rating": mqa.rating(entry["score"])}
        for name, entry in means["by_agency"].items()
    ]
    by_agency.sort(key=lambda row: (-(row["score"] or 0), row["title"]))
    groups = store.issue_groups(list(means["by_issue"])) if means["by_issue"] else {}  # one query
    by_issue = [
        {"key": code, "label": store.issue_label(code, groups.get(code) or {}), "datasets": entry["datasets"],
         "score": entry["score"]}
        for code, entry in sorted(means["by_issue"].items())
    ]
    return {
        "province_code": province_code or None,
        "organization": organization or None,
        "datasets": means["datasets"],
        "score": means["score"],
        "rating": means["rating"],
        "dimensions": means["dimensions"],
        "max": dict(mqa.DIMENSION_MAX, total=mqa.MAX_TOTAL),
        "by_agency": by_agency,
        "by_development_issue": by_issue,
    }


def catalogue_summary() -> dict[str, Any]:
    """The summary over the whole catalogue, as anyone sees it (for ``bench/report.py`` to time)."""
    return summarize()


# ---------------------------------------------------------------- schemas

def quality_show_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {"id": [v("not_empty"), v("unicode_safe"), v("strip_value")]}


def quality_summary_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {
        "province_code": [v("ignore_missing"), v("unicode_safe"), checks.province_code_validator],
        "organization": [v("ignore_missing"), v("unicode_safe"), v("strip_value")],
        "include_private": [v("default")(False), checks.boolean_validator],
    }


# ---------------------------------------------------------------- actions

@toolkit.side_effect_free
def provincial_quality_show(context, data_dict) -> dict[str, Any]:
    """The metadata quality score of one dataset, after data.europa.eu's MQA (405 points at most).

    Computed live from ``package_show`` and the link checker's results; see
    docs/metadata-quality.md for the indicators and their weights.

    :param id: the dataset's id or name
    :type id: string

    :returns: ``id``, ``name``, ``total``, ``max`` (405), ``rating``
        (``excellent``, ``good``, ``sufficient`` or ``bad``), ``dimensions``
        (``{dimension: {"score", "max"}}`` for ``findability``,
        ``accessibility``, ``interoperability``, ``reusability``,
        ``contextuality``), ``indicators`` (``key``, ``dimension``,
        ``points``, ``weight``, ``met``, ``label``) and ``improvements``
        (``key``, ``dimension``, ``gain``, ``label``, ``hint``: the indicators
        not fully met, the biggest gain first)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_quality_show", context, data_dict)
    data = validated(context, data_dict, quality_show_schema())
    try:
        if checks.UNSTORABLE.search(data["id"]):  # PostgreSQL refuses to look it up (NUL)
            raise toolkit.ObjectNotFound()
        pkg_dict = toolkit.get_action("package_show")(dict(context), {"id": data["id"]})
    except toolkit.ObjectNotFound:  # package_show's own has no message
        raise toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    return dataset_score(pkg_dict)


@toolkit.side_effect_free
def provincial_quality_summary(context, data_dict) -> dict[str, Any]:
    """Mean metadata quality scores of a province's (or an agency's, or every) active dataset.

    Public datasets only, so that the figures are the same for everyone (and
    equal to those kept with the gap snapshots), unless ``include_private``:
    then also the private datasets the user may see. Datasets are scored as
    last indexed (a dataset is reindexed when it or its link check changes).

    :param province_code: only the datasets of this province (two-digit code)
    :type province_code: string
    :param organization: only the datasets of this agency (name or id)
    :type organization: string
    :param include_private: also count the private datasets the user may see
        (default ``false``)
    :type include_private: bool

    :returns: ``province_code``, ``organization`` (name, or null),
        ``datasets``, ``score`` (mean total, 0.1 precision; null when no
        dataset), ``rating`` (of the mean), ``dimensions`` (``{dimension:
        mean}``), ``max`` (``{"total": 405, dimension: max}``),
        ``by_agency`` (``[{"name", "title", "datasets", "score", "rating"}]``,
        best first) and ``by_development_issue`` (``[{"key", "label",
        "datasets", "score"}]``, issues with their sub-issues' datasets too)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_quality_summary", context, data_dict)
    data = validated(context, data_dict, quality_summary_schema())
    organization = schema_check.organization("organization", data["organization"])["name"] \
        if data.get("organization") else None
    return summarize(context, data.get("province_code"), organization, data["include_private"])


def get_actions():
    return {
        "provincial_quality_show": provincial_quality_show,
        "provincial_quality_summary": provincial_quality_summary,
    }
