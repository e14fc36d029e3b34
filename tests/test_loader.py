"""The portal's DataStore loader on the real database: agencies' files as they come.

Each test writes a file shaped like what agencies publish, loads it with
``loading.datastore.load_table`` into a real resource's DataStore table, and
reads it back through CKAN's own ``datastore_search``.
"""
from __future__ import annotations

import decimal

import pytest

from tests.ckan_session import call_action

from ckanext.provincial.loading import datastore as loader
from ckanext.provincial.loading.datastore import LoadError
from tests import datastore_support as support

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("with_plugins", "non_clean_db")]

LONG_2566 = "จำนวนผู้เยี่ยมเยือนชาวไทยที่เข้าพักในจังหวัดปทุมธานี ปี 2566 (คน)"
LONG_2567 = "จำนวนผู้เยี่ยมเยือนชาวไทยที่เข้าพักในจังหวัดปทุมธานี ปี 2567 (คน)"


@pytest.fixture
def dataset():
    org = support.organization()
    return call_action("package_create", **support.dataset(owner_org=org["id"], resources=[]))


@pytest.fixture
def resource(dataset):
    return call_action("resource_create", package_id=dataset["id"], url="http://example.invalid/table.csv",
                       format="CSV", name="ตาราง")


def write(tmp_path, text: str, name: str = "table.csv", codec: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(codec))
    return str(path)


def records(resource_id: str, **options) -> dict:
    return call_action("datastore_search", resource_id=resource_id, limit=1000, **options)


def test_long_and_dotted_headers_are_kept_in_full_and_never_collide(resource, tmp_path):
    path = write(tmp_path, f'ปี พ.ศ.,"{LONG_2566}","{LONG_2567}",ผู้เยี่ยมเยือนชาวไทย (คน)\n'
                           '2566,"1,234",998,5\n2567,"2,000",1100,6\n')

    report = loader.load_table(resource["id"], path, "csv")

    found = records(resource["id"])
    fields = [f for f in found["fields"] if f["id"] != "_id"]
    assert [f["info"]["label"] for f in fields] == ["ปี พ.ศ.", LONG_2566, LONG_2567, "ผู้เยี่ยมเยือนชาวไทย (คน)"]
    ids = [f["id"] for f in fields]
    assert len(set(ids)) == 4 and all("." not in i and len(i.encode()) <= 63 for i in ids)
    assert [c["label"] for c in report["columns"]] == [f["info"]["label"] for f in fields]
    assert [r[ids[1]] for r in found["records"]] == [1234, 2000]
    assert [r[ids[2]] for r in found["records"]] == [998, 1100]


def test_types_come_from_the_whole_column_and_nothing_is_rewritten(resource, tmp_path):
    rows = ["รหัส,จำนวน (คน),ร้อยละ,วันที่สำรวจ,ว.ด.ป.,เปิดบริการ,หมายเหตุ"]
    rows += ['0801,"๑,๒๓๔",12.50,2023-05-19,19 พ.ค. 2566,TRUE,-'] + [
        f'080{i},{i * 1000},{i}.5,2023-05-{10 + i:02d},{i}/01/2566,false,ปกติ' for i in range(2, 9)]
    path = write(tmp_path, "\n".join(rows) + "\n")

    report = loader.load_table(resource["id"], path, "csv")

    by_label = {c["label"]: c["type"] for c in report["columns"]}
    assert by_label == {"รหัส": "text", "จำนวน (คน)": "int8", "ร้อยละ": "numeric", "วันที่สำรวจ": "date",
                        "ว.ด.ป.": "date", "เปิดบริการ": "bool", "หมายเหตุ": "text"}
    first = records(resource["id"], sort="_id")["records"][0]
    values = list(first.values())[1:]
    assert values[0] == "0801"
    assert values[1] == 1234
    assert decimal.Decimal(str(values[2])) == decimal.Decimal("12.50")
    assert values[3].startswith("2023-05-19") and values[4].startswith("2023-05-19")
    assert values[5] is True and values[6] == "-"


def test_one_value_that_does_not_fit_keeps_the_column_text(resource, tmp_path):
    lines = ["อำเภอ,จำนวน"] + [f"อำเภอ{i},{i}" for i in range(1, 500)] + ["สามโคก,ไม่มีข้อมูล"]
    report = loader.load_table(resource["id"], write(tmp_path, "\n".join(lines) + "\n"), "csv")
    assert [c["type"] for c in report["columns"]] == ["text", "text"]


def test_title_rows_blank_rows_and_footnotes_are_not_data(resource, tmp_path):
    text = ("ตารางที่ 1 จำนวนนักท่องเที่ยว จังหวัดปทุมธานี,,\n,,\n"
            "อำเภอ,ชาย (คน),หญิง (คน)\nเมืองปทุมธานี,10,12\n,,\nคลองหลวง,20,22\n"
            ",,\nที่มา: สำนักงานสถิติจังหวัดปทุมธานี,,\nหมายเหตุ: ข้อมูล ณ 31 ธ.ค. 2566,,\n")
    report = loader.load_table(resource["id"], write(tmp_path, text), "csv")

    assert report["title"] == ["ตารางที่ 1 จำนวนนักท่องเที่ยว จังหวัดปทุมธานี"]
    assert report["header_row"] == 3
    assert report["footnotes"] == ["ที่มา: สำนักงานสถิติจังหวัดปทุมธานี", "หมายเหตุ: ข้อมูล ณ 31 ธ.ค. 2566"]
    assert report["rows"] == 2 and report["blank_rows"] == 1
    assert [r["อำเภอ"] for r in records(resource["id"])["records"]] == ["เมืองปทุมธานี", "คลองหลวง"]


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "cp874"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encodings_line_endings_and_delimiters(resource, tmp_path, codec, newline, delimiter):
    lines = [["อำเภอ", "ตำบล", "จำนวนประชากร"], ["เมืองปทุมธานี", "บางปรอก", "12345"], ["คลองหลวง", "คลองหนึ่ง", "67890"]]
    text = newline.join(delimiter.join(line) for line in lines) + newline
    report = loader.load_table(resource["id"], write(tmp_path, text, codec=codec), "csv")
    assert report["rows"] == 2
    found = records(resource["id"], filters={"อำเภอ": "คลองหลวง"})["records"]
    assert [(r["ตำบล"], r["จำนวนประชากร"]) for r in found] == [("คลองหนึ่ง", 67890)]


def test_short_rows_are_padded_and_extra_empty_cells_allowed(resource, tmp_path):
    text = "อำเภอ,ชาย,หญิง\nเมืองปทุมธานี,10\nคลองหลวง,20,22,,\n"
    report = loader.load_table(resource["id"], write(tmp_path, text), "csv")
    assert report["rows"] == 2
    assert [(r["ชาย"], r["หญิง"]) for r in records(resource["id"], sort="_id")["records"]] == [(10, None), (20, 22)]


BAD_FILES = {
    "empty": ("", "empty-file", None),
    "blank": ("\n\n  \n", "empty-file", None),
    "header only": ("อำเภอ,จำนวน\n", "no-rows", None),
    "no header": ("1,2,3\n4,5,6\n", "no-header", 1),
    "extra cell": ("อำเภอ,จำนวน\nก,1\nข,2,เกิน\n", "extra-cell", 3),
    "nul byte": ("อำเภอ,จำนวน\nก,1\nข\x00,2\n", "binary-file", None),
    "unterminated quote": ('อำเภอ,จำนวน\nก,1\n"ข,2\n', "unterminated-quote", None),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_get_a_clear_error_and_the_previous_table_stays(resource, tmp_path, case):
    loader.load_table(resource["id"], write(tmp_path, "อำเภอ,จำนวน\nเดิม,1\n", "good.csv"), "csv")
    text, code, row = BAD_FILES[case]

    with pytest.raises(LoadError) as caught:
        loader.load_table(resource["id"], write(tmp_path, text), "csv")

    assert caught.value.code == code
    if row is not None:
        assert caught.value.row == row
    assert [r["อำเภอ"] for r in records(resource["id"])["records"]] == ["เดิม"]


def test_mixed_encodings_name_the_row(resource, tmp_path):
    head = ("อำเภอ,จำนวน\n" + "เมืองปทุมธานี,1\n" * 20).encode("utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + "คลองหลวง,2\n".encode("cp874"))
    with pytest.raises(LoadError) as caught:
        loader.load_table(resource["id"], str(path), "csv")
    assert caught.value.code == "encoding-error" and caught.value.row == 22


def test_binary_named_csv_is_refused(resource, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    with pytest.raises(LoadError) as caught:
        loader.load_table(resource["id"], str(path), "csv")
    assert caught.value.code == "binary-file"


def test_too_many_columns_is_refused_before_anything_is_written(resource, tmp_path):
    header = ",".join(f"คอลัมน์ {i}" for i in range(5000))
    with pytest.raises(LoadError) as caught:
        loader.load_table(resource["id"], write(tmp_path, header + "\n" + ",".join("1" * 5000) + "\n"), "csv")
    assert caught.value.code == "too-many-columns"


def test_type_override_is_honoured_and_checked_on_reload(resource, tmp_path):
    path = write(tmp_path, "รหัสอำเภอ,จำนวน\n1301,10\n1302,20\n")
    loader.load_table(resource["id"], path, "csv")
    fields = [f for f in records(resource["id"])["fields"] if f["id"] != "_id"]
    assert [f["type"] for f in fields] == ["int8", "int8"]
    # The publisher says the code is text, as codes are.
    fields[0]["info"]["type_override"] = "text"
    call_action("datastore_create", resource_id=resource["id"], force=True, fields=fields)

    loader.load_table(resource["id"], path, "csv")
    assert [f["type"] for f in records(resource["id"])["fields"] if f["id"] != "_id"] == ["text", "int8"]

    fields = [f for f in records(resource["id"])["fields"] if f["id"] != "_id"]
    fields[1]["info"]["type_override"] = "date"
    call_action("datastore_create", resource_id=resource["id"], force=True, fields=fields)
    with pytest.raises(LoadError) as caught:
        loader.load_table(resource["id"], path, "csv")
    assert (caught.value.code, caught.value.row, caught.value.column, caught.value.cell) == ("type-override", 2, 2, "10")
    assert len(records(resource["id"])["records"]) == 2


def test_full_text_search_finds_thai_words(resource, tmp_path):
    loader.load_table(resource["id"], write(tmp_path, "อำเภอ,จำนวน\nเมืองปทุมธานี,1\nคลองหลวง,2\n"), "csv")
    found = records(resource["id"], q="คลองหลวง")["records"]
    assert [r["อำเภอ"] for r in found] == ["คลองหลวง"]
    assert records(resource["id"], include_total=True)["total"] == 2


# --------------------------------------------------------------- workbooks --

def agency_workbook(tmp_path, formula: bool = False) -> str:
    """A sheet as agencies make it: merged title, blank row, header, data with a
    blank row inside, a source note; a second sheet with another table."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "นักท่องเที่ยว"
    sheet["A1"] = "ตารางที่ 2 ผู้เยี่ยมเยือน จังหวัดปทุมธานี"
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(["ปี พ.ศ.", LONG_2566, "รายได้ (ล้านบาท)", "วันที่ปรับปรุง"])
    sheet.append(["2566", 1234, 12.5, datetime_value(2024, 1, 15)])
    sheet.append([])
    sheet.append(["2567", "=B4*2" if formula else 2000, 13.25, datetime_value(2024, 2, 1)])
    sheet.append([])
    sheet.append(["ที่มา: การท่องเที่ยวแห่งประเทศไทย"])
    other = book.create_sheet("อำเภอ")
    other.append(["อำเภอ", "จำนวน"])
    other.append(["คลองหลวง", 5])
    # Named as CKAN stores an upload: by its resource id, no extension.
    path = tmp_path / "0b7f2c6e-upload"
    book.save(path)
    return str(path)


def datetime_value(year, month, day):
    import datetime

    return datetime.datetime(year, month, day)


def test_agency_workbook_loads_its_table_without_title_blank_rows_or_notes(resource, tmp_path):
    report = loader.load_table(resource["id"], agency_workbook(tmp_path), "xlsx")

    assert report["sheet"] == "นักท่องเที่ยว" and report["header_row"] == 3
    assert report["title"] == ["ตารางที่ 2 ผู้เยี่ยมเยือน จังหวัดปทุมธานี"]
    assert report["footnotes"] == ["ที่มา: การท่องเที่ยวแห่งประเทศไทย"]
    assert [s["sheet"] for s in report["sheets_left_out"]] == ["อำเภอ"]
    assert [(c["label"], c["type"]) for c in report["columns"]] == [
        ("ปี พ.ศ.", "int8"), (LONG_2566, "int8"), ("รายได้ (ล้านบาท)", "numeric"), ("วันที่ปรับปรุง", "date")]
    found = records(resource["id"], sort="_id")["records"]
    assert [list(r.values())[1:3] for r in found] == [[2566, 1234], [2567, 2000]]


def test_formula_without_a_saved_value_loads_empty_and_is_counted(resource, tmp_path):
    report = loader.load_table(resource["id"], agency_workbook(tmp_path, formula=True), "xlsx")
    assert report["formulas_without_value"] == 1
    assert [list(r.values())[2] for r in records(resource["id"], sort="_id")["records"]] == [1234, None]


def test_zip_bomb_and_renamed_files_are_refused_by_name(resource, tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(24):
                member.write(b" " * (1024 * 1024))
    with pytest.raises(LoadError) as caught:
        loader.load_table(resource["id"], str(bomb), "xlsx")
    assert caught.value.code == "zip-bomb"

    pdf = tmp_path / "report.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    with pytest.raises(LoadError) as caught:
        loader.load_table(resource["id"], str(pdf), "xlsx")
    assert caught.value.code == "not-a-workbook"


def test_a_file_over_the_upload_limit_is_refused_with_a_clear_message(dataset, ckan_config, monkeypatch):
    """The 2 GB upload case, scaled down: CKAN's limit (ckan.max_resource_size, MB) refuses it."""
    import io

    from werkzeug.datastructures import FileStorage

    import ckan.plugins.toolkit as toolkit

    monkeypatch.setitem(ckan_config, "ckan.max_resource_size", 1)
    upload = FileStorage(io.BytesIO(b"a,b\n" + b"1,2\n" * 400_000), "big.csv")
    with pytest.raises(toolkit.ValidationError) as caught:
        call_action("resource_create", package_id=dataset["id"], name="ใหญ่", format="CSV", url="big.csv", upload=upload)
    assert caught.value.error_dict == {"upload": [
        "The file is 2 MB; the portal accepts files of at most 1 MB. Publish a link to a larger file instead, or split it."]}
    assert not call_action("package_show", id=dataset["id"])["resources"]


# --------------------------------------------------- the resource page's section --

def _section(app, dataset, resource, language="th", headers=None):
    from bs4 import BeautifulSoup

    page = app.get(f"/{language}/dataset/{dataset['name']}/resource/{resource['id']}", headers=headers or {})
    return BeautifulSoup(page.body, "html.parser").find(id="datastore-load")


def test_resource_page_says_what_was_loaded_in_thai_and_english(app, dataset, resource, tmp_path):
    from ckanext.provincial.loading import jobs as loads

    text = ("ตารางที่ 1 นักท่องเที่ยว,,\n,,\nปี พ.ศ.,ผู้เยี่ยมเยือนชาวไทย (คน),วันที่สำรวจ\n"
            '2566,"1,234",19/05/2566\n2567,"2,000",20/05/2567\nที่มา: ททท.,,\n')
    assert loads.load(resource, write(tmp_path, text))["status"] == "complete"

    thai = _section(app, dataset, resource)
    assert thai["data-load-status"] == "complete"
    assert "นำเข้า" in thai.get_text() and "Loaded" not in thai.get_text()
    assert [td.get_text(strip=True) for td in thai.select("tbody td:first-child")] == [
        "ปี พ.ศ.", "ผู้เยี่ยมเยือนชาวไทย (คน)", "วันที่สำรวจ"]
    assert [td["data-column-type"] for td in thai.select("td[data-column-type]")] == ["int8", "int8", "date"]
    assert thai.find(attrs={"data-load": "title"}).get_text(strip=True) == "ตารางที่ 1 นักท่องเที่ยว"
    assert thai.find(attrs={"data-load": "footnotes"}).get_text(strip=True) == "ที่มา: ททท."
    english = _section(app, dataset, resource, "en")
    assert "Loaded into the DataStore" in english.get_text()
    assert [td.get_text(strip=True) for td in english.select("td[data-column-type]")] == ["Whole number", "Whole number", "Date"]
    # Visitors get no reload button; it needs the right to edit the resource.
    assert thai.find("form") is None


def test_a_failed_load_names_the_row_and_keeps_the_previous_table(app, dataset, resource, tmp_path):
    from ckanext.provincial.loading import jobs as loads

    loads.load(resource, write(tmp_path, "อำเภอ,จำนวน\nเดิม,1\n", "good.csv"))
    report = loads.load(resource, write(tmp_path, "อำเภอ,จำนวน\nก,1\nข,2,เกิน\n"))
    assert report["status"] == "error" and report["error"]["row"] == 3

    thai = _section(app, dataset, resource)
    alert = thai.find(attrs={"data-error-code": "extra-cell"})
    assert "แถว" in alert.get_text() and "3" in alert.get_text()
    english = _section(app, dataset, resource, "en")
    assert english.find(attrs={"data-error-code": "extra-cell"}).get_text(strip=True) == \
        'Row 3 has an extra value in column 3: "เกิน".'
    assert "The table loaded before stays as it was." in english.get_text()
    assert [r["อำเภอ"] for r in records(resource["id"])["records"]] == ["เดิม"]


def test_an_editor_reloads_the_table_from_the_page_and_a_visitor_cannot(app, dataset, resource, tmp_path):
    from ckan.tests import factories

    from ckanext.provincial.loading import jobs as loads

    loads.load(resource, write(tmp_path, "อำเภอ,จำนวน\nเดิม,1\n"))
    admin = factories.SysadminWithToken()
    headers = {"Authorization": admin["token"]}
    form = _section(app, dataset, resource, headers=headers).find("form")
    assert form is not None
    support.empty_own_queue()

    app.post(form["action"], headers=headers, data={}, status=302, follow_redirects=False)
    assert call_action("provincial_datastore_status", resource_id=resource["id"])["status"] == "pending"
    titles = [job["title"] for job in call_action("job_list")]
    assert f"provincial load: resource {resource['id']}" in titles
    support.empty_own_queue()

    app.post(form["action"], data={}, status=403)


def test_a_sheet_saved_as_csv_checks_clean_like_its_load(tmp_path):
    """Title and blank rows above the header, a blank row inside, a note under
    the table: the content check reads the same table as the loader, not the
    title as the header (which reported "column 2 has no header" and blank rows)."""
    from ckanext.provincial.content_checks import content

    text = ("ตารางที่ 1 นักท่องเที่ยว,,\n,,\nอำเภอ,ชาย (คน),หญิง (คน)\nเมืองปทุมธานี,10,12\n,,\n"
            "คลองหลวง,20,22\n,,\nที่มา: สำนักงานสถิติจังหวัดปทุมธานี,,\n")
    report = content.check_table(write(tmp_path, text), "csv")
    assert report["status"] == "success", report["errors"]
    assert report["workbook"]["title"] == ["ตารางที่ 1 นักท่องเที่ยว"]
    assert report["workbook"]["header_row"] == 3
    assert report["workbook"]["footnotes"] == ["ที่มา: สำนักงานสถิติจังหวัดปทุมธานี"]

    broken = text.replace("คลองหลวง,20,22", "คลองหลวง,20,ยี่สิบสอง,เกิน")
    report = content.check_table(write(tmp_path, broken, "broken.csv"), "csv")
    assert report["status"] == "failure"
    assert {(e["code"], e["row"]) for e in report["errors"]} >= {("extra-cell", 6)}
