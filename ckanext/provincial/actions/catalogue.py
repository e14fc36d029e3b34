"""Import of dataset metadata from the national GDC workbook (all or nothing), and its progress.

The work is :mod:`ckanext.provincial.catalogue_import`'s; these actions check
the parameters and rights, keep the upload for a confirmation or a background
job, and decide whether the file is large enough for a job.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import background, catalogue_import, model, settings
from ckanext.provincial.validators import requirement as checks
from ckanext.provincial.actions.schema_check import validated


def dataset_import_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {
        "owner_org": [v("not_empty"), v("unicode_safe")],
        "upload": [v("ignore_missing")],
        "import_id": [v("ignore_missing"), v("unicode_safe")],
        "dry_run": [v("default")(False), checks.boolean_validator],
        "publish": [v("default")(False), checks.boolean_validator],
    }


def background_rows() -> int:
    return settings.import_background_rows()


def max_upload_bytes() -> int:
    return int(toolkit.config.get("ckan.max_resource_size") or 10) * 1024 * 1024


def _file_content(upload) -> tuple[bytes, str]:
    """Bytes and file name of an upload (a web form's file, an open file, or bytes)."""
    name = getattr(upload, "filename", None) or getattr(upload, "name", None) or ""
    if hasattr(upload, "read"):
        content = upload.read(max_upload_bytes() + 1)
    elif isinstance(upload, bytes):
        content = upload
    else:
        raise toolkit.ValidationError({"upload": [toolkit._("Send the workbook as a file (Excel .xlsx)")]})
    if len(content) > max_upload_bytes():
        raise toolkit.ValidationError({"upload": [toolkit._(
            "The file is larger than {limit} MB; split the workbook").format(limit=max_upload_bytes() // 1024 // 1024)]})
    return content, str(name).replace("\\", "/").rsplit("/", 1)[-1]


def _summary(result: dict[str, Any]) -> dict[str, str]:
    rows = sorted({(p.get("sheet") or "", p.get("row") or 0) for p in result["problems"]})
    return {toolkit._("File"): toolkit._("{problems} problems in {rows} rows; nothing was imported").format(
        problems=len(result["problems"]), rows=len(rows))}


def provincial_dataset_import(context, data_dict) -> dict[str, Any]:
    """Import datasets from the national GDC metadata workbook (Excel): every row, or none.

    Reads both layouts of the national workbook (March 2021, and April 2021
    to 2.1.0), with or without the provincial columns after the national
    ones. Each row is checked with the dataset schema; a dataset whose URL
    name the organization already has is updated, or left unchanged when the
    row says what it holds; a name another organization uses is an error.
    When any row is wrong nothing is written and every problem is listed with
    its sheet, row, column and field.

    A file of more rows than ``ckanext.provincial.import.background_rows``
    is imported by a background job: the answer then says ``state:
    queued``; follow it with ``provincial_dataset_import_status``.

    :param owner_org: the organization (id or name) the datasets are for; a row
        whose ``owner_org`` column names another organization goes there if
        the user may add datasets to it
    :type owner_org: string
    :param upload: the workbook (multipart upload, .xlsx)
    :type upload: file
    :param import_id: instead of ``upload``: the id of an earlier import by the
        same user (e.g. its dry run), whose file is imported again
    :type import_id: string
    :param dry_run: check only, write nothing (default ``false``)
    :type dry_run: bool
    :param publish: make new datasets public at once (default ``false``:
        they are private, and updated ones keep their visibility)
    :type publish: bool

    :returns: ``import_id``, ``state`` (``done``, or ``queued`` for a job),
        ``rows``, ``created``, ``updated``, ``unchanged``, ``errors``,
        ``datasets`` (one entry a row: ``sheet``, ``row``, ``name``, ``title``,
        ``status``, ``errors``), ``problems``, ``written``, ``dry_run``, ``published``
    :rtype: dictionary
    :raises: ``ValidationError`` with ``rows``: every problem as ``{sheet, row,
        column, field, message, message_th}`` and ``import_id`` (its report
        downloads from the import page), or ``upload`` when there is no file
    """
    toolkit.check_access("provincial_dataset_import", context, data_dict)
    data = validated(context, data_dict, dataset_import_schema())
    org = model.organizations([data["owner_org"]]).get(data["owner_org"])
    if org is None:
        raise toolkit.ObjectNotFound(toolkit._("Organization not found"))
    user = context.get("user") or ""
    if data.get("import_id"):
        earlier = catalogue_import.state(data["import_id"])
        content = catalogue_import.stored_upload(data["import_id"])
        if earlier is None or content is None or earlier.get("user") != user:
            raise toolkit.ObjectNotFound(toolkit._("This import has expired; upload the workbook again"))
        filename = earlier.get("filename") or ""
    elif data.get("upload") is not None:
        content, filename = _file_content(data["upload"])
    else:
        raise toolkit.ValidationError({"upload": [toolkit._("Choose the workbook to import (Excel .xlsx)")]})

    import_id = catalogue_import.store_upload(content, filename, org["id"], user)
    catalogue_import.save_state(import_id, dry_run=data["dry_run"], publish=data["publish"],
                                ignore_auth=bool(context.get("ignore_auth")))
    with catalogue_import.upload_file(content, filename) as path:
        catalogue = catalogue_import.read(path)
        total = len(catalogue.records)
        if total > background_rows() > 0 and not context.get("provincial_foreground"):
            # A dataset takes about a third of a second: an hour, or a second a row when longer.
            job = background.enqueue(catalogue_import.run_import_job, [import_id],
                                     title=f"import of {filename or 'a workbook'} into {org['name']}",
                                     timeout=max(background.DEFAULT_TIMEOUT, total), retries=1, retry_intervals=[30])
            catalogue_import.save_state(import_id, state=catalogue_import.QUEUED, total=total, job_id=job.id)
            return {"import_id": import_id, "state": catalogue_import.QUEUED, "total": total, "done": 0,
                    "dry_run": data["dry_run"], "published": data["publish"]}
        try:
            result = catalogue_import.import_catalogue(
                context, path, org["id"], dry_run=data["dry_run"], publish=data["publish"],
                progress=context.get("provincial_progress"), catalogue=catalogue)
        except Exception as error:
            catalogue_import.save_state(import_id, state=catalogue_import.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
            raise
    catalogue_import.finish(import_id, result)
    if result["problems"]:
        raise toolkit.ValidationError({"rows": result["problems"], "import_id": [import_id]},
                                      error_summary=_summary(result))
    return dict(result, import_id=import_id, state=catalogue_import.DONE)


@toolkit.side_effect_free
def provincial_dataset_import_status(context, data_dict) -> dict[str, Any]:
    """How far an import is, and its result once done.

    :param import_id: the id ``provincial_dataset_import`` answered with
    :type import_id: string

    :returns: ``import_id``, ``state`` (``queued``, ``running``, ``done`` or
        ``failed``), ``done`` and ``total`` (rows), ``owner_org``, ``dry_run``,
        ``publish``, ``filename``, ``error`` (when failed: nothing was
        written), ``result`` (when done: as ``provincial_dataset_import``
        answers, ``problems`` included) and ``report`` (whether the XLSX
        report can be downloaded)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_dataset_import_status", context, data_dict)
    import_id = (data_dict or {}).get("import_id")
    entry = catalogue_import.state(import_id)
    if entry is None:
        raise toolkit.ObjectNotFound(toolkit._("Import not found (an import is kept for a day)"))
    entry = catalogue_import.job_state(entry)
    shown = {key: entry.get(key) for key in ("import_id", "state", "done", "total", "owner_org", "dry_run",
                                             "publish", "filename", "error", "result", "created", "finished")}
    shown["report"] = entry.get("state") == catalogue_import.DONE
    return shown


@toolkit.chained_action
def package_create_default_resource_views(original_action, context, data_dict):
    """CKAN's ``package_create_default_resource_views``; inside a workbook import it makes none.

    ``package_create`` calls it without ``defer_commit``, which would commit
    the import's transaction in the middle; the import makes the views after
    its own commit. The CKAN behaviour this relies on is pinned in ``upstream.PATCHES``.
    """
    if not isinstance((data_dict or {}).get("package"), dict):
        # CKAN's action fails on anything else (HTTP 500).
        raise toolkit.ValidationError({"package": [toolkit._("Give the dataset as package_show returns it")]})
    if catalogue_import.importing():
        toolkit.check_access("package_create_default_resource_views", context, data_dict)
        return []
    return original_action(context, data_dict)


def get_actions():
    return {
        "provincial_dataset_import": provincial_dataset_import,
        "provincial_dataset_import_status": provincial_dataset_import_status,
        "package_create_default_resource_views": package_create_default_resource_views,
    }
