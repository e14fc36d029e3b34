"""The national GDC metadata workbook: layouts, cell values, reading and writing (pure, no CKAN).

The workbooks here are built with openpyxl the way the national template and
agencies shape them: a title merged across the top, instructions, the header
on row 4 (row 5 for the March 2021 Temp1_Dataset), an explanation row, Thai
headers, Excel date cells and day numbers, Buddhist-era years, Thai digits,
"อื่นๆ" with free text, TRUE/FALSE and ใช่/ไม่ใช่, titles with dots and brackets.
"""
from __future__ import annotations

import datetime
import io
import tracemalloc
import zipfile

import openpyxl
import pytest

from ckanext.provincial.gdc_workbook import layout as layouts, values
from ckanext.provincial.gdc_workbook.reader import read_catalogue
from ckanext.provincial.gdc_workbook.writer import write_catalogue, write_template

pytestmark = pytest.mark.unit

CURRENT = layouts.layouts()[layouts.CURRENT]
MARCH = layouts.layouts()[layouts.MARCH_2021]
SUFFIX = {entry["suffix"]: entry["value"] for entry in layouts.data_types()}
TYPE_SUFFIX = {value: suffix for suffix, value in SUFFIX.items()}


# ------------------------------------------------------------ workbooks --


def national_header(key, role=layouts.METADATA):
    """Headers as the national template words them: labels, some with the asterisk of a required column."""
    if key is None:
        return None
    if key in layouts.OWN_COLUMNS:
        return layouts.config()["own_columns"][key]["th"]
    fields = layouts.dataset_fields() if role == layouts.METADATA else layouts.resource_fields()
    field = fields[key]
    return field.label_th + ("*" if field.required else "")


def fill_sheet(sheet, spec, rows, extra_columns=(), explanation=True):
    """Title rows, header, explanation row, then ``rows`` (dicts by column key; None = a blank row)."""
    keys = spec.keys() + [key for key, _header in extra_columns]
    sheet.cell(row=1, column=1, value=f"แบบฟอร์มบัญชีข้อมูล (Data Catalog) – {spec.name}")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    sheet.cell(row=2, column=1, value="คำชี้แจง: กรอกข้อมูลตั้งแต่แถวที่ 6 เป็นต้นไป ห้ามแก้ไขหัวตาราง")
    for column, key in enumerate(spec.keys(), start=1):
        sheet.cell(row=spec.header_row, column=column, value=national_header(key, spec.role))
    for offset, (_key, header) in enumerate(extra_columns):
        sheet.cell(row=spec.header_row, column=len(spec.keys()) + offset + 1, value=header)
    if spec.explanation_row and explanation:
        for column in range(1, len(keys) + 1):
            sheet.cell(row=spec.header_row + 1, column=column, value="ตัวอย่าง/คำอธิบายการกรอก")
    row_number = spec.first_data_row if explanation else spec.header_row + 1
    for row in rows:
        if row is not None:
            for column, key in enumerate(keys, start=1):
                if key in row:
                    sheet.cell(row=row_number, column=column, value=row[key])
        row_number += 1


def national_workbook(path, key=layouts.CURRENT, datasets=None, links=None, extra_columns=None, skip=()):
    """A workbook of the national layout ``key``; ``datasets``/``links`` by sheet suffix (links: list for March)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    chosen = layouts.layouts()[key]
    for spec in chosen.sheets:
        if spec.name in skip:
            continue
        suffix = spec.name.rsplit("_", 1)[-1]
        if spec.role == layouts.METADATA:
            rows = (datasets or {}).get(suffix, [])
            extra = (extra_columns or {}).get(suffix, ())
        elif spec.role == layouts.LINKS:
            rows, extra = links or [], ()
        else:
            rows, extra = (links or {}).get(suffix, []), ()
        fill_sheet(book.create_sheet(spec.name), spec, rows, extra)
    book.save(path)
    return str(path)


RECORD = {
    "name": "Factory List 2566", "d_type": "ข้อมูลระเบียน",
    "title": "ทะเบียนโรงงาน จ.ปทุมธานี (ข้อมูล ณ 31 ธ.ค. 2566).",
    "owner_org": "สำนักงานอุตสาหกรรมจังหวัดปทุมธานี", "maintainer": "กลุ่มงานทะเบียนโรงงาน",
    "maintainer_email": "factory@pathumthani.go.th", "tag_string": "โรงงาน, อุตสาหกรรม、ปทุมธานี",
    "notes": "รายชื่อโรงงานที่ได้รับอนุญาต\nแยกรายอำเภอ", "objective": "พันธกิจหน่วยงาน, แผนพัฒนาจังหวัดปทุมธานี",
    "update_frequency_unit": "ปี", "update_frequency_interval": 1, "geo_coverage": "อื่น ๆ: เขตนิคมอุตสาหกรรม",
    "data_source": "ระบบทะเบียนโรงงาน กรมโรงงานอุตสาหกรรม", "data_format": "XLS/XLSX, ฐานข้อมูล",
    "data_category": "ข้อมูลสาธารณะ", "license_id": "Open Data Common", "accessible_condition": "-",
    "created_date": datetime.datetime(2023, 1, 15), "last_updated_date": "๑๕/๐๑/๒๕๖๗",
    "url": "https://pathumthani.go.th/factory", "data_support": "หน่วยงานของรัฐ",
    "data_collect": "บริษัท/ห้างร้าน/สถานประกอบการ", "data_language": "ไทย, English",
    "high_value_dataset": True, "reference_data": "ไม่ใช่",
}
STAT = {
    "name": "population_2566", "d_type": "ข้อมูลสถิติ", "title": "จำนวนประชากร จำแนกตามเพศ [รายอำเภอ] พ.ศ. 2566",
    "owner_org": "ที่ทำการปกครองจังหวัดปทุมธานี", "maintainer": "ฝ่ายทะเบียน", "maintainer_email": "dopa@example.go.th",
    "tag_string": "ประชากร", "notes": "ประชากรตามทะเบียนราษฎร", "objective": "ยุทธศาสตร์ชาติ",
    "update_frequency_unit": "ปี", "update_frequency_interval": "๑", "geo_coverage": "อำเภอ",
    "data_source": "กรมการปกครอง", "data_format": "CSV", "data_category": "ข้อมูลสาธารณะ",
    "license_id": "Creative Commons Attributions", "accessible_condition": "เปิดเผยได้",
    "first_year_of_data": "พ.ศ. 2560", "last_year_of_data": 2566, "data_release_calendar": 45352,
    "last_updated_date": "15 ม.ค. 2567", "disaggregate": "เพศ, อายุ/กลุ่มอายุ", "unit_of_measure": "คน",
    "unit_of_multiplier": "พัน", "calculation_method": "นับจากทะเบียน", "standard": "มาตรฐานสถิติ",
    "url": "https://stat.example.go.th", "data_language": "ไทย", "official_statistics": "TRUE",
}
GIS = {
    "name": "admin-boundary", "d_type": "ข้อมูลภูมิสารสนเทศเชิงพื้นที่", "title": "ขอบเขตการปกครอง อ.คลองหลวง",
    "owner_org": "สำนักงานโยธาธิการและผังเมืองจังหวัด", "maintainer": "กลุ่มงานผังเมือง",
    "maintainer_email": "gis@example.go.th", "tag_string": "ขอบเขต; แผนที่", "notes": "ชั้นข้อมูลขอบเขต",
    "objective": "ไม่ทราบ", "update_frequency_unit": "ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล",
    "geo_coverage": "อำเภอ", "data_source": "กรมโยธาธิการและผังเมือง", "data_format": "Shapefile",
    "data_category": "ข้อมูลสาธารณะ", "license_id": "Open Data Common",
    "geographic_data_set": "ชั้นข้อมูลขอบเขตการปกครอง", "equivalent_scale": "1:4,000",
    "west_bound_longitude": 100.5, "east_bound_longitude": "100.9", "north_bound_longitude": "14.3",
    "south_bound_longitude": 13.9, "positional_accuracy": "±5 เมตร",
    "reference_period": "1 ต.ค. 2565 - 30 ก.ย. 2566", "last_updated_date": "2566-12-01",
    "data_release_calendar": "2566-12-15", "data_release_date": datetime.datetime(2023, 12, 20),
    "url": "https://gis.example.go.th", "data_language": "ไทย",
}
MULTI = dict(RECORD, name="multi-set", d_type="ข้อมูลหลากหลายประเภท", title="ชุดข้อมูลหลายประเภท",
             objective="ไม่ทราบ", geo_coverage="จังหวัด", high_value_dataset="ใช่", reference_data=False)
OTHER = dict(RECORD, name="photos", d_type=None, data_type_other="ข้อมูลภาพถ่าย", title="ภาพถ่ายโครงการ",
             objective="ไม่ทราบ", geo_coverage="จังหวัด", high_value_dataset="FALSE", reference_data="TRUE")
OTHER.pop("d_type")


@pytest.fixture
def current_file(tmp_path):
    return national_workbook(
        tmp_path / "agency.xlsx",
        datasets={"Record": [RECORD], "Stat": [STAT], "GIS": [GIS], "Multi": [MULTI], "Other": [OTHER]},
        links={
            "Record": [{"dataset_name": "Factory List 2566", "name": "ทะเบียนโรงงาน ปี 2566",
                        "url": "https://pathumthani.go.th/factory.xlsx", "format": "XLSX",
                        "resource_last_updated_date": "15/01/2567", "resource_created_date": 44941,
                        "resource_data_collect": "โรงงาน"}],
            "Stat": [{"dataset_name": "population_2566", "name": "ประชากร 2566",
                      "url": "https://stat.example.go.th/pop.csv", "format": "CSV",
                      "resource_first_year_of_data": "๒๕๖๖", "resource_official_statistics": "ใช่",
                      "resource_disaggregate": "เพศ"}],
            "GIS": [{"dataset_name": "admin-boundary", "name": "Shapefile", "url": "https://gis.example.go.th/a.zip",
                     "format": "SHP", "resource_equivalent_scale": "1:2,000",
                     "resource_geographic_data_set": "ชั้นข้อมูลขอบเขตการปกครอง"}],
        })


def by_name(catalogue):
    return {record.dataset["name"]: record for record in catalogue.records}


# --------------------------------------------------------------- reading --


def test_current_layout_as_agencies_fill_it(current_file):
    catalogue = read_catalogue(current_file)
    assert [p.as_dict() for p in catalogue.problems] == []
    assert catalogue.layout == "current" and catalogue.data_rows == 5
    found = by_name(catalogue)
    assert set(found) == {"factory-list-2566", "population_2566", "admin-boundary", "multi-set", "photos"}

    record = found["factory-list-2566"]
    assert (record.sheet, record.row) == ("Temp2_Meta_Record", 6)
    assert record.owner_org_text == "สำนักงานอุตสาหกรรมจังหวัดปทุมธานี"
    data = record.dataset
    assert data["data_type"] == "ข้อมูลระเบียน"
    assert data["title"] == "ทะเบียนโรงงาน จ.ปทุมธานี (ข้อมูล ณ 31 ธ.ค. 2566)."
    assert data["tag_string"] == "โรงงาน,อุตสาหกรรม,ปทุมธานี"
    assert data["notes"] == "รายชื่อโรงงานที่ได้รับอนุญาต\nแยกรายอำเภอ"
    assert data["objective"] == ["พันธกิจหน่วยงาน", "อื่นๆ"]
    assert data["objective_other"] == "แผนพัฒนาจังหวัดปทุมธานี"
    assert data["update_frequency_interval"] == "1"
    assert (data["geo_coverage"], data["geo_coverage_other"]) == ("อื่นๆ", "เขตนิคมอุตสาหกรรม")
    assert data["data_format"] == ["Database", "XLS"]           # labels to stored values, in the choices' order
    assert "accessible_condition" in data and data["accessible_condition"] == "-"   # text is kept as written
    assert data["created_date"] == "2023-01-15"                  # an Excel date cell
    assert data["last_updated_date"] == "2024-01-15"             # Thai digits, Buddhist era
    assert data["data_language"] == ["ไทย", "อังกฤษ"]            # the English label of a choice
    assert (data["high_value_dataset"], data["reference_data"]) == ("True", "False")
    assert "owner_org" not in data and "private" not in data
    assert record.locate("objective_other") == ("Temp2_Meta_Record", 6, "I")
    assert record.locate("tags") == ("Temp2_Meta_Record", 6, "G")

    [link] = record.resources
    assert (link.sheet, link.row) == ("Temp3_Resource_Record", 6)
    assert link.resource == {"name": "ทะเบียนโรงงาน ปี 2566", "url": "https://pathumthani.go.th/factory.xlsx",
                             "format": "XLSX", "resource_last_updated_date": "2024-01-15",
                             "resource_created_date": "2023-01-15", "resource_data_collect": "อื่นๆ",
                             "resource_data_collect_other": "โรงงาน"}
    assert data["resources"] == [link.resource]
    assert record.locate("url", 0) == ("Temp3_Resource_Record", 6, "C")

    stat = found["population_2566"].dataset
    assert (stat["first_year_of_data"], stat["last_year_of_data"]) == ("2560", "2566")
    assert stat["update_frequency_interval"] == "1"
    assert stat["data_release_calendar"] == "2024-03-01"         # an Excel day number
    assert stat["last_updated_date"] == "2024-01-15"
    assert stat["disaggregate"] == ["เพศ", "อายุ/กลุ่มอายุ"]
    assert stat["official_statistics"] == "True"
    assert stat["resources"][0]["resource_first_year_of_data"] == "2566"
    assert stat["resources"][0]["resource_official_statistics"] == "True"

    gis = found["admin-boundary"].dataset
    assert gis["reference_period"] == "2022-10-01/2023-09-30"
    assert (gis["west_bound_longitude"], gis["south_bound_longitude"]) == ("100.5", "13.9")
    assert gis["equivalent_scale"] == "1:4,000"
    assert gis["data_release_date"] == "2023-12-20" and gis["data_release_calendar"] == "2023-12-15"
    assert gis["tag_string"] == "ขอบเขต,แผนที่"
    [shape] = gis["resources"]
    assert (shape["resource_equivalent_scale"], shape["resource_equivalent_scale_other"]) == ("อื่นๆ", "1:2,000")

    assert found["multi-set"].dataset["high_value_dataset"] == "True"
    assert found["multi-set"].dataset["reference_data"] == "False"
    other = found["photos"].dataset
    assert (other["data_type"], other["data_type_other"]) == ("ข้อมูลประเภทอื่นๆ", "ข้อมูลภาพถ่าย")
    assert (other["high_value_dataset"], other["reference_data"]) == ("False", "True")


def test_march_2021_layout_with_temp1_dataset_links(tmp_path):
    record = {key: value for key, value in RECORD.items() if key not in ("d_type", "high_value_dataset",
                                                                          "reference_data")}
    path = national_workbook(
        tmp_path / "2021.xlsx", layouts.MARCH_2021, datasets={"Record": [record], "Stat": [STAT]},
        links=[{"dataset_title": RECORD["title"], "dataset_name": "Factory List 2566",
                "url": "https://pathumthani.go.th/files/factory.csv", "description": "ไฟล์ CSV", "format": "CSV"},
               None,
               {"dataset_title": STAT["title"], "dataset_name": "population_2566",
                "url": "https://stat.example.go.th/", "format": "HTML"}])
    catalogue = read_catalogue(path)
    assert [p.as_dict() for p in catalogue.problems] == []
    assert catalogue.layout == "2021-03"
    found = by_name(catalogue)
    factory = found["factory-list-2566"]
    assert factory.dataset["created_date"] == "2023-01-15" and "high_value_dataset" not in factory.dataset
    # No resource name in March 2021: the link's last part, as the national importer names it.
    [link] = factory.resources
    assert (link.sheet, link.row) == ("Temp1_Dataset", 6)
    assert link.resource == {"url": "https://pathumthani.go.th/files/factory.csv", "description": "ไฟล์ CSV",
                             "format": "CSV", "name": "factory.csv"}
    assert found["population_2566"].resources[0].row == 8       # the blank row between is skipped
    assert found["population_2566"].resources[0].resource["name"] == "stat.example.go.th"


def test_march_2021_metadata_sheets_without_their_links_sheet(tmp_path):
    record = {key: value for key, value in RECORD.items() if key not in ("d_type", "high_value_dataset",
                                                                          "reference_data")}
    path = national_workbook(tmp_path / "2021.xlsx", layouts.MARCH_2021, datasets={"Record": [record]},
                             skip=("Temp1_Dataset",))
    catalogue = read_catalogue(path)
    assert catalogue.layout == "2021-03"
    assert by_name(catalogue)["factory-list-2566"].dataset["title"] == RECORD["title"]
    assert [(p.sheet, p.row) for p in catalogue.problems] == [("Temp1_Dataset", None)]


def test_provincial_columns_are_found_by_their_header_in_any_order(tmp_path):
    extra = [("pmqa", "PMQA"), ("province_code", "จังหวัด"), ("reference_period", "Reference period"),
             ("district_codes", "district_codes"), ("data_classification", "ระดับชั้นข้อมูล"),
             ("allow_harvest", "ยินยอมให้นำชื่อชุดข้อมูลไปใช้ที่ GD-Catalog"),
             ("requirement_codes", "รายการข้อมูลตามแผนความต้องการข้อมูลของจังหวัด")]
    row = dict(RECORD, pmqa="4.1, 4.2", province_code="ปทุมธานี", reference_period="ปีงบประมาณ 2566",
               district_codes="1301 1302", data_classification="เปิดเผย", allow_harvest="ยินยอม",
               requirement_codes="PT-REQ-01; PT-REQ-02")
    row["reference_period"] = "1/10/2565 ถึง 30/9/2566"
    path = national_workbook(tmp_path / "provincial.xlsx", datasets={"Record": [row]},
                             extra_columns={"Record": extra})
    catalogue = read_catalogue(path)
    assert [p.as_dict() for p in catalogue.problems] == []
    assert catalogue.layout == "current+provincial"
    [record] = catalogue.records
    data = record.dataset
    assert data["pmqa"] == ["4.1", "4.2"]
    assert data["province_code"] == "13"
    assert data["reference_period"] == "2022-10-01/2023-09-30"
    assert data["district_codes"] == ["1301", "1302"]
    assert data["data_classification"] == "เปิดเผย" and data["allow_harvest"] == "True"
    assert data["requirement_codes"] == ["PT-REQ-01", "PT-REQ-02"]
    assert record.locate("province_code") == ("Temp2_Meta_Record", 6, "AA")


# --------------------------------------------------------------- round trip --


FULL = {
    "ข้อมูลระเบียน": {
        "created_date": "2022-05-01", "data_support": "อื่นๆ", "data_support_other": "ชมรมผู้ประกอบการ",
        "data_collect": "บุคคล", "high_value_dataset": "True", "reference_data": "False"},
    "ข้อมูลสถิติ": {
        "first_year_of_data": "2560", "last_year_of_data": "2023", "data_release_calendar": "2024-03-01",
        "disaggregate": ["เพศ", "อื่นๆ"], "disaggregate_other": "ช่วงรายได้, กลุ่มอาชีพ",
        "unit_of_measure": "คน", "unit_of_multiplier": "อื่นๆ", "unit_of_multiplier_other": "หมื่นคน",
        "calculation_method": "ผลรวม", "standard": "ISIC", "official_statistics": "False"},
    "ข้อมูลภูมิสารสนเทศเชิงพื้นที่": {
        "geographic_data_set": "ชั้นข้อมูลภาพวาดดาวเทียมดัดแก้", "equivalent_scale": "อื่นๆ",
        "equivalent_scale_other": "1:1,000", "west_bound_longitude": "100.30", "east_bound_longitude": "100.9",
        "north_bound_longitude": "14.3", "south_bound_longitude": "-13.9", "positional_accuracy": "±5 เมตร",
        "data_release_calendar": "2024-01-01", "data_release_date": "2024-02-29"},
    "ข้อมูลหลากหลายประเภท": {"created_date": "2020-02-29", "data_collect": "อื่นๆ", "data_collect_other": "ร้านค้า",
                             "data_support": "สถาบันการศึกษา", "high_value_dataset": "False", "reference_data": "True"},
    "ข้อมูลประเภทอื่นๆ": {"data_type_other": "ข้อมูลเสียงสัมภาษณ์", "data_support": "ไม่มี",
                          "created_date": "1999-12-31",
                          "data_collect": "ไม่ทราบ", "high_value_dataset": "True", "reference_data": "True"},
}
RESOURCE_EXTRA = {
    "ข้อมูลระเบียน": {"resource_created_date": "2022-05-01", "resource_data_collect": "บุคคล"},
    "ข้อมูลสถิติ": {"resource_first_year_of_data": "2566", "resource_last_year_of_data": "2566",
                    "resource_data_release_calendar": "2024-03-01", "resource_disaggregate": ["อื่นๆ"],
                    "resource_disaggregate_other": "ตำบล", "resource_unit_of_measure": "คน",
                    "resource_unit_of_multiplier": "หน่วย", "resource_official_statistics": "True"},
    "ข้อมูลภูมิสารสนเทศเชิงพื้นที่": {"resource_equivalent_scale": "1:50,000", "resource_positional_accuracy": "1 ม.",
                                    "resource_geographic_data_set": "ชั้นข้อมูลป่าไม้",
                                    "resource_created_date": "2021-01-01", "resource_data_release_date": "2021-06-30"},
    "ข้อมูลหลากหลายประเภท": {"resource_data_collect": "อื่นๆ", "resource_data_collect_other": "แปลงนา"},
    "ข้อมูลประเภทอื่นๆ": {},
}


def stored_dataset(data_type, number=1):
    """A dataset as package_show gives it, every field of its type filled."""
    dataset = {
        "id": "0b8f-not-read", "name": f"dataset-{number}-{TYPE_SUFFIX[data_type].lower()}",
        "title": f"ชุดข้อมูลที่ {number} (ทดสอบ) ปี 2566.", "data_type": data_type, "owner_org": "org-id",
        "organization": {"name": "pathum-industry"}, "private": True,
        "allow_harvest": "False", "reference_url_catalog": "https://agency.example.go.th/dataset/x",
        "maintainer": "กลุ่มงานข้อมูล", "maintainer_email": "data@example.go.th",
        "tags": [{"name": "ปทุมธานี"}, {"name": "ข้อมูล เปิด"}, {"name": "open-data"}],
        "notes": "=HYPERLINK(\"http://evil.example\")\n\n  - ข้อที่ 1  \n    - ข้อย่อย\tมีแท็บ\nบรรทัดที่สอง",
        "objective": ["ยุทธศาสตร์ชาติ", "อื่นๆ"],
        "objective_other": "แผนพัฒนาจังหวัด", "update_frequency_unit": "อื่นๆ",
        "update_frequency_unit_other": "ทุก 5 ปี", "update_frequency_interval": "2", "geo_coverage": "ตำบล",
        "data_source": "+สำนักงานสถิติ", "data_format": ["CSV", "XLS", "อื่นๆ"], "data_format_other": "ODS",
        "data_category": "ข้อมูลสาธารณะ", "data_classification": "ชั้นเผยแพร่ภายในองค์กร",
        "license_id": "อื่นๆ", "license_id_other": "สัญญาอนุญาตของจังหวัด", "accessible_condition": "@ติดต่อ",
        "url": "https://example.go.th/about", "data_language": ["ไทย", "อังกฤษ"],
        "last_updated_date": "2024-01-15", "reference_period": "2022-10-01/2023-09-30",
        "province_code": "13", "district_codes": ["1301", "1302"], "subdistrict_codes": ["130101"],
        "development_issues": ["13-livable-industry", "13-livable-industry-clean"], "pmqa": ["4", "4.1"],
        "requirement_codes": ["PT-01", "PT-02"],
        "resources": [
            {"id": "r1", "name": "ไฟล์ข้อมูล (CSV)", "url": "https://example.go.th/data.csv", "format": "CSV",
             "description": "-ข้อมูลรายปี", "resource_accessible_condition": "เปิดเผย",
             "resource_last_updated_date": "2024-01-15", **RESOURCE_EXTRA[data_type]},
            {"id": "r2", "name": "API", "url": "https://example.go.th/api", "format": "JSON"},
        ],
    }
    dataset.update(FULL[data_type])
    return dataset


def schema_fields_of(data_type):
    return [name for name, field in layouts.dataset_fields().items()
            if field.applies_to(data_type) and name not in ("owner_org",)]


def comparable(dataset, fields):
    out = {}
    for name in fields:
        if name == "tag_string":
            value = ",".join(tag["name"] for tag in dataset.get("tags") or []) or dataset.get("tag_string")
        else:
            value = dataset.get(name)
        if value not in (None, "", []):
            out[name] = value
    return out


RESOURCE_FIELDS = list(layouts.resource_fields())


@pytest.mark.parametrize("data_type", list(SUFFIX.values()))
def test_round_trip_write_then_read_gives_every_field_back(tmp_path, data_type):
    dataset = stored_dataset(data_type)
    path = tmp_path / "export.xlsx"
    path.write_bytes(write_catalogue([dataset], organizations={"org-id": "สำนักงานอุตสาหกรรมจังหวัดปทุมธานี"}))
    catalogue = read_catalogue(str(path))
    assert [p.as_dict() for p in catalogue.problems] == []
    assert catalogue.layout == "current+provincial"
    [record] = catalogue.records
    assert record.sheet == f"Temp2_Meta_{TYPE_SUFFIX[data_type]}"
    assert record.owner_org_text == "สำนักงานอุตสาหกรรมจังหวัดปทุมธานี"
    fields = schema_fields_of(data_type)
    expected = comparable(dataset, fields)
    got = comparable(record.dataset, fields)
    assert got == expected
    # every field the schema has for this type was filled, so every one came back
    missing = [name for name in fields if name not in got and not name.endswith("_other") and name != "data_type"]
    assert missing == []
    assert [comparable(r, RESOURCE_FIELDS) for r in record.dataset["resources"]] == \
        [comparable(r, RESOURCE_FIELDS) for r in dataset["resources"]]


def test_export_is_the_current_national_layout_with_our_columns_after(tmp_path):
    data = write_catalogue([stored_dataset("ข้อมูลสถิติ")], organizations={"org-id": "สำนักงานสถิติจังหวัด"})
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[:10] == [sheet.name for sheet in CURRENT.sheets]
    sheet = book["Temp2_Meta_Stat"]
    assert sheet["A1"].value.startswith("บัญชีข้อมูล") and "A1:" in str(sheet.merged_cells)
    national = len(CURRENT.sheet("Temp2_Meta_Stat").columns)
    assert [sheet.cell(4, i).value for i in (1, 2, 3)] == ["URL", "ประเภทชุดข้อมูล", "ชื่อชุดข้อมูล"]
    assert sheet.cell(4, national + 1).value == "จังหวัด"
    assert sheet.cell(5, national + 1).value == "Province (province_code)"
    assert sheet["A6"].value == "dataset-1-stat" and sheet["B6"].value == "ข้อมูลสถิติ"
    assert sheet["D6"].value == "สำนักงานสถิติจังหวัด"
    # Dates in the Buddhist era, as the national importer reads them; yes/no in Thai.
    row = {sheet.cell(5, column).value.rsplit("(", 1)[-1].rstrip(")"): sheet.cell(6, column).value
           for column in range(1, sheet.max_column + 1) if sheet.cell(5, column).value}
    assert row["last_updated_date"] == "2567-01-15" and row["reference_period"] == "2565-10-01/2566-09-30"
    assert row["official_statistics"] == "ไม่ใช่" and row["allow_harvest"] == "ไม่ยินยอม"
    assert row["objective"] == "ยุทธศาสตร์ชาติ, แผนพัฒนาจังหวัด"
    # Text that starts like a formula is text, never a formula.
    notes = sheet.cell(6, [c.value for c in sheet[4]].index("รายละเอียด") + 1)
    assert notes.data_type == "s" and notes.value.startswith("=HYPERLINK") and notes.quotePrefix
    assert book["Temp3_Resource_Stat"]["A6"].value == "dataset-1-stat"


def test_national_only_export_has_exactly_the_national_columns(tmp_path):
    """The national importer names a sheet's columns by position: it needs their exact number."""
    path = tmp_path / "national.xlsx"
    path.write_bytes(write_catalogue([stored_dataset(t) for t in SUFFIX.values()], national_only=True))
    book = openpyxl.load_workbook(str(path))
    for spec in CURRENT.sheets:
        assert book[spec.name].max_column == len(spec.columns), spec.name
    catalogue = read_catalogue(str(path))
    assert catalogue.problems == [] and catalogue.layout == "current"
    record = by_name(catalogue)["dataset-1-gis"]
    assert record.dataset["reference_period"] == "2022-10-01/2023-09-30" and "province_code" not in record.dataset


def test_template_has_every_sheet_no_rows_and_drop_downs(tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(write_template())
    catalogue = read_catalogue(str(path))
    assert (catalogue.records, catalogue.problems, catalogue.data_rows) == ([], [], 0)
    book = openpyxl.load_workbook(str(path))
    sheet = book["Temp2_Meta_Record"]
    assert sheet.max_row == 5
    lists = {str(rule.sqref).split(":")[0]: rule.formula1 for rule in sheet.data_validations.dataValidation}
    category = [c.value for c in sheet[4]].index("หมวดหมู่ข้อมูลตามธรรมาภิบาลข้อมูลภาครัฐ*".rstrip("*")) + 1
    assert openpyxl.utils.get_column_letter(category) + "6" in lists
    assert book["รายการตัวเลือก"].sheet_state == "hidden"


def _reading_overhead(tmp_path, rows: int) -> int:
    """Bytes that reading a workbook of ``rows`` datasets needs besides the records it returns."""
    def datasets():
        for number in range(rows):
            yield {"name": f"ds-{number:05d}", "title": f"ชุดข้อมูล {number}", "data_type": "ข้อมูลระเบียน",
                   "maintainer": "กลุ่มงาน", "maintainer_email": "a@example.go.th", "tag_string": "ข้อมูล",
                   "notes": "รายละเอียด", "objective": ["ไม่ทราบ"], "update_frequency_unit": "ปี",
                   "geo_coverage": "จังหวัด", "data_source": "หน่วยงาน", "data_format": ["CSV"],
                   "data_category": "ข้อมูลสาธารณะ", "license_id": "Open Data Common",
                   "last_updated_date": "2024-01-15", "province_code": "13"}
    path = tmp_path / f"large-{rows}.xlsx"
    path.write_bytes(write_catalogue(datasets()))
    tracemalloc.start()
    try:
        catalogue = read_catalogue(str(path))
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert catalogue.problems == [] and catalogue.data_rows == rows
    assert catalogue.records[-1].row == rows + 5 and catalogue.records[-1].dataset["name"] == f"ds-{rows - 1:05d}"
    return peak - kept


def test_large_workbooks_stream_through(tmp_path):
    """The sheets are read row by row, not held as cells: what reading needs besides the records
    it returns does not grow with the workbook (a parsed sheet grows with every row; its XML
    alone is several times the records). The bench (bench/import.py) times large workbooks."""
    small = _reading_overhead(tmp_path, 500)
    large = _reading_overhead(tmp_path, 2_000)
    # Read as cells, 2,000 rows of about 40 columns would take tens of MB.
    assert large < small * 1.5 + 1_000_000, (small, large)
    assert large < 5_000_000


def test_max_rows_stops_reading_with_a_problem(tmp_path):
    path = tmp_path / "many.xlsx"
    path.write_bytes(write_catalogue(stored_dataset("ข้อมูลระเบียน", n) for n in range(5)))
    catalogue = read_catalogue(str(path), max_rows=3)
    assert catalogue.data_rows == 3 and len(catalogue.records) == 3
    [problem] = catalogue.problems
    assert (problem.sheet, problem.row) == ("Temp2_Meta_Record", 9)
    assert "3" in problem.message and "เกิน" in problem.message_th


# --------------------------------------------------------------- bad input --


def problem_at(catalogue, sheet, row=None, column=None):
    found = [p for p in catalogue.problems if p.sheet == sheet and (row is None or p.row == row)
             and (column is None or p.column == column)]
    assert found, [p.as_dict() for p in catalogue.problems]
    return found[0]


def test_renamed_and_missing_sheets(tmp_path):
    path = national_workbook(tmp_path / "renamed.xlsx", datasets={"Record": [RECORD]}, skip=("Temp2_Meta_GIS",))
    book = openpyxl.load_workbook(path)
    book["Temp2_Meta_Record"].title = "temp2_meta_record (2)"
    book.create_sheet("คำชี้แจง")   # instructions: not read, not a problem
    book.save(path)
    catalogue = read_catalogue(path)
    renamed = problem_at(catalogue, "temp2_meta_record (2)")
    assert "Temp2_Meta_Record" in renamed.message and "เปลี่ยนชื่อ" in renamed.message_th
    missing = problem_at(catalogue, "Temp2_Meta_GIS")
    assert "missing" in missing.message and "ไม่พบแผ่นงาน" in missing.message_th
    assert len(catalogue.problems) == 2
    # The link of the renamed sheet's dataset names no dataset the workbook still has.
    assert catalogue.records == []


def test_workbook_of_other_sheets_is_not_the_national_one(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "ประชากร"
    book.active.append(["อำเภอ", "จำนวน"])
    path = str(tmp_path / "table.xlsx")
    book.save(path)
    catalogue = read_catalogue(path)
    [problem] = catalogue.problems
    assert problem.sheet is None and "ประชากร" in problem.message and "แบบฟอร์มบัญชีข้อมูล" in problem.message_th


def test_missing_moved_and_extra_columns(tmp_path):
    short = dict(RECORD)
    path = national_workbook(tmp_path / "columns.xlsx", datasets={"Record": [short], "Stat": [STAT]},
                             extra_columns={"Stat": [("x", "หมายเหตุของหน่วยงาน")]})
    book = openpyxl.load_workbook(path)
    book["Temp2_Meta_Record"].delete_cols(24)  # high_value_dataset gone: reference_data moves left
    book["Temp2_Meta_Record"].delete_cols(3)   # title gone: every column after it moves left
    book.save(path)
    catalogue = read_catalogue(path)
    moved = problem_at(catalogue, "Temp2_Meta_Record", 4, "C")
    assert moved.field == "title" and "moved" in moved.message and "ย้ายคอลัมน์" in moved.message_th
    extra = problem_at(catalogue, "Temp2_Meta_Stat", 4, "AD")
    assert "หมายเหตุของหน่วยงาน" in extra.message and extra.field is None


def test_columns_missing_at_the_end(tmp_path):
    path = national_workbook(tmp_path / "short.xlsx", datasets={"Record": [RECORD]})
    book = openpyxl.load_workbook(path)
    book["Temp2_Meta_Record"].delete_cols(24, 2)
    book.save(path)
    catalogue = read_catalogue(path)
    problem = problem_at(catalogue, "Temp2_Meta_Record", 4, "X")
    assert "ชุดข้อมูลที่มีคุณค่าสูง" in problem.message and "ข้อมูลอ้างอิง" in problem.message


def test_data_in_a_column_without_header(tmp_path):
    path = national_workbook(tmp_path / "stray.xlsx", datasets={"Record": [RECORD]})
    book = openpyxl.load_workbook(path)
    book["Temp2_Meta_Record"]["AC6"] = "ข้อความหลงมา"
    book.save(path)
    problem = problem_at(read_catalogue(path), "Temp2_Meta_Record", 6, "AC")
    assert "no header" in problem.message


def test_merged_cells_in_data_rows(tmp_path):
    second = dict(RECORD, name="second-set")
    path = national_workbook(tmp_path / "merged.xlsx", datasets={"Record": [RECORD, second]})
    book = openpyxl.load_workbook(path)
    book["Temp2_Meta_Record"].merge_cells("E6:E7")   # the same maintainer for two datasets
    book.save(path)
    catalogue = read_catalogue(path)
    problem = problem_at(catalogue, "Temp2_Meta_Record", 6, "E")
    assert "E6:E7" in problem.message and "ผสาน" in problem.message_th
    assert len(catalogue.problems) == 1   # the merged title of row 1 is no problem


def test_formula_without_its_value_and_an_excel_error(tmp_path):
    path = national_workbook(tmp_path / "formula.xlsx", datasets={"Record": [RECORD, dict(RECORD, name="b")]})
    book = openpyxl.load_workbook(path)
    book["Temp2_Meta_Record"]["C6"] = '=CONCATENATE("ทะเบียน", "โรงงาน")'
    book["Temp2_Meta_Record"]["E7"] = "#N/A"   # openpyxl stores Excel's error values as errors (t="e")
    book.save(path)   # openpyxl saves formulas without a value, as any program but Excel
    catalogue = read_catalogue(path)
    formula = problem_at(catalogue, "Temp2_Meta_Record", 6, "C")
    assert formula.field == "title" and "formula" in formula.message and "สูตร" in formula.message_th
    error = problem_at(catalogue, "Temp2_Meta_Record", 7, "E")
    assert error.field == "maintainer" and "#N/A" in error.message


def test_empty_rows_in_the_middle_are_skipped(tmp_path):
    path = national_workbook(tmp_path / "gaps.xlsx",
                             datasets={"Record": [RECORD, None, None, dict(RECORD, name="after-gap")]})
    catalogue = read_catalogue(path)
    assert catalogue.problems == []
    assert [(r.dataset["name"], r.row) for r in catalogue.records] == [("factory-list-2566", 6), ("after-gap", 9)]


def test_template_rows_filled_down_with_the_data_type_or_formulas_are_blank(tmp_path):
    path = national_workbook(tmp_path / "filled.xlsx", datasets={"Record": [RECORD]})
    book = openpyxl.load_workbook(path)
    sheet = book["Temp2_Meta_Record"]
    for row in range(7, 200):
        sheet.cell(row=row, column=2, value="ข้อมูลระเบียน")
        sheet.cell(row=row, column=26, value=f'=IF(A{row}="","",1)')
    book.save(path)
    catalogue = read_catalogue(path)
    assert catalogue.problems == [] and catalogue.data_rows == 1


def test_duplicate_names_within_the_file(tmp_path):
    path = national_workbook(tmp_path / "dup.xlsx",
                             datasets={"Record": [RECORD], "Multi": [dict(MULTI, name="FACTORY LIST 2566")]})
    catalogue = read_catalogue(path)
    [problem] = catalogue.problems
    assert (problem.sheet, problem.row, problem.column, problem.field) == ("Temp2_Meta_Multi", 6, "A", "name")
    assert "Temp2_Meta_Record" in problem.message and "ซ้ำ" in problem.message_th


@pytest.mark.parametrize("name, words", [
    ("x" * 71, ("71", "70")),
    ("ทะเบียนโรงงาน", ("letters other than a-z", "ไม่ใช่ a-z")),
    ("โรงงาน-2566", ("letters other than a-z", "ไม่ใช่ a-z")),
    ("a", ("too short", "สั้นเกินไป")),
])
def test_names_that_cannot_be_url_names(tmp_path, name, words):
    path = national_workbook(tmp_path / "names.xlsx", datasets={"Record": [dict(RECORD, name=name)]})
    catalogue = read_catalogue(path)
    [problem] = catalogue.problems
    assert (problem.row, problem.column, problem.field) == (6, "A", "name")
    assert words[0] in problem.message and words[1] in problem.message_th
    assert "name" not in catalogue.records[0].dataset   # never an invented name


def test_row_without_a_name(tmp_path):
    row = dict(RECORD)
    row.pop("name")
    catalogue = read_catalogue(national_workbook(tmp_path / "noname.xlsx", datasets={"Record": [row]}))
    [problem] = catalogue.problems
    assert (problem.row, problem.column, problem.field) == (6, "A", "name")


def test_unknown_choices_without_an_other_field(tmp_path):
    row = dict(RECORD, data_category="ข้อมูลลับสุดยอด", high_value_dataset="บางส่วน", last_updated_date="32/01/2567")
    catalogue = read_catalogue(national_workbook(tmp_path / "choices.xlsx", datasets={"Record": [row]}))
    found = {p.field: p for p in catalogue.problems}
    assert set(found) == {"data_category", "high_value_dataset", "last_updated_date"}
    assert found["data_category"].column == "O" and "ข้อมูลสาธารณะ" in found["data_category"].message
    assert "ข้อมูลลับสุดยอด" in found["data_category"].message_th
    assert "ใช่" in found["high_value_dataset"].message_th
    assert "not a date" in found["last_updated_date"].message


def test_links_naming_no_dataset_or_a_dataset_of_another_type(tmp_path):
    path = national_workbook(
        tmp_path / "links.xlsx", datasets={"Record": [RECORD], "Stat": [STAT]},
        links={"Record": [{"dataset_name": "no-such-dataset", "name": "x", "url": "https://x.example/a",
                           "format": "CSV"}],
               "Multi": [{"dataset_name": "population_2566", "name": "y", "url": "https://x.example/b",
                          "format": "CSV"}]})
    catalogue = read_catalogue(path)
    nowhere = problem_at(catalogue, "Temp3_Resource_Record", 6, "A")
    assert "no-such-dataset" in nowhere.message
    elsewhere = problem_at(catalogue, "Temp3_Resource_Multi", 6, "A")
    assert "Temp3_Resource_Stat" in elsewhere.message
    assert all(not record.resources for record in catalogue.records)


def test_deleted_explanation_row_is_reported_not_dropped(tmp_path):
    path = national_workbook(tmp_path / "noexplanation.xlsx", datasets={"Record": [RECORD, dict(RECORD, name="b2")]})
    book = openpyxl.load_workbook(path)
    book["Temp2_Meta_Record"].delete_rows(5)
    book.save(path)
    catalogue = read_catalogue(path)
    problem = problem_at(catalogue, "Temp2_Meta_Record", 5)
    assert "explanation row" in problem.message and "แถวคำอธิบาย" in problem.message_th


@pytest.mark.parametrize("data", [
    "ชื่อ,ชื่อชุดข้อมูล\nfactory,โรงงาน\n".encode(),
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
])
def test_csv_or_pdf_renamed_xlsx(tmp_path, data):
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(data)
    catalogue = read_catalogue(str(path))
    [problem] = catalogue.problems
    assert problem.sheet is None and problem.message_th.startswith("ไฟล์นี้ไม่ใช่สมุดงาน Excel")
    assert catalogue.records == [] and catalogue.layout == ""


def test_zip_bomb(tmp_path):
    path = str(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(24):
                member.write(b" " * (1024 * 1024))
    [problem] = read_catalogue(path).problems
    assert problem.sheet is None and ":1" in problem.message


# ------------------------------------------------------------------- values --


FIELDS = layouts.dataset_fields()


@pytest.mark.parametrize("text, stored", [
    ("Factory List 2566", "factory-list-2566"),
    ("  pop.2566 (ปี)", None),
    ("pop.2566 [v2]", "pop-2566-v2"),
    ("ข้อมูล_๒๕๖๖", None),
    ("Data_๒๕๖๖", "data_2566"),
    ("ABC–DEF", "abc-def"),
])
def test_url_names(text, stored):
    if stored is None:
        with pytest.raises(values.CellError):
            values.url_name(text)
    else:
        assert values.url_name(text) == stored


@pytest.mark.parametrize("text, kind, stored", [
    ("2566-01-15", "text", "2023-01-15"),
    ("2023-01-15", "date", "2023-01-15"),
    ("2566-01-15", "date", "2023-01-15"),       # a date cell typed with the Buddhist year
    ("44941", "number", "2023-01-15"),
    ("15 ม.ค. 2566", "text", "2023-01-15"),
    ("15 มกราคม 2566", "text", "2023-01-15"),
    ("15/01/2566", "text", "2023-01-15"),
    ("๑๕/๐๑/๒๕๖๖", "text", "2023-01-15"),
    ("วันที่ 5 พ.ค. พ.ศ. 2566", "text", "2023-05-05"),
    ("29/02/2567", "text", "2024-02-29"),
])
def test_dates(text, kind, stored):
    assert values.read_value(FIELDS["created_date"], text, kind) == {"created_date": stored}


@pytest.mark.parametrize("text", ["2566", "1/15/2023", "30/02/2566", "เมื่อปีที่แล้ว"])
def test_not_dates(text):
    with pytest.raises(values.CellError):
        values.read_value(FIELDS["created_date"], text, "number" if text.isdigit() else "text")


@pytest.mark.parametrize("text, stored", [
    ("TRUE", "True"), ("FALSE", "False"), ("True", "True"), ("false", "False"), ("ใช่", "True"),
    ("ไม่ใช่", "False"), ("yes", "True"), ("No", "False"),
])
def test_yes_no(text, stored):
    assert values.read_value(FIELDS["reference_data"], text, "text") == {"reference_data": stored}


def test_yes_no_of_consent_and_empty_words():
    assert values.read_value(FIELDS["allow_harvest"], "ไม่ยินยอม") == {"allow_harvest": "False"}
    assert values.read_value(FIELDS["allow_harvest"], "-") == {}
    assert values.read_value(FIELDS["title"], "-") == {"title": "-"}


@pytest.mark.parametrize("text, stored", [
    ("CSV", {"data_format": ["CSV"]}),
    ("csv ， PDF；xls/xlsx", {"data_format": ["CSV", "XLS", "PDF"]}),
    ("JSON, ODS, Parquet", {"data_format": ["JSON", "อื่นๆ"], "data_format_other": "ODS, Parquet"}),
    ("อื่นๆ (โปรดระบุ) ODS", {"data_format": ["อื่นๆ"], "data_format_other": "ODS"}),
    ("อื่น ๆ", {"data_format": ["อื่นๆ"]}),
    ("CSV/JSON", {"data_format": ["CSV", "JSON"]}),
    ("DOC/DOCX", {"data_format": ["DOC/DOCX"]}),
    ("CSV และ PDF", {"data_format": ["CSV", "PDF"]}),
    ("CSV/ODS", {"data_format": ["อื่นๆ"], "data_format_other": "CSV/ODS"}),
])
def test_multiple_choices_and_the_other_convention(text, stored):
    assert values.read_value(FIELDS["data_format"], text) == stored


def test_words_agencies_write_for_a_choice():
    assert values.read_value(FIELDS["update_frequency_unit"], "รายปี") == {"update_frequency_unit": "ปี"}
    assert values.read_value(FIELDS["data_format"], "Excel, PDF") == {"data_format": ["XLS", "PDF"]}


def test_single_choice_keeps_commas_of_its_free_text():
    found = values.read_value(FIELDS["update_frequency_unit"], "ทุก 2 ปี, หรือเมื่อมีการเปลี่ยนแปลง")
    assert found == {"update_frequency_unit": "อื่นๆ",
                     "update_frequency_unit_other": "ทุก 2 ปี, หรือเมื่อมีการเปลี่ยนแปลง"}


@pytest.mark.parametrize("text, stored", [
    ("2566", "2566"), ("๒๕๖๖", "2566"), ("พ.ศ. 2566", "2566"), ("2023", "2023"), ("2566.0", "2566"),
])
def test_years_keep_their_era(text, stored):
    assert values.read_value(FIELDS["first_year_of_data"], text) == {"first_year_of_data": stored}


@pytest.mark.parametrize("text, stored", [
    ("2566-10-01/2567-09-30", "2023-10-01/2024-09-30"),
    ("2023-10-01/2024-09-30", "2023-10-01/2024-09-30"),
    ("01/10/2565/30/09/2566", "2022-10-01/2023-09-30"),
    ("1 ต.ค. 2565 – 30 ก.ย. 2566", "2022-10-01/2023-09-30"),
    ("15/01/2566", "2023-01-15"),
    ("2566", "2023-01-01/2023-12-31"),
    ("พ.ศ. 2560-2566", "2017-01-01/2023-12-31"),
])
def test_reference_periods(text, stored):
    assert values.read_value(FIELDS["reference_period"], text) == {"reference_period": stored}


def test_reversed_period_is_refused():
    with pytest.raises(values.CellError):
        values.read_value(FIELDS["reference_period"], "30/09/2566 - 01/10/2565")


def test_unknown_single_choice_without_other_field():
    with pytest.raises(values.CellError) as raised:
        values.read_value(FIELDS["data_category"], "ลับ")
    assert "ข้อมูลสาธารณะ" in raised.value.message


def test_every_schema_field_has_a_column_or_rides_in_its_choice():
    """A new dataset field must get a column (gdc_workbook.yaml) or the round trip loses it."""
    for spec in CURRENT.metadata_sheets():
        columns = set(spec.keys()) | {column.key for column in spec.provincial}
        for name, field in FIELDS.items():
            if not field.applies_to(spec.data_type) or name == "data_type":
                continue
            parent = next((f for f in FIELDS.values() if f.other == name), None)
            assert name in columns or (parent is not None and parent.name in columns), (spec.name, name)


def test_variant_with_data_classification_after_data_category(tmp_path):
    """A CKAN 2.9 copy of the national extension inserts data_classification after data_category."""
    path = national_workbook(tmp_path / "variant.xlsx", datasets={"Record": [RECORD]})
    book = openpyxl.load_workbook(path)
    sheet = book["Temp2_Meta_Record"]
    sheet.insert_cols(16)
    sheet["P4"], sheet["P6"] = "ระดับชั้นข้อมูล", "ลับ"
    book.save(path)
    catalogue = read_catalogue(path)
    assert catalogue.problems == []
    [record] = catalogue.records
    assert record.dataset["data_classification"] == "ลับ"
    assert record.dataset["license_id"] == "Open Data Common" and record.dataset["reference_data"] == "False"
    assert record.locate("license_id") == ("Temp2_Meta_Record", 6, "Q")


def test_dash_in_a_link_column_is_no_link(tmp_path):
    path = national_workbook(tmp_path / "dash.xlsx", datasets={"Record": [dict(RECORD, url="-")]})
    [record] = read_catalogue(path).records
    assert "url" not in record.dataset


def test_link_without_dataset_name(tmp_path):
    path = national_workbook(tmp_path / "orphan.xlsx", datasets={"Record": [RECORD]},
                             links={"Record": [{"name": "ไฟล์", "url": "https://x.example/a.csv", "format": "CSV"}]})
    problem = problem_at(read_catalogue(path), "Temp3_Resource_Record", 6, "A")
    assert "names no dataset" in problem.message


def test_sheets_of_both_layouts(tmp_path):
    path = national_workbook(tmp_path / "both.xlsx", datasets={"Record": [RECORD]})
    book = openpyxl.load_workbook(path)
    book.create_sheet("Temp1_Dataset")
    book.save(path)
    catalogue = read_catalogue(path)
    assert catalogue.layout == "current"
    [problem] = catalogue.problems
    assert problem.sheet == "Temp1_Dataset" and "other layout" in problem.message


def test_xls_workbook_of_the_current_layout(tmp_path):
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the .xls test files")
    book = xlwt.Workbook(encoding="utf-8")
    for spec in CURRENT.sheets:
        sheet = book.add_sheet(spec.name)
        sheet.write_merge(0, 0, 0, 5, "แบบฟอร์มบัญชีข้อมูล")
        for column, key in enumerate(spec.keys()):
            sheet.write(spec.header_row - 1, column, national_header(key, spec.role))
        if spec.name == "Temp2_Meta_Record":
            for column, key in enumerate(spec.keys()):
                value = STAT.get(key) if key not in RECORD else RECORD[key]
                if isinstance(value, datetime.datetime):
                    sheet.write(5, column, value, xlwt.easyxf(num_format_str="DD/MM/YYYY"))
                elif value is not None:
                    sheet.write(5, column, value)
            sheet.write_merge(6, 7, 0, 0, "merged-name")
    path = str(tmp_path / "agency.xls")
    book.save(path)
    catalogue = read_catalogue(path)
    first = catalogue.records[0]
    assert first.dataset["name"] == "factory-list-2566" and first.dataset["created_date"] == "2023-01-15"
    problem = problem_at(catalogue, "Temp2_Meta_Record", 7, "A")
    assert "A7:A8" in problem.message


def test_synonyms_name_choices_of_their_field():
    for name, words in layouts.config()["choice_synonyms"].items():
        allowed = {choice.value for choice in FIELDS[name].choices}
        assert set(words.values()) <= allowed, name
