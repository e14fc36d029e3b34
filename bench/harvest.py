"""Harvest benchmark: how long the national side takes to pull the whole catalogue.

Times, over HTTP against a running portal, the full pulls of docs/harvesting.md:

* CKAN API, as the GDC harvester does: ``package_search`` pages of ``--rows``
  (default 1000), then ``package_show`` for every dataset;
* ``provincial_harvest_search`` pages (with ``--token``, the harvester account's
  metadata-only records of private datasets too);
* DCAT: every page of ``/catalog.ttl`` (fetch, and parse with ckanext-dcat's
  ``RDFParser`` as a DCAT harvester would): a first pull, then ``--repeat``
  more (the per-dataset cache of dcat/cache.py warm).

Against a portal that is already running (the demo portal of ``make demo``):

    .venv/bin/python bench/harvest.py --url http://127.0.0.1:5000 [--token TOKEN]

Without ``--url`` it builds a synthetic catalogue of ``--datasets`` GDC
datasets (all data types, every field filled, Thai text) in a database and
site id of its own, starts ``ckan run`` on test.ini with them, measures, and
stops the portal (the catalogue stays for the next run; ``--rebuild`` makes
it again). The DCAT cache is emptied before the first pull; a second portal
with ``ckanext.provincial.dcat.cache_seconds = 0`` (the catalogue as it was
served before the cache) is then pulled too, and the speed-up printed
(``--no-compare`` skips it):

    bash stack/stack.sh createdb ckan_bench_harvest
    .venv/bin/python bench/harvest.py [--datasets 1000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
CKAN = os.path.join(os.path.dirname(sys.executable), "ckan")
TYPES = ("record", "statistics", "gis", "multiple", "other")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running portal to measure (nothing is built or started)")
    parser.add_argument("--token", help="API token of a harvester account (ckanext.provincial.harvest.users)")
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    parser.add_argument("--database", default="ckan_bench_harvest")
    parser.add_argument("--site-id", default="bench_harvest")
    parser.add_argument("--datasets", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1000, help="package_search page size")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="build the synthetic catalogue again")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip the second portal with the DCAT cache off (ckanext.provincial.dcat.cache_seconds = 0)")
    return parser.parse_args()


# ---------------------------------------------------------------- building

def test_factories():
    """tests/factories.py (valid GDC datasets of every data type), by path: CKAN has a ``tests`` package too."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("provincial_test_factories",
                                                  os.path.join(ROOT, "tests", "factories.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_ckan(args, database: bool = True):
    # Against a running portal (--url) CKAN is only loaded for the DCAT parser: test.ini's database will do.
    if database:
        os.environ["CKAN_SQLALCHEMY_URL"] = f"postgresql://ckan:ckan@127.0.0.1:5439/{args.database}"
    os.environ["CKAN_SITE_ID"] = args.site_id
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.ini))
    flask_app = app._wsgi_app if hasattr(app, "_wsgi_app") else app
    flask_app.test_request_context().push()
    if not database:
        return None
    from ckan import model
    from ckan.cli.db import _run_migrations

    model.repo.init_db()
    for plugin in ("activity", "tracking", "provincial"):
        _run_migrations(plugin)
    # The migrations leave this process's model on a NullPool engine: only the building
    # is slower for it. Every figure is measured over HTTP against `ckan run`, a process
    # of its own that never migrates (pooled engine, as in production).
    return model


def build(args, model):
    import ckan.plugins.toolkit as toolkit
    from ckan.lib import search

    gdc_dataset = test_factories().gdc_dataset
    site = {"ignore_auth": True, "user": toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}

    def call(action, **data):
        return toolkit.get_action(action)(dict(site), data)

    existing = call("package_search", q="*:*", rows=0, include_private=True)["count"]
    if existing >= args.datasets and not args.rebuild:
        print(f"catalogue: {existing} datasets already built in {args.database}")
        return
    if args.rebuild or existing:
        model.repo.delete_all()
        search.clear_all()
        model.repo.init_db()
    call("provincial_vocabulary_sync")
    org = call("organization_create", name="bench-harvest-agency", title="สำนักงานสถิติจังหวัดปทุมธานี")
    started = time.monotonic()
    for index in range(args.datasets):
        call("package_create", **gdc_dataset(
            TYPES[index % len(TYPES)], owner_org=org["id"], name=f"bench-harvest-{index:06}",
            title=f"ข้อมูลโรงงานอุตสาหกรรม ชุดที่ {index}", district_codes=["1301", "1302"],
            pmqa=["4.1"], development_issues=["13-livable-industry-clean"],
            private=index % 10 == 9, allow_harvest="True" if index % 20 == 19 else "False"))
    print(f"catalogue: {args.datasets} datasets built in {time.monotonic() - started:.0f} s "
          f"(every 10th private, half of those allow harvesting)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(args, settings: str = ""):
    port = free_port()
    folder = tempfile.mkdtemp(prefix="bench-harvest-")
    ini = os.path.join(folder, "portal.ini")
    with open(ini, "w", encoding="utf-8") as handle:
        handle.write(f"[DEFAULT]\ndebug = false\n\n[app:main]\nuse = config:{os.path.abspath(args.ini)}\n"
                     f"ckan.site_url = http://127.0.0.1:{port}\n"
                     f"ckan.storage_path = {os.path.join(folder, 'storage')}\n"
                     "ckanext.provincial.harvest.users = bench-harvester\n"
                     f"{settings}"
                     # The logging sections are not inherited through "use = config:".
                     "\n[loggers]\nkeys = root\n\n[handlers]\nkeys = console\n\n[formatters]\nkeys = generic\n\n"
                     "[logger_root]\nlevel = WARNING\nhandlers = console\n\n"
                     "[handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\nlevel = NOTSET\n"
                     "formatter = generic\n\n[formatter_generic]\nformat = %(asctime)s %(levelname)s %(message)s\n")
    log_path = os.path.join(folder, "portal.log")
    process = subprocess.Popen([CKAN, "-c", ini, "run", "-H", "127.0.0.1", "-p", str(port), "--disable-reloader"],
                               stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    for _ in range(180):
        try:
            if requests.get(url + "/api/3/action/status_show", timeout=2).ok:
                return process, url
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    process.terminate()
    with open(log_path, encoding="utf-8", errors="replace") as log:
        raise SystemExit("the portal did not start:\n" + log.read()[-3000:])


def harvester_token(model) -> str:
    import ckan.plugins.toolkit as toolkit

    site = {"ignore_auth": True}
    try:
        toolkit.get_action("user_show")(dict(site), {"id": "bench-harvester"})
    except toolkit.ObjectNotFound:
        toolkit.get_action("user_create")(dict(site), {
            "name": "bench-harvester", "email": "bench@example.org", "password": "bench-harvester-pass"})
    return toolkit.get_action("api_token_create")(dict(site, user="bench-harvester"), {
        "user": "bench-harvester", "name": "bench"})["token"]


# --------------------------------------------------------------- measuring

def pull_api(url, rows, token=None):
    import ckanapi

    portal = ckanapi.RemoteCKAN(url, apikey=token)
    started = time.monotonic()
    names, start = [], 0
    while True:
        page = portal.action.package_search(q="*:*", rows=rows, start=start, sort="id asc")
        names += [d["name"] for d in page["results"]]
        start += rows
        if start >= page["count"]:
            break
    searched = time.monotonic() - started
    for name in names:
        portal.action.package_show(id=name)
    return len(names), searched, time.monotonic() - started


def pull_harvest_search(url, rows, token=None):
    import ckanapi

    portal = ckanapi.RemoteCKAN(url, apikey=token)
    started, count, start, metadata_only = time.monotonic(), 0, 0, 0
    while True:
        page = portal.action.provincial_harvest_search(rows=rows, start=start)
        count += len(page["results"])
        metadata_only += sum(1 for d in page["results"] if d.get("metadata_only"))
        start += rows
        if start >= page["count"]:
            break
    return count, metadata_only, time.monotonic() - started


def pull_dcat(url):
    from ckanext.dcat.processors import RDFParser

    next_url, pages, datasets, fetching, parsing = url + "/catalog.ttl", 0, 0, 0.0, 0.0
    while next_url:
        started = time.monotonic()
        response = requests.get(next_url, timeout=300)
        response.raise_for_status()
        fetching += time.monotonic() - started
        started = time.monotonic()
        parser = RDFParser()
        parser.parse(response.content.decode("utf-8"), _format="turtle")
        datasets += sum(1 for _ in parser.datasets())
        parsing += time.monotonic() - started
        next_url = parser.next_page()
        pages += 1
    return datasets, pages, fetching, parsing


def median(values):
    return statistics.median(values)


def forget_dcat_cache() -> int:
    """Remove the catalogue's cached fragments (dcat/cache.py), so that the next pull starts cold."""
    from ckan.lib.redis import connect_to_redis
    from ckanext.provincial.dcat import cache

    redis = connect_to_redis()
    keys = list(redis.scan_iter(cache.key_prefix() + "*", count=1000))
    for start in range(0, len(keys), 500):
        redis.delete(*keys[start:start + 500])
    return len(keys)


def dcat_line(label, pulls):
    n, pages = pulls[0][0], pulls[0][1]
    fetch, parse = median([r[2] for r in pulls]), median([r[3] for r in pulls])
    print(f"DCAT /catalog.ttl, {label}: {n} datasets in {pages} pages; fetch {fetch:.2f} s "
          f"({n / fetch:.0f} datasets/s), RDFParser {parse:.1f} s")
    return n / fetch


def report(url, args, token, cold_first=False):
    """CKAN API, provincial_harvest_search and DCAT pulls; the DCAT rate of the later (warm) pulls."""
    api, harvest, dcat = [], [], []
    if cold_first:
        forget_dcat_cache()
    first = pull_dcat(url)
    for _ in range(args.repeat):
        api.append(pull_api(url, args.rows))
        harvest.append(pull_harvest_search(url, args.rows, token))
        dcat.append(pull_dcat(url))
    n, searched, total = api[0][0], median([r[1] for r in api]), median([r[2] for r in api])
    print(f"CKAN API, anonymous: {n} public datasets; package_search pages of {args.rows}: {searched:.2f} s "
          f"({n / searched:.0f} datasets/s); + package_show each: {total:.1f} s ({n / total:.0f} datasets/s)")
    h_n, h_meta, h_time = harvest[0][0], harvest[0][1], median([r[2] for r in harvest])
    print(f"provincial_harvest_search{' (harvester token)' if token else ''}: {h_n} records "
          f"({h_meta} metadata-only) in {h_time:.2f} s ({h_n / h_time:.0f} records/s)")
    dcat_line("first pull" + (" (cache emptied first)" if cold_first else ""), [first])
    rate = dcat_line(f"next {args.repeat} pulls", dcat)
    print(f"(median of {args.repeat}; {os.cpu_count()} CPUs; portal: {url})")
    return rate


def report_uncached(url, args):
    """DCAT pulls from a portal with ``ckanext.provincial.dcat.cache_seconds = 0`` (as before the cache)."""
    return dcat_line(f"cache off, {args.repeat} pulls", [pull_dcat(url) for _ in range(args.repeat)])


def main():
    args = parse_args()
    if args.url:
        # The parser needs ckanext-dcat's profiles, which load with a CKAN config.
        load_ckan(args, database=False)
        report(args.url.rstrip("/"), args, args.token)
        return
    model = load_ckan(args)
    build(args, model)
    token = harvester_token(model)
    process, url = serve(args)
    try:
        cached = report(url, args, token, cold_first=True)
    finally:
        process.terminate()
        process.wait(timeout=30)
    if args.no_compare:
        return
    process, url = serve(args, "ckanext.provincial.dcat.cache_seconds = 0\n")
    try:
        uncached = report_uncached(url, args)
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"DCAT speed-up of the cache (warm pulls against cache off): {cached / uncached:.1f}x")


if __name__ == "__main__":
    main()
