"""Content validation: the Frictionless checks (pure), the job, the action, the gap link."""
from __future__ import annotations

import html
import json
import os

import pytest

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial.content_checks import content, encoding, messages
from tests import datastore_support as support

pytestmark = pytest.mark.integration

THAI_ROWS = [["อำเภอ", "ตำบล", "จำนวนประชากร"], ["เมืองปทุมธานี", "บางปรอก", "12345"], ["คลองหลวง", "คลองหนึ่ง", "67890"]]


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def csv_text(rows) -> str:
    return "".join(",".join(row) + "\n" for row in rows)


def resource_page_checks(body) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(status, label) of each content-check mark of a resource page: those of the resource
    viewed (by its link and in its content-check section), then those of the dataset's
    resource list under it, which shows every resource's."""
    from bs4 import BeautifulSoup

    main = BeautifulSoup(body, "html.parser").select_one("[role=main]")
    marks = [(mark, mark.find_parent(class_="provincial-resource-list") is not None)
             for mark in main.select("[data-validation-status]")]

    def label(mark):
        badge = mark if "provincial-validation-badge" in mark.get("class", []) else mark.select_one(".provincial-validation-badge")
        return " ".join(badge.get_text(" ").split())

    return ([(mark["data-validation-status"], label(mark)) for mark, listed in marks if not listed],
            [(mark["data-validation-status"], label(mark)) for mark, listed in marks if listed])


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


# ------------------------------------------------------------ GeoJSON checks --


def feature_collection(*geometries, properties=None):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": {"ชื่อ": "จุดที่ %d" % n} if properties is None else properties}
        for n, g in enumerate(geometries, start=1)]}


GOOD_GEOJSON = feature_collection(
    {"type": "Point", "coordinates": [100.52, 14.02]},
    {"type": "LineString", "coordinates": [[100.5, 14.0], [100.6, 14.1, 3.5]]},
    {"type": "Polygon", "coordinates": [[[100.5, 14.0], [100.6, 14.0], [100.6, 14.1], [100.5, 14.0]]]},
    {"type": "MultiPolygon", "coordinates": [[[[100.5, 14.0], [100.6, 14.0], [100.6, 14.1], [100.5, 14.0]]]]},
    {"type": "GeometryCollection", "geometries": [{"type": "MultiPoint", "coordinates": [[100.5, 14.0]]}]},
    None,  # RFC 7946 allows a feature without a location
)


def check_geojson(tmp_path, document, raw: bytes | None = None, **options):
    data = raw if raw is not None else json.dumps(document, ensure_ascii=False).encode()
    return content.check_file(write(tmp_path, "layer.geojson", data), "GeoJSON", **options)


def test_geojson_format_names_are_recognised():
    assert content.normalise_format("GeoJSON") == "geojson"
    assert content.normalise_format("application/geo+json") == "geojson"
    assert content.normalise_format("", "http://example.invalid/zones.geojson") == "geojson"
    assert content.normalise_format("PDF") == ""


@pytest.mark.parametrize("document", [
    GOOD_GEOJSON,
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100.5, 14.0]}, "properties": None},
    {"type": "Polygon", "coordinates": [[[100.5, 14.0], [100.6, 14.0], [100.6, 14.1], [100.5, 14.0]]]},
    {"type": "FeatureCollection", "features": []},
])
def test_good_geojson_passes(tmp_path, document):
    report = check_geojson(tmp_path, document)
    assert report["status"] == "success", report["errors"]
    assert report["format"] == "geojson" and report["error_count"] == 0


def test_good_geojson_counts_its_features(tmp_path):
    assert check_geojson(tmp_path, GOOD_GEOJSON)["rows_checked"] == 6


# Each bad file: (document or raw bytes, status, code, (feature, path), English sentence).
BAD_GEOJSON = {
    "not JSON": (b'{"type": "FeatureCollection", "features": [', "error", "json-error", (None, None),
                 "The file is not valid JSON (line 1, column 44: Expecting value)."),
    "wrong top-level type": ([{"lon": 100.5, "lat": 14.0}], "error", "geojson-top-level", (None, "type"),
                             'The file is not GeoJSON: its top-level type is "array", not FeatureCollection, '
                             "Feature or a geometry."),
    "bad geometry type": (feature_collection({"type": "Point", "coordinates": [100.5, 14.0]},
                                             {"type": "Circle", "coordinates": [100.5, 14.0]}),
                          "failure", "geojson-geometry-type", (2, "geometry.type"),
                          'Feature 2, geometry.type: "Circle" is not a GeoJSON geometry type (Point, MultiPoint, '
                          "LineString, MultiLineString, Polygon, MultiPolygon, GeometryCollection)."),
    "non-numeric coordinates": (feature_collection({"type": "LineString", "coordinates": [[100.5, 14.0], ["100.6", "14.1"]]}),
                                "failure", "geojson-position", (1, "geometry.coordinates[1]"),
                                'Feature 1, geometry.coordinates[1]: ["100.6", "14.1"] is not a position: 2 or 3 '
                                "numbers (longitude, latitude, height)."),
    "out of range": (feature_collection({"type": "Point", "coordinates": [100.5, 14.0]},
                                        {"type": "Point", "coordinates": [190.0, 14.0]}),
                     "failure", "geojson-out-of-range", (2, "geometry.coordinates"),
                     "Feature 2, geometry.coordinates: [190.0, 14.0] is outside longitude -180 to 180 or latitude "
                     "-90 to 90."),
    "swapped lat/lon": (feature_collection({"type": "Point", "coordinates": [14.0, 100.5]},
                                           {"type": "LineString", "coordinates": [[14.02, 100.52], [14.1, 100.6]]}),
                        "failure", "geojson-swapped", (1, "geometry.coordinates"),
                        "Feature 1, geometry.coordinates: coordinates look swapped (latitude, longitude), e.g. "
                        "[14.0, 100.5]: GeoJSON puts the longitude first."),
    "open ring": (feature_collection({"type": "Polygon", "coordinates": [
                      [[100.5, 14.0], [100.6, 14.0], [100.6, 14.1], [100.5, 14.1]]]}),
                  "failure", "geojson-ring-open", (1, "geometry.coordinates[0]"),
                  "Feature 1, geometry.coordinates[0]: the polygon ring is not closed: its first and last "
                  "positions differ ([[100.5, 14.0], [100.5, 14.1]])."),
    "short ring": (feature_collection({"type": "Polygon", "coordinates": [[[100.5, 14.0], [100.6, 14.0], [100.5, 14.0]]]}),
                   "failure", "geojson-ring-short", (1, "geometry.coordinates[0]"),
                   "Feature 1, geometry.coordinates[0]: a polygon ring needs at least 4 positions, it has 3."),
    "position of 4 numbers": ({"type": "Point", "coordinates": [100.5, 14.0, 1, 2]}, "failure", "geojson-position",
                              (None, "coordinates"),
                              "coordinates: [100.5, 14.0, 1, 2] is not a position: 2 or 3 numbers (longitude, latitude, height)."),
    "feature without properties": ({"type": "FeatureCollection", "features": [
                                       {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100.5, 14.0]}}]},
                                   "failure", "geojson-no-properties", (1, "properties"),
                                   'Feature 1, properties: the feature has no "properties" object.'),
    "every geometry null": (feature_collection(None, None), "failure", "geojson-no-geometries", (None, None),
                            'None of the 2 features has a geometry: every "geometry" is null.'),
}


@pytest.mark.parametrize("case", list(BAD_GEOJSON))
def test_bad_geojson_fails_naming_the_feature_and_the_path(tmp_path, case):
    document, status, code, (feature, path), sentence = BAD_GEOJSON[case]
    report = check_geojson(tmp_path, None if isinstance(document, bytes) else document,
                           raw=document if isinstance(document, bytes) else None)
    assert (report["status"], report["errors_by_code"]) == (status, {code: 1}), report["errors"]
    error = report["errors"][0]
    assert (error["row"], error["field"]) == (feature, path)
    assert messages.describe(error) == sentence


def test_positions_that_are_only_partly_swapped_are_out_of_range(tmp_path):
    # One position outside Thailand even after swapping: no swap, each error on its own.
    document = feature_collection({"type": "Point", "coordinates": [14.0, 100.5]},
                                  {"type": "Point", "coordinates": [2.35, 148.86]})
    report = check_geojson(tmp_path, document)
    assert report["errors_by_code"] == {"geojson-out-of-range": 2}


def test_geojson_errors_stop_at_max_errors_and_the_size_limit_holds(tmp_path):
    document = feature_collection(*[{"type": "Point", "coordinates": [500, 500]}] * 50)
    report = check_geojson(tmp_path, document, max_errors=5)
    assert report["error_count"] == 5 and [e["row"] for e in report["errors"]] == [1, 2, 3, 4, 5]
    report = check_geojson(tmp_path, GOOD_GEOJSON, max_bytes=100)
    assert (report["status"], report["errors"][0]["code"]) == ("error", "too-large")


@pytest.mark.parametrize("raw, code", [(b"", "empty-file"), (b"[" * 100_000, "json-error"),
                                       ('{"type": "ไทย"}'.encode("cp874"), "encoding-error")])
def test_unreadable_geojson_is_an_error_not_a_crash(tmp_path, raw, code):
    report = check_geojson(tmp_path, None, raw=raw)
    assert (report["status"], report["errors"][0]["code"]) == ("error", code)


def test_geojson_sentences_read_in_thai_and_name_the_feature():
    import gettext as gettext_module

    catalog = gettext_module.GNUTranslations(open(support.THAI_CATALOG_MO, "rb"))
    error = {"code": "geojson-swapped", "row": 3, "field": "geometry.coordinates", "cell": "[14.0, 100.5]"}
    sentence = messages.describe(error, catalog.gettext)
    assert sentence.startswith("ฟีเจอร์ที่ 3, geometry.coordinates:") and "[14.0, 100.5]" in sentence
    for code in messages.SENTENCES:
        if code.startswith(("geojson-", "json-")):
            assert catalog.gettext(messages.SENTENCES[code]) != messages.SENTENCES[code], code


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

    @pytest.mark.parametrize("fmt, filename", [("PDF", "report.pdf"), ("PNG", "map.png"), ("ZIP", "shapes.zip")])
    def test_files_that_are_not_tables_say_they_are_not_checked(self, app, fmt, filename):
        assert os.path.exists(support.THAI_CATALOG_MO), "Thai catalogue not compiled (make i18n-compile)"
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"], resources=[
            {"url": "http://example.invalid/" + filename, "format": fmt, "name": "ไฟล์ " + fmt},
            {"url": "http://example.invalid/table.csv", "format": "CSV", "name": "ตาราง"}]))
        other, table = dataset["resources"]
        badge = 'data-validation-status="not-checked"'

        for language, label, running in (("en", "Not checked (not a table)", "Data check running"),
                                         ("th", "ไม่ได้ตรวจเนื้อหา (ไม่ใช่ตาราง)", "กำลังตรวจสอบข้อมูล")):
            own, listed = resource_page_checks(app.get(f"/{language}/dataset/{dataset['name']}/resource/{other['id']}").body)
            assert own and {status for status, _text in own} == {"not-checked"}, own
            assert all(text == label for _status, text in own), own
            listing = html.unescape(app.get(f"/{language}/dataset/{dataset['name']}").body)
            assert listing.count(badge) == 1 and label in listing
            # The table beside it is checked (its check is queued), never "not checked".
            table_own, table_listed = resource_page_checks(
                app.get(f"/{language}/dataset/{dataset['name']}/resource/{table['id']}").body)
            assert table_own and {status for status, _text in table_own} == {"pending"}, table_own
            # Each page's list of the dataset's resources shows both files' own status.
            assert listed == table_listed == [("not-checked", label), ("pending", running)]
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
        assert "1 of 1 checked files have problems" in dataset_page

    def test_report_reads_in_thai(self, app, create_with_upload):
        # stack/stack.sh install compiles the catalogs: a missing one is a broken set-up, not a skip.
        assert os.path.exists(support.THAI_CATALOG_MO), "Thai catalogue not compiled (make i18n-compile)"
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"]))
        resource = create_with_upload(b"a,b\n1\n", "m.csv", package_id=dataset["id"], format="CSV", name="ตาราง")
        support.run_validation(resource["id"])
        page = app.get(f"/th/dataset/{dataset['name']}/resource/{resource['id']}").body
        assert "แถวที่ 2 ไม่มีค่าในคอลัมน์ 2" in page


    def test_geojson_is_checked_and_its_report_reads_in_thai(self, app, create_with_upload):
        assert os.path.exists(support.THAI_CATALOG_MO), "Thai catalogue not compiled (make i18n-compile)"
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"], resources=[]))
        good = create_with_upload(json.dumps(GOOD_GEOJSON).encode(), "good.geojson", package_id=dataset["id"],
                                  format="GeoJSON", name="จุดที่ถูกต้อง")
        swapped = json.dumps(feature_collection({"type": "Point", "coordinates": [14.0, 100.5]})).encode()
        bad = create_with_upload(swapped, "swapped.geojson", package_id=dataset["id"], format="GeoJSON",
                                 name="จุดสลับพิกัด")
        # Queued like a table, never "not a table".
        assert support.validation_task_state(good["id"]) == "pending"
        assert support.run_validation(good["id"]) == "success"
        assert support.run_validation(bad["id"]) == "failure"

        assert call_action("resource_show", id=bad["id"])["validation_status"] == "failure"
        report = call_action("provincial_validation_show", resource_id=bad["id"])
        assert report["format"] == "geojson" and report["errors_by_code"] == {"geojson-swapped": 1}
        assert report["errors"][0]["message"].startswith("Feature 1, geometry.coordinates: coordinates look swapped")
        indexed = call_action("package_search", q="provincial_validation_status:failure")
        assert [d["id"] for d in indexed["results"]] == [dataset["id"]]

        page = html.unescape(app.get(f"/th/dataset/{dataset['name']}/resource/{bad['id']}").body)
        assert 'data-validation-status="failure"' in page and 'data-error-code="geojson-swapped"' in page
        assert "ฟีเจอร์ที่ 1, geometry.coordinates: พิกัดน่าจะสลับกัน (ละติจูด, ลองจิจูด)" in page
        assert "ไม่ได้ตรวจเนื้อหา (ไม่ใช่ตาราง)" not in page
        english = html.unescape(app.get(f"/en/dataset/{dataset['name']}/resource/{good['id']}").body)
        assert 'data-validation-status="success"' in english and "1 features checked." not in english
        assert "6 features checked." in english
        listing = html.unescape(app.get(f"/en/dataset/{dataset['name']}").body)
        assert "1 of 2 checked files have problems" in listing and "not-checked" not in listing


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


@pytest.mark.usefixtures("plan_tables", "clean_index")
def test_requirement_whose_geojson_fails_validation_is_incomplete(create_with_upload):
    from tests.gap_support import dataset as gap_dataset, days_ago

    call_action("provincial_requirement_create", province_code="13", code="R-MAP", title_th="ขอบเขตนิคมอุตสาหกรรม")
    org = support.organization()
    made = gap_dataset(org["id"], name="estates-map-13", requirement_codes=["R-MAP"], resources=[],
                       data_format=["JSON"], last_updated_date=days_ago(1), update_frequency_unit="ปี")
    open_ring = feature_collection({"type": "Polygon", "coordinates": [[[100.5, 14.0], [100.6, 14.0], [100.6, 14.1],
                                                                        [100.5, 14.1]]]})
    resource = create_with_upload(json.dumps(open_ring).encode(), "estates.geojson", package_id=made["id"],
                                  format="GeoJSON", name="ขอบเขตนิคม")
    before = call_action("provincial_gap_show", province_code="13")
    assert {r["code"]: r["status"] for r in before["requirements"]} == {"R-MAP": "available"}

    assert support.run_validation(resource["id"]) == "failure"

    row = call_action("provincial_gap_show", province_code="13")["requirements"][0]
    assert (row["status"], row["problems"]) == ("incomplete", ["content:ขอบเขตนิคม"])
