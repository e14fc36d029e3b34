"""Background jobs through a real worker (``ckan provincial worker``) and real Redis.

The worker runs as its own process on a queue of these tests, with a config
extending the test config (same database, Redis and site id); the jobs live
in tests/background_jobs.py, which the worker imports by name: as
``background_jobs``, since in a CKAN process ``tests`` may be CKAN's own.
"""
from __future__ import annotations

import os
import time
import uuid

import pytest
from rq.job import JobStatus
from rq.registry import FailedJobRegistry

import ckan.plugins.toolkit as toolkit
from ckan.lib import jobs as ckan_jobs
from tests.ckan_session import call_action

from ckanext.provincial import background
from tests import factories
from tests.live_portal import ROOT, LivePortal

pytestmark = pytest.mark.integration

QUEUE = "provincial-test-background"
ENDED = (JobStatus.FINISHED, JobStatus.FAILED)
JOBS = "background_jobs."  # tests/background_jobs.py in the worker


def _empty(queue) -> None:
    queue.empty()
    for registry in (queue.failed_job_registry, queue.finished_job_registry, queue.scheduled_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


@pytest.fixture(scope="module")
def worker(reset_db):
    # The jobs read CKAN's tables: a fresh test database has none until a
    # test makes them, and this module may run first.
    reset_db()
    queue = ckan_jobs.get_queue(QUEUE)
    _empty(queue)
    portal = LivePortal("worker", level="INFO")
    portal.env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.path.join(ROOT, "tests"), portal.env.get("PYTHONPATH")]))
    portal.spawn("worker", "provincial", "worker", QUEUE)
    deadline = time.monotonic() + 90
    while not [w for w in queue.connection.smembers(f"rq:workers:{queue.name}")]:
        if not portal.alive("worker") or time.monotonic() > deadline:
            portal.stop()
            raise RuntimeError("the worker did not start:\n" + portal.log("worker"))
        time.sleep(0.2)
    yield portal
    portal.stop()
    _empty(queue)


def wait_for(job, portal, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while job.get_status(refresh=True) not in ENDED:
        assert portal.alive("worker"), portal.log("worker")
        assert time.monotonic() < deadline, f"job {job.id} still {job.get_status()}:\n{portal.log('worker')}"
        time.sleep(0.05)
    return job


def counter() -> str:
    return f"provincial-test-attempts:{uuid.uuid4().hex}"


def attempts(key: str) -> int:
    return int(ckan_jobs.get_queue(QUEUE).connection.get(key) or 0)


@pytest.fixture
def resource_id():
    org = factories.provincial_organization()
    dataset = call_action("package_create", **factories.gdc_dataset(
        "statistics",
        owner_org=org["id"],
        title="ประชากรตามทะเบียนราษฎร (รายอำเภอ) ปี พ.ศ. ๒๕๖๖",
    ))
    return dataset["resources"][0]["id"]


def state_of(resource_id: str, job) -> dict:
    states = {entry["key"]: entry for entry in background.resource_job_states(resource_id)}
    return states[job.func_name]


# -------------------------------------------------------------- throughput --


def test_trivial_jobs_cost_milliseconds_not_a_ckan_start_up(worker):
    started = time.monotonic()
    queued = [
        background.enqueue(JOBS + "noop", [number], f"นำเข้าไฟล์ที่ {number}", retries=0, queue=QUEUE)
        for number in range(30)
    ]
    for job in queued:
        wait_for(job, worker)
    elapsed = time.monotonic() - started

    print(f"\n30 trivial jobs in {elapsed:.2f} s: {1000 * elapsed / 30:.0f} ms per job")
    assert [job.get_status() for job in queued] == [JobStatus.FINISHED] * 30, queued[0].exc_info
    assert [job.return_value() for job in queued] == list(range(30))
    # CKAN's own worker loads CKAN again in every work horse: ~1-2 s a job.
    assert elapsed < 15


def test_a_job_sees_ckan_as_loaded_by_the_worker(worker):
    job = wait_for(background.enqueue(JOBS + "ckan_state", [], "สถานะ CKAN", retries=0, queue=QUEUE), worker)

    assert job.get_status() == JobStatus.FINISHED, job.exc_info
    state = job.return_value()
    assert state["provincial_loaded"] and state["datastore_loaded"]
    assert state["site_user"]
    assert state["site_id"] == toolkit.config["ckan.site_id"]


# ------------------------------------------------------------------ retries --


@pytest.mark.usefixtures("with_plugins", "non_clean_db")
def test_a_job_that_fails_once_is_retried_and_succeeds(worker, resource_id):
    key = counter()
    job = background.enqueue(
        JOBS + "fail_once", [key], "ตรวจไฟล์ ข้อมูลประชากร.csv", retries=2, queue=QUEUE,
        retry_intervals=1, resource_id=resource_id,
    )
    wait_for(job, worker)

    assert job.get_status() == JobStatus.FINISHED, job.exc_info
    assert job.return_value() == 2 and attempts(key) == 2
    assert job.id not in FailedJobRegistry(queue=ckan_jobs.get_queue(QUEUE))
    # The failure of the first attempt was recorded, then cleared by the success.
    state = state_of(resource_id, job)
    assert state["state"] == background.FINISHED
    assert state["value"]["attempt"] == 2 and state["value"]["job_id"] == job.id
    assert "job %s (ตรวจไฟล์ ข้อมูลประชากร.csv) failed on attempt 1 of 3" % job.id in worker.log("worker")


@pytest.mark.usefixtures("with_plugins", "non_clean_db")
def test_a_job_that_always_fails_ends_in_the_failed_registry_with_its_exception(worker, resource_id):
    key = counter()
    job = background.enqueue(
        JOBS + "always_fail", [key], "นำเข้า ข้อมูลประชากร (ปี พ.ศ. ๒๕๖๖).csv", retries=1, queue=QUEUE,
        retry_intervals=0, resource_id=resource_id,
    )
    wait_for(job, worker)

    assert job.get_status() == JobStatus.FAILED
    assert attempts(key) == 2
    assert job.id in FailedJobRegistry(queue=ckan_jobs.get_queue(QUEUE))
    assert "ValueError: ไฟล์ 'ข้อมูลประชากร (ปี พ.ศ. ๒๕๖๖).csv' อ่านไม่ได้: ครั้งที่ 2" in job.exc_info
    state = state_of(resource_id, job)
    assert state["state"] == background.FAILED
    assert state["error"] == "ValueError: ไฟล์ 'ข้อมูลประชากร (ปี พ.ศ. ๒๕๖๖).csv' อ่านไม่ได้: ครั้งที่ 2"
    assert state["value"] == {**state["value"], "attempt": 2, "attempts": 2, "job_id": job.id}
    assert f"job {job.id} (นำเข้า ข้อมูลประชากร (ปี พ.ศ. ๒๕๖๖).csv) failed on its last attempt (2 of 2)" in worker.log("worker")


def test_a_job_without_retries_fails_at_once(worker):
    key = counter()
    job = wait_for(background.enqueue(JOBS + "always_fail", [key], "ครั้งเดียว", retries=0, queue=QUEUE), worker)

    assert job.get_status() == JobStatus.FAILED and attempts(key) == 1
    assert "ครั้งที่ 1" in job.exc_info


# ------------------------------------------------------ a killed work horse --


def test_a_job_whose_work_horse_is_killed_is_retried(worker):
    key = counter()
    job = wait_for(background.enqueue(
        JOBS + "killed_once", [key], "โหลดตาราง", retries=1, retry_intervals=0, queue=QUEUE,
    ), worker)

    assert job.get_status() == JobStatus.FINISHED, job.exc_info
    assert job.return_value() == 2 and attempts(key) == 2
    assert worker.alive("worker")


@pytest.mark.usefixtures("with_plugins", "non_clean_db")
def test_a_job_whose_work_horse_is_always_killed_is_reported(worker, resource_id):
    key = counter()
    job = wait_for(background.enqueue(
        JOBS + "always_killed", [key], "โหลดตาราง", retries=1, retry_intervals=0, queue=QUEUE,
        resource_id=resource_id,
    ), worker)

    assert job.get_status() == JobStatus.FAILED
    assert attempts(key) == 2
    assert job.id in FailedJobRegistry(queue=ckan_jobs.get_queue(QUEUE))
    assert "Work-horse terminated unexpectedly" in job.exc_info
    state = state_of(resource_id, job)
    assert state["state"] == background.FAILED
    assert state["error"].startswith("WorkHorseKilled: ")
    assert worker.alive("worker")
