"""Around ckanext-dcat's RDF endpoints (``/dataset/<id>.<format>``, ``/catalog.<format>``).

- An unknown format suffix is a 404 with the formats there are: ckanext-dcat
  routes any suffix and lets rdflib fail on it (HTTP 500).
- Responses say ``charset=utf-8``: ckanext-dcat sends ``text/turtle`` bare,
  and HTTP clients then read ``text/*`` as ISO-8859-1, which garbles Thai.
- A search Solr cannot run (``?q=:``, ``?page=99999999999``) is a 400:
  ckanext-dcat lets CKAN's ``SearchError`` through (HTTP 500).
"""
from __future__ import annotations

from flask import Blueprint, request

import ckan.plugins.toolkit as toolkit
from ckan.lib.search import SearchError  # what package_search raises; the toolkit does not export it
from ckanext.dcat.utils import CONTENT_TYPES

from ckanext.provincial.validators.requirement import UNSTORABLE

RDF_ENDPOINTS = ("dcat.read_dataset", "dcat.read_dataset_series", "dcat.read_catalog")

dcat_guard = Blueprint("provincial_dcat", __name__)


@dcat_guard.before_app_request
def known_rdf_formats_only():
    if request.endpoint not in RDF_ENDPOINTS:
        return None
    dataset_id = (request.view_args or {}).get("_id") or ""
    if UNSTORABLE.search(dataset_id):  # no dataset has it, and PostgreSQL refuses to look (HTTP 500)
        return toolkit.abort(404, toolkit._("Dataset not found"))
    suffix = (request.view_args or {}).get("_format")
    if suffix is None or suffix in CONTENT_TYPES:
        return None
    return toolkit.abort(404, toolkit._('Unknown format "{suffix}": use one of {formats}').format(
        suffix=suffix, formats=", ".join(sorted(CONTENT_TYPES))))


@dcat_guard.after_app_request
def declare_utf8(response):
    if request.endpoint in RDF_ENDPOINTS and response.mimetype in CONTENT_TYPES.values() \
            and "charset" not in (response.headers.get("Content-Type") or ""):
        response.headers["Content-Type"] = f"{response.mimetype}; charset=utf-8"
    return response


@dcat_guard.app_errorhandler(SearchError)
def search_refused(error):
    if request.endpoint not in RDF_ENDPOINTS:
        raise error  # CKAN's own handling (its pages and the API catch it themselves)
    message = toolkit._("The catalogue cannot be searched with these parameters (q, fq, page, modified_since)")
    return message, 400, {"Content-Type": "text/plain; charset=utf-8"}


def get_blueprints():
    return [dcat_guard]
