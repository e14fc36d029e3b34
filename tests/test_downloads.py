"""Downloads of DataStore tables (``/datastore/dump/<resource id>``) with the headers agencies wrote.

Each table is loaded with the portal's own loader from a file shaped like
what agencies publish (a dotted Buddhist-era header, two long Thai headers
that share their first 63 bytes, numbers with comma groups and Thai digits,
``dd/mm/yyyy`` Buddhist-era dates), then downloaded through the portal's web
application as a reader would.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import re
import xml.etree.ElementTree as ElementTree

import openpyxl
import pytest

from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial.loading import datastore as loader
from ckanext.provincial.views import downloads
from tests import datastore_support as support

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("with_plugins", "non_clean_db")]

YEAR = "ปี พ.ศ."
LONG_2566 = "จำนวนผู้เยี่ยมเยือนชาวไทยที่เข้าพักในจังหวัดปทุมธานี ปี 2566 (คน)"
LONG_2567 = "จำนวนผู้เยี่ยมเยือนชาวไทยที่เข้าพักในจังหวัดปทุมธานี ปี 2567 (คน)"
VISITORS = "ผู้เยี่ยมเยือนชาวไทย (คน)"
SURVEYED = "วันที่สำรวจ (ว/ด/ป)"
NOTE = "หมายเหตุ"
HEADERS = [YEAR, LONG_2566, LONG_2567, VISITORS, SURVEYED, NOTE]
TABLE = (
    f'{YEAR},"{LONG_2566}","{LONG_2567}",{VISITORS},{SURVEYED},{NOTE}\n'
    '2565,"1,234",998,"12,500",19/05/2566,ปกติ\n'
    '2566,"2,000","1,100",5,01/10/2566,"ข้อมูลเบื้องต้น, ""ยังไม่ยืนยัน"""\n'
    '2567,"๓,๕๐๐",1300,"7,250",31/12/2566,=1+1\n'
)
# What each row reads as in a CSV download (PostgreSQL's ISO dates).
ROWS = [
    ["2565", "1234", "998", "12500", "2023-05-19", "ปกติ"],
    ["2566", "2000", "1100", "5", "2023-10-01", 'ข้อมูลเบื้องต้น, "ยังไม่ยืนยัน"'],
    ["2567", "3500", "1300", "7250", "2023-12-31", "=1+1"],
]
NOT_FOUND = "DataStore resource not found"


@pytest.fixture
def dataset():
    org = support.organization()
    return call_action("package_create", **support.dataset(owner_org=org["id"], resources=[]))


def load(dataset, tmp_path) -> tuple[dict, list[str]]:
    """A resource of ``dataset`` with TABLE loaded; its column ids in order."""
    resource = call_action("resource_create", package_id=dataset["id"], url="http://example.invalid/visitors.csv",
                           format="CSV", name="ผู้เยี่ยมเยือนจังหวัดปทุมธานี")
    path = tmp_path / "visitors.csv"
    path.write_text(TABLE, encoding="utf-8")
    report = loader.load_table(resource["id"], str(path), "csv")
    return resource, [c["id"] for c in report["columns"]]


@pytest.fixture
def table(dataset, tmp_path):
    return load(dataset, tmp_path)


def dump(app, resource_id: str, status: int = 200, headers: dict | None = None, **params):
    response = app.get(f"/datastore/dump/{resource_id}", query_string=params, headers=headers or {})
    assert response.status_code == status, response.body[:500]
    return response


def read_csv(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=delimiter))


def without_token(page: str) -> str:
    # The CSRF token differs from one page to the next.
    return re.sub(r'(content|value)="[^"]*"', "", page)


def test_the_loaded_ids_are_not_the_headers(table):
    # Otherwise every test below would pass on CKAN's own download.
    _, ids = table
    assert ids[:5] != HEADERS[:5] and all(len(i.encode()) <= 63 for i in ids)


@pytest.mark.parametrize("bom", [None, "true", "false"])
def test_csv_header_row_is_the_full_headers(app, table, bom):
    resource, _ = table
    params = {"bom": bom} if bom else {}
    response = dump(app, resource["id"], **params)

    data = response.bytes
    assert data.startswith(b"\xef\xbb\xbf") == (bom == "true")
    rows = read_csv(data.removeprefix(b"\xef\xbb\xbf"))
    assert rows[0] == ["_id"] + HEADERS
    assert [row[1:] for row in rows[1:]] == ROWS
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="{resource["id"]}.csv"'


def test_tsv_header_row_is_the_full_headers(app, table):
    resource, _ = table
    response = dump(app, resource["id"], format="tsv")
    rows = read_csv(response.bytes, delimiter="\t")
    assert rows[0] == ["_id"] + HEADERS
    assert [row[1:] for row in rows[1:]] == ROWS
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")
    # The same download from a Thai page.
    thai = app.get(f"/th/datastore/dump/{resource['id']}", query_string={"format": "tsv"})
    assert read_csv(thai.bytes, delimiter="\t")[0] == ["_id"] + HEADERS


def test_json_fields_carry_their_labels_and_records_are_the_datastores(app, table):
    resource, ids = table
    document = json.loads(dump(app, resource["id"], format="json").bytes)

    fields = document["fields"]
    assert [f["id"] for f in fields] == ["_id"] + ids
    assert [f["label"] for f in fields] == ["_id"] + HEADERS
    searched = call_action("datastore_search", resource_id=resource["id"], records_format="lists", sort="_id")
    assert [(f["type"], f.get("info")) for f in fields] == [(f["type"], f.get("info")) for f in searched["fields"]]
    assert fields[1]["info"]["label"] == YEAR
    assert document["records"] == searched["records"]
    assert [r[2] for r in document["records"]] == [1234, 2000, 3500]


def test_workbook_first_row_is_the_labels_numbers_and_dates_are_typed(app, table):
    resource, _ = table
    response = dump(app, resource["id"], format="xlsx")
    assert response.headers["Content-Type"] == downloads.FORMATS["xlsx"].content_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="{resource["id"]}.xlsx"'

    sheet = openpyxl.load_workbook(io.BytesIO(response.bytes)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    assert [c.value for c in rows[0]] == ["_id"] + HEADERS
    values = [[c.value for c in row][1:] for row in rows[1:]]
    assert values == [
        [2565, 1234, 998, 12500, datetime.datetime(2023, 5, 19), "ปกติ"],
        [2566, 2000, 1100, 5, datetime.datetime(2023, 10, 1), 'ข้อมูลเบื้องต้น, "ยังไม่ยืนยัน"'],
        [2567, 3500, 1300, 7250, datetime.datetime(2023, 12, 31), "=1+1"],
    ]
    assert all(row[5].is_date and row[5].number_format == "yyyy-mm-dd" for row in rows[1:])
    # Text that reads like a formula stays text: a download never computes anything.
    assert rows[3][6].data_type == "s"
    assert all(row[2].data_type == "n" for row in rows[1:])


def test_filters_limit_offset_sort_and_fields_are_honoured(app, table):
    resource, ids = table
    by_year = {"filters": json.dumps({ids[0]: [2565, 2567]}, ensure_ascii=False)}

    rows = read_csv(dump(app, resource["id"], **by_year).bytes)
    assert [r[1] for r in rows[1:]] == ["2565", "2567"]

    rows = read_csv(dump(app, resource["id"], sort=f'"{ids[3]}" desc', limit=2).bytes)
    assert rows[0][0] == "_id" and [r[4] for r in rows[1:]] == ["12500", "7250"]

    rows = read_csv(dump(app, resource["id"], offset=1, limit=1).bytes)
    assert [r[1] for r in rows[1:]] == ["2566"]

    chosen = f"{ids[4]},{ids[1]}"
    rows = read_csv(dump(app, resource["id"], fields=chosen, q="ยังไม่ยืนยัน").bytes)
    assert rows == [[SURVEYED, LONG_2566], ["2023-10-01", "2000"]]

    sheet = openpyxl.load_workbook(io.BytesIO(dump(app, resource["id"], format="xlsx", fields=chosen,
                                                    sort=f'"{ids[1]}" desc', limit=2).bytes)).active
    assert list(sheet.values) == [(SURVEYED, LONG_2566), (datetime.datetime(2023, 12, 31), 3500),
                                  (datetime.datetime(2023, 10, 1), 2000)]

    document = json.loads(dump(app, resource["id"], format="json", **by_year, fields=ids[2]).bytes)
    assert [f["label"] for f in document["fields"]] == [LONG_2567]
    assert document["records"] == [[998], [1300]]


def test_pages_join_without_gaps_or_repeats(app, table, monkeypatch):
    # Pages of two rows over a table of three: the page boundary falls inside it.
    resource, _ = table
    monkeypatch.setattr(downloads, "PAGE_ROWS", 2)
    for fmt in ("csv", "tsv"):
        rows = read_csv(dump(app, resource["id"], format=fmt).bytes, "\t" if fmt == "tsv" else ",")
        assert [r[1:] for r in rows[1:]] == ROWS
    document = json.loads(dump(app, resource["id"], format="json").bytes)
    assert [r[1] for r in document["records"]] == [2565, 2566, 2567]
    sheet = openpyxl.load_workbook(io.BytesIO(dump(app, resource["id"], format="xlsx").bytes)).active
    assert [row[1] for row in sheet.values][1:] == [2565, 2566, 2567]
    rows = read_csv(dump(app, resource["id"], offset=1, limit=2).bytes)
    assert [r[1] for r in rows[1:]] == ["2566", "2567"]


def test_a_table_longer_than_a_sheet_is_not_cut_silently(app, table, monkeypatch):
    resource, _ = table
    monkeypatch.setattr(downloads, "EXCEL_MAX_ROWS", 3)  # a header and two rows
    refused = dump(app, resource["id"], status=400, format="xlsx")
    assert "CSV" in refused.body
    sheet = openpyxl.load_workbook(io.BytesIO(dump(app, resource["id"], format="xlsx", limit=2).bytes)).active
    assert sheet.max_row == 3
    assert len(read_csv(dump(app, resource["id"]).bytes)) == 4


def test_xml_is_well_formed_with_names_mapped_from_the_ids(app, table):
    resource, ids = table
    response = dump(app, resource["id"], format="xml")
    root = ElementTree.fromstring(response.bytes)
    first = root.find("row")
    assert first.get("_id") == "1"
    assert [child.tag for child in first] == [downloads.xml_name(i) for i in ids]
    assert first[0].text == "2565" and first[1].text == "1234"
    assert response.headers["Content-Type"].startswith("text/xml")


def test_xml_names():
    assert downloads.xml_name("ปีงบประมาณ") == "ปีงบประมาณ"
    assert downloads.xml_name("ปี พศ_1") == "ปี_x0020_พศ_1"
    assert downloads.xml_name("2566") == "_x0032_566"
    assert downloads.xml_name("value_x0020_") == "value_x0020_"
    assert downloads.xml_name("a b_x") == "a_x0020_b_x005F_x"


def test_labels_fall_back_to_the_id():
    fields = [{"id": "_id", "type": "int"}, {"id": "อำเภอ", "type": "text", "info": {"label": ""}},
              {"id": "ปี พศ_2", "type": "int4", "info": {"label": "ปี พ.ศ."}}]
    assert downloads.labels(fields) == ["_id", "อำเภอ", "ปี พ.ศ."]


def test_a_table_without_labels_downloads_with_its_ids(app, dataset):
    resource = support.datastore_resource(dataset["id"], [
        {"อำเภอ": "เมืองปทุมธานี", "จำนวนประชากร": "12345"}, {"อำเภอ": "คลองหลวง", "จำนวนประชากร": "67890"}])
    rid = resource["id"]
    assert read_csv(dump(app, rid).bytes) == [["_id", "อำเภอ", "จำนวนประชากร"], ["1", "เมืองปทุมธานี", "12345"],
                                            ["2", "คลองหลวง", "67890"]]
    document = json.loads(dump(app, rid, format="json").bytes)
    assert [(f["id"], f["label"]) for f in document["fields"]] == [
        ("_id", "_id"), ("อำเภอ", "อำเภอ"), ("จำนวนประชากร", "จำนวนประชากร")]
    sheet = openpyxl.load_workbook(io.BytesIO(dump(app, rid, format="xlsx").bytes)).active
    assert list(sheet.values)[0] == ("_id", "อำเภอ", "จำนวนประชากร")
    assert ElementTree.fromstring(dump(app, rid, format="xml").bytes).find("row/อำเภอ").text == "เมืองปทุมธานี"


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml", "xlsx"])
def test_a_private_table_is_refused_as_ckan_refuses_it(app, tmp_path, fmt):
    org = support.organization()
    private = call_action("package_create", **support.dataset(owner_org=org["id"], resources=[], private=True))
    resource, _ = load(private, tmp_path)
    stranger = factories.UserWithToken()

    refused = {}
    for who, headers in (("anonymous", {}), ("stranger", {"Authorization": stranger["token"]})):
        refused[who] = dump(app, resource["id"], status=404, headers=headers, format=fmt)
        assert NOT_FOUND in refused[who].body
        assert LONG_2566 not in refused[who].body and "1234" not in refused[who].body
        # CKAN itself answers a format the portal leaves to it (refusing before
        # it looks at the format): the same page, but for the link to itself.
        ckan = dump(app, resource["id"], status=404, headers=headers, format="ods")
        assert without_token(ckan.body).replace("format=ods", f"format={fmt}") == without_token(refused[who].body)

    sysadmin = factories.SysadminWithToken()
    allowed = dump(app, resource["id"], headers={"Authorization": sysadmin["token"]}, format=fmt)
    assert len(allowed.bytes) > 100


def test_parameters_are_checked_as_ckan_checks_them(app, table):
    resource, _ = table
    assert "limit" in dump(app, resource["id"], status=400, limit="สิบ").body
    # Formats the portal does not write are CKAN's.
    assert "format" in dump(app, resource["id"], status=400, format="ods").body
    assert "filters" in dump(app, resource["id"], status=400, filters="{not json").body
    unknown = dump(app, resource["id"], status=400, filters=json.dumps({"ไม่มีคอลัมน์นี้": 1}))
    assert "ไม่มีคอลัมน์นี้" in unknown.body


def test_workbook_values():
    excel = downloads.excel_value
    assert excel("2023-05-19", "date") == datetime.date(2023, 5, 19)
    assert excel("2023-05-19T08:30:00", "timestamp") == datetime.datetime(2023, 5, 19, 8, 30)
    assert excel("1543-05-19", "date") == "1543-05-19"  # before Excel's calendar
    assert excel(1234567890123456789, "int8") == "1234567890123456789"  # beyond Excel's 15 digits
    assert excel(1103700012345, "int8") == 1103700012345
    assert excel(12.5, "numeric") == 12.5
    assert excel(["ก", "ข"], "_text") == '["ก", "ข"]'
    assert excel("ก\x0bข", "text") == "กข"
    assert excel("ก" * 40000, "text") == "ก" * 32767
    assert excel(None, "text") is None
