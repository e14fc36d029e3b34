"""Faults of the services under the portal, caused for real (no mocks).

Solr stopped during a dataset create: the test starts its own Solr (stack/solr.sh
on a free port, its own Solr home), points CKAN's search at it, then really
stops that process. CKAN indexes a dataset in the database session's
``before_commit`` hook, so when Solr cannot be reached the commit never happens:
``package_create`` raises ``SearchIndexError``, the API answers 503 with a JSON
error of type "Search Unavailable" naming no address, the dataset form answers
the 503 "search is unavailable" page (ckanext/provincial/outages.py; more in
tests/test_outages.py), and the database holds nothing of the dataset. When
Solr comes back without its index (a lost volume), search and the database
disagree until ``ckan search-index rebuild`` runs.

PostgreSQL restarted mid-import: the test starts its own PostgreSQL cluster
(initdb in a temporary folder), copies the test database into it, and runs
``ckan provincial requirement import`` against it. An uncommitted row of its
own holds the import's last INSERT on the unique code index, so the import is
caught with its other rows already written inside its transaction; the cluster
is then restarted (``pg_ctl restart -m fast``). The import fails with a clear
message, nothing of it is in the database, and a rerun completes.

Neither test touches the shared stack's Solr or PostgreSQL processes.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from typing import Iterator

import psycopg2
import pytest
import requests

import ckan.model as ckan_model
import ckan.plugins.toolkit as toolkit
from ckan.cli.search_index import search_index
from ckan.lib.search import SearchIndexError
from ckan.lib.search.common import SolrSettings
from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import plan_io
from tests.datastore_support import wait_until
from tests.fixtures.services import ThrowawayPostgres, ThrowawaySolr, _pg_bindir
from tests.factories import gdc_dataset, provincial_organization

pytestmark = [pytest.mark.integration, pytest.mark.faults]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CKAN = os.path.join(os.path.dirname(sys.executable), "ckan")


def ckan_cli(*args: str, env: dict[str, str], timeout: float = 120, wait: bool = True):
    command = [CKAN, "-c", toolkit.config["__file__"], *args]
    if not wait:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


# ================================================================== Solr ==

@pytest.fixture
def own_solr(request, with_plugins) -> Iterator[ThrowawaySolr]:
    """CKAN's search pointed at a Solr this test started (and may stop), and a clean database."""
    if not (shutil.which("java") and shutil.which("javac")):
        pytest.fail("a JDK is needed to start a Solr of the test's own (stack/stack.sh install)")
    solr = ThrowawaySolr()
    before = SolrSettings.get()
    try:
        solr.launch()
        request.getfixturevalue("clean_db")  # while Solr starts
        solr.wait_ready()
        SolrSettings.init(solr.url)
        yield solr
    finally:
        SolrSettings.init(*before)
        solr.remove()


def in_database(name: str) -> bool:
    ckan_model.Session.remove()
    return ckan_model.Session.query(ckan_model.Package).filter_by(name=name).count() > 0


def found(solr: ThrowawaySolr, name: str) -> int:
    """Documents of the dataset in the test's Solr core, asked of Solr directly."""
    answer = requests.get(solr.url + "/select", params={"q": f'name:"{name}"', "rows": 0, "wt": "json"}, timeout=10)
    answer.raise_for_status()
    return answer.json()["response"]["numFound"]


def test_solr_stopped_during_create_saves_nothing_and_rebuild_restores_search(app, cli, own_solr):
    admin = factories.SysadminWithToken()
    org = provincial_organization()
    before = call_action("package_create", **gdc_dataset("statistics", owner_org=org["id"], name="before-the-outage"))
    assert found(own_solr, before["name"]) == 1

    own_solr.stop()
    assert not own_solr.running()

    # The action: SearchIndexError, and the commit never happened.
    with pytest.raises(SearchIndexError, match=f"127.0.0.1:{own_solr.port}"):
        call_action("package_create", **gdc_dataset("record", owner_org=org["id"], name="during-outage-action"))
    assert not in_database("during-outage-action")

    # The API: a JSON error with its type and a message naming no address, not an HTML page.
    response = app.post("/api/3/action/package_create", headers={"Authorization": admin["token"]},
                        json=gdc_dataset("record", owner_org=org["id"], name="during-outage-api"))
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json["error"]
    assert response.json["success"] is False and error["__type"] == "Search Unavailable"
    assert "Nothing was changed" in error["message"] and str(own_solr.port) not in error["message"]
    assert not in_database("during-outage-api")

    # The dataset form (first stage, which saves a draft): the "search is unavailable" page.
    form = {k: v for k, v in gdc_dataset("gis", owner_org=org["id"], name="during-outage-form").items() if k != "resources"}
    form["save"] = "go-resources"
    page = app.post("/dataset/new", headers={"Authorization": admin["token"]}, data=form)
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "Search is unavailable at the moment" in page.body and str(own_solr.port) not in page.body
    assert not in_database("during-outage-form")

    # Solr comes back without its index: the database and search disagree...
    own_solr.lose_index()
    own_solr.start()
    assert in_database(before["name"]) and found(own_solr, before["name"]) == 0
    assert call_action("package_search", q=f"name:{before['name']}")["count"] == 0

    # ... until the index is rebuilt from the database.
    # (``ckan search-index rebuild``, run here in the test's process, whose search uses the test's Solr)
    rebuilt = cli.invoke(search_index, ["rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert found(own_solr, before["name"]) == 1
    assert call_action("package_search", q=f"name:{before['name']}")["count"] == 1
    # Nothing of the failed creates came back with the rebuild, and creating works again.
    for name in ("during-outage-action", "during-outage-api", "during-outage-form"):
        assert found(own_solr, name) == 0
    again = call_action("package_create", **gdc_dataset("record", owner_org=org["id"], name="during-outage-action"))
    assert call_action("package_search", q=f"name:{again['name']}")["count"] == 1


# ============================================================ PostgreSQL ==

@pytest.fixture
def own_postgres(with_plugins, clean_db, migrate_db_for) -> Iterator[ThrowawayPostgres]:
    if not _pg_bindir():
        pytest.fail("PostgreSQL server binaries are needed (stack/stack.sh install)")
    migrate_db_for("provincial")
    ckan_model.Session.remove()
    cluster = ThrowawayPostgres()
    try:
        cluster.start(copy_of=toolkit.config["sqlalchemy.url"])
        yield cluster
    finally:
        cluster.remove()


PLAN_ROWS = 400


def plan_file(folder: str) -> str:
    rows = [["13", f"R-{n:04d}", f"ข้อมูลที่ต้องการ ลำดับ {n}", f"Needed data {n}", "", "", "", "ติดตามแผน", "",
             "ปี", "1", "อำเภอ", "สูง", "4.1", "แผนพัฒนาสถิติจังหวัด"] for n in range(1, PLAN_ROWS + 1)]
    path = os.path.join(folder, "plan.csv")
    with open(path, "wb") as out:
        out.write(plan_io.write_csv(plan_io.plan_header(), rows))
    return path


def requirement_rows(connection) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, title_th FROM provincial_requirement WHERE province_code = '13'")
        return dict(cursor.fetchall())


INSERT_REQUIREMENT = """
    INSERT INTO provincial_requirement (id, province_code, code, title_th, title_en, development_issue, sub_issue,
        agency, purpose, indicator, update_frequency_unit, update_frequency_interval, geo_level, priority, pmqa,
        source_plan, created, modified)
    VALUES (%s, '13', %s, %s, '', '', '', '', '', '', 'ปี', 1, '', '', '{}', '', now(), now())
"""


def test_postgresql_restarted_mid_import_writes_nothing_and_a_rerun_completes(own_postgres, tmp_path):
    cluster = own_postgres
    with cluster.connect() as setup, setup.cursor() as cursor:
        cursor.execute(INSERT_REQUIREMENT, (str(uuid.uuid4()), "R-0001", "ชื่อเดิม"))
    before = requirement_rows(cluster.connect())
    assert before == {"R-0001": "ชื่อเดิม"}
    path = plan_file(str(tmp_path))
    env = dict(os.environ, CKAN_SQLALCHEMY_URL=cluster.url)

    # An uncommitted row with the file's last code: the import's INSERT of that code waits for it.
    blocker = psycopg2.connect(cluster.url)
    with blocker.cursor() as cursor:
        cursor.execute(INSERT_REQUIREMENT, (str(uuid.uuid4()), f"R-{PLAN_ROWS:04d}", "กันไว้"))
        cursor.execute("SELECT pg_relation_size('provincial_requirement')")
        size_before = cursor.fetchone()[0]
    watcher = cluster.connect()

    importing = ckan_cli("provincial", "requirement", "import", path, "--province", "13", env=env, wait=False)
    try:
        def import_waiting():
            with watcher.cursor() as cursor:
                cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
                               "AND query ILIKE 'INSERT INTO provincial_requirement%%'", (cluster.database,))
                return cursor.fetchone() or importing.poll() is not None

        wait_until(import_waiting, timeout=90, interval=0.1, what="the import's INSERT")
        assert importing.poll() is None, importing.stdout.read()
        with watcher.cursor() as cursor:
            cursor.execute("SELECT pg_relation_size('provincial_requirement')")
            # The import's other rows are on disk, inside its open transaction.
            assert cursor.fetchone()[0] > size_before

        cluster.pg_ctl("-m", "fast", "restart")
        output, _ = importing.communicate(timeout=60)
    finally:
        if importing.poll() is None:
            importing.kill()
        for connection in (blocker, watcher):
            try:
                connection.close()
            except psycopg2.Error:
                pass

    assert importing.returncode != 0, output
    assert "nothing was imported" in output and "Traceback" not in output, output
    assert requirement_rows(cluster.connect()) == before  # rolled back, the blocker's row too

    rerun = ckan_cli("provincial", "requirement", "import", path, "--province", "13", env=env)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{PLAN_ROWS} rows: {PLAN_ROWS - 1} were added, 1 were updated, 0 unchanged" in rerun.stdout
    after = requirement_rows(cluster.connect())
    assert len(after) == PLAN_ROWS and after["R-0001"] == "ข้อมูลที่ต้องการ ลำดับ 1"
