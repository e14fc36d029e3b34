"""Gap analysis benchmark: the bounded-query engine against one ``package_show`` per dataset.

Builds (once) a synthetic national catalogue in a database and site id of its
own: all 77 provinces, 20,000 datasets and 5,000 requirements by default, with
datasets in every status (fresh, stale, incomplete, private, fulfilling no
requirement). Then prints the median time of

* ``provincial_gap_show`` for one province, and of ``provincial_gap_summary``
  for all provinces (what the extension does: one SQL query for the plans and
  paged searches reading the compact facts in the search index);
* the same result computed naively: ``package_show`` for every dataset, then
  the same engine;
* the national summary served from its Redis cache (``gap_cache``), which the
  first two figures bypass;

their ratio, and whether both give the same statuses.

The naive national summary calls ``package_show`` 20,000 times (minutes); by
default it is timed on a sample (``--naive-sample``) and extrapolated
linearly, and says so. ``--full-naive`` times it all.

Run on the local stack (not part of the tests):

    bash stack/stack.sh createdb ckan_bench_gap
    .venv/bin/python bench/gap.py [--datasets 20000] [--requirements 5000] [--repeat 5]

It uses test.ini with its own database (``--database``, default
``ckan_bench_gap``) and site id (``--site-id``, default ``bench_gap``) so it
never touches the test or demo data; the Solr core is test.ini's unless
``CKAN_SOLR_URL`` says otherwise. The first run inserts the catalogue in bulk
and indexes it (about 10 minutes for 20,000 datasets); later runs reuse it
(``--rebuild`` starts again, ``--drop`` removes the documents from Solr at the end).
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

UNITS = [("ปี", 1, 365), ("ไตรมาส", 1, 92), ("เดือน", 1, 31), ("ครึ่งปี", 1, 183), ("วัน", 1, 1)]


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
        per_province[code].append({
            "province_code": code, "code": f"R-{index:05}", "title_th": f"ข้อมูลที่ต้องการ {index}", "title_en": "",
            "development_issue": "", "sub_issue": "", "agency": orgs[code]["id"], "purpose": "", "indicator": "",
            "update_frequency_unit": "ปี", "update_frequency_interval": 1, "geo_level": "จังหวัด",
            "priority": rng.choice(["high", "medium", "low"]), "pmqa": [rng.choice(["4.1", "4.2"])], "source_plan": "",
        })
    for code, rows in per_province.items():
        requirement_actions.upsert_plan(code, rows)
    print(f"  {args.requirements} requirements in {len(provinces)} plans", flush=True)

    today = dt.date.today()
    packages, extras, resources, tags = [], [], [], []
    for index in range(args.datasets):
        code = provinces[index % len(provinces)]
        plan = per_province[code]
        unit, interval, period = rng.choice(UNITS)
        roll = rng.random()
        age = rng.randint(0, period) if roll < 0.7 else period + rng.randint(1, 400)  # ~30% stale
        linked = [] if rng.random() < 0.15 else [rng.choice(plan)["code"] for _ in range(rng.choice([1, 1, 2]))]
        package_id = str(uuid.uuid4())
        packages.append({
            "id": package_id, "name": f"{BENCH_MARK}-{index:05}", "title": f"ชุดข้อมูล {index} จังหวัด {code}",
            "type": "dataset", "owner_org": orgs[code]["id"], "private": rng.random() < 0.1, "state": "active",
            "notes": "ชุดข้อมูลสังเคราะห์สำหรับวัดเวลา", "maintainer": "กลุ่มงานสถิติ",
            "maintainer_email": "stat@example.org", "license_id": "Open Data Common",
            "metadata_created": dt.datetime.utcnow(), "metadata_modified": dt.datetime.utcnow(),
        })
        values = {
            "province_code": code, "requirement_codes": json.dumps(sorted(set(linked))),
            "update_frequency_unit": unit, "update_frequency_interval": str(interval),
            "last_updated_date": (today - dt.timedelta(days=age)).isoformat(),
            "data_type": "ข้อมูลสถิติ", "objective": json.dumps(["พันธกิจหน่วยงาน"], ensure_ascii=False),
            "geo_coverage": "จังหวัด", "data_source": "หน่วยงานในจังหวัด", "data_category": "ข้อมูลสาธารณะ",
            "data_format": json.dumps(["CSV"] if rng.random() < 0.9 else ["CSV", "PDF"]),  # ~10% format gap
            "data_classification": "เปิดเผย", "data_language": json.dumps(["ไทย"], ensure_ascii=False),
        }
        extras.extend({"id": str(uuid.uuid4()), "package_id": package_id, "key": k, "value": v, "state": "active"}
                      for k, v in values.items())
        if rng.random() > 0.03:  # ~3% without resources
            resources.append({"id": str(uuid.uuid4()), "package_id": package_id, "url": f"http://example.org/{index}.csv",
                              "format": "CSV", "name": "data", "position": 0, "state": "active",
                              "created": dt.datetime.utcnow(), "metadata_modified": dt.datetime.utcnow(), "extras": {}})
        tags.append({"id": str(uuid.uuid4()), "package_id": package_id, "tag_id": tag.id, "state": "active"})
    for table, rows in ((model.package_table, packages), (model.package_extra_table, extras),
                        (model.resource_table, resources), (model.package_tag_table, tags)):
        for start in range(0, len(rows), 5000):
            model.Session.execute(table.insert(), rows[start:start + 5000])
    model.Session.commit()
    print(f"  {len(packages)} datasets inserted; indexing...", flush=True)

    started = time.perf_counter()
    ids = [p["id"] for p in packages]
    for start in range(0, len(ids), 1000):
        search.rebuild(package_ids=ids[start:start + 1000], defer_commit=True)
        search.commit()
        print(f"  indexed {min(start + 1000, len(ids))}/{len(ids)} ({time.perf_counter() - started:.0f} s)", flush=True)


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
    """The gap computed from one package_show per dataset (the dataset ids come from the database)."""
    import ckan.plugins.toolkit as toolkit
    from ckan import model
    from ckanext.provincial import gap
    from ckanext.provincial import model as plan_model
    from ckanext.provincial.gap_service import today

    site = {"ignore_auth": True}
    extra = model.package_extra_table
    query = (
        model.Session.query(model.Package.id)
        .join(extra, extra.c.package_id == model.Package.id)
        .filter(model.Package.state == "active", extra.c.key == "province_code", extra.c.value.in_(province_codes_))
        .order_by(model.Package.id)
    )
    ids = [i for (i,) in query]
    total = len(ids)
    if sample:
        ids = ids[:sample]
    facts = []
    for package_id in ids:
        pkg = toolkit.get_action("package_show")(dict(site), {"id": package_id})
        if pkg.get("province_code") in province_codes_:
            facts.append(gap.facts_from_dataset(pkg))
    requirements = [r.as_dict() for r in plan_model.requirements(province_codes_)]
    return gap.evaluate(requirements, facts, today()), len(ids), total


def main():
    args = parse_args()
    request_context = start_ckan(args)
    import ckan.plugins.toolkit as toolkit
    from ckan import model
    from ckan.lib import search

    rng = random.Random(args.seed)
    if args.rebuild:
        drop_catalogue(model)
    count = existing_count(model)
    if count < args.datasets:
        if count:
            drop_catalogue(model)
        print(f"Building the catalogue ({args.datasets} datasets, {args.requirements} requirements)...", flush=True)
        build(args, model, rng)
    indexed = toolkit.get_action("package_search")({"ignore_auth": True}, {"rows": 0, "include_private": True})["count"]
    print(f"Catalogue: {existing_count(model)} datasets in the database, {indexed} in the index, "
          f"{model.Session.execute(sa.text('SELECT count(*) FROM provincial_requirement')).scalar()} requirements")

    anonymous = {"user": ""}
    show = toolkit.get_action("provincial_gap_show")
    summary = toolkit.get_action("provincial_gap_summary")
    provinces = province_codes()

    fast_province = median_seconds(lambda: show(dict(anonymous), {"province_code": args.province}), args.repeat)
    cache_option = "ckanext.provincial.gap.cache_seconds"
    cache_seconds = toolkit.config.get(cache_option)
    toolkit.config[cache_option] = 0  # computed each time
    fast_national = median_seconds(lambda: summary(dict(anonymous), {}), args.repeat)
    toolkit.config[cache_option] = cache_seconds or 3600
    cached_national = median_seconds(lambda: summary(dict(anonymous), {}), args.repeat)

    started = time.perf_counter()
    naive_province, shown, _total = naive_rows([args.province])
    slow_province = time.perf_counter() - started

    sample = None if args.full_naive else args.naive_sample
    started = time.perf_counter()
    _rows, read, total = naive_rows(provinces, sample)
    slow_national = (time.perf_counter() - started) * (total / read)

    national = summary(dict(anonymous), {})["national"]
    print("Statuses nationally: " + ", ".join(f"{status} {count}" for status, count in national["counts"].items())
          + f"; coverage {national['coverage']}%, readiness {national['readiness']}%")
    fast_rows = show(dict(anonymous), {"province_code": args.province})["requirements"]
    same = {r["code"]: r["status"] for r in fast_rows} == {r["code"]: r["status"] for r in naive_province}

    print()
    print(f"{'':38}{'engine (median)':>18}{'naive':>14}{'ratio':>9}")
    print(f"{'provincial_gap_show, province ' + args.province:38}{fast_province:>16.3f} s{slow_province:>12.1f} s"
          f"{slow_province / fast_province:>8.0f}x")
    national_note = "" if args.full_naive else f"  (naive: {read} of {total} package_show timed, extrapolated)"
    print(f"{'provincial_gap_summary, 77 provinces':38}{fast_national:>16.3f} s{slow_national:>12.1f} s"
          f"{slow_national / fast_national:>8.0f}x{national_note}")
    print(f"{'provincial_gap_summary, from the cache':38}{cached_national:>16.3f} s"
          f"{'':>12}{fast_national / cached_national:>9.0f}x faster than computing it")
    print(f"Same statuses for province {args.province} both ways: {'yes' if same else 'NO'} ({len(fast_rows)} requirements, "
          f"{shown} package_show calls)")

    if args.drop:
        search.clear_all()
        print("Bench documents removed from the search index.")
    request_context.pop()
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
