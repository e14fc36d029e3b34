"""Usage statistics on the real stack: page views and downloads recorded by CKAN's tracking middleware
(POST /_tracking), summarised by the nightly job, then read by the actions, the home page, the
dataset search, the dataset, agency, gap and usage pages. Private datasets are never counted in
public figures, and their own figures go only to whom may see them.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

import ckan.cli.cli
import ckan.plugins.toolkit as toolkit
from ckan.model import meta
from ckan.tests import factories

from ckanext.provincial import usage
from tests.ckan_session import call_action
from tests.gap_support import dataset
from tests.factories import provincial_organization

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("plan_tables", "clean_index")]

ANONYMOUS = {"user": "", "ignore_auth": False}
SECRET_TITLE = "ข้อมูลลับผู้ใช้บริการ"


def track(app, url: str, visitor: int, kind: str = "page") -> None:
    """What tracking.js sends from a visitor's browser (the middleware keys a visitor by these headers)."""
    app.post("/_tracking", data={"url": url, "type": kind}, environ_overrides={
        "REMOTE_ADDR": f"10.0.0.{visitor}", "HTTP_USER_AGENT": "Mozilla/5.0 (test)",
        "HTTP_ACCEPT_LANGUAGE": "th", "HTTP_ACCEPT_ENCODING": "gzip"})


def move_back(url: str, days: int) -> None:
    """Make the visits recorded for ``url`` older, as if they had been made ``days`` ago."""
    meta.Session.execute(sa.text(
        "UPDATE tracking_raw SET access_timestamp = access_timestamp - make_interval(days => :days) WHERE url = :url"),
        {"days": days, "url": url})
    meta.Session.commit()


def summarise(cli) -> str:
    result = cli.invoke(ckan.cli.cli.ckan, ["provincial", "usage", "update"])
    assert result.exit_code == 0, result.output
    return result.output


def previous_month(today: dt.date) -> str:
    return usage.last_months(2, today)[0]


@pytest.fixture
def portal(app):
    meta.Session.execute(sa.text("DELETE FROM tracking_raw; DELETE FROM tracking_summary"))
    meta.Session.commit()
    member = factories.UserWithToken()
    agency = provincial_organization(name="stat-13", users=[{"name": member["name"], "capacity": "member"}])
    other = provincial_organization(name="health-19", province_code="19")
    call_action("provincial_requirement_create", province_code="13", code="R-1", title_th="โรงงาน")
    call_action("provincial_requirement_create", province_code="13", code="R-2", title_th="ขยะ")
    popular = dataset(agency["id"], name="factories-13", title="โรงงาน", requirement_codes=["R-1"],
                      resources=[{"name": "ตาราง", "url": "http://example.org/factories.csv", "format": "CSV"}])
    quiet = dataset(agency["id"], name="waste-13", title="ขยะ", requirement_codes=["R-2"])
    secret = dataset(agency["id"], name="secret-13", title=SECRET_TITLE, private=True, requirement_codes=["R-1"])
    elsewhere = dataset(other["id"], name="clinics-19", title="คลินิก", province_code="19")
    return {"agency": agency, "other": other, "member": member, "popular": popular, "quiet": quiet,
            "secret": secret, "elsewhere": elsewhere}


@pytest.fixture
def visited(app, cli, portal):
    """Views and downloads of every dataset, some a month and a half ago, then the nightly summary."""
    popular, quiet, secret = portal["popular"], portal["quiet"], portal["secret"]
    resource = popular["resources"][0]
    for visitor in (1, 2, 3):
        track(app, "/dataset/factories-13", visitor)
    track(app, "/dataset/factories-13", 1)                     # the same visitor again the same day: once
    track(app, resource["url"], 1, "resource")               # the external link
    track(app, f"http://test.ckan.net/dataset/{popular['id']}/resource/{resource['id']}/download/f.csv", 2,
          "resource")                                          # as an upload's download link
    track(app, f"/datastore/dump/{resource['id']}?bom=True", 3, "resource")   # a DataStore dump
    track(app, "/dataset/waste-13", 4)
    for visitor in range(10, 16):                              # private: more views than any public dataset
        track(app, "/dataset/secret-13", visitor)
    track(app, "/dataset/clinics-19", 5)
    # Earlier visits of the popular dataset, in an earlier month.
    for visitor in (7, 8):
        track(app, "/th/dataset/factories-13", visitor)
    move_back("/th/dataset/factories-13", 45)
    output = summarise(cli)
    return dict(portal, output=output, earlier=(dt.date.today() - dt.timedelta(days=45)))


# ------------------------------------------------------------------ the job --

def test_the_summary_job_starts_from_the_first_recorded_day(visited):
    assert f"usage summarised from {visited['earlier'].isoformat()}" in visited["output"]
    assert "tracking updated for 2011" not in visited["output"]  # CKAN's default start walks 15 years


def test_ckans_own_tracking_update_summarises_the_same(app, cli, portal):
    track(app, "/dataset/waste-13", 1)
    result = cli.invoke(ckan.cli.cli.ckan, ["tracking", "update", dt.date.today().isoformat()])
    assert result.exit_code == 0, result.output
    assert call_action("package_show", id="waste-13")["tracking_summary"]["total"] == 1
    # Ours again over the same days (the nightly job reruns the last two): the same figures.
    assert "usage summarised from" in summarise(cli)
    assert call_action("provincial_usage_show", id="waste-13")["views"] == 1


def test_nothing_recorded_is_nothing_to_summarise(cli, portal):
    assert "nothing to summarise" in summarise(cli)


# ------------------------------------------------------- one dataset --

def test_views_count_once_per_visitor_and_day_and_downloads_every_link_kind(visited):
    shown = call_action("provincial_usage_show", ANONYMOUS, id="factories-13")
    assert (shown["views"], shown["downloads"]) == (5, 3)
    months = {m["month"]: m for m in shown["months"]}
    this_month = usage.month_key(dt.date.today())
    assert len(shown["months"]) == 12 and shown["months"][-1]["month"] == this_month
    assert months[usage.month_key(visited["earlier"])]["views"] == 2
    assert months[this_month]["views"] == 3 and months[this_month]["downloads"] == 3
    # CKAN's own figure, which package_show carries: views of /dataset/<name> itself.
    assert call_action("package_show", id="factories-13")["tracking_summary"]["total"] == 3


def test_a_private_datasets_figures_go_only_to_whom_may_see_it(visited):
    with pytest.raises(toolkit.NotAuthorized):
        call_action("provincial_usage_show", ANONYMOUS, id="secret-13")
    stranger = factories.User()
    with pytest.raises(toolkit.NotAuthorized):
        call_action("provincial_usage_show", {"user": stranger["name"], "ignore_auth": False}, id="secret-13")
    member = call_action("provincial_usage_show", {"user": visited["member"]["name"], "ignore_auth": False},
                         id="secret-13")
    assert (member["views"], member["private"]) == (6, True)


def test_bad_input_names_the_field(visited):
    with pytest.raises(toolkit.ValidationError) as error:
        call_action("provincial_usage_show", id="factories-13", months=0)
    assert "months" in error.value.error_dict
    with pytest.raises(toolkit.ValidationError) as error:
        call_action("provincial_usage_show", months=3)
    assert "id" in error.value.error_dict
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("provincial_usage_show", id="no-such-dataset")
    with pytest.raises(toolkit.ValidationError) as error:
        call_action("provincial_usage_summary", organization="no-such-agency")
    assert "organization" in error.value.error_dict
    with pytest.raises(toolkit.ValidationError) as error:
        call_action("provincial_usage_summary", province_code="99", limit=500)
    assert set(error.value.error_dict) == {"province_code", "limit"}


# ------------------------------------------------------------ totals --

def test_agency_totals_per_month_count_public_datasets_only(visited):
    found = call_action("provincial_usage_summary", ANONYMOUS, organization="stat-13", months=3)
    months = {m["month"]: m for m in found["months"]}
    assert [m["month"] for m in found["months"]] == usage.last_months(3)
    this_month = usage.month_key(dt.date.today())
    # factories-13 (3 views, 3 downloads) and waste-13 (1 view) this month; not the 6 private views.
    assert (months[this_month]["views"], months[this_month]["downloads"]) == (4, 3)
    assert months[usage.month_key(visited["earlier"])]["views"] == 2
    assert (found["views"], found["downloads"]) == (6, 3)
    assert [d["name"] for d in found["top_datasets"]] == ["factories-13", "waste-13"]
    # The same for a sysadmin: private datasets are never counted in totals.
    assert call_action("provincial_usage_summary", organization=visited["agency"]["id"], months=3)["views"] == 6


def test_province_totals_and_use_per_requirement(visited):
    found = call_action("provincial_usage_summary", ANONYMOUS, province_code="13")
    assert (found["views"], found["downloads"]) == (6, 3)
    assert "clinics-19" not in [d["name"] for d in found["top_datasets"]]
    requirements = {r["code"]: r for r in found["requirements"]}
    # the public factories-13 only (the private dataset that fulfils it is not counted).
    assert requirements["R-1"] == {"code": "R-1", "datasets": 1, "views": 5, "downloads": 3}
    assert requirements["R-2"] == {"code": "R-2", "datasets": 1, "views": 1, "downloads": 0}
    other = call_action("provincial_usage_summary", ANONYMOUS, province_code="19")
    assert (other["views"], [d["name"] for d in other["top_datasets"]]) == (1, ["clinics-19"])


def test_search_sorts_by_views(visited):
    found = call_action("package_search", ANONYMOUS, q="*:*", sort="views_total desc")
    names = [d["name"] for d in found["results"]]
    assert names[0] == "factories-13" and "secret-13" not in names
    assert found["results"][0]["tracking_summary"]["total"] == 3
    ascending = call_action("package_search", ANONYMOUS, q="*:*", sort="views_total asc")
    assert [d["name"] for d in ascending["results"]][-1] == "factories-13"


# ------------------------------------------------------------- pages --

def test_search_page_offers_most_viewed(app, visited):
    for lang in ("en", "th"):
        page = BeautifulSoup(app.get(f"/{lang}/dataset/", query_string={"sort": "views_total desc"}).body,
                             "html.parser")
        options = {o["value"]: o for o in page.select("select[name=sort] option")}
        assert "views_total desc" in options and options["views_total desc"].has_attr("selected")
        assert "views_recent desc" in options
    names = [a["href"].rsplit("/", 1)[-1] for a in page.select(".dataset-heading a")]
    assert names[0] == "factories-13"


def test_tracking_script_is_on_the_pages_and_resource_links_report_downloads(app, portal):
    for path in ("/th/", "/en/dataset/factories-13", "/gap/13", "/organization/stat-13"):
        assert "_tracking.js" in app.get(path).body, path
    resource = portal["popular"]["resources"][0]
    page = BeautifulSoup(app.get(f"/dataset/factories-13/resource/{resource['id']}").body, "html.parser")
    assert resource["url"] in [a["href"] for a in page.select("a.resource-url-analytics")]


def test_home_page_lists_the_most_viewed_public_datasets(app, visited):
    page = BeautifulSoup(app.get("/").body, "html.parser")
    listed = [(li["data-dataset"], li["data-views"]) for li in page.select(".provincial-home-popular li")]
    assert listed[0] == ("factories-13", "5")
    assert "secret-13" not in [name for name, _views in listed]
    assert SECRET_TITLE not in str(page)


def test_home_page_hides_the_block_until_someone_viewed_a_dataset(app, portal):
    assert "provincial-home-popular" not in app.get("/").body


def test_dataset_page_shows_views_and_downloads(app, visited):
    page = BeautifulSoup(app.get("/en/dataset/factories-13").body, "html.parser")
    figures = page.select_one(".provincial-usage-figures")
    assert (figures["data-views"], figures["data-downloads"]) == ("5", "3")
    assert "5 views" in figures.text and "3 downloads" in figures.text
    # The private dataset's page (and its figures) only for its members.
    assert app.get("/dataset/secret-13", status=404).status_code == 404
    member = app.get("/dataset/secret-13", headers={"Authorization": visited["member"]["token"]})
    assert 'data-views="6"' in member.body


def test_agency_page_shows_monthly_totals_with_buddhist_era_months(app, visited):
    this_month = dt.date.today()
    for lang, label in (("th", f"{usage_label_th(this_month)}"), ("en", this_month.strftime("%b %Y"))):
        page = BeautifulSoup(app.get(f"/{lang}/organization/stat-13").body, "html.parser")
        table = page.select_one(".provincial-usage-organization table")
        rows = table.select("tbody tr")
        assert len(rows) == 12 and rows[0]["data-month"] == usage.month_key(this_month)
        assert (rows[0]["data-views"], rows[0]["data-downloads"]) == ("4", "3")
        assert label in rows[0].text
        assert table.select_one('[data-total="views"]').text.strip() == "6"


def usage_label_th(day: dt.date) -> str:
    from ckanext.provincial import thai_dates

    return f"{thai_dates.THAI_MONTHS_SHORT[day.month - 1]} {day.year + 543}"


def test_gap_page_shows_the_use_of_each_requirements_public_datasets(app, visited):
    for headers in ({}, {"Authorization": visited["member"]["token"]}):
        page = BeautifulSoup(app.get("/gap/13", headers=headers).body, "html.parser")
        cells = {tr["data-code"]: tr.select_one(".provincial-gap-usage") for tr in page.select(
            "#provincial-gap-requirements tbody tr")}
        assert (cells["R-1"]["data-views"], cells["R-1"]["data-downloads"]) == ("5", "3")
        assert cells["R-2"]["data-views"] == "1"
        assert page.select_one("a.provincial-usage-link")["href"].endswith("/usage/13")


def test_province_usage_page_and_csv(app, visited):
    page = BeautifulSoup(app.get("/en/usage/13").body, "html.parser")
    assert page.select_one('[data-total="views"]').text.strip() == "6"
    assert [tr["data-dataset"] for tr in page.select(".provincial-usage-top tbody tr")] == ["factories-13", "waste-13"]
    assert SECRET_TITLE not in str(page) and "secret-13" not in str(page)
    response = app.get("/usage/13/export.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0].startswith("เดือน") and len(rows) == 13
    assert rows[-1] == [usage.month_key(dt.date.today()), "4", "3"]
    assert app.get("/usage/99", status=404).status_code == 404


# ------------------------------------------------------------- pure --

def test_last_months_cross_the_new_year():
    assert usage.last_months(3, dt.date(2026, 2, 10)) == ["2025-12", "2026-01", "2026-02"]
    assert previous_month(dt.date(2026, 1, 31)) == "2025-12"


# ------------------------------------------------------------- demo and lock --

def test_demo_visits_are_marked_replaced_on_reload_and_summarised(app, portal):
    from ckanext.provincial.demo import builder, usage as demo_usage

    catalogue = builder.load_catalogue()
    dataset(portal["agency"]["id"], name="demo-13", title="ข้อมูลสาธิต " + catalogue.defaults["marker_th"])
    track(app, "/dataset/factories-13", 1)  # a real visit, which the demo must leave alone
    today = dt.date.today()
    recorded = demo_usage.record(catalogue, today)
    assert recorded > 0
    shown = call_action("provincial_usage_show", id="demo-13", months=7)
    assert shown["views"] > 0 and sum(m["views"] for m in shown["months"]) == shown["views"]
    assert sum(1 for m in shown["months"] if m["views"]) >= 5  # spread over the past months
    assert demo_usage.record(catalogue, today) == recorded  # a reload replaces, never adds
    assert call_action("provincial_usage_show", id="demo-13")["views"] == shown["views"]
    keys = meta.Session.execute(sa.text("SELECT user_key, url FROM tracking_raw")).fetchall()
    assert sum(1 for key, _url in keys if not key.startswith(demo_usage.KEY_PREFIX)) == 1
    assert {url for key, url in keys if key.startswith(demo_usage.KEY_PREFIX) and "/dataset/" in url
            and not url.startswith("http")} == {"/dataset/demo-13"}


def test_a_second_summary_at_the_same_time_is_skipped(app, cli, portal):
    track(app, "/dataset/waste-13", 1)
    with meta.engine.connect() as other:
        other.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": usage.SUMMARY_LOCK})
        try:
            assert "already running elsewhere: skipped" in summarise(cli)
        finally:
            other.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": usage.SUMMARY_LOCK})
    assert "usage summarised from" in summarise(cli)
