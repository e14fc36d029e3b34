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
    "[logger_root]\nlevel = {level}\nhandlers = console\n\n"
    "[handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\nlevel = NOTSET\nformatter = generic\n\n"
    "[formatter_generic]\nformat = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_ini(path: str, options: dict[str, str], level: str = "WARNING") -> None:
    """A config extending the test config with ``options`` (in their order), logging ``level`` to stderr."""
    with open(path, "w", encoding="utf-8") as ini:
        ini.write(
            "[DEFAULT]\ndebug = false\n\n[app:main]\n"
            f"use = config:{toolkit.config['__file__']}\n"
            + "".join(f"{key} = {value}\n" for key, value in options.items())
            + LOGGING.replace("{level}", level)
        )


class LivePortal:
    """``ckan run`` (and any other ``ckan`` command, such as a worker) in a
    temporary folder holding its config, storage and logs, removed by ``stop``."""

    def __init__(self, name: str, options: dict[str, str] | None = None, level: str = "WARNING"):
        """``options`` extend the test config; ``{folder}`` in a value is the portal's temporary folder."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = tempfile.mkdtemp(prefix=f"provincial-{name}-")
        self.ini = os.path.join(self.folder, "portal.ini")
        write_ini(self.ini, {
            "ckan.site_url": self.url,
            "ckan.storage_path": os.path.join(self.folder, "storage"),
            **{key: value.replace("{folder}", self.folder) for key, value in (options or {}).items()},
        }, level)
        self.env = dict(os.environ)
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, str] = {}

    def spawn(self, name: str, *args: str) -> subprocess.Popen:
        """``ckan -c <config> <args>``, its output in the log ``name``."""
        self.logs[name] = os.path.join(self.folder, name + ".log")
        self.processes[name] = subprocess.Popen(
            [CKAN, "-c", self.ini, *args],
            stdout=open(self.logs[name], "wb"), stderr=subprocess.STDOUT, env=self.env, cwd=ROOT,
        )
        return self.processes[name]

    def launch(self) -> None:
        """Start the web server without waiting, so the caller can build its data meanwhile."""
        self.spawn("web", "run", "-H", "127.0.0.1", "-p", str(self.port), "--disable-reloader", "--threaded")

    def wait_ready(self) -> "LivePortal":
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log(name)}")
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

    def log(self, name: str = "web") -> str:
        with open(self.logs[name], encoding="utf-8", errors="replace") as handle:
            return handle.read()[-6000:]

    def alive(self, name: str = "web") -> bool:
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
        shutil.rmtree(self.folder, ignore_errors=True)
