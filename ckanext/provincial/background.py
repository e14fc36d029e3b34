"""Background jobs: the worker that runs them and the one way to queue ours.

The worker
----------
``ckan provincial worker`` runs :class:`Worker`, CKAN's own job worker
(``ckan.lib.jobs.Worker``, an rq worker that forks a work horse per job) with
one difference: the work horse does not load CKAN again. CKAN's worker calls
``load_environment`` in every work horse, which unloads and reloads every
plugin (scheming parses its YAML schemas again, the config declarations are
rebuilt, entry points are scanned, the DataStore checks its databases): about
two seconds of CPU before each job starts, whatever the job. The ``ckan``
command has already loaded CKAN in the worker's own process, so the forked work
horse inherits all of it and a job costs milliseconds.

Kept from CKAN's worker: the database engine and session are disposed before
each fork and after each job, plugins' ``IForkObserver.before_fork`` runs
before each fork (the DataStore drops its engines there), and a failing job is
logged with its traceback. Added: rq's scheduler runs in the worker, so a
retry after a delay (below) is picked up; a work horse that dies (killed,
out of memory) is reported like a job that raised.

Queuing a job: :func:`enqueue`
------------------------------
``enqueue(fn, args, title, timeout=..., retries=..., resource_id=...)`` queues
like ``toolkit.enqueue_job`` (same queues, same job listing in ``ckan jobs
list``) and guarantees a failing job is retried and then reported, never lost:

* a job that raises, times out or whose work horse dies is run again, up to
  ``retries`` more times, after the delays of ``retry_intervals`` seconds;
* every failure is logged (a warning while a retry is left, an error after
  the last attempt) with the job's id, title, attempt and exception;
* a job that still fails stays in rq's failed-job registry with its exception
  (``ckan jobs list`` does not show it; rq's ``FailedJobRegistry`` does);
* a *resource job* (``resource_id`` given) leaves its state on the resource in
  CKAN's ``task_status`` table, task type :data:`TASK_TYPE`, key: the job's
  function (``module.name``), ``state`` one of :data:`RETRYING`,
  :data:`FAILED`, :data:`FINISHED` (after a success that followed a failure),
  ``error`` the exception, ``value`` JSON with the job id, title, attempt,
  attempts and time. Read it with :func:`resource_job_states`.

The job function must be importable by its module path (a module-level
function of an installed package), since the work horse imports it by name.
Retries after a delay need a worker with the scheduler, i.e.
``ckan provincial worker``; CKAN's ``ckan jobs worker`` would leave them waiting.
"""
from __future__ import annotations

import datetime
import json
import logging
from typing import Any, Callable, Iterable, Optional

import rq
from rq.job import Callback, Job, Retry

import ckan.plugins.toolkit as toolkit
# The worker class, its queues and its session handling are not in the toolkit.
from ckan.lib import jobs as ckan_jobs

log = logging.getLogger(__name__)

TASK_TYPE = "provincial_job"
RETRYING = "retrying"
FAILED = "failed"
FINISHED = "finished"

DEFAULT_TIMEOUT = 3600
DEFAULT_RETRIES = 2
# Seconds before the first and the second retry: long enough for a portal
# that was restarting or a database that was busy to be back.
DEFAULT_RETRY_INTERVALS = (30, 120)
CALLBACK_TIMEOUT = 60


class WorkHorseKilled(Exception):
    """The process running a job ended without finishing it (SIGKILL, out of memory)."""


# ---------------------------------------------------------------- the worker --


class Worker(ckan_jobs.Worker):
    """CKAN's job worker whose work horses use the CKAN loaded before the fork."""

    def main_work_horse(self, job: Job, queue: rq.Queue):
        # ckan.lib.jobs.Worker.main_work_horse calls load_environment here,
        # which costs ~2 s per job; rq's own work horse runs the job as is.
        _refresh_site_settings()
        return rq.Worker.main_work_horse(self, job, queue)

    def handle_work_horse_killed(self, job: Job, retpid, ret_val, rusage) -> None:
        # rq moves the job on (retry or failed registry) but runs no failure
        # callback when the work horse died; ours reports it like an exception.
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        error = WorkHorseKilled(f"the work horse (pid {retpid}) ended with status {ret_val}")
        try:
            job.execute_failure_callback(self.death_penalty_class, WorkHorseKilled, error, None)
        except Exception:  # already logged by rq; the job still moves on
            pass


def _refresh_site_settings() -> None:
    """What a sysadmin changed in the site settings since the worker started."""
    # The one part of load_environment a job could miss: the site settings
    # kept in the database (site title, about text...). Checked the way
    # CKAN's web process checks them before each request: one query.
    from ckan.lib import app_globals

    try:
        app_globals.app_globals._check_uptodate()
    except Exception:
        log.exception("could not read the site settings; the job runs with the worker's")


# Libraries the portal's jobs import on first use. Imported once in the worker,
# every forked job has them: Frictionless takes about 0.4 s to import and
# 0.1 s more for its first check, which each job paid again (about a third of
# the load and check of a small file).
PRELOADED = ("frictionless", "openpyxl", "xlrd", "ckanext.provincial.loading.jobs")


def _preload() -> None:
    import importlib

    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:
            log.warning("worker could not preload %s", name)
    try:
        import frictionless

        frictionless.Resource(data=[["a"], ["1"]]).validate()  # loads its plugins
    except Exception:  # a warm-up only
        log.warning("worker could not warm up Frictionless", exc_info=True)


def run_worker(queues: Iterable[str] = (), burst: bool = False) -> bool:
    """Run a worker on ``queues`` (default: CKAN's default queue) until stopped, or until empty with ``burst``."""
    _preload()
    worker = Worker(list(queues) or None)
    return worker.work(burst=burst, with_scheduler=True)


# -------------------------------------------------------------- queuing jobs --


def enqueue(
    fn: Callable[..., Any] | str,
    args: Optional[list | tuple] = None,
    title: Optional[str] = None,
    timeout: int = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    *,
    retry_intervals: Iterable[int] | int = DEFAULT_RETRY_INTERVALS,
    resource_id: Optional[str] = None,
    kwargs: Optional[dict[str, Any]] = None,
    queue: str = ckan_jobs.DEFAULT_QUEUE_NAME,
) -> Job:
    """Queue ``fn(*args, **kwargs)``: run at most ``1 + retries`` times, each within ``timeout`` seconds.

    ``fn`` is a module-level function or its dotted name.

    ``resource_id`` makes it a resource job whose failures are recorded on
    the resource (see the module's documentation). Returns the rq job.
    """
    intervals = [retry_intervals] if isinstance(retry_intervals, int) else list(retry_intervals)
    # Everything the worker reads goes in with the job: toolkit.enqueue_job
    # saves the title after queuing, and that late save can overwrite the
    # state of a job the worker has already run (a short job, a busy machine).
    meta: dict[str, Any] = {"title": title, "attempts": 1 + max(retries, 0)}
    rq_kwargs: dict[str, Any] = {
        "timeout": timeout,
        "meta": meta,
        "on_failure": Callback(report_failure, CALLBACK_TIMEOUT),
    }
    if retries > 0:
        rq_kwargs["retry"] = Retry(max=retries, interval=intervals or 0)
    if resource_id:
        meta["resource_id"] = resource_id
        rq_kwargs["on_success"] = Callback(report_success, CALLBACK_TIMEOUT)
    job = ckan_jobs.get_queue(queue).enqueue_call(func=fn, args=list(args or []), kwargs=kwargs or {}, **rq_kwargs)
    log.info('Added background job %s ("%s") to queue "%s"', job.id, title, queue)
    return job


def _job_name(job: Job) -> str:
    title = (job.meta or {}).get("title")
    return f"{job.id} ({title})" if title else job.id


def _attempt(job: Job) -> tuple[int, int]:
    """(this attempt, all attempts) of a job that is running or just ended."""
    attempts = int((job.meta or {}).get("attempts") or 1)
    left = job.retries_left or 0
    return attempts - left, attempts


def report_failure(job: Job, connection, exc_type, exc_value, traceback) -> None:
    """rq's failure callback of the jobs of :func:`enqueue`; runs before rq retries or fails the job."""
    attempt, attempts = _attempt(job)
    final = not (job.retries_left and job.retries_left > 0)
    error = f"{getattr(exc_type, '__name__', exc_type)}: {exc_value}"
    if final:
        log.error("job %s failed on its last attempt (%d of %d): %s", _job_name(job), attempt, attempts, error)
    else:
        log.warning("job %s failed on attempt %d of %d, will be retried: %s", _job_name(job), attempt, attempts, error)
    resource_id = (job.meta or {}).get("resource_id")
    if resource_id:
        _record(job, resource_id, FAILED if final else RETRYING, error, attempt, attempts)


def report_success(job: Job, connection, result) -> None:
    """rq's success callback of resource jobs: clears a failure recorded by an earlier attempt."""
    resource_id = (job.meta or {}).get("resource_id")
    if not resource_id:
        return
    if _stored(resource_id, _key(job)) is not None:
        attempt, attempts = _attempt(job)
        _record(job, resource_id, FINISHED, "", attempt, attempts)


def _key(job: Job) -> str:
    return job.func_name


def _stored(resource_id: str, key: str) -> Optional[dict[str, Any]]:
    try:
        return toolkit.get_action("task_status_show")(
            {"ignore_auth": True}, {"entity_id": resource_id, "task_type": TASK_TYPE, "key": key}
        )
    except toolkit.ObjectNotFound:
        return None


def _record(job: Job, resource_id: str, state: str, error: str, attempt: int, attempts: int) -> None:
    # The failed job may have left the session in a rolled-back transaction;
    # the callback may also run in the worker's own process (a killed work
    # horse), which must not keep a connection across the next fork.
    from ckan import model

    try:
        model.Session.rollback()
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None).isoformat()
        task = {
            "entity_id": resource_id,
            "entity_type": "resource",
            "task_type": TASK_TYPE,
            "key": _key(job),
            "state": state,
            "error": error[:2000],
            "value": json.dumps({
                "job_id": job.id, "title": (job.meta or {}).get("title"),
                "attempt": attempt, "attempts": attempts, "at": now,
            }, ensure_ascii=False),
            "last_updated": now,
        }
        existing = _stored(resource_id, task["key"])
        if existing:
            task["id"] = existing["id"]
        toolkit.get_action("task_status_update")({"ignore_auth": True}, task)
    except Exception:
        log.exception("could not record the state of job %s on resource %s", _job_name(job), resource_id)
    finally:
        model.Session.remove()


def resource_job_states(resource_id: str) -> list[dict[str, Any]]:
    """The recorded states of a resource's jobs: ``key`` (job function), ``state``, ``error``, ``value`` (dict)."""
    from ckan import model

    rows = model.Session.query(model.TaskStatus).filter_by(entity_id=resource_id, task_type=TASK_TYPE).all()
    states = []
    for row in rows:
        try:
            value = json.loads(row.value or "{}")
        except ValueError:
            value = {}
        states.append({"key": row.key, "state": row.state, "error": row.error, "value": value,
                       "last_updated": row.last_updated})
    return states
