"""Gap and plan pages: charts' data embedded, downloads equal to the JSON, forms, disclosure on pages."""
import csv
import io
import json

import openpyxl
import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import plan_io
from tests.gap_support import dataset, days_ago

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("plan_tables", "clean_index")]


@pytest.fixture
def province():
    org = factories.Organization(name="pathum-stat")
    hidden_org = factories.Organization(name="pathum-secret")
    call_action("provincial_requirement_create", province_code="13", code="R-1", title_th="โรงงาน",
                development_issue="13-livable-industry", agency="pathum-stat", priority="high")
    call_action("provincial_requirement_create", province_code="13", code="R-2", title_th="=ขยะมูลฝอย",
                sub_issue="13-livable-industry-clean", pmqa=["4.1"])
    call_action("provincial_requirement_create", province_code="13", code="R-3", title_th="ผู้ป่วย",
                development_issue="13-focus-tourism")
    call_action("provincial_requirement_create", province_code="13", code="R-4", title_th="ท่องเที่ยว",
                development_issue="13-focus-tourism")
    common = {"province_code": "13", "update_frequency_unit": "ปี", "last_updated_date": days_ago(5)}
    dataset(org["id"], name="factories-13", title="โรงงานทั้งหมด", requirement_codes=["R-1"], **common)
    dataset(org["id"], name="waste-13", title="ขยะ", requirement_codes=["R-2"],
            **dict(common, last_updated_date=days_ago(800)))
    dataset(hidden_org["id"], name="secret-13", title="ความลับผู้ป่วย", private=True, requirement_codes=["R-3"], **common)
    return org


def embedded_chart(body):
    page = BeautifulSoup(body, "html.parser")
    return json.loads(page.select_one("script#provincial-gap-data").string)


def test_gap_page_renders_with_the_charts_data_embedded(app, province):
    response = app.get("/gap/13")
    assert response.status_code == 200
    chart = embedded_chart(response.body)
    result = call_action("provincial_gap_show", province_code="13")
    order = result["statuses"]
    assert chart["donut"]["values"] == [result["summary"]["counts"][s] for s in order] == [1, 0, 1, 1, 1]
    assert chart["issues"]["keys"] == [g["key"] for g in result["by_development_issue"]]
    for series in chart["issues"]["series"]:
        assert series["values"] == [g["counts"][series["status"]] for g in result["by_development_issue"]]
    assert 'data-module="provincial-gap-charts"' in response.body
    assert "gap.js" in response.body  # the bundle with Chart.js is on the page
    page = BeautifulSoup(response.body, "html.parser")
    assert [tr["data-code"] for tr in page.select("#provincial-gap-requirements tbody tr")] == ["R-1", "R-2", "R-3", "R-4"]


def test_anonymous_page_never_shows_the_private_dataset(app, province):
    body = app.get("/gap/13").body
    assert "secret-13" not in body and "ความลับผู้ป่วย" not in body
    assert "1 not public" in body
    sysadmin = factories.SysadminWithToken()
    assert "secret-13" in app.get("/gap/13", headers={"Authorization": sysadmin["token"]}).body


def test_csv_download_equals_the_json(app, province):
    response = app.get("/gap/13/export.csv", query_string={"sort": "status desc"})
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == plan_io.gap_table([])[0]
    result = call_action("provincial_gap_show", context={"user": "", "ignore_auth": False}, province_code="13")
    by_code = {r["code"]: r for r in result["requirements"]}
    assert [r[0] for r in rows[1:]] == ["R-4", "R-3", "R-2", "R-1"]  # missing, restricted, stale, available
    keys = [c.key for c in plan_io.GAP_COLUMNS]
    for line in rows[1:]:
        cells = dict(zip(keys, line))
        json_row = by_code[cells["code"]]
        for key in keys:
            expected = plan_io.gap_cell(json_row, key)
            assert plan_io.restore(cells[key]) == str(expected), key
    assert dict(zip(keys, rows[3]))["title_th"] == "'=ขยะมูลฝอย"  # formula injection neutralised
    assert dict(zip(keys, rows[2]))["datasets"] == "" and dict(zip(keys, rows[2]))["hidden_datasets"] == "1"


def test_filtered_xlsx_download_has_the_page_rows_and_the_aggregates(app, province):
    response = app.get("/gap/13/export.xlsx", query_string={"development_issue": "13-focus-tourism"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["requirements", "development issues", "sub-issues", "agencies", "pmqa", "unlinked datasets"]
    codes = [row[0] for row in workbook["requirements"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["R-3", "R-4"]
    issues = list(workbook["development issues"].iter_rows(min_row=2, values_only=True))
    assert (issues[0][0], issues[0][2]) == ("13-focus-tourism", 2) and issues[0][1]


def test_sorting_links_and_order(app, province):
    page = BeautifulSoup(app.get("/gap/13", query_string={"sort": "status"}).body, "html.parser")
    assert [tr["data-status"] for tr in page.select("#provincial-gap-requirements tbody tr")] == [
        "available", "stale", "restricted", "missing"]
    header = page.select_one('#provincial-gap-requirements th[aria-sort="ascending"] a')
    assert "sort=status+desc" in header["href"] or "sort=status%20desc" in header["href"]


def test_national_page_compares_provinces(app, province):
    call_action("provincial_requirement_create", province_code="19", code="S-1", title_th="เหมือง")
    response = app.get("/gap", query_string={"provinces": "13,19"})
    page = BeautifulSoup(response.body, "html.parser")
    assert [tr["data-province"] for tr in page.select(".provincial-gap-provinces tbody tr")] == ["13", "19"]
    chart = json.loads(page.select_one("script#provincial-gap-data").string)
    assert chart["issues"]["keys"] == ["13", "19"]
    exported = list(csv.reader(io.StringIO(app.get("/gap/export.csv", query_string={"provinces": "13,19"}).data.decode("utf-8-sig"))))
    assert [r[0] for r in exported[1:]] == ["13", "19"] and exported[2][2] == "1"


def test_provinces_to_compare_are_chosen_by_name(app, province):
    call_action("provincial_requirement_create", province_code="19", code="S-1", title_th="เหมือง")
    # What the form sends: one value per chosen province.
    response = app.get("/th/gap", query_string=[("provinces", "19"), ("provinces", "13")])
    page = BeautifulSoup(response.body, "html.parser")
    assert [tr["data-province"] for tr in page.select(".provincial-gap-provinces tbody tr")] == ["19", "13"]
    choice = page.select_one("select#compare-provinces")
    assert choice.has_attr("multiple") and choice["name"] == "provinces"
    options = {option["value"]: option for option in choice.select("option")}
    assert len(options) == 77 and "ปทุมธานี" in options["13"].text and "สระบุรี" in options["19"].text
    assert {code for code, option in options.items() if option.has_attr("selected")} == {"13", "19"}
    assert page.select_one("#compare-provinces-search")["data-module"] == "provincial-option-filter"
    # The downloads keep the choice.
    csv_link = page.find("a", href=lambda href: href and "/gap/export.csv" in href)["href"]
    assert "provinces=19%2C13" in csv_link or "provinces=19,13" in csv_link
    assert "Saraburi" in app.get("/en/gap", query_string={"provinces": "19"}).body


def test_requirement_pages(app, province):
    listing = app.get("/requirement", query_string={"province_code": "13"})
    assert [tr["data-code"] for tr in BeautifulSoup(listing.body, "html.parser").select("table.provincial-plan tbody tr")] == [
        "R-1", "R-2", "R-3", "R-4"]
    read = app.get("/requirement/13/R-1")
    assert "factories-13" in read.body and "โรงงานทั้งหมด" in read.body
    restricted = app.get("/requirement/13/R-3")
    assert "secret-13" not in restricted.body and "1 datasets that are not public" in restricted.body
    assert app.get("/requirement/13/NOPE", expect_errors=True).status_code == 404
    assert "13" in app.get("/requirement").body


def test_form_creates_and_edits_for_editors_only(app, province):
    assert app.get("/requirement/new", query_string={"province_code": "13"}, expect_errors=True).status_code == 403
    sysadmin = factories.SysadminWithToken()
    auth = {"Authorization": sysadmin["token"]}
    assert app.get("/requirement/new", query_string={"province_code": "13"}, headers=auth).status_code == 200
    response = app.post("/requirement/new?province_code=13", headers=auth, data={
        "code": "R-9", "title_th": "ประชากร", "update_frequency_unit": "ปี", "update_frequency_interval": "1",
        "pmqa": ["4.1", "4.2"], "priority": "low",
    })
    assert response.status_code == 200
    created = call_action("provincial_requirement_show", province_code="13", code="R-9", include_datasets=False)
    assert created["pmqa"] == ["4.1", "4.2"] and created["priority"] == "low"

    invalid = app.post("/requirement/13/R-9/edit", headers=auth, data={"code": "R-9", "title_th": "", "update_frequency_unit": "บ่อย"})
    assert "field-title-th" in invalid.body and "บ่อย" in invalid.body
    assert call_action("provincial_requirement_show", province_code="13", code="R-9", include_datasets=False)["title_th"] == "ประชากร"

    app.post("/requirement/13/R-9/delete", headers=auth)
    assert [r["code"] for r in call_action("provincial_requirement_list", province_code="13")] == ["R-1", "R-2", "R-3", "R-4"]


def test_import_page_lists_every_bad_row_and_imports_a_good_file(app, province):
    sysadmin = factories.SysadminWithToken()
    auth = {"Authorization": sysadmin["token"]}
    header = plan_io.plan_header()
    keys = [c.key for c in plan_io.PLAN_COLUMNS]

    def upload(rows):
        table = [[r.get(k, "") for k in keys] for r in rows]
        return (io.BytesIO(plan_io.write_csv(header, table)), "plan.csv")

    bad = app.post("/requirement/import", headers=auth, data={
        "province_code": "13", "upload": upload([{"code": "N-1", "title_th": ""}, {"code": "N-2", "title_th": "x", "priority": "x"}])})
    page = BeautifulSoup(bad.body, "html.parser")
    assert [td.get_text() for td in page.select(".provincial-import-errors tbody tr td:first-child")] == ["2", "3"]
    good = app.post("/requirement/import", headers=auth, data={
        "province_code": "13", "upload": upload([{"code": "N-1", "title_th": "ใหม่"}, {"code": "R-1", "title_th": "โรงงาน"}])})
    assert "provincial-import-result" in good.body
    assert len(call_action("provincial_requirement_list", province_code="13")) == 5

    # Lines under the table are shown as notes, not imported and not hidden.
    table = [[{"code": "N-3", "title_th": "ใหม่อีก"}.get(k, "") for k in keys], [""] * len(keys),
             ["ที่มา: สำนักงานสถิติจังหวัดปทุมธานี"] + [""] * (len(keys) - 1)]
    noted = app.post("/requirement/import", headers=auth, data={
        "province_code": "13", "upload": (io.BytesIO(plan_io.write_csv(header, table)), "plan.csv")})
    result = BeautifulSoup(noted.body, "html.parser").select_one(".provincial-import-result")
    assert "ที่มา: สำนักงานสถิติจังหวัดปทุมธานี" in result.get_text()
    assert len(call_action("provincial_requirement_list", province_code="13")) == 6


def test_templates_and_plan_export_download(app, province):
    for fmt in ("csv", "xlsx"):
        template = app.get(f"/requirement/template.{fmt}", query_string={"province_code": "13"})
        assert plan_io.read_table(template.data, f"t.{fmt}").columns == [c.key for c in plan_io.PLAN_COLUMNS]
    exported = app.get("/requirement/export.csv", query_string={"province_code": "13"})
    table = plan_io.read_table(exported.data, "plan.csv")
    assert [values["code"] for _n, values in table.rows] == ["R-1", "R-2", "R-3", "R-4"]
    assert table.rows[0][1]["agency"] == "pathum-stat" and table.rows[1][1]["title_th"] == "=ขยะมูลฝอย"
