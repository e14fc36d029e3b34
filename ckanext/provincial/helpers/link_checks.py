"""Template helpers of the link checks: the broken note of a resource, labels, an agency's count."""
from __future__ import annotations

import logging
from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.language import N_
from ckanext.provincial.link_checks import policy, store

log = logging.getLogger(__name__)

ERROR_LABELS = {
    policy.TIMEOUT: N_("no answer in time"),
    policy.CONNECTION: N_("the server cannot be reached"),
    policy.REDIRECT_LOOP: N_("endless redirects"),
    policy.TOO_MANY_REDIRECTS: N_("too many redirects"),
    policy.INVALID_URL: N_("not a valid address"),
    policy.SSL: N_("certificate (HTTPS) error"),
}
# Statuses worth a word; others show as "HTTP <code>".
STATUS_LABELS = {
    401: N_("needs a login"), 403: N_("access refused"), 404: N_("not found"), 410: N_("removed"),
    500: N_("server error"), 502: N_("server error"), 503: N_("server unavailable"), 504: N_("server error"),
}


def link_problem(status_code: Optional[int], error: Optional[str]) -> str:
    """What went wrong, in words: ``HTTP 404 (not found)``, ``no answer in time``."""
    if error:
        return toolkit._(ERROR_LABELS.get(error, error))
    if status_code is None:
        return ""
    label = STATUS_LABELS.get(int(status_code))
    return f"HTTP {status_code} ({toolkit._(label)})" if label else f"HTTP {status_code}"


def broken_link(resource: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The last check of a resource whose link is broken (for its note), else None."""
    if not isinstance(resource, dict) or not policy.is_link(resource):
        return None
    try:
        row = store.last_check(resource.get("id"))
    except Exception:  # a note must never break the dataset page
        log.exception("link checks: could not read the check of resource %s", resource.get("id"))
        return None
    if row is None or row.url != str(resource.get("url") or "").strip() or not policy.is_broken(row.failures):
        return None
    return row.as_dict()


def broken_count(organization: Optional[str] = None, province_code: Optional[str] = None) -> Optional[int]:
    """How many broken links the current user may see (of an agency or a province); None on failure."""
    data = {key: value for key, value in (("organization", organization), ("province_code", province_code)) if value}
    try:
        return toolkit.get_action("provincial_link_broken_list")({}, data)["count"]
    except Exception:
        log.exception("link checks: could not count the broken links")
        return None


def resource_label(resource_id: str) -> str:
    """The name of a resource for a ``link:<id>`` problem (its id when it has none)."""
    return store.resource_names([resource_id]).get(resource_id) or resource_id


def get_helpers():
    return {
        "provincial_link_problem": link_problem,
        "provincial_link_broken": broken_link,
        "provincial_link_broken_count": broken_count,
    }
