"""The Provincial Statistics Committee's report: PDF (Thai shaped, Sarabun only) and XLSX from the same tables,
downloads from the gap page, the command, and publication as uploaded resources (sysadmins only)."""
import io
import unicodedata

import openpyxl
import pypdf
import pytest

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories

from ckanext.provincial import thai_dates
from ckanext.provincial.cli import provincial
from ckanext.provincial.cli import report as _report_commands  # noqa: F401  (registers `provincial report`)
from ckanext.provincial.committee_report import collect, pdf, xlsx
from ckanext.provincial.site import site_context
from tests.ckan_session import call_action
from tests.gap_support import coordinating_org, dataset, days_ago

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("plan_tables", "clean_index")]

# Stacked vowel and tone marks (ผู้, ที่, ได้, ษ with -า): what breaks when Thai is not shaped or is re-encoded.
THAI_PHRASE = "ผู้ป่วยที่ได้รับการรักษาในโรงพยาบาล"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def province():
    """Pathum Thani (13): 5 requirements, one of each status but restricted twice missing."""
    org = coordinating_org("13", name="pathum-stat", title="สำนักงานสถิติจังหวัดปทุมธานี")
    other = factories.Organization(name="pathum-health", title="สำนักงานสาธารณสุขจังหวัดปทุมธานี")
    create = lambda **fields: call_action("provincial_requirement_create", province_code="13", **fields)  # noqa: E731
    create(code="R-1", title_th="จำนวนโรงงาน", development_issue="13-livable-industry", agency="pathum-stat",
           priority="high", pmqa=["4.1"])
    create(code="R-2", title_th="ปริมาณขยะมูลฝอย", development_issue="13-livable-industry", agency="pathum-stat")
    create(code="R-3", title_th="ข้อมูลลับ", development_issue="13-focus-tourism", agency="pathum-health")
    create(code="R-4", title_th=THAI_PHRASE, development_issue="13-focus-tourism", agency="pathum-health",
           priority="high")
    create(code="R-5", title_th="นักท่องเที่ยว", pmqa=["4.2"])
    common = {"province_code": "13", "update_frequency_unit": "ปี", "last_updated_date": days_ago(5)}
    dataset(org["id"], name="factories-13", requirement_codes=["R-1"], **common)
    dataset(org["id"], name="waste-13", requirement_codes=["R-2"], **dict(common, last_updated_date=days_ago(800)))
    dataset(other["id"], name="secret-13", private=True, requirement_codes=["R-3"], **common)
    dataset(other["id"], name="unlinked-13", requirement_codes=[], **common)
    call_action("provincial_gap_snapshot_create", province_codes=["13"])
    return org


def text_of(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def font_names(content: bytes) -> set:
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(content)).pages:
        fonts = page["/Resources"].get("/Font") or {}
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@pytest.fixture
def report(province):
    return collect.collect(site_context(), "13")


def test_pdf_shows_the_province_the_buddhist_year_and_the_gap_figures(report):
    gap = call_action("provincial_gap_show", province_code="13")
    content = pdf.write_pdf(report)
    assert content.startswith(b"%PDF")
    text = unicodedata.normalize("NFC", text_of(content))
    assert "ปทุมธานี" in text and "Pathum Thani" in text
    year_be = thai_dates.buddhist_year(thai_dates.parse(gap["date"]).year)
    assert str(year_be) in text and thai_dates.format_thai(gap["date"]) in text
    summary = gap["summary"]
    assert summary["counts"] == {"available": 1, "incomplete": 0, "stale": 1, "restricted": 1, "missing": 2}
    # Each figure of the AS IS / TO BE table is printed on its row, as provincial_gap_show has it.
    lines = [" ".join(line.split()) for line in text.splitlines()]

    def printed(row_end):
        return any(line.endswith(row_end) for line in lines)

    assert printed(f"Requirements in the plan (TO BE) {summary['total']}")
    assert printed(f"Coverage (%) {summary['coverage']:.1f}") and summary["coverage"] == 20.0
    assert printed(f"Readiness score (%) {summary['readiness']:.1f}")
    for status, (_th, en) in collect.STATUS_NAMES.items():
        assert printed(f"Requirements: {en.lower()} {summary['counts'][status]}")
    assert printed("Datasets of the province (AS IS) 4")  # the private one is counted, never named
    assert "secret-13" not in text


def test_thai_text_extracts_as_typed_and_only_sarabun_is_embedded(report):
    content = pdf.write_pdf(report)
    # The table cell breaks the phrase over lines (between words, by libthai): compared without the breaks.
    raw = "".join(text_of(content).split())
    assert THAI_PHRASE in raw  # vowel and tone marks come back exactly, in order
    # SARA AM is drawn as two glyphs (NIKHAHIT + SARA AA) and reads back as those two: its NFKC form.
    assert "จำนวนรายการ" not in raw and unicodedata.normalize("NFKC", "จำนวนรายการ") in raw
    assert "จานวน" not in raw  # NIKHAHIT is never lost
    names = font_names(content)
    assert names and all(name.split("+", 1)[-1].startswith("Sarabun") for name in names), names
    assert any("Sarabun" in name and "Bold" not in name for name in names)


def test_the_html_points_at_the_bundled_font_files_and_draws_the_trend(report):
    html = pdf.render_html(report)
    assert pdf.font_base().startswith("file://") and (pdf.FONTS / pdf.FONT_FILES[0]).is_file()
    assert f'url("{pdf.font_base()}sarabun-thai-400-normal.woff2")' in html
    assert "local(" not in html
    trend = collect.table_by_key(report, "trend")
    assert len(trend["rows"]) == 1 and trend["rows"][0][7] == report["summary"]["coverage"]
    assert "<svg" in html and "font-family=\"'Sarabun Latin', 'Sarabun Thai'\"" in html


def test_missing_and_stale_requirements_name_their_agencies(report):
    table = collect.table_by_key(report, "missing and stale")
    rows = {row[0]: row for row in table["rows"]}
    assert set(rows) == {"R-2", "R-4", "R-5"}
    assert [row[0] for row in table["rows"]][:2] == ["R-4", "R-5"]  # missing first, high priority first
    assert rows["R-4"][1] == THAI_PHRASE and rows["R-4"][6] == "สำนักงานสาธารณสุขจังหวัดปทุมธานี"
    assert rows["R-2"][3] > 0 and rows["R-2"][6] == "สำนักงานสถิติจังหวัดปทุมธานี"


def test_xlsx_has_the_same_tables_with_the_same_figures(report):
    gap = call_action("provincial_gap_show", province_code="13")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.write_xlsx(report)))
    assert workbook.sheetnames == ["report"] + [t["key"] for t in report["tables"]]
    for table in report["tables"]:
        sheet = list(workbook[table["key"]].iter_rows(values_only=True))
        assert list(sheet[0]) == xlsx.header(table["columns"])
        if table["rows"]:
            assert [list(row) for row in sheet[1:]] == [[None if v in ("", None) else v for v in row]
                                                         for row in table["rows"]]
    summary = {row[1]: row[2] for row in workbook["as is - to be"].iter_rows(min_row=2, values_only=True)}
    assert summary["Requirements in the plan (TO BE)"] == gap["summary"]["total"] == 5
    assert summary["Coverage (%)"] == gap["summary"]["coverage"]
    assert summary["Readiness score (%)"] == gap["summary"]["readiness"]
    issues = {row[0]: row for row in workbook["development issues"].iter_rows(min_row=2, values_only=True)}
    for group in gap["by_development_issue"]:
        row = issues[group["key"] or None]  # the group without an issue: an empty cell
        assert row[2] == group["total"] and row[8] == group["coverage"]


def test_quality_and_link_sections_use_the_actions_or_say_they_are_missing(report):
    for key, action in (("metadata quality", "provincial_quality_summary"),
                        ("broken links", "provincial_link_broken_list")):
        table = collect.table_by_key(report, key)
        try:
            toolkit.get_action(action)
        except KeyError:
            assert table["rows"] == [] and action in table["note"]
        else:
            found = call_action(action, province_code="13")
            assert table["rows"][-1][0] == "ทั้งจังหวัด (whole province)"
            assert [row[0] for row in table["rows"][:-1]] == [a["title"] or a["name"] for a in found["by_agency"]]
            figure = "datasets" if action == "provincial_quality_summary" else "broken"
            assert [row[1] for row in table["rows"][:-1]] == [a[figure] for a in found["by_agency"]]
            assert table["rows"][-1][1] == found["datasets" if figure == "datasets" else "count"]


def test_views_answer_pdf_and_xlsx_with_a_dated_filename(app, province):
    date = call_action("provincial_gap_show", province_code="13")["date"]
    response = app.get("/gap/13/report.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert f'filename="committee-report-13-{date}.pdf"' in response.headers["Content-Disposition"]
    assert "ปทุมธานี" in text_of(response.data)
    response = app.get("/gap/13/report.xlsx")
    assert response.status_code == 200 and response.headers["Content-Type"] == XLSX_TYPE
    assert f'filename="committee-report-13-{date}.xlsx"' in response.headers["Content-Disposition"]
    assert "as is - to be" in openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames
    assert app.get("/gap/99/report.pdf", status=404).status_code == 404
    page = app.get("/gap/13").body
    assert "/gap/13/report.pdf" in page and "/gap/13/report.xlsx" in page


def test_publish_stores_dated_uploaded_resources(province, ckan_config, monkeypatch, tmp_path):
    monkeypatch.setitem(ckan_config, "ckan.storage_path", str(tmp_path))
    sysadmin = factories.Sysadmin()
    result = call_action("provincial_report_publish", context={"user": sysadmin["name"]}, province_code="13")
    assert result["dataset"] == "committee-report-13"
    dataset = call_action("package_show", id="committee-report-13")
    assert dataset["organization"]["name"] == "pathum-stat" and dataset["province_code"] == "13"
    resources = dataset["resources"]
    assert [r["format"] for r in resources] == ["PDF", "XLSX"]
    assert all(r["url_type"] == "upload" and r["size"] > 0 for r in resources)
    assert resources[0]["url"].endswith(f"committee-report-13-{result['date']}.pdf")
    stored = tmp_path / "resources" / resources[0]["id"][:3] / resources[0]["id"][3:6] / resources[0]["id"][6:]
    assert stored.read_bytes().startswith(b"%PDF")
    call_action("provincial_report_publish", context={"user": sysadmin["name"]}, province_code="13")
    assert len(call_action("package_show", id="committee-report-13")["resources"]) == 4  # a new pair each time


def test_only_sysadmins_publish(province):
    admin = factories.User()
    coordinating_org("13", admin=admin)
    with pytest.raises(toolkit.NotAuthorized):
        call_action("provincial_report_publish", context={"user": admin["name"], "ignore_auth": False},
                    province_code="13")
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("package_show", id="committee-report-13")


def test_unknown_province_and_missing_owner_are_clear_errors(province):
    sysadmin = factories.Sysadmin()
    with pytest.raises(toolkit.ValidationError) as error:
        call_action("provincial_report_publish", context={"user": sysadmin["name"]}, province_code="99")
    assert "province_code" in error.value.error_dict
    with pytest.raises(toolkit.ValidationError) as error:
        collect.collect(site_context(), "1x")
    assert "province_code" in error.value.error_dict
    call_action("provincial_requirement_create", province_code="19", code="S-1", title_th="เหมือง")
    with pytest.raises(toolkit.ValidationError) as error:  # no organization coordinates Saraburi's plan
        call_action("provincial_report_publish", context={"user": sysadmin["name"]}, province_code="19")
    assert "organization" in error.value.error_dict
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("package_show", id="committee-report-19")  # nothing half-written


def test_command_builds_both_files_and_refuses_an_unknown_province(cli, province, tmp_path):
    out, book = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    result = cli.invoke(provincial, ["report", "build", "--province", "13", "--out", str(out), "--xlsx", str(book)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and openpyxl.load_workbook(book).sheetnames[0] == "report"
    failed = cli.invoke(provincial, ["report", "build", "--province", "99"])
    assert failed.exit_code == 1 and "province_code" in failed.output


def test_monthly_command_waits_for_its_day(cli, province, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.report.monthly_day", 0)
    result = cli.invoke(provincial, ["report", "monthly"])
    assert result.exit_code == 0 and "not the day" in result.output
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("package_show", id="committee-report-13")


def test_data_requests_of_the_province_are_listed(province):
    asker = factories.User()
    call_action("provincial_datarequest_create", context={"user": asker["name"], "ignore_auth": False},
                title="จำนวนผู้ป่วยเบาหวานรายตำบล", province_code="13", organization="pathum-health")
    call_action("provincial_datarequest_create", context={"user": asker["name"], "ignore_auth": False},
                title="เหมืองแร่", province_code="19")
    table = collect.table_by_key(collect.collect(site_context(), "13"), "data requests")
    assert [(row[1], row[2], row[4]) for row in table["rows"]] == [
        ("จำนวนผู้ป่วยเบาหวานรายตำบล", "เปิด (open)", "สำนักงานสาธารณสุขจังหวัดปทุมธานี")]
    assert table["note"] == ""


def test_monthly_command_publishes_on_its_day_once(cli, province, ckan_config, monkeypatch, tmp_path):
    from ckanext.provincial.gap_service import today

    monkeypatch.setitem(ckan_config, "ckan.storage_path", str(tmp_path))
    monkeypatch.setitem(ckan_config, "ckanext.provincial.report.monthly_day", today().day if today().day <= 28 else 0)
    result = cli.invoke(provincial, ["report", "monthly"] + ([] if today().day <= 28 else ["--force"]))
    assert result.exit_code == 0, result.output
    assert "13: published in committee-report-13" in result.output
    again = cli.invoke(provincial, ["report", "monthly", "--force"])
    assert again.exit_code == 0 and "13: already published" in again.output
    assert len(call_action("package_show", id="committee-report-13")["resources"]) == 2
