"""The provincial dataset schema through CKAN's actions: GDC values round-trip, bad input is refused."""
from __future__ import annotations

import json

import pytest

import ckan.plugins.toolkit as toolkit
from tests.ckan_session import call_action

from ckanext.provincial import schemas
from tests.factories import BY_TYPE, COMMON, DATA_TYPES, RESOURCE, RESOURCE_BY_TYPE, gdc_dataset, provincial_organization

# clean_db: the tests reuse fixed dataset names (the GDC examples) and one counts search results.
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")]



@pytest.fixture
def org():
    return provincial_organization()


def create(org, kind="record", **fields):
    return call_action("package_create", **gdc_dataset(kind, owner_org=org["id"], **fields))


def refused(org, kind="record", **fields) -> dict:
    """The error dict of a package_create that must fail, after checking nothing was saved."""
    values = gdc_dataset(kind, owner_org=org["id"], **fields)
    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("package_create", **values)
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("package_show", id=values["name"])
    return raised.value.error_dict


def stored_extras(dataset_id: str) -> dict[str, str]:
    """The extras as the database keeps them (what a harvester reading package_show gets as text)."""
    from ckan import model

    rows = model.Session.query(model.PackageExtra).filter_by(package_id=dataset_id, state="active")
    return {row.key: row.value for row in rows}


# ------------------------------------------------------------ round trips --

@pytest.mark.parametrize("data_type", list(DATA_TYPES))
def test_complete_dataset_of_each_type_round_trips_with_gdc_values_unchanged(org, data_type):
    created = create(org, data_type)
    shown = call_action("package_show", id=created["id"])

    expected = dict(COMMON, **BY_TYPE[data_type], data_type=DATA_TYPES[data_type])
    expected.pop("tag_string")
    for field, value in expected.items():
        assert shown[field] == value, field
    assert sorted(t["name"] for t in shown["tags"]) == ["อุตสาหกรรม", "โรงงาน"]

    resource = shown["resources"][0]
    for field, value in dict(RESOURCE, **RESOURCE_BY_TYPE[data_type]).items():
        assert resource[field] == value, field

    # Stored text is the national text: Thai values, "True"/"False", JSON lists.
    extras = stored_extras(created["id"])
    assert extras["data_type"] == DATA_TYPES[data_type]
    assert extras["update_frequency_unit"] == "ปี"
    assert extras["allow_harvest"] == "True"
    assert extras["province_code"] == "13"


def test_multiple_choices_are_stored_as_json_lists_in_the_gdc_order(org):
    created = create(org, "statistics", objective=["เพื่อการให้บริการประชาชน", "ยุทธศาสตร์ชาติ"])

    extras = stored_extras(created["id"])

    assert json.loads(extras["objective"]) == ["ยุทธศาสตร์ชาติ", "เพื่อการให้บริการประชาชน"]
    assert json.loads(extras["data_format"]) == ["CSV"]
    assert json.loads(extras["disaggregate"]) == BY_TYPE["statistics"]["disaggregate"]
    assert extras["official_statistics"] == "True"


def test_other_choices_keep_their_text(org):
    created = create(org, "other", objective=["อื่นๆ"], objective_other="แผนพัฒนาจังหวัดปทุมธานี",
                     license_id="อื่นๆ", license_id_other="สัญญาอนุญาตของจังหวัด")
    shown = call_action("package_show", id=created["id"])

    assert shown["objective"] == ["อื่นๆ"]
    assert shown["objective_other"] == "แผนพัฒนาจังหวัดปทุมธานี"
    assert shown["license_id_other"] == "สัญญาอนุญาตของจังหวัด"
    assert shown["data_type_other"] == BY_TYPE["other"]["data_type_other"]


def test_provincial_fields_round_trip(org):
    created = create(org, "statistics", district_codes=["1302", "1301"], subdistrict_codes="130201, 130202",
                     reference_period={"start": "2023-10-01", "end": "2024-09-30"})
    shown = call_action("package_show", id=created["id"])

    assert shown["province_code"] == "13"
    assert shown["district_codes"] == ["1301", "1302"]
    assert shown["subdistrict_codes"] == ["130201", "130202"]
    assert shown["reference_period"] == "2023-10-01/2024-09-30"


def test_districts_and_subdistricts_are_searchable_one_code_at_a_time(org):
    create(org, "statistics", name="two-districts", district_codes=["1302", "1301"], subdistrict_codes="130201")
    create(org, "statistics", name="one-district", district_codes=["1302"])
    create(org, "statistics", name="whole-province")

    def found(fq):
        return sorted(d["name"] for d in call_action("package_search", fq=fq)["results"])

    assert found("district_codes:1301") == ["two-districts"]
    assert found("district_codes:1302") == ["one-district", "two-districts"]
    assert found("subdistrict_codes:130201") == ["two-districts"]
    assert found("district_codes:1303") == []
    facet = call_action("package_search", **{"facet.field": '["vocab_district_codes"]'})["search_facets"]
    assert {item["name"]: (item["count"], item["display_name"]) for item in facet["vocab_district_codes"]["items"]} == {
        "1302": (2, "Khlong Luang"), "1301": (1, "Mueang Pathum Thani")}


def test_name_longer_than_the_national_catalogue_takes_is_refused(org):
    assert create(org, name="n" * 70)["name"] == "n" * 70

    errors = refused(org, name="n" * 71)

    assert "71" in errors["name"][0] and "70" in errors["name"][0]


def test_update_keeps_values_and_accepts_a_change(org):
    created = create(org, "record")
    updated = call_action("package_patch", id=created["id"], data_collect="บุคคล")

    assert updated["data_collect"] == "บุคคล"
    assert updated["data_support"] == BY_TYPE["record"]["data_support"]
    assert updated["last_updated_date"] == COMMON["last_updated_date"]


def test_emptied_optional_fields_are_cleared_on_update(org):
    created = create(org, "record")

    updated = call_action("package_patch", id=created["id"], url="", accessible_condition="", data_support="")

    assert updated["url"] == ""
    assert not updated.get("accessible_condition")
    assert not updated.get("data_support")


def test_type_specific_field_is_not_required_for_other_types(org):
    values = gdc_dataset("record", owner_org=org["id"])
    assert "unit_of_measure" not in values

    created = call_action("package_create", **values)

    assert "unit_of_measure" not in created


def test_type_specific_field_is_required_for_its_type(org):
    errors = refused(org, "statistics", unit_of_measure="")

    assert errors == {"unit_of_measure": ["Missing value"]}


def test_draft_may_leave_the_last_updated_date_empty(org):
    draft = create(org, "record", state="draft", last_updated_date="")

    assert draft["state"] == "draft"
    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("package_patch", id=draft["id"], state="active")
    assert list(raised.value.error_dict) == ["last_updated_date"]


# ------------------------------------------------------------- refusals --

@pytest.mark.parametrize("field", ["maintainer", "maintainer_email", "notes", "data_source", "geo_coverage",
                                   "update_frequency_unit", "data_category", "license_id", "data_type"])
def test_missing_required_field_is_named(org, field):
    errors = refused(org, "record", **{field: ""})

    assert field in errors


@pytest.mark.parametrize("field", ["objective", "data_format"])
def test_required_multiple_choice_needs_one_value(org, field):
    errors = refused(org, "record", **{field: []})

    assert errors[field] == ["Select at least one"]


def test_missing_tags_are_named(org):
    errors = refused(org, "record", tag_string="")

    assert errors == {"tag_string": ["Missing value"]}


def test_last_updated_date_is_required_for_a_published_dataset(org):
    errors = refused(org, "record", last_updated_date="")

    assert list(errors) == ["last_updated_date"]


@pytest.mark.parametrize("field, value", [
    ("data_type", "statistics"),
    ("geo_coverage", "province"),
    ("update_frequency_unit", "yearly"),
    ("data_category", "public"),
    ("allow_harvest", "yes"),
    ("license_id", "cc-by"),
])
def test_unknown_choice_value_is_refused(org, field, value):
    errors = refused(org, "record", **{field: value})

    assert errors[field][0].startswith(f'"{value}" is not one of the choices of this field')


def test_unknown_multiple_choice_value_is_refused(org):
    errors = refused(org, "record", data_language=["ไทย", "Thai"])

    assert errors == {"data_language": ['unexpected choice "Thai"']}


def test_national_gis_layer_spelling_is_required(org):
    errors = refused(org, "gis", geographic_data_set="ขอบเขตการปกครอง")

    assert list(errors) == ["geographic_data_set"]


def test_other_without_its_text_is_refused(org):
    errors = refused(org, "record", geo_coverage="อื่นๆ")

    assert list(errors) == ["geo_coverage_other"]


def test_other_data_type_needs_its_text(org):
    errors = refused(org, "other", data_type_other="")

    assert list(errors) == ["data_type_other"]


def test_district_outside_the_province_is_refused(org):
    errors = refused(org, "record", district_codes=["1301", "1901"])

    assert errors == {"district_codes": [
        "Mueang Saraburi (1901) is in Saraburi (19), not in the dataset's province Pathum Thani (13)"]}


def test_subdistrict_outside_the_province_is_refused(org):
    errors = refused(org, "record", subdistrict_codes=["190101"])

    assert list(errors) == ["subdistrict_codes"]


@pytest.mark.parametrize("field", ["last_updated_date", "created_date"])
def test_malformed_date_is_refused(org, field):
    errors = refused(org, "record", **{field: "31/01/2024"})

    assert errors == {field: ["Date format incorrect: write the date as YYYY-MM-DD, such as 2024-01-31"]}


def test_malformed_reference_period_is_refused(org):
    errors = refused(org, "gis", reference_period="2024-12-31/2024-01-01")

    assert errors == {"reference_period": ["End: The period ends before it starts"]}


@pytest.mark.parametrize("code", ["99", "1", "ปทุมธานี"])
def test_unknown_province_code_is_refused(org, code):
    errors = refused(org, "record", province_code=code)

    assert list(errors) == ["province_code"]


def test_missing_province_code_is_refused(org):
    errors = refused(org, "record", province_code="")

    assert errors == {"province_code": ["Missing value"]}


def test_several_bad_fields_are_all_named(org):
    errors = refused(org, "statistics", maintainer="", geo_coverage="x", unit_of_measure="", province_code="99")

    assert {"maintainer", "geo_coverage", "unit_of_measure", "province_code"} <= set(errors)


def test_resource_needs_url_name_and_format(org):
    errors = refused(org, "record", resources=[{"description": "ไม่มี URL"}])

    assert set(errors["resources"][0]) == {"url", "name", "format"}


def test_update_that_breaks_a_rule_changes_nothing(org):
    created = create(org, "record")

    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("package_patch", id=created["id"], maintainer="ใหม่", district_codes=["1901"])

    assert list(raised.value.error_dict) == ["district_codes"]
    assert call_action("package_show", id=created["id"])["maintainer"] == COMMON["maintainer"]


# ------------------------------------------------------------ Thai tags --

def test_thai_tags_round_trip_and_are_found_by_tag_search(org):
    created = create(org, "record", tag_string="ผู้สูงอายุ, น้ำท่วม, เมืองน่าอยู่คู่อุตสาหกรรม")
    create(org, "record", tag_string="การท่องเที่ยว")

    shown = call_action("package_show", id=created["id"])
    found = call_action("package_search", q="tags:ผู้สูงอายุ")
    found_quoted = call_action("package_search", q='tags:"เมืองน่าอยู่คู่อุตสาหกรรม"')

    assert sorted(t["name"] for t in shown["tags"]) == sorted(["ผู้สูงอายุ", "น้ำท่วม", "เมืองน่าอยู่คู่อุตสาหกรรม"])
    assert [d["id"] for d in found["results"]] == [created["id"]]
    assert [d["id"] for d in found_quoted["results"]] == [created["id"]]


def test_thai_tags_may_be_given_as_a_tags_list(org):
    values = gdc_dataset("record", owner_org=org["id"], tags=[{"name": "สาธารณสุข"}, {"name": "ผู้ป่วยติดเตียง"}])
    values.pop("tag_string")

    created = call_action("package_create", **values)

    assert sorted(t["name"] for t in created["tags"]) == ["ผู้ป่วยติดเตียง", "สาธารณสุข"]


@pytest.mark.parametrize("tags, fragment", [
    ("อุตสาหกรรม, น้ำ\x00ท่วม", "invisible or control character (U+0000)"),
    ("ก" * 101, "is too long: a tag has at most 100 characters"),
    ("ข้อมูล/สถิติ", 'contains "/"'),
])
def test_bad_tags_are_refused_with_a_clear_message(org, tags, fragment):
    errors = refused(org, "record", tag_string=tags)

    assert fragment in errors["tag_string"][0]


def test_schema_file_is_the_configured_schema():
    schema = call_action("scheming_dataset_schema_show", type="dataset")

    assert schemas.path("dataset.yaml")
    assert [f["field_name"] for f in schema["dataset_fields"]][:3] == ["data_type", "data_type_other", "title"]
