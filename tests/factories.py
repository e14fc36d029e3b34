"""Valid provincial datasets and agencies for tests.

``gdc_dataset(data_type, **overrides)`` returns a ``package_create`` dict that
fills every GDC field of the data type with a national value (and
``province_code`` 13, Pathum Thani); ``overrides`` replace or add fields. It
creates nothing: give ``owner_org`` (e.g. ``provincial_organization()["id"]``).

``provincial_organization(**overrides)`` creates an agency (CKAN
organization) of Pathum Thani with the organization schema's fields.
"""
from __future__ import annotations

import copy
import uuid
from typing import Any

import yaml

from ckan.tests import factories

from ckanext.provincial import schemas


def _schema_data_types() -> list[str]:
    """The GDC ``data_type`` values, as the schema's ``gdc_data_type`` preset lists them."""
    with open(schemas.path("presets.yaml"), encoding="utf-8") as handle:
        presets = {p["preset_name"]: p["values"] for p in yaml.safe_load(handle)["presets"]}
    return [choice["value"] for choice in presets["gdc_data_type"]["choices"]]


# Short names -> the schema's data_type values, in the preset's order (tests import it from here).
DATA_TYPES = dict(zip(("record", "statistics", "gis", "multiple", "other"), _schema_data_types(), strict=True))

COMMON: dict[str, Any] = {
    "title": "จำนวนโรงงานอุตสาหกรรม จังหวัดปทุมธานี",
    "allow_harvest": "True",
    "reference_url_catalog": "https://catalog.example.go.th/dataset/factories",
    "maintainer": "กลุ่มงานข้อมูลและสารสนเทศ สำนักงานสถิติจังหวัดปทุมธานี",
    "maintainer_email": "pathumthani@example.go.th",
    "tag_string": "อุตสาหกรรม,โรงงาน",
    "notes": "ข้อมูลโรงงานอุตสาหกรรมที่ได้รับอนุญาต จำแนกรายอำเภอ",
    "objective": ["เพื่อการให้บริการประชาชน", "พันธกิจหน่วยงาน"],  # in the list's order, as stored
    "update_frequency_unit": "ปี",
    "update_frequency_interval": "1",
    "geo_coverage": "จังหวัด",
    "data_source": "สำนักงานอุตสาหกรรมจังหวัดปทุมธานี",
    "data_format": ["CSV"],
    "data_category": "ข้อมูลสาธารณะ",
    "data_classification": "เปิดเผย",
    "license_id": "Open Data Common",
    "accessible_condition": "เปิดเผยต่อสาธารณะ",
    "url": "https://www.example.go.th/industry",
    "data_language": ["ไทย"],
    "last_updated_date": "2024-01-31",
    "province_code": "13",
}

RESOURCE: dict[str, Any] = {
    "name": "จำนวนโรงงาน ปี 2566",
    "url": "http://example.invalid/factories-2566.csv",
    "format": "CSV",
    "description": "ตารางจำนวนโรงงานรายอำเภอ",
    "resource_accessible_condition": "เปิดเผยต่อสาธารณะ",
    "resource_last_updated_date": "2024-01-31",
}

_RECORD_LIKE: dict[str, Any] = {
    "data_support": "หน่วยงานของรัฐ",
    "data_collect": "บริษัท/ห้างร้าน/สถานประกอบการ",
    "created_date": "2020-10-01",
    "high_value_dataset": "False",
    "reference_data": "False",
}
_RECORD_LIKE_RESOURCE: dict[str, Any] = {
    "resource_data_collect": "บริษัท/ห้างร้าน/สถานประกอบการ",
    "resource_created_date": "2020-10-01",
}

BY_TYPE: dict[str, dict[str, Any]] = {
    "record": dict(_RECORD_LIKE),
    "multiple": dict(_RECORD_LIKE),
    "other": dict(_RECORD_LIKE, data_type_other="เอกสารประกอบการบริหารงานจังหวัด"),
    "statistics": {
        "data_release_calendar": "2024-03-31",
        "first_year_of_data": "2560",
        "last_year_of_data": "2566",
        "disaggregate": ["อุตสาหกรรม/ประเภทกิจการ", "ขอบเขตเชิงภูมิศาสตร์หรือเชิงพื้นที่"],
        "unit_of_measure": "แห่ง",
        "unit_of_multiplier": "หน่วย",
        "calculation_method": "นับจำนวนโรงงานจากทะเบียนโรงงาน",
        "standard": "มาตรฐานสถิติสำนักงานสถิติแห่งชาติ",
        "official_statistics": "True",
    },
    "gis": {
        "data_release_calendar": "2024-03-31",
        "geographic_data_set": "ชั้นข้อมูลขอบเขตการปกครอง",
        "equivalent_scale": "1:50,000",
        "west_bound_longitude": "100.3300",
        "east_bound_longitude": "100.9500",
        "north_bound_longitude": "14.2900",
        "south_bound_longitude": "13.9100",
        "positional_accuracy": "±5 เมตร",
        "reference_period": "2023-01-01/2023-12-31",
        "data_release_date": "2024-02-15",
    },
}

RESOURCE_BY_TYPE: dict[str, dict[str, Any]] = {
    "record": dict(_RECORD_LIKE_RESOURCE),
    "multiple": dict(_RECORD_LIKE_RESOURCE),
    "other": dict(_RECORD_LIKE_RESOURCE),
    "statistics": {
        "resource_first_year_of_data": "2560",
        "resource_last_year_of_data": "2566",
        "resource_disaggregate": ["ขอบเขตเชิงภูมิศาสตร์หรือเชิงพื้นที่"],
        "resource_unit_of_measure": "แห่ง",
        "resource_unit_of_multiplier": "หน่วย",
        "resource_data_release_calendar": "2024-03-31",
        "resource_official_statistics": "True",
    },
    "gis": {
        "resource_geographic_data_set": "ชั้นข้อมูลขอบเขตการปกครอง",
        "resource_equivalent_scale": "1:50,000",
        "resource_positional_accuracy": "±5 เมตร",
        "resource_created_date": "2023-01-01",
        "resource_data_release_date": "2024-02-15",
    },
}


def data_type_key(data_type: str) -> str:
    """``"statistics"`` for ``"statistics"`` or ``"ข้อมูลสถิติ"``."""
    if data_type in DATA_TYPES:
        return data_type
    for key, value in DATA_TYPES.items():
        if value == data_type:
            return key
    raise ValueError(f"unknown data type {data_type!r}; one of {', '.join(DATA_TYPES)}")


def unique_name(prefix: str = "gdc") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def gdc_dataset(data_type: str = "record", /, **overrides: Any) -> dict[str, Any]:
    """A complete, valid ``package_create`` dict of a data type (``record``, ``statistics``, ``gis``,
    ``multiple``, ``other`` or the GDC Thai value), with one CSV resource; ``overrides`` win."""
    key = data_type_key(data_type)
    resource = dict(RESOURCE, **RESOURCE_BY_TYPE[key])
    values: dict[str, Any] = {
        "name": unique_name(key),
        "data_type": DATA_TYPES[key],
        **copy.deepcopy(COMMON),
        **copy.deepcopy(BY_TYPE[key]),
        "resources": [copy.deepcopy(resource)],
    }
    values.update(overrides)
    return values


def provincial_organization(**overrides: Any) -> dict[str, Any]:
    """Create an agency of Pathum Thani (13); ``overrides`` go to ``organization_create``."""
    values: dict[str, Any] = {
        "name": unique_name("agency"),
        "title": "สำนักงานสถิติจังหวัดปทุมธานี",
        "province_code": "13",
        "agency_kind": "provincial_office",
        "parent_agency": "สำนักงานสถิติแห่งชาติ กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม",
        "plan_coordinator": "False",
    }
    values.update(overrides)
    return factories.Organization(**values)
