"""ckanext-dcat's ``dcat_catalog_show`` with page links that are valid URIs, from cached triples.

ckanext-dcat writes the catalogue's hydra page links (first, next, last...)
with the request's ``q``/``fq``/``modified_since`` as typed, and rdflib
refuses to serialise a URI holding a space, quotes or ``<>{}|\\^``` (HTTP 500
for ``/catalog.ttl?q=title:"น้ำ"``). Same steps as ckanext-dcat's action,
with the links percent-encoded. The upstream version it follows is pinned in
``upstream.PATCHES``. Turtle and N3 pages are put together from each dataset's
cached triples (``dcat/cache.py``); ``ckanext.provincial.dcat.cache_seconds = 0``
serializes every page whole, as upstream does.
"""
from __future__ import annotations

from urllib.parse import quote

from dateutil.parser import parse as parse_date

import ckan.plugins.toolkit as toolkit
from ckanext.dcat.exceptions import RDFProfileException
from ckanext.dcat.processors import RDFSerializer
from ckanext.dcat.utils import CONTENT_TYPES

from ckanext.provincial import upstream
from ckanext.provincial.dcat import cache, profiles
from ckanext.provincial.validators import requirement as checks

PAGE_LINKS = ("current", "first", "last", "next", "previous")
# What may stay as it is in a page link: the URL's own delimiters and existing escapes.
URI_SAFE = "/:?&=%#~@!$'()*+,;"


def _iso_date(value):
    try:
        parse_date(value)
    except (ValueError, OverflowError):
        raise toolkit.Invalid(toolkit._("Must be an ISO 8601 date or date-time, e.g. 2025-01-31T00:00:00"))
    return value


def _checked(context, data_dict) -> dict:
    """The parameters as text (ckanext-dcat's action takes them unchecked from the API)."""
    get = toolkit.get_validator
    text = [get("ignore_missing"), get("unicode_safe"), checks.storable_text]
    schema = {"q": list(text), "fq": list(text), "modified_since": list(text) + [_iso_date],
              "format": [get("ignore_missing"), get("unicode_safe")], "page": [get("ignore_missing")],
              "profiles": [get("ignore_missing")]}
    data, errors = toolkit.navl_validate(dict(data_dict or {}), schema, context)
    if errors:
        raise toolkit.ValidationError(errors)
    return data


@toolkit.chained_action
@toolkit.side_effect_free
def dcat_catalog_show(original_action, context, data_dict):
    """The catalogue as RDF, as ckanext-dcat's ``dcat_catalog_show``, with encoded page links."""
    toolkit.check_access("dcat_catalog_show", context, data_dict)
    data_dict = _checked(context, data_dict)
    # Through the API these reach rdflib unchecked (HTTP 500 for format=0).
    if data_dict.get("format") not in (None, *CONTENT_TYPES):
        raise toolkit.ValidationError({"format": [toolkit._("Use one of: {formats}").format(
            formats=", ".join(sorted(CONTENT_TYPES)))]})
    cached = cache.enabled(data_dict.get("format"))
    try:
        # Without the cache, ckanext-dcat's serializer exactly as upstream runs it.
        serializer = (cache.Serializer if cached else RDFSerializer)(profiles=data_dict.get("profiles"))
    except (RDFProfileException, TypeError) as error:
        raise toolkit.ValidationError({"profiles": [str(error) or toolkit._("Unknown profile")]})
    if cached:
        # Each dataset's triples from Redis (dcat/cache.py); None when Redis cannot be used.
        page = cache.serialize_page(context, data_dict, serializer, [p.name for p in serializer._profiles],
                                    lambda query: _page_links(query, data_dict))
        if page is not None:
            return page
    query = upstream.dcat_search_datasets(context, data_dict)
    pagination = _page_links(query, data_dict)
    # euro_dcat_ap keeps organizations in a process-wide dictionary it never refreshes: a
    # renamed organization kept its old name as publisher until the web process restarted.
    cache.forget_publishers()
    with profiles.requirements_of(query["results"]):
        return serializer.serialize_catalog({}, query["results"], _format=data_dict.get("format"),
                                            pagination_info=pagination)


def _page_links(query, data_dict) -> dict:
    pagination = upstream.dcat_pagination_info(query, data_dict)
    for key in PAGE_LINKS:
        if pagination.get(key):
            pagination[key] = quote(pagination[key], safe=URI_SAFE)
    return pagination


def get_actions():
    return {"dcat_catalog_show": dcat_catalog_show}
