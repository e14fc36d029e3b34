"""National harvesting: allow_harvest semantics, and real harvesters pulling from a running portal.

The live part starts the portal (``ckan run``) on a free loopback port against
the test database and Solr core, then pulls the whole catalogue twice, as the
national side would: with ckanapi (``package_search`` paging + ``package_show``)
and with ckanext-dcat's RDF parser reading ``/catalog.ttl`` page by page.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any, Iterator

import ckanapi
import pytest
import requests

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from tests.ckan_session import call_action
from ckanext.dcat.processors import RDFParser

from tests import ckan_session
from tests.factories import gdc_dataset, provincial_organization
from tests.live_portal import ROOT, LivePortal, write_ini

pytestmark = pytest.mark.integration

HARVESTER = "gdc-harvester"
PAGE = 3  # small pages, so every pull really pages

# What must never reach an anonymous client, and never the national side beyond metadata.
SECRET_TITLE = "ทะเบียนผู้ป่วยโรคเรื้อรัง (ลับ)"
LISTED_TITLE = "ทะเบียนสถานประกอบการ (เปิดเผยเฉพาะชื่อ)"
SECRET_URL = "http://internal.example/secret-patients.csv"
LISTED_URL = "http://internal.example/listed-factories.csv"

# Fields carried by standard terms elsewhere, or not part of a dataset's metadata.
NOT_COMPARED = {"owner_org"}


def provincial(**overrides) -> dict[str, Any]:
    values = {
        "province_code": "13", "district_codes": ["1301", "1302"], "subdistrict_codes": ["130101"],
        "pmqa": ["4.1", "4.2"], "development_issues": ["13-livable-industry-clean"],
        "requirement_codes": ["R-1"], "update_frequency_unit": "เดือน", "update_frequency_interval": "1",
        "data_category": "ข้อมูลสาธารณะ", "data_classification": "เปิดเผย",
        "tag_string": "อุตสาหกรรม,ปทุมธานี",
    }
    values.update(overrides)
    return values


def build_catalogue() -> dict[str, Any]:
    """Public datasets of every data type, two private ones, and the national harvester account."""
    call_action("provincial_vocabulary_sync")
    call_action("provincial_requirement_create", province_code="13", code="R-1",
                title_th="จำนวนโรงงานรายอำเภอ", title_en="Factories by district")
    org = provincial_organization()
    public = []
    for i, data_type in enumerate(("record", "statistics", "gis", "multiple", "other", "statistics", "record")):
        public.append(call_action("package_create", **gdc_dataset(
            data_type, owner_org=org["id"], name=f"public-{i}-13", title=f"ข้อมูลโรงงานอุตสาหกรรม ชุดที่ {i}",
            notes=f"รายละเอียดภาษาไทย ชุดที่ {i}: โรงงานในจังหวัดปทุมธานี",
            resources=[{"url": f"http://data.example/public-{i}.csv", "format": "CSV", "name": f"ไฟล์ {i}"}],
            **provincial())))
    secret = call_action("package_create", **gdc_dataset(
        "record", owner_org=org["id"], name="secret-13", title=SECRET_TITLE, private=True, allow_harvest="False",
        resources=[{"url": SECRET_URL, "format": "CSV", "name": "ผู้ป่วย"}], **provincial()))
    listed = call_action("package_create", **gdc_dataset(
        "record", owner_org=org["id"], name="listed-13", title=LISTED_TITLE, private=True, allow_harvest="True",
        url="http://internal.example/listed", resources=[{"url": LISTED_URL, "format": "CSV", "name": "สถานประกอบการ"}],
        **provincial()))
    harvester = factories.User(name=HARVESTER)
    token = call_action("api_token_create", {"user": HARVESTER}, user=HARVESTER, name="national")["token"]
    return {"org": org, "public": public, "secret": secret, "listed": listed, "harvester": harvester,
            "token": token}


@pytest.fixture(scope="module")
def catalogue(reset_db, reset_index, migrate_db_for):
    """One catalogue for the whole module (the live portal reads it from the database)."""
    ckan_session.ensure_plugins()
    reset_db()
    reset_index()
    migrate_db_for("provincial")
    built = build_catalogue()
    yield built


@pytest.fixture
def harvest_users(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.harvest.users", [HARVESTER])


# ------------------------------------------------- allow_harvest, in process --

def harvest_search(user: str | None = None, **params) -> dict[str, Any]:
    context = {"user": user, "ignore_auth": False} if user else {"user": "", "ignore_auth": False}
    return call_action("provincial_harvest_search", context, **params)


@pytest.mark.usefixtures("with_plugins", "harvest_users")
class TestAllowHarvest:

    def test_anonymous_clients_get_the_public_catalogue_only(self, catalogue):
        result = harvest_search(rows=100)
        names = {d["name"] for d in result["results"]}
        assert names == {d["name"] for d in catalogue["public"]}
        assert result["count"] == len(catalogue["public"])
        assert result["metadata_only_included"] is False

    def test_the_national_harvester_gets_metadata_only_records_of_consenting_private_datasets(self, catalogue):
        result = harvest_search(HARVESTER, rows=100)
        by_name = {d["name"]: d for d in result["results"]}

        assert result["metadata_only_included"] is True
        assert set(by_name) == {d["name"] for d in catalogue["public"]} | {"listed-13"}
        listed = by_name["listed-13"]
        assert listed["metadata_only"] is True
        assert listed["private"] is True
        assert listed["title"] == LISTED_TITLE
        assert listed["resources"] == [] and listed["num_resources"] == 0
        assert "url" not in listed and "extras" not in listed
        # Its metadata arrives whole.
        assert listed["data_category"] == "ข้อมูลสาธารณะ"
        assert listed["pmqa"] == ["4.1", "4.2"]
        assert {t["name"] for t in listed["tags"]} == {"อุตสาหกรรม", "ปทุมธานี"}
        assert LISTED_URL not in json.dumps(result, ensure_ascii=False)
        # Public datasets stay whole.
        public = by_name["public-0-13"]
        assert "metadata_only" not in public and len(public["resources"]) == 1

    def test_sysadmins_get_the_same_as_the_harvester(self, catalogue):
        admin = factories.Sysadmin()
        names = {d["name"] for d in harvest_search(admin["name"], rows=100)["results"]}
        assert "listed-13" in names and "secret-13" not in names

    def test_other_users_even_members_get_public_datasets_only(self, catalogue):
        member = factories.User()
        call_action("organization_member_create", id=catalogue["org"]["id"], username=member["name"], role="editor")
        result = harvest_search(member["name"], rows=100)
        names = {d["name"] for d in result["results"]}
        assert "listed-13" not in names and "secret-13" not in names
        assert result["metadata_only_included"] is False

    def test_a_private_dataset_without_consent_never_reaches_the_harvester(self, catalogue):
        everything = json.dumps(harvest_search(HARVESTER, rows=100), ensure_ascii=False)
        assert SECRET_TITLE not in everything and SECRET_URL not in everything
        with pytest.raises(toolkit.ObjectNotFound):
            call_action("provincial_harvest_show", {"user": HARVESTER, "ignore_auth": False}, id="secret-13")

    def test_harvest_show_gives_whole_public_and_metadata_only_private_records(self, catalogue):
        as_harvester = {"user": HARVESTER, "ignore_auth": False}
        listed = call_action("provincial_harvest_show", dict(as_harvester), id="listed-13")
        assert listed["metadata_only"] is True and listed["resources"] == []
        public = call_action("provincial_harvest_show", dict(as_harvester), id="public-1-13")
        assert public["resources"][0]["url"] == "http://data.example/public-1.csv"
        for name in ("listed-13", "secret-13", "no-such-dataset"):
            with pytest.raises(toolkit.ObjectNotFound):
                call_action("provincial_harvest_show", {"user": "", "ignore_auth": False}, id=name)

    def test_paging_visits_every_record_once(self, catalogue):
        seen, start = [], 0
        while True:
            page = harvest_search(HARVESTER, rows=2, start=start)
            seen.extend(d["name"] for d in page["results"])
            start += 2
            if start >= page["count"]:
                break
        assert len(seen) == len(set(seen)) == len(catalogue["public"]) + 1

    def test_modified_since_keeps_later_changes_only(self, catalogue):
        everything = harvest_search(rows=100)["results"]
        newest = max(everything, key=lambda d: d["metadata_modified"])
        later = harvest_search(rows=100, modified_since=newest["metadata_modified"])
        assert [d["name"] for d in later["results"]] == [newest["name"]]

    def test_a_page_larger_than_the_limit_is_refused(self, catalogue):
        with pytest.raises(toolkit.ValidationError) as error:
            harvest_search(rows=int(toolkit.config.get("ckan.search.rows_max") or 1000) + 1)
        assert "rows" in error.value.error_dict


ANONYMOUS_PAGES = [
    "/api/3/action/package_search?rows=1000&include_private=true",
    "/api/3/action/package_search?q=ลับ",
    "/api/3/action/package_show?id=secret-13",
    "/api/3/action/package_show?id=listed-13",
    "/api/3/action/provincial_harvest_search?rows=1000",
    "/api/3/action/provincial_harvest_show?id=listed-13",
    "/api/3/action/current_package_list_with_resources",
    "/api/3/action/package_list",
    "/catalog.ttl", "/catalog.jsonld", "/catalog.rdf", "/dcat.json",
    "/dataset/secret-13.ttl", "/dataset/listed-13.jsonld", "/dataset/secret-13", "/dataset/listed-13",
    "/dataset/", "/organization/",
]


@pytest.mark.usefixtures("with_plugins", "harvest_users")
@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_private_datasets_appear_nowhere_for_anonymous_clients(app, catalogue, url):
    response = app.get(url)
    assert response.status_code < 500
    for secret in (SECRET_TITLE, LISTED_TITLE, SECRET_URL, LISTED_URL, "secret-13", "listed-13"):
        if secret in url:
            continue  # the requested name itself is echoed back (error message, language links)
        assert secret not in response.body, (url, secret)


# ------------------------------------------------------- the live portal --

@pytest.fixture(scope="module")
def portal(catalogue) -> Iterator[LivePortal]:
    live = LivePortal("harvest", {
        "ckanext.dcat.datasets_per_page": str(PAGE),
        "ckanext.provincial.harvest.users": HARVESTER,
    }).start()
    yield live
    live.stop()


def pull_with_ckanapi(remote: ckanapi.RemoteCKAN, rows: int = PAGE) -> dict[str, dict]:
    """What the national harvester does: page through package_search, then package_show each dataset."""
    names, start = [], 0
    while True:
        page = remote.action.package_search(q="*:*", rows=rows, start=start, sort="id asc")
        names.extend(d["name"] for d in page["results"])
        start += rows
        if start >= page["count"]:
            break
    assert len(names) == len(set(names))
    return {name: remote.action.package_show(id=name) for name in names}


def pull_with_rdf_parser(url: str) -> dict[str, dict]:
    """What a DCAT harvester does: parse /catalog.ttl and follow hydra:next to the last page."""
    found, pages = {}, 0
    while url:
        response = requests.get(url, timeout=30)
        assert response.status_code == 200, response.text[:500]
        parser = RDFParser()
        parser.parse(response.text, _format="turtle")
        for dataset in parser.datasets():
            assert dataset["name"] not in found
            found[dataset["name"]] = dataset
        url = parser.next_page()
        pages += 1
        assert pages < 50
    return found


def gdc_field_names() -> tuple[list[str], list[str]]:
    schema = call_action("scheming_dataset_schema_show", type="dataset")
    return ([f["field_name"] for f in schema["dataset_fields"] if f["field_name"] not in NOT_COMPARED],
            [f["field_name"] for f in schema["resource_fields"]])


def comparable(value: Any) -> Any:
    return None if value in ("", [], None) else value


def assert_same_metadata(original: dict, harvested: dict, dataset_fields: list[str], via: str) -> int:
    compared = 0
    for field in dataset_fields:
        if field == "tag_string":
            assert sorted(t["name"] for t in harvested["tags"]) == sorted(t["name"] for t in original["tags"])
            continue
        if comparable(original.get(field)) is None:
            continue
        assert harvested.get(field) == original[field], (via, original["name"], field)
        compared += 1
    return compared


@pytest.mark.usefixtures("with_plugins")
def test_status_show_of_the_running_portal_says_what_it_is(portal):
    status = ckanapi.RemoteCKAN(portal.url).action.status_show()
    assert status["thaigdc_catalog_type"] == "area_based"
    assert status["thaigdc_version"]
    assert "dcat" in status["extensions"]


@pytest.mark.usefixtures("with_plugins")
def test_ckanapi_pulls_the_whole_public_catalogue_unchanged(portal, catalogue):
    pulled = pull_with_ckanapi(ckanapi.RemoteCKAN(portal.url))

    assert set(pulled) == {d["name"] for d in catalogue["public"]}
    dataset_fields, resource_fields = gdc_field_names()
    for name, harvested in pulled.items():
        original = call_action("package_show", id=name)
        assert assert_same_metadata(original, harvested, dataset_fields, "ckanapi") >= 15
        assert len(harvested["resources"]) == len(original["resources"])
        for theirs, ours in zip(harvested["resources"], original["resources"]):
            for field in resource_fields:
                assert theirs.get(field) == ours.get(field), (name, field)
    # Thai text intact, byte for byte.
    assert pulled["public-2-13"]["title"] == "ข้อมูลโรงงานอุตสาหกรรม ชุดที่ 2"
    assert pulled["public-2-13"]["notes"] == "รายละเอียดภาษาไทย ชุดที่ 2: โรงงานในจังหวัดปทุมธานี"


@pytest.mark.usefixtures("with_plugins")
def test_ckanapi_leaks_nothing_private_to_an_anonymous_harvester(portal, catalogue):
    remote = ckanapi.RemoteCKAN(portal.url)
    everything = json.dumps(pull_with_ckanapi(remote), ensure_ascii=False)
    everything += json.dumps(remote.action.package_search(rows=1000, include_private=True), ensure_ascii=False)
    for secret in (SECRET_TITLE, LISTED_TITLE, SECRET_URL, LISTED_URL):
        assert secret not in everything
    for name in ("secret-13", "listed-13"):
        with pytest.raises((ckanapi.NotAuthorized, ckanapi.NotFound)):
            remote.action.package_show(id=name)


@pytest.mark.usefixtures("with_plugins")
def test_the_national_harvester_token_adds_metadata_only_records(portal, catalogue):
    remote = ckanapi.RemoteCKAN(portal.url, apikey=catalogue["token"])
    records, start = {}, 0
    while True:
        page = remote.action.provincial_harvest_search(rows=PAGE, start=start)
        records.update({d["name"]: d for d in page["results"]})
        start += PAGE
        if start >= page["count"]:
            break
    assert set(records) == {d["name"] for d in catalogue["public"]} | {"listed-13"}
    listed = records["listed-13"]
    assert listed["metadata_only"] is True and listed["title"] == LISTED_TITLE
    assert listed["resources"] == []
    dumped = json.dumps(records, ensure_ascii=False)
    assert LISTED_URL not in dumped and SECRET_TITLE not in dumped and SECRET_URL not in dumped
    with pytest.raises(ckanapi.NotFound):
        remote.action.provincial_harvest_show(id="secret-13")


@pytest.mark.usefixtures("with_plugins")
def test_the_dcat_parser_pulls_every_page_with_the_same_values(portal, catalogue):
    pulled = pull_with_rdf_parser(portal.url + "/catalog.ttl")

    assert set(pulled) == {d["name"] for d in catalogue["public"]}
    assert len(pulled) > PAGE  # it really followed hydra:next
    dataset_fields, _resource_fields = gdc_field_names()
    for name, harvested in pulled.items():
        original = call_action("package_show", id=name)
        assert assert_same_metadata(original, harvested, dataset_fields, "dcat") >= 15
        assert {r["url"] for r in harvested["resources"]} == {r["url"] for r in original["resources"]}
        assert {r["name"] for r in harvested["resources"]} == {r["name"] for r in original["resources"]}
    assert pulled["public-2-13"]["title"] == "ข้อมูลโรงงานอุตสาหกรรม ชุดที่ 2"


@pytest.mark.usefixtures("with_plugins")
def test_the_dcat_catalogue_leaks_nothing_private(portal, catalogue):
    url, bodies = portal.url + "/catalog.ttl", []
    while url:
        response = requests.get(url, timeout=30)
        bodies.append(response.text)
        parser = RDFParser()
        parser.parse(response.text, _format="turtle")
        url = parser.next_page()
    for fmt in ("jsonld", "rdf"):
        bodies.append(requests.get(f"{portal.url}/catalog.{fmt}", timeout=30).text)
    bodies.append(requests.get(portal.url + "/dcat.json", timeout=30).text)
    everything = "\n".join(bodies)
    for secret in (SECRET_TITLE, LISTED_TITLE, SECRET_URL, LISTED_URL, "secret-13", "listed-13"):
        assert secret not in everything


# ------------------------------------------- ckanext-harvest, a second site --

@pytest.fixture(scope="module")
def second_site(portal):
    """A second portal (own database, own site id, same Solr core) that harvests the first with
    ckanext-harvest's CKAN harvester; what it imported."""
    import sqlalchemy as sa
    from ckan.lib.search.common import make_connection

    url = sa.engine.make_url(toolkit.config["sqlalchemy.url"])
    database = f"{url.database}_second"
    site_id = f"{toolkit.config['ckan.site_id']}_second"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    folder = tempfile.mkdtemp(prefix="provincial-second-site-")
    ini, output = os.path.join(folder, "second.ini"), os.path.join(folder, "harvested.json")
    plugins = toolkit.config["ckan.plugins"]
    plugins = " ".join(plugins) if isinstance(plugins, (list, tuple)) else plugins
    write_ini(ini, {
        "ckan.plugins": f"{plugins} harvest ckan_harvester",
        "ckan.site_url": "http://127.0.0.1:9",
        "ckan.storage_path": os.path.join(folder, "storage"),
    })
    env = dict(os.environ, CKAN_SQLALCHEMY_URL=url.set(database=database).render_as_string(hide_password=False),
               CKAN_SITE_ID=site_id)
    try:
        run = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "second_site.py"), ini, portal.url, output],
                             env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stderr[-6000:]
        with open(output, encoding="utf-8") as handle:
            yield json.load(handle)
    finally:
        solr = make_connection()
        solr.delete(q=f'site_id:"{site_id}"')
        solr.commit()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}"'))
        admin.dispose()


@pytest.mark.usefixtures("with_plugins")
def test_ckanext_harvest_brings_the_public_catalogue_into_a_second_site_unchanged(second_site, catalogue):
    assert second_site["gather_errors"] == []
    assert [o for o in second_site["objects"] if o["errors"]] == []
    harvested = second_site["datasets"]
    assert set(harvested) == {d["name"] for d in catalogue["public"]}

    dataset_fields, resource_fields = gdc_field_names()
    for name, theirs in harvested.items():
        ours = call_action("package_show", id=name)
        assert assert_same_metadata(ours, theirs, dataset_fields, "ckanext-harvest") >= 15
        for their_resource, our_resource in zip(theirs["resources"], ours["resources"]):
            for field in resource_fields:
                assert their_resource.get(field) == our_resource.get(field), (name, field)
    assert harvested["public-3-13"]["title"] == "ข้อมูลโรงงานอุตสาหกรรม ชุดที่ 3"
    everything = json.dumps(second_site, ensure_ascii=False)
    for secret in (SECRET_TITLE, LISTED_TITLE, SECRET_URL, LISTED_URL):
        assert secret not in everything
