"""Usage statistics: views and downloads of datasets, read from CKAN's tracking tables.

CKAN's ``tracking`` plugin records each page view and each click on a resource
link in ``tracking_raw`` (an anonymised visitor key, the URL, the time); the
nightly ``ckan tracking update`` (here ``ckan provincial usage update``) sums
them per URL and day, one per visitor, into ``tracking_summary``. Every figure
of this module is read from that summary, so it is as fresh as the last run.

What counts:

views
    the dataset's page (``/dataset/<name>``, in any language), per visitor and day;
downloads
    clicks on the link of one of the dataset's active resources: an upload's
    download URL (``/dataset/<id>/resource/<rid>/download/<file>``), a DataStore
    dump (``/datastore/dump/<rid>``) or the external URL itself.

Only active **public** datasets count in the figures of an agency, a province,
a requirement or the most-viewed list (``public_only``); a single dataset's
figures are given by :func:`dataset_usage` whatever its visibility, and the
action that serves them decides who may read them. Nothing personal is read
here: the visitor key never leaves ``tracking_raw``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Optional

import sqlalchemy as sa

from ckan.model import meta  # the tracking tables have no action or toolkit API to read them

from ckanext.provincial import gap, quality

DEFAULT_MONTHS = 12
MAX_MONTHS = 60
# The PostgreSQL advisory lock of the summary job ("usage" in ASCII).
SUMMARY_LOCK = 0x7573616765

# One row per (dataset, day): page views from the summary.
_VIEWS = """
    SELECT ts.package_id AS package_id, ts.tracking_date AS day, ts.count AS views, 0 AS downloads
    FROM tracking_summary ts
    WHERE ts.tracking_type = 'page' AND ts.package_id IS NOT NULL
"""
# One row per (resource link, day), joined to the resource's dataset: uploads and
# DataStore dumps by the resource id in their URL, other links by their URL.
# The resource id in an upload's download URL or a DataStore dump's (string functions: a
# regular expression costs several times more per row).
_LINKS = """
    SELECT CASE
             WHEN strpos(url, '/resource/') > 0 AND strpos(url, '/download') > 0
               THEN split_part(split_part(url, '/resource/', 2), '/', 1)
             WHEN strpos(url, '/datastore/dump/') > 0
               THEN split_part(split_part(split_part(url, '/datastore/dump/', 2), '?', 1), '/', 1)
           END AS rid,
           url, tracking_date AS day, count AS n
    FROM tracking_summary WHERE tracking_type = 'resource'
"""
_DOWNLOADS = f"""
    SELECT r.package_id AS package_id, d.day AS day, 0 AS views, d.n AS downloads
    FROM ({_LINKS}) d JOIN resource r ON r.id = d.rid AND r.state = 'active'
    UNION ALL
    SELECT r.package_id, d.day, 0, d.n
    FROM ({_LINKS}) d JOIN resource r ON r.url = d.url AND r.state = 'active'
    WHERE d.rid IS NULL AND coalesce(r.url_type, '') <> 'upload'
"""
_EVENTS = f"({_VIEWS} UNION ALL {_DOWNLOADS})"


def _session():
    return meta.Session


def _scope(public_only: bool, organization_id: Optional[str], province_code: Optional[str],
           package_ids: Optional[Iterable[str]]) -> tuple[str, dict[str, Any]]:
    """The WHERE clause on ``p`` (package) for the datasets a figure counts."""
    where = ["p.state = 'active'", "p.type = 'dataset'"]
    params: dict[str, Any] = {}
    if public_only:
        where.append("NOT p.private")
    if organization_id:
        where.append("p.owner_org = :organization_id")
        params["organization_id"] = organization_id
    if province_code:
        where.append("EXISTS (SELECT 1 FROM package_extra e WHERE e.package_id = p.id AND e.key = 'province_code'"
                     " AND e.value = :province_code AND coalesce(e.state, 'active') = 'active')")
        params["province_code"] = province_code
    if package_ids is not None:
        where.append("p.id = ANY(:package_ids)")
        params["package_ids"] = list(package_ids)
    return " AND ".join(where), params


# ---------------------------------------------------------------- months

def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def last_months(count: int, today: Optional[dt.date] = None) -> list[str]:
    """The ``count`` months up to and including ``today``'s, oldest first (``["2026-01", …]``)."""
    today = today or dt.date.today()
    year, month = today.year, today.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def first_day(month: str) -> dt.date:
    year, number = month.split("-")
    return dt.date(int(year), int(number), 1)


def monthly(months: int = DEFAULT_MONTHS, today: Optional[dt.date] = None, *, public_only: bool = True,
            organization_id: Optional[str] = None, province_code: Optional[str] = None,
            package_ids: Optional[Iterable[str]] = None) -> list[dict[str, Any]]:
    """Views and downloads per month over the last ``months`` months (empty months are 0), oldest first."""
    wanted = last_months(months, today)
    where, params = _scope(public_only, organization_id, province_code, package_ids)
    rows = _session().execute(sa.text(f"""
        SELECT to_char(ev.day, 'YYYY-MM') AS month, sum(ev.views) AS views, sum(ev.downloads) AS downloads
        FROM {_EVENTS} ev JOIN package p ON p.id = ev.package_id
        WHERE {where} AND ev.day >= :since
        GROUP BY 1
    """), dict(params, since=first_day(wanted[0]))).fetchall()
    found = {row.month: row for row in rows}
    return [{
        "month": month,
        "views": int(found[month].views) if month in found else 0,
        "downloads": int(found[month].downloads) if month in found else 0,
    } for month in wanted]


# ---------------------------------------------------------------- per dataset

def totals(*, public_only: bool = True, organization_id: Optional[str] = None,
           province_code: Optional[str] = None, package_ids: Optional[Iterable[str]] = None,
           since: Optional[dt.date] = None, limit: Optional[int] = None,
           order: str = "views") -> list[dict[str, Any]]:
    """Per dataset with any use: ``id``, ``name``, ``title``, ``views``, ``downloads`` (all time, or
    from ``since``), most used first (by ``order``: ``views`` or ``downloads``), at most ``limit``."""
    where, params = _scope(public_only, organization_id, province_code, package_ids)
    if since is not None:
        where += " AND ev.day >= :since"
        params["since"] = since
    first = "downloads" if order == "downloads" else "views"
    second = "views" if first == "downloads" else "downloads"
    sql = f"""
        SELECT p.id, p.name, p.title, sum(ev.views) AS views, sum(ev.downloads) AS downloads
        FROM {_EVENTS} ev JOIN package p ON p.id = ev.package_id
        WHERE {where}
        GROUP BY p.id, p.name, p.title
        HAVING sum(ev.views) + sum(ev.downloads) > 0
        ORDER BY {first} DESC, {second} DESC, p.name
    """
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = int(limit)
    return [{"id": row.id, "name": row.name, "title": row.title, "views": int(row.views),
             "downloads": int(row.downloads)} for row in _session().execute(sa.text(sql), params)]


def dataset_usage(package_id: str, months: int = DEFAULT_MONTHS, today: Optional[dt.date] = None) -> dict[str, Any]:
    """One dataset (public or not: the caller decides who may read it): all-time ``views`` and
    ``downloads`` and the last ``months`` months."""
    found = totals(public_only=False, package_ids=[package_id])
    return {
        "views": found[0]["views"] if found else 0,
        "downloads": found[0]["downloads"] if found else 0,
        "months": monthly(months, today, public_only=False, package_ids=[package_id]),
    }


def most_viewed(limit: int = 5, province_code: Optional[str] = None,
                since: Optional[dt.date] = None) -> list[dict[str, Any]]:
    """The public datasets viewed most (of a province), with at least one view."""
    return [row for row in totals(province_code=province_code, since=since, limit=limit) if row["views"] > 0]


# ---------------------------------------------------------------- per requirement

def _requirement_links(province_code: str) -> dict[str, list[str]]:
    """Public active datasets of the province by ``requirement_key``: their ids."""
    where, params = _scope(True, None, province_code, None)
    rows = _session().execute(sa.text(f"""
        SELECT p.id, e.value AS codes FROM package p
        JOIN package_extra e ON e.package_id = p.id AND e.key = 'requirement_codes'
             AND coalesce(e.state, 'active') = 'active'
        WHERE {where}
    """), params).fetchall()
    links: dict[str, list[str]] = {}
    for row in rows:
        for code in {gap.code_key(c) for c in quality.as_list(row.codes) if c}:
            links.setdefault(gap.requirement_key(province_code, code), []).append(row.id)
    return links


def requirement_usage(province_code: str, since: Optional[dt.date] = None) -> dict[str, dict[str, int]]:
    """Per requirement of the province (by ``gap.requirement_key``): ``datasets`` (public ones that fulfil
    it), ``views`` and ``downloads`` summed over them. Requirements with no public dataset are absent."""
    links = _requirement_links(province_code)
    ids = sorted({i for found in links.values() for i in found})
    per_dataset = {row["id"]: row for row in totals(package_ids=ids, since=since)} if ids else {}
    result = {}
    for key, found in links.items():
        result[key] = {
            "datasets": len(found),
            "views": sum(per_dataset[i]["views"] for i in found if i in per_dataset),
            "downloads": sum(per_dataset[i]["downloads"] for i in found if i in per_dataset),
        }
    return result


def for_requirement(usage: dict[str, dict[str, int]], province_code: str, code: str) -> dict[str, int]:
    """A requirement's entry of :func:`requirement_usage`, zeros when no public dataset fulfils it."""
    return usage.get(gap.requirement_key(province_code, code)) or {"datasets": 0, "views": 0, "downloads": 0}


# ---------------------------------------------------------------- the summary job

def first_summary_day() -> Optional[dt.date]:
    """Where ``ckan tracking update`` should start: two days before the last summarised day, else
    the first recorded view (CKAN's own default, 2011-01-01, walks fifteen years of empty days)."""
    session = _session()
    last = session.execute(sa.text("SELECT max(tracking_date) FROM tracking_summary")).scalar()
    if last is not None:
        return last - dt.timedelta(days=2)
    first = session.execute(sa.text("SELECT min(access_timestamp) FROM tracking_raw")).scalar()
    return first.date() if first is not None else None


def update_summary(start: Optional[dt.date] = None, echo=lambda text: None) -> Optional[dt.date]:
    """Run CKAN's tracking summary (``ckan tracking update``) from ``start`` (default
    :func:`first_summary_day`); returns the day it started from, None when nothing was recorded."""
    from ckanext.tracking.cli import tracking as ckan_tracking  # no toolkit way to run the summary

    # One run at a time (every worker replica starts the nightly job): the others skip it.
    with _session().get_bind().connect() as lock:
        if not lock.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": SUMMARY_LOCK}).scalar():
            echo("the usage summary is already running elsewhere: skipped")
            return None
        try:
            start = start or first_summary_day()
            if start is None:
                echo("no page view recorded yet: nothing to summarise")
                return None
            ckan_tracking.update_all(start.isoformat())
            return start
        finally:
            lock.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": SUMMARY_LOCK})
