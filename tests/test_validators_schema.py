"""Validators of the provincial schemas, run through CKAN's navl validation (no database)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.validators import schema as rules

pytestmark = pytest.mark.unit

STATISTICS = "ข้อมูลสถิติ"
RECORD = "ข้อมูลระเบียน"


def run(data: dict, schema: dict, context: dict | None = None):
    """navl-validate ``data``; keys absent from the schema are ignored."""
    return toolkit.navl_validate(data, dict(schema, __extras=[toolkit.get_validator("ignore")]), context or {})


# ------------------------------------------------------------------ tags --

@pytest.mark.parametrize("tag", [
    "อุตสาหกรรม", "โรงงาน", "ผู้สูงอายุ", "น้ำท่วม", "ข้อมูลสาธิต", "สถิติ 2566", "covid-19", "PM2.5",
    "เมืองน่าอยู่คู่อุตสาหกรรม", "ค่าใช้จ่าย_ครัวเรือน", "ฯลฯ ต่างๆ",
])
def test_thai_words_with_vowel_and_tone_marks_are_valid_tags(tag):
    assert rules.tag_problem(tag) is None
    assert rules.thai_tag_name_validator(tag, {}) == tag


@pytest.mark.parametrize("tag, reason", [
    ("โรงงาน,อุตสาหกรรม", "comma"),
    ("น้ำ\tท่วม", "control"),
    ("น้ำ\u200bท่วม", "control"),
    ("ข้อมูล/สถิติ", "character"),
])
def test_bad_tags_are_refused_with_the_reason(tag, reason):
    assert rules.tag_problem(tag)[0] == reason
    with pytest.raises(toolkit.Invalid):
        rules.thai_tag_name_validator(tag, {})


@pytest.mark.parametrize("tag, reason", [("ก", "too_short"), ("ก" * 101, "too_long")])
def test_tag_length_is_checked_for_tag_strings(tag, reason):
    assert rules.tag_problem(tag)[0] == reason
    # The name rule alone leaves the length to tag_length_validator (a vocabulary may hold "4").
    assert rules.thai_tag_name_validator(tag, {}) == tag


def test_tag_messages_say_what_is_wrong():
    validator = rules.provincial_tag_string_convert({"required": True}, {})
    with pytest.raises(toolkit.Invalid) as comma:
        rules.thai_tag_name_validator("ก,ข", {})
    with pytest.raises(toolkit.Invalid) as control:
        rules.thai_tag_name_validator("ข้อมูล\x07", {})
    _data, errors = run({"tag_string": "ข" * 120}, {"tag_string": [validator]})

    assert "comma" in comma.value.error
    assert "U+0007" in control.value.error
    assert "at most 100 characters" in errors["tag_string"][0]


def test_tag_string_becomes_tags_and_reports_each_bad_tag():
    validator = rules.provincial_tag_string_convert({"required": True}, {})

    data, errors = run({"tag_string": "อุตสาหกรรม, โรงงาน ,, น้ำ/ท่วม"}, {"tag_string": [validator]})

    assert errors["tag_string"] == [
        'Tag "น้ำ/ท่วม" contains "/": a tag has letters (Thai or other), digits, spaces, hyphens, '
        "underscores and dots only"]


def test_tag_string_produces_the_tags_list():
    validator = rules.provincial_tag_string_convert({"required": True}, {})
    data, errors = run({"tag_string": "อุตสาหกรรม, โรงงาน"}, {"tag_string": [validator]})

    assert not errors
    assert [t["name"] for t in data["tags"]] == ["อุตสาหกรรม", "โรงงาน"]


def test_required_tags_may_come_as_a_tags_list_instead():
    validator = rules.provincial_tag_string_convert({"required": True}, {})
    schema = {"tag_string": [validator], "tags": {"name": [toolkit.get_validator("unicode_safe")]}}

    _data, missing_errors = run({}, schema)
    _data, given_errors = run({"tags": [{"name": "อุตสาหกรรม"}]}, schema)

    assert missing_errors == {"tag_string": ["Missing value"]}
    assert not given_errors


# ----------------------------------------------------- data type rules --

UNIT = {"field_name": "unit_of_measure", "required": True, "form_data_type": [STATISTICS]}


def type_schema(field: dict) -> dict:
    return {"data_type": [toolkit.get_validator("ignore_missing")],
            field["field_name"]: [rules.provincial_type_required(field, {})]}


def test_type_specific_field_is_required_for_its_type():
    _data, errors = run({"data_type": STATISTICS}, type_schema(UNIT))

    assert errors == {"unit_of_measure": ["Missing value"]}


def test_type_specific_field_is_not_required_for_other_types():
    data, errors = run({"data_type": RECORD, "unit_of_measure": ""}, type_schema(UNIT))

    assert not errors
    assert "unit_of_measure" not in data


def test_field_of_every_type_follows_its_required_flag():
    field = {"field_name": "maintainer", "required": True}

    _data, errors = run({"data_type": RECORD}, type_schema(field))

    assert errors == {"maintainer": ["Missing value"]}


def test_applies_to():
    assert rules.applies_to({"form_data_type": [STATISTICS]}, STATISTICS)
    assert not rules.applies_to({"form_data_type": [STATISTICS]}, RECORD)
    assert rules.applies_to({}, RECORD)


CHOICES = {"field_name": "geo_coverage", "choices": [{"value": "จังหวัด"}, {"value": "อำเภอ"}]}


def test_choice_must_be_one_of_the_fields_values():
    validator = rules.provincial_choices(CHOICES, {})

    assert validator("จังหวัด", {}) == "จังหวัด"
    with pytest.raises(toolkit.Invalid) as raised:
        validator("province", {})
    assert raised.value.error == '"province" is not one of the choices of this field: จังหวัด, อำเภอ'


OTHER = {"field_name": "objective_other", "other_of": "objective"}


@pytest.mark.parametrize("chosen", ["อื่นๆ", ["พันธกิจหน่วยงาน", "อื่นๆ"], '["อื่นๆ"]'])
def test_other_text_is_required_when_other_is_chosen(chosen):
    schema = {"objective": [toolkit.get_validator("ignore_missing")],
              "objective_other": [rules.provincial_other_text(OTHER, {})]}

    _data, errors = run({"objective": chosen, "objective_other": " "}, schema)

    assert errors["objective_other"] == ['You chose "อื่นๆ" in "objective": say what it is here']


def test_other_text_message_names_the_choice_field_by_its_label():
    schema = {"dataset_fields": [{"field_name": "objective", "label": {"th": "วัตถุประสงค์", "en": "Objective"}}]}
    validators = {"objective": [toolkit.get_validator("ignore_missing")],
                  "objective_other": [rules.provincial_other_text(OTHER, schema)]}

    _data, errors = run({"objective": ["อื่นๆ"]}, validators)

    assert errors["objective_other"][0] in ('You chose "อื่นๆ" in "Objective": say what it is here',
                                            'You chose "อื่นๆ" in "วัตถุประสงค์": say what it is here')


def test_other_text_is_optional_otherwise_and_kept_when_given():
    schema = {"objective": [toolkit.get_validator("ignore_missing")],
              "objective_other": [rules.provincial_other_text(OTHER, {})]}

    data, errors = run({"objective": ["พันธกิจหน่วยงาน", "อื่นๆ"], "objective_other": "แผนพัฒนาจังหวัด"}, schema)
    _data, no_errors = run({"objective": ["พันธกิจหน่วยงาน"]}, schema)

    assert not errors and data["objective_other"] == "แผนพัฒนาจังหวัด"
    assert not no_errors


def test_other_value_of_the_data_type_is_its_own():
    field = {"field_name": "data_type_other", "other_of": "data_type", "other_value": "ข้อมูลประเภทอื่นๆ"}
    schema = {"data_type": [toolkit.get_validator("ignore_missing")],
              "data_type_other": [rules.provincial_other_text(field, {})]}

    _data, errors = run({"data_type": "ข้อมูลประเภทอื่นๆ"}, schema)

    assert list(errors) == ["data_type_other"] and errors["data_type_other"]


# --------------------------------------------------------------- dates --

@pytest.mark.parametrize("value, expected", [
    ("2024-01-31", "2024-01-31"),
    ("2024-01-31T10:15:00", "2024-01-31"),
    (dt.date(2024, 1, 31), "2024-01-31"),
    (dt.datetime(2024, 1, 31, 8, 0), "2024-01-31"),
])
def test_iso_dates_are_stored_as_dates(value, expected):
    assert rules.provincial_iso_date(value, {}) == expected


@pytest.mark.parametrize("value", ["31/01/2024", "2024-02-30", "2024-13-01", "yesterday", "2024"])
def test_malformed_dates_are_refused(value):
    with pytest.raises(toolkit.Invalid) as raised:
        rules.provincial_iso_date(value, {})
    assert "YYYY-MM-DD" in raised.value.error


def test_buddhist_era_dates_are_refused_with_the_common_era_year():
    with pytest.raises(toolkit.Invalid) as raised:
        rules.provincial_iso_date("2567-01-31", {})

    assert "2567 is a Buddhist-era year" in raised.value.error
    assert "2024" in raised.value.error


@pytest.mark.parametrize("state, expected", [("draft", {}), ("active", {"last_updated_date": [
    "Missing value: a published dataset needs the date its data was last updated"]}), (None, {
        "last_updated_date": ["Missing value: a published dataset needs the date its data was last updated"]})])
def test_last_updated_date_is_required_unless_draft(state, expected):
    data = {"state": state} if state else {}
    schema = {"state": [toolkit.get_validator("ignore_missing")],
              "last_updated_date": [rules.provincial_required_when_published, rules.provincial_iso_date]}

    _data, errors = run(data, schema)

    assert errors == expected


def test_last_updated_date_uses_the_stored_state_on_update():
    class Draft:
        state = "draft"

    schema = {"last_updated_date": [rules.provincial_required_when_published]}

    _data, errors = run({}, schema, {"package": Draft()})

    assert not errors


@pytest.mark.parametrize("value, stored", [
    ({"start": "2023-10-01", "end": "2024-09-30"}, "2023-10-01/2024-09-30"),
    ("2023-10-01/2024-09-30", "2023-10-01/2024-09-30"),
    (["2023-10-01", "2024-09-30"], "2023-10-01/2024-09-30"),
    ("2024-01-01", "2024-01-01"),
    ({"start": "2024-01-01", "end": ""}, "2024-01-01"),
])
def test_reference_period_is_stored_as_an_iso_interval(value, stored):
    data, errors = run({"reference_period": value}, {"reference_period": [rules.provincial_reference_period]})

    assert not errors
    assert data["reference_period"] == stored


def test_reference_period_from_the_form_inputs():
    data, errors = toolkit.navl_validate(
        {"reference_period_start": "2023-01-01", "reference_period_end": "2023-12-31"},
        {"reference_period": [rules.provincial_reference_period], "__extras": [toolkit.get_validator("ignore")]}, {})

    assert not errors
    assert data["reference_period"] == "2023-01-01/2023-12-31"


@pytest.mark.parametrize("value, message", [
    ({"start": "2024-12-31", "end": "2024-01-01"}, "End: The period ends before it starts"),
    ({"start": "", "end": "2024-01-01"}, "Start: Give the start date of the period, not only its end"),
    ("2024-01-01/31-12-2024", "End: Date format incorrect: write the date as YYYY-MM-DD, such as 2024-01-31"),
])
def test_bad_reference_periods_are_refused(value, message):
    _data, errors = run({"reference_period": value}, {"reference_period": [rules.provincial_reference_period]})

    assert errors["reference_period"] == [message]


def test_empty_reference_period_is_dropped():
    data, errors = run({"reference_period_start": "", "reference_period_end": ""},
                       {"reference_period": [rules.provincial_reference_period]})

    assert not errors and "reference_period" not in data


# ------------------------------------------------- numbers and coordinates --

def test_years_and_whole_numbers_stay_text():
    assert rules.provincial_year(" 2566 ", {}) == "2566"
    assert rules.provincial_whole_number(3, {}) == "3"
    for bad in ("66", "พ.ศ. 2566"):
        with pytest.raises(toolkit.Invalid):
            rules.provincial_year(bad, {})
    for bad in ("0", "1.5", "-2", "ปีละครั้ง"):
        with pytest.raises(toolkit.Invalid):
            rules.provincial_whole_number(bad, {})


def test_coordinates_are_checked_by_axis():
    latitude = rules.provincial_coordinate({"coordinate_axis": "latitude"}, {})
    longitude = rules.provincial_coordinate({"coordinate_axis": "longitude"}, {})

    assert latitude("14.02", {}) == "14.02"
    assert longitude(" 100.53 ", {}) == "100.53"
    with pytest.raises(toolkit.Invalid) as raised:
        latitude("100.5", {})
    assert "not a latitude" in raised.value.error
    with pytest.raises(toolkit.Invalid):
        longitude("east", {})


# ------------------------------------------------------- provinces, areas --

def test_province_code_is_checked_against_geothai():
    assert rules.provincial_province_code(" 13", {}) == "13"
    with pytest.raises(toolkit.Invalid) as raised:
        rules.provincial_province_code("99", {})
    assert raised.value.error.startswith('"99" is not a province code')


DISTRICTS = {"field_name": "district_codes", "area_level": "district", "province_field": "province_code"}
SUBDISTRICTS = {"field_name": "subdistrict_codes", "area_level": "subdistrict", "province_field": "province_code"}


def area_schema(field: dict) -> dict:
    return {"province_code": [toolkit.get_validator("ignore_missing")],
            field["field_name"]: [rules.provincial_area_codes(field, {})]}


def test_districts_of_the_province_are_stored_sorted_as_json():
    data, errors = run({"province_code": "13", "district_codes": "1302, 1301"}, area_schema(DISTRICTS))

    assert not errors
    assert json.loads(data["district_codes"]) == ["1301", "1302"]


def test_district_outside_the_province_is_refused_by_name():
    _data, errors = run({"province_code": "13", "district_codes": ["1301", "1901"]}, area_schema(DISTRICTS))

    # Names in the request's language (outside a request, the portal's default).
    assert errors["district_codes"] in (
        ["เมืองสระบุรี (1901) is in สระบุรี (19), not in the dataset's province ปทุมธานี (13)"],
        ["Mueang Saraburi (1901) is in Saraburi (19), not in the dataset's province Pathum Thani (13)"])


def test_unknown_subdistrict_code_is_refused():
    _data, errors = run({"province_code": "13", "subdistrict_codes": ["130201", "1302"]}, area_schema(SUBDISTRICTS))

    assert errors["subdistrict_codes"] == ['"1302" is not a subdistrict code (6 digits, such as 130201)']


@pytest.mark.parametrize("value", [[], "", " , "])
def test_no_area_codes_stores_nothing(value):
    data, errors = run({"province_code": "13", "district_codes": value}, area_schema(DISTRICTS))

    assert not errors and not data.get("district_codes")


# -------------------------------------------------------- organizations --

class Agency:
    def __init__(self, **extras):
        self.extras = extras


def test_plan_coordinator_is_kept_when_not_given():
    schema = {"plan_coordinator": [rules.provincial_sysadmin_only]}

    data, errors = run({}, schema, {"group": Agency(plan_coordinator="True"), "user": ""})

    assert not errors and data["plan_coordinator"] == "True"


def test_plan_coordinator_may_be_changed_internally():
    schema = {"plan_coordinator": [rules.provincial_sysadmin_only]}

    data, errors = run({"plan_coordinator": "True"}, schema, {"ignore_auth": True})

    assert not errors and data["plan_coordinator"] == "True"


@pytest.mark.parametrize("value, expected", [("", []), ([""], []), (["CSV", ""], ["CSV"]), (None, [])])
def test_blank_entries_of_a_multiple_choice_are_no_choice(value, expected):
    from ckanext.scheming.validation import scheming_multiple_choice

    field = {"field_name": "data_format", "choices": [{"value": "CSV"}, {"value": "XLS"}]}
    schema = {"data_format": [rules.provincial_blank_choices, scheming_multiple_choice(field, {})]}

    data, errors = run({"data_format": value}, schema)

    assert not errors
    assert json.loads(data["data_format"]) == expected
