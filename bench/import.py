"""Workbook import benchmark: one national GDC workbook against plain ``package_create`` calls.

Builds ``--datasets`` (default 5,000) complete GDC datasets of the five data
types, one link resource each, and in one run times

* ``plain``: one ``package_create`` per dataset, as a script using the API
  would (each commits and indexes its dataset);
* ``import``: the same datasets written into one national workbook
  (``gdc_workbook.writer``) and imported by ``catalogue_import.import_catalogue``:
  reading and mapping the workbook, every row through the same schema in one
  transaction, one commit, the search index committed once.

and prints both, the workbook's reading time on its own, and the ratio
import / plain (the target is at most 1.2). The two runs write into two
organizations with different dataset names, so neither finds the other's
datasets; both are purged at the end unless ``--keep``.

Run on the local stack (not part of the tests):

    bash stack/stack.sh createdb ckan_bench_import
    .venv/bin/python bench/import.py [--datasets 5000]

It uses test.ini with its own database (``--database``, default
``ckan_bench_import``) and site id (``--site-id``, default ``bench_import``)
so it never touches the test or demo data.
"""
from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from gap import start_ckan  # noqa: E402  (bench/gap.py: CKAN on test.ini with the bench's database and site id)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    parser.add_argument("--database", default="ckan_bench_import")
    parser.add_argument("--site-id", default="bench_import")
    parser.add_argument("--datasets", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="leave the datasets in place")
    return parser.parse_args()


def datasets(count: int, prefix: str) -> list[dict]:
    """``count`` complete datasets cycling through the data types, names ``<prefix>-00001``..."""
    import importlib.util

    # By path: another installed package may already be imported as "tests".
    spec = importlib.util.spec_from_file_location("provincial_test_factories", os.path.join(ROOT, "tests", "factories.py"))
    factories = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(factories)
    kinds = ["record", "statistics", "gis", "multiple", "other"]
    made = []
    for number in range(1, count + 1):
        kind = kinds[number % len(kinds)]
        dataset = factories.gdc_dataset(kind, name=f"{prefix}-{number:05d}",
                                        title=f"ชุดข้อมูลทดสอบการนำเข้า ลำดับที่ {number} ({kind})")
        for resource in dataset["resources"]:
            resource["url"] = f"http://example.invalid/{prefix}/{number:05d}.csv"
        made.append(copy.deepcopy(dataset))
    return made


def organization(context: dict, name: str) -> dict:
    import ckan.plugins.toolkit as toolkit

    return toolkit.get_action("organization_create")(dict(context), {
        "name": name, "title": f"หน่วยงานทดสอบ {name}", "province_code": "13",
        "agency_kind": "provincial_office", "plan_coordinator": "False"})


def purge(context: dict, org_id: str) -> None:
    import ckan.plugins.toolkit as toolkit

    while True:
        found = toolkit.get_action("package_search")(dict(context), {
            "fq": f"owner_org:{org_id}", "rows": 1000, "include_private": True, "fl": "id"})
        if not found["results"]:
            break
        for dataset in found["results"]:
            toolkit.get_action("dataset_purge")(dict(context), {"id": dataset["id"]})
    toolkit.get_action("organization_purge")(dict(context), {"id": org_id})


def main() -> None:
    args = parse_args()
    request = start_ckan(args)
    import ckan.plugins.toolkit as toolkit
    from ckan.tests import factories as ckan_factories

    from ckanext.provincial import catalogue_import
    from ckanext.provincial.gdc_workbook import writer

    run = uuid.uuid4().hex[:6]
    sysadmin = ckan_factories.Sysadmin()
    context = {"user": sysadmin["name"], "ignore_auth": True}
    plain_org = organization(context, f"bench-plain-{run}")
    import_org = organization(context, f"bench-import-{run}")
    n = args.datasets
    try:
        plain = datasets(n, f"bench-plain-{run}")
        started = time.perf_counter()
        for dataset in plain:
            toolkit.get_action("package_create")(dict(context), dict(dataset, owner_org=plain_org["id"]))
        plain_seconds = time.perf_counter() - started
        print(f"plain package_create  {n} datasets  {plain_seconds:8.1f} s  ({n / plain_seconds:6.1f} datasets/s)",
              flush=True)

        content = writer.write_catalogue(datasets(n, f"bench-import-{run}"))
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            handle.write(content)
            handle.flush()
            started = time.perf_counter()
            catalogue = catalogue_import.read(handle.name)
            read_seconds = time.perf_counter() - started
            result = catalogue_import.import_catalogue(
                dict(context), handle.name, import_org["id"], publish=True, catalogue=catalogue)
            import_seconds = time.perf_counter() - started
        if not result["written"] or result["created"] != n:
            print(f"import did not write every dataset: {result['created']} created, "
                  f"{len(result['problems'])} problems, first: {result['problems'][:3]}")
            sys.exit(1)
        print(f"workbook import       {n} datasets  {import_seconds:8.1f} s  ({n / import_seconds:6.1f} datasets/s)"
              f"  of which reading the workbook {read_seconds:.1f} s ({len(content) / 1e6:.1f} MB)")
        print(f"ratio import / plain  {import_seconds / plain_seconds:.2f}  (target at most 1.2)")
    finally:
        if not args.keep:
            purge(context, plain_org["id"])
            purge(context, import_org["id"])
        request.pop()


if __name__ == "__main__":
    main()
