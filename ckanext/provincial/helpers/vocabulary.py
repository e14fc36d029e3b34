"""Template helpers for PMQA codes and development issues: form choices, badges, issue pages."""
from __future__ import annotations

import json
from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import development_issues, settings, vocabulary_store as store
from ckanext.provincial.language import current as current_language, pick


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    if not isinstance(value, list):
        return []
    return [code for code in value if isinstance(code, str) and code]


def _position(fields: dict) -> int:
    try:
        return int(fields.get("position") or 0)
    except ValueError:
        return 0


def provincial_pmqa_label(code: str) -> str:
    return store.pmqa_label(code)


def provincial_pmqa_choices(field: Optional[dict] = None) -> list[dict[str, str]]:
    """Choices of a ``pmqa`` form field: the synced codes, named from the PMQA file."""
    pmqa = store.pmqa_file_or_none()
    return [{"value": code, "label": store.pmqa_label(code, pmqa)} for code in store.pmqa_codes_in_ckan()]


def _issue_choice_label(code: str, fields: dict, several_provinces: bool) -> str:
    label = store.issue_label(code, fields)
    if fields.get("parent"):
        label = "— " + label
    if several_provinces:
        label = f"{_province_name(fields.get('province_code') or '')}: {label}"
    return label


def _province_name(code: str) -> str:
    name = development_issues.province_name(code) if code else None
    return name.in_language(current_language()) if name else code


def provincial_development_issue_choices(field: Optional[dict] = None) -> list[dict[str, str]]:
    """Choices of a ``development_issues`` form field, sub-issues after their issue.

    On a portal with ``ckanext.provincial.province_code`` only that province's
    issues; otherwise every province's, prefixed with the province name (the
    validator accepts only the dataset's own province).
    """
    groups = store.issue_groups()
    province = settings.province_code()
    if province:
        groups = {code: fields for code, fields in groups.items() if fields.get("province_code") == province}
    several = len({fields.get("province_code") for fields in groups.values()}) > 1

    def order(code):
        fields = groups[code]
        parent = fields.get("parent")
        top = groups.get(parent, fields) if parent else fields
        return (fields.get("province_code") or "", _position(top), 1 if parent else 0, _position(fields))

    return [
        {"value": code, "label": _issue_choice_label(code, groups[code], several)}
        for code in sorted(groups, key=order)
    ]


def provincial_pmqa_badges(pkg_dict: dict) -> list[dict[str, str]]:
    """The dataset's PMQA codes with their names and a link to the datasets sharing each."""
    pmqa = store.pmqa_file_or_none()
    badges = []
    for code in _codes(pkg_dict.get(store.PMQA_FIELD)):
        term = pmqa.get(code) if pmqa else None
        badges.append({
            "code": code,
            "label": store.pmqa_label(code, pmqa),
            "description": term.description.in_language(current_language()) if term and term.description else "",
            "url": toolkit.h.url_for("dataset.search", **{store.PMQA_INDEX_FIELD: code}),
        })
    return badges


def provincial_development_issue_badges(pkg_dict: dict) -> list[dict[str, str]]:
    """The dataset's development issues with their names and the link to each issue's page."""
    codes = _codes(pkg_dict.get(store.ISSUES_FIELD))
    groups = store.issue_groups(codes) if codes else {}
    badges = []
    for code in codes:
        fields = groups.get(code)
        kind = development_issues.KIND_LABELS.get((fields or {}).get("kind") or "")
        badges.append({
            "code": code,
            "label": store.issue_label(code, fields) if fields else code,
            "kind": toolkit._(kind) if kind else "",
            "url": toolkit.h.url_for(store.ISSUE_GROUP_TYPE + ".read", id=code) if fields else "",
        })
    return badges


def provincial_development_issue_info(group_dict: dict) -> Optional[dict[str, Any]]:
    """For a development issue's page: its province, kind, parent and sub-issues."""
    if (group_dict or {}).get("type") != store.ISSUE_GROUP_TYPE:
        return None
    code = group_dict["name"]
    fields = store.group_fields(group_dict, store.ISSUE_GROUP_FIELDS)
    parent_code = fields.get("parent") or None
    related = store.issue_groups()
    children = sorted(
        (c for c, f in related.items() if f.get("parent") == code),
        key=lambda c: _position(related[c]),
    )

    def link(other: str) -> dict[str, str]:
        return {
            "code": other,
            "label": store.issue_label(other, related.get(other)),
            "url": toolkit.h.url_for(store.ISSUE_GROUP_TYPE + ".read", id=other),
        }

    description_en = fields.get("description_en") or ""
    kind = development_issues.KIND_LABELS.get(fields.get("kind") or "")
    return {
        "code": code,
        "province": _province_name(fields.get("province_code") or ""),
        "kind": toolkit._(kind) if kind else "",
        "title": store.issue_label(code, dict(fields, title=group_dict.get("title"))),
        "description": pick(group_dict.get("description") or "", description_en),
        "parent": link(parent_code) if parent_code else None,
        "children": [link(child) for child in children],
    }


def provincial_group_title(group_dict: dict) -> str:
    """A development issue's or national category's title in the page's language."""
    fields = store.group_fields(group_dict or {}, ("title_en",))
    return pick(group_dict.get("title") or group_dict.get("name") or "", fields.get("title_en") or "")


def get_helpers():
    return {
        "provincial_pmqa_label": provincial_pmqa_label,
        "provincial_pmqa_choices": provincial_pmqa_choices,
        "provincial_development_issue_choices": provincial_development_issue_choices,
        "provincial_pmqa_badges": provincial_pmqa_badges,
        "provincial_development_issue_badges": provincial_development_issue_badges,
        "provincial_development_issue_info": provincial_development_issue_info,
        "provincial_group_title": provincial_group_title,
    }
