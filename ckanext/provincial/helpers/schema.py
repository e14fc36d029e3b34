"""Template helpers of the provincial schemas: province and area names, data-type rules, periods."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import codes, settings
from ckanext.provincial.language import current as current_language
from ckanext.provincial.validators import schema as rules


def provincial_default_province_code() -> str:
    """The portal's own province (``ckanext.provincial.province_code``), or empty."""
    return settings.province_code()


def provincial_province_choices(field: Optional[dict] = None) -> list[dict[str, str]]:
    """Every province as a form choice, labelled ``ปทุมธานี (13)`` in the request's language."""
    language = current_language()
    return [{"value": p.code, "label": p.label(language)} for p in codes.provinces()]


def provincial_area_label(code: Any) -> str:
    """``ปทุมธานี (13)``, ``คลองหลวง (1302)``... for a province, district or subdistrict code; unknown codes as given."""
    area = codes.area(code)
    return area.label(current_language()) if area else codes.clean_code(code)


def provincial_area_labels(value: Any) -> list[str]:
    """Labels of a list of area codes (a list or its stored JSON)."""
    return [provincial_area_label(code) for code in (codes.split_codes(value) or [])]


def provincial_area_options(level: str, province_code: Any) -> list[dict[str, Any]]:
    """Form options of a province's districts, or its subdistricts grouped by district.

    ``[{"label": group, "options": [{"value": code, "label": name}, ...]}, ...]``;
    empty when the province is unknown.
    """
    language = current_language()
    province = codes.province(province_code)
    if province is None:
        return []
    if level == "district":
        return [{"label": province.label(language),
                 "options": [{"value": d.code, "label": d.label(language)} for d in codes.districts(province.code)]}]
    return [
        {"label": d.label(language),
         "options": [{"value": s.code, "label": s.label(language)} for s in codes.subdistricts(d.code)]}
        for d in codes.districts(province.code)
    ]


def provincial_selected_codes(value: Any) -> list[str]:
    """The codes of a stored or submitted area list, for a form."""
    return codes.split_codes(value) or []


def provincial_field_applies(field: dict, data_type: Any) -> bool:
    """Whether a schema field belongs to datasets of ``data_type``."""
    return rules.applies_to(field, data_type)


def provincial_data_type_labels(field: dict, dataset_type: str = "dataset") -> list[str]:
    """Labels of the data types a field belongs to (empty for a field of every type)."""
    types = field.get("form_data_type") or []
    if not types:
        return []
    schema = toolkit.h.scheming_get_dataset_schema(dataset_type) or {}
    data_type = toolkit.h.scheming_field_by_name(schema.get("dataset_fields", []), rules.DATA_TYPE_FIELD) or {}
    labels = {choice["value"]: toolkit.h.scheming_language_text(choice.get("label", choice["value"]))
              for choice in data_type.get("choices", [])}
    return [labels.get(value, value) for value in types]


def provincial_dataset_data_type(package_id: Optional[str]) -> str:
    """The ``data_type`` of a dataset (for its resource form); empty when it cannot be read."""
    if not package_id:
        return ""
    # Asked once per type-specific field of a form: remember it for the request.
    try:
        known = toolkit.g.setdefault("provincial_data_types", {})
    except (AttributeError, RuntimeError, TypeError):
        known = {}
    if package_id not in known:
        try:
            dataset = toolkit.get_action("package_show")({}, {"id": package_id})
        except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
            dataset = {}
        known[package_id] = dataset.get(rules.DATA_TYPE_FIELD) or ""
    return known[package_id]


def provincial_reference_period(value: Any) -> Optional[dict[str, str]]:
    """``{"start": "2023-10-01", "end": "2024-09-30"}`` of a stored period; None when empty or unreadable."""
    if value in (None, ""):
        return None
    try:
        start, end = rules.parse_period(value)
    except ValueError:
        return None
    if start is None:
        return None
    return {"start": start.isoformat(), "end": end.isoformat()}


def provincial_choice_labels(field: dict, value: Any) -> list[str]:
    """Labels, in the request's language, of the values chosen in a single or multiple choice field."""
    chosen = rules.choice_values(value)
    labels = {choice["value"]: toolkit.h.scheming_language_text(choice.get("label", choice["value"]))
              for choice in toolkit.h.scheming_field_choices(field) or []}
    return [labels.get(item, item) for item in chosen]


def get_helpers() -> dict[str, Any]:
    return {
        "provincial_default_province_code": provincial_default_province_code,
        "provincial_province_choices": provincial_province_choices,
        "provincial_area_label": provincial_area_label,
        "provincial_area_labels": provincial_area_labels,
        "provincial_area_options": provincial_area_options,
        "provincial_selected_codes": provincial_selected_codes,
        "provincial_field_applies": provincial_field_applies,
        "provincial_data_type_labels": provincial_data_type_labels,
        "provincial_dataset_data_type": provincial_dataset_data_type,
        "provincial_reference_period": provincial_reference_period,
        "provincial_choice_labels": provincial_choice_labels,
    }
