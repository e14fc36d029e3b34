"""The portal as a real server: ``ckan run`` on a free loopback port, for tests that talk HTTP to it.

Its config extends the test configuration (same database, Solr core and site id,
which the test's environment also carries: CKAN_SQLALCHEMY_URL, CKAN_SITE_ID).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import requests

import ckan.plugins.toolkit as toolkit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CKAN = os.path.join(os.path.dirname(sys.executable), "ckan")

# "use = config:" does not carry the logging sections over.
LOGGING = (
    "\n[loggers]\nkeys = root\n\n[handlers]\nkeys = console\n\n[formatters]\nkeys = generic\n\n"
    "[logger_root]\nlevel = WARNING\nhandlers = console\n\n"
    "[handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\nlevel = NOTSET\nformatter = generic\n\n"
    "[formatter_generic]\nformat = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_ini(path: str, options: dict[str, str]) -> None:
    """A config extending the test config with ``options`` (in their order), logging warnings to stderr."""
    with open(path, "w", encoding="utf-8") as ini:
        ini.write(
            "[DEFAULT]\ndebug = false\n\n[app:main]\n"
            f"use = config:{toolkit.config['__file__']}\n"
            + "".join(f"{key} = {value}\n" for key, value in options.items())
            + LOGGING
        )


class LivePortal:
    """``ckan run`` in a temporary folder (its config, storage and log), removed again by ``stop``."""

    def __init__(self, name: str, options: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = tempfile.mkdtemp(prefix=f"provincial-{name}-")
        self.ini = os.path.join(self.folder, "portal.ini")
        self.log_path = os.path.join(self.folder, "portal.log")
        write_ini(self.ini, {
            "ckan.site_url": self.url,
            "ckan.storage_path": os.path.join(self.folder, "storage"),
            **(options or {}),
        })
        self.process: subprocess.Popen | None = None

    def launch(self) -> None:
        """Start the server without waiting, so the caller can build its data meanwhile."""
        self.process = subprocess.Popen(
            [CKAN, "-c", self.ini, "run", "-H", "127.0.0.1", "-p", str(self.port), "--disable-reloader", "--threaded"],
            stdout=open(self.log_path, "wb"), stderr=subprocess.STDOUT, env=dict(os.environ), cwd=ROOT,
        )

    def wait_ready(self) -> "LivePortal":
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the portal exited:\n" + self.log())
            try:
                if requests.get(self.url + "/api/3/action/status_show", timeout=2).ok:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.3)
        raise RuntimeError("the portal did not answer:\n" + self.log())

    def start(self) -> "LivePortal":
        self.launch()
        return self.wait_ready()

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-6000:]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
