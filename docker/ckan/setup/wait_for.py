"""Wait until the services CKAN needs answer, or fail with the reason.

Usage: wait_for.py SERVICE...   (database, datastore, solr, redis)

Addresses come from CKAN's own variables (CKAN_SQLALCHEMY_URL,
CKAN_DATASTORE_WRITE_URL, CKAN_SOLR_URL, CKAN_REDIS_URL). WAIT_TIMEOUT (seconds,
default 180) bounds the wait for each service.
"""
from __future__ import annotations

import os
import sys
import time
import urllib.request
from collections.abc import Callable


def check_database(url: str) -> None:
    import psycopg2

    psycopg2.connect(url, connect_timeout=5).close()


def check_solr(url: str) -> None:
    # The ping handler answers only once the core has loaded its config.
    with urllib.request.urlopen(url.rstrip("/") + "/admin/ping?wt=json", timeout=5) as response:
        if response.status != 200:
            raise RuntimeError(f"ping answered HTTP {response.status}")


def check_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_timeout=5).ping()


SERVICES: dict[str, tuple[str, Callable[[str], None]]] = {
    "database": ("CKAN_SQLALCHEMY_URL", check_database),
    "datastore": ("CKAN_DATASTORE_WRITE_URL", check_database),
    "solr": ("CKAN_SOLR_URL", check_solr),
    "redis": ("CKAN_REDIS_URL", check_redis),
}


def wait(
    check: Callable[[], None],
    timeout: float,
    interval: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Exception | None:
    """Call ``check`` until it stops raising; the last error if time runs out."""
    deadline = clock() + timeout
    while True:
        try:
            check()
            return None
        except Exception as error:  # any failure to connect means "not yet"
            if clock() + interval > deadline:
                return error
            sleep(interval)


def main(names: list[str]) -> int:
    timeout = float(os.environ.get("WAIT_TIMEOUT", "180"))
    for name in names:
        if name not in SERVICES:
            print(f"[provincial] unknown service {name!r}; one of {', '.join(SERVICES)}", file=sys.stderr)
            return 2
        variable, check = SERVICES[name]
        url = os.environ.get(variable)
        if not url:
            print(f"[provincial] {variable} is not set; cannot reach the {name}", file=sys.stderr)
            return 2
        error = wait(lambda: check(url), timeout)
        if error is not None:
            print(f"[provincial] {name}: no answer within {timeout:.0f} s: {error}", file=sys.stderr)
            return 1
        print(f"[provincial] {name} is ready")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
