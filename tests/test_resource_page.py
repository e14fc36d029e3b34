"""The resource page (/dataset/<name>/resource/<id>) in Thai and English.

Its resource carries what a table loaded by ckanext-xloader (the portal's
loader before its own) keeps on it: the table made through the DataStore API,
then the job's metadata (ckan_url, ignore_hash, original_url, queue_name,
set_url_type, task_created, datastore_active...) and the file's hash.
"""
from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import thai_dates
from tests.factories import RESOURCE, gdc_dataset, provincial_organization

pytestmark = pytest.mark.integration

FILE_HASH = "9f86d081884c7d659a2feb"
QUEUE_NAME = "provincial-priority"
THAI = re.compile(r"[\u0E00-\u0E7F]")
LATIN = re.compile(r"[A-Za-z]")
THAI_DATE = re.compile(r"^\d{1,2} (%s) (\d{4})$" % "|".join(thai_dates.THAI_MONTHS))
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# What a resource's loaders and CKAN itself store on it and a reader has no use for.
INTERNALS = (
    "ckan_url", "ignore_hash", "original_url", "queue_name", "set_url_type", "task_created",
    "hash", "datastore_active", "datastore_contains_all_records_of_source_file", "url_type",
    "mimetype", "mimetype_inner", "cache_url", "cache_last_updated", "package_id", "position",
    "resource_id", "has_views", "state", "id",
)


@pytest.fixture
def loaded(with_plugins, non_clean_db):
    """A statistics dataset of Pathum Thani with a table loaded into the DataStore and a PDF."""
    org = provincial_organization()
    dataset = call_action("package_create", **gdc_dataset(
        "statistics", owner_org=org["id"],
        resources=[
            dict(RESOURCE, name="จำนวนโรงงานอุตสาหกรรม (รายอำเภอ) ปี พ.ศ. ๒๕๖๖ ฉบับ 1.2",
                 url="http://example.invalid/factories.v1.2-(2566).csv",
                 resource_last_updated_date="2024-01-31"),
            {"name": "คู่มือ [ฉบับปรับปรุง] สนง.อุตสาหกรรมจังหวัด", "url": "http://example.invalid/manual.pdf",
             "format": "PDF"},
        ]))
    table = dataset["resources"][0]
    call_action(
        "datastore_create", resource_id=table["id"], force=True,
        fields=[{"id": "อำเภอที่ตั้งโรงงาน", "type": "text"}, {"id": "จำนวนโรงงาน", "type": "int"}],
        records=[{"อำเภอที่ตั้งโรงงาน": "คลองหลวง", "จำนวนโรงงาน": 1204}],
    )
    # What a table loaded by ckanext-xloader (the portal's loader before this one) still carries.
    call_action("resource_patch", id=table["id"], ignore_hash=False, ckan_url="http://portal.example.go.th",
                set_url_type=False, task_created="2026-01-05T02:03:04.000001", original_url=table["url"],
                queue_name=QUEUE_NAME, datastore_contains_all_records_of_source_file=True, hash=FILE_HASH)
    # What an upload records: its size, type and when the file changed.
    call_action("resource_patch", id=table["id"], size=48213, mimetype="text/csv",
                last_modified="2023-05-19T03:00:00")
    table = call_action("resource_show", id=table["id"])
    assert table["queue_name"] == QUEUE_NAME and table["hash"] == FILE_HASH and table["datastore_active"]
    return {"dataset": dataset, "table": table, "other": dataset["resources"][1]}


def page(app, loaded, language: str) -> BeautifulSoup:
    url = f"/{language}/dataset/{loaded['dataset']['name']}/resource/{loaded['table']['id']}"
    return BeautifulSoup(app.get(url).body, "html.parser")


def info_table(soup: BeautifulSoup):
    heading = next(h for h in soup.find_all("h2")
                   if h.get_text(strip=True) in ("Additional Information", "ข้อมูลเพิ่มเติม"))
    table = heading.find_next("table")
    assert table is not None
    return table


def rows(soup: BeautifulSoup) -> dict[str, str]:
    """Label -> shown value of every row of the additional-information table."""
    found = {}
    for row in info_table(soup).select("tbody tr"):
        label, value = row.find("th"), row.find("td")
        found[" ".join(label.get_text(" ").split())] = " ".join(value.get_text(" ").split())
    return found


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_loaders_internals_are_not_listed(app, loaded, language):
    soup = page(app, loaded, language)
    shown = rows(soup)
    table_text = info_table(soup).get_text(" ")

    for internal in INTERNALS:
        spoken = internal.replace("_", " ")
        assert not any(label.lower() in (internal, spoken) for label in shown), (internal, shown)
    assert FILE_HASH not in table_text and QUEUE_NAME not in table_text
    assert loaded["table"]["id"] not in table_text
    # Not behind a "show more" either.
    assert not info_table(soup).select(".toggle-more")
    # What a reader needs is there: format, size in human units, licence, the schema's fields.
    if language == "th":
        assert shown["รูปแบบไฟล์"] == "CSV"
        assert shown["สัญญาอนุญาต"] == "Open Data Common"
        assert shown["เงื่อนไขในการเข้าถึงข้อมูล"] == "เปิดเผยต่อสาธารณะ"
    else:
        assert shown["Format"] == "CSV"
        assert shown["Access conditions"] == "เปิดเผยต่อสาธารณะ"
    assert any(re.fullmatch(r"47(\.0)? KiB|47(\.0)? KB", value) for value in shown.values()), shown


def test_the_table_lists_only_the_allowed_fields(app, loaded):
    """An allow-list: a key some loader adds tomorrow has no row to appear in."""
    from ckan.plugins import toolkit

    call_action("resource_patch", id=loaded["table"]["id"], loader_checkpoint="chunk-0042-of-0100")
    schema = toolkit.h.scheming_get_dataset_schema("dataset")
    allowed = {"format", "size", "last_modified", "created", "metadata_modified", "license"}
    allowed |= {field["field_name"] for field in schema["resource_fields"]}
    for language in ("th", "en"):
        table = info_table(page(app, loaded, language))
        keys = [row.get("id", "").removeprefix("provincial-resource-") for row in table.select("tbody tr")]
        assert keys and set(keys) <= allowed, keys
        assert "chunk-0042" not in table.get_text(" ")


def test_dates_are_buddhist_era_in_thai_and_iso_in_english(app, loaded):
    thai = page(app, loaded, "th")
    english = page(app, loaded, "en")

    main_text = thai.select_one("[role=main]").get_text(" ")
    assert "ค.ศ." not in main_text
    dates = [" ".join(cell.get_text(" ").split()) for cell in info_table(thai).select("tbody td time")]
    assert len(dates) >= 3, dates  # the file's change, when it was added, the metadata's change
    for shown in dates:
        match = THAI_DATE.match(shown)
        assert match and int(match.group(2)) > 2500, shown
    thai_rows = rows(thai)
    assert "19 พฤษภาคม 2566" in thai_rows.values(), thai_rows
    assert thai_rows["วันที่ปรับปรุงข้อมูลล่าสุด"] == "31 มกราคม 2567"

    english_dates = [cell.get_text(strip=True) for cell in info_table(english).select("tbody td time")]
    assert english_dates and all(ISO_DATE.match(shown) for shown in english_dates), english_dates
    english_rows = rows(english)
    assert "2023-05-19" in english_rows.values(), english_rows
    assert english_rows["Date last updated"] == "2024-01-31"


def test_every_label_of_the_table_is_thai_on_the_thai_page_and_english_on_the_english_one(app, loaded):
    thai_labels = list(rows(page(app, loaded, "th")))
    english_labels = list(rows(page(app, loaded, "en")))

    assert len(thai_labels) == len(english_labels) >= 8
    for label in thai_labels:
        assert THAI.search(label) and not LATIN.search(label), label
    for label in english_labels:
        assert LATIN.search(label) and not THAI.search(label), label


@pytest.mark.parametrize("language", ["th", "en"])
def test_content_check_and_resource_list_are_in_the_main_column(app, loaded, language):
    soup = page(app, loaded, language)
    main = soup.select_one("[role=main]")
    assert main is not None

    # The resource itself, its content check, its information and the dataset's resources.
    assert main.select_one("h1.page-heading").get_text(strip=True) == loaded["table"]["name"]
    assert main.select_one("#validation-report"), "the content check is outside the main column"
    assert info_table(soup) in main.find_all("table")
    other = f"/resource/{loaded['other']['id']}"
    links = [a for a in soup.find_all("a", href=True) if a["href"].endswith(other)]
    assert links and all(main in link.parents for link in links), "the resource list is outside the main column"
    current = main.select_one('[aria-current="page"]')
    assert current and current.get_text(strip=True).startswith("จำนวนโรงงานอุตสาหกรรม (รายอำเภอ) ปี พ.ศ. ๒๕๖๖ ฉบับ 1.2")
    # Nothing of the page sits beside or outside it in the row, no table row outside a table.
    assert not soup.select(".wrapper > aside, .wrapper > section")
    assert all(row.find_parent("table") for row in soup.find_all("tr"))


def test_an_editor_still_gets_the_resource_actions(app, loaded):
    sysadmin = factories.SysadminWithToken()
    url = f"/th/dataset/{loaded['dataset']['name']}/resource/{loaded['table']['id']}"
    soup = BeautifulSoup(app.get(url, headers={"Authorization": sysadmin["token"]}).body, "html.parser")
    main = soup.select_one("[role=main]")
    hrefs = [a["href"] for a in main.find_all("a", href=True)]
    assert any(href.endswith(f"/resource/{loaded['table']['id']}/edit") for href in hrefs)
    assert any(href.endswith(f"/dataset/{loaded['dataset']['name']}/resource/new") for href in hrefs)


def test_the_content_checks_date_is_buddhist_era_in_thai(app, loaded):
    """The content check's own date (validation_report.html, under the table's dates)."""
    from tests.datastore_support import run_validation

    assert run_validation(loaded["table"]["id"]) in ("error", "failure", "success")
    report = page(app, loaded, "th").select_one("[role=main] #validation-report")
    text = " ".join(report.get_text(" ").split())
    match = re.search(r"(\d{1,2}) (%s) (\d{4}) เวลา \d{2}:\d{2} น\." % "|".join(thai_dates.THAI_MONTHS), text)
    assert match and int(match.group(3)) > 2500, text


# ------------------------------------------------------- the date helper --

def test_a_timestamp_is_shown_on_the_day_of_the_portals_time_zone():
    import datetime as dt
    from zoneinfo import ZoneInfo

    from ckanext.provincial.helpers import dates

    bangkok = ZoneInfo("Asia/Bangkok")
    new_year = dates.local_moment("2023-12-31T18:30:00.123456", bangkok)  # stored in UTC, as CKAN does
    assert dates.format_moment(dates.local_moment("2023-12-31T18:30:00", dt.timezone.utc), "th",
                               with_hours=True) == "31 ธันวาคม 2566 เวลา 18:30 น. (UTC)"
    assert dates.format_moment(new_year, "th") == "1 มกราคม 2567"
    assert dates.format_moment(new_year, "th", with_hours=True) == "1 มกราคม 2567 เวลา 01:30 น. (+07)"
    assert dates.format_moment(new_year, "en", with_hours=True) == "2024-01-01 01:30 (+07)"
    assert dates.local_moment(dt.datetime(2023, 12, 31, 18, 30), dt.timezone.utc).day == 31
    assert dates.local_moment("", bangkok) is None
    assert dates.local_moment("ไม่ทราบ", bangkok) is None
    assert dates.local_moment(None, bangkok) is None


# ------------------------------------------------ what a workbook's check read --

WORKBOOK_TITLE = "จำนวนโรงงานอุตสาหกรรมและเงินลงทุน จำแนกตามอำเภอ จังหวัดปทุมธานี ปี พ.ศ. ๒๕๖๖"
WORKBOOK_NOTES = ["ที่มา: สำนักงานอุตสาหกรรมจังหวัดปทุมธานี (ข้อมูล ณ วันที่ ๓๑ ธ.ค. ๒๕๖๖)",
                  "หมายเหตุ: ไม่รวมโรงงานที่แจ้งหยุดประกอบกิจการ"]
DISTRICTS = [("เมืองปทุมธานี", 412, 18250.5), ("คลองหลวง", 1204, 96310.25), ("ธัญบุรี", 318, 12040),
             ("ลาดหลุมแก้ว", 655, 30115.75), ("ลำลูกกา", 287, 9800), ("สามโคก", 141, 4420.5)]


def agency_workbook() -> bytes:
    """A workbook as an agency sends it: a title merged across the table, a blank row,
    the header, the districts with their share computed by a formula (saved by a program,
    so without its value), the source and a note; a sheet per subdistrict, a hidden working
    sheet and a sheet of explanations."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "ตาราง 1.2 (อำเภอ)"
    sheet["A1"] = WORKBOOK_TITLE
    sheet.merge_cells("A1:D1")
    headers = ["ลำดับ", "อำเภอที่ตั้งโรงงาน", "จำนวนโรงงาน (แห่ง)", "เงินลงทุน (ล้านบาท)", "ร้อยละของจังหวัด"]
    for column, header in enumerate(headers, 1):
        sheet.cell(row=3, column=column, value=header)
    last = 3 + len(DISTRICTS)
    for number, (district, factories_count, investment) in enumerate(DISTRICTS, 1):
        row = 3 + number
        for column, value in enumerate([number, district, factories_count, investment,
                                        f"=C{row}/SUM(C$4:C${last})*100"], 1):
            sheet.cell(row=row, column=column, value=value)
    sheet.cell(row=last + 2, column=1, value=WORKBOOK_NOTES[0])
    sheet.cell(row=last + 3, column=1, value=WORKBOOK_NOTES[1])

    subdistricts = book.create_sheet("รายตำบล")
    subdistricts.append(["อำเภอ", "ตำบล", "จำนวนโรงงาน (แห่ง)"])
    subdistricts.append(["คลองหลวง", "คลองหนึ่ง", 512])
    subdistricts.append(["คลองหลวง", "คลองสอง", 233])
    working = book.create_sheet("คำนวณ")
    working.append(["ก", "ข"])
    working.append([1, 2])
    working.sheet_state = "hidden"
    notes = book.create_sheet("คำชี้แจง")
    notes.append(["คำชี้แจงการกรอกข้อมูล"])
    notes.append(["1. กรอกจำนวนโรงงานที่ได้รับอนุญาตเท่านั้น"])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook_section(soup: BeautifulSoup):
    section = soup.select_one("[role=main] #validation-report #validation-workbook")
    assert section is not None, "the content check does not say what it read in the workbook"
    found = {dd["data-workbook"]: dd for dd in section.select("dd[data-workbook]")}
    labels = [" ".join(dt.get_text(" ").split()) for dt in section.select("dt")]
    return section, found, labels


def text_of(tag) -> str:
    return " ".join(tag.get_text(" ").split())


def test_the_content_check_says_what_it_read_in_a_workbook(app, with_plugins, non_clean_db,
                                                           create_with_upload):
    from tests.datastore_support import run_validation

    org = provincial_organization()
    dataset = call_action("package_create", **gdc_dataset("statistics", owner_org=org["id"]))
    resource = create_with_upload(agency_workbook(), "factories.2566-(v1.2).xlsx", package_id=dataset["id"],
                                  format="XLSX", name="โรงงานอุตสาหกรรมรายอำเภอ ปี ๒๕๖๖")
    assert run_validation(resource["id"]) == "success", [
        (error["code"], error["note"])
        for error in call_action("provincial_validation_show", resource_id=resource["id"])["errors"]]
    assert_the_workbook_is_described(app, dataset, resource)


def assert_the_workbook_is_described(app, dataset: dict, resource: dict) -> None:
    url = f"/dataset/{dataset['name']}/resource/{resource['id']}"
    thai = BeautifulSoup(app.get("/th" + url).body, "html.parser")
    english = BeautifulSoup(app.get("/en" + url).body, "html.parser")

    for soup in (thai, english):
        _section, found, _labels = workbook_section(soup)
        assert text_of(found["sheet"]) == "ตาราง 1.2 (อำเภอ)"
        assert WORKBOOK_TITLE in text_of(found["title"])
        # The notes are told apart from the data: listed here, not checked as rows.
        assert [text_of(item) for item in found["footnotes"].select("li")] == WORKBOOK_NOTES
        # The share's formulas were saved without their values: Excel's cell names.
        assert [text_of(code) for code in found["formulas"].select("code")] == [f"E{row}" for row in range(4, 10)]
        assert re.search(r"(^|\s)6\s", text_of(found["formulas"])), text_of(found["formulas"])
        assert [text_of(q) for q in found["other-tables"].select("q")] == ["รายตำบล"]
        skipped = {text_of(item.q): (item["data-reason"], text_of(item)) for item in found["skipped"].select("li")}
        assert set(skipped) == {"คำนวณ", "คำชี้แจง"}
        assert skipped["คำนวณ"][0] == "hidden" and skipped["คำชี้แจง"][0] == "no-table"
        assert "คำชี้แจงการกรอกข้อมูล" in skipped["คำชี้แจง"][1]
        # The table's rows are not mistaken for notes, nor its notes for a title.
        assert "คลองหลวง" not in text_of(found["footnotes"]) + text_of(found["title"])

    _section, found, labels = workbook_section(thai)
    assert text_of(found["header"]) == "แถวที่ 3"
    # Words in Thai, whatever the catalogue's wording: the reason, the other table's header row.
    hidden = skipped_reason(found, "คำนวณ")
    assert THAI.search(hidden) and not LATIN.search(hidden), hidden
    other = text_of(found["other-tables"].li).removeprefix("รายตำบล").strip()
    assert re.fullmatch(r"\([\u0E00-\u0E7F ]+ 1\)", other), other
    assert len(labels) == 7
    for label in labels:
        assert THAI.search(label) and not LATIN.search(label), label

    _section, found, labels = workbook_section(english)
    assert text_of(found["header"]) == "Row 3"
    assert skipped_reason(found, "คำนวณ") == "a hidden sheet"
    assert text_of(found["other-tables"].li) == "รายตำบล (header in row 1)"
    assert len(labels) == 7
    for label in labels:
        assert LATIN.search(label) and not THAI.search(label), label


def skipped_reason(found, sheet: str) -> str:
    item = next(item for item in found["skipped"].select("li") if text_of(item.q) == sheet)
    return text_of(item).removeprefix(sheet).strip().removeprefix(":").strip()
