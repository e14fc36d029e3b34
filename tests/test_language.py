"""One language picker for labels; choice labels read from the schema as presets.yaml words them (pure)."""
from __future__ import annotations

import pathlib

import pytest
import yaml

from ckanext.provincial import language
from ckanext.provincial.validators import schema as rules

pytestmark = pytest.mark.unit

PRESETS = pathlib.Path(__file__).parents[1] / "schemas" / "presets.yaml"


@pytest.mark.parametrize("lang, expected", [("th", "ครึ่งปี"), ("en", "Half year"), ("en_GB", "Half year"),
                                            ("fr", "ครึ่งปี")])
def test_a_th_en_label_in_the_language_asked(lang, expected):
    assert language.label_text({"th": "ครึ่งปี", "en": "Half year"}, lang) == expected


def test_a_label_missing_in_one_language_falls_back_to_the_other():
    assert language.label_text({"th": "ครึ่งปี"}, "en") == "ครึ่งปี"
    assert language.label_text({"en": "Half year"}, "th") == "Half year"
    assert language.label_text({}, "th", default="ครึ่งปี") == "ครึ่งปี"
    assert language.label_text("ข้อความ", "en") == "ข้อความ"


def test_pick_between_thai_and_english_text():
    assert language.pick("แผนงาน", "Plan", "en_US") == "Plan"
    assert language.pick("แผนงาน", "", "en") == "แผนงาน"
    assert language.pick("แผนงาน", "Plan", "th") == "แผนงาน"


def test_outside_a_request_the_portal_default_language(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckan.locale_default", "en")
    assert language.current() == "en"
    monkeypatch.setitem(ckan_config, "ckan.locale_default", "")
    assert language.current() == "th"


def _unit_field() -> dict:
    presets = {p["preset_name"]: p for p in yaml.safe_load(PRESETS.read_text(encoding="utf-8"))["presets"]}
    return {"field_name": "update_frequency_unit", **presets["gdc_update_frequency_unit"]["values"]}


def test_choice_labels_come_from_the_schema_as_presets_yaml_words_them(ckan_config, monkeypatch):
    schema = {"dataset_fields": [_unit_field()]}
    never = "ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล"

    monkeypatch.setitem(ckan_config, "ckan.locale_default", "en")
    assert rules.choice_label(schema, "update_frequency_unit", never) == "Not updated after collection"
    assert rules.choice_label(schema, "update_frequency_unit", "วันทำการ") == "Working day"
    monkeypatch.setitem(ckan_config, "ckan.locale_default", "th")
    assert rules.choice_label(schema, "update_frequency_unit", "วันทำการ") == "วันทำการ"
    # a value the schema does not list is shown as stored
    assert rules.choice_label(schema, "update_frequency_unit", "ทุกสองปี") == "ทุกสองปี"
