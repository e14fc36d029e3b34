"""The background job that loads a resource's table into the DataStore and
checks its contents, and where the load's status lives.

One job per changed file does both, on one copy of the file: the upload is
read where CKAN stored it (a link is downloaded once). The load's status is
kept in CKAN's ``task_status`` table (task type ``provincial_datastore``, key
``load``; ``state`` is ``pending``, ``running``, ``complete`` or ``error``,
``value`` the JSON report), next to the content check's report.
"""
from __future__ import annotations

import datetime
import logging
import os
from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import settings, site
from ckanext.provincial.loading import datastore as loader
from ckanext.provincial.content_checks import content
from ckanext.provincial.content_checks import jobs as checks

log = logging.getLogger(__name__)

TASK_TYPE = "provincial_datastore"
TASK_KEY = "load"
PENDING, RUNNING, COMPLETE, ERROR = "pending", "running", "complete", "error"
STATUSES = (PENDING, RUNNING, COMPLETE, ERROR)


def loaded_formats() -> set[str]:
    return settings.datastore_formats() & set(loader.LOADED_FORMATS)


def is_loadable(resource: dict[str, Any]) -> bool:
    fmt = content.normalise_format(resource.get("format"), resource.get("url") or "")
    return bool(resource.get("url")) and fmt in loaded_formats()


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None).isoformat()


def stored_status(resource_id: str) -> dict[str, Any] | None:
    """The last load's report, with ``status`` and ``last_updated``; None if never loaded."""
    return checks.stored_report(resource_id, TASK_TYPE, TASK_KEY)


def save_status(resource_id: str, report: dict[str, Any], session=None) -> None:
    checks.save_task(resource_id, report, session=session, task_type=TASK_TYPE, key=TASK_KEY)


def _datastore_views(resource_id: str) -> None:
    """The table preview, once there is a table to preview (CKAN makes
    DataStore views only on request, for a resource that is ``datastore_active``)."""
    # Read from the database: the search index's copy of the dataset (package_show's cache) may
    # not have the datastore_active flag yet, and without it no table view is made.
    fresh = {"ignore_auth": True, "use_cache": False}
    resource = toolkit.get_action("resource_show")(dict(fresh), {"id": resource_id})
    dataset = toolkit.get_action("package_show")(dict(fresh), {"id": resource["package_id"]})
    toolkit.get_action("resource_create_default_resource_views")(
        site.site_context(), {"resource": resource, "package": dataset, "create_datastore_views": True})


def load(resource: dict[str, Any], path: str) -> dict[str, Any]:
    """Load the file at ``path`` into the resource's DataStore table; the stored report."""
    fingerprint = checks.fingerprint(resource)
    started = _now()
    save_status(resource["id"], {"status": RUNNING, "fingerprint": fingerprint, "started": started})
    fmt = content.normalise_format(resource.get("format"), resource.get("url") or path)
    limits = checks.settings()
    report: dict[str, Any] = {"fingerprint": fingerprint, "started": started, "format": fmt}
    try:
        size = os.path.getsize(path)
        if limits["max_bytes"] and size > limits["max_bytes"]:
            raise loader.LoadError("too-large", note=str(size))
        report.update(loader.load_table(resource["id"], path, fmt, max_columns=max_columns(),
                                        max_bytes=limits["max_bytes"] * 4))
        report["status"] = COMPLETE
    except loader.LoadError as exc:
        report.update(status=ERROR, error=exc.as_dict())
    except Exception as exc:  # a database or library failure: reported, the previous table kept
        log.exception("DataStore load of resource %s failed", resource["id"])
        report.update(status=ERROR, error=loader.LoadError("datastore-error", str(exc).splitlines()[0][:300]).as_dict())
    report["finished"] = _now()
    save_status(resource["id"], report)
    if report["status"] == COMPLETE:
        _datastore_views(resource["id"])
    return report


def max_columns() -> int:
    return settings.datastore_max_columns(loader.DEFAULT_MAX_COLUMNS)


def process_resource(resource_id: str, expected_fingerprint: str | None = None, wait_seconds: float = 30,
                     load_table: bool = True, check: bool = True) -> dict[str, Any] | None:
    """Background job: load the resource's table and check its contents.

    Returns ``{"load": status, "check": status}`` (each None when not done),
    or None when the resource is gone or a newer change superseded this job.
    Never raises for a bad file: that is what the reports say.
    """
    resource = checks.wait_for(resource_id, expected_fingerprint, wait_seconds)
    if resource is None:
        log.info("resource %s no longer exists", resource_id)
        return None
    current = checks.fingerprint(resource)
    if expected_fingerprint and current != expected_fingerprint:
        stored = (stored_status(resource_id) or {}).get("fingerprint")
        if stored and stored != expected_fingerprint:
            log.info("job of resource %s superseded by a newer one", resource_id)
            return None
    load_table = load_table and is_loadable(resource)
    check = check and checks.is_checkable(resource)
    done: dict[str, Any] = {"load": None, "check": None}
    if not (load_table or check):
        return done
    try:
        path, downloaded = checks.fetch(resource, checks.settings()["max_bytes"] + 1)
    except Exception as exc:  # the reports say why the file could not be had
        note = str(exc)[:300]
        if load_table:
            save_status(resource_id, {"status": ERROR, "fingerprint": current, "finished": _now(),
                                      "error": loader.LoadError("download-error", note).as_dict()})
            done["load"] = ERROR
        if check:
            done["check"] = checks.check_and_record(resource)
        return done
    try:
        if load_table:
            done["load"] = load(resource, path)["status"]
        if check:
            done["check"] = checks.check_and_record(resource, path)
    finally:
        if downloaded:
            os.unlink(path)
    return done


def enqueue(resource: dict[str, Any], session=None, load_table: bool = True, check: bool = True) -> None:
    """Mark the resource's load and check pending and queue the job that makes them."""
    from ckanext.provincial import background

    print_ = checks.fingerprint(resource)
    if load_table and is_loadable(resource):
        save_status(resource["id"], {"status": PENDING, "fingerprint": print_}, session=session)
    if check and checks.is_checkable(resource):
        checks.save_task(resource["id"], {"status": checks.PENDING, "fingerprint": print_}, session=session)
    what = " and ".join(part for part, wanted in (("load", load_table), ("check", check)) if wanted)
    background.enqueue(
        process_resource, [resource["id"], print_], title=f"provincial {what}: resource {resource['id']}",
        resource_id=resource["id"], kwargs={"load_table": load_table, "check": check})
