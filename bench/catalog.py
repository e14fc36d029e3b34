"""DCAT catalogue benchmark: one page of ``/catalog.ttl`` with requirement titles read per dataset or per page.

On the synthetic national catalogue of ``bench/gap.py`` (build it first; its
datasets name requirement codes), prints the median time of serializing one
catalogue page (``ckanext.dcat.datasets_per_page``, default 100 datasets) to
Turtle two ways, run alternately, and the SQL statements each sends to
``provincial_requirement``:

* ``per dataset``: the provincial profile looks each dataset's requirement titles
  up alone (what ``/dataset/<name>.ttl`` does, and what the catalogue did before);
* ``per page``: ``dcat_catalog_show``, which reads the titles of the whole page
  in one query first (``profiles.requirements_of``).

Both must give the same graph; the script says whether they do.

    .venv/bin/python bench/catalog.py [--page 1] [--repeat 5]

It uses test.ini with the database and site id of bench/gap.py
(``--database``, ``--site-id``) and reads only.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from gap import start_ckan  # noqa: E402  (bench/ is on the path of a script run from it)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    parser.add_argument("--database", default="ckan_bench_gap")
    parser.add_argument("--site-id", default="bench_gap")
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


def timed(calls, repeat):
    """Per call: median seconds, requirement statements of one call, its result (the calls alternate)."""
    import sqlalchemy as sa
    from ckan.model import meta

    seen = []

    def record(conn, cursor, statement, *rest):
        if "provincial_requirement" in statement:
            seen.append(statement)

    results = [call() for call in calls]  # warm caches
    times = [[] for _ in calls]
    queries = [0 for _ in calls]
    for _ in range(repeat):
        for index, call in enumerate(calls):
            seen.clear()
            sa.event.listen(meta.engine, "before_cursor_execute", record)
            started = time.perf_counter()
            try:
                call()
            finally:
                times[index].append(time.perf_counter() - started)
                sa.event.remove(meta.engine, "before_cursor_execute", record)
            queries[index] = len(seen)
    return [(statistics.median(t), q, r) for t, q, r in zip(times, queries, results)]


def main():
    args = parse_args()
    request_context = start_ckan(args)
    import rdflib
    from rdflib.compare import isomorphic

    import ckan.plugins.toolkit as toolkit
    from ckanext.dcat import logic as dcat_logic
    from ckanext.dcat.processors import RDFSerializer

    site = {"ignore_auth": False, "user": ""}
    data = {"page": args.page, "format": "ttl"}

    def per_dataset():
        query = dcat_logic._search_ckan_datasets(dict(site), dict(data))
        pagination = dcat_logic._pagination_info(query, dict(data))
        return RDFSerializer().serialize_catalog({}, query["results"], _format="ttl", pagination_info=pagination)

    def per_page():
        return toolkit.get_action("dcat_catalog_show")(dict(site), dict(data))

    (slow, slow_queries, slow_ttl), (fast, fast_queries, fast_ttl) = timed([per_dataset, per_page], args.repeat)
    graphs = [rdflib.Graph().parse(data=ttl, format="turtle") for ttl in (slow_ttl, fast_ttl)]
    datasets = len(set(graphs[1].subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset"))))

    print(f"Catalogue page {args.page}: {datasets} datasets, {len(fast_ttl) / 1024:.0f} KiB of Turtle")
    print(f"{'':34}{'median':>10}{'requirement queries':>22}")
    print(f"{'titles read per dataset':34}{slow:>8.3f} s{slow_queries:>22}")
    print(f"{'titles read per page':34}{fast:>8.3f} s{fast_queries:>22}")
    same = isomorphic(*graphs)
    print(f"Same graph both ways: {'yes' if same else 'NO'}")
    request_context.pop()
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
