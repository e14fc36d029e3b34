"""DataStore and its loader: Thai encodings, read-only SQL, private data, the real worker."""
from __future__ import annotations

import csv
import html
import io
import json
import os

import pytest
import requests

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from tests.ckan_session import call_action

from tests import datastore_support as support

pytestmark = pytest.mark.integration


GEOJSON = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "ศาลากลางจังหวัดปทุมธานี"},
     "geometry": {"type": "Point", "coordinates": [100.5276, 14.0208]}}]}

THAI_RECORDS = [
    {"อำเภอ": "เมืองปทุมธานี", "จำนวนประชากร": "12345"},
    {"อำเภอ": "คลองหลวง", "จำนวนประชากร": "67890"},
]


# ------------------------------------------------------------- encodings --


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "tis-620"])
def test_thai_csv_loads_with_correct_text_in_each_encoding(tmp_path, codec):
    org = support.organization()
    dataset = call_action("package_create", **support.dataset(owner_org=org["id"]))
    resource = call_action("resource_create", package_id=dataset["id"], url="http://example.invalid/pop.csv", format="CSV", name="ประชากร")
    path = tmp_path / "pop.csv"
    path.write_bytes(support.THAI_CSV.encode(codec))

    support.load_into_datastore(resource, str(path))

    result = call_action("datastore_search", resource_id=resource["id"], filters={"อำเภอ": "คลองหลวง"})
    assert [field["id"] for field in result["fields"]] == ["_id", "อำเภอ", "ตำบล", "จำนวนประชากร"]
    assert result["records"] == [{"_id": 2, "อำเภอ": "คลองหลวง", "ตำบล": "คลองหนึ่ง", "จำนวนประชากร": 67890}]
    assert call_action("datastore_search", resource_id=resource["id"])["total"] == 3


# ------------------------------------------------- read-only SQL endpoint --


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestSqlIsReadOnly:
    def test_select_works(self):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"]))
        resource = support.datastore_resource(dataset["id"], THAI_RECORDS)
        result = call_action("datastore_search_sql", sql=f'SELECT "อำเภอ" FROM "{resource["id"]}" ORDER BY _id')
        assert [row["อำเภอ"] for row in result["records"]] == ["เมืองปทุมธานี", "คลองหลวง"]

    @pytest.mark.parametrize("statement", [
        'INSERT INTO "{id}" ("อำเภอ") VALUES (\'x\')',
        'DELETE FROM "{id}"',
        'DROP TABLE "{id}"',
        'SELECT * FROM "{id}"; UPDATE "{id}" SET "อำเภอ" = \'x\'',
    ])
    def test_writes_are_refused_and_change_nothing(self, statement):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"]))
        resource = support.datastore_resource(dataset["id"], THAI_RECORDS)
        with pytest.raises((toolkit.ValidationError, toolkit.NotAuthorized)):
            call_action("datastore_search_sql", sql=statement.format(id=resource["id"]))
        assert call_action("datastore_search", resource_id=resource["id"])["total"] == 2

    def test_ckan_tables_are_out_of_reach(self):
        factories.User(name="someone")
        with pytest.raises((toolkit.ValidationError, toolkit.NotAuthorized)):
            call_action("datastore_search_sql", sql='SELECT name, password FROM "user"')

    def test_read_user_cannot_write_even_directly(self):
        import sqlalchemy as sa

        engine = sa.create_engine(toolkit.config["ckan.datastore.read_url"])
        with engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            connection.execute(sa.text("CREATE TABLE provincial_probe (a int)"))
        engine.dispose()


# ----------------------------------------------- private datasets (matrix) --


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestPrivateDataDoesNotLeak:
    @pytest.fixture
    def private(self):
        member = factories.User()
        stranger = factories.User()
        org = support.organization(users=[{"name": member["name"], "capacity": "member"}])
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"], private=True))
        resource = support.datastore_resource(dataset["id"], THAI_RECORDS)
        views = call_action("resource_view_list", id=resource["id"])
        return {"member": member, "stranger": stranger, "dataset": dataset, "resource": resource, "views": views}

    @pytest.mark.parametrize("who", ["anonymous", "stranger"])
    def test_actions_refuse_outsiders(self, private, who):
        context = {"user": "" if who == "anonymous" else private["stranger"]["name"], "ignore_auth": False}
        rid = private["resource"]["id"]
        with pytest.raises(toolkit.NotAuthorized):
            call_action("datastore_search", dict(context), resource_id=rid)
        with pytest.raises(toolkit.NotAuthorized):
            call_action("datastore_search_sql", dict(context), sql=f'SELECT * FROM "{rid}"')
        with pytest.raises(toolkit.NotAuthorized):
            call_action("datastore_info", dict(context), id=rid)

    def test_member_can_read(self, private):
        context = {"user": private["member"]["name"], "ignore_auth": False}
        rid = private["resource"]["id"]
        assert call_action("datastore_search", dict(context), resource_id=rid)["total"] == 2
        assert len(call_action("datastore_search_sql", dict(context), sql=f'SELECT * FROM "{rid}"')["records"]) == 2

    @pytest.mark.parametrize("who", ["anonymous", "stranger"])
    def test_web_routes_refuse_outsiders(self, app, private, who):
        headers = {}
        if who == "stranger":
            token = call_action("api_token_create", {"user": private["stranger"]["name"]},
                                user=private["stranger"]["name"], name="t")["token"]
            headers["Authorization"] = token
        rid = private["resource"]["id"]
        name = private["dataset"]["name"]
        api = app.get("/api/3/action/datastore_search", query_string={"resource_id": rid}, headers=headers)
        assert api.status_code == 403
        sql = app.get("/api/3/action/datastore_search_sql", query_string={"sql": f'SELECT * FROM "{rid}"'}, headers=headers)
        assert sql.status_code == 403
        dump = app.get(f"/datastore/dump/{rid}", headers=headers)
        assert dump.status_code in (403, 404)
        assert "คลองหลวง" not in dump.body
        for view in private["views"]:
            page = app.get(f"/dataset/{name}/resource/{rid}/view/{view['id']}", headers=headers)
            assert page.status_code in (403, 404)
            try:
                ajax = app.post(f"/datatables/ajax/{view['id']}", headers=headers,
                                data={"draw": "1", "start": "0", "length": "10", "search[value]": ""})
            except toolkit.NotAuthorized:
                continue  # CKAN's table endpoint lets the refusal through as an error: no rows either way
            assert ajax.status_code in (403, 404, 500)
            assert "คลองหลวง" not in ajax.body
        assert private["views"], "the private table got its default view"

    def test_private_rows_are_not_in_public_search_sql_of_another_table(self, private):
        org = support.organization()
        public = call_action("package_create", **support.dataset(owner_org=org["id"]))
        public_resource = support.datastore_resource(public["id"], [{"a": "1"}])
        anonymous = {"user": "", "ignore_auth": False}
        call_action("datastore_search_sql", dict(anonymous), sql=f'SELECT * FROM "{public_resource["id"]}"')
        join = (f'SELECT p.* FROM "{public_resource["id"]}" q, "{private["resource"]["id"]}" p')
        with pytest.raises(toolkit.NotAuthorized):
            call_action("datastore_search_sql", dict(anonymous), sql=join)


# ------------------------------- files added by package_update (in process) --

def queued() -> list[str]:
    """What is waiting in this site's queues: ``load and check <resource id>``, ``check <resource id>``..."""
    titles = [job["title"] or "" for job in call_action("job_list")]
    return sorted(t[len("provincial "):].replace(": resource", "") for t in titles if t.startswith("provincial "))


def upload(name: str, data: bytes):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), name)


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "with_request_context")
class TestFilesAddedByPackageUpdate:
    """No worker runs here: the queue shows what each action asked for, and only that."""

    @pytest.fixture(autouse=True)
    def storage(self, ckan_config, monkeypatch, tmp_path):
        monkeypatch.setitem(ckan_config, "ckan.storage_path", str(tmp_path))
        support.empty_own_queue()
        yield
        support.empty_own_queue()

    def empty_dataset(self) -> dict:
        dataset = call_action("package_create", **support.dataset(owner_org=support.organization()["id"], resources=[]))
        assert queued() == []
        return dataset

    def test_new_uploads_and_links_get_views_a_load_and_a_check(self):
        dataset = self.empty_dataset()
        site = toolkit.config["ckan.site_url"]
        updated = call_action("package_update", **dict(dataset, resources=[
            {"name": "ตาราง", "format": "CSV", "url": "pop.csv", "upload": upload("pop.csv", support.THAI_CSV.encode())},
            {"name": "รายงาน", "format": "PDF", "url": "http://example.invalid/report.pdf"},
            {"name": "ขอบเขต", "format": "GeoJSON", "url": site + "/files/area.geojson"},
            {"name": "ลิงก์", "format": "CSV", "url": "http://example.invalid/pop.csv"},
        ]))
        table, pdf, geo, link = updated["resources"]
        assert table["url_type"] == "upload"
        # One job a file; GeoJSON is checked (its structure) but not loaded into the DataStore.
        assert queued() == sorted([f"load and check {r['id']}" for r in (table, link)] + [f"check {geo['id']}"])
        assert [sorted(v["view_type"] for v in call_action("resource_view_list", id=r["id"]))
                for r in (table, pdf, geo, link)] == [[], ["provincial_pdf_view"], ["geojson_view"], []]

    def test_package_patch_adding_a_file_is_treated_the_same(self):
        dataset = self.empty_dataset()
        patched = call_action("package_patch", id=dataset["id"], resources=[
            {"name": "แผนที่", "format": "PNG", "url": "map.png", "upload": upload("map.png", b"\x89PNG\r\n")}])
        image = patched["resources"][0]
        assert [v["view_type"] for v in call_action("resource_view_list", id=image["id"])] == ["image_view"]
        assert queued() == []  # not a table: no load, no check

    def test_unchanged_resources_are_not_queued_again(self):
        dataset = self.empty_dataset()
        call_action("package_update", **dict(dataset, resources=[
            {"name": "ตาราง", "format": "CSV", "url": "pop.csv", "upload": upload("pop.csv", support.THAI_CSV.encode())},
            {"name": "รายงาน", "format": "PDF", "url": "http://example.invalid/report.pdf"}]))
        shown = call_action("package_show", id=dataset["id"])
        views = [call_action("resource_view_list", id=r["id"]) for r in shown["resources"]]
        support.empty_own_queue()

        call_action("package_update", **shown)
        call_action("package_patch", id=dataset["id"], notes="แก้คำอธิบาย")
        call_action("resource_patch", id=shown["resources"][1]["id"], description="คำอธิบายใหม่")
        assert queued() == []
        assert [call_action("resource_view_list", id=r["id"]) for r in shown["resources"]] == views

        # A changed link: one job that loads and checks it.
        table = shown["resources"][0]
        call_action("package_update", **dict(shown, resources=[
            dict(table, url="http://example.invalid/new.csv", url_type=""), shown["resources"][1]]))
        assert queued() == [f"load and check {table['id']}"]

    def test_resource_create_and_update_queue_each_job_once(self):
        dataset = self.empty_dataset()
        table = call_action("resource_create", package_id=dataset["id"], name="ตาราง", format="CSV",
                            url="pop.csv", upload=upload("pop.csv", support.THAI_CSV.encode()))
        pdf = call_action("resource_create", package_id=dataset["id"], name="รายงาน", format="PDF",
                          url="http://example.invalid/report.pdf")
        assert queued() == [f"load and check {table['id']}"]
        assert [v["view_type"] for v in call_action("resource_view_list", id=pdf["id"])] == ["provincial_pdf_view"]
        support.empty_own_queue()

        call_action("resource_update", **dict(table, url="http://example.invalid/new.csv", url_type=""))
        assert queued() == [f"load and check {table['id']}"]


# ------------------------------------------- through the real worker (e2e) --


def big_csv(path: str, megabytes: int) -> int:
    """A Thai CSV of about ``megabytes`` MB; returns its row count."""
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ลำดับ", "อำเภอ", "ตำบล", "จำนวน", "วันที่"])
        while handle.tell() < megabytes * 1024 * 1024:
            for _ in range(1000):
                rows += 1
                writer.writerow([rows, "เมืองปทุมธานี", f"บางปรอก {rows % 97}", rows * 7 % 100000, "2024-05-01"])
    return rows


class Portal:
    """Calls the live portal over HTTP with a sysadmin token."""

    def __init__(self, live: support.LivePortal, token: str, user: str = ""):
        self.live, self.token, self.user = live, token, user

    def action(self, name: str, /, files=None, **data):
        headers = {"Authorization": self.token}
        url = f"{self.live.url}/api/3/action/{name}"
        if files:
            response = requests.post(url, data=data, files=files, headers=headers, timeout=120)
        else:
            response = requests.post(url, json=data, headers=headers, timeout=60)
        body = response.json()
        if not body.get("success"):
            raise AssertionError(f"{name} failed: {body.get('error')}")
        return body["result"]

    def upload(self, dataset_id: str, filename: str, data: bytes, fmt: str) -> dict:
        return self.action("resource_create", files={"upload": (filename, io.BytesIO(data))},
                           package_id=dataset_id, name=filename, format=fmt)

    def page(self, path: str) -> str:
        response = requests.get(self.live.url + path, headers={"Authorization": self.token}, timeout=60)
        assert response.status_code == 200, (path, response.status_code)
        return response.text

    def load_state(self, resource_id: str) -> dict:
        try:
            return self.action("provincial_datastore_status", resource_id=resource_id)
        except AssertionError:
            return {}

    def wait_loaded(self, resource_id: str, timeout: float = 120) -> dict:
        return support.wait_until(
            lambda: (lambda s: s if s.get("status") in ("complete", "error") else None)(self.load_state(resource_id)),
            timeout=timeout, what=f"DataStore load of {resource_id}",
        )

    def view_types(self, resource_id: str) -> list[str]:
        return sorted(view["view_type"] for view in self.action("resource_view_list", id=resource_id))

    def wait_checked(self, resource_id: str, timeout: float = 120) -> dict:
        def done():
            try:
                report = self.action("provincial_validation_show", resource_id=resource_id)
            except AssertionError:
                return None
            return report if report["status"] != "pending" else None

        return support.wait_until(done, timeout=timeout, what=f"validation of {resource_id}")


@pytest.fixture(scope="class")
def portal(reset_db, reset_index):
    reset_db()
    reset_index()
    support.empty_own_queue()
    admin, token = support.sysadmin_with_token()
    live = support.LivePortal(token).start()
    try:
        yield Portal(live, token, admin["name"])
    finally:
        live.stop()


@pytest.fixture(scope="class")
def portal_dataset(portal):
    org = portal.action("organization_create", name=support.unique("org"), title="สำนักงานสถิติจังหวัดปทุมธานี")
    return portal.action("package_create", **support.dataset(owner_org=org["id"]))


@pytest.mark.usefixtures("with_plugins")
class TestThroughTheWorker:
    def test_thai_upload_is_loaded_searchable_and_previewed(self, portal, portal_dataset):
        resource = portal.upload(portal_dataset["id"], "ประชากร.csv", support.THAI_CSV.encode("tis-620"), "CSV")

        status = portal.wait_loaded(resource["id"])
        assert status["status"] == "complete", portal.live.log("worker")
        found = portal.action("datastore_search", resource_id=resource["id"], filters={"อำเภอ": "ธัญบุรี"})
        assert found["records"][0]["ตำบล"] == "ประชาธิปัตย์"

        views = support.wait_until(
            lambda: [v for v in portal.action("resource_view_list", id=resource["id"]) if v["view_type"] == "datatables_view"],
            what="the table view")
        page = portal.page(f"/dataset/{portal_dataset['name']}/resource/{resource['id']}/view/{views[0]['id']}")
        assert "จำนวนประชากร" in page
        rows = requests.post(f"{portal.live.url}/datatables/ajax/{views[0]['id']}",
                             data={"draw": "1", "start": "0", "length": "10", "search[value]": ""},
                             headers={"Authorization": portal.token}, timeout=60).json()
        assert rows["recordsTotal"] == 3
        assert any("ธัญบุรี" in json.dumps(row, ensure_ascii=False) for row in rows["data"])

        report = portal.wait_checked(resource["id"])
        assert report["status"] == "success" and report["encoding"] == "cp874"
        shown = portal.action("resource_show", id=resource["id"])
        assert shown["validation_status"] == "success" and shown["datastore_active"] is True
        assert portal.live.alive("worker")

    @pytest.mark.parametrize("case", ["empty", "binary", "broken-xlsx", "formula"])
    def test_bad_input_gets_a_clear_status_and_the_worker_keeps_running(self, portal, portal_dataset, case):
        filename, data, fmt, expected_code = {
            "empty": ("ว่าง.csv", b"", "CSV", "empty-file"),
            "binary": ("รูป.csv", bytes(range(256)) * 64, "CSV", "binary-file"),
            "broken-xlsx": ("เสีย.xlsx", b"PK\x03\x04 not really a workbook" * 10, "XLSX", "format-error"),
            "formula": ("สูตร.csv", "อำเภอ,จำนวน\nเมือง,=HYPERLINK(\"http://x\")\n".encode(), "CSV", "formula-cell"),
        }[case]
        resource = portal.upload(portal_dataset["id"], filename, data, fmt)

        report = portal.wait_checked(resource["id"])
        assert expected_code in report["errors_by_code"], report
        assert report["status"] == ("failure" if case == "formula" else "error")
        page = portal.page(f"/dataset/{portal_dataset['name']}/resource/{resource['id']}")
        assert f'data-error-code="{expected_code}"' in page
        assert report["errors"][0]["message"] in html.unescape(page)
        loaded = portal.wait_loaded(resource["id"])
        if case != "formula":
            assert loaded["status"] == "error"
        assert portal.live.alive("worker")

        # Nothing is blocked: the next good upload still loads.
        good = portal.upload(portal_dataset["id"], "ดี.csv", support.THAI_CSV.encode(), "CSV")
        assert portal.wait_loaded(good["id"])["status"] == "complete"

    def test_files_added_by_package_update_are_loaded_previewed_and_checked(self, portal):
        org = portal.action("organization_create", name=support.unique("org"), title="สำนักงานจังหวัด")
        dataset = portal.action("package_create", **support.dataset(owner_org=org["id"], resources=[]))
        files = [("ประชากร.csv", support.THAI_CSV.encode("tis-620"), "CSV"),
                 ("ขอบเขต.geojson", json.dumps(GEOJSON, ensure_ascii=False).encode(), "GeoJSON"),
                 ("รายงาน.pdf", b"%PDF-1.4\n%%EOF\n", "PDF")]
        # Uploads through package_update, as a script on the server (the demo loader) makes them.
        updated = portal.live.local_action(portal.user, "package_update", dict(
            dataset, resources=[{"name": name, "format": fmt, "url": name} for name, _data, fmt in files]),
            uploads={index: (name, data) for index, (name, data, _fmt) in enumerate(files)})
        table, geo, pdf = updated["resources"]
        assert table["url_type"] == "upload"

        assert portal.wait_loaded(table["id"])["status"] == "complete", portal.live.log("worker")
        found = portal.action("datastore_search", resource_id=table["id"], filters={"อำเภอ": "ธัญบุรี"})
        assert found["records"][0]["ตำบล"] == "ประชาธิปัตย์"
        assert support.wait_until(lambda: "datatables_view" in portal.view_types(table["id"]), what="the table view",
                                  log=lambda: portal.live.log("worker"))
        assert portal.view_types(geo["id"]) == ["geojson_view"]
        assert portal.view_types(pdf["id"]) == ["provincial_pdf_view"]
        report = portal.wait_checked(table["id"])
        assert report["status"] == "success" and report["encoding"] == "cp874"
        assert portal.wait_checked(geo["id"])["status"] == "success", portal.live.log("worker")

        # A link added by package_update over the API is loaded and checked too.
        link = f"{portal.live.url}/dataset/{dataset['name']}/resource/{table['id']}/download/{table['url'].rsplit('/', 1)[-1]}"
        shown = portal.action("package_show", id=dataset["id"])
        shown = portal.action("package_update", **dict(shown, resources=shown["resources"] + [
            {"name": "ลิงก์", "format": "CSV", "url": link}]))
        linked = shown["resources"][-1]
        assert portal.wait_loaded(linked["id"])["status"] == "complete", portal.live.log("worker")
        assert portal.action("datastore_search", resource_id=linked["id"])["total"] == 3
        assert portal.wait_checked(linked["id"])["status"] == "success"

        # The same resources again: nothing is queued a second time.
        loads = {r["id"]: portal.load_state(r["id"]) for r in (table, linked)}
        checks = {r["id"]: portal.wait_checked(r["id"])["checked_at"] for r in (table, linked)}
        views = {r["id"]: portal.view_types(r["id"]) for r in (table, geo, pdf, linked)}
        portal.action("package_update", **portal.action("package_show", id=dataset["id"]))
        portal.action("package_patch", id=dataset["id"], notes="แก้คำอธิบาย")
        for resource_id, before in loads.items():
            after = portal.load_state(resource_id)
            assert (after["status"], after["last_updated"]) == (before["status"], before["last_updated"])
            report = portal.action("provincial_validation_show", resource_id=resource_id)
            assert (report["status"], report["checked_at"]) == ("success", checks[resource_id])
        assert {r: portal.view_types(r) for r in views} == views

        # A replaced upload is loaded and checked again.
        shown = portal.action("package_show", id=dataset["id"])
        broken = "อำเภอ,ตำบล,จำนวนประชากร\nเมืองปทุมธานี,บางปรอก\n".encode()
        replaced = dict(shown["resources"][0], url="ประชากร.csv")
        portal.live.local_action(portal.user, "package_update", dict(shown, resources=[replaced] + shown["resources"][1:]),
                                 uploads={0: ("ประชากร.csv", broken)})
        support.wait_until(lambda: (lambda state: state.get("status") in ("complete", "error")
                                    and state.get("last_updated") != loads[table["id"]]["last_updated"])(
            portal.load_state(table["id"])), what="the replaced table loaded")
        assert portal.action("datastore_search", resource_id=table["id"])["total"] == 1
        report = support.wait_until(lambda: (lambda r: r if r.get("checked_at") != checks[table["id"]]
                                             and r["status"] != "pending" else None)(
            portal.action("provincial_validation_show", resource_id=table["id"])), what="the new check")
        assert report["status"] == "failure" and "missing-cell" in report["errors_by_code"]
        assert portal.live.alive("worker")

    def test_50_mb_csv_loads_and_is_checked(self, portal, portal_dataset, tmp_path):
        path = str(tmp_path / "ใหญ่.csv")
        rows = big_csv(path, 50)
        assert os.path.getsize(path) >= 50 * 1024 * 1024
        with open(path, "rb") as handle:
            resource = portal.upload(portal_dataset["id"], "ใหญ่.csv", handle.read(), "CSV")

        assert portal.wait_loaded(resource["id"], timeout=400)["status"] == "complete", portal.live.log("worker")
        assert portal.action("datastore_search", resource_id=resource["id"], limit=1)["total"] == rows
        report = portal.wait_checked(resource["id"], timeout=400)
        assert report["status"] == "success" and report["rows_checked"] == rows
        page = portal.page(f"/dataset/{portal_dataset['name']}/resource/{resource['id']}")
        assert 'data-validation-status="success"' in page
        assert portal.live.alive("worker")
