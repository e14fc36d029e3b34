"""Requirement plan actions: create, update, delete, show, list and import (CSV/XLSX, all-or-nothing)."""
from __future__ import annotations

from typing import Any, Callable, Optional

import uuid

import sqlalchemy.exc

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import gap_service, model, plan_activity, plan_io
from ckanext.provincial.validators import requirement as checks
from ckanext.provincial.actions.schema_check import validated


def _commit(context) -> None:
    if not context.get("defer_commit"):
        model.session().commit()


def _duplicate_code_error(province_code: str, code: str) -> toolkit.ValidationError:
    return toolkit.ValidationError({"code": [toolkit._(
        'The plan of province {province} already has a requirement "{code}"').format(province=province_code, code=code)]})


def _find(data_dict) -> model.Requirement:
    """The requirement named by ``id``, or by ``province_code`` and ``code``."""
    data_dict = data_dict or {}
    requirement = None
    if data_dict.get("id"):
        requirement = model.requirement_by_id(str(data_dict["id"]))
    elif data_dict.get("province_code") and data_dict.get("code"):
        requirement = model.requirement_by_code(str(data_dict["province_code"]), str(data_dict["code"]))
    else:
        raise toolkit.ValidationError({"id": [toolkit._("Give the requirement's id, or its province_code and code")]})
    if requirement is None:
        raise toolkit.ObjectNotFound(toolkit._("Requirement not found"))
    return requirement


def _shown(requirement: model.Requirement) -> dict[str, Any]:
    return gap_service.with_issue_labels(gap_service.with_agencies([requirement.as_dict()]))[0]


def provincial_requirement_create(context, data_dict) -> dict[str, Any]:
    """Add a requirement to a province's plan.

    :param province_code: two-digit province code (e.g. ``13``)
    :type province_code: string
    :param code: the requirement's code, unique within the province
        (1-50 characters, no commas or semicolons)
    :type code: string
    :param title_th: what data is needed, in Thai
    :type title_th: string
    :param title_en: the same in English (optional)
    :type title_en: string
    :param development_issue: code of a development issue of the province (optional)
    :type development_issue: string
    :param sub_issue: code of a sub-issue of that issue (optional; fills in the issue)
    :type sub_issue: string
    :param agency: responsible organization, by name or id (optional)
    :type agency: string
    :param purpose: what the data is for (optional)
    :type purpose: string
    :param indicator: the indicator it measures (optional)
    :type indicator: string
    :param update_frequency_unit: required update frequency, a GDC unit
        (``ปี``, ``ครึ่งปี``, ``ไตรมาส``, ``เดือน``, ``สัปดาห์``, ``วัน``,
        ``วันทำการ``, ``ชั่วโมง``, ``นาที``, ``ตามเวลาจริง``,
        ``ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล``, ``ไม่ทราบ``, ``อื่นๆ``;
        English names such as ``month`` are accepted)
    :type update_frequency_unit: string
    :param update_frequency_interval: every how many units (default 1)
    :type update_frequency_interval: int
    :param geo_level: required geographic level (``จังหวัด``, ``อำเภอ``,
        ``ตำบล``, ``หมู่บ้าน``...)
    :type geo_level: string
    :param priority: ``high``, ``medium`` or ``low``
    :type priority: string
    :param pmqa: PMQA item codes, e.g. ``["4.1"]`` or ``"4.1, 4.2"``
    :type pmqa: list of strings
    :param source_plan: the plan the need comes from (optional)
    :type source_plan: string

    :returns: the requirement, with ``id``, ``agency_name`` and ``agency_title``
    :rtype: dictionary
    """
    toolkit.check_access("provincial_requirement_create", context, data_dict)
    data = validated(context, data_dict, checks.requirement_schema())
    if model.requirement_by_code(data["province_code"], data["code"]) is not None:
        raise _duplicate_code_error(data["province_code"], data["code"])
    requirement = model.Requirement(id=str(uuid.uuid4()))
    requirement.assign(data)
    session = model.session()
    session.add(requirement)
    plan_activity.record(context, plan_activity.NEW, requirement.as_dict())
    try:
        _commit(context)
    except sqlalchemy.exc.IntegrityError:
        session.rollback()
        raise _duplicate_code_error(data["province_code"], data["code"])
    return _shown(requirement)


def provincial_requirement_update(context, data_dict) -> dict[str, Any]:
    """Change a requirement. Every field is replaced, as in ``provincial_requirement_create``;
    the province cannot change.

    :param id: the requirement's id
    :type id: string

    Other parameters: as ``provincial_requirement_create``.

    :returns: the requirement
    :rtype: dictionary
    """
    toolkit.check_access("provincial_requirement_update", context, data_dict)
    requirement = _find({"id": (data_dict or {}).get("id")})
    values = dict(data_dict or {})
    values.pop("id", None)
    if values.get("province_code") and values["province_code"] != requirement.province_code:
        raise toolkit.ValidationError({"province_code": [toolkit._("A requirement cannot move to another province")]})
    values["province_code"] = requirement.province_code
    data = validated(context, values, checks.requirement_schema())
    other = model.requirement_by_code(requirement.province_code, data["code"])
    if other is not None and other.id != requirement.id:
        raise _duplicate_code_error(requirement.province_code, data["code"])
    before = requirement.as_dict()
    if requirement.assign(data):
        plan_activity.record(context, plan_activity.CHANGED, requirement.as_dict(),
                             changes=plan_activity.field_changes(before, requirement.as_dict()))
    try:
        _commit(context)
    except sqlalchemy.exc.IntegrityError:
        model.session().rollback()
        raise _duplicate_code_error(requirement.province_code, data["code"])
    return _shown(requirement)


def provincial_requirement_delete(context, data_dict) -> None:
    """Remove a requirement from its plan. Datasets that named its code keep the code,
    and show in the gap as fulfilling no requirement.

    :param id: the requirement's id
    :type id: string
    """
    toolkit.check_access("provincial_requirement_delete", context, data_dict)
    requirement = _find({"id": (data_dict or {}).get("id")})
    plan_activity.record(context, plan_activity.DELETED, requirement.as_dict())
    model.session().delete(requirement)
    _commit(context)


@toolkit.side_effect_free
def provincial_requirement_show(context, data_dict) -> dict[str, Any]:
    """A requirement, its gap status and the datasets that fulfil it.

    :param id: the requirement's id (or give ``province_code`` and ``code``)
    :type id: string
    :param province_code: the province, with ``code``
    :type province_code: string
    :param code: the requirement's code, with ``province_code``
    :type code: string
    :param include_datasets: add ``status``, ``days_overdue``, ``problems``,
        ``datasets`` (those the user may see) and ``hidden_datasets`` (how many
        private ones are not shown); default ``true``
    :type include_datasets: bool

    :returns: the requirement
    :rtype: dictionary
    """
    toolkit.check_access("provincial_requirement_show", context, data_dict)
    requirement = _find(data_dict)
    shown = _shown(requirement)
    try:
        include_datasets = checks.boolean_validator((data_dict or {}).get("include_datasets", True))
    except toolkit.Invalid as error:
        raise toolkit.ValidationError({"include_datasets": [error.error]})
    if include_datasets:
        row = gap_service.requirement_status(context, shown)
        shown.update({key: row[key] for key in ("status", "days_overdue", "problems", "datasets", "hidden_datasets")})
    return shown


def requirement_list_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    optional = [v("ignore_missing"), v("unicode_safe"), v("strip_value")]
    return {
        "province_code": [v("ignore_missing"), v("unicode_safe"), checks.province_code_validator],
        "development_issue": list(optional),
        "sub_issue": list(optional),
        "agency": list(optional),
        "pmqa": list(optional),
        "q": list(optional),
        "limit": [v("ignore_missing"), checks.natural_number],
        "offset": [v("default")(0), checks.natural_number],
    }


@toolkit.side_effect_free
def provincial_requirement_list(context, data_dict) -> list[dict[str, Any]]:
    """Requirements of the plans, by province and code.

    :param province_code: only this province's plan
    :type province_code: string
    :param development_issue: only this development issue (code)
    :type development_issue: string
    :param sub_issue: only this sub-issue (code)
    :type sub_issue: string
    :param agency: only this responsible organization (name or id)
    :type agency: string
    :param pmqa: only requirements tagged with this PMQA item
    :type pmqa: string
    :param q: text in the code or the titles
    :type q: string
    :param limit: at most this many (default: all)
    :type limit: int
    :param offset: skip this many first
    :type offset: int

    :rtype: list of dictionaries
    """
    toolkit.check_access("provincial_requirement_list", context, data_dict)
    data = validated(context, data_dict, requirement_list_schema())
    agency = data.get("agency")
    if agency:
        org = model.organizations([agency]).get(agency)
        agency = org["id"] if org else "__none__"
    found = model.requirements(
        [data["province_code"]] if data.get("province_code") else None,
        development_issue=data.get("development_issue"), sub_issue=data.get("sub_issue"),
        agency=agency, pmqa=data.get("pmqa"), q=data.get("q"),
    )
    offset = data.get("offset") or 0
    found = found[offset:offset + data["limit"]] if data.get("limit") else found[offset:]
    return gap_service.with_issue_labels(gap_service.with_agencies([r.as_dict() for r in found]))


# ---------------------------------------------------------------- import

def requirement_import_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {
        "province_code": [v("not_empty"), v("unicode_safe"), checks.province_code_validator],
        "upload": [v("not_empty")],
        "format": [v("ignore_missing"), v("unicode_safe")],
        "dry_run": [v("default")(False), checks.boolean_validator],
    }


def _file_content(upload) -> tuple[bytes, str]:
    """Bytes and file name of an upload (a web form's file or an open file)."""
    name = getattr(upload, "filename", None) or getattr(upload, "name", None) or ""
    if hasattr(upload, "read"):
        content = upload.read()
    elif isinstance(upload, (bytes, str)):
        content = upload
    else:
        raise toolkit.ValidationError({"upload": [toolkit._("Send the plan as a file (CSV or Excel)")]})
    if isinstance(content, str):
        content = content.encode("utf-8", "replace")  # a lone surrogate from JSON cannot be encoded
    return content, str(name).replace("\\", "/").rsplit("/", 1)[-1]


def _row_errors(number: int, table: plan_io.PlanTable, errors: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for field in [c.key for c in plan_io.PLAN_COLUMNS] + [f for f in errors if f not in table.headers]:
        messages = errors.get(field)
        if not messages:
            continue
        column = table.headers.get(field) or next((c.header for c in plan_io.PLAN_COLUMNS if c.key == field), field)
        for message in messages if isinstance(messages, list) else [messages]:
            found.append({"row": number, "column": column, "field": field, "message": str(message)})
    return found


def check_plan_rows(context, province_code: str, table: plan_io.PlanTable,
                    progress: Optional[Callable[[int, int], None]] = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Validate every row of a plan file: the valid rows, and every error with its row and column."""
    agencies = {values.get("agency", "").strip() for _n, values in table.rows}
    # Shared by every row: organizations and the province's issues are read once.
    row_context = dict(context, provincial_organizations=model.organizations(agencies), provincial_issues={})
    schema = checks.requirement_schema()
    valid, errors, first_row_of = [], [], {}
    for done, (number, values) in enumerate(table.rows, start=1):
        values = dict(values)
        problems: dict[str, list[str]] = {}
        extra = values.pop("__extra__", None)
        if extra:
            problems["__extra__"] = [toolkit._("Values outside the columns of the header: {values}").format(values=extra)]
        given = values.get("province_code", "").strip()
        if given and given != province_code:
            problems["province_code"] = [toolkit._("This row is for province {given}, but the file is imported into province {province}").format(
                given=given, province=province_code)]
        values["province_code"] = province_code
        data, field_errors = toolkit.navl_validate(values, schema, row_context)
        for field, messages in field_errors.items():
            problems.setdefault(field, []).extend(messages)
        code_key = str(data.get("code") or "").lower()
        if code_key and "code" not in problems:
            if code_key in first_row_of:
                problems["code"] = [toolkit._('The code "{code}" is already on row {row}').format(
                    code=data["code"], row=first_row_of[code_key])]
            else:
                first_row_of[code_key] = number
        if problems:
            errors.extend(_row_errors(number, table, problems))
        else:
            valid.append(data)
        if progress:
            progress(done, len(table.rows))
    return valid, errors


def upsert_plan(province_code: str, rows: list[dict[str, Any]], dry_run: bool = False,
                context: Optional[dict[str, Any]] = None, filename: str = "") -> dict[str, int]:
    """Write validated rows in one transaction: new codes are added, known ones updated.

    With ``context`` (whose user imports), the import and each requirement it created or
    changed are recorded in the plan's history in the same transaction.
    """
    session = model.session()
    existing = {r.code.lower(): r for r in model.requirements([province_code])}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    if dry_run:
        for data in rows:
            requirement = existing.get(data["code"].lower())
            key = "created" if requirement is None else ("updated" if requirement.changes(data) else "unchanged")
            counts[key] += 1
        return counts
    written: list[tuple[str, model.Requirement, dict[str, list[Any]]]] = []
    try:
        for data in rows:
            requirement = existing.get(data["code"].lower())
            if requirement is None:
                requirement = model.Requirement(id=str(uuid.uuid4()))
                requirement.assign(data)
                session.add(requirement)
                counts["created"] += 1
                written.append((plan_activity.NEW, requirement, {}))
                continue
            before = requirement.as_dict()
            if requirement.assign(data):
                counts["updated"] += 1
                written.append((plan_activity.CHANGED, requirement,
                                plan_activity.field_changes(before, requirement.as_dict())))
            else:
                counts["unchanged"] += 1
        if context is not None and written:
            _record_import(context, province_code, filename, counts, written)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return counts


def _record_import(context, province_code: str, filename: str, counts: dict[str, int],
                   written: list[tuple[str, model.Requirement, dict[str, list[Any]]]]) -> None:
    codes = {
        "created": [r.code for kind, r, _c in written if kind == plan_activity.NEW],
        "updated": [r.code for kind, r, _c in written if kind == plan_activity.CHANGED],
    }
    import_id = plan_activity.record_import(context, province_code, filename, counts, codes)
    for kind, requirement, changes in written:
        plan_activity.record(context, kind, requirement.as_dict(), changes=changes or None, import_id=import_id)


def provincial_requirement_import(context, data_dict) -> dict[str, Any]:
    """Import a province's plan from a CSV or Excel (.xlsx, .xls) file: all rows or none.

    Rows are matched to the plan by code: new codes are added, known ones
    updated; requirements not in the file are left as they are, so importing
    the same file again changes nothing. When any row is wrong nothing is
    written, and the error lists every wrong row and column.

    :param province_code: the province whose plan is imported
    :type province_code: string
    :param upload: the file (multipart upload), with the headers of the
        template (Thai, English or the field keys)
    :type upload: file
    :param format: ``csv``, ``xlsx`` or ``xls`` (default: from the file name;
        an XLSX and an XLS are told apart by their content)
    :type format: string
    :param dry_run: check the file only, write nothing (default ``false``)
    :type dry_run: bool

    :returns: ``rows``, ``created``, ``updated``, ``unchanged`` (what was,
        or with ``dry_run`` would be, written), ``dry_run``, and ``notes``:
        the lines under the table read as notes, not as requirements
    :rtype: dictionary
    :raises: ``ValidationError`` with ``rows``: a list of ``{row, column,
        field, message}``, or ``upload`` when the file cannot be read
    """
    toolkit.check_access("provincial_requirement_import", context, data_dict)
    data = validated(context, data_dict, requirement_import_schema())
    content, filename = _file_content(data["upload"])
    try:
        table = plan_io.read_table(content, filename, data.get("format"))
    except plan_io.PlanFileError as error:
        raise toolkit.ValidationError({"upload": [error.message(toolkit._)]})
    progress = context.get("provincial_progress")
    valid, errors = check_plan_rows(context, data["province_code"], table, progress)
    if errors:
        rows = sorted({e["row"] for e in errors})
        raise toolkit.ValidationError(
            {"rows": errors},
            error_summary={toolkit._("File"): toolkit._("{errors} errors in {rows} rows; nothing was imported").format(
                errors=len(errors), rows=len(rows))},
        )
    counts = upsert_plan(data["province_code"], valid, dry_run=data["dry_run"], context=context, filename=filename)
    return dict(counts, rows=len(valid), dry_run=data["dry_run"], notes=table.notes)


def get_actions():
    return {
        "provincial_requirement_create": provincial_requirement_create,
        "provincial_requirement_update": provincial_requirement_update,
        "provincial_requirement_delete": provincial_requirement_delete,
        "provincial_requirement_show": provincial_requirement_show,
        "provincial_requirement_list": provincial_requirement_list,
        "provincial_requirement_import": provincial_requirement_import,
    }
