"""When a service under the portal is down: clear answers instead of "Internal server error".

Solr (search)
-------------
Most pages and many API actions search. With Solr stopped or erroring, CKAN
raises ``SolrConnectionError`` (not a ``SearchError``), ``SearchError`` (with
pysolr's message naming the Solr URL), ``SearchIndexError``, or pysolr's and
requests' own errors, and its pages answer 500 "Internal server error"; the
dataset search page turns ``SolrConnectionError`` into ``abort(500)``; the
Action API catches every exception itself and answers 409 "Search Error" or
500 with messages that may carry the Solr URL.

:func:`install` (the plugin's ``IMiddleware.make_middleware``) adds to the
Flask app:

* error handlers for those exceptions and a wrapper around CKAN's handler of
  500: when search is unavailable the page answers 503 with ``Retry-After``
  and the template ``provincial/search_unavailable.html`` (which extends
  CKAN's page and runs no search), in the request's language; otherwise CKAN's
  own handling goes on unchanged;
* an ``after_request`` hook for the Action API: a 409/500 search, index or
  internal error becomes 503 with CKAN's error shape, ``__type`` "Search
  Unavailable" and a message without any address, when search is unavailable.

"Search is unavailable" is decided by asking Solr itself (its ping handler,
short timeout): a user's malformed query keeps CKAN's answer (400 "Search
Query Error"; 409 "Search Error" while Solr answers, or when CKAN refused the
query before sending it to Solr, i.e. its message does not name Solr). A
failed ping is remembered for :data:`DOWN_SECONDS` so an outage costs one
probe per few seconds, not one per request; a successful one is not
remembered. CKAN makes a new pysolr connection for every query, so nothing
stays broken once Solr answers again: no restart.

Redis (background jobs)
-----------------------
Sessions are signed cookies (CKAN's default ``SESSION_TYPE = cookie``), so
logging in and pages need no Redis; the gap cache skips Redis when it is down.
A request whose purpose is to queue a job (``provincial_datastore_submit``, a
catalogue import...) answers 503 "Job Queue Unavailable" (API, when its 500
"Internal Server Error" coincides with a Redis that does not answer PING) or
the 503 page. Queuing a resource's DataStore load or content check needs Redis. When it is
down the upload is still saved and the load or check stays "pending" (see
:func:`background_delayed`, called by ``content_checks.hooks.schedule``): the
page shows a flash message, the API adds a ``warning`` to its answer, and
``ckan provincial datastore requeue`` queues the delayed work once Redis is
back.

PostgreSQL
----------
CKAN 2.11 turns on ``sqlalchemy.pool_pre_ping`` (and the DataStore's
``ckan.datastore.sqlalchemy.pool_pre_ping``) by default: a pooled connection
that a database restart closed is replaced before use, so the first request
after a restart answers. Nothing to configure; tests/test_outages.py checks it.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable, Optional

import flask
import pysolr
import requests
from werkzeug.exceptions import InternalServerError

import ckan.plugins.toolkit as toolkit
# The search exceptions and Solr's configured address are not in the toolkit.
from ckan.lib.search.common import SearchError, SearchIndexError, SolrConnectionError, SolrSettings

log = logging.getLogger(__name__)

# Seconds a client is asked to wait (Retry-After), and a failed probe is remembered.
RETRY_AFTER = 120
DOWN_SECONDS = 5.0
PING_TIMEOUT = 3.0

TEMPLATE = "provincial/search_unavailable.html"
API_TYPE = "Search Unavailable"
# The Action API's answers that a Solr outage produces (ckan/views/api.py).
API_ERROR_TYPES = {"Search Error", "Search Index Error", "Search Connection Error", "Internal Server Error"}
API_ERROR_STATUSES = {409, 500}
SEARCH_EXCEPTIONS = (SolrConnectionError, SearchError, SearchIndexError, pysolr.SolrError,
                     requests.exceptions.ConnectionError, requests.exceptions.Timeout)

_lock = threading.Lock()
_down: dict[str, float] = {}  # Solr URL -> when a probe last failed (time.monotonic)


# ------------------------------------------------------------------ Solr ----

def solr_answers(url: str, user: Optional[str] = None, password: Optional[str] = None,
                 timeout: float = PING_TIMEOUT) -> bool:
    """Whether the Solr core at ``url`` answers its ping handler."""
    auth = (user, password) if user and password else None
    try:
        answer = requests.get(url.rstrip("/") + "/admin/ping", params={"wt": "json"}, auth=auth, timeout=timeout)
    except requests.RequestException:
        return False
    return answer.ok


def search_unavailable() -> bool:
    """Whether the portal's Solr is unreachable or erroring now (a failure is remembered a few seconds)."""
    try:
        url, user, password = SolrSettings.get()
    except SearchIndexError:  # no Solr configured at all: nothing to wait for
        return False
    now = time.monotonic()
    with _lock:
        failed_at = _down.get(url)
    if failed_at is not None and now - failed_at < DOWN_SECONDS:
        return True
    answers = solr_answers(url, user, password)
    with _lock:
        if answers:
            _down.pop(url, None)
        else:
            _down[url] = time.monotonic()
    if not answers:
        log.warning("Search (Solr) is unavailable: answering 503")
    return not answers


def _outage(error: BaseException | None) -> bool:
    if isinstance(error, SolrConnectionError):  # raised only when pysolr could not connect
        return True
    return search_unavailable()


def _api_request() -> bool:
    return flask.request.blueprint == "api" or flask.request.path.startswith("/api/")


def api_message() -> str:
    return toolkit._("Search is unavailable at the moment, so this request could not be completed. "
                     "Nothing was changed. Try again in a few minutes.")


def api_body(help_url: Optional[str] = None) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "error": {"__type": API_TYPE, "message": api_message()}}
    if help_url:
        body = {"help": help_url, **body}
    return body


def unavailable_api(help_url: Optional[str] = None) -> flask.Response:
    response = flask.Response(json.dumps(api_body(help_url), ensure_ascii=False), status=503,
                              content_type="application/json;charset=utf-8")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def unavailable_page() -> flask.Response:
    """The 503 page; falls back to plain text if even the page cannot be rendered."""
    try:
        body = toolkit.render(TEMPLATE, {})
        response = flask.make_response(body, 503)
    except Exception:  # the page template itself failed: still say what happened
        log.exception("could not render %s", TEMPLATE)
        response = flask.make_response(
            "Search is unavailable at the moment. Try again in a few minutes.\n"
            "ระบบค้นหาไม่พร้อมใช้งานชั่วคราว โปรดลองใหม่ในอีกไม่กี่นาที\n", 503)
        response.content_type = "text/plain; charset=utf-8"
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def unavailable() -> flask.Response:
    return unavailable_api() if _api_request() else unavailable_page()


def search_error_handler(original: Optional[Callable[[Any], Any]] = None) -> Callable[[BaseException], Any]:
    """Flask error handler of the search exceptions: 503 in an outage, else ``original`` or CKAN's own handling."""

    def on_search_error(error: BaseException):
        if _outage(error):
            log.warning("search unavailable during %s %s: %s", flask.request.method, flask.request.path,
                        type(error).__name__)
            log.debug("where the search failed", exc_info=error)
            return unavailable()
        if original is not None:
            return original(error)
        raise error  # not an outage: Flask's and CKAN's handling of an unexpected error

    return on_search_error


def wrap_internal_error(original: Optional[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """CKAN's handler of 500 (``abort(500)``, unexpected errors), answering 503 in a search outage."""

    def on_internal_error(error):
        if search_unavailable():
            log.warning("search unavailable during %s %s: answering 503 instead of 500", flask.request.method,
                        flask.request.path)
            log.debug("where the search failed", exc_info=getattr(error, "original_exception", None) or error)
            return unavailable()
        if original is not None:
            return original(error)
        return error

    return on_internal_error


def rewrite_api_answer(response: flask.Response) -> flask.Response:
    """``after_request``: the Action API's search/internal errors become 503 "Search Unavailable" in an outage."""
    if response.status_code not in API_ERROR_STATUSES or not _api_request() or not response.is_json:
        return response
    try:
        body = json.loads(response.get_data(as_text=True))
    except ValueError:
        return response
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or error.get("__type") not in API_ERROR_TYPES:
        return response
    if response.status_code == 409 and "solr" not in str(error.get("message", "")).lower():
        # CKAN's 409 "Search Error" of a query refused before it reached Solr (local parameters,
        # magic fields...): the user's request is at fault, whatever Solr's state.
        return response
    if not search_unavailable():
        if error.get("__type") == "Internal Server Error" and queue_unavailable():
            log.warning("job queue unavailable during API call %s: answering 503", flask.request.path)
            return unavailable_queue()
        return response
    log.warning("search unavailable during API call %s: answering 503 instead of %s %s",
                flask.request.path, response.status_code, error.get("__type"))
    return unavailable_api(body.get("help"))


# ----------------------------------------------------------------- Redis ----

DELAYED_FLAG = "provincial_background_delayed"


def delayed_message() -> str:
    return toolkit._("The file was saved, but the background work on it (loading the table into the DataStore, "
                     "checking its contents) is delayed: the job queue is unavailable. It will run once the queue "
                     "is back; nothing needs to be uploaded again.")


def background_delayed(resource_id: str, error: BaseException) -> None:
    """Note that the background work of ``resource_id`` could not be queued (Redis down).

    Called while the resource is being saved; in a web request the page
    flashes :func:`delayed_message` and the API adds it as ``warning``.
    """
    log.warning("background work of resource %s delayed, the job queue is unavailable: %s",
                resource_id, type(error).__name__)
    if not flask.has_request_context():
        return
    delayed = flask.g.get(DELAYED_FLAG)
    if delayed is None:
        delayed = []
        setattr(flask.g, DELAYED_FLAG, delayed)
    if resource_id not in delayed:
        delayed.append(resource_id)
        if not _api_request():
            try:
                toolkit.h.flash_notice(delayed_message())
            except Exception:  # no session to flash into: the log says it
                log.warning("could not flash the delayed-work message", exc_info=True)


QUEUE_API_TYPE = "Job Queue Unavailable"


def queue_unavailable() -> bool:
    """Whether the portal's Redis (the job queue) does not answer a PING now."""
    from redis import Redis
    from redis.exceptions import RedisError

    url = toolkit.config.get("ckan.redis.url")
    if not url:
        return False
    try:
        client = Redis.from_url(url, socket_connect_timeout=PING_TIMEOUT, socket_timeout=PING_TIMEOUT)
        try:
            return not client.ping()
        finally:
            client.close()
    except (RedisError, OSError):
        return True


def queue_message() -> str:
    return toolkit._("The background job queue is unavailable at the moment, so this request could not be "
                     "queued. Try again in a few minutes.")


def unavailable_queue() -> flask.Response:
    if _api_request():
        body = {"success": False, "error": {"__type": QUEUE_API_TYPE, "message": queue_message()}}
        response = flask.Response(json.dumps(body, ensure_ascii=False), status=503,
                                  content_type="application/json;charset=utf-8")
    else:
        response = flask.make_response(toolkit.render(TEMPLATE, {"queue": True}), 503)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def on_queue_error(error: BaseException):
    """Flask error handler of Redis errors on pages (queuing a job by hand, a catalogue import...)."""
    if queue_unavailable():
        log.warning("job queue unavailable during %s %s: %s", flask.request.method, flask.request.path,
                    type(error).__name__)
        return unavailable_queue()
    raise error


def add_api_warning(response: flask.Response) -> flask.Response:
    """``after_request``: a successful API call whose background work was delayed says so in ``warning``."""
    if not flask.g.get(DELAYED_FLAG) or not _api_request() or response.status_code != 200 or not response.is_json:
        return response
    try:
        body = json.loads(response.get_data(as_text=True))
    except ValueError:
        return response
    if isinstance(body, dict):
        body["warning"] = delayed_message()
        response.set_data(json.dumps(body, ensure_ascii=False))
    return response


# ------------------------------------------------------------------ wiring ---

def install(app: flask.Flask) -> flask.Flask:
    """Add the handlers above to CKAN's Flask app (after CKAN registered its own)."""
    if not isinstance(app, flask.Flask):  # another plugin's middleware wrapped the app before ours
        log.error("outage handling not installed: the app is a %s, not CKAN's Flask app; list the "
                  "'provincial' plugin before plugins whose middleware wraps the app", type(app).__name__)
        return app
    original = app.error_handler_spec.get(None, {}).get(500, {}).get(InternalServerError)
    app.register_error_handler(500, wrap_internal_error(original))
    registered = app.error_handler_spec.get(None, {}).get(None, {})
    for exception in SEARCH_EXCEPTIONS:
        # Replaces a handler already registered for the class (the DCAT catalogue's 400): kept for non-outages.
        app.register_error_handler(exception, search_error_handler(registered.get(exception)))
    from redis.exceptions import RedisError

    app.register_error_handler(RedisError, on_queue_error)
    app.after_request(rewrite_api_answer)
    app.after_request(add_api_warning)
    return app


# ------------------------------------------------------ delayed work, later --

def _queued_resource_ids() -> set[str]:
    """Resources with a job waiting, scheduled for a retry or running in the default queue."""
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry
    # CKAN's queue is not in the toolkit.
    from ckan.lib import jobs as ckan_jobs

    queue = ckan_jobs.get_queue()
    ids = set(queue.job_ids)
    for registry in (ScheduledJobRegistry(queue=queue), StartedJobRegistry(queue=queue)):
        ids.update(registry.get_job_ids())
    found = set()
    for job in Job.fetch_many(list(ids), connection=queue.connection):
        if job is not None and (job.meta or {}).get("resource_id"):
            found.add(job.meta["resource_id"])
    return found


def delayed_work() -> dict[str, dict[str, bool]]:
    """Resources whose DataStore load or content check is pending with no job queued for it:
    ``{resource_id: {"load": bool, "check": bool}}``. Needs Redis (raises ``RedisError`` without it)."""
    from ckan import model

    from ckanext.provincial.content_checks import jobs as checks
    from ckanext.provincial.loading import jobs as loads

    rows = model.Session.query(model.TaskStatus.entity_id, model.TaskStatus.task_type).filter(
        model.TaskStatus.entity_type == "resource",
        model.TaskStatus.state == loads.PENDING,
        model.TaskStatus.task_type.in_([loads.TASK_TYPE, checks.TASK_TYPE]),
    ).all()
    queued = _queued_resource_ids()
    work: dict[str, dict[str, bool]] = {}
    for resource_id, task_type in rows:
        if resource_id in queued:
            continue
        wanted = work.setdefault(resource_id, {"load": False, "check": False})
        wanted["load" if task_type == loads.TASK_TYPE else "check"] = True
    return work


def requeue_delayed() -> dict[str, int]:
    """Queue the delayed work of :func:`delayed_work`; counts of ``queued`` and ``gone``.

    ``gone``: resources deleted since, or never saved (the pending mark is
    written before the resource's own transaction commits, which may then
    fail): their pending marks are removed.
    """
    from ckan import model

    from ckanext.provincial.content_checks import jobs as checks
    from ckanext.provincial.loading import jobs as loads

    counts = {"queued": 0, "gone": 0}
    for resource_id, wanted in sorted(delayed_work().items()):
        try:
            resource = toolkit.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
        except toolkit.ObjectNotFound:
            resource = None
        if resource is None or resource.get("state") == "deleted":
            model.Session.query(model.TaskStatus).filter(
                model.TaskStatus.entity_id == resource_id, model.TaskStatus.state == loads.PENDING,
                model.TaskStatus.task_type.in_([loads.TASK_TYPE, checks.TASK_TYPE]),
            ).delete(synchronize_session=False)
            model.Session.commit()
            counts["gone"] += 1
            continue
        loads.enqueue(resource, load_table=wanted["load"], check=wanted["check"])
        counts["queued"] += 1
    return counts
