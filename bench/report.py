"""Committee report benchmark: the whole report of a big province, and the metadata quality summary.

Builds (once) a synthetic catalogue in a database and site id of its own: one
province (13 by default) with 1,000 requirements and 5,000 datasets in every
status, and 15,000 more datasets spread over the other provinces (20,000 in
all). Then prints

* the median time of the whole committee report of that province: collect
  (every action it reads) + PDF (WeasyPrint) + XLSX, and each part (target:
  within 5 s);
* the median time of ``provincial_quality_summary`` over the whole catalogue
  (20,000 datasets) against one faceted ``package_search`` over the same
  datasets, and their ratio (target: at most 3x).

Run on the local stack (not part of the tests):

    bash stack/stack.sh createdb ckan_bench_report
    .venv/bin/python bench/report.py [--repeat 3] [--rebuild] [--keep-pdf /tmp/report.pdf]

It uses test.ini with its own database (``--database``, default
``ckan_bench_report``) and site id (``--site-id``, default ``bench_report``),
so it never touches the test or demo data. The first run inserts the
catalogue in bulk and indexes it (about 10 minutes); later runs reuse it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.gap import UNITS, BulkDatasets, province_codes, start_ckan  # noqa: E402  (the benches' common start)

BENCH_MARK = "bench-report"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    parser.add_argument("--database", default="ckan_bench_report")
    parser.add_argument("--site-id", default="bench_report")
    parser.add_argument("--province", default="13")
    parser.add_argument("--requirements", type=int, default=1000, help="requirements of the province")
    parser.add_argument("--province-datasets", type=int, default=5000)
    parser.add_argument("--datasets", type=int, default=20000, help="datasets in all")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--keep-pdf", default="", help="write the last PDF here")
    parser.add_argument("--seed", type=int, default=13)
    return parser.parse_args()


def existing_count(model) -> int:
    return model.Session.query(model.Package).filter(model.Package.name.like(f"{BENCH_MARK}-%")).count()


def drop_catalogue(model):
    import sqlalchemy as sa
    from ckan.lib import search

    ids = [i for (i,) in model.Session.query(model.Package.id).filter(model.Package.name.like(f"{BENCH_MARK}-%"))]
    for table in (model.resource_table, model.package_extra_table, model.package_tag_table):
        model.Session.execute(table.delete().where(table.c.package_id.in_(ids)))
    model.Session.execute(model.package_table.delete().where(model.package_table.c.id.in_(ids)))
    model.Session.execute(sa.text("DELETE FROM provincial_requirement"))
    model.Session.commit()
    search.clear_all()


def build(args, model, rng):
    """Agencies, the big plan and small ones (bulk upsert), datasets (bulk SQL insert), then the index."""
    import ckan.plugins.toolkit as toolkit
    from ckan.lib import search
    from ckanext.provincial.actions import requirement as requirement_actions

    site = {"ignore_auth": True, "user": toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
    provinces = province_codes()
    others = [code for code in provinces if code != args.province]

    def organization(name, title, **extra):
        try:
            return toolkit.get_action("organization_show")(dict(site), {"id": name})
        except toolkit.ObjectNotFound:
            return toolkit.get_action("organization_create")(dict(site), {"name": name, "title": title, **extra})

    agencies = [organization(f"{BENCH_MARK}-agency-{n:02}", f"หน่วยงานที่ {n} จังหวัดทดสอบ",
                             province_code=args.province, plan_coordinator="True" if n == 0 else "False")
                for n in range(20)]
    elsewhere = organization(f"{BENCH_MARK}-elsewhere", "หน่วยงานจังหวัดอื่น")
    issues = [f"{args.province}-issue-{n}" for n in range(8)]
    plan = [{
        "province_code": args.province, "code": f"R-{index:04}",
        "title_th": f"ข้อมูลผู้ป่วยที่ได้รับการรักษา รายการที่ {index}", "title_en": f"Requirement {index}",
        "development_issue": rng.choice(issues), "sub_issue": "", "agency": rng.choice(agencies)["id"],
        "purpose": "", "indicator": "", "update_frequency_unit": "ปี", "update_frequency_interval": 1,
        "geo_level": "จังหวัด", "priority": rng.choice(["high", "medium", "low"]),
        "pmqa": [rng.choice(["4.1", "4.2"])], "source_plan": "",
    } for index in range(args.requirements)]
    requirement_actions.upsert_plan(args.province, plan)
    small_plans = {code: [{**plan[0], "province_code": code, "code": f"S-{n}", "agency": elsewhere["id"]}
                          for n in range(10)] for code in others}
    for code, rows in small_plans.items():
        requirement_actions.upsert_plan(code, rows)
    print(f"  {args.requirements} requirements in {args.province}, 10 in each of {len(others)} other provinces",
          flush=True)

    tag = model.Session.query(model.Tag).filter_by(name="bench").first() or model.Tag(name="bench")
    model.Session.add(tag)
    model.Session.commit()
    today = dt.date.today()
    rows = BulkDatasets(tag.id)
    for index in range(args.datasets):
        mine = index < args.province_datasets
        code = args.province if mine else others[index % len(others)]
        codes = [r["code"] for r in (plan if mine else small_plans[code])]
        unit, interval, period = rng.choice(UNITS)
        age = rng.randint(0, period) if rng.random() < 0.7 else period + rng.randint(1, 400)  # ~30% stale
        # ~25% of the plan fulfilled by nobody: the datasets link to the first three quarters only.
        linked = [] if rng.random() < 0.15 else [rng.choice(codes[: max(1, len(codes) * 3 // 4)])]
        owner = rng.choice(agencies) if mine else elsewhere
        rows.add(rng, f"{BENCH_MARK}-{index:05}", f"ชุดข้อมูล {index} จังหวัด {code}", owner["id"], {
            "province_code": code, "requirement_codes": json.dumps(linked),
            "update_frequency_unit": unit, "update_frequency_interval": str(interval),
            "last_updated_date": (today - dt.timedelta(days=age)).isoformat(),
        })
    ids = rows.insert(model)
    print(f"  {len(ids)} datasets inserted; indexing...", flush=True)
    started = time.perf_counter()
    for start in range(0, len(ids), 1000):
        search.rebuild(package_ids=ids[start:start + 1000], defer_commit=True)
        search.commit()
        print(f"  indexed {min(start + 1000, len(ids))}/{len(ids)} ({time.perf_counter() - started:.0f} s)", flush=True)


def timed(call, repeat: int) -> tuple[float, object]:
    result = call()  # warm caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main():
    args = parse_args()
    request_context = start_ckan(args)
    import ckan.plugins.toolkit as toolkit
    from ckan import model
    from ckanext.provincial import site
    from ckanext.provincial.committee_report import collect, pdf, xlsx

    rng = random.Random(args.seed)
    if args.rebuild:
        drop_catalogue(model)
    if existing_count(model) < args.datasets:
        if existing_count(model):
            drop_catalogue(model)
        print(f"Building the catalogue ({args.datasets} datasets, {args.province_datasets} in province "
              f"{args.province} with {args.requirements} requirements)...", flush=True)
        build(args, model, rng)
    search = toolkit.get_action("package_search")
    indexed = search({"ignore_auth": True}, {"rows": 0, "include_private": True})["count"]
    print(f"Catalogue: {existing_count(model)} datasets in the database, {indexed} in the index")

    context = site.site_context()
    parts = {"collect": [], "pdf": [], "xlsx": []}
    found = None
    for _ in range(args.repeat + 1):  # the first run warms the caches and is not counted
        started = time.perf_counter()
        found = collect.collect(dict(context), args.province)
        collected = time.perf_counter()
        content = pdf.write_pdf(found, "bench")
        typeset = time.perf_counter()
        xlsx.write_xlsx(found)
        done = time.perf_counter()
        for key, seconds in (("collect", collected - started), ("pdf", typeset - collected), ("xlsx", done - typeset)):
            parts[key].append(seconds)
    medians = {key: statistics.median(values[1:]) for key, values in parts.items()}
    whole = statistics.median([sum(values) for values in zip(*(parts[k][1:] for k in parts))])
    if args.keep_pdf:
        with open(args.keep_pdf, "wb") as handle:
            handle.write(content)
    import io

    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(content)).pages)
    summary = found["summary"]
    print(f"Province {args.province}: {summary['total']} requirements, coverage {summary['coverage']}%, "
          f"readiness {summary['readiness']}%; PDF {len(content) / 1024:.0f} KiB, {pages} pages")
    print()
    print(f"{'committee report (median of ' + str(args.repeat) + ')':40}{'seconds':>10}")
    for key in ("collect", "pdf", "xlsx"):
        print(f"{'  ' + key:40}{medians[key]:>10.2f}")
    print(f"{'  whole report':40}{whole:>10.2f}   target <= 5 s: {'met' if whole <= 5 else 'NOT met'}")

    anonymous = {"user": ""}
    try:
        quality = toolkit.get_action("provincial_quality_summary")
    except KeyError:
        print("\nprovincial_quality_summary is not installed: quality timing skipped")
        request_context.pop()
        return 0
    quality_seconds, quality_result = timed(lambda: quality(dict(anonymous), {}), args.repeat)
    facet_seconds, facet_result = timed(lambda: search(dict(anonymous), {
        "q": "*:*", "rows": 0, "facet": "true", "facet.field": ["organization", "extras_provincial_gap_province"],
        "facet.limit": -1}), args.repeat)
    print()
    print(f"{'quality summary vs faceted search':40}{'seconds':>10}")
    print(f"{'  provincial_quality_summary (all)':40}{quality_seconds:>10.3f}   "
          f"({quality_result.get('datasets')} public datasets scored)")
    print(f"{'  package_search, 2 facet fields':40}{facet_seconds:>10.3f}   ({facet_result['count']} datasets)")
    ratio = quality_seconds / facet_seconds if facet_seconds else float("inf")
    print(f"{'  ratio':40}{ratio:>9.1f}x   target <= 3x: {'met' if ratio <= 3 else 'NOT met'}")
    request_context.pop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
