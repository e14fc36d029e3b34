"""The dataset and resource forms and the dataset page of the provincial schema."""
from __future__ import annotations

import json
import re

import pytest

from ckan.tests import factories
from tests.ckan_session import call_action

from tests.factories import gdc_dataset, provincial_organization

# clean_db: the forms create datasets under fixed names, which must be free.
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")]


@pytest.fixture
def editor():
    user = factories.UserWithToken()
    org = provincial_organization(users=[{"name": user["name"], "capacity": "editor"}])
    return user, org


def headers(user) -> dict:
    return {"Authorization": user["token"]}


def schema() -> dict:
    return call_action("scheming_dataset_schema_show", type="dataset")


def input_names(body: str) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', body))


# ----------------------------------------------------------------- form --

def test_new_dataset_form_renders_every_field_of_the_schema(app, editor):
    user, _org = editor
    # The PMQA and development issue boxes list the synced codes (the stack syncs them on set-up).
    call_action("provincial_vocabulary_sync", {"user": factories.Sysadmin()["name"], "ignore_auth": False})

    body = app.get("/dataset/new", headers=headers(user)).body
    names = input_names(body)

    missing = [f["field_name"] for f in schema()["dataset_fields"]
               if f["field_name"] not in names and f["field_name"] + "_start" not in names]
    assert missing == []
    # No province is picked for the user when the portal has none configured.
    assert re.search(r'<select id="field-province_code"[^>]*>\s*<option value=""', body)


def test_fields_of_one_data_type_say_so_and_are_marked_for_the_script(app, editor):
    user, _org = editor

    body = app.get("/th/dataset/new", headers=headers(user)).body

    wrapper = re.search(r'<div class="provincial-field" id="provincial-field-unit_of_measure"[^>]*>', body).group(0)
    assert json.loads(re.search(r"data-provincial-data-types='([^']*)'", wrapper).group(1)) == ["ข้อมูลสถิติ"]
    assert 'data-module="provincial-field"' in wrapper
    assert "เฉพาะ" in body or "Only for" in body
    assert re.search(r'data-provincial-other-of="objective"', body)
    assert "schema-form" in body  # the script bundle


def test_form_without_javascript_saves_the_chosen_types_fields_only(app, editor):
    """A browser without JavaScript submits every text box and select, empty ones included."""
    user, org = editor
    boxes = {"multiple_checkbox.html", "provincial_area_codes.html", "multiple_text.html"}
    form = {field["field_name"]: "" for field in schema()["dataset_fields"] if field.get("form_snippet") not in boxes}
    form.update({
        "name": "tourists-13", "title": "นักท่องเที่ยว จังหวัดปทุมธานี", "owner_org": org["id"],
        "data_type": "ข้อมูลสถิติ", "maintainer": "กลุ่มงานสถิติ", "maintainer_email": "stat@example.go.th",
        "tag_string": "ท่องเที่ยว, นักท่องเที่ยว", "notes": "จำนวนนักท่องเที่ยวรายเดือน",
        "objective": ["พันธกิจหน่วยงาน"], "update_frequency_unit": "เดือน", "update_frequency_interval": "1",
        "geo_coverage": "จังหวัด", "data_source": "สำนักงานการท่องเที่ยวและกีฬาจังหวัด",
        "data_format": ["CSV", "XLS"], "data_category": "ข้อมูลสาธารณะ", "license_id": "Open Data Common",
        "last_updated_date": "2024-02-01", "unit_of_measure": "คน", "unit_of_multiplier": "พัน",
        "province_code": "13", "district_codes": ["1301", "1302"],
        "reference_period_start": "2023-01-01", "reference_period_end": "2023-12-31",
        "_ckan_phase": "dataset_new_1", "save": "go-resources",
    })
    form.pop("reference_period")

    response = app.post("/dataset/new", headers=headers(user), data=form, follow_redirects=False)

    assert response.status_code == 302, response.body
    saved = call_action("package_show", id="tourists-13")
    assert saved["state"] == "draft"
    assert saved["data_format"] == ["CSV", "XLS"]
    assert saved["unit_of_multiplier"] == "พัน"
    assert saved["district_codes"] == ["1301", "1302"]
    assert saved["reference_period"] == "2023-01-01/2023-12-31"
    for empty in ("data_collect", "geographic_data_set", "created_date", "west_bound_longitude"):
        assert empty not in saved


def test_form_shows_the_error_of_a_district_outside_the_province(app, editor):
    user, org = editor
    values = gdc_dataset("record", owner_org=org["id"], name="bad-district")
    form = {key: value for key, value in values.items() if key != "resources"}
    form.update({"district_codes": ["1901"], "save": "go-resources"})

    body = app.post("/dataset/new", headers=headers(user), data=form).body

    assert "Mueang Saraburi (1901) is in Saraburi (19)" in body
    assert not call_action("package_search", q="name:bad-district", include_drafts=True)["count"]


def test_edit_form_shows_stored_values(app, editor):
    user, org = editor
    dataset = call_action("package_create", **gdc_dataset(
        "gis", owner_org=org["id"], district_codes=["1302"], reference_period="2023-01-01/2023-12-31"))

    body = app.get(f"/dataset/edit/{dataset['name']}", headers=headers(user)).body

    assert re.search(r'<option value="1302" selected>', body)
    assert 'name="reference_period_start"' in body and 'value="2023-01-01"' in body
    assert re.search(r'<option value="ชั้นข้อมูลขอบเขตการปกครอง" selected', body)


def test_resource_form_shows_the_fields_of_the_datasets_type_only(app, editor):
    user, org = editor
    dataset = call_action("package_create", **gdc_dataset("statistics", owner_org=org["id"]))

    names = input_names(app.get(f"/dataset/{dataset['name']}/resource/new", headers=headers(user)).body)

    assert {"url", "name", "format", "resource_unit_of_measure", "resource_disaggregate"} <= names
    assert "resource_geographic_data_set" not in names
    assert "resource_data_collect" not in names


# ---------------------------------------------------------- dataset page --

def page_rows(body: str) -> list[str]:
    return re.findall(r'<tr id="provincial-info-([a-z_]+)"', body)


def test_dataset_page_shows_thai_labels_under_thai_and_english_under_english(app):
    org = provincial_organization()
    dataset = call_action("package_create", **gdc_dataset("statistics", owner_org=org["id"], district_codes=["1302"]))

    thai = app.get(f"/th/dataset/{dataset['name']}").body
    english = app.get(f"/en/dataset/{dataset['name']}").body

    assert "ประเภทชุดข้อมูล" in thai and "ข้อมูลสถิติ" in thai
    assert "Data type" in english and "Statistical data" in english
    assert "ปทุมธานี (13)" in thai and "Pathum Thani (13)" in english
    assert "คลองหลวง (1302)" in thai and "Khlong Luang (1302)" in english
    assert "Open Data Common" in english
    # Dates as dates: Buddhist-era Thai date under Thai, ISO under English.
    assert "31 มกราคม 2567" in thai
    assert '<time datetime="2024-01-31">2024-01-31</time>' in english
    # "True"/"False" by their labels, never raw.
    official = re.search(r'id="provincial-info-official_statistics".*?</tr>', english, re.S).group(0)
    assert "Yes" in official and "True" not in official


def test_additional_info_lists_the_gdc_fields_in_gdc_order(app):
    org = provincial_organization()
    dataset = call_action("package_create", **gdc_dataset("statistics", owner_org=org["id"]))

    rows = page_rows(app.get(f"/en/dataset/{dataset['name']}").body)

    order = [f["field_name"] for f in schema()["dataset_fields"]]
    assert rows == sorted(rows, key=order.index)
    assert rows[:4] == ["data_type", "allow_harvest", "reference_url_catalog", "maintainer"]
    assert "unit_of_measure" in rows and "data_collect" not in rows
    assert rows.index("official_statistics") < rows.index("province_code")


def test_other_text_is_shown_with_its_choice(app):
    org = provincial_organization()
    dataset = call_action("package_create", **gdc_dataset(
        "record", owner_org=org["id"], geo_coverage="อื่นๆ", geo_coverage_other="เขตนิคมอุตสาหกรรม"))

    body = app.get(f"/en/dataset/{dataset['name']}").body

    row = re.search(r'id="provincial-info-geo_coverage".*?</tr>', body, re.S).group(0)
    assert "Other" in row and "เขตนิคมอุตสาหกรรม" in row
    assert "provincial-info-geo_coverage_other" not in body
