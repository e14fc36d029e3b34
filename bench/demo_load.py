"""Demo load benchmark: ``ckan provincial demo load --reset`` with development issue groups read once or at every write; with ``--with-worker``, the worker's throughput on the demo's files.

Loads the pilot provinces' demonstration data (``--reset`` each time) in a
database and site id of its own, alternately

* ``read at every write``: as before the per-load memo, every dataset
  validation and index write lists the issue groups it needs;
* ``read once per load``: ``vocabulary_store.remembering_issue_groups()``, as
  ``demo load`` does;

and prints the time of each load, the number of issue group reads and the
time spent in them.

    bash stack/stack.sh createdb ckan_bench_demo
    .venv/bin/python bench/demo_load.py [--repeat 2]

Background jobs the load queues (DataStore loads, content checks) are cleared
from the site's queue and its documents from the search index at the end.

``--with-worker`` times instead what ``stack/stack.sh demo`` leaves to the
background: the demo is purged, then a live portal (``ckan run`` and ONE
``ckan provincial worker`` on a config extending test.ini, as the stack runs
them) gets ``ckan provincial demo load``, and the clock runs from the start of
that command until every queued job is done (the queue empty, no job running
or waiting for a retry; every table file has a ``provincial_datastore_status``
of ``complete`` or ``error`` and every checkable file a content check report).
It prints the files, the jobs the worker ran, the failures (each file the
loader refused, with its error) and the time. The DataStore needs a database
of its own too:

    bash stack/stack.sh createdb ckan_bench_demo
    bash stack/stack.sh datastore-db datastore_bench_demo ckan_bench_demo
    CKAN_DATASTORE_WRITE_URL=postgresql://ckan:ckan@127.0.0.1:5439/datastore_bench_demo \\
    CKAN_DATASTORE_READ_URL=postgresql://datastore_ro:datastore_ro@127.0.0.1:5439/datastore_bench_demo \\
    .venv/bin/python bench/demo_load.py --with-worker
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from gap import start_ckan  # noqa: E402  (bench/ is on the path of a script run from it)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    parser.add_argument("--database", default="ckan_bench_demo")
    parser.add_argument("--site-id", default="bench_demo")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--with-worker", action="store_true",
                        help="time the demo load through a live portal until its one worker has done every job")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the worker (--with-worker)")
    return parser.parse_args()


def main():
    args = parse_args()
    os.environ.setdefault("CKAN_STORAGE_PATH", f"/tmp/storage-{args.site_id}")
    start_ckan(args)
    from ckan.lib import jobs, search

    import ckan.plugins.toolkit as toolkit
    from ckanext.provincial import vocabulary_store
    from ckanext.provincial.demo import loader

    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    toolkit.get_action("provincial_vocabulary_sync")({"ignore_auth": True, "user": site_user}, {})
    if args.with_worker:
        return with_worker(args)

    reads: list[float] = []
    read = vocabulary_store._read_issue_groups

    def counted(*a, **k):
        started = time.perf_counter()
        try:
            return read(*a, **k)
        finally:
            reads.append(time.perf_counter() - started)

    vocabulary_store._read_issue_groups = counted
    remember = vocabulary_store.remembering_issue_groups
    loader.load(reset=True)  # warm-up
    ways = [("read at every write", contextlib.nullcontext), ("read once per load", remember)]
    for _ in range(args.repeat):
        for label, scope in ways:
            vocabulary_store.remembering_issue_groups = scope
            reads.clear()
            started = time.perf_counter()
            loader.load(reset=True)
            print(f"{label:22} {time.perf_counter() - started:7.1f} s   {len(reads):4} issue group reads,"
                  f" {sum(reads):5.1f} s in them", flush=True)
    vocabulary_store.remembering_issue_groups = remember
    for queue in jobs.get_all_queues():
        queue.empty()
    search.clear_all()
    return 0


# ------------------------------------------------------------ --with-worker --

JOB_STARTED = re.compile(r"default: (\S+?)\(")
JOB_OK = re.compile(r"Job OK \(")


def log_jobs(ini: str) -> None:
    """The portal's config keeping rq's lines on each job (the worker loads its
    loggers before the config, which would otherwise disable them)."""
    with open(ini, encoding="utf-8") as handle:
        text = handle.read()
    text = text.replace("[loggers]\nkeys = root\n", "[loggers]\nkeys = root, rq\n")
    text += "\n[logger_rq]\nlevel = INFO\nhandlers =\nqualname = rq.worker\n"
    with open(ini, "w", encoding="utf-8") as handle:
        handle.write(text)


def queue_idle() -> bool:
    """No job of the site waiting, running or waiting for a retry."""
    from ckan.lib import jobs

    for queue in jobs.get_all_queues():
        if queue.count or queue.started_job_registry.count or queue.scheduled_job_registry.count:
            return False
    return True


def demo_files() -> list[tuple[dict, dict]]:
    """(dataset, resource) of every uploaded file of the demo's datasets."""
    import ckan.plugins.toolkit as toolkit
    from ckanext.provincial.demo import builder

    catalogue = builder.load_catalogue()
    names = builder.iter_names(catalogue, [p.code for p in catalogue.provinces])["datasets"]
    files = []
    for name in names:
        try:
            dataset = toolkit.get_action("package_show")({"ignore_auth": True}, {"id": name})
        except toolkit.ObjectNotFound:
            continue
        files += [(dataset, r) for r in dataset["resources"] if r.get("url_type") == "upload"]
    return files


def outcomes(files) -> tuple[list, list, bool]:
    """(loads, checks, all done): each table file's load status, each checkable file's check status."""
    from ckanext.provincial.loading import jobs as loads
    from ckanext.provincial.content_checks import jobs as checks

    loaded, checked, done = [], [], True
    for dataset, resource in files:
        if loads.is_loadable(resource):
            status = loads.stored_status(resource["id"]) or {}
            loaded.append((dataset, resource, status))
            done = done and status.get("status") in (loads.COMPLETE, loads.ERROR)
        if checks.is_checkable(resource):
            report = checks.stored_report(resource["id"]) or {}
            checked.append((dataset, resource, report))
            done = done and report.get("status") not in (None, checks.PENDING)
    return loaded, checked, done


def with_worker(args) -> int:
    from ckan import model
    from ckan.lib import jobs, search
    from ckanext.provincial.demo import builder
    from ckanext.provincial.demo import loader

    sys.path.insert(0, ROOT)
    from tests import live_portal

    if not os.environ.get("CKAN_DATASTORE_WRITE_URL"):
        raise SystemExit("--with-worker loads tables into the DataStore: give it a database of its own "
                         "(CKAN_DATASTORE_WRITE_URL and CKAN_DATASTORE_READ_URL, see the module's doc)")
    catalogue = builder.load_catalogue()
    site = loader.Site()
    for province in catalogue.provinces:
        loader.purge_province(site, catalogue, province.code)
    for queue in jobs.get_all_queues():
        queue.empty()
    model.Session.remove()

    portal = live_portal.LivePortal("bench-demo", {}, level="INFO")
    log_jobs(portal.ini)
    try:
        portal.launch()
        portal.spawn("worker", "provincial", "worker")
        portal.wait_ready()
        started = time.perf_counter()
        command = subprocess.run([live_portal.CKAN, "-c", portal.ini, "provincial", "demo", "load"],
                                 capture_output=True, text=True, env=portal.env, cwd=ROOT)
        command_seconds = time.perf_counter() - started
        if command.returncode != 0:
            raise SystemExit("demo load failed:\n" + command.stderr[-4000:])
        deadline = started + args.timeout
        while True:
            if not portal.alive("worker"):
                raise SystemExit("the worker exited:\n" + portal.log("worker"))
            if queue_idle():
                idle = time.perf_counter() - started
                model.Session.remove()
                files = demo_files()
                loaded, checked, done = outcomes(files)
                if done and queue_idle():
                    break
            if time.perf_counter() > deadline:
                raise SystemExit(f"the worker was not done after {args.timeout:.0f} s")
            time.sleep(0.5)
        with open(portal.logs["worker"], encoding="utf-8", errors="replace") as handle:
            worker_log = handle.read()
        failed_jobs = sum(queue.failed_job_registry.count for queue in jobs.get_all_queues())
    finally:
        portal.stop()

    ran = collections.Counter(m.group(1).rsplit(".", 1)[-1] for m in JOB_STARTED.finditer(worker_log))
    load_states = collections.Counter(status.get("status") for _d, _r, status in loaded)
    check_states = collections.Counter(report.get("status") for _d, _r, report in checked)
    for line in command.stdout.splitlines():
        if line.startswith(tuple(p.name_en for p in catalogue.provinces)) or line.startswith("demo loaded"):
            print("  " + line)
    print(f"files uploaded               {len(files):6}   ({len(loaded)} tables loaded, {len(checked)} checked)")
    print(f"jobs run by the worker       {sum(ran.values()):6}   "
          + ", ".join(f"{name} {count}" for name, count in sorted(ran.items()))
          + f"; {len(JOB_OK.findall(worker_log))} ok, {failed_jobs} failed (rq)")
    print("loads                        " + ", ".join(f"{state} {n}" for state, n in sorted(load_states.items())))
    print("content checks               " + ", ".join(f"{state} {n}" for state, n in sorted(check_states.items())))
    for dataset, resource, status in loaded:
        if status.get("status") != "complete":
            error = status.get("error") or {}
            print(f"  load error: {dataset['name']} / {resource.get('name')} ({resource.get('format')}): "
                  f"{error.get('code')} row {error.get('row')} column {error.get('column')} {error.get('note')}")
    for dataset, resource, report in checked:
        if report.get("status") != "success":
            codes = ", ".join(f"{code} {n}" for code, n in sorted((report.get("errors_by_code") or {}).items()))
            print(f"  check {report.get('status')}: {dataset['name']} / {resource.get('name')} "
                  f"({resource.get('format')}): {codes}")
    timed = sorted((status.get("seconds") or 0, dataset["name"], resource.get("name"))
                   for dataset, resource, status in loaded)
    if timed:
        slowest = timed[-1]
        print(f"loader time, all tables      {sum(t[0] for t in timed):6.1f} s   (median {timed[len(timed) // 2][0]:.2f} s, "
              f"slowest {slowest[0]:.2f} s: {slowest[1]} / {slowest[2]})")
    print(f"demo load command            {command_seconds:6.1f} s")
    print(f"until every job was done     {idle:6.1f} s   (from the start of demo load)")
    for queue in jobs.get_all_queues():
        queue.empty()
    search.clear_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
