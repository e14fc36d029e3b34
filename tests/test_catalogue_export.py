"""Export of datasets into the national GDC metadata workbook, and the round trip export → import.

The downloads hold what the user may see (private datasets only for those who
may read them) and are read back by the portal's own reader. The round trip
exports an agency's catalogue, empties the portal and imports the file: every
field of every dataset and resource comes back equal.
"""
from __future__ import annotations

import io
import uuid
from typing import Any

import openpyxl
import pytest

from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import catalogue_export
from ckanext.provincial.gdc_workbook import reader
from tests import ckan_session
from tests.factories import gdc_dataset, provincial_organization

pytestmark = pytest.mark.integration


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def read_back(content: bytes, tmp_path) -> reader.CatalogueFile:
    path = tmp_path / f"{uuid.uuid4().hex}.xlsx"
    path.write_bytes(content)
    return reader.read_catalogue(str(path))


def rich_datasets(org: dict) -> list[dict[str, Any]]:
    """An agency's catalogue as it really looks: every data type, free texts for "other",
    several links, the provincial fields, a title that starts like a formula."""
    pathum = {"province_code": "13", "district_codes": ["1301", "1302"], "subdistrict_codes": ["130101"],
              "requirement_codes": ["R-01", "ปท-02"], "reference_period": "2023-01-01/2023-12-31",
              "data_classification": "เปิดเผย"}
    record = gdc_dataset("record", owner_org=org["id"], name=unique("record"), **pathum,
                         title="=ทะเบียนโรงงาน (ร.ง.4) จังหวัดปทุมธานี",
                         objective=["พันธกิจหน่วยงาน", "อื่นๆ"], objective_other="ใช้ประกอบการประชุมกรมการจังหวัด",
                         data_format=["CSV", "อื่นๆ"], data_format_other="SHP",
                         update_frequency_unit="อื่นๆ", update_frequency_unit_other="ตามรอบการตรวจโรงงาน")
    record["resources"].append({"name": "คู่มือการใช้ข้อมูล", "url": "http://example.invalid/manual.pdf",
                                "format": "PDF", "description": "คำอธิบายฟิลด์", "resource_accessible_condition": "",
                                "resource_last_updated_date": "2024-02-01"})
    statistics = gdc_dataset("statistics", owner_org=org["id"], name=unique("statistics"), private=True, **pathum)
    gis = gdc_dataset("gis", owner_org=org["id"], name=unique("gis"), **pathum)
    multiple = gdc_dataset("multiple", owner_org=org["id"], name=unique("multiple"), tag_string="ข้อมูลเปิด,ปทุมธานี")
    other = gdc_dataset("other", owner_org=org["id"], name=unique("other"), resources=[])
    return [record, statistics, gis, multiple, other]


def plan_of_pathum_thani() -> None:
    """The requirement plan the datasets' requirement codes belong to (the schema checks them)."""
    for code in ("R-01", "ปท-02"):
        call_action("provincial_requirement_create", province_code="13", code=code, title_th="ข้อมูลโรงงาน")


def schema_fields() -> tuple[list[str], list[str]]:
    from ckanext.scheming.helpers import scheming_get_dataset_schema

    schema = scheming_get_dataset_schema("dataset")
    dataset_fields = [f["field_name"] for f in schema["dataset_fields"] if f["field_name"] not in ("owner_org",)]
    resource_fields = [f["field_name"] for f in schema["resource_fields"]]
    return dataset_fields, resource_fields


def comparable(dataset: dict[str, Any]) -> dict[str, Any]:
    """Every schema field of a dataset and of its resources (tags by name, blanks alike)."""
    dataset_fields, resource_fields = schema_fields()

    def value(item, field):
        found = item.get(field)
        return None if found in (None, "", []) else found

    shown = {field: value(dataset, field) for field in dataset_fields if field != "tag_string"}
    shown["tags"] = sorted(tag["name"] for tag in dataset.get("tags") or [])
    shown["resources"] = [{field: value(resource, field) for field in resource_fields}
                          for resource in dataset.get("resources") or []]
    return shown


# ------------------------------------------------------------- downloads --


@pytest.fixture(scope="module")
def catalogue(reset_db, reset_index, migrate_db_for):
    ckan_session.ensure_plugins()
    reset_db()
    migrate_db_for("provincial")
    reset_index()
    editor, member = factories.UserWithToken(), factories.UserWithToken()
    pathum = provincial_organization(name=unique("pathum"), users=[
        {"name": editor["name"], "capacity": "editor"}, {"name": member["name"], "capacity": "member"}])
    saraburi = provincial_organization(name=unique("saraburi"), province_code="19", title="สำนักงานจังหวัดสระบุรี")
    public = call_action("package_create", **gdc_dataset("statistics", owner_org=pathum["id"], name=unique("public")))
    private = call_action("package_create", **gdc_dataset("record", owner_org=pathum["id"], name=unique("private"),
                                                         private=True, title="ข้อมูลลับ ไม่เผยแพร่"))
    elsewhere = call_action("package_create", **gdc_dataset("gis", owner_org=saraburi["id"], name=unique("saraburi"),
                                                           province_code="19"))
    yield {"editor": editor, "member": member, "pathum": pathum, "saraburi": saraburi, "public": public,
           "private": private, "elsewhere": elsewhere, "app": ckan_session.test_app()}


def names_in(content: bytes, tmp_path) -> set[str]:
    found = read_back(content, tmp_path)
    assert found.problems == []
    return {record.dataset["name"] for record in found.records}


@pytest.mark.parametrize("role, sees_private", [("editor", True), ("member", True), ("anonymous", False)])
def test_an_organization_export_holds_private_datasets_only_for_those_who_may_read_them(
        catalogue, tmp_path, role, sees_private):
    headers = {"Authorization": catalogue[role]["token"]} if role != "anonymous" else {}
    response = catalogue["app"].get(f"/organization/{catalogue['pathum']['name']}/export.xlsx", headers=headers)
    assert response.status_code == 200
    assert "spreadsheetml" in response.headers["Content-Type"]
    expected = {catalogue["public"]["name"]} | ({catalogue["private"]["name"]} if sees_private else set())
    assert names_in(response.data, tmp_path) == expected


def test_a_province_export_and_the_whole_portal(catalogue, tmp_path):
    app = catalogue["app"]
    headers = {"Authorization": catalogue["editor"]["token"]}
    province = app.get("/dataset/export.xlsx?province=19", headers=headers)
    assert names_in(province.data, tmp_path) == {catalogue["elsewhere"]["name"]}
    everything = app.get("/dataset/export.xlsx", headers=headers)
    assert names_in(everything.data, tmp_path) == {
        catalogue["public"]["name"], catalogue["private"]["name"], catalogue["elsewhere"]["name"]}
    assert app.get("/dataset/export.xlsx?province=99").status_code == 404


def test_the_agency_column_names_the_agency_by_its_title(catalogue, tmp_path):
    content = catalogue_export.export({"user": catalogue["editor"]["name"]}, province_code="19")
    [record] = read_back(content, tmp_path).records
    assert record.owner_org_text == "สำนักงานจังหวัดสระบุรี"


def test_the_template_has_the_headers_and_no_datasets(catalogue, tmp_path):
    response = catalogue["app"].get("/dataset/template.xlsx")
    assert response.status_code == 200
    found = read_back(response.data, tmp_path)
    assert (found.records, found.problems) == ([], [])
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert {"Temp2_Meta_Record", "Temp2_Meta_Stat", "Temp3_Resource_GIS"} <= set(book.sheetnames)


def test_the_commands_export_and_import_a_workbook(catalogue, cli, tmp_path):
    from ckanext.provincial.cli import get_commands

    provincial = get_commands()[0]
    out = tmp_path / "pathum.xlsx"
    exported = cli.invoke(provincial, ["dataset", "export", "--org", catalogue["pathum"]["name"], "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert names_in(out.read_bytes(), tmp_path) == {catalogue["public"]["name"], catalogue["private"]["name"]}

    template = tmp_path / "template.xlsx"
    assert cli.invoke(provincial, ["dataset", "template", "-o", str(template)]).exit_code == 0
    assert read_back(template.read_bytes(), tmp_path).records == []

    report = tmp_path / "report.xlsx"
    again = cli.invoke(provincial, ["dataset", "import", str(out), "--org", catalogue["pathum"]["name"],
                                    "--dry-run", "--report", str(report)])
    assert again.exit_code == 0, again.output
    assert "2 rows: 0 would be created, 0 would be updated, 2 unchanged" in again.output
    rows = list(openpyxl.load_workbook(report).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3

    bad = tmp_path / "bad.xlsx"
    book = openpyxl.load_workbook(out)
    sheet = book["Temp2_Meta_Stat"]
    for cell in sheet[6]:
        if cell.value == catalogue["public"]["name"]:
            sheet.cell(row=6, column=cell.column + 2).value = ""  # the title
    book.save(bad)
    failed = cli.invoke(provincial, ["dataset", "import", str(bad), "--org", catalogue["pathum"]["name"]])
    assert failed.exit_code != 0
    assert "Temp2_Meta_Stat, row 6, column C, [title]" in failed.output and "nothing was imported" in failed.output
    assert call_action("package_show", id=catalogue["public"]["name"])["title"] == catalogue["public"]["title"]


# -------------------------------------------------------- the round trip --
# Last in the module: it empties the database the download tests share.


@pytest.fixture
def empty_portal(clean_db, clean_index, migrate_db_for):
    """A portal without datasets. The round trip needs the very URL names of the exported
    datasets free again, which only an emptied database gives; the other tests share theirs."""
    migrate_db_for("provincial")


@pytest.mark.usefixtures("with_plugins")
def test_export_then_import_into_an_empty_portal_gives_the_same_datasets(empty_portal, tmp_path, reset_db,
                                                                        reset_index, migrate_db_for):
    call_action("provincial_vocabulary_sync", {"ignore_auth": True, "user": call_action("get_site_user")["name"]})
    sysadmin = factories.SysadminWithToken()
    plan_of_pathum_thani()
    org = provincial_organization(name="pathumthani-industry", title="สำนักงานอุตสาหกรรมจังหวัดปทุมธานี")
    for dataset in rich_datasets(org):
        call_action("package_create", **dataset)
    before = {d["name"]: comparable(call_action("package_show", id=d["name"]))
              for d in call_action("package_search", q="*:*", rows=100, include_private=True)["results"]}
    assert len(before) == 5

    app = ckan_session.test_app()
    exported = app.get(f"/organization/{org['name']}/export.xlsx", headers={"Authorization": sysadmin["token"]})
    assert exported.status_code == 200
    assert read_back(exported.data, tmp_path).problems == []

    # Another portal: nothing but the agency.
    reset_db()
    migrate_db_for("provincial")
    reset_index()
    call_action("provincial_vocabulary_sync", {"ignore_auth": True, "user": call_action("get_site_user")["name"]})
    plan_of_pathum_thani()
    editor = factories.User()
    org = provincial_organization(name="pathumthani-industry", title="สำนักงานอุตสาหกรรมจังหวัดปทุมธานี",
                                  users=[{"name": editor["name"], "capacity": "editor"}])
    upload = io.BytesIO(exported.data)
    upload.filename = "pathumthani-industry.xlsx"
    result = call_action("provincial_dataset_import", {"user": editor["name"], "ignore_auth": False},
                         owner_org=org["id"], upload=upload)
    assert (result["created"], result["problems"]) == (5, [])

    after = {name: comparable(call_action("package_show", id=name)) for name in before}
    for name in before:
        assert after[name] == before[name], name
