"""Warnings of the national rules (``national_rules.py``) for a dataset's editors:
the entry on the dataset page and the message after the dataset form saves."""
from __future__ import annotations

import logging
from typing import Any, Optional

import flask
from markupsafe import escape

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import national_rules

log = logging.getLogger(__name__)


def _clashes(pkg: dict[str, Any]) -> list[dict[str, Any]]:
    """``title_clashes`` of a dataset, or none when the search index cannot answer: a warning
    must never stop a save or a page (with Solr down the save reports its own error)."""
    try:
        return national_rules.title_clashes(pkg.get("title"), pkg.get("province_code"), exclude_id=pkg.get("id"))
    except Exception:  # the search index's errors are not in the toolkit
        log.warning("could not look for datasets with the same title as %s", pkg.get("id"), exc_info=True)
        return []

# flask.g flag: one warning per request (creating from the form saves twice).
_WARNED = "provincial_title_clash_warned"


def provincial_national_warnings(pkg: dict[str, Any]) -> Optional[dict[str, Any]]:
    """What an editor should know before the dataset goes to the national catalogue, or None.

    ``{"offered": bool, "problems": [...], "clashes": [...]}``: whether the national catalogue
    receives the dataset now, the values it would refuse (``national_rules.check_dataset``) and
    the datasets of the province it receives under the same title (``title_clashes``).
    """
    if not pkg or not pkg.get("id"):
        return None
    problems = national_rules.check_dataset(pkg)
    clashes = _clashes(pkg)
    if not problems and not clashes:
        return None
    return {"offered": national_rules.offered_nationally(pkg.get("private"), pkg.get("allow_harvest")),
            "problems": problems, "clashes": clashes}


def _saved_by_dataset_form(pkg_dict: dict[str, Any]) -> bool:
    if not flask.has_request_context() or flask.request.method != "POST":
        return False
    package_type = pkg_dict.get("type") or "dataset"
    return flask.request.endpoint in (f"{package_type}.new", f"{package_type}.edit")


def after_dataset_saved(pkg_dict: dict[str, Any]) -> None:
    """After the dataset form saves a dataset: warn when the province has another dataset
    of the same title (the national catalogue refuses it). API calls and imports get no message."""
    if not _saved_by_dataset_form(pkg_dict) or flask.g.get(_WARNED):
        return
    clashes = _clashes(pkg_dict)
    if not clashes:
        return
    setattr(flask.g, _WARNED, True)
    others = "; ".join(
        f'{clash["organization"] or clash["owner_org"]} ({clash["name"]})' if not clash["private"]
        else f'{clash["organization"] or clash["owner_org"]} ({toolkit._("private, listed nationally")})'
        for clash in clashes[:3])
    message = toolkit._(
        'Another dataset of this province already has the title "{title}": {others}. The national '
        'Government Data Catalog refuses a title that another dataset uses; make this one distinct, '
        'for example by its agency, area or period.').format(title=" ".join(str(pkg_dict.get("title")).split()),
                                                          others=others)
    flask.flash(escape(message), "alert-warning")


def get_helpers() -> dict[str, Any]:
    return {"provincial_national_warnings": provincial_national_warnings}
