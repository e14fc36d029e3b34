"""The background job that checks a resource's file, and where reports live.

A report is stored in CKAN's ``task_status`` table (task type
``provincial_validation``, key ``report``; ``state`` is the status, ``value``
the JSON report), so no table of our own is needed. When a check ends, the
resource gets two fields that travel with every dataset dict (API, search
index, gap engine): ``validation_status`` (``success``/``failure``/``error``)
and ``validation_timestamp``.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import tempfile
import time
from typing import Any
from urllib.parse import urlsplit

import requests

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import settings as provincial_settings
from ckanext.provincial import site
from ckanext.provincial.content_checks import content

log = logging.getLogger(__name__)

TASK_TYPE = "provincial_validation"
TASK_KEY = "report"
PENDING = "pending"
# Set in the context of our own resource_patch so the hooks do not re-run.
CONTEXT_FLAG = "provincial_validation_write"

DOWNLOAD_TIMEOUT = 60


def settings() -> dict[str, Any]:
    return provincial_settings.content_checks_limits()


def checked_formats() -> set[str]:
    return {item.lower() for item in settings()["formats"]}


def is_checkable(resource: dict[str, Any]) -> bool:
    fmt = content.normalise_format(resource.get("format"), resource.get("url") or "")
    return bool(fmt) and fmt in checked_formats() and bool(resource.get("url"))


def fingerprint(resource: dict[str, Any]) -> str:
    """What identifies the file a check was made on: a new upload or link changes it.

    Accepts a resource as resource_show gives it or as the dataset hooks see
    it (validated data: datetime objects, the bare file name of an upload).
    """
    url = resource.get("url") or ""
    if resource.get("url_type") == "upload":
        url = os.path.basename(urlsplit(url).path)
    modified = resource.get("last_modified") or ""
    if isinstance(modified, datetime.datetime):
        modified = modified.isoformat()
    size = resource.get("size")
    size = str(int(size)) if str(size or "").isdigit() else ""
    schema = resource.get("schema")
    if not isinstance(schema, str):
        schema = json.dumps(schema, sort_keys=True)
    parts = [url, resource.get("url_type") or "", str(modified), size, (resource.get("format") or "").lower(), schema or ""]
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None).isoformat()


def stored_task(resource_id: str, task_type: str = TASK_TYPE, key: str = TASK_KEY) -> dict[str, Any] | None:
    try:
        return toolkit.get_action("task_status_show")(
            {"ignore_auth": True}, {"entity_id": resource_id, "task_type": task_type, "key": key}
        )
    except toolkit.ObjectNotFound:
        return None


def stored_report(resource_id: str, task_type: str = TASK_TYPE, key: str = TASK_KEY) -> dict[str, Any] | None:
    """The last stored report (with ``status`` ``pending`` while a check waits);
    the DataStore load keeps its status the same way under its own task type."""
    task = stored_task(resource_id, task_type, key)
    if not task:
        return None
    try:
        report = json.loads(task.get("value") or "{}")
    except ValueError:
        report = {}
    report["status"] = task.get("state") or report.get("status")
    report["last_updated"] = task.get("last_updated")
    return report


def save_task(resource_id: str, report: dict[str, Any], session=None, task_type: str = TASK_TYPE,
              key: str = TASK_KEY) -> None:
    task = {
        "entity_id": resource_id,
        "entity_type": "resource",
        "task_type": task_type,
        "key": key,
        "state": report["status"],
        "value": json.dumps(report, ensure_ascii=False, default=str),
        "error": json.dumps(report["error"], ensure_ascii=False) if report.get("error") else "",
        "last_updated": _now(),
    }
    existing = stored_task(resource_id, task_type, key)
    if existing:
        task["id"] = existing["id"]
    context: dict[str, Any] = {"ignore_auth": True}
    if session is not None:
        context["session"] = session
    toolkit.get_action("task_status_update")(context, task)


def enqueue(resource: dict[str, Any], session=None) -> None:
    """Mark the resource's check pending and queue the job that makes it."""
    print_ = fingerprint(resource)
    save_task(resource["id"], {"status": PENDING, "fingerprint": print_}, session=session)
    toolkit.enqueue_job(
        check_resource,
        [resource["id"], print_],
        title="provincial validation: resource {}".format(resource["id"]),
        rq_kwargs={"timeout": 3600},
    )


# ------------------------------------------------------------------ job --


def _local_path(resource: dict[str, Any]) -> str | None:
    if resource.get("url_type") != "upload":
        return None
    # CKAN offers no toolkit route to an upload's file on disk.
    from ckan.lib import uploader

    upload = uploader.get_resource_uploader(resource)
    get_path = getattr(upload, "get_path", None)
    if get_path is None:
        return None
    path = get_path(resource["id"])
    return path if path and os.path.exists(path) else None


def _download(resource: dict[str, Any], limit: int) -> str:
    url = resource.get("url") or ""
    if not url.startswith(("http://", "https://")):
        raise ValueError("only http and https links can be checked")
    suffix = "." + (content.normalise_format(resource.get("format"), url) or "bin")
    handle, path = tempfile.mkstemp(suffix=suffix, prefix="provincial-check-")
    size = 0
    try:
        with os.fdopen(handle, "wb") as target, requests.get(
            url, stream=True, timeout=DOWNLOAD_TIMEOUT
        ) as response:
            response.raise_for_status()
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if limit and size > limit:
                    break
                target.write(chunk)
    except Exception:
        os.unlink(path)
        raise
    return path


def wait_for(resource_id: str, expected: str | None, wait_seconds: float):
    """The resource as committed, once its file is there (the job may start first)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            resource = toolkit.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
        except toolkit.ObjectNotFound:
            resource = None
        ready = resource is not None and (expected is None or fingerprint(resource) == expected)
        if ready and resource.get("url_type") == "upload":
            # Web and workers share CKAN's storage (docker/: one volume).
            ready = _local_path(resource) is not None
        if ready or time.monotonic() > deadline:
            return resource
        time.sleep(0.5)


def fetch(resource: dict[str, Any], limit: int) -> tuple[str, bool]:
    """The resource's file on this machine: (path, whether it is a download to remove).

    An upload is read where CKAN stored it; a link is downloaded (at most
    ``limit`` bytes). Raises on a link that cannot be fetched.
    """
    path = _local_path(resource)
    if path is not None:
        return path, False
    return _download(resource, limit), True


def check_path(resource: dict[str, Any], path: str) -> dict[str, Any]:
    """Check the file at ``path`` as the resource's contents; the report."""
    limits = settings()
    return content.check_file(
        path,
        resource.get("format"),
        schema=resource.get("schema"),
        max_rows=limits["max_rows"],
        max_errors=limits["max_errors"],
        max_bytes=limits["max_bytes"],
    )


def run_check(resource: dict[str, Any]) -> dict[str, Any]:
    """Check one resource's file now and return the report (nothing stored)."""
    try:
        path, downloaded = fetch(resource, settings()["max_bytes"] + 1)
    except Exception as exc:  # any failure to fetch is the report's subject
        return content.file_error_report("download-error", str(exc)[:300], format=content.normalise_format(resource.get("format")))
    try:
        return check_path(resource, path)
    finally:
        if downloaded:
            os.unlink(path)


def superseded(resource_id: str, expected: str | None, current: str) -> bool:
    """True when a newer change of the file queued its own job after this one."""
    if not expected or current == expected:
        return False
    task = stored_task(resource_id) or {}
    try:
        stored_print = json.loads(task.get("value") or "{}").get("fingerprint")
    except ValueError:
        stored_print = None
    return bool(stored_print) and stored_print != expected


def check_and_record(resource: dict[str, Any], path: str | None = None) -> str:
    """Check the resource's file (at ``path`` when already fetched) and store the report."""
    try:
        report = run_check(resource) if path is None else check_path(resource, path)
    except Exception as exc:  # a bug or a library failure must not leave "pending"
        log.exception("validation of resource %s failed", resource["id"])
        report = content.file_error_report("source-error", str(exc)[:300], format=content.normalise_format(resource.get("format")))
    report["checked_at"] = _now()
    report["fingerprint"] = fingerprint(resource)
    record(resource, report)
    return report["status"]


def record(resource: dict[str, Any], report: dict[str, Any]) -> None:
    """Put the report's status on the resource, then store the report (so a
    finished report means the resource says so too)."""
    context = site.site_context(**{CONTEXT_FLAG: True})
    try:
        toolkit.get_action("resource_patch")(context, {
            "id": resource["id"],
            "validation_status": report["status"],
            "validation_timestamp": report["checked_at"],
        })
    except toolkit.ValidationError as exc:
        # The dataset itself fails its schema; the report is still stored.
        log.warning("validation status not written on resource %s: %s", resource["id"], exc.error_dict)
    save_task(resource["id"], report)


def check_resource(resource_id: str, expected_fingerprint: str | None = None, wait_seconds: float = 30) -> str | None:
    """Background job: check a resource's file and record the report.

    Returns the status, or None when the resource is gone or a newer upload
    superseded this check. Never raises for a bad file: that is the report.
    """
    resource = wait_for(resource_id, expected_fingerprint, wait_seconds)
    if resource is None:
        log.info("validation: resource %s no longer exists", resource_id)
        return None
    if superseded(resource_id, expected_fingerprint, fingerprint(resource)):
        log.info("validation: check of %s superseded by a newer one", resource_id)
        return None
    return check_and_record(resource)
