"""Jobs for tests/test_background.py, run by a real worker, which imports them as ``background_jobs``.

Each counts its attempts in Redis under the key it is given, so a test sees
how often the worker ran it (a work horse's memory is gone when it ends).
"""
from __future__ import annotations

import os
import signal

import rq

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit


def _attempt(counter: str) -> int:
    return rq.get_current_job().connection.incr(counter)


def noop(number: int) -> int:
    """Returns at once: what is left of a job's cost is the worker's."""
    return number


def ckan_state() -> dict:
    """What a job sees of CKAN: plugins, the database, the site settings."""
    return {
        "provincial_loaded": plugins.plugin_loaded("provincial"),
        "datastore_loaded": plugins.plugin_loaded("datastore"),
        "site_user": toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"],
        "site_id": toolkit.config.get("ckan.site_id"),
    }


def fail_once(counter: str) -> int:
    attempt = _attempt(counter)
    if attempt == 1:
        raise ConnectionError("เว็บพอร์ทัลยังไม่พร้อม (ครั้งที่ 1)")
    return attempt


def always_fail(counter: str) -> None:
    attempt = _attempt(counter)
    raise ValueError(f"ไฟล์ 'ข้อมูลประชากร (ปี พ.ศ. ๒๕๖๖).csv' อ่านไม่ได้: ครั้งที่ {attempt}")


def killed_once(counter: str) -> int:
    """The work horse dies on the first attempt, as under the out-of-memory killer."""
    attempt = _attempt(counter)
    if attempt == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return attempt


def always_killed(counter: str) -> None:
    _attempt(counter)
    os.kill(os.getpid(), signal.SIGKILL)
