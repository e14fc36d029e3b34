"""Province, district and subdistrict codes (pure, from geothai)."""
from __future__ import annotations

import pytest

from ckanext.provincial import codes

pytestmark = pytest.mark.unit


def test_province_has_thai_and_english_names_and_a_label():
    pathum = codes.province("13")

    assert pathum.name_th == "ปทุมธานี"
    assert pathum.name_en == "Pathum Thani"
    assert pathum.label("th") == "ปทุมธานี (13)"
    assert pathum.label("en") == "Pathum Thani (13)"


@pytest.mark.parametrize("value", ["13", " 13 ", 13])
def test_province_code_is_read_from_text_or_number(value):
    assert codes.province(value).code == "13"


@pytest.mark.parametrize("value", ["99", "1", "130", "ab", "", None, "TH-13"])
def test_unknown_or_malformed_province_code_is_none(value):
    assert codes.province(value) is None


def test_all_77_provinces_including_bueng_kan():
    provinces = codes.provinces()

    assert len(provinces) == 77
    assert codes.province("38").name_th == "บึงกาฬ"
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)


def test_districts_and_subdistricts_of_pathum_thani():
    districts = codes.districts("13")

    assert [d.code for d in districts] == ["1301", "1302", "1303", "1304", "1305", "1306", "1307"]
    assert codes.district("1302").name_th == "คลองหลวง"
    assert all(s.code.startswith("1302") for s in codes.subdistricts("1302"))
    assert codes.subdistrict("130201").label("th").endswith("(130201)")
    assert len(codes.subdistricts_of_province("13")) == sum(len(codes.subdistricts(d.code)) for d in districts)


def test_area_finds_the_level_by_the_code_length():
    assert codes.area("19").level == "province"
    assert codes.area("1901").level == "district"
    assert codes.area("190101").level == "subdistrict"
    assert codes.area("19010") is None


@pytest.mark.parametrize("value, expected", [
    (["1301", "1302"], ["1301", "1302"]),
    ('["1302", "1301"]', ["1302", "1301"]),
    ("1301, 1302;1303 1304", ["1301", "1302", "1303", "1304"]),
    ("1301,1301", ["1301"]),
    ("", []),
    (None, []),
    ([1301], ["1301"]),
])
def test_split_codes_reads_lists_json_and_separated_text(value, expected):
    assert codes.split_codes(value) == expected


@pytest.mark.parametrize("value", ["[not json", {"a": 1}, [["1301"]], [True]])
def test_split_codes_refuses_what_is_not_a_list_of_codes(value):
    assert codes.split_codes(value) is None


def test_check_areas_reports_unknown_codes_and_areas_of_another_province():
    problems = codes.check_areas(["1301", "1901", "9999", "130"], "district", "13")

    assert [(p.code, p.reason) for p in problems] == [
        ("1901", "other_province"), ("9999", "unknown"), ("130", "unknown")]
    assert problems[0].area.name_th == "เมืองสระบุรี"


def test_check_areas_of_subdistricts():
    assert codes.check_areas(["130201", "130101"], "subdistrict", "13") == []
    assert [p.reason for p in codes.check_areas(["190101"], "subdistrict", "13")] == ["other_province"]
    assert [p.reason for p in codes.check_areas(["1302"], "subdistrict", "13")] == ["unknown"]


def test_check_areas_without_a_known_province_checks_existence_only():
    assert codes.check_areas(["1901"], "district", "") == []
    assert codes.check_areas(["1901"], "district", "99") == []
