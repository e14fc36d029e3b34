"""What the national catalogue harvests: the public catalogue, plus metadata-only records.

GDC semantics of ``allow_harvest`` (ยินยอมให้นำชื่อชุดข้อมูลไปใช้ที่ GD-Catalog):
a *private* dataset whose ``allow_harvest`` is ``"True"`` may be listed by the
national catalogue with its name and metadata, never its data. So:

- public datasets are harvested whole, by anyone, through every endpoint
  (``package_search``/``package_show``, DCAT, ``provincial_harvest_*``);
- a private dataset with ``allow_harvest: "True"`` is given as a
  *metadata-only record* (its fields without ``resources``, ``url`` and free
  ``extras``, marked ``metadata_only: true``) by ``provincial_harvest_search``
  and ``provincial_harvest_show``, and only to sysadmins and the accounts
  named in ``ckanext.provincial.harvest.users``;
- any other private dataset is not found, whoever asks (except through CKAN's
  own actions, to the members who may already read it).

The action API also refuses a page size above ``ckan.search.rows_max``
(``package_search`` would silently return fewer rows, which a harvester that
steps ``start`` by the ``rows`` it asked for turns into missed datasets).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.parser import parse as parse_date

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import site
from ckanext.provincial.validators import requirement as checks
from ckanext.provincial.actions.schema_check import validated

DEFAULT_ROWS = 100
# Kept out of a metadata-only record: the data itself, links that often lead
# straight to it, and free-form extras outside the schema.
WITHHELD_FIELDS = ("resources", "url", "extras", "creator_user_id", "relationships_as_subject",
                   "relationships_as_object", "tracking_summary")


def rows_max() -> int:
    return int(toolkit.config.get("ckan.search.rows_max") or 1000)


# ------------------------------------------------------------ validation --

def _page_size(value: Any, context) -> int:
    try:
        rows = int(str(value).strip())
    except (TypeError, ValueError):
        raise toolkit.Invalid(toolkit._("Must be a whole number"))
    if rows < 0 or rows > rows_max():
        raise toolkit.Invalid(toolkit._("Must be between 0 and {limit} (ckan.search.rows_max); "
                                        "page through with start").format(limit=rows_max()))
    return rows


def _solr_date(value: Any, context) -> str:
    """An ISO 8601 date or date-time, as the UTC instant Solr compares with."""
    try:
        moment = parse_date(str(value))
        if moment.tzinfo is not None:  # year 1 at +05:00 is before the calendar begins in UTC
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError):
        raise toolkit.Invalid(toolkit._("Must be an ISO 8601 date or date-time, e.g. 2025-01-31T00:00:00"))
    # Milliseconds kept: datasets saved within the same second stay apart.
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".{0:03d}Z".format(moment.microsecond // 1000)


def harvest_search_schema() -> dict[str, list]:
    get = toolkit.get_validator
    return {
        "q": [get("ignore_missing"), get("unicode_safe"), checks.storable_text],
        "fq": [get("ignore_missing"), get("unicode_safe"), checks.storable_text],
        "rows": [get("default")(DEFAULT_ROWS), _page_size],
        "start": [get("default")(0), checks.natural_number],
        "modified_since": [get("ignore_missing"), _solr_date],
    }


def harvest_show_schema() -> dict[str, list]:
    get = toolkit.get_validator
    return {"id": [get("not_empty"), get("unicode_safe"), checks.storable_text]}


# ------------------------------------------------------------- records --

def allows_harvest(dataset: dict[str, Any]) -> bool:
    return str(dataset.get("allow_harvest") or "").strip().lower() == "true"


def metadata_only(dataset: dict[str, Any]) -> dict[str, Any]:
    """The record of a private dataset that the national catalogue may list."""
    record = {key: value for key, value in dataset.items() if key not in WITHHELD_FIELDS}
    record.update(resources=[], num_resources=0, metadata_only=True)
    return record


def receives_metadata_only(context) -> bool:
    """Sysadmins and the configured harvester accounts; never an anonymous client."""
    if not context.get("user"):
        return False
    try:
        toolkit.check_access("provincial_harvest_metadata_only", dict(context), {})
    except toolkit.NotAuthorized:
        return False
    return True


def _caller(context) -> dict[str, Any]:
    return {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}


def _site() -> dict[str, Any]:
    return site.site_context()


# ------------------------------------------------------------- actions --

@toolkit.side_effect_free
def provincial_harvest_search(context, data_dict) -> dict[str, Any]:
    """Page through the catalogue the way the national catalogue harvests it.

    Everyone gets the public datasets, whole. Sysadmins and the accounts named
    in ``ckanext.provincial.harvest.users`` also get the private datasets whose
    ``allow_harvest`` is ``"True"`` as metadata-only records (no ``resources``,
    ``url`` or free ``extras``; ``metadata_only: true``). Other private datasets
    are never returned.

    Results are sorted by ``id``: a dataset changed while a harvester pages
    cannot move past it (ckanext-harvest's CKAN harvester pages the same way).
    An incremental harvest passes the time of its previous run as
    ``modified_since``.

    :param q: a Solr query, as ``package_search`` (optional)
    :type q: string
    :param fq: a Solr filter query, as ``package_search`` (optional)
    :type fq: string
    :param rows: page size, 0 (count only) to ``ckan.search.rows_max`` (default 100); more is refused
    :type rows: int
    :param start: offset of the first result (default 0)
    :type start: int
    :param modified_since: only datasets changed at or after this ISO 8601
        date or date-time (UTC unless it has an offset) (optional)
    :type modified_since: string

    :returns: ``count`` (all matching records), ``results`` (this page) and
        ``metadata_only_included`` (whether the caller receives metadata-only
        records)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_harvest_search", context, data_dict)
    data = validated(context, data_dict, harvest_search_schema())
    private_too = receives_metadata_only(context)

    filters = []
    if data.get("modified_since"):
        filters.append("metadata_modified:[{0} TO *]".format(data["modified_since"]))
    if private_too:
        # Public datasets, and private ones whose publisher allowed harvesting.
        filters.append("capacity:public OR (capacity:private AND extras_allow_harvest:true)")
    search = {
        "q": data.get("q") or "*:*",
        "fq": data.get("fq") or "",
        "fq_list": filters,
        "rows": data["rows"],
        "start": data["start"],
        "sort": "id asc",
        "include_private": private_too,
    }
    found = toolkit.get_action("package_search")(_site() if private_too else _caller(context), search)

    results = []
    for dataset in found["results"]:
        if dataset.get("private"):
            if not (private_too and allows_harvest(dataset)):
                continue  # belt and braces: the filter above already keeps them out
            dataset = metadata_only(dataset)
        results.append(dataset)
    return {"count": found["count"], "results": results, "metadata_only_included": private_too}


@toolkit.side_effect_free
def provincial_harvest_show(context, data_dict) -> dict[str, Any]:
    """One dataset as the national catalogue harvests it.

    A public dataset comes whole, as from ``package_show``. A private dataset
    whose ``allow_harvest`` is ``"True"`` comes as a metadata-only record to
    sysadmins and the harvester accounts (``ckanext.provincial.harvest.users``).
    Anything else is "not found", whether or not it exists (members read their
    private datasets with ``package_show``).

    :param id: the dataset's id or name
    :type id: string

    :returns: the dataset, or its metadata-only record (``metadata_only: true``)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_harvest_show", context, data_dict)
    data = validated(context, data_dict, harvest_show_schema())
    not_found = toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    try:
        dataset = toolkit.get_action("package_show")(_caller(context), {"id": data["id"]})
    except toolkit.ObjectNotFound:
        raise not_found
    except toolkit.NotAuthorized:
        dataset = None
    if dataset is None or dataset.get("private"):
        # The harvested view of a private dataset, whatever else the caller may read.
        if not receives_metadata_only(context):
            raise not_found
        dataset = toolkit.get_action("package_show")(_site(), {"id": data["id"]})
        if dataset.get("state") != "active" or not allows_harvest(dataset):
            raise not_found
        return metadata_only(dataset)
    if dataset.get("state") != "active":
        raise not_found
    return dataset


@toolkit.chained_action
@toolkit.side_effect_free
def package_search(original_action, context, data_dict):
    """CKAN's ``package_search``; through the API, ``rows`` above ``ckan.search.rows_max`` is refused.

    CKAN itself would cut such a page short without saying so.
    """
    if context.get("api_version") and (data_dict or {}).get("rows") not in (None, ""):
        validated(context, {"rows": data_dict["rows"]}, {"rows": [_page_size]})
    return original_action(context, data_dict)


def get_actions():
    return {
        "provincial_harvest_search": provincial_harvest_search,
        "provincial_harvest_show": provincial_harvest_show,
        "package_search": package_search,
    }
