"""Thai first: the pages speak Thai under /th/ and English under /en/, from the extension's catalog.

The labels asserted here come from three places: the compiled catalog of the
extension (i18n/th/LC_MESSAGES/ckanext-provincial.mo, through ITranslation), the
scheming YAML ({th, en}) and the Thai date helper. A missing or stale .mo makes
the Thai assertions fail while the English ones still pass.
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import thai_dates
from tests.factories import gdc_dataset, provincial_organization

pytestmark = pytest.mark.integration


def headers(user) -> dict:
    return {"Authorization": user["token"]}


def chart_data(body: str) -> dict:
    return json.loads(BeautifulSoup(body, "html.parser").select_one("script#provincial-gap-data").string)


def text_of(body: str, selector: str) -> str:
    node = BeautifulSoup(body, "html.parser").select_one(selector)
    assert node is not None, f"{selector} is not on the page"
    return " ".join(node.get_text(" ").split())


@pytest.fixture
def issue_dataset(with_plugins, clean_db, clean_index):
    """A dataset of Pathum Thani with a development issue, a PMQA item and a date to show."""
    call_action("provincial_vocabulary_sync", {"user": factories.Sysadmin()["name"], "ignore_auth": False})
    org = provincial_organization()
    return call_action("package_create", **gdc_dataset(
        "statistics", owner_org=org["id"], last_updated_date="2023-05-19",
        development_issues=["13-livable-industry-clean"], pmqa=["4.1"]))


# ---------------------------------------------------------- dataset page --

def test_dataset_page_in_thai_and_in_english(app, issue_dataset):
    name = issue_dataset["name"]

    thai = app.get(f"/th/dataset/{name}").body
    english = app.get(f"/en/dataset/{name}").body

    # The extension's own template strings, from its catalog.
    assert text_of(thai, ".provincial-issue-badges strong") == "ประเด็นการพัฒนา"
    assert text_of(english, ".provincial-issue-badges strong") == "Development issues"
    # A kind translated in Python (toolkit._ of a N_ label) reaches the page too.
    assert 'title="ประเด็นย่อย"' in thai and 'title="Sub-issue"' in english
    # Scheming labels and choices in both languages.
    assert text_of(thai, "#provincial-info-data_type th") == "ประเภทชุดข้อมูล"
    assert text_of(thai, "#provincial-info-data_type td") == "ข้อมูลสถิติ"
    assert text_of(english, "#provincial-info-data_type th") == "Data type"
    assert text_of(english, "#provincial-info-data_type td") == "Statistical data"
    assert text_of(thai, "#provincial-info-data_format td") == "CSV"
    # The issue's name in the page's language.
    assert "เมืองสะอาด" in text_of(thai, ".provincial-issue-badges")
    assert "Clean city" in text_of(english, ".provincial-issue-badges")


def test_buddhist_era_date_on_the_thai_page_while_the_stored_value_stays_iso(app, issue_dataset):
    name = issue_dataset["name"]

    thai = app.get(f"/th/dataset/{name}").body
    english = app.get(f"/en/dataset/{name}").body

    assert text_of(thai, "#provincial-info-last_updated_date th") == "วันที่ปรับปรุงข้อมูลล่าสุด"
    assert '<time datetime="2023-05-19">19 พฤษภาคม 2566</time>' in thai
    assert '<time datetime="2023-05-19">2023-05-19</time>' in english
    assert "2566" not in text_of(english, "#provincial-info-last_updated_date")
    assert call_action("package_show", id=name)["last_updated_date"] == "2023-05-19"


def test_language_switch_links_to_the_same_page_in_each_language(app, issue_dataset):
    name = issue_dataset["name"]

    for prefix, current in (("/th", "th"), ("/en", "en")):
        page = BeautifulSoup(app.get(f"{prefix}/dataset/{name}").body, "html.parser")
        nav = page.select_one("nav.provincial-language-switch-nav")
        assert nav is not None
        links = {a["hreflang"]: a for a in nav.select("a[hreflang]")}
        assert set(links) == {"th", "en"}
        assert links["th"].get_text(strip=True) == "ไทย"
        assert links["en"].get_text(strip=True) == "English"
        assert links["th"]["href"] == f"/th/dataset/{name}"
        assert links["en"]["href"] == f"/en/dataset/{name}"
        assert links[current].get("aria-current") == "true"
        assert nav["aria-label"] == ("ภาษา" if current == "th" else "Language")


@pytest.fixture
def thai_default(ckan_config, monkeypatch):
    """The portal's configuration: Thai by default (set before the app is made)."""
    monkeypatch.setitem(ckan_config, "ckan.locale_default", "th")


def test_thai_is_the_language_without_a_prefix_when_it_is_the_default(thai_default, app, issue_dataset):
    body = app.get(f"/dataset/{issue_dataset['name']}").body

    assert BeautifulSoup(body, "html.parser").select_one("html")["lang"] == "th"
    assert text_of(body, ".provincial-issue-badges strong") == "ประเด็นการพัฒนา"
    assert "19 พฤษภาคม 2566" in body


# -------------------------------------------------------------- gap page --

@pytest.fixture
def plan(plan_tables, clean_index):
    org = provincial_organization(name="pathum-stat")
    call_action("provincial_requirement_create", province_code="13", code="R-1", title_th="จำนวนโรงงาน",
                title_en="Factories", development_issue="13-livable-industry", agency="pathum-stat",
                priority="high")
    call_action("provincial_requirement_create", province_code="13", code="R-2", title_th="ปริมาณขยะ",
                title_en="Waste", development_issue="13-livable-industry")
    call_action("package_create", **gdc_dataset("statistics", owner_org=org["id"], name="factories-13",
                                                requirement_codes=["R-1"], last_updated_date=dt.date.today().isoformat()))
    return org


def test_gap_page_in_thai_and_in_english(app, plan):
    thai = app.get("/th/gap").body
    english = app.get("/en/gap").body

    assert text_of(thai, "h1") == "ช่องว่างข้อมูลรายจังหวัด"
    assert text_of(english, "h1") == "Data gap by province"
    thai_headers = text_of(thai, ".provincial-gap-provinces thead")
    english_headers = text_of(english, ".provincial-gap-provinces thead")
    for label in ("จังหวัด", "ความต้องการข้อมูล", "มีข้อมูลพร้อมใช้", "ยังไม่มีข้อมูล", "ความครอบคลุม", "คะแนนความพร้อม"):
        assert label in thai_headers
    for label in ("Province", "Requirements", "Available", "Missing", "Coverage", "Readiness score"):
        assert label in english_headers
    assert "Coverage" not in thai_headers
    # The province's name and the judging date in the page's language.
    assert "ปทุมธานี" in text_of(thai, "tr[data-province='13'] th")
    assert "Pathum Thani" in text_of(english, "tr[data-province='13'] th")
    from ckanext.provincial.gap_service import today as judging_day

    today = judging_day()  # the province's day (Asia/Bangkok), not the machine's
    assert text_of(thai, "h1 + p").endswith(f"ประเมิน ณ วันที่ {thai_dates.format_thai(today)}.")
    assert text_of(english, "h1 + p").endswith(f"judged on {today.isoformat()}.")


def test_province_gap_page_in_thai_and_in_english(app, plan):
    thai = app.get("/th/gap/13").body
    english = app.get("/en/gap/13").body

    assert text_of(thai, ".provincial-gap-legend").startswith("มีข้อมูลพร้อมใช้")
    assert text_of(english, ".provincial-gap-legend").startswith("Available")
    assert text_of(thai, "#provincial-gap-requirements caption") == "รายการความต้องการข้อมูลและชุดข้อมูลที่รองรับ"
    assert text_of(english, "#provincial-gap-requirements caption") == "Requirements and their datasets"
    # The requirement's own title in the page's language.
    assert "ปริมาณขยะ" in text_of(thai, "tr[data-code='R-2']")
    # The chart labels embedded for the script are translated too.
    assert chart_data(thai)["texts"] == {"coverage": "ความครอบคลุม (%)", "readiness": "คะแนนความพร้อม (%)",
                                         "requirements": "ความต้องการข้อมูล"}
    assert chart_data(english)["texts"]["coverage"] == "Coverage (%)"
    assert [s["label"] for s in chart_data(thai)["statuses"]] == [
        "มีข้อมูลพร้อมใช้", "ไม่สมบูรณ์", "ไม่เป็นปัจจุบัน", "ไม่เปิดเผย", "ยังไม่มีข้อมูล"]


# ------------------------------------------------------------- form --

@pytest.fixture
def editor(with_plugins, clean_db, clean_index):
    user = factories.UserWithToken()
    provincial_organization(users=[{"name": user["name"], "capacity": "editor"}])
    return user


def test_dataset_form_in_thai_and_in_english(app, editor):
    thai = app.get("/th/dataset/new", headers=headers(editor)).body
    english = app.get("/en/dataset/new", headers=headers(editor)).body

    assert text_of(thai, "label[for='field-data_type']") == "* ประเภทชุดข้อมูล"
    assert text_of(english, "label[for='field-data_type']") == "* Data type"
    # The extension's form snippets: a field of one data type says so, a period has From/To.
    assert text_of(thai, "#provincial-field-unit_of_measure .provincial-field-types") == "เฉพาะ: ข้อมูลสถิติ"
    assert text_of(english, "#provincial-field-unit_of_measure .provincial-field-types") == "Only for: Statistical data"
    assert text_of(thai, "label.small[for='field-reference_period_start']") == "ตั้งแต่"
    assert text_of(english, "label.small[for='field-reference_period_start']") == "From"
    # Choices in the page's language; the stored value stays the GDC value.
    assert re.search(r'<option value="ข้อมูลสถิติ"[^>]*>\s*Statistical data\s*</option>', english)
    assert text_of(thai, "label[for='field-data_format-Database']") == "ฐานข้อมูล"
    assert text_of(english, "label[for='field-data_format-Database']") == "Database"


def test_validation_errors_of_the_form_are_in_thai(app, editor):
    org = call_action("organization_list_for_user", id=editor["name"], permission="create_dataset")[0]
    values = gdc_dataset("record", owner_org=org["id"], name="bad-date-13", last_updated_date="2566-05-19")
    form = {key: value for key, value in values.items() if key != "resources"}
    form["save"] = "go-resources"

    thai = app.post("/th/dataset/new", headers=headers(editor), data=form).body
    english = app.post("/en/dataset/new", headers=headers(editor), data=form).body

    assert "2566 เป็นปีพุทธศักราช" in thai and "(พ.ศ. 2566 คือ ค.ศ. 2023)" in thai
    assert "2566 is a Buddhist-era year" in english
    assert not call_action("package_search", q="name:bad-date-13", include_drafts=True)["count"]
