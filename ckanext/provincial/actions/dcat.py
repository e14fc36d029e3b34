"""ckanext-dcat's ``dcat_catalog_show`` with page links that are valid URIs.

ckanext-dcat writes the catalogue's hydra page links (first, next, last...)
with the request's ``q``/``fq``/``modified_since`` as typed, and rdflib
refuses to serialise a URI holding a space, quotes or ``<>{}|\\^``` (HTTP 500
for ``/catalog.ttl?q=title:"น้ำ"``). Same steps as ckanext-dcat's action,
with the links percent-encoded. The upstream version it follows is pinned in
``upstream.PATCHES``.
"""
from __future__ import annotations

from urllib.parse import quote

from dateutil.parser import parse as parse_date

import ckan.plugins.toolkit as toolkit
from ckanext.dcat.exceptions import RDFProfileException
from ckanext.dcat.processors import RDFSerializer
from ckanext.dcat.utils import CONTENT_TYPES

from ckanext.provincial import upstream
from ckanext.provincial.dcat import profiles
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
    try:
        serializer = RDFSerializer(profiles=data_dict.get("profiles"))
    except (RDFProfileException, TypeError) as error:
        raise toolkit.ValidationError({"profiles": [str(error) or toolkit._("Unknown profile")]})
    query = upstream.dcat_search_datasets(context, data_dict)
    pagination = upstream.dcat_pagination_info(query, data_dict)
    for key in PAGE_LINKS:
        if pagination.get(key):
            pagination[key] = quote(pagination[key], safe=URI_SAFE)
    with profiles.requirements_of(query["results"]):
        return serializer.serialize_catalog({}, query["results"], _format=data_dict.get("format"),
                                            pagination_info=pagination)


def get_actions():
    return {"dcat_catalog_show": dcat_catalog_show}
