"""DataStore benchmark: the portal's loader against a plain PostgreSQL COPY, the worker's memory, search and preview.

Generates one Thai CSV shaped like what agencies publish (200,000 rows by
default, 12.9 MiB: long Thai headers with brackets and dots such as
``ปี พ.ศ.``, integers with comma groups in quotes such as ``"12,345"``, a
Buddhist-era date ``19/05/2566``, a text column) and in one run times:

(a) a plain ``COPY ... FROM STDIN`` of the file into a table of text columns in
    the same DataStore database: the floor of any loader;
(b) the loader alone, in this process: ``loading.datastore.load_table`` on a
    resource, with the time of each of its steps;
(c) end to end: the file uploaded through the API of a live portal
    (``ckan run`` + ``ckan provincial worker``) until
    ``provincial_datastore_status`` says ``complete``, then until the content
    check's report is in; the worker's ``load step`` log lines give the time
    of the insert and of the index there;
(d) the peak memory (VmHWM) of the worker's work horse while it loads and
    checks a CSV of about 200 MB made the same way (``--skip-big`` leaves it
    out; ``--big-mb`` sets its size, which must stay under
    ``ckanext.provincial.validation.max_bytes``, 200 MiB by default);

then the median time of ``datastore_search`` with a filter and of the table
preview (the view page plus the first page of its data), over HTTP.

Run it on the local stack with databases of its own (``CKAN_*`` variables
override test.ini, for this process and the portal it starts):

    bash stack/stack.sh createdb ckan_bench
    bash stack/stack.sh datastore-db datastore_bench ckan_bench
    export CKAN_SQLALCHEMY_URL=postgresql://ckan:ckan@127.0.0.1:5439/ckan_bench
    export CKAN_DATASTORE_WRITE_URL=postgresql://ckan:ckan@127.0.0.1:5439/datastore_bench
    export CKAN_DATASTORE_READ_URL=postgresql://datastore_ro:datastore_ro@127.0.0.1:5439/datastore_bench
    export CKAN_SITE_ID=bench CKAN_STORAGE_PATH=/tmp/storage-bench
    .venv/bin/python bench/datastore.py [--rows 200000] [--repeat 30] [--big-mb 200] [--skip-big]

(a separate Redis database, ``CKAN_REDIS_URL=redis://127.0.0.1:6389/N``,
keeps its jobs away from another portal of the same site id.) The bench's
dataset is purged at the end; the database is reusable.
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DISTRICTS = ["เมืองปทุมธานี", "คลองหลวง", "ธัญบุรี", "หนองเสือ", "ลาดหลุมแก้ว", "ลำลูกกา", "สามโคก"]
HEADERS = ["ลำดับ", "ปี พ.ศ.", "อำเภอ", "จำนวนประชากรที่มีชื่ออยู่ในทะเบียนบ้าน (คน)",
           "จำนวนครัวเรือน (หลังคาเรือน)", "วันที่สำรวจ (วัน/เดือน/ปี พ.ศ.)"]
DISTRICT_HEADER = "อำเภอ"
# Bytes of one row of make_csv with millions of rows, near enough to size the big file.
ROW_BYTES = 70
LOADER_LOGGER = "ckanext.provincial.loading"
STEP_LINE = re.compile(r"load step (.+?): ([0-9.]+) s")


def make_csv(path: str, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)  # quotes the cells with a comma: "12,345"
        writer.writerow(HEADERS)
        for number in range(1, rows + 1):
            writer.writerow([
                number,
                2565 + number % 3,
                DISTRICTS[number % 7],
                f"{number * 37 % 100000:,}",
                f"{number * 13 % 40000:,}",
                f"{number % 28 + 1:02d}/{number % 12 + 1:02d}/{2565 + number % 3}",
            ])


def plain_copy(path: str, write_url: str) -> float:
    import psycopg2

    connection = psycopg2.connect(write_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute('DROP TABLE IF EXISTS "bench_plain_copy"')
            columns = ", ".join(f'"{header}" text' for header in HEADERS)
            cursor.execute(f'CREATE TABLE "bench_plain_copy" ({columns})')
            connection.commit()
            started = time.perf_counter()
            with open(path, "rb") as handle:
                cursor.copy_expert('COPY "bench_plain_copy" FROM STDIN WITH (FORMAT csv, HEADER true)', handle)
            connection.commit()
            elapsed = time.perf_counter() - started
            cursor.execute('DROP TABLE "bench_plain_copy"')
            connection.commit()
        return elapsed
    finally:
        connection.close()


class StepClock:
    """Times the loader's steps in this process: its module functions wrapped
    for the duration, and its own ``load step`` log lines (DEBUG)."""

    STEPS = [("open_source", "read the headers"), ("stage", "COPY into the staging table"),
             ("take_out_footnotes", "footnotes"), ("take_out_blank_rows", "blank rows"),
             ("decide_types", "decide the column types"), ("replace_table", "datastore_create + fill"),
             ("fill_table", "fill: insert + index + ANALYZE")]

    def __init__(self, module):
        self.module, self.seconds, self.logged, self._saved = module, {}, [], {}
        self.kinds: dict[str, str] = {}

    def __enter__(self) -> "StepClock":
        for name, _label in self.STEPS:
            original = self._saved[name] = getattr(self.module, name)
            setattr(self.module, name, self._timed(name, original))
        clock = self

        class Lines(logging.Handler):
            def emit(self, record):
                found = STEP_LINE.search(record.getMessage())
                if found:
                    clock.logged.append((found.group(1), float(found.group(2))))

        self._handler = Lines()
        self._logger = logging.getLogger(LOADER_LOGGER)
        self._level, self._propagate = self._logger.level, self._logger.propagate
        self._logger.setLevel(logging.DEBUG)
        self._logger.propagate = False
        self._logger.addHandler(self._handler)
        return self

    def __exit__(self, *exc) -> None:
        for name, original in self._saved.items():
            setattr(self.module, name, original)
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._level)
        self._logger.propagate = self._propagate

    def _timed(self, name, original):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        return timed

    def lines(self) -> list[tuple[str, float]]:
        lines = [(label, self.seconds[name]) for name, label in self.STEPS if name in self.seconds]
        if "replace_table" in self.seconds and "fill_table" in self.seconds:
            lines.append(("datastore_create (replace - fill)", self.seconds["replace_table"] - self.seconds["fill_table"]))
        lines += [(f"fill: {what} (log)", seconds) for what, seconds in named(self.logged, self.kinds)]
        return lines


class PeakMemory(threading.Thread):
    """Polls the worker's children (its work horses) for their peak resident
    memory, VmHWM, which the kernel keeps between polls."""

    def __init__(self, worker_pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        import psutil

        self.worker = psutil.Process(worker_pid)
        self.before = {child.pid for child in self.worker.children(recursive=True)}
        self.interval, self.peak_kb, self.horses = interval, 0, set()
        self.worker_rss_kb = self.worker.memory_info().rss // 1024
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            time.sleep(self.interval)

    def sample(self) -> None:
        for child in self.worker.children(recursive=True):
            if child.pid in self.before:
                continue
            try:
                with open(f"/proc/{child.pid}/status", encoding="ascii") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                            self.horses.add(child.pid)
            except (FileNotFoundError, ProcessLookupError):
                pass

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_kb


def index_kinds(write_url: str, resource_id: str) -> dict[str, str]:
    """Index name -> what it indexes (``gin (_full_text)``), for the loader's ``index <name>`` lines."""
    import psycopg2

    connection = psycopg2.connect(write_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s",
                           (resource_id,))
            return {name: definition.split(" USING ", 1)[-1] for name, definition in cursor.fetchall()}
    finally:
        connection.close()


def named(steps: list[tuple[str, float]], kinds: dict[str, str]) -> list[tuple[str, float]]:
    return [(f"index {kinds.get(what[6:], what[6:])}" if what.startswith("index ") else what, seconds)
            for what, seconds in steps]


def median_ms(call, repeat: int) -> float:
    call()  # warm up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def ckan_command(ini: str, *args: str) -> None:
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", ini, *args],
                   check=True, capture_output=True)


def debug_loader_log(ini: str) -> None:
    """The portal's config with the loader's logger at DEBUG (its ``load step`` lines)."""
    with open(ini, encoding="utf-8") as handle:
        text = handle.read()
    text = text.replace("[loggers]\nkeys = root\n", "[loggers]\nkeys = root, loader\n")
    text += f"\n[logger_loader]\nlevel = DEBUG\nhandlers =\nqualname = {LOADER_LOGGER}\n"
    with open(ini, "w", encoding="utf-8") as handle:
        handle.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--big-mb", type=float, default=200, help="size of the big CSV, in MB (10^6 bytes)")
    parser.add_argument("--skip-big", action="store_true", help="leave out (d), the worker's memory on a big CSV")
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    args = parser.parse_args()

    ckan_command(args.ini, "db", "init")
    ckan_command(args.ini, "db", "upgrade", "-p", "provincial")

    import requests

    # The project's tests package, before CKAN's start-up can bind the name "tests".
    from tests import datastore_support as support
    from tests import live_portal
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    config = load_config(args.ini)
    app = make_app(config)
    import ckan.plugins.toolkit as toolkit
    from ckanext.provincial.loading import datastore as loader

    folder = tempfile.mkdtemp(prefix="provincial-bench-")
    path = os.path.join(folder, "population.csv")
    make_csv(path, args.rows)
    size_mib = os.path.getsize(path) / 2**20
    write_url = toolkit.config["ckan.datastore.write_url"]

    # (a) the floor: plain COPY of the same file.
    copy_seconds = plain_copy(path, write_url)

    # (b) the loader alone, in this process, on a resource of the bench's dataset.
    with app._wsgi_app.test_request_context():
        support.empty_own_queue()
        admin, token = support.sysadmin_with_token()
        as_admin = {"user": admin["name"]}
        org = toolkit.get_action("organization_create")(dict(as_admin), {
            "name": support.unique("bench"), "title": "สำนักงานสถิติจังหวัดปทุมธานี",
            "province_code": "13", "agency_kind": "provincial_office", "plan_coordinator": "False"})
        dataset = toolkit.get_action("package_create")(dict(as_admin), support.dataset(
            owner_org=org["id"], resources=[{"name": "population (in-process)", "format": "CSV",
                                             "url": "https://example.org/population.csv"}]))
        # The link's job would race the in-process load: not queued for the worker.
        support.empty_own_queue()
        in_process = dataset["resources"][0]
        with StepClock(loader) as clock:
            started = time.perf_counter()
            report = loader.load_table(in_process["id"], path, "csv")
            loader_seconds = time.perf_counter() - started
        assert report["rows"] == args.rows, (report["rows"], args.rows)
        clock.kinds = index_kinds(write_url, in_process["id"])
        loader_columns = report["columns"]

    portal = live_portal.LivePortal("bench-datastore", {"ckan.max_resource_size": "1024"}, level="INFO")
    debug_loader_log(portal.ini)
    headers = {"Authorization": token}

    def action(name, /, files=None, **data):
        url = f"{portal.url}/api/3/action/{name}"
        response = (requests.post(url, data=data, files=files, headers=headers, timeout=1800) if files
                    else requests.post(url, json=data, headers=headers, timeout=600))
        body = response.json()
        if not body.get("success"):
            raise RuntimeError(f"{name}: {body.get('error')}")
        return body["result"]

    def optional(name, **data):
        try:
            return action(name, **data)
        except RuntimeError:
            return None

    def upload(file_path: str, name: str, timeout: float, memory: PeakMemory | None = None) -> dict:
        """Upload the file as a new resource; the times until loaded and until checked."""
        log_start = os.path.getsize(portal.logs["worker"])
        started = time.perf_counter()
        with open(file_path, "rb") as handle:
            resource = action("resource_create", files={"upload": (os.path.basename(file_path), handle)},
                              package_id=dataset["id"], name=name, format="CSV")
        uploaded = time.perf_counter() - started
        status = support.wait_until(
            lambda: (lambda s: s if s and s.get("status") in ("complete", "error") else None)(
                optional("provincial_datastore_status", resource_id=resource["id"])),
            timeout=timeout, interval=0.2, what="provincial_datastore_status")
        loaded = time.perf_counter() - started
        peak_load = memory.peak_kb if memory else 0
        if status["status"] != "complete":
            raise RuntimeError("the load failed: " + json.dumps(status.get("error"), ensure_ascii=False))
        check = support.wait_until(
            lambda: (lambda r: r if r and r.get("status") != "pending" else None)(
                optional("provincial_validation_show", resource_id=resource["id"])),
            timeout=timeout, interval=0.2, what="the content check")
        checked = time.perf_counter() - started
        with open(portal.logs["worker"], encoding="utf-8", errors="replace") as handle:
            handle.seek(log_start)
            steps = [(m.group(1), float(m.group(2))) for m in map(STEP_LINE.search, handle) if m]
        return {"resource": resource, "status": status, "check": check, "uploaded": uploaded,
                "loaded": loaded, "checked": checked, "steps": steps, "peak_load_kb": peak_load}

    big = None
    try:
        portal.launch()
        portal.spawn("worker", "provincial", "worker")
        portal.wait_ready()

        # (c) end to end through the live portal and its worker.
        end_to_end = upload(path, "population", timeout=1800)
        resource = end_to_end["resource"]
        total = action("datastore_search", resource_id=resource["id"], limit=0)["total"]
        assert total == args.rows, (total, args.rows)
        fields = action("datastore_search", resource_id=resource["id"], limit=0)["fields"]
        end_to_end["steps"] = named(end_to_end["steps"], index_kinds(write_url, resource["id"]))
        district = next(f["id"] for f in fields if (f.get("info") or {}).get("label") == DISTRICT_HEADER)

        search_ms = median_ms(lambda: action("datastore_search", resource_id=resource["id"],
                                             filters={district: "ลำลูกกา"}, limit=100), args.repeat)
        view = support.wait_until(
            lambda: [v for v in action("resource_view_list", id=resource["id"]) if v["view_type"] == "datatables_view"],
            what="table view")[0]
        page_url = f"{portal.url}/dataset/{dataset['name']}/resource/{resource['id']}/view/{view['id']}"

        def preview():
            requests.get(page_url, headers=headers, timeout=60).raise_for_status()
            requests.post(f"{portal.url}/datatables/ajax/{view['id']}", headers=headers, timeout=60,
                          data={"draw": "1", "start": "0", "length": "50", "search[value]": ""}).raise_for_status()

        preview_ms = median_ms(preview, args.repeat)

        # (d) the work horse's peak memory on a big file.
        if not args.skip_big:
            big_rows = int(args.big_mb * 1e6 / ROW_BYTES)
            big_path = os.path.join(folder, "population-big.csv")
            make_csv(big_path, big_rows)
            memory = PeakMemory(portal.processes["worker"].pid)
            memory.start()
            try:
                big = upload(big_path, "population (big)", timeout=3600, memory=memory)
            finally:
                memory.stop()
            big["steps"] = named(big["steps"], index_kinds(write_url, big["resource"]["id"]))
            big.update(rows=big_rows, mb=os.path.getsize(big_path) / 1e6, peak_kb=memory.peak_kb,
                       worker_rss_kb=memory.worker_rss_kb, horses=len(memory.horses))
            os.unlink(big_path)
            assert big["status"]["rows"] == big_rows, (big["status"]["rows"], big_rows)
    finally:
        portal.stop()
        with app._wsgi_app.test_request_context():
            from ckan.lib import uploader

            for item in toolkit.get_action("package_show")({"ignore_auth": True}, {"id": dataset["id"]})["resources"]:
                if item.get("url_type") == "upload":  # the portal's copy of the file, in the shared storage
                    stored = uploader.get_resource_uploader(item).get_path(item["id"])
                    if os.path.exists(stored):
                        os.unlink(stored)
                # The DataStore drops the resource's table with it.
                toolkit.get_action("resource_delete")({"ignore_auth": True}, {"id": item["id"]})
            toolkit.get_action("dataset_purge")({"ignore_auth": True}, {"id": dataset["id"]})
            support.empty_own_queue()
        os.unlink(path)
        os.rmdir(folder)

    e2e = end_to_end["loaded"]
    status = end_to_end["status"]

    def step(label: str, seconds: float, unit: str = "s") -> None:
        print(f"      {label:40} {seconds:8.2f} {unit}")

    print(f"rows                          {args.rows:>10,}   ({size_mib:.1f} MiB, {len(HEADERS)} columns: "
          + ", ".join(f"{c['label']} {c['type']}" for c in loader_columns) + ")")
    print(f"(a) plain COPY                {copy_seconds:>10.2f} s")
    print(f"(b) loader in-process         {loader_seconds:>10.2f} s   (b)/(a) {loader_seconds / copy_seconds:.1f}×")
    for label, seconds in clock.lines():
        step(label, seconds)
    print(f"(c) upload → load complete    {e2e:>10.2f} s   (c)/(a) {e2e / copy_seconds:.1f}×")
    step("upload (resource_create answered)", end_to_end["uploaded"])
    step("loader in the worker (its report)", status.get("seconds") or 0)
    for what, seconds in end_to_end["steps"]:
        step(f"fill: {what} (log)", seconds)
    step(f"upload → content check done ({end_to_end['check'].get('status')}, "
         f"{end_to_end['check'].get('rows_checked')} rows)", end_to_end["checked"])
    if big:
        print(f"(d) big CSV {big['rows']:,} rows, {big['mb']:.0f} MB, through the live portal:")
        step("upload (resource_create answered)", big["uploaded"])
        step("upload → load complete", big["loaded"])
        step("loader in the worker (its report)", big["status"].get("seconds") or 0)
        for what, seconds in big["steps"]:
            step(f"fill: {what} (log)", seconds)
        step(f"upload → content check done ({big['check'].get('status')}, "
             f"{big['check'].get('rows_checked')} rows)", big["checked"])
        step("worker process RSS before the job", big["worker_rss_kb"] / 1024, "MiB")
        step("work horse peak RSS (VmHWM), load", big["peak_load_kb"] / 1024, "MiB")
        step("work horse peak RSS (VmHWM), whole job", big["peak_kb"] / 1024, "MiB")
    print(f"datastore_search + filter     {search_ms:>10.1f} ms median of {args.repeat}")
    print(f"table preview (page + data)   {preview_ms:>10.1f} ms median of {args.repeat}")
    result = {
        "rows": args.rows, "file_mib": round(size_mib, 1), "plain_copy_s": round(copy_seconds, 2),
        "loader_in_process_s": round(loader_seconds, 2), "loader_over_copy": round(loader_seconds / copy_seconds, 1),
        "loader_steps_s": {label: round(seconds, 3) for label, seconds in clock.lines()},
        "end_to_end_s": round(e2e, 2), "end_to_end_over_copy": round(e2e / copy_seconds, 1),
        "end_to_end_checked_s": round(end_to_end["checked"], 2),
        "worker_loader_s": status.get("seconds"),
        "datastore_search_filter_median_ms": round(search_ms, 1),
        "table_preview_median_ms": round(preview_ms, 1), "repeat": args.repeat,
    }
    if big:
        result.update(big_rows=big["rows"], big_mb=round(big["mb"], 1), big_load_s=round(big["loaded"], 1),
                      big_checked_s=round(big["checked"], 1), big_loader_s=big["status"].get("seconds"),
                      worker_rss_mib=round(big["worker_rss_kb"] / 1024), horse_peak_load_mib=round(big["peak_load_kb"] / 1024),
                      horse_peak_job_mib=round(big["peak_kb"] / 1024))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
