"""The home page: the province, its figures (equal to the actions' answers), links, recent datasets.

The figures are checked against the actions called as an anonymous visitor: the page is the same for
everyone and must never count or list a private dataset.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import thai_dates
from ckanext.provincial.helpers import home as home_helpers
from tests import ckan_session
from tests.factories import gdc_dataset, provincial_organization
from tests.gap_support import days_ago

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("with_plugins")]

PRIVATE_TITLE = "HOMEPRIV ข้อมูลภายในหน่วยงาน"
ANONYMOUS = {"user": "", "ignore_auth": False}
BANGKOK = ZoneInfo("Asia/Bangkok")


def page(body: str) -> BeautifulSoup:
    return BeautifulSoup(body, "html.parser")


def figures(body: str) -> dict[str, str]:
    return {node["data-figure"]: node["data-value"] for node in page(body).select("[data-figure]")}


def text_of(body: str, selector: str) -> str:
    node = page(body).select_one(selector)
    assert node is not None, f"{selector} is not on the page"
    return " ".join(node.get_text(" ").split())


def public_search(**params) -> dict:
    return call_action("package_search", dict(ANONYMOUS), q="*:*", rows=1000,
                       **{"facet.field": ["organization"], "facet.limit": -1}, **params)


@pytest.fixture(scope="class")
def catalogue(reset_db, reset_index, migrate_db_for):
    """Pathum Thani: synced issues, a plan of three, two public datasets and a private one of its own agency.

    Built once for the tests of ``TestWithACatalogue``, which only read it.
    """
    ckan_session.ensure_plugins()
    reset_db()
    reset_index()
    migrate_db_for("provincial")
    call_action("provincial_vocabulary_sync", {"user": factories.Sysadmin()["name"], "ignore_auth": False})
    org = provincial_organization(title="สำนักงานสถิติจังหวัดปทุมธานี")
    secret_org = provincial_organization(title="หน่วยงานที่มีแต่ข้อมูลปิด")
    call_action("provincial_requirement_create", province_code="13", code="R-1", title_th="โรงงาน", priority="high")
    call_action("provincial_requirement_create", province_code="13", code="R-2", title_th="ขยะ")
    call_action("provincial_requirement_create", province_code="13", code="R-3", title_th="ผู้ป่วย")
    call_action("provincial_requirement_create", province_code="19", code="S-1", title_th="ท่องเที่ยว")
    common = {"last_updated_date": days_ago(5)}
    first = call_action("package_create", **gdc_dataset(
        "statistics", owner_org=org["id"], name="home-factories", title="โรงงานทั้งหมด", requirement_codes=["R-1"],
        development_issues=["13-livable-industry-clean"], pmqa=["4.1"], **common))
    second = call_action("package_create", **gdc_dataset(
        "statistics", owner_org=org["id"], name="home-waste", title="ขยะมูลฝอย", pmqa=["4.1"], **common))
    private = call_action("package_create", **gdc_dataset(
        "statistics", owner_org=secret_org["id"], name="home-secret", title=PRIVATE_TITLE, private=True,
        requirement_codes=["R-3"], development_issues=["13-livable-industry-clean"], pmqa=["4.1"], **common))
    saraburi = call_action("package_create", **gdc_dataset(
        "statistics", owner_org=provincial_organization(province_code="19")["id"], name="home-saraburi",
        title="นักท่องเที่ยวสระบุรี", province_code="19", **common))
    return {"org": org, "secret_org": secret_org, "public": [first, second], "private": private, "other": saraburi}


@pytest.fixture
def pathum_thani(ckan_config, monkeypatch):
    """A portal of Pathum Thani (set before the ``app`` fixture builds the app)."""
    monkeypatch.setitem(ckan_config, "ckanext.provincial.province_code", "13")


@pytest.fixture
def operator_intro(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckan.site_intro_text", "**Operator's own words** about the portal")


class TestWithACatalogue:
    """The home page over one catalogue, built once for the class."""

    def test_thai_and_english_home_name_the_province_and_show_the_actions_figures(self, pathum_thani, app, catalogue):
        thai = app.get("/th/")
        english = app.get("/en/")
        assert thai.status_code == english.status_code == 200

        assert text_of(thai.body, "h1.page-heading") == "จังหวัดปทุมธานี"
        assert text_of(english.body, "h1.page-heading") == "Pathum Thani Province"
        # Our default introduction, translated; never CKAN's stock welcome.
        assert "ระบบฐานข้อมูลการบริหารงานจังหวัดแบบบูรณาการ" in thai.body
        assert "TO BE" in english.body and "AS IS" in english.body
        assert text_of(thai.body, ".provincial-home-search h2") == "ค้นหาข้อมูล"
        for body in (thai.body, english.body):
            assert "Welcome to CKAN" not in body
            assert "This is a nice introductory paragraph" not in body

        # A province's portal counts the province's datasets (a portal may hold others, as the demo does).
        search = public_search(fq='province_code:"13"')
        assert public_search()["count"] == 3
        summary = call_action("provincial_gap_summary", dict(ANONYMOUS), province_codes=["13"])["provinces"][0]
        for body in (thai.body, english.body):
            found = figures(body)
            assert int(found["datasets"]) == search["count"] == 2
            assert int(found["agencies"]) == len(search["search_facets"]["organization"]["items"]) == 1
            assert int(found["requirements"]) == summary["total"] == 3
            assert float(found["coverage"]) == summary["coverage"]
            assert float(found["readiness"]) == summary["readiness"]
            assert "provinces" not in found  # one province: no province count
        assert summary["coverage"] == pytest.approx(33.3)

        # Links: the province's gap, the plan, its development issues, the PMQA facet.
        links = [a["href"] for a in page(english.body).select("a[href]")]
        assert "/en/gap/13" in links
        assert "/en/requirement/" in links
        assert "/en/development-issue/" in links
        assert "/en/development-issue/13-livable-industry" in links
        assert "/en/development-issue/13-livable-industry-clean" in links
        assert any(link.startswith("/en/dataset/") and "vocab_pmqa=4.1" in link for link in links)
        # Issue and PMQA counts are of public datasets only.
        assert text_of(english.body, '[data-issue="13-livable-industry-clean"] .badge') == "1"
        assert text_of(english.body, '[data-pmqa="4.1"] .badge') == "2"
        assert text_of(english.body, '[data-pmqa="4.1"] a') == "4.1 Measurement, analysis and improvement of organisational performance"
        assert text_of(thai.body, '[data-issue="13-livable-industry"] > a') == "เมืองน่าอยู่คู่อุตสาหกรรม"
        assert text_of(english.body, '[data-issue="13-livable-industry"] > a') == "A livable city alongside industry"

    def test_recent_datasets_with_thai_dates(self, pathum_thani, app, catalogue):
        thai = app.get("/th/").body
        english = app.get("/en/").body
        shown = [node["data-dataset"] for node in page(thai).select(".provincial-home-recent [data-dataset]")]
        assert shown == ["home-waste", "home-factories"]  # newest first
        modified = call_action("package_show", id="home-waste")["metadata_modified"]  # naive UTC
        day = dt.datetime.fromisoformat(modified).replace(tzinfo=dt.timezone.utc).astimezone(BANGKOK).date()
        assert thai_dates.format_thai(day) in text_of(thai, '[data-dataset="home-waste"]')
        assert day.isoformat() in text_of(english, '[data-dataset="home-waste"]')

    def test_private_dataset_is_neither_counted_nor_listed(self, pathum_thani, app, catalogue):
        private = catalogue["private"]
        sysadmin = factories.SysadminWithToken()
        anonymous = app.get("/en/").body
        # Even a sysadmin gets the public page: the home page is the same for everyone.
        as_sysadmin = app.get("/en/", headers={"Authorization": sysadmin["token"]}).body
        for body in (anonymous, as_sysadmin):
            assert PRIVATE_TITLE not in body
            assert private["name"] not in body and private["id"] not in body
            assert catalogue["secret_org"]["title"] not in body
            found = figures(body)
            assert found["datasets"] == "2"
            assert found["agencies"] == "1"  # the agency with only a private dataset publishes nothing
        # The private dataset exists and would be counted by a search that includes it.
        assert call_action("package_search", q="*:*", fq='province_code:"13"', include_private=True)["count"] == 3

    def test_the_operator_intro_replaces_ours(self, pathum_thani, operator_intro, app, catalogue):
        body = app.get("/en/").body
        assert "<strong>Operator's own words</strong>" in body
        assert "TO BE" not in text_of(body, ".provincial-home-intro-text")
        assert text_of(body, "h1.page-heading") == "Pathum Thani Province"

    def test_national_portal_lists_the_provinces_of_the_plan(self, app, catalogue):
        english = app.get("/en/")
        thai = app.get("/th/")
        assert english.status_code == thai.status_code == 200
        assert text_of(english.body, "h1.page-heading") == "Integrated provincial administration database"
        assert "Welcome to CKAN" not in english.body

        summary = call_action("provincial_gap_summary", dict(ANONYMOUS))
        rows = page(english.body).select(".provincial-home-provinces tr[data-province]")
        assert [row["data-province"] for row in rows] == [p["province_code"] for p in summary["provinces"]] == ["13", "19"]
        assert [" ".join(row.th.get_text().split()) for row in rows] == ["Pathum Thani", "Saraburi"]
        assert text_of(thai.body, '.provincial-home-provinces tr[data-province="19"] th') == "สระบุรี"
        found = figures(english.body)
        assert int(found["provinces"]) == 2
        assert int(found["requirements"]) == summary["national"]["total"] == 4
        assert float(found["coverage"]) == summary["national"]["coverage"]
        assert float(found["readiness"]) == summary["national"]["readiness"]
        links = [a["href"] for a in page(english.body).select("a[href]")]
        assert "/en/gap/" in links and "/en/gap/19" in links
        assert "/en/requirement/?province_code=19" in links
        assert page(english.body).select(".provincial-home-issues") == []

    def test_a_code_that_is_no_province_falls_back_to_the_national_page(self, ckan_config, monkeypatch, app, catalogue):
        monkeypatch.setitem(ckan_config, "ckanext.provincial.province_code", "99")
        body = app.get("/en/").body
        assert text_of(body, "h1.page-heading") == "Integrated provincial administration database"
        assert [row["data-province"] for row in page(body).select(".provincial-home-provinces tr[data-province]")] == ["13", "19"]


def test_a_dataset_changed_late_in_the_utc_day_shows_the_thai_day():
    assert home_helpers.local_day("2024-01-31T17:30:00.123456") == "2024-02-01"  # 00:30 in Bangkok
    assert home_helpers.local_day("2024-01-31T16:59:59") == "2024-01-31"
    assert home_helpers.local_day("") == ""


def test_empty_portal_renders(plan_tables, clean_index, pathum_thani, app):
    # clean_db (by plan_tables): the test needs a portal with nothing in it.
    for url in ("/th/", "/en/"):
        response = app.get(url)
        assert response.status_code == 200
        assert "Welcome to CKAN" not in response.body
        found = figures(response.body)
        assert found["datasets"] == "0" and found["agencies"] == "0"
        assert found["requirements"] == "0" and float(found["coverage"]) == 0.0
        assert page(response.body).select(".provincial-home-recent [data-dataset]") == []
    english = app.get("/en/").body
    assert "No public datasets yet." in english
    assert "No development issues yet." in english
    assert "No requirement plan yet" in english
    assert "ยังไม่มีชุดข้อมูลสาธารณะ" in app.get("/th/").body


def test_national_portal_without_any_plan(plan_tables, clean_index, app):
    # clean_db (by plan_tables): the test needs a portal with no plan.
    body = app.get("/en/").body
    assert "No province has a requirement plan yet." in body
    assert figures(body)["requirements"] == "0"
