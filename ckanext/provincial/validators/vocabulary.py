"""Dataset fields that hold codes of the synced code lists: ``pmqa`` and ``development_issues``.

Both accept a list of codes (API), one code (a form with one box ticked), a
JSON list, or codes separated by commas (spreadsheet imports), and store a
JSON list in the order of the operator's files, as scheming's multiple-choice
fields do (display them with ``scheming_multiple_choice_output``).
"""
from __future__ import annotations

import json
from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import settings, vocabulary_store as store
from ckanext.provincial.codes import split_codes
from ckanext.provincial.language import current as current_language

missing = toolkit.missing


def scheming_validator(fn):
    # What ckanext.scheming.validation.scheming_validator does; importing it
    # here would be circular (scheming collects validators while importing).
    fn.is_a_scheming_validator = True
    return fn


def _codes(value: Any) -> Optional[list[str]]:
    """The codes in ``value``, or ``None`` when it is not a list of texts."""
    if value is missing:
        return []
    return split_codes(value, numbers=False)


def provincial_pmqa_codes(key, data, errors, context):
    """PMQA codes known to the ``pmqa`` tag vocabulary, stored as a JSON list."""
    if errors[key]:
        return
    codes = _codes(data[key])
    if codes is None:
        errors[key].append(toolkit._('Give PMQA codes as a list, such as ["4.1", "4.2"]'))
        return
    known = store.pmqa_codes_in_ckan() if codes else []
    unknown = [code for code in codes if code not in known]
    if unknown and not known:
        errors[key].append(toolkit._(
            'No PMQA codes are loaded in this portal yet; a system administrator runs "ckan provincial vocabulary sync"'))
        return
    if unknown:
        errors[key].append(toolkit._("Unknown PMQA code: {codes}. Known codes: {known}").format(
            codes=", ".join(unknown), known=", ".join(known)))
        return
    data[key] = json.dumps(sorted(codes, key=_pmqa_order()))


def _pmqa_order():
    # The operator's file gives the order; the tag vocabulary comes back in
    # database order, which changes once entries are added by a later sync.
    pmqa = store.pmqa_file_or_none()
    in_file = {code: position for position, code in enumerate(pmqa.codes())} if pmqa else {}

    def order(code: str):
        numbers = tuple(int(part) if part.isdigit() else 0 for part in code.split("."))
        return (in_file.get(code, len(in_file)), numbers, code)

    return order


def _dataset_provinces(data, province_field: str) -> list[str]:
    value = data.get((province_field,), missing)
    provinces = _codes(value) or []
    if not provinces:
        configured = settings.province_code()
        provinces = [configured] if configured else []
    return provinces


def _province_label(code: str) -> str:
    from ckanext.provincial.development_issues import province_name

    name = province_name(code) if code else None
    return f"{name.in_language(current_language())} ({code})" if name else code


@scheming_validator
def provincial_development_issues(field, schema):
    """Development issue codes of the dataset's own province, stored as a JSON list.

    The province is the dataset's ``province_code`` field (or the field named
    by ``province_field`` in the field definition), else the portal's
    ``ckanext.provincial.province_code``.
    """
    province_field = field.get("province_field", store.PROVINCE_FIELD)

    def validator(key, data, errors, context):
        if errors[key]:
            return
        codes = _codes(data[key])
        if codes is None:
            errors[key].append(toolkit._('Give development issue codes as a list, such as ["13-livable-industry"]'))
            return
        if not codes:
            data[key] = json.dumps([])
            return
        provinces = _dataset_provinces(data, province_field)
        if not provinces:
            errors[key].append(toolkit._("Choose the dataset's province before its development issues"))
            return
        groups = store.issue_groups(codes)
        for code in codes:
            issue = groups.get(code)
            if issue is None:
                errors[key].append(toolkit._(
                    'Unknown development issue "{code}"; the issues of each province are listed at /development-issue'
                ).format(code=code))
            elif issue.get("province_code") not in provinces:
                errors[key].append(toolkit._(
                    'Development issue "{code}" ({title}) belongs to {issue_province}, '
                    "not to this dataset's province, {dataset_province}"
                ).format(
                    code=code, title=store.issue_label(code, issue),
                    issue_province=_province_label(issue.get("province_code") or ""),
                    dataset_province=", ".join(_province_label(p) for p in provinces),
                ))
        if errors[key]:
            return

        def order(code):
            issue = groups[code]
            try:
                position = int(issue.get("position") or 0)
            except ValueError:
                position = 0
            return (issue.get("province_code") or "", position, code)

        data[key] = json.dumps(sorted(codes, key=order))

    return validator


def get_validators():
    return {
        "provincial_pmqa_codes": provincial_pmqa_codes,
        "provincial_development_issues": provincial_development_issues,
    }
