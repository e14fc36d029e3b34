"""Faults of the services under the portal, caused for real (no mocks).

Solr stopped during a dataset create: the test starts its own Solr (stack/solr.sh
on a free port, its own Solr home), points CKAN's search at it, then really
stops that process. CKAN indexes a dataset in the database session's
``before_commit`` hook, so when Solr cannot be reached the commit never happens:
``package_create`` raises ``SearchIndexError``, the API answers a JSON error of
type "Search Index Error" naming the unreachable Solr, the dataset form shows
"Unable to add package to search index", and the database holds nothing of the
dataset. When Solr comes back without its index (a lost volume), search and the
database disagree until ``ckan search-index rebuild`` runs.

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

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
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
from tests.live_portal import free_port
from tests.factories import gdc_dataset, provincial_organization

pytestmark = [pytest.mark.integration, pytest.mark.faults]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CKAN = os.path.join(os.path.dirname(sys.executable), "ckan")
SOLR_SH = os.path.join(ROOT, "stack", "solr.sh")


def ckan_cli(*args: str, env: dict[str, str], timeout: float = 120, wait: bool = True):
    command = [CKAN, "-c", toolkit.config["__file__"], *args]
    if not wait:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


# ================================================================== Solr ==

def _stack_solr_lib() -> str | None:
    """The Solr jars the stack already fetched (stack/solr.sh fetch), if any."""
    for stack_dir in (os.environ.get("STACK_DIR"), os.path.join(ROOT, ".stack")):
        lib = os.path.join(stack_dir or "", "solr", "lib")
        if stack_dir and os.path.isfile(os.path.join(lib, ".pom.sha256")) and glob.glob(os.path.join(lib, "solr-core-*.jar")):
            return lib
    return None


class ThrowawaySolr:
    """A Solr 9 of this test only, with one core (ckan_test) on a free port.

    Started as stack/solr.sh starts the stack's Solr (solr/Launcher.java on the
    jars of solr/pom.xml), but with the launcher compiled once and the JVM's
    quick compiler only, which halves the start-up time of a short-lived Solr.
    """

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="provincial-solr-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/solr/ckan_test"
        self.home = os.path.join(self.folder, "home")
        self.log_path = os.path.join(self.folder, "console.log")
        self.process: subprocess.Popen | None = None
        self.lib = _stack_solr_lib()
        if not self.lib:  # the stack has not fetched the jars: fetch them here
            fetch = subprocess.run(["bash", SOLR_SH, "fetch"], env=dict(os.environ, STACK_DIR=self.folder),
                                   capture_output=True, text=True, timeout=600)
            if fetch.returncode != 0:
                raise RuntimeError("stack/solr.sh fetch failed:\n" + fetch.stdout + fetch.stderr)
            self.lib = os.path.join(self.folder, "solr", "lib")
        core = os.path.join(self.home, "ckan_test")
        shutil.copytree(os.path.join(ROOT, "solr", "conf"), os.path.join(core, "conf"))
        with open(os.path.join(core, "core.properties"), "w") as props:
            props.write("name=ckan_test\n")
        with open(os.path.join(self.home, "solr.xml"), "w") as solr_xml:
            solr_xml.write('<?xml version="1.0" encoding="UTF-8" ?>\n<solr></solr>\n')
        self.classes = self._compiled_launcher()

    def _compiled_launcher(self) -> str:
        """solr/Launcher.java compiled once per version of it and of the jars (kept in the temp folder)."""
        source = os.path.join(ROOT, "solr", "Launcher.java")
        with open(source, "rb") as launcher, open(os.path.join(self.lib, ".pom.sha256"), "rb") as pin:
            key = hashlib.sha256(launcher.read() + pin.read()).hexdigest()[:16]
        classes = os.path.join(tempfile.gettempdir(), f"ckanext-provincial-solr-launcher-{key}")
        if not os.path.isfile(os.path.join(classes, "Launcher.class")):
            building = tempfile.mkdtemp(prefix="solr-launcher-")
            javac = subprocess.run(["javac", "-cp", os.path.join(self.lib, "*"), "-d", building, source],
                                   capture_output=True, text=True, timeout=120)
            if javac.returncode != 0:
                raise RuntimeError("javac solr/Launcher.java failed:\n" + javac.stderr)
            try:
                os.rename(building, classes)
            except OSError:  # another run compiled it meanwhile
                shutil.rmtree(building, ignore_errors=True)
        return classes

    def launch(self) -> None:
        self.process = subprocess.Popen(
            ["java", "-Xmx512m", "-XX:TieredStopAtLevel=1", f"-Dsolr.log.dir={self.folder}",
             f"-Dlog4j2.configurationFile={os.path.join(ROOT, 'solr', 'log4j2.xml')}",
             "-cp", f"{self.classes}:{os.path.join(self.lib, '*')}", "Launcher", self.home, str(self.port)],
            stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the test's Solr exited:\n" + self.log())
            try:
                if requests.get(self.url + "/admin/ping", timeout=5).ok:
                    return
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still loading the core
                pass
            time.sleep(0.2)
        raise RuntimeError("the test's Solr did not answer:\n" + self.log())

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def stop(self) -> None:
        """SIGTERM, as stack/solr.sh stop does: Solr commits and closes its core."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def running(self) -> bool:
        return bool(self.process) and self.process.poll() is None

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-4000:]

    def lose_index(self) -> None:
        """What a Solr restarted on a new, empty volume has: no documents."""
        shutil.rmtree(os.path.join(self.home, "ckan_test", "data"), ignore_errors=True)

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


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

    # The API: a JSON error with its type and a message naming Solr, not an HTML page.
    response = app.post("/api/3/action/package_create", headers={"Authorization": admin["token"]},
                        json=gdc_dataset("record", owner_org=org["id"], name="during-outage-api"))
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json["error"]
    assert response.json["success"] is False and error["__type"] == "Search Index Error"
    assert error["message"].startswith("Unable to add package to search index: Solr returned an error: Failed to connect")
    assert not in_database("during-outage-api")

    # The dataset form (first stage, which saves a draft): CKAN's error page with the reason.
    form = {k: v for k, v in gdc_dataset("gis", owner_org=org["id"], name="during-outage-form").items() if k != "resources"}
    form["save"] = "go-resources"
    page = app.post("/dataset/new", headers={"Authorization": admin["token"]}, data=form)
    assert page.status_code == 500
    assert "Unable to add package to search index" in page.body
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

def _pg_bindir() -> str | None:
    found_dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    return found_dirs[-1] if found_dirs else None


class ThrowawayPostgres:
    """A PostgreSQL cluster of this test only, as stack/stack.sh pg_start makes one."""

    def __init__(self):
        self.bin = _pg_bindir()
        self.folder = tempfile.mkdtemp(prefix="provincial-pg-")
        self.data = os.path.join(self.folder, "data")
        self.port = free_port()
        self.database = "ckan_fault"
        self.url = f"postgresql://ckan:ckan@127.0.0.1:{self.port}/{self.database}"
        self.as_owner: list[str] = []
        if os.getuid() == 0:  # initdb and pg_ctl refuse to run as root
            self.as_owner = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *command: str, stdin: str | None = None) -> str:
        done = subprocess.run([*self.as_owner, *command], input=stdin, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def pg_ctl(self, *args: str) -> None:
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.folder, "postgresql.log"),
                  "-w", "-t", "60", "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off",
                  *args)

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._run(os.path.join(self.bin, "psql"), "-h", self.data, "-p", str(self.port), "-U", "postgres",
                         "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-f", "-", stdin=sql)

    def start(self, copy_of: str) -> None:
        """initdb, start, and a copy of the database at ``copy_of`` (schema and rows) owned by ckan."""
        self._run(os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256", "-N")
        self.pg_ctl("start")
        self.psql(f"CREATE ROLE ckan LOGIN PASSWORD 'ckan'; "
                  f"CREATE DATABASE {self.database} OWNER ckan ENCODING 'UTF8' TEMPLATE template0;")
        dump = subprocess.run([os.path.join(self.bin, "pg_dump"), "--no-owner", "--no-privileges", copy_of],
                              capture_output=True, text=True, timeout=120)
        if dump.returncode != 0:
            raise RuntimeError("pg_dump of the test database failed:\n" + dump.stderr)
        self.psql("SET ROLE ckan;\n" + dump.stdout, database=self.database)

    def connect(self):
        connection = psycopg2.connect(self.url)
        connection.autocommit = True
        return connection

    def remove(self) -> None:
        try:
            if os.path.exists(os.path.join(self.data, "postmaster.pid")):
                self.pg_ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


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
