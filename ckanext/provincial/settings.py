"""The extension's settings, read in one place (``config_declaration.yml`` declares and documents them).

Each is read when asked, not at import, so a test's ``ckan_config`` or an
operator's reload is seen at once. CKAN already converts a declared ``int``,
``bool`` or ``list`` option from the ini file; the conversion here is for the
values set at run time (tests, ``ckan config``), which arrive as given, and it
is the only one: callers get the typed value and clean up nothing themselves.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import codes

PREFIX = "ckanext.provincial."


def _get(name: str) -> Any:
    return toolkit.config.get(PREFIX + name)


def _int(name: str, default: int = 0) -> int:
    value = _get(name)
    return int(value) if value not in (None, "") else default


def _list(name: str) -> list[str]:
    value = _get(name) or []
    if isinstance(value, str):
        value = value.split()
    return [item.strip() for item in value if item and str(item).strip()]


def _text(name: str) -> str:
    return str(_get(name) or "").strip()


# ---------------------------------------------------------------- identity

def province_code() -> str:
    """The province this portal serves (two digits, e.g. ``13``), or ``""`` on a portal of several."""
    return codes.clean_code(_get("province_code"))


def thaigdc_version() -> str:
    return _text("thaigdc_version")


def thaigdc_catalog_type(default: str) -> str:
    """The national catalogue type (CKAN refuses to start with one outside the declared choices)."""
    return _text("thaigdc_catalog_type") or default


def dcat_id_base() -> str:
    return _text("dcat.id_base")


# ---------------------------------------------------------------- code lists (files the operator edits)

def pmqa_file() -> str:
    return _text("pmqa_file")


def development_issues_directory() -> str:
    return _text("development_issues_directory")


def national_categories_file() -> str:
    return _text("national_categories_file")


# ---------------------------------------------------------------- gap, harvesting

def gap_cache_seconds() -> int:
    """How long the gap summary stays in Redis; 0 (or less) turns the cache off."""
    return max(0, _int("gap.cache_seconds"))


def dcat_cache_seconds() -> int:
    """How long a dataset's DCAT triples stay in Redis (catalogue pages); 0 (or less) turns the cache off."""
    return max(0, _int("dcat.cache_seconds", 604800))


def harvest_users() -> list[str]:
    return _list("harvest.users")


# ---------------------------------------------------------------- DataStore and bulk import

def datastore_formats() -> set[str]:
    return {item.lower() for item in _list("datastore.formats")}


def datastore_max_columns(default: int) -> int:
    return _int("datastore.max_columns") or default


def import_background_rows() -> int:
    return _int("import.background_rows")


def import_max_rows() -> int:
    return _int("import.max_rows")


# ---------------------------------------------------------------- content checks

def content_checks_auto() -> bool:
    """Check a resource's contents after each upload or change (a background job)."""
    return toolkit.asbool(_get("validation.auto"))


def content_checks_limits() -> dict[str, Any]:
    """What the content check reads: formats, and the row, error and byte limits (0: none)."""
    return {
        "formats": _list("validation.formats"),
        "max_rows": _int("validation.max_rows"),
        "max_errors": _int("validation.max_errors"),
        "max_bytes": _int("validation.max_bytes"),
    }


# ---------------------------------------------------------------- data requests

def datarequest_rate_limit() -> tuple[int, int]:
    """At most this many new data requests per user (0: no limit) in this many hours."""
    return _int("datarequest.rate_limit", 5), _int("datarequest.rate_limit_hours", 24)


def datarequest_comment_rate_limit() -> int:
    """At most this many comments on data requests per user (0: no limit) in the same window."""
    return _int("datarequest.comment_rate_limit", 30)


def datarequest_email() -> bool:
    """Send e-mails of data request events (when ``smtp.server`` is set)."""
    value = _get("datarequest.email_notifications")
    return True if value in (None, "") else toolkit.asbool(value)


# ---------------------------------------------------------------- link checks

def _float(name: str, default: float) -> float:
    value = _get(name)
    try:
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def link_checks_schedule() -> str:
    """When the nightly job checks links: ``daily``, ``weekly`` or ``off``."""
    return _text("link_checks.schedule") or "daily"


def link_checks_settings(concurrency: int = 0):
    """The checker's settings (``link_checks.checker.Settings``); ``concurrency`` overrides the option."""
    from ckanext.provincial.link_checks.checker import Settings

    return Settings(
        concurrency=max(1, concurrency or _int("link_checks.concurrency", 4)),
        delay=max(0.0, _float("link_checks.host_delay", 1.0)),
        timeout=max(0.1, _float("link_checks.timeout", 10.0)),
        user_agent=_text("link_checks.user_agent") or "ckanext-provincial link checker",
        max_bytes=max(1, _int("link_checks.max_bytes", 1024)),
    )
