"""Content validation: the Frictionless checks (pure), the job, the action, the gap link."""
from __future__ import annotations

import html
import json
import os

import pytest

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.provincial.validation import content, encoding, messages
from tests import datastore_support as support
from tests.gap_support import plan_tables  # noqa: F401  (fixture)

THAI_ROWS = [["อำเภอ", "ตำบล", "จำนวนประชากร"], ["เมืองปทุมธานี", "บางปรอก", "12345"], ["คลองหลวง", "คลองหนึ่ง", "67890"]]


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def csv_text(rows) -> str:
    return "".join(",".join(row) + "\n" for row in rows)


# ---------------------------------------------------------------- encodings --


@pytest.mark.parametrize(
    "codec, expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("tis-620", "cp874"), ("cp874", "cp874")],
)
def test_thai_encodings_are_detected(codec, expected):
    sample = csv_text(THAI_ROWS).encode(codec)
    found = encoding.detect_encoding(sample)
    assert found == {"encoding": expected, "confidence": 1.0}
    assert sample.decode(found["encoding"]).splitlines()[1].startswith("เมืองปทุมธานี")


def test_utf8_cut_in_the_middle_of_a_character_is_still_utf8():
    sample = "ปทุมธานี".encode("utf-8")[:-1]
    assert encoding.detect_encoding(sample)["encoding"] == "utf-8"


def test_latin_text_is_left_to_chardet():
    found = encoding.detect_encoding("café,naïve\n1,2\n".encode("latin-1") * 20)
    assert found["encoding"] not in ("cp874", "utf-8")


def test_binary_sample_is_recognised():
    assert encoding.is_binary(bytes(range(256)) * 10)
    assert not encoding.is_binary(csv_text(THAI_ROWS).encode("tis-620"))


def test_xloader_detector_answers_thai_and_defers_otherwise(tmp_path):
    calls = []

    def original(path):
        calls.append(path)
        return {"encoding": "ascii", "confidence": 0.5}

    detect = encoding.xloader_detector(original)
    assert detect(write(tmp_path, "t.csv", csv_text(THAI_ROWS).encode("cp874")))["encoding"] == "cp874"
    assert calls == []
    assert detect(write(tmp_path, "b.bin", bytes(range(256)) * 4))["encoding"] == "ascii"
    assert len(calls) == 1


# ------------------------------------------------------------ content checks --


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "cp874"])
def test_thai_table_in_each_encoding_passes(tmp_path, codec):
    report = content.check_table(write(tmp_path, "t.csv", csv_text(THAI_ROWS).encode(codec)), "CSV")
    assert report["status"] == "success", report
    assert report["rows_checked"] == 2
    assert report["encoding"] == codec


def test_structural_errors_name_row_and_column(tmp_path):
    path = write(tmp_path, "e.csv", b"a,b,a,\n1,2,3,4\n5,6\n,,,\n7,8,9,10,11\n")
    report = content.check_table(path, "csv")
    assert report["status"] == "failure"
    by_code = report["errors_by_code"]
    assert by_code["duplicate-label"] == 1 and by_code["blank-label"] == 1
    assert by_code["missing-cell"] == 2 and by_code["blank-row"] == 1 and by_code["extra-cell"] == 1
    missing = [e for e in report["errors"] if e["code"] == "missing-cell"]
    assert [(e["row"], e["column"]) for e in missing] == [(3, 3), (3, 4)]


def test_declared_schema_types_are_enforced(tmp_path):
    path = write(tmp_path, "t.csv", b"id,amount\n1,10\n2,abc\n3,30\n")
    assert content.check_table(path, "csv")["status"] == "success"  # inferred: a text column
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "amount", "type": "integer"}]}
    report = content.check_table(path, "csv", schema=json.dumps(schema))
    assert report["status"] == "failure"
    assert report["schema_source"] == "declared"
    assert report["errors"] == [
        {"code": "type-error", "row": 3, "column": 2, "field": "amount", "cell": "abc", "note": 'type is "integer/default"'}
    ]


def test_inferred_types_catch_a_stray_value(tmp_path):
    rows = "".join(f"{i},{i * 10}\n" for i in range(1, 60))
    path = write(tmp_path, "t.csv", ("id,amount\n" + rows + "60,ไม่ทราบ\n").encode())
    report = content.check_table(path, "csv")
    assert report["status"] == "failure"
    assert report["errors"][0]["code"] == "type-error" and report["errors"][0]["row"] == 61


def test_invalid_declared_schema_is_an_error(tmp_path):
    path = write(tmp_path, "t.csv", b"id\n1\n")
    report = content.check_table(path, "csv", schema='{"fields": [{"name": "id", "type": "nonsense"}]}')
    assert report["status"] == "error"
    assert report["errors"][0]["code"] == "schema-error"


def test_empty_file(tmp_path):
    report = content.check_table(write(tmp_path, "empty.csv", b""), "CSV")
    assert (report["status"], report["errors"][0]["code"]) == ("error", "empty-file")


def test_binary_file_named_csv(tmp_path):
    report = content.check_table(write(tmp_path, "photo.csv", bytes(range(256)) * 50), "CSV")
    assert (report["status"], report["errors"][0]["code"]) == ("error", "binary-file")


def test_malformed_xlsx(tmp_path):
    report = content.check_table(write(tmp_path, "broken.xlsx", b"PK\x03\x04 this is not a workbook"), "XLSX")
    assert report["status"] == "error"
    assert report["errors"][0]["code"] == "format-error"


def test_valid_xlsx_with_thai_text(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    for row in THAI_ROWS:
        book.active.append(row)
    path = str(tmp_path / "t.xlsx")
    book.save(path)
    report = content.check_table(path, "XLSX")
    assert report["status"] == "success" and report["rows_checked"] == 2


def test_formula_cells_are_reported(tmp_path):
    path = write(tmp_path, "f.csv", "name,amount,phone\nก,=SUM(B1:B9),+66 2 123 4567\nข,-15,-\nค,@cmd,0812345678\n".encode())
    report = content.check_table(path, "csv")
    assert report["status"] == "failure"
    formulas = [(e["row"], e["field"], e["cell"]) for e in report["errors"] if e["code"] == "formula-cell"]
    assert formulas == [(2, "amount", "=SUM(B1:B9)"), (4, "amount", "@cmd")]


def test_row_limit_is_reported(tmp_path):
    path = write(tmp_path, "l.csv", ("n\n" + "".join(f"{i}\n" for i in range(50))).encode())
    report = content.check_table(path, "csv", max_rows=10)
    assert report["rows_checked"] == 10 and report["row_limit_reached"] is True


def test_file_larger_than_the_limit_is_not_read(tmp_path):
    report = content.check_table(write(tmp_path, "big.csv", b"a\n" * 1000), "csv", max_bytes=100)
    assert report["errors"][0]["code"] == "too-large"


def test_worst_status():
    assert content.worst_status(["success", "failure", "pending"]) == "failure"
    assert content.worst_status(["success", None]) == "success"
    assert content.worst_status([]) is None


def test_every_error_code_has_a_sentence_with_its_place():
    sentence = messages.describe({"code": "missing-cell", "row": 7, "column": 2, "field": "ตำบล", "cell": "", "note": ""})
    assert sentence == "Row 7 has no value in column 2 (ตำบล)."
    assert messages.describe({"code": "something-new", "note": "odd"}) == "odd"
    assert messages.describe({"code": "something-new"}) == "something-new"
    for code in content.FILE_ERRORS - {"compression-error", "hash-count", "byte-count", "general-error"}:
        assert code in messages.SENTENCES


# ------------------------------------------------------- job, action, gap --


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestValidationOnTheStack:
    def test_job_stores_report_and_marks_the_resource(self, create_with_upload):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"]))
        resource = create_with_upload(
            b"a,b\n1\n2,3\n", "short.csv", package_id=dataset["id"], format="CSV", name="short row"
        )
        assert support.validation_task_state(resource["id"]) == "pending"

        assert support.run_validation(resource["id"]) == "failure"

        shown = call_action("resource_show", id=resource["id"])
        assert shown["validation_status"] == "failure"
        assert shown["validation_timestamp"]
        report = call_action("provincial_validation_show", resource_id=resource["id"])
        assert report["status"] == "failure"
        assert report["errors"][0]["row"] == 2 and report["errors"][0]["code"] == "missing-cell"
        assert "Row 2" in report["errors"][0]["message"]
        indexed = call_action("package_search", q="provincial_validation_status:failure")
        assert [d["id"] for d in indexed["results"]] == [dataset["id"]]

    def test_status_write_does_not_queue_another_check(self, create_with_upload):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"]))
        resource = create_with_upload(b"a,b\n1,2\n", "ok.csv", package_id=dataset["id"], format="CSV", name="ตาราง")
        support.run_validation(resource["id"])
        assert support.validation_task_state(resource["id"]) == "success"

        call_action("resource_patch", id=resource["id"], description="unchanged file")
        assert support.validation_task_state(resource["id"]) == "success"

        call_action("resource_patch", id=resource["id"], url="http://example.invalid/new.csv")
        assert support.validation_task_state(resource["id"]) == "pending"

    def test_non_tabular_resources_are_not_checked(self):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(
            owner_org=org["id"], resources=[{"url": "http://example.invalid/report.pdf", "format": "PDF", "name": "รายงาน"}]))
        with pytest.raises(toolkit.ObjectNotFound):
            call_action("provincial_validation_show", resource_id=dataset["resources"][0]["id"])
        with pytest.raises(toolkit.ValidationError):
            call_action("provincial_validation_run", resource_id=dataset["resources"][0]["id"], sync=True)

    @pytest.mark.parametrize("fmt, filename", [("PDF", "report.pdf"), ("PNG", "map.png"),
                                               ("GeoJSON", "area.geojson"), ("ZIP", "shapes.zip")])
    def test_files_that_are_not_tables_say_they_are_not_checked(self, app, fmt, filename):
        assert os.path.exists(support.THAI_CATALOG_MO), "Thai catalogue not compiled (make i18n-compile)"
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"], resources=[
            {"url": "http://example.invalid/" + filename, "format": fmt, "name": "ไฟล์ " + fmt},
            {"url": "http://example.invalid/table.csv", "format": "CSV", "name": "ตาราง"}]))
        other, table = dataset["resources"]
        badge = 'data-validation-status="not-checked"'

        for language, label in (("en", "Not checked (not a table)"), ("th", "ไม่ได้ตรวจเนื้อหา (ไม่ใช่ตาราง)")):
            page = html.unescape(app.get(f"/{language}/dataset/{dataset['name']}/resource/{other['id']}").body)
            assert badge in page and label in page
            listing = html.unescape(app.get(f"/{language}/dataset/{dataset['name']}").body)
            assert listing.count(badge) == 1 and label in listing
            # The table beside it is checked (its check is queued), never "not checked".
            table_page = app.get(f"/{language}/dataset/{dataset['name']}/resource/{table['id']}").body
            assert 'data-validation-status="pending"' in table_page and badge not in table_page
        # Nothing pretends a check ran: no report, no status, nothing counted by the gap engine.
        assert "validation_status" not in call_action("resource_show", id=other["id"])
        with pytest.raises(toolkit.ObjectNotFound):
            call_action("provincial_validation_show", resource_id=other["id"])

    def test_run_action_checks_now_for_sysadmins_only(self, create_with_upload):
        sysadmin = factories.Sysadmin()
        editor = factories.User()
        org = support.organization(users=[{"name": editor["name"], "capacity": "editor"}])
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"]))
        resource = create_with_upload(support.THAI_CSV.encode("cp874"), "thai.csv", package_id=dataset["id"], format="CSV", name="ตาราง")

        report = call_action("provincial_validation_run", {"user": sysadmin["name"]}, resource_id=resource["id"], sync=True)
        assert report["status"] == "success" and report["encoding"] == "cp874"
        with pytest.raises(toolkit.NotAuthorized):
            call_action("provincial_validation_run", {"user": editor["name"], "ignore_auth": False},
                        resource_id=resource["id"], sync=True)
        queued = call_action("provincial_validation_run", {"user": editor["name"], "ignore_auth": False},
                             resource_id=resource["id"])
        assert queued["status"] == "pending"

    def test_private_report_is_hidden_from_strangers(self, create_with_upload):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"], private=True))
        resource = create_with_upload(b"a\n1\n", "p.csv", package_id=dataset["id"], format="CSV", name="ตาราง")
        support.run_validation(resource["id"])
        stranger = factories.User()
        with pytest.raises(toolkit.NotAuthorized):
            call_action("provincial_validation_show", {"user": stranger["name"], "ignore_auth": False},
                        resource_id=resource["id"])
        with pytest.raises(toolkit.NotAuthorized):
            call_action("provincial_validation_show", {"user": "", "ignore_auth": False}, resource_id=resource["id"])

    def test_resource_and_dataset_pages_show_report_and_badge(self, app, create_with_upload):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"], resources=[]))
        resource = create_with_upload(
            "อำเภอ,จำนวน\nเมือง,=1+1\n".encode(), "formula.csv", package_id=dataset["id"], format="CSV", name="สูตร"
        )
        support.run_validation(resource["id"])

        page = app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}").body
        assert 'id="validation-report"' in page and 'data-validation-status="failure"' in page
        assert 'data-error-code="formula-cell"' in page
        assert "=1+1" in page and "starts like a spreadsheet formula" in page
        dataset_page = app.get(f"/dataset/{dataset['name']}").body
        assert "provincial-validation-summary" in dataset_page
        assert "1 of 1 checked tables have problems" in dataset_page

    def test_report_reads_in_thai(self, app, create_with_upload):
        # stack/stack.sh install compiles the catalogs: a missing one is a broken set-up, not a skip.
        assert os.path.exists(support.THAI_CATALOG_MO), "Thai catalogue not compiled (make i18n-compile)"
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"]))
        resource = create_with_upload(b"a,b\n1\n", "m.csv", package_id=dataset["id"], format="CSV", name="ตาราง")
        support.run_validation(resource["id"])
        page = app.get(f"/th/dataset/{dataset['name']}/resource/{resource['id']}").body
        assert "แถวที่ 2 ไม่มีค่าในคอลัมน์ 2" in page


@pytest.mark.usefixtures("plan_tables", "clean_index")
def test_requirement_whose_only_dataset_fails_validation_is_incomplete_with_the_reason(app, create_with_upload):
    from tests.gap_support import dataset as gap_dataset, days_ago

    call_action("provincial_requirement_create", province_code="13", code="R-CONTENT", title_th="จำนวนโรงงาน")
    org = support.organization()
    made = gap_dataset(org["id"], name="factories-content-13", requirement_codes=["R-CONTENT"], resources=[],
                       data_format=["CSV"], last_updated_date=days_ago(1), update_frequency_unit="ปี")
    resource = create_with_upload(b"a,b\n1\n2,3\n", "short.csv", package_id=made["id"], format="CSV", name="โรงงานรายอำเภอ")

    gap_before = call_action("provincial_gap_show", province_code="13")
    assert {r["code"]: r["status"] for r in gap_before["requirements"]} == {"R-CONTENT": "available"}

    assert support.run_validation(resource["id"]) == "failure"

    gap_after = call_action("provincial_gap_show", province_code="13")
    row = gap_after["requirements"][0]
    assert row["status"] == "incomplete"
    assert row["problems"] == ["content:โรงงานรายอำเภอ"]
    page = app.get("/en/gap/13").body
    assert "the contents of resource \u201cโรงงานรายอำเภอ\u201d fail validation" in page
