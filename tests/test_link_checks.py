"""Link checks on the real stack, against a local HTTP server: results, the gap, politeness, uploads, actions."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from bs4 import BeautifulSoup

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial.link_checks import checker, policy
from tests.gap_support import dataset, days_ago

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("plan_tables", "clean_index", "link_config")]

TIMEOUT = 0.5
DELAY = 0.25
BIG = 5_000_000


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.log: list[dict] = []
        self.toggle = 200
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, method: str):
        started = time.monotonic()
        path = self.path.split("?", 1)[0]
        status, headers, body = 200, {"Content-Type": "text/csv; charset=utf-8"}, b"a,b\n1,2\n"
        if path == "/missing":
            status, body = 404, b"no"
        elif path == "/slow":
            time.sleep(TIMEOUT * 4)
        elif path == "/moved":
            status, headers, body = 301, {"Location": "/ok.csv"}, b""
        elif path == "/loop-a":
            status, headers, body = 301, {"Location": "/loop-b"}, b""
        elif path == "/loop-b":
            status, headers, body = 302, {"Location": "/loop-a"}, b""
        elif path == "/nohead":
            if method == "HEAD":
                status, body = 405, b""
            else:
                headers = {"Content-Type": "application/zip"}
                wanted = self.headers.get("Range", "")
                if wanted.startswith("bytes=0-"):
                    end = int(wanted.split("-")[1])
                    status, body = 206, b"z" * (end + 1)
                    headers["Content-Range"] = f"bytes 0-{end}/{BIG}"
                else:
                    body = b"z" * BIG
        elif path == "/toggle":
            status = self.server.toggle
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        with self.server.lock:
            self.server.log.append({"host": self.headers.get("Host", ""), "path": path, "method": method,
                                    "range": self.headers.get("Range"), "agent": self.headers.get("User-Agent"),
                                    "start": started, "end": time.monotonic()})

    def do_HEAD(self):
        self._answer("HEAD")

    def do_GET(self):
        self._answer("GET")


@pytest.fixture
def server():
    httpd = Server()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.other = f"http://localhost:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def link_config(ckan_config, monkeypatch):
    for key, value in {"timeout": str(TIMEOUT), "host_delay": str(DELAY), "concurrency": 4,
                       "user_agent": "provincial-test-checker", "max_bytes": 512}.items():
        monkeypatch.setitem(ckan_config, "ckanext.provincial.link_checks." + key, value)
    return ckan_config


def link_dataset(agency, resources, **values):
    call_action("provincial_requirement_create", province_code="13", code=values.pop("code", "R-LINK"),
                title_th="ข้อมูลลิงก์")
    return dataset(agency["id"], province_code="13", requirement_codes=["R-LINK"], update_frequency_unit="ปี",
                   update_frequency_interval="1", last_updated_date=days_ago(5), data_format=["CSV"],
                   resources=resources, **values)


def run(pkg):
    return call_action("provincial_link_check_run", id=pkg["id"])


def gap_row(code="R-LINK"):
    result = call_action("provincial_gap_show", context={"user": "", "ignore_auth": False}, province_code="13")
    return {row["code"]: row for row in result["requirements"]}[code]


def test_results_of_each_kind_of_answer(server):
    agency = factories.Organization(name="pathum-links")
    names = ["ok.csv", "missing", "slow", "moved", "loop-a", "nohead"]
    pkg = link_dataset(agency, [{"name": name, "url": f"{server.base}/{name}", "format": "CSV"} for name in names])
    counts = run(pkg)
    assert counts["checked"] == 6 and counts["ok"] == 3 and counts["failed"] == 3 and counts["broken"] == 0
    ids = {resource["name"]: resource["id"] for resource in call_action("package_show", id=pkg["id"])["resources"]}

    def shown(name):
        return call_action("provincial_link_check_show", resource_id=ids[name])

    ok = shown("ok.csv")
    assert (ok["status_code"], ok["content_type"], ok["size"], ok["error"]) == (200, "text/csv", 8, None)
    assert ok["failures"] == 0 and ok["last_ok_at"] and not ok["broken"] and ok["current"]
    missing = shown("missing")
    assert (missing["status_code"], missing["failures"], missing["broken"]) == (404, 1, False)
    assert shown("slow")["error"] == policy.TIMEOUT and shown("slow")["status_code"] is None
    moved = shown("moved")
    assert (moved["status_code"], moved["content_type"], moved["error"]) == (200, "text/csv", None)
    assert shown("loop-a")["error"] == policy.REDIRECT_LOOP
    nohead = shown("nohead")
    assert (nohead["status_code"], nohead["content_type"], nohead["size"]) == (206, "application/zip", BIG)
    gets = [entry for entry in server.log if entry["path"] == "/nohead" and entry["method"] == "GET"]
    assert gets and all(entry["range"] == "bytes=0-511" for entry in gets)  # never the whole file
    assert {entry["agent"] for entry in server.log} == {"provincial-test-checker"}


def test_two_failures_in_a_row_make_the_dataset_incomplete_and_recovery_clears_it(server):
    agency = factories.Organization(name="pathum-toggle")
    pkg = link_dataset(agency, [{"name": "ตารางหลัก", "url": f"{server.base}/toggle", "format": "CSV"},
                                {"name": "สำรอง", "url": f"{server.base}/ok.csv", "format": "CSV"}])
    rid = call_action("package_show", id=pkg["id"])["resources"][0]["id"]
    assert run(pkg)["broken"] == 0 and gap_row()["status"] == "available"

    before = call_action("package_show", id=pkg["id"])["metadata_modified"]
    accessible = call_action("provincial_quality_show", id=pkg["id"])["dimensions"]["accessibility"]["score"]
    activities = len(call_action("package_activity_list", id=pkg["id"]))
    server.toggle = 404
    first = run(pkg)
    assert (first["failed"], first["broken"], first["reindexed"]) == (1, 0, 0)
    assert gap_row()["status"] == "available"  # one failure may be a passing outage
    assert call_action("provincial_link_broken_list")["count"] == 0

    second = run(pkg)
    assert (second["broken"], second["newly_broken"], second["reindexed"]) == (1, 1, 1)
    row = gap_row()
    assert row["status"] == "incomplete" and row["problems"] == [f"link:{rid}"]
    check = call_action("provincial_link_check_show", resource_id=rid)
    assert check["broken"] and check["failures"] == 2 and check["broken_since"]

    # The accessibility part of the metadata quality score (engineer Q's) drops.
    assert call_action("provincial_quality_show", id=pkg["id"])["dimensions"]["accessibility"]["score"] < accessible
    # Reindexed, not changed: no new metadata_modified, no activity.
    shown = call_action("package_show", id=pkg["id"])
    assert shown["metadata_modified"] == before
    assert len(call_action("package_activity_list", id=pkg["id"])) == activities
    # The key used at index time stays out of the dataset's own dictionary.
    assert "provincial_broken_links" not in shown
    found = call_action("package_search", q=f"id:{pkg['id']}")["results"][0]
    assert "provincial_broken_links" not in found

    listed = call_action("provincial_link_broken_list", province_code="13")
    assert listed["count"] == 1 and listed["by_agency"][0]["name"] == "pathum-toggle"
    link = listed["by_agency"][0]["links"][0]
    assert (link["resource_id"], link["resource_name"], link["status_code"], link["package_name"]) == (
        rid, "ตารางหลัก", 404, pkg["name"])
    assert call_action("provincial_link_broken_list", province_code="19")["count"] == 0

    server.toggle = 200
    third = run(pkg)
    assert (third["broken"], third["recovered"], third["reindexed"]) == (0, 1, 1)
    assert gap_row()["status"] == "available"
    assert call_action("provincial_link_broken_list")["count"] == 0


def test_a_changed_url_is_no_longer_broken(server):
    agency = factories.Organization(name="pathum-changed")
    pkg = link_dataset(agency, [{"name": "a", "url": f"{server.base}/missing", "format": "CSV"}])
    run(pkg)
    run(pkg)
    assert gap_row()["status"] == "incomplete"
    resource = call_action("package_show", id=pkg["id"])["resources"][0]
    call_action("resource_patch", id=resource["id"], url=f"{server.base}/ok.csv")
    assert gap_row()["status"] == "available"
    assert call_action("provincial_link_broken_list")["count"] == 0


def test_several_broken_links_in_one_dataset_index_fine(server):
    agency = factories.Organization(name="pathum-many")
    pkg = link_dataset(agency, [{"name": f"r{i}", "url": f"{server.base}/missing?{i}", "format": "CSV"}
                                for i in range(3)])
    run(pkg)
    assert run(pkg)["reindexed"] == 1
    assert len(gap_row()["problems"]) == 3
    assert call_action("package_search", q=f"id:{pkg['id']}")["count"] == 1


def test_per_host_politeness(server):
    agency = factories.Organization(name="pathum-polite")
    urls = [f"{base}/{path}" for base in (server.base, server.other)
            for path in ("ok.csv", "moved", "missing", "nohead", "ok.csv?2", "loop-a")]
    pkg = link_dataset(agency, [{"name": f"r{i}", "url": url, "format": "CSV"} for i, url in enumerate(urls)])
    assert run(pkg)["checked"] == len(urls)
    by_host: dict[str, list] = {}
    for entry in server.log:
        by_host.setdefault(entry["host"], []).append(entry)
    assert len(by_host) == 2
    for entries in by_host.values():
        entries.sort(key=lambda entry: entry["start"])
        assert len(entries) >= 9  # redirects, HEAD then GET: every hop went through the gate
        for before, after in zip(entries, entries[1:]):
            assert after["start"] >= before["end"], "two requests to one host at the same time"
            assert after["start"] - before["end"] >= DELAY - 0.02, "the delay between requests was not respected"


def test_uploads_are_skipped(server, tmp_path):
    agency = factories.Organization(name="pathum-upload")
    pkg = link_dataset(agency, [{"name": "link", "url": f"{server.base}/ok.csv", "format": "CSV"}])
    resource = call_action("resource_create", package_id=pkg["id"], name="upload", format="CSV",
                           url=f"{server.base}/upload-probe.csv", url_type="upload")
    assert resource["url_type"] == "upload"
    counts = run(pkg)
    assert counts["checked"] == 1 and counts["skipped_uploads"] == 1
    assert not [entry for entry in server.log if "upload-probe" in entry["path"]]
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("provincial_link_check_show", resource_id=resource["id"])


def test_broken_list_shows_only_datasets_the_user_may_see(server):
    agency = factories.Organization(name="pathum-private")
    member = factories.User(name="links-member")
    call_action("organization_member_create", id=agency["id"], username=member["name"], role="member")
    pkg = link_dataset(agency, [{"name": "a", "url": f"{server.base}/missing", "format": "CSV"}], private=True)
    run(pkg)
    run(pkg)
    anonymous = call_action("provincial_link_broken_list", context={"user": "", "ignore_auth": False})
    assert anonymous == {"count": 0, "by_agency": []}
    mine = call_action("provincial_link_broken_list", context={"user": member["name"], "ignore_auth": False})
    assert mine["count"] == 1 and mine["by_agency"][0]["title"] == agency["title"]
    with pytest.raises(toolkit.NotAuthorized):
        call_action("provincial_link_check_show", context={"user": "", "ignore_auth": False},
                    resource_id=pkg["resources"][0]["id"])


def test_run_is_for_sysadmins_and_names_bad_fields():
    user = factories.User()
    with pytest.raises(toolkit.NotAuthorized):
        call_action("provincial_link_check_run", context={"user": user["name"], "ignore_auth": False})
    for field, value in (("id", "no-such-dataset"), ("organization", "no-such-org"), ("province_code", "99"),
                         ("concurrency", "0"), ("concurrency", "abc")):
        with pytest.raises(toolkit.ValidationError) as raised:
            call_action("provincial_link_check_run", **{field: value})
        assert field in raised.value.error_dict


def test_checker_bounds_time_on_a_slow_host(server):
    settings = checker.Settings(concurrency=2, delay=0.0, timeout=TIMEOUT, max_bytes=64)
    started = time.monotonic()
    results = []
    checker.check_many([{"url": f"{server.base}/slow"}, {"url": f"{server.other}/ok.csv"}], settings,
                       lambda item, result: results.append((item["url"], result)))
    assert time.monotonic() - started < TIMEOUT * 3  # the slow host does not hold up the other
    assert {url.rsplit("/", 1)[1]: result["error"] for url, result in results} == {"slow": "timeout", "ok.csv": None}


def test_pages_show_the_broken_link(app, server):
    agency = factories.Organization(name="pathum-pages", title="สำนักงานหน้าเว็บ")
    pkg = link_dataset(agency, [{"name": "ตารางเสีย", "url": f"{server.base}/missing", "format": "CSV"},
                                {"name": "ตารางดี", "url": f"{server.base}/ok.csv", "format": "CSV"}])
    run(pkg)
    assert "provincial-link-broken" not in app.get(f"/dataset/{pkg['name']}").body  # one failure: no note
    run(pkg)

    dataset_page = BeautifulSoup(app.get(f"/en/dataset/{pkg['name']}").body, "html.parser")
    notes = dataset_page.select(".provincial-link-broken")
    assert len(notes) == 1 and notes[0].get_text().startswith("Link broken since")
    assert "(not found)" in notes[0]["title"]

    agency_page = BeautifulSoup(app.get(f"/organization/{agency['name']}").body, "html.parser")
    assert agency_page.select_one("[data-broken-links]")["data-broken-links"] == "1"
    assert agency_page.select_one(f"a[href$='/organization/{agency['name']}/links']")

    listing = BeautifulSoup(app.get(f"/en/organization/{agency['name']}/links").body, "html.parser")
    items = listing.select(".provincial-broken-link")
    assert len(items) == 1 and "ตารางเสีย" in items[0].get_text() and "HTTP 404" in items[0].get_text()
    province_page = BeautifulSoup(app.get("/links/13").body, "html.parser")
    assert [section["data-agency"] for section in province_page.select("section.provincial-broken-agency")] == [
        "pathum-pages"]
    assert app.get("/links/99", status=404) and app.get("/organization/no-such-org/links", status=404)

    gap_page = app.get("/en/gap/13").body
    assert "the link of resource “ตารางเสีย” is broken" in gap_page
    assert 'href="/en/links/13"' in gap_page


def test_command_checks_a_province_and_follows_the_schedule(cli, server, ckan_config, monkeypatch):
    import json

    from ckanext.provincial.cli import get_commands

    provincial = get_commands()[0]
    agency = factories.Organization(name="pathum-cli")
    link_dataset(agency, [{"name": "a", "url": f"{server.base}/ok.csv", "format": "CSV"}])
    other = factories.Organization(name="saraburi-cli")
    dataset(other["id"], province_code="19", resources=[{"name": "b", "url": f"{server.base}/missing", "format": "CSV"}])

    result = cli.invoke(provincial, ["links", "check", "--province", "13", "--concurrency", "2"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output.strip().splitlines()[-1])
    assert (counts["datasets"], counts["checked"], counts["ok"]) == (1, 1, 1)
    assert [entry["path"] for entry in server.log] == ["/ok.csv"]

    monkeypatch.setitem(ckan_config, "ckanext.provincial.link_checks.schedule", "off")
    skipped = cli.invoke(provincial, ["links", "check", "--scheduled"])
    assert skipped.exit_code == 0 and "not due" in skipped.output and len(server.log) == 1
    assert cli.invoke(provincial, ["links", "check", "--province", "99"]).exit_code != 0


def test_a_full_run_forgets_the_checks_of_deleted_resources(server):
    from ckanext.provincial.link_checks import store

    agency = factories.Organization(name="pathum-prune")
    pkg = link_dataset(agency, [{"name": "a", "url": f"{server.base}/ok.csv", "format": "CSV"},
                                {"name": "b", "url": f"{server.base}/missing", "format": "CSV"}])
    first, second = call_action("package_show", id=pkg["id"])["resources"]
    assert run(pkg)["checked"] == 2 and store.last_check(second["id"]) is not None
    call_action("resource_delete", id=second["id"])
    counts = call_action("provincial_link_check_run")
    assert (counts["checked"], counts["forgotten"]) == (1, 1)
    assert store.last_check(second["id"]) is None and store.last_check(first["id"]) is not None


HOSTILE = ["\x00", "\ud800", ["13"], {"a": 1}, 13, -1, True, None, "", "x" * 5000, "'; DROP TABLE provincial_link_check; --"]
HOSTILE_CALLS = {
    "provincial_link_check_run": {"id": "x", "organization": "x", "province_code": "96", "concurrency": 2},
    "provincial_link_check_show": {"resource_id": "x"},
    "provincial_link_broken_list": {"province_code": "13", "organization": "x"},
}


@pytest.mark.parametrize("action, key", [(a, k) for a, data in HOSTILE_CALLS.items() for k in data])
def test_hostile_parameters_get_a_clear_refusal(action, key):
    for value in HOSTILE:
        data = dict(HOSTILE_CALLS[action], **{key: value})
        for context in (None, {"user": "", "ignore_auth": False}):
            try:
                call_action(action, context, **data)
            except toolkit.ValidationError as error:
                assert error.error_dict, (action, key, value)
            except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
                pass
