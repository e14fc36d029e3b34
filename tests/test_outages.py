"""The portal while a service under it is down, for real: Solr, Redis and PostgreSQL of this module.

One portal (``ckan run``, tests/live_portal.py) is started for the module on services of its own
(tests/fixtures/services.py): a Solr, a Redis and a PostgreSQL cluster holding a copy of the test
database. The tests stop and start those services and never restart the portal:

* Solr stopped: the pages answer 503 "search is unavailable" in Thai and in English with a
  Retry-After, the Action API answers 503 ``Search Unavailable`` naming no address; a malformed
  query keeps CKAN's answer; when Solr is back the same requests answer 200.
* Redis stopped: pages still answer; an upload (web form and API) succeeds and says its background
  work is delayed; ``ckan provincial datastore requeue`` queues that work once Redis is back.
* PostgreSQL restarted: the next request answers 200 (CKAN's ``sqlalchemy.pool_pre_ping``).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from types import SimpleNamespace
from typing import Iterator

import psycopg2
import pytest
import requests
from redis import Redis
from rq import Queue

import ckan.plugins.toolkit as toolkit
from ckan.lib.search.common import SolrSettings
from ckan.tests import factories

from tests import ckan_session
from tests.ckan_session import call_action
from tests.factories import gdc_dataset, provincial_organization
from tests.fixtures.services import ThrowawayPostgres, ThrowawayRedis, ThrowawaySolr, _pg_bindir
from tests.live_portal import ROOT, LivePortal

pytestmark = [pytest.mark.integration, pytest.mark.faults]

CKAN = os.path.join(os.path.dirname(sys.executable), "ckan")
PASSWORD = "outage-test-password-13"
PAGES = ("/", "/dataset", "/organization", "/gap", "/gap/13")
UNAVAILABLE = {
    # The English source text; Thai pages carry the Thai catalogue's translation when the lead has
    # filled it, the English text until then: either way the page says it in words, not a stack trace.
    "en": "Search is unavailable at the moment",
}
SECRETS = ("127.0.0.1", "localhost", "Traceback", "/solr/", "ckan_test", "pysolr", "SolrError")


@pytest.fixture(scope="module")
def site(reset_db, migrate_db_for) -> Iterator[SimpleNamespace]:
    if not _pg_bindir() or not (shutil.which("java") and shutil.which("javac")):
        pytest.fail("a JDK and PostgreSQL server binaries are needed (stack/stack.sh install)")
    ckan_session.ensure_plugins()
    solr, redis, cluster, portal = ThrowawaySolr(), ThrowawayRedis(), ThrowawayPostgres(), None
    before = SolrSettings.get()
    try:
        solr.launch()
        redis.start()
        reset_db()
        migrate_db_for("provincial")
        solr.wait_ready()
        SolrSettings.init(solr.url)  # the datasets below are indexed in the module's Solr

        sysadmin = factories.SysadminWithToken()
        editor = factories.User(password=PASSWORD)
        org = provincial_organization(users=[{"name": editor["name"], "capacity": "editor"}])
        dataset = call_action("package_create", **gdc_dataset("record", owner_org=org["id"], name="outage-dataset"))

        cluster.start(copy_of=toolkit.config["sqlalchemy.url"])
        portal = LivePortal("outages")
        portal.env.update(CKAN_SQLALCHEMY_URL=cluster.url, CKAN_SOLR_URL=solr.url, CKAN_REDIS_URL=redis.url,
                          CKAN_STORAGE_PATH=os.path.join(portal.folder, "storage"))
        portal.start()
        yield SimpleNamespace(solr=solr, redis=redis, cluster=cluster, portal=portal, sysadmin=sysadmin,
                              editor=editor, org=org, dataset=dataset)
    finally:
        SolrSettings.init(*before)
        for service in (portal, solr, redis, cluster):
            if service is None:
                continue
            try:
                service.stop() if service is portal else service.remove()
            except Exception:  # the others are still removed
                pass


def get(site, path: str, **kwargs) -> requests.Response:
    return requests.get(site.portal.url + path, timeout=60, allow_redirects=False, **kwargs)


def api(site, action: str, method: str = "get", **kwargs) -> requests.Response:
    return requests.request(method, f"{site.portal.url}/api/3/action/{action}", timeout=60, **kwargs)


def in_cluster(site, sql: str, *args) -> list[tuple]:
    with psycopg2.connect(site.cluster.url) as connection, connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def assert_nothing_internal(site, text: str) -> None:
    text = text.replace(site.portal.url, "")  # the portal's own address (its site_url) is public
    for secret in SECRETS + (str(site.solr.port),):
        assert secret not in text, f"{secret!r} in {text[:500]!r}"


API_CALLS = (
    ("package_search", {"q": "*:*"}),
    ("provincial_gap_show", {"province_code": "13"}),
    ("provincial_gap_summary", {"province_codes": "13"}),
)


# ================================================================== Solr ==

def test_search_outage_answers_503_in_both_languages_and_recovers_without_a_restart(site):
    dataset_page = f"/dataset/{site.dataset['name']}"
    for lang in ("th", "en"):
        for path in PAGES + (dataset_page,):
            assert get(site, f"/{lang}{path}").status_code == 200, (lang, path)
    pid = site.portal.processes["web"].pid

    site.solr.stop()
    assert not site.solr.running()

    for lang in ("th", "en"):
        for path in PAGES:
            page = get(site, f"/{lang}{path}")
            assert page.status_code == 503, (lang, path, page.status_code, page.text[-2000:])
            assert page.headers["Retry-After"] == "120"
            assert "text/html" in page.headers["Content-Type"]
            assert f'<html lang="{lang}"' in page.text or f'lang="{lang}"' in page.text
            assert "Internal server error" not in page.text
            # The portal's frame (header, navigation) around the message.
            assert 'class="masthead"' in page.text or "site-header" in page.text or "<header" in page.text
            assert_nothing_internal(site, page.text)
        assert UNAVAILABLE["en"] in get(site, f"/en{PAGES[0]}").text
    # The Thai page is the portal's, in Thai: its Thai navigation is there.
    assert "ชุดข้อมูล" in get(site, "/th/dataset").text
    # A dataset's own page needs search too (its agency's sidebar counts the agency's datasets).
    assert get(site, f"/en{dataset_page}").status_code == 503

    for action, params in API_CALLS:
        answer = api(site, action, params=params)
        assert answer.status_code == 503, (action, answer.text)
        assert answer.headers["Retry-After"] == "120"
        body = answer.json()
        assert body["success"] is False
        assert body["error"]["__type"] == "Search Unavailable"
        assert "Try again in a few minutes" in body["error"]["message"]
        assert_nothing_internal(site, answer.text)
    # A write that needs the index: 503, and nothing of it is saved.
    created = api(site, "package_create", "post", headers={"Authorization": site.sysadmin["token"]},
                  json=gdc_dataset("record", owner_org=site.org["id"], name="during-the-outage"))
    assert created.status_code == 503 and created.json()["error"]["__type"] == "Search Unavailable"
    assert_nothing_internal(site, created.text)
    assert in_cluster(site, "SELECT count(*) FROM package WHERE name = 'during-the-outage'") == [(0,)]
    # A malformed request keeps CKAN's own answer (not blamed on the outage).
    malformed = api(site, "package_search", params={"rows": "many"})
    assert malformed.status_code == 409 and malformed.json()["error"]["__type"] == "Validation Error"
    local_params = api(site, "package_search", params={"q": "*:*", "fq": "{!child of=x}y"})
    assert local_params.status_code in (400, 409), local_params.text
    assert local_params.json()["error"]["__type"] in ("Search Query Error", "Search Error")
    # An API call that does not search is untouched.
    assert api(site, "package_show", params={"id": site.dataset["name"]}).status_code == 200

    site.solr.start()
    for lang in ("th", "en"):
        for path in PAGES:
            assert get(site, f"/{lang}{path}").status_code == 200, (lang, path)
    for action, params in API_CALLS:
        answer = api(site, action, params=params)
        assert answer.status_code == 200 and answer.json()["success"] is True, (action, answer.text)
    assert api(site, "package_search", params={"q": "name:outage-dataset"}).json()["result"]["count"] == 1
    assert site.portal.processes["web"].pid == pid and site.portal.alive()


# ================================================================= Redis ==

def csrf_token(html: str) -> str:
    found = re.search(r'name="_csrf_token"\s+value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found.group(1)


def logged_in(site, user: dict) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{site.portal.url}/en/user/login", timeout=60)
    done = session.post(f"{site.portal.url}/en/user/login", timeout=60, data={
        "login": user["name"], "password": PASSWORD, "_csrf_token": csrf_token(form.text)})
    assert done.ok and "/user/login" not in done.url, done.url
    return session


def pending_work(site, resource_id: str) -> dict[str, str]:
    rows = in_cluster(site, "SELECT task_type, state FROM task_status WHERE entity_id = %s", resource_id)
    return dict(rows)


def queued_resources(site) -> list[str]:
    queue = Queue(f"ckan:{toolkit.config['ckan.site_id']}:default", connection=Redis.from_url(site.redis.url))
    return [job.meta.get("resource_id") for job in queue.jobs]


CSV = "อำเภอ,จำนวน\nเมืองปทุมธานี,12\nคลองหลวง,30\n".encode("utf-8")


def test_uploads_while_redis_is_down_succeed_say_the_work_is_delayed_and_requeue_runs_it(site):
    resource_fields = {k: v for k, v in gdc_dataset("record")["resources"][0].items() if k not in ("url", "format")}
    site.redis.stop()
    assert not site.redis.running()
    try:
        for lang in ("th", "en"):
            for path in ("/", "/dataset", "/gap/13", f"/dataset/{site.dataset['name']}"):
                assert get(site, f"/{lang}{path}").status_code == 200, (lang, path)

        # The web form, as the agency's editor.
        browser = logged_in(site, site.editor)
        new = f"{site.portal.url}/en/dataset/{site.dataset['name']}/resource/new"
        form = browser.get(new, timeout=60)
        assert form.status_code == 200
        page = browser.post(new, timeout=120, data={
            **resource_fields, "name": "ตารางระหว่างคิวล่ม", "format": "CSV", "url": "", "id": "",
            "save": "go-dataset-complete", "_csrf_token": csrf_token(form.text),
        }, files={"upload": ("during-outage.csv", CSV, "text/csv")})
        assert page.status_code == 200, page.text[-3000:]
        assert page.url.endswith(f"/dataset/{site.dataset['name']}"), page.url
        assert "background work on it" in page.text and "is delayed" in page.text
        web_resource = in_cluster(site, "SELECT id, url, url_type FROM resource WHERE name = %s AND state = 'active'",
                                  "ตารางระหว่างคิวล่ม")
        assert len(web_resource) == 1 and web_resource[0][1:] == ("during-outage.csv", "upload")

        # The API, with a token.
        answer = api(site, "resource_create", "post", headers={"Authorization": site.sysadmin["token"]},
                     data={**resource_fields, "package_id": site.dataset["id"], "name": "ตาราง API ระหว่างคิวล่ม",
                           "format": "CSV"},
                     files={"upload": ("api-outage.csv", CSV, "text/csv")})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["success"] is True and "is delayed" in body["warning"]
        api_resource = body["result"]["id"]

        for resource_id in (web_resource[0][0], api_resource):
            # Saved whole: the row, the file in storage, its load and check marked pending.
            stored = os.path.join(site.portal.folder, "storage", "resources", resource_id[:3], resource_id[3:6],
                                  resource_id[6:])
            with open(stored, "rb") as handle:
                assert handle.read() == CSV
            assert pending_work(site, resource_id) == {"provincial_datastore": "pending",
                                                       "provincial_validation": "pending"}
        # Asking for a job by hand: a clear 503, not an internal error.
        submit = api(site, "provincial_datastore_submit", "post", headers={"Authorization": site.sysadmin["token"]},
                     json={"resource_id": api_resource})
        assert submit.status_code == 503, submit.text
        assert submit.json()["error"]["__type"] == "Job Queue Unavailable" and submit.headers["Retry-After"]
        assert_nothing_internal(site, submit.text)
    finally:
        site.redis.start()

    assert get(site, "/en/dataset").status_code == 200
    requeue = [CKAN, "-c", site.portal.ini, "provincial", "datastore", "requeue"]
    first = subprocess.run(requeue, env=site.portal.env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    # The two uploads, and the module's first dataset (made before the portal had this Redis).
    assert "3 resources queued" in first.stdout, first.stdout
    queued = queued_resources(site)
    assert {web_resource[0][0], api_resource} <= set(queued) and len(queued) == 3
    # Pending marks of resources that were never saved (a create refused during the Solr outage) go.
    assert in_cluster(site, "SELECT count(*) FROM task_status t WHERE state = 'pending' AND NOT EXISTS "
                            "(SELECT 1 FROM resource r WHERE r.id = t.entity_id)") == [(0,)]
    # Nothing is queued twice.
    second = subprocess.run(requeue, env=site.portal.env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "0 resources queued, 0 deleted since" in second.stdout, second.stdout
    assert len(queued_resources(site)) == 3


# ============================================================ PostgreSQL ==

def test_the_next_request_after_a_postgresql_restart_answers(site):
    path = f"/en/dataset/{site.dataset['name']}"
    assert get(site, path).status_code == 200
    site.cluster.pg_ctl("-m", "fast", "restart")
    assert get(site, path).status_code == 200
    assert api(site, "package_show", params={"id": site.dataset["name"]}).json()["success"] is True
