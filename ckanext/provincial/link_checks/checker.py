"""The HTTP side of the link check: one URL, then many in a bounded, polite thread pool.

No CKAN import: it takes URLs and settings and returns plain result dicts, so
it is tested against a local HTTP server without a portal.

* ``HEAD`` first; when the server refuses it (any status of 400 or more, e.g.
  405 or 501) a streamed ``GET`` with ``Range: bytes=0-<max bytes - 1>`` that
  reads at most ``max_bytes`` and closes: a big file is never downloaded.
* Redirects are followed one hop at a time (at most ``max_redirects``) so that
  every hop goes through the host gate; a URL seen twice is a redirect loop.
* Per-host politeness (``HostGate``): at most one request at a time to a host
  and at least ``delay`` seconds between the end of one request to a host and
  the start of the next. The pool runs one task per host, so threads are not
  wasted waiting on a busy host; the gate also guards redirects to other hosts.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Optional
from urllib.parse import urljoin

import requests

from ckanext.provincial.link_checks import policy

log = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Settings:
    concurrency: int = 4
    delay: float = 1.0
    timeout: float = 10.0
    user_agent: str = "ckanext-provincial link checker"
    max_bytes: int = 1024
    max_redirects: int = 10


class HostGate:
    """One request at a time per host, ``delay`` seconds apart (shared by every worker thread)."""

    def __init__(self, delay: float):
        self.delay = max(0.0, float(delay))
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}

    @contextlib.contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            last = self._last.get(host)
            if last is not None:
                wait = last + self.delay - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            try:
                yield
            finally:
                self._last[host] = time.monotonic()


def _error_code(exc: Exception) -> str:
    if isinstance(exc, requests.exceptions.Timeout) or "timed out" in str(exc).lower():
        return policy.TIMEOUT
    if isinstance(exc, requests.exceptions.SSLError):
        return policy.SSL
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader,
                        UnicodeError, ValueError)):
        return policy.INVALID_URL
    return policy.CONNECTION


def _head(session: requests.Session, url: str, settings: Settings) -> dict[str, Any]:
    response = session.head(url, allow_redirects=False, timeout=settings.timeout,
                            headers={"User-Agent": settings.user_agent})
    response.close()
    return {"status_code": response.status_code, "headers": dict(response.headers), "read": None}


def _get(session: requests.Session, url: str, settings: Settings) -> dict[str, Any]:
    headers = {"User-Agent": settings.user_agent, "Accept-Encoding": "identity"}
    if settings.max_bytes > 0:
        headers["Range"] = f"bytes=0-{settings.max_bytes - 1}"
    started = time.monotonic()
    read, complete = 0, True
    with session.get(url, allow_redirects=False, timeout=settings.timeout, stream=True,
                     headers=headers) as response:
        if response.status_code not in REDIRECTS:
            complete = False
            for chunk in response.iter_content(chunk_size=min(8192, max(1, settings.max_bytes))):
                read += len(chunk)
                if read >= settings.max_bytes or time.monotonic() - started > settings.timeout:
                    break
            else:
                complete = True
        return {"status_code": response.status_code, "headers": dict(response.headers),
                "read": read if complete else None}


def check_url(url: str, settings: Settings, gate: HostGate,
              session: Optional[requests.Session] = None) -> dict[str, Any]:
    """Check one URL: ``{"status_code", "content_type", "size", "error", "final_url"}``."""
    own = session is None
    session = session or requests.Session()
    result: dict[str, Any] = {"status_code": None, "content_type": None, "size": None, "error": None,
                              "final_url": url}
    seen: set[str] = set()
    current = (url or "").strip()
    try:
        for _hop in range(settings.max_redirects + 1):
            if current in seen:
                result["error"] = policy.REDIRECT_LOOP
                return result
            seen.add(current)
            host = policy.host_of(current)
            if not host:
                result["error"] = policy.INVALID_URL
                return result
            with gate.slot(host):
                answer = _head(session, current, settings)
            if answer["status_code"] >= 400:  # HEAD refused (405, 501...) or really missing: ask with GET
                with gate.slot(host):
                    answer = _get(session, current, settings)
            result["status_code"] = answer["status_code"]
            result["final_url"] = current
            location = {k.lower(): v for k, v in answer["headers"].items()}.get("location")
            if answer["status_code"] in REDIRECTS and location:
                current = urljoin(current, location)
                continue
            result["content_type"] = policy.content_type_of(answer["headers"])
            size = policy.size_from_headers(answer["headers"])
            result["size"] = size if size is not None else answer["read"]
            return result
        result["error"] = policy.TOO_MANY_REDIRECTS
        return result
    except Exception as exc:  # every failure of the request is a result, never a crash of the run
        result["error"] = _error_code(exc)
        result["status_code"] = None
        return result
    finally:
        if own:
            session.close()


def check_many(items: Iterable[dict[str, Any]], settings: Settings,
               on_result: Callable[[dict[str, Any], dict[str, Any]], None],
               gate: Optional[HostGate] = None) -> int:
    """Check every item (a dict with ``url``) with at most ``settings.concurrency`` threads.

    ``on_result(item, result)`` is called in the calling thread (safe for a
    database session), as results arrive. Returns the number checked.
    """
    gate = gate or HostGate(settings.delay)
    by_host: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_host.setdefault(policy.host_of(item["url"]), []).append(item)

    def run_host(host_items: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        with requests.Session() as session:
            return [(item, check_url(item["url"], settings, gate, session)) for item in host_items]

    done = 0
    with ThreadPoolExecutor(max_workers=max(1, int(settings.concurrency))) as pool:
        futures = [pool.submit(run_host, host_items) for host_items in by_host.values()]
        for future in as_completed(futures):
            for item, result in future.result():
                on_result(item, result)
                done += 1
    return done
