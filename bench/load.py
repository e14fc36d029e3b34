"""Load benchmark: concurrent clients against a running portal, on loopback.

Drives four endpoints, one after the other, each with ``--clients`` threads
(one HTTP session each, keep-alive), until ``--requests`` requests have been
sent or ``--seconds`` have passed, whichever comes first:

* ``gap``             GET /gap                       (national gap summary page)
* ``gap_province``    GET /gap/<province>            (one province's gap page)
* ``search_facets``   GET /api/3/action/package_search with the portal's facets,
                      rotating over a few Thai queries and a province filter
* ``catalog_ttl``     GET /catalog.ttl               (DCAT catalogue, first page)

and prints, per endpoint: requests sent, errors (non-2xx answers, timeouts,
refused connections, an API answer without ``success``), throughput
(requests per second over the wall-clock time of the phase), and the 50th and
95th percentiles and maximum of the response time.

Not part of the tests. Run it against the demo portal (docs/deploy.md,
"Benchmarks"):

    make demo                                   # portal on http://127.0.0.1:5000
    .venv/bin/python bench/load.py [--url http://127.0.0.1:5000] [--clients 32]
        [--requests 400] [--seconds 60] [--only gap,search_facets] [--json out.json]

or let it start the portal as the Docker image serves it: uWSGI with the
options of docker/docker-compose.yml (``--master --enable-threads
--lazy-apps --http-keepalive``, ``--processes`` = CKAN_WEB_PROCESSES, 4 by
default, one thread each, harakiri 120 s, max-requests 2000) on a config
extending ``--serve``
(the CKAN_* environment variables pick the site), stopped at the end. uWSGI
is not in requirements.txt (the image has its own): ``pip install -r
dev-requirements.txt`` brings it.

    CKAN_SQLALCHEMY_URL=... CKAN_SOLR_URL=... CKAN_SITE_ID=... \
        .venv/bin/python bench/load.py --serve test.ini [--processes 4] [--clients 32]

The figures depend on the machine, on ``ckan run`` (the development server,
one process) versus a production WSGI server, and on the catalogue's size.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import requests

FACETS = [
    "organization", "province_code", "vocab_development_issues", "vocab_pmqa",
    "data_type", "data_category", "data_classification", "tags", "res_format",
]
QUERIES = ["*:*", "ข้อมูล", "โรงงาน", "ประชากร", "น้ำ"]


@dataclass
class Endpoint:
    name: str
    path: Callable[[int], str]          # request number -> path and query
    params: Callable[[int], dict] = lambda _n: {}
    api: bool = False                   # an action API answer: must say success


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: Optional[str] = None
    bytes: int = 0
    seconds: float = 0.0

    @property
    def sent(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the response times, in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1] * 1000

    def summary(self) -> dict:
        return {
            "endpoint": self.name, "requests": self.sent, "errors": self.errors,
            "throughput_rps": round(self.sent / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(self.percentile(50), 1), "p95_ms": round(self.percentile(95), 1),
            "max_ms": round(max(self.latencies) * 1000, 1) if self.latencies else math.nan,
            "mean_kb": round(self.bytes / self.sent / 1024, 1) if self.sent else 0.0,
            "seconds": round(self.seconds, 2), "first_error": self.first_error,
        }


def endpoints(province: str) -> list[Endpoint]:
    def search_params(n: int) -> dict:
        params = {"q": QUERIES[n % len(QUERIES)], "rows": 20, "facet.limit": 50,
                  "facet.field": json.dumps(FACETS)}
        if n % 2:
            params["fq"] = f"province_code:{province}"
        return params

    return [
        Endpoint("gap", lambda _n: "/gap"),
        Endpoint("gap_province", lambda _n: f"/gap/{province}"),
        Endpoint("search_facets", lambda _n: "/api/3/action/package_search", search_params, api=True),
        Endpoint("catalog_ttl", lambda _n: "/catalog.ttl"),
    ]


def run_phase(base_url: str, endpoint: Endpoint, clients: int, max_requests: int, max_seconds: float,
              timeout: float, headers: dict) -> Result:
    result = Result(endpoint.name)
    lock = threading.Lock()
    counter = iter(range(max_requests))
    deadline = time.monotonic() + max_seconds

    def ticket() -> Optional[int]:
        if time.monotonic() >= deadline:
            return None
        with lock:
            return next(counter, None)

    def record(latency: float, size: int, error: Optional[str]) -> None:
        with lock:
            result.latencies.append(latency)
            result.bytes += size
            if error:
                result.errors += 1
                result.first_error = result.first_error or error

    def client() -> None:
        session = requests.Session()
        session.headers.update(headers)
        while (n := ticket()) is not None:
            url = base_url + endpoint.path(n)
            started = time.perf_counter()
            error, size = None, 0
            try:
                response = session.get(url, params=endpoint.params(n), timeout=timeout)
                body = response.content
                size = len(body)
                if not response.ok:
                    error = f"HTTP {response.status_code} from {response.url}"
                elif endpoint.api and not response.json().get("success"):
                    error = f"API error from {response.url}: {body[:200]!r}"
            except (requests.RequestException, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            record(time.perf_counter() - started, size, error)
        session.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


def print_table(results: list[Result], out=sys.stdout) -> None:
    header = f"{'endpoint':<15} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'KiB':>7}"
    print(header, file=out)
    print("-" * len(header), file=out)
    for result in results:
        s = result.summary()
        print(f"{s['endpoint']:<15} {s['requests']:>8} {s['errors']:>6} {s['throughput_rps']:>8.1f} "
              f"{s['p50_ms']:>8.0f} {s['p95_ms']:>8.0f} {s['max_ms']:>8.0f} {s['mean_kb']:>7.1f}", file=out)
    for result in results:
        if result.first_error:
            print(f"first error of {result.name}: {result.first_error}", file=out)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000", help="the running portal (default: the demo)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (threads)")
    parser.add_argument("--requests", type=int, default=400, help="at most this many requests per endpoint")
    parser.add_argument("--seconds", type=float, default=60, help="at most this long per endpoint")
    parser.add_argument("--serve", default="", metavar="INI",
                        help="start uWSGI as the Docker image does on a config extending INI, and measure it")
    parser.add_argument("--processes", type=int, default=4, help="uWSGI processes with --serve (CKAN_WEB_PROCESSES)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds before a request counts as an error")
    parser.add_argument("--province", default="13", help="province of /gap/<province> and the search filter")
    parser.add_argument("--only", default="", help="comma-separated endpoint names (default: all)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per endpoint first")
    parser.add_argument("--api-token", default="", help="send as Authorization (e.g. to include private datasets)")
    parser.add_argument("--json", dest="json_path", default="", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.requests < 1 or args.seconds <= 0:
        parser.error("--clients, --requests and --seconds must be positive")
    return args


WSGI = """import os
from logging.config import fileConfig
from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

path = os.environ["PROVINCIAL_BENCH_INI"]
fileConfig(path, disable_existing_loggers=False)
application = make_app(CKANConfigLoader(path).get_config())
"""
LOGGING = ("\n[loggers]\nkeys = root\n\n[handlers]\nkeys = console\n\n[formatters]\nkeys = generic\n\n"
           "[logger_root]\nlevel = WARNING\nhandlers = console\n\n[handler_console]\nclass = StreamHandler\n"
           "args = (sys.stderr,)\nlevel = NOTSET\nformatter = generic\n\n[formatter_generic]\n"
           "format = %(asctime)s %(levelname)s [%(name)s] %(message)s\n")


def serve_uwsgi(ini: str, processes: int, timeout: float = 180) -> tuple[subprocess.Popen, str, str]:
    """uWSGI with docker/docker-compose.yml's UWSGI_OPTS on a free loopback port: (process, URL, log path)."""
    uwsgi = os.path.join(os.path.dirname(sys.executable), "uwsgi")
    if not os.path.exists(uwsgi):
        raise SystemExit("uwsgi is not installed in this venv: pip install -r dev-requirements.txt")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="bench-load-")
    config = os.path.join(folder, "portal.ini")
    with open(config, "w", encoding="utf-8") as out:
        out.write(f"[DEFAULT]\ndebug = false\n\n[app:main]\nuse = config:{os.path.abspath(ini)}\n"
                  f"ckan.site_url = http://127.0.0.1:{port}\n" + LOGGING)
    with open(os.path.join(folder, "wsgi.py"), "w", encoding="utf-8") as out:
        out.write(WSGI)
    log_path = os.path.join(folder, "uwsgi.log")
    process = subprocess.Popen(
        [uwsgi, "--http", f"127.0.0.1:{port}", "--wsgi-file", os.path.join(folder, "wsgi.py"),
         "--master", "--enable-threads", "--lazy-apps", "--processes", str(processes), "-L",
         "--buffer-size", "32768", "--vacuum", "--harakiri", "120", "--max-requests", "2000", "--http-keepalive",
         "--home", os.path.dirname(os.path.dirname(sys.executable)),
         "--die-on-term"],  # uWSGI 2.0 reloads on SIGTERM otherwise; the bench stops it with terminate()
        stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, cwd=folder,
        env=dict(os.environ, PROVINCIAL_BENCH_INI=config))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/api/3/action/status_show", timeout=5).ok:
                return process, url, log_path
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.5)
    process.terminate()
    with open(log_path, encoding="utf-8", errors="replace") as log:
        raise SystemExit("uWSGI did not serve the portal:\n" + log.read()[-3000:])


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.serve:
        process, args.url, log_path = serve_uwsgi(args.serve, args.processes)
        print(f"uWSGI: {args.processes} processes, 1 thread each (docker/docker-compose.yml); log {log_path}")
        try:
            return measure(args)
        finally:
            process.terminate()
            process.wait(timeout=60)
    return measure(args)


def measure(args) -> int:
    base_url = args.url.rstrip("/")
    headers = {"Authorization": args.api_token} if args.api_token else {}
    try:
        status = requests.get(base_url + "/api/3/action/status_show", headers=headers, timeout=args.timeout).json()
    except (requests.RequestException, ValueError) as exc:
        print(f"no portal answers at {base_url} ({exc}); start one with: make demo", file=sys.stderr)
        return 2
    datasets = requests.get(base_url + "/api/3/action/package_search", params={"rows": 0},
                            headers=headers, timeout=args.timeout).json()["result"]["count"]
    known = endpoints(args.province)
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(wanted) - {e.name for e in known})
    if unknown:
        print(f"unknown endpoints: {', '.join(unknown)} (known: {', '.join(e.name for e in known)})", file=sys.stderr)
        return 2
    chosen = [e for e in known if not wanted or e.name in wanted]
    print(f"portal {base_url} (CKAN {status['result'].get('ckan_version')}, {datasets} datasets in search), "
          f"{args.clients} clients, at most {args.requests} requests or {args.seconds:g} s per endpoint")
    results = []
    for endpoint in chosen:
        if args.warmup:
            run_phase(base_url, endpoint, 1, args.warmup, args.seconds, args.timeout, headers)
        results.append(run_phase(base_url, endpoint, args.clients, args.requests, args.seconds, args.timeout, headers))
    print_table(results)
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as out:
            json.dump({"url": base_url, "datasets": datasets, "clients": args.clients,
                       "results": [r.summary() for r in results]}, out, ensure_ascii=False, indent=2)
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
