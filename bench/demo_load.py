"""Demo load benchmark: ``ckan provincial demo load --reset`` with development issue groups read once or at every write.

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

Background jobs the load queues (xloader, content checks) are cleared from the
site's queue and its documents from the search index at the end.
"""
from __future__ import annotations

import argparse
import contextlib
import os
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


if __name__ == "__main__":
    sys.exit(main())
