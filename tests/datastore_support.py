"""Shared helpers of the DataStore, preview and validation tests.

``LivePortal`` runs the portal the way the stack does, as separate processes
(``ckan run`` and ``ckan provincial worker``) on the test configuration, so a
test can go through the real web server and the real worker.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any


from ckan.tests import factories
from tests.ckan_session import call_action

from tests import live_portal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THAI_CATALOG_MO = os.path.join(ROOT, "i18n", "th", "LC_MESSAGES", "ckanext-provincial.mo")

THAI_CSV = (
    "อำเภอ,ตำบล,จำนวนประชากร\n"
    "เมืองปทุมธานี,บางปรอก,12345\n"
    "คลองหลวง,คลองหนึ่ง,67890\n"
    "ธัญบุรี,ประชาธิปัตย์,5555\n"
)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def organization(**overrides) -> dict[str, Any]:
    try:
        from tests.factories import provincial_organization
    except ImportError:
        return factories.Organization(**overrides)
    return provincial_organization(**overrides)


def dataset(**overrides) -> dict[str, Any]:
    """A valid dataset dict for package_create (the GDC factory when present)."""
    overrides.setdefault("name", unique("ds"))
    try:
        from tests.factories import gdc_dataset
    except ImportError:
        base = {"title": "ข้อมูลประชากร " + overrides["name"], "notes": "ชุดข้อมูลทดสอบ"}
        return {**base, **overrides}
    return gdc_dataset("statistics", **overrides)


def validation_task_state(resource_id: str) -> str | None:
    from ckanext.provincial.content_checks import jobs

    task = jobs.stored_task(resource_id)
    return task["state"] if task else None


def run_validation(resource_id: str) -> str | None:
    """Run the validation job here, as the worker would."""
    from ckanext.provincial.content_checks import jobs

    return jobs.check_resource(resource_id, None, wait_seconds=0)


def datastore_resource(dataset_id: str, rows: list[dict], **resource) -> dict:
    """A resource with a DataStore table, made through the DataStore API."""
    resource.setdefault("name", "ตาราง")
    resource.setdefault("format", "CSV")
    result = call_action(
        "datastore_create",
        resource={"package_id": dataset_id, **resource},
        fields=[{"id": key, "type": "text"} for key in rows[0]],
        records=rows,
    )
    resource = call_action("resource_show", id=result["resource_id"])
    # What the loader does once a table is loaded: the table view.
    call_action("resource_create_default_resource_views", resource=resource,
                package=call_action("package_show", id=dataset_id), create_datastore_views=True)
    return resource


def load_into_datastore(resource: dict[str, Any], path: str, fmt: str = "csv") -> dict[str, Any]:
    """What the worker's job does once it has the file: load it (the report)."""
    from ckanext.provincial.loading import datastore as loader

    return loader.load_table(resource["id"], path, fmt)


class LivePortal(live_portal.LivePortal):
    """``ckan run`` + ``ckan provincial worker`` on the test config, for one test module."""

    def __init__(self, api_token: str = ""):
        super().__init__("live", {}, level="INFO")

    def start(self) -> "LivePortal":
        self.launch()
        self.spawn("worker", "provincial", "worker")
        return self.wait_ready()

    def local_action(self, user: str, action: str, data: dict[str, Any],
                     uploads: dict[int, tuple[str, bytes]] | None = None) -> dict[str, Any]:
        """Call an action inside the portal's configuration, as a script on the
        server does (the demo loader, a harvester): the only way to upload files
        through ``package_update``, whose API form is flat. ``uploads`` maps a
        position in ``data["resources"]`` to a (file name, content) upload."""
        request = {"user": user, "action": action, "data": data,
                   "uploads": {str(k): [name, content.hex()] for k, (name, content) in (uploads or {}).items()}}
        done = subprocess.run([sys.executable, "-c", _LOCAL_ACTION, self.ini], input=json.dumps(request),
                              capture_output=True, text=True, env=self.env, cwd=ROOT, timeout=180)
        if done.returncode != 0:
            raise AssertionError(f"{action} failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


_LOCAL_ACTION = """
import io, json, sys
from werkzeug.datastructures import FileStorage
from ckan.cli import load_config
from ckan.config.middleware import make_app

app = make_app(load_config(sys.argv[1]))
request = json.load(sys.stdin)
data = request["data"]
for index, (name, content) in request["uploads"].items():
    data["resources"][int(index)]["upload"] = FileStorage(io.BytesIO(bytes.fromhex(content)), name)
with app._wsgi_app.test_request_context():
    import ckan.plugins.toolkit as toolkit
    result = toolkit.get_action(request["action"])({"user": request["user"]}, data)
print(json.dumps(result, default=str))
"""


def sysadmin_with_token() -> tuple[dict[str, Any], str]:
    admin = factories.Sysadmin(name=unique("admin"))
    token = call_action("api_token_create", {"user": admin["name"]}, user=admin["name"], name="tests")["token"]
    return admin, token


def empty_own_queue() -> None:
    """Drop jobs queued for this site by earlier in-process tests (only ours)."""
    from ckan.lib import jobs as ckan_jobs

    for queue in ckan_jobs.get_all_queues():
        queue.empty()


def wait_until(predicate, timeout: float = 90, interval: float = 0.5, what: str = "condition", log=None):
    """``predicate()`` once it is true; on time-out an AssertionError with ``log()`` (a process's log)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})"
                         + (f"\n{log()}" if log else ""))

