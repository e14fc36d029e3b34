"""Shared helpers of the DataStore, preview and validation tests.

``LivePortal`` runs the portal the way the stack does, as separate processes
(``ckan run`` and ``ckan jobs worker``) on the test configuration, so a test
can go through the real worker: xloader fetches uploads over HTTP and reports
back through the API, which the in-process test app cannot serve.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

import requests

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from ckan.tests.helpers import call_action

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THAI_CATALOG_MO = os.path.join(ROOT, "i18n", "th", "LC_MESSAGES", "ckanext-provincial.mo")
CKAN = os.path.join(os.path.dirname(sys.executable), "ckan")

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
    from ckanext.provincial.validation import jobs

    task = jobs.stored_task(resource_id)
    return task["state"] if task else None


def run_validation(resource_id: str) -> str | None:
    """Run the validation job here, as the worker would."""
    from ckanext.provincial.validation import jobs

    return jobs.check_resource(resource_id, None, wait_seconds=0)


def load_into_datastore(resource: dict[str, Any], path: str, mimetype: str = "CSV") -> None:
    """What the xloader job does once it has the file: load it by COPY."""
    import logging

    from ckanext.xloader import loader

    log = logging.getLogger("tests.xloader")
    loader.load_csv(path, resource_id=resource["id"], mimetype=mimetype, logger=log)
    loader.calculate_record_count(resource_id=resource["id"], logger=log)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LivePortal:
    """``ckan run`` + ``ckan jobs worker`` on the test config, for one test module."""

    def __init__(self, api_token: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = tempfile.mkdtemp(prefix="provincial-live-")
        self.ini = os.path.join(self.folder, "live.ini")
        test_ini = toolkit.config["__file__"]
        with open(self.ini, "w", encoding="utf-8") as ini:
            ini.write(
                "[DEFAULT]\ndebug = false\n\n[app:main]\n"
                f"use = config:{test_ini}\n"
                f"ckan.site_url = {self.url}\n"
                f"ckanext.xloader.api_token = {api_token}\n"
                f"ckan.storage_path = {os.path.join(self.folder, 'storage')}\n"
                f"ckanext.xloader.jobs_db.uri = sqlite:///{os.path.join(self.folder, 'xloader.db')}\n"
                # Same loggers as the test config, which the chain does not inherit.
                f"\n[loggers]\nkeys = root\n\n[handlers]\nkeys = console\n\n[formatters]\nkeys = generic\n\n"
                "[logger_root]\nlevel = INFO\nhandlers = console\n\n"
                "[handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\nlevel = NOTSET\nformatter = generic\n\n"
                "[formatter_generic]\nformat = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s\n"
            )
        self.env = dict(os.environ)
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, str] = {}

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log_path = os.path.join(self.folder, name + ".log")
        self.logs[name] = log_path
        process = subprocess.Popen(
            [CKAN, "-c", self.ini, *args],
            stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, env=self.env, cwd=ROOT,
        )
        self.processes[name] = process
        return process

    def start(self) -> "LivePortal":
        self._spawn("web", "run", "-H", "127.0.0.1", "-p", str(self.port), "--disable-reloader", "--threaded")
        self._spawn("worker", "jobs", "worker")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log('web')}\n{self.log(name)}")
            try:
                if requests.get(self.url + "/api/3/action/status_show", timeout=2).ok:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the live portal did not answer:\n" + self.log("web"))

    def log(self, name: str) -> str:
        with open(self.logs[name], encoding="utf-8", errors="replace") as handle:
            return handle.read()[-6000:]

    def alive(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def sysadmin_with_token() -> tuple[dict[str, Any], str]:
    admin = factories.Sysadmin(name=unique("admin"))
    token = call_action("api_token_create", {"user": admin["name"]}, user=admin["name"], name="tests")["token"]
    return admin, token


def empty_own_queue() -> None:
    """Drop jobs queued for this site by earlier in-process tests (only ours)."""
    from ckan.lib import jobs as ckan_jobs

    for queue in ckan_jobs.get_all_queues():
        queue.empty()


def wait_until(predicate, timeout: float = 90, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")

