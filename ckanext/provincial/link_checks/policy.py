"""What a link check means: pure rules, no CKAN, no network.

A check *fails* when the link cannot be fetched (time-out, connection error,
redirect loop, invalid URL) or answers with an HTTP status of 400 or more after
following redirects. One failure may be a passing outage, so a link is
*broken* only after ``BROKEN_AFTER`` failed checks in a row; one good check
makes it whole again.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional
from urllib.parse import urlsplit

# Failed checks in a row that make a link broken.
BROKEN_AFTER = 2
UPLOAD = "upload"
SCHEMES = ("http", "https")

# Error codes a check may record (``None`` when the server answered).
TIMEOUT = "timeout"
CONNECTION = "connection"
REDIRECT_LOOP = "redirect_loop"
TOO_MANY_REDIRECTS = "too_many_redirects"
INVALID_URL = "invalid_url"
SSL = "ssl"
ERROR_CODES = (TIMEOUT, CONNECTION, REDIRECT_LOOP, TOO_MANY_REDIRECTS, INVALID_URL, SSL)


def is_link(resource: dict[str, Any]) -> bool:
    """A resource to check: an http(s) URL that is not a file uploaded to the portal."""
    if (resource.get("url_type") or "") == UPLOAD:
        return False
    url = str(resource.get("url") or "").strip()
    return urlsplit(url).scheme.lower() in SCHEMES if url else False


def host_of(url: str) -> str:
    """The politeness key of a URL: its host and port, lower case."""
    try:
        parts = urlsplit(url)
        return (parts.netloc.rsplit("@", 1)[-1] or "").lower()
    except ValueError:
        return ""


def is_ok(status_code: Optional[int], error: Optional[str]) -> bool:
    """Did the check reach the resource?"""
    return not error and status_code is not None and 200 <= int(status_code) < 400


def next_state(previous: Optional[dict[str, Any]], url: str, status_code: Optional[int],
               error: Optional[str], now: dt.datetime) -> dict[str, Any]:
    """The stored counters after a check: ``failures``, ``broken_since``, ``last_ok_at``.

    ``previous`` is the last stored check (``failures``, ``broken_since``,
    ``last_ok_at``, ``url``, ``checked_at``) or ``None``. A changed URL starts
    counting again. ``broken_since`` is set once the link is broken, to the time
    of the first failed check of the streak (the link has not worked since).
    """
    previous = previous if previous and previous.get("url") == url else {}
    if is_ok(status_code, error):
        return {"failures": 0, "broken_since": None, "last_ok_at": now}
    failures = int(previous.get("failures") or 0) + 1
    broken_since = previous.get("broken_since")
    if failures >= BROKEN_AFTER and not broken_since:
        # with two failures in a row, the previous check was the streak's first failure
        broken_since = (previous.get("checked_at") if failures == 2 else None) or now
    return {"failures": failures, "broken_since": broken_since, "last_ok_at": previous.get("last_ok_at")}


def is_broken(failures: Optional[int]) -> bool:
    return int(failures or 0) >= BROKEN_AFTER


def broken_in_dataset(resources: list[dict[str, Any]], broken: dict[str, str]) -> list[str]:
    """The ids of the dataset's resources whose link is broken, in resource order.

    ``broken`` maps resource id → the URL that was found broken; a resource
    whose URL changed since (or that became an upload) is not counted.
    """
    found = []
    for resource in resources:
        rid = resource.get("id")
        if rid in broken and is_link(resource) and str(resource.get("url") or "").strip() == broken[rid]:
            found.append(rid)
    return found


def size_from_headers(headers: dict[str, str]) -> Optional[int]:
    """The full size of the resource from ``Content-Range`` (``bytes 0-99/1234``) or ``Content-Length``."""
    lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
    content_range = lowered.get("content-range") or ""
    if "/" in content_range:
        total = content_range.rsplit("/", 1)[-1].strip()
        if total.isdigit():
            return int(total)
    length = str(lowered.get("content-length") or "").strip()
    return int(length) if length.isdigit() else None


def content_type_of(headers: dict[str, str]) -> Optional[str]:
    lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
    value = str(lowered.get("content-type") or "").split(";", 1)[0].strip().lower()
    return value or None


SCHEDULES = ("daily", "weekly", "off")


def is_due(schedule: str, today: dt.date) -> bool:
    """Does the nightly job check links on this day (Asia/Bangkok)? ``weekly``: Mondays."""
    if schedule == "daily":
        return True
    if schedule == "weekly":
        return today.weekday() == 0
    return False
