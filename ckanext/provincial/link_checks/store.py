"""The ``provincial_link_check`` table: record checks, and the queries others read.

Only checks that still describe the resource count: the resource must be
active, still hold the URL that was checked and not have become an upload.
Engineer Q's accessibility score reads ``broken_resource_ids`` and
``checked_resource_ids``; the index hook, the gap and the broken-link list read
``broken_resource_ids`` and ``broken_links``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Optional

import sqlalchemy as sa

from ckanext.provincial.model import LinkCheck, session
from ckanext.provincial.link_checks import policy

# CKAN's resource table, only the columns read here (no ORM import needed).
_resource = sa.table(
    "resource", sa.column("id"), sa.column("package_id"), sa.column("url"),
    sa.column("url_type"), sa.column("state"),
)


def _current(query):
    """Only checks of active link resources whose URL did not change since."""
    return (
        query.join(_resource, _resource.c.id == LinkCheck.resource_id)
        .filter(_resource.c.state == "active")
        .filter(_resource.c.url == LinkCheck.url)
        .filter(sa.func.coalesce(_resource.c.url_type, "") != policy.UPLOAD)
    )


def _ids(package_ids: Iterable[str]) -> list[str]:
    return sorted({str(pid) for pid in (package_ids or []) if pid})


def broken_resource_ids(package_ids: list[str]) -> dict[str, list[str]]:
    """Package id → ids of its resources whose link is broken (failed twice in a row or more).

    Packages with no broken link are left out.
    """
    ids = _ids(package_ids)
    if not ids:
        return {}
    rows = (
        _current(session().query(LinkCheck.package_id, LinkCheck.resource_id))
        .filter(LinkCheck.package_id.in_(ids))
        .filter(LinkCheck.failures >= policy.BROKEN_AFTER)
        .order_by(LinkCheck.package_id, LinkCheck.resource_id)
        .all()
    )
    found: dict[str, list[str]] = {}
    for package_id, resource_id in rows:
        found.setdefault(package_id, []).append(resource_id)
    return found


def checked_resource_ids(package_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Package id → resource id → ``{"status_code", "ok", "checked_at"}`` of the last check.

    ``ok`` is false once the link is broken (two failed checks in a row), true
    otherwise (a single failure may be a passing outage). ``checked_at`` is ISO
    8601 (UTC). Resources never checked are left out.
    """
    ids = _ids(package_ids)
    if not ids:
        return {}
    rows = (
        _current(session().query(LinkCheck))
        .filter(LinkCheck.package_id.in_(ids))
        .all()
    )
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row.package_id, {})[row.resource_id] = {
            "status_code": row.status_code,
            "ok": not policy.is_broken(row.failures),
            "checked_at": row.checked_at.isoformat() if row.checked_at else None,
        }
    return found


def last_check(resource_id: str) -> Optional[LinkCheck]:
    return session().get(LinkCheck, resource_id) if resource_id else None


def record(resource_id: str, package_id: str, url: str, result: dict[str, Any],
           now: Optional[dt.datetime] = None) -> tuple[bool, bool]:
    """Store one check; returns (was broken, is broken) for that resource. Does not commit."""
    now = now or dt.datetime.utcnow()
    row = session().get(LinkCheck, resource_id)
    previous = None
    if row is not None:
        previous = {"url": row.url, "failures": row.failures, "broken_since": row.broken_since,
                    "last_ok_at": row.last_ok_at, "checked_at": row.checked_at}
    was_broken = bool(row is not None and row.url == url and policy.is_broken(row.failures))
    state = policy.next_state(previous, url, result.get("status_code"), result.get("error"), now)
    if row is None:
        row = LinkCheck(resource_id=resource_id)
        session().add(row)
    row.package_id = package_id
    row.url = url
    row.status_code = result.get("status_code")
    row.content_type = result.get("content_type")
    row.size = result.get("size")
    row.error = result.get("error")
    row.checked_at = now
    row.failures = state["failures"]
    row.broken_since = state["broken_since"]
    row.last_ok_at = state["last_ok_at"]
    session().flush()  # CKAN's session does not autoflush: the next get() must find the row
    return was_broken, policy.is_broken(row.failures)


def broken_links(package_ids: Optional[list[str]] = None) -> list[LinkCheck]:
    """The current broken checks, of the given packages (``None``: all), oldest breakage first."""
    query = _current(session().query(LinkCheck)).filter(LinkCheck.failures >= policy.BROKEN_AFTER)
    if package_ids is not None:
        ids = _ids(package_ids)
        if not ids:
            return []
        query = query.filter(LinkCheck.package_id.in_(ids))
    return query.order_by(LinkCheck.broken_since, LinkCheck.resource_id).all()


def broken_urls(package_id: str) -> dict[str, str]:
    """Resource id → the URL found broken, for one package."""
    if not package_id:
        return {}
    rows = (
        _current(session().query(LinkCheck.resource_id, LinkCheck.url))
        .filter(LinkCheck.package_id == package_id)
        .filter(LinkCheck.failures >= policy.BROKEN_AFTER)
        .all()
    )
    return {resource_id: url for resource_id, url in rows}


def resource_names(resource_ids: list[str]) -> dict[str, str]:
    """Resource id → its name (active resources only), for labels."""
    ids = sorted({rid for rid in resource_ids or [] if rid})
    if not ids:
        return {}
    named = sa.table("resource", sa.column("id"), sa.column("name"), sa.column("state"))
    rows = session().execute(
        sa.select(named.c.id, named.c.name).where(named.c.id.in_(ids)).where(named.c.state == "active")).all()
    return {rid: name or "" for rid, name in rows}


def prune() -> int:
    """Forget the checks of resources that are gone (deleted, or their dataset purged). Does not commit."""
    active = sa.select(_resource.c.id).where(_resource.c.state == "active")
    return (session().query(LinkCheck).filter(LinkCheck.resource_id.not_in(active))
            .delete(synchronize_session=False))
