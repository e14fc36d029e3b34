"""Gap analysis benchmark: the engine on Solr facets, against a faceted search and one ``package_show`` per dataset.

Builds (once) a synthetic national catalogue in a database and site id of its
own: all 77 provinces, 20,000 datasets and 5,000 requirements by default, with
datasets in every status (fresh, stale, incomplete, private, without a period
of their own, never updated, fulfilling no requirement). It is indexed under the site id (``--site-id``)
and, doubled, under ``<site-id>_x2``: every document once more as a copy
under a new id and name (see ``index_catalogue``), so one run measures the
catalogue and the catalogue doubled (the same 5,000 requirements). Then prints
the median time of

* one faceted ``package_search`` (rows 0, five facet fields): the yardstick;
* ``provincial_gap_summary`` for all provinces computed (cache off), on the
  catalogue and on the catalogue doubled, and their ratios to the yardstick and
  to each other;
* ``provincial_gap_show`` for one province (anonymous), and its ratio to the yardstick;
* the summary served from its Redis cache (``gap_cache``);
* the same results computed naively: ``package_show`` for every dataset, then
  the same engine;

and checks that the statuses are those of the reference engine
(``gap.evaluate`` over every dataset's compact facts, ``gap_service.dataset_facts``)
for every requirement of every province, on both catalogues, and that the
summary's counts, scores and unlinked counts are the reference's.

The naive national summary calls ``package_show`` 20,000 times (minutes); by
default it is timed on a sample (``--naive-sample``) and extrapolated
linearly, and says so. ``--full-naive`` times it all.

Run on the local stack (not part of the tests):

    bash stack/stack.sh createdb ckan_bench_gap
    .venv/bin/python bench/gap.py [--datasets 20000] [--requirements 5000] [--repeat 5]

It uses test.ini with its own database (``--database``, default
``ckan_bench_gap``) and site ids (``--site-id``, default ``bench_gap``) so it
never touches the test or demo data; the Solr core is test.ini's unless
``CKAN_SOLR_URL`` says otherwise. The first run inserts the catalogue in bulk
and indexes it (about 25 minutes on a loaded 2-CPU machine); later runs
reuse it (``--rebuild`` starts again, ``--reindex`` only indexes again, e.g.
after the index fields changed, ``--drop`` removes the documents from Solr at the end).
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import uuid

import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

BENCH_MARK = "bench-gap"  # in every bench dataset's name


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    parser.add_argument("--database", default="ckan_bench_gap")
    parser.add_argument("--site-id", default="bench_gap")
    parser.add_argument("--datasets", type=int, default=20000)
    parser.add_argument("--requirements", type=int, default=5000)
    parser.add_argument("--province", default="13", help="the province timed alone")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-sample", type=int, default=2000,
                        help="package_show calls timed for the naive national summary (then extrapolated)")
    parser.add_argument("--full-naive", action="store_true", help="time the naive national summary in full")
    parser.add_argument("--rebuild", action="store_true", help="drop and build the catalogue again")
    parser.add_argument("--reindex", action="store_true", help="index the catalogue again (index fields changed)")
    parser.add_argument("--no-naive", action="store_true", help="skip the package_show timings")
    parser.add_argument("--drop", action="store_true", help="remove the bench documents from Solr at the end")
    parser.add_argument("--seed", type=int, default=13)
    return parser.parse_args()


def start_ckan(args):
    """CKAN on test.ini, with the bench's database and site id, inside a request context."""
    base = "postgresql://ckan:ckan@127.0.0.1:5439/"
    os.environ["CKAN_SQLALCHEMY_URL"] = os.environ.get("BENCH_SQLALCHEMY_URL", base + args.database)
    os.environ["CKAN_SITE_ID"] = args.site_id
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.ini))
    flask_app = app._wsgi_app if hasattr(app, "_wsgi_app") else app
    context = flask_app.test_request_context()
    context.push()
    from ckan import model
    from ckan.cli.db import _run_migrations

    model.repo.init_db()
    for plugin in ("activity", "tracking", "provincial"):
        _run_migrations(plugin)
    # CKAN's migration environment leaves the model on a NullPool engine (a new connection for
    # each query after a commit); a web process never migrates, so measure with a pooled one.
    from ckan.common import config

    model.init_model(sa.engine_from_config(config, pool_pre_ping=True))
    return context


# ---------------------------------------------------------------- building

# Dataset frequencies (unit, interval, period in days): most with a period of their own; some
# without one (the requirement's frequency applies) or never updated.
UNITS = [("ปี", 1, 365)] * 3 + [("ไตรมาส", 1, 92), ("เดือน", 1, 31), ("ครึ่งปี", 1, 183), ("วัน", 1, 1),
                               ("วันทำการ", 10, 14), ("ไม่ทราบ", 1, 400), ("", 1, 400),
                               ("ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล", 1, 400)]
# Requirement frequencies: they judge the datasets without a period of their own.
REQUIREMENT_UNITS = [("ปี", 1)] * 4 + [("เดือน", 1), ("เดือน", 3), ("ไตรมาส", 1), ("วันทำการ", 5), ("ไม่ทราบ", 1)]


class BulkDatasets:
    """Rows of synthetic GDC datasets (package, extras, one CSV link, a tag), inserted in bulk SQL.

    The benches' catalogues are tens of thousands of datasets: through the API they would take hours.
    """

    def __init__(self, tag_id: str) -> None:
        self.tag_id = tag_id
        self.packages, self.extras, self.resources, self.tags = [], [], [], []

    def add(self, rng, name: str, title: str, owner_id: str, values: dict) -> str:
        """One dataset: ``values`` are its own fields; about 10% private, 10% with a format gap, 3% without resource."""
        package_id = str(uuid.uuid4())
        now = dt.datetime.utcnow()
        self.packages.append({
            "id": package_id, "name": name, "title": title,
            "type": "dataset", "owner_org": owner_id, "private": rng.random() < 0.1, "state": "active",
            "notes": "ชุดข้อมูลสังเคราะห์สำหรับวัดเวลา", "maintainer": "กลุ่มงานสถิติ",
            "maintainer_email": "stat@example.org", "license_id": "Open Data Common",
            "metadata_created": now, "metadata_modified": now,
        })
        values = dict(values, **{
            "data_type": "ข้อมูลสถิติ", "objective": json.dumps(["พันธกิจหน่วยงาน"], ensure_ascii=False),
            "geo_coverage": "จังหวัด", "data_source": "หน่วยงานในจังหวัด", "data_category": "ข้อมูลสาธารณะ",
            "data_format": json.dumps(["CSV"] if rng.random() < 0.9 else ["CSV", "PDF"]),  # ~10% format gap
            "data_classification": "เปิดเผย", "data_language": json.dumps(["ไทย"], ensure_ascii=False),
        })
        self.extras.extend({"id": str(uuid.uuid4()), "package_id": package_id, "key": k, "value": v, "state": "active"}
                           for k, v in values.items())
        if rng.random() > 0.03:  # ~3% without resources
            self.resources.append({
                "id": str(uuid.uuid4()), "package_id": package_id, "url": f"http://example.org/{name}.csv",
                "format": "CSV", "name": "data", "position": 0, "state": "active",
                "created": now, "metadata_modified": now, "extras": {}})
        self.tags.append({"id": str(uuid.uuid4()), "package_id": package_id, "tag_id": self.tag_id, "state": "active"})
        return package_id

    def insert(self, model) -> list:
        """Insert every row, 5,000 a statement, and commit; the ids of the datasets."""
        for table, rows in ((model.package_table, self.packages), (model.package_extra_table, self.extras),
                            (model.resource_table, self.resources), (model.package_tag_table, self.tags)):
            for start in range(0, len(rows), 5000):
                model.Session.execute(table.insert(), rows[start:start + 5000])
        model.Session.commit()
        return [package["id"] for package in self.packages]


def x2_site(args) -> str:
    return args.site_id + "_x2"


def province_codes():
    import geothai

    return sorted(p.code for p in geothai.provinces())


def existing_count(model) -> int:
    return model.Session.query(model.Package).filter(model.Package.name.like(f"%{BENCH_MARK}%")).count()


def drop_catalogue(model):
    from ckan.lib import search

    ids = [i for (i,) in model.Session.query(model.Package.id).filter(model.Package.name.like(f"%{BENCH_MARK}%"))]
    for table, column in ((model.resource_table, "package_id"), (model.package_extra_table, "package_id"),
                          (model.package_tag_table, "package_id")):
        model.Session.execute(table.delete().where(getattr(table.c, column).in_(ids)))
    model.Session.execute(model.package_table.delete().where(model.package_table.c.id.in_(ids)))
    model.Session.execute(sa.text("DELETE FROM provincial_requirement"))
    model.Session.commit()
    search.clear_all()


def build(args, model, rng):
    """Organizations, plans (bulk upsert) and datasets (bulk SQL insert), then index the datasets."""
    import ckan.plugins.toolkit as toolkit
    from ckan.lib import search
    from ckanext.provincial.actions import requirement as requirement_actions

    provinces = province_codes()
    site = {"ignore_auth": True, "user": toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
    orgs = {}
    for code in provinces:
        name = f"{BENCH_MARK}-org-{code}"
        try:
            orgs[code] = toolkit.get_action("organization_show")(dict(site), {"id": name})
        except toolkit.ObjectNotFound:
            orgs[code] = toolkit.get_action("organization_create")(dict(site), {"name": name, "title": f"หน่วยงาน {code}"})
    tag = model.Session.query(model.Tag).filter_by(name="bench").first() or model.Tag(name="bench")
    model.Session.add(tag)
    model.Session.commit()

    per_province = {code: [] for code in provinces}
    for index in range(args.requirements):
        code = provinces[index % len(provinces)]
        unit_interval = rng.choice(REQUIREMENT_UNITS)
        per_province[code].append({
            "province_code": code, "code": f"R-{index:05}", "title_th": f"ข้อมูลที่ต้องการ {index}", "title_en": "",
            "development_issue": "", "sub_issue": "", "agency": orgs[code]["id"], "purpose": "", "indicator": "",
            "update_frequency_unit": unit_interval[0], "update_frequency_interval": unit_interval[1],
            "geo_level": "จังหวัด",
            "priority": rng.choice(["high", "medium", "low"]), "pmqa": [rng.choice(["4.1", "4.2"])], "source_plan": "",
        })
    for code, rows in per_province.items():
        requirement_actions.upsert_plan(code, rows)
    print(f"  {args.requirements} requirements in {len(provinces)} plans", flush=True)

    today = dt.date.today()
    rows = BulkDatasets(tag.id)
    for index in range(args.datasets):
        code = provinces[index % len(provinces)]
        plan = per_province[code]
        unit, interval, period = rng.choice(UNITS)
        roll = rng.random()
        age = rng.randint(0, period) if roll < 0.7 else period + rng.randint(1, 400)  # ~30% stale
        linked = [] if rng.random() < 0.15 else [rng.choice(plan)["code"] for _ in range(rng.choice([1, 1, 2]))]
        linked = [c.lower() if rng.random() < 0.05 else c for c in linked]  # codes compare case-insensitively
        updated = "" if rng.random() < 0.02 else (today - dt.timedelta(days=age)).isoformat()
        rows.add(rng, f"{BENCH_MARK}-{index:05}", f"ชุดข้อมูล {index} จังหวัด {code}", orgs[code]["id"], {
            "province_code": code, "requirement_codes": json.dumps(sorted(set(linked))),
            "update_frequency_unit": unit, "update_frequency_interval": str(interval),
            "last_updated_date": updated,
        })
    packages = rows.insert(model)
    print(f"  {len(packages)} datasets inserted", flush=True)
    index_catalogue(args, model)


def bench_ids(model) -> list:
    """The bench datasets' ids in the order they were made (the first half is the catalogue, all is it doubled)."""
    return [i for (i,) in model.Session.query(model.Package.id).filter(model.Package.name.like(f"%{BENCH_MARK}%"))
            .order_by(model.Package.name)]


def index_catalogue(args, model):
    """Index the catalogue under the site id, and it doubled under ``<site-id>_x2``.

    Each dataset is read once with ``package_show`` and made into its Solr
    document by CKAN's own indexer (every plugin's ``before_dataset_index``);
    the documents are then sent in batches: as they are under the site id, as
    they are under the doubled site id, and once more there as a copy under a
    new id and name (same facts: the doubled catalogue has twice the datasets
    of every requirement and status, without 20,000 more ``package_show``).
    """
    import hashlib

    import ckan.plugins.toolkit as toolkit
    from ckan.common import config
    from ckan.lib import search
    from ckan.lib.search import common, index as search_index

    ids = bench_ids(model)[:args.datasets]
    package_index = search.index_for(model.Package)
    show = toolkit.get_action("package_show")
    solr = common.make_connection()
    print(f"  indexing {len(ids)} datasets, and {2 * len(ids)} as the catalogue doubled...", flush=True)
    started = time.perf_counter()
    for site_id in (args.site_id, x2_site(args)):
        config["ckan.site_id"] = site_id
        search.clear_all()
    config["ckan.site_id"] = args.site_id

    captured = []

    class Capture:
        def add(self, docs, commit=False):
            captured.extend(docs)

    def documents(doc):
        copy_id = str(uuid.uuid5(uuid.NAMESPACE_URL, doc["id"]))
        twin = dict(doc, id=copy_id, name=doc["name"] + "-x2", title=doc["title"] + " (x2)")
        for key in ("data_dict", "validated_data_dict"):
            if isinstance(twin.get(key), str):
                twin[key] = twin[key].replace(doc["id"], copy_id)
        for site_id, item in ((args.site_id, doc), (x2_site(args), doc), (x2_site(args), twin)):
            yield dict(item, site_id=site_id,
                       index_id=hashlib.md5(f"{item['id']}{site_id}".encode()).hexdigest())

    real_connection = search_index.make_connection
    search_index.make_connection = lambda *a, **k: Capture()
    try:
        for start in range(0, len(ids), 500):
            captured.clear()
            for package_id in ids[start:start + 500]:
                pkg = show({"ignore_auth": True, "validate": False, "use_cache": False}, {"id": package_id})
                package_index.index_package(pkg, defer_commit=True)
            model.Session.remove()
            solr.add([item for doc in captured for item in documents(doc)], commit=False)
            print(f"  indexed {min(start + 500, len(ids))}/{len(ids)} ({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        search_index.make_connection = real_connection
    solr.commit()


# ---------------------------------------------------------------- timing

def median_seconds(call, repeat: int) -> float:
    call()  # warm caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def naive_rows(province_codes_, sample=None):
    """The gap computed from one package_show per dataset (the ids of the datasets the index holds)."""
    import ckan.plugins.toolkit as toolkit
    from ckanext.provincial import gap, gap_service
    from ckanext.provincial import model as plan_model

    site = {"ignore_auth": True}
    found = gap_service.search_all(site, gap_service.province_filter(province_codes_), ["id"])
    ids = sorted(doc["id"] for doc in found)
    total = len(ids)
    if sample:
        ids = ids[:sample]
    facts = []
    for package_id in ids:
        pkg = toolkit.get_action("package_show")(dict(site), {"id": package_id})
        if pkg.get("province_code") in province_codes_:
            facts.append(gap.facts_from_dataset(pkg))
    requirements = [r.as_dict() for r in plan_model.requirements(province_codes_)]
    return gap.evaluate(requirements, facts, gap_service.today()), len(ids), total


def reference(provinces):
    """The reference engine: gap.evaluate over every dataset's compact facts read from the index."""
    from ckanext.provincial import gap, gap_service
    from ckanext.provincial import model as plan_model

    requirements = [r.as_dict() for r in plan_model.requirements(provinces)]
    facts = gap_service.dataset_facts(gap_service.province_filter(provinces))
    rows = gap.evaluate(requirements, facts, gap_service.today())
    statuses = {(r["province_code"], r["code"]): r["status"] for r in rows}
    scores = {}
    for code in provinces:
        mine = [r for r in rows if r["province_code"] == code]
        entry = gap.score(mine)
        entry["unlinked_count"] = len(gap.unlinked([f for f in facts if f["province_code"] == code], mine))
        scores[code] = entry
    return statuses, scores


def agreement(provinces, summary):
    """How many requirements the engine and the reference judge alike, of how many; and whether the summary agrees."""
    from ckanext.provincial import gap_service
    from ckanext.provincial import model as plan_model

    statuses, scores = reference(provinces)
    requirements = [r.as_dict() for r in plan_model.requirements(provinces)]
    engine = gap_service.index_statuses(requirements, provinces, gap_service.today())[0]
    same = sum(1 for r, status in zip(requirements, engine) if status == statuses[(r["province_code"], r["code"])])
    summary_same = all(
        {k: entry[k] for k in ("total", "counts", "coverage", "readiness", "unlinked_count")}
        == {k: scores[entry["province_code"]][k] for k in ("total", "counts", "coverage", "readiness", "unlinked_count")}
        for entry in summary["provinces"]
    )
    return same, len(requirements), summary_same


def facet_query(context):
    """The yardstick: one faceted package_search over the whole catalogue (rows 0, five facet fields)."""
    import ckan.plugins.toolkit as toolkit

    return toolkit.get_action("package_search")(dict(context), {
        "q": "*:*", "rows": 0, "include_private": True,
        "facet.field": json.dumps(["organization", "tags", "res_format", "license_id", "province_code"]),
    })


def main():
    args = parse_args()
    request_context = start_ckan(args)
    import ckan.plugins.toolkit as toolkit
    from ckan import model
    from ckan.common import config
    from ckan.lib import search

    rng = random.Random(args.seed)
    if args.rebuild:
        for site_id in (args.site_id, x2_site(args)):
            config["ckan.site_id"] = site_id
            drop_catalogue(model)
        config["ckan.site_id"] = args.site_id
    count = existing_count(model)
    if count < args.datasets:
        if count:
            drop_catalogue(model)
        print(f"Building the catalogue ({args.datasets} datasets, "
              f"{args.requirements} requirements)...", flush=True)
        build(args, model, rng)
    elif args.reindex:
        index_catalogue(args, model)

    anonymous = {"user": ""}
    show = toolkit.get_action("provincial_gap_show")
    summary = toolkit.get_action("provincial_gap_summary")
    provinces = province_codes()
    cache_option = "ckanext.provincial.gap.cache_seconds"
    cache_seconds = toolkit.config.get(cache_option)

    figures = {}
    for site_id in (args.site_id, x2_site(args)):
        config["ckan.site_id"] = site_id
        indexed = toolkit.get_action("package_search")({"ignore_auth": True}, {"rows": 0, "include_private": True})["count"]
        print(f"Site {site_id}: {existing_count(model)} datasets in the database, {indexed} in the index, "
              f"{model.Session.execute(sa.text('SELECT count(*) FROM provincial_requirement')).scalar()} requirements",
              flush=True)
        toolkit.config[cache_option] = 0  # computed each time
        figure = {
            "datasets": indexed,
            "facet": median_seconds(lambda: facet_query(anonymous), args.repeat),
            "summary": median_seconds(lambda: summary(dict(anonymous), {}), args.repeat),
            "province": median_seconds(lambda: show(dict(anonymous), {"province_code": args.province}), args.repeat),
        }
        figure["reference"] = median_seconds(lambda: reference(provinces), min(args.repeat, 3))
        computed = summary(dict(anonymous), {})
        figure["same"], figure["requirements"], figure["summary_same"] = agreement(provinces, computed)
        toolkit.config[cache_option] = cache_seconds or 3600
        figure["cached"] = median_seconds(lambda: summary(dict(anonymous), {}), args.repeat)
        figures[site_id] = figure
        print(f"  {figure}", flush=True)
    config["ckan.site_id"] = args.site_id
    base, doubled = figures[args.site_id], figures[x2_site(args)]

    national = summary(dict(anonymous), {})["national"]
    print("Statuses nationally: " + ", ".join(f"{status} {count}" for status, count in national["counts"].items())
          + f"; coverage {national['coverage']}%, readiness {national['readiness']}%")

    print()
    print(f"{'':44}{base['datasets']:>10} ds{doubled['datasets']:>10} ds{'x2 / x1':>10}")
    for label, key in (("faceted package_search (yardstick)", "facet"),
                       ("provincial_gap_summary, computed", "summary"),
                       ("provincial_gap_show, province " + args.province, "province"),
                       ("provincial_gap_summary, from the cache", "cached"),
                       ("before: every dataset's facts + evaluate", "reference")):
        print(f"{label:44}{base[key]:>11.4f} s{doubled[key]:>10.4f} s{doubled[key] / base[key]:>9.2f}x")
    print()
    for name, figure in (("catalogue", base), ("doubled", doubled)):
        print(f"{name:10} summary / facet query {figure['summary'] / figure['facet']:6.2f}x (reach <= 5)   "
              f"province / facet query {figure['province'] / figure['facet']:6.2f}x (reach <= 3)")
    print(f"summary doubled / summary {doubled['summary'] / base['summary']:.2f}x (reach <= 1.3); before (reference "
          f"path): summary / facet query {base['reference'] / base['facet']:.0f}x, doubled / catalogue "
          f"{doubled['reference'] / base['reference']:.2f}x")
    agree = True
    for name, figure in (("catalogue", base), ("doubled", doubled)):
        ok = figure["same"] == figure["requirements"] and figure["summary_same"]
        agree = agree and ok
        print(f"{name:10} statuses as the reference engine's (gap.evaluate over every dataset's facts): "
              f"{figure['same']} of {figure['requirements']} requirements; summary scores and unlinked counts "
              f"{'the same' if figure['summary_same'] else 'DIFFERENT'}")

    same = True
    if not args.no_naive:
        started = time.perf_counter()
        naive_province, shown, _total = naive_rows([args.province])
        slow_province = time.perf_counter() - started
        sample = None if args.full_naive else args.naive_sample
        started = time.perf_counter()
        _rows, read, total = naive_rows(provinces, sample)
        slow_national = (time.perf_counter() - started) * (total / read)
        fast_rows = show(dict(anonymous), {"province_code": args.province})["requirements"]
        same = {r["code"]: r["status"] for r in fast_rows} == {r["code"]: r["status"] for r in naive_province}
        print()
        print(f"{'':38}{'engine (median)':>18}{'naive':>14}{'ratio':>9}")
        print(f"{'provincial_gap_show, province ' + args.province:38}{base['province']:>16.3f} s{slow_province:>12.1f} s"
              f"{slow_province / base['province']:>8.0f}x")
        national_note = "" if args.full_naive else f"  (naive: {read} of {total} package_show timed, extrapolated)"
        print(f"{'provincial_gap_summary, 77 provinces':38}{base['summary']:>16.3f} s{slow_national:>12.1f} s"
              f"{slow_national / base['summary']:>8.0f}x{national_note}")
        print(f"Same statuses for province {args.province} as package_show: {'yes' if same else 'NO'} "
              f"({len(fast_rows)} requirements, {shown} package_show calls)")

    if args.drop:
        for site_id in (args.site_id, x2_site(args)):
            config["ckan.site_id"] = site_id
            search.clear_all()
        print("Bench documents removed from the search index.")
    request_context.pop()
    return 0 if same and agree else 1


if __name__ == "__main__":
    sys.exit(main())
