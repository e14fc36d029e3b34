"""DataStore benchmark: xloader against a plain PostgreSQL COPY, search and preview.

Loads one generated Thai CSV (200,000 rows by default) twice in the same run:

* through xloader, end to end: upload to a running portal, the background
  worker fetches it over HTTP, loads it with COPY, builds indexes and reports
  back (time from the upload until ``xloader_status`` says ``complete``);
* with a plain ``COPY ... FROM STDIN`` of the same file into a text table of
  the same DataStore database.

Then the median time of ``datastore_search`` with a filter and of the table
preview (the view page plus the first page of its data), over HTTP.

Run it on the local stack with a database of its own (the portal it starts
is ``ckan run`` + ``ckan jobs worker`` on test.ini, like the end-to-end tests):

    bash stack/stack.sh createdb ckan_bench
    bash stack/stack.sh datastore-db datastore_bench ckan_bench
    CKAN_SQLALCHEMY_URL=postgresql://ckan:ckan@127.0.0.1:5439/ckan_bench \\
    CKAN_DATASTORE_WRITE_URL=postgresql://ckan:ckan@127.0.0.1:5439/datastore_bench \\
    CKAN_DATASTORE_READ_URL=postgresql://datastore_ro:datastore_ro@127.0.0.1:5439/datastore_bench \\
    CKAN_SITE_ID=bench .venv/bin/python bench/datastore.py [--rows 200000] [--repeat 30]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def make_csv(path: str, rows: int) -> None:
    districts = ["เมืองปทุมธานี", "คลองหลวง", "ธัญบุรี", "หนองเสือ", "ลาดหลุมแก้ว", "ลำลูกกา", "สามโคก"]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ลำดับ", "อำเภอ", "ตำบล", "จำนวนประชากร", "วันที่สำรวจ"])
        for number in range(1, rows + 1):
            writer.writerow([number, districts[number % 7], f"ตำบล {number % 113}", number * 37 % 100000, "2024-05-01"])


def plain_copy(path: str, write_url: str) -> float:
    import psycopg2

    connection = psycopg2.connect(write_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute('DROP TABLE IF EXISTS "bench_plain_copy"')
            cursor.execute('CREATE TABLE "bench_plain_copy" ("ลำดับ" text, "อำเภอ" text, "ตำบล" text, '
                           '"จำนวนประชากร" text, "วันที่สำรวจ" text)')
            connection.commit()
            started = time.perf_counter()
            with open(path, encoding="utf-8") as handle:
                cursor.copy_expert('COPY "bench_plain_copy" FROM STDIN WITH (FORMAT csv, HEADER true)', handle)
            connection.commit()
            elapsed = time.perf_counter() - started
            cursor.execute('DROP TABLE "bench_plain_copy"')
            connection.commit()
        return elapsed
    finally:
        connection.close()


def median_ms(call, repeat: int) -> float:
    call()  # warm up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    args = parser.parse_args()

    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", args.ini, "db", "init"],
                   check=True, capture_output=True)

    import requests

    # The project's tests package, before CKAN's start-up can bind the name "tests".
    from tests import datastore_support as support
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    config = load_config(args.ini)
    app = make_app(config)
    import ckan.plugins.toolkit as toolkit

    with app._wsgi_app.test_request_context():
        support.empty_own_queue()
        _admin, token = support.sysadmin_with_token()
    write_url = toolkit.config["ckan.datastore.write_url"]
    portal = support.LivePortal(token).start()
    headers = {"Authorization": token}

    def action(name, /, files=None, **data):
        url = f"{portal.url}/api/3/action/{name}"
        response = (requests.post(url, data=data, files=files, headers=headers, timeout=600) if files
                    else requests.post(url, json=data, headers=headers, timeout=600))
        body = response.json()
        if not body.get("success"):
            raise RuntimeError(f"{name}: {body.get('error')}")
        return body["result"]

    try:
        folder = tempfile.mkdtemp(prefix="provincial-bench-")
        path = os.path.join(folder, "population.csv")
        make_csv(path, args.rows)
        size_mb = os.path.getsize(path) / 1024 / 1024

        copy_seconds = plain_copy(path, write_url)

        org = action("organization_create", name=support.unique("bench"), title="สำนักงานสถิติจังหวัดปทุมธานี",
                     province_code="13", agency_kind="provincial_office", plan_coordinator="False")
        dataset = action("package_create", **support.dataset(owner_org=org["id"], resources=[]))
        started = time.perf_counter()
        with open(path, "rb") as handle:
            resource = action("resource_create", files={"upload": ("population.csv", handle)},
                              package_id=dataset["id"], name="population", format="CSV")
        status = support.wait_until(
            lambda: (lambda s: s if s.get("status") in ("complete", "error") else None)(
                action("xloader_status", resource_id=resource["id"])),
            timeout=1800, interval=0.2, what="xloader")
        xloader_seconds = time.perf_counter() - started
        if status["status"] != "complete":
            raise RuntimeError("xloader failed: " + json.dumps(status.get("error"), ensure_ascii=False))
        total = action("datastore_search", resource_id=resource["id"], limit=0)["total"]
        assert total == args.rows, (total, args.rows)

        search_ms = median_ms(lambda: action("datastore_search", resource_id=resource["id"],
                                             filters={"อำเภอ": "ลำลูกกา"}, limit=100), args.repeat)
        view = support.wait_until(
            lambda: [v for v in action("resource_view_list", id=resource["id"]) if v["view_type"] == "datatables_view"],
            what="table view")[0]
        page_url = f"{portal.url}/dataset/{dataset['name']}/resource/{resource['id']}/view/{view['id']}"

        def preview():
            requests.get(page_url, headers=headers, timeout=60).raise_for_status()
            requests.post(f"{portal.url}/datatables/ajax/{view['id']}", headers=headers, timeout=60,
                          data={"draw": "1", "start": "0", "length": "50", "search[value]": ""}).raise_for_status()

        preview_ms = median_ms(preview, args.repeat)
    finally:
        portal.stop()

    result = {
        "rows": args.rows,
        "file_mb": round(size_mb, 1),
        "plain_copy_s": round(copy_seconds, 2),
        "xloader_end_to_end_s": round(xloader_seconds, 2),
        "xloader_over_copy": round(xloader_seconds / copy_seconds, 1),
        "datastore_search_filter_median_ms": round(search_ms, 1),
        "table_preview_median_ms": round(preview_ms, 1),
        "repeat": args.repeat,
    }
    print(f"rows                         {result['rows']:>10,}   ({result['file_mb']} MB)")
    print(f"plain COPY                   {result['plain_copy_s']:>10.2f} s")
    print(f"xloader (upload → complete)  {result['xloader_end_to_end_s']:>10.2f} s   ratio {result['xloader_over_copy']}×")
    print(f"datastore_search + filter    {result['datastore_search_filter_median_ms']:>10.1f} ms median of {args.repeat}")
    print(f"table preview (page + data)  {result['table_preview_median_ms']:>10.1f} ms median of {args.repeat}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
