"""The table preview (CKAN's datatables_view) on tables shaped like the agencies' own.

Thai agencies' headers carry dots ("ปี พ.ศ.", "ว.ด.ป."), brackets and units, and
are often longer than PostgreSQL's 63-byte column names, so the full header is
kept as the column's Data Dictionary label (``info.label``). The preview must
show every value of such columns, the labels in full, and sort numbers as numbers.

The view's data endpoint is called as the view's script calls it, in process;
the page itself is driven in headless chromium on a live portal, in Thai and
English, with screenshots under test-artifacts/table-preview/.
"""
from __future__ import annotations

import json
import os
import shutil
from typing import Any, Iterator

import pytest

from tests.ckan_session import call_action

from tests import ckan_session
from tests import datastore_support as support
from tests.live_portal import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.browser]

YEAR = "ปี พ.ศ."  # a dot in the id: DataTables reads "a.b" as the property b of a
DATE = "ว.ด.ป."
PATIENTS = "ผู้ป่วย (คน)"  # brackets and a space in the id of an integer column
BUDGET = "งบประมาณ [บาท]"  # "[...]" at the end is DataTables' array notation
PATIENTS_LABEL = ("จำนวนผู้ป่วยโรคเบาหวานและความดันโลหิตสูงที่ได้รับการคัดกรองตามเกณฑ์"
                  "ในปีงบประมาณ พ.ศ. 2567 จำแนกรายอำเภอ (คน)")
assert len(PATIENTS_LABEL.encode()) > 63  # what no PostgreSQL column name can hold

FIELDS = [
    {"id": "อำเภอ", "type": "text", "info": {"label": "อำเภอ"}},
    {"id": YEAR, "type": "text", "info": {"label": "ปีงบประมาณ (พ.ศ.)"}},
    {"id": DATE, "type": "text"},  # no label: the id is the header
    {"id": PATIENTS, "type": "int", "info": {"label": PATIENTS_LABEL}},
    {"id": BUDGET, "type": "numeric", "info": {"label": "งบประมาณที่ใช้ (บาท)"}},
]
ROWS = [
    {"อำเภอ": "เมืองปทุมธานี", YEAR: "๒๕๖๗", DATE: "15/03/2567", PATIENTS: 1100, BUDGET: "250000.75"},
    {"อำเภอ": "ลาดหลุมแก้ว", YEAR: "2566", DATE: "01/10/2566", PATIENTS: 998, BUDGET: "99000"},
    {"อำเภอ": "คลองหลวง", YEAR: "2567", DATE: "30/09/2567", PATIENTS: 7, BUDGET: "1200000"},
]
LABELS = ["อำเภอ", "ปีงบประมาณ (พ.ศ.)", DATE, PATIENTS_LABEL, "งบประมาณที่ใช้ (บาท)"]

ARTIFACTS = os.path.join(ROOT, "test-artifacts", "table-preview")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def labelled_table() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A public dataset with one DataStore table (typed, labelled columns) and its table view."""
    org = support.organization()
    dataset = call_action("package_create", **support.dataset(owner_org=org["id"], private=False))
    result = call_action("datastore_create", fields=FIELDS, records=ROWS,
                         resource={"package_id": dataset["id"], "format": "CSV", "name": "ผู้ป่วยคัดกรอง 2567"})
    resource = call_action("resource_show", id=result["resource_id"])
    # What the loader does once a table is loaded: the table view.
    views = call_action("resource_create_default_resource_views", create_datastore_views=True, resource=resource,
                        package=call_action("package_show", id=dataset["id"]))
    view = next(v for v in views if v["view_type"] == "datatables_view")
    return dataset, resource, view


def ajax_form(columns: list[str], order: list[tuple[int, str]] = ()) -> dict:
    """The form DataTables posts for a server-side draw (the _id column first)."""
    form = {"draw": "1", "start": "0", "length": "50", "search[value]": "", "search[regex]": "false"}
    for i, name in enumerate(["_id", *columns]):
        form.update({f"columns[{i}][data]": "function" if i else "_id", f"columns[{i}][name]": "" if not i else name,
                     f"columns[{i}][searchable]": "true", f"columns[{i}][orderable]": "true",
                     f"columns[{i}][search][value]": "", f"columns[{i}][search][regex]": "false"})
    for i, (column, direction) in enumerate(order):
        form.update({f"order[{i}][column]": str(column), f"order[{i}][dir]": direction})
    return form


# ------------------------------------------------------- the data endpoint --

@pytest.fixture(scope="class")
def table(reset_db, reset_index) -> Iterator[tuple[dict, dict, dict]]:
    """One table for the class: its tests only read it."""
    ckan_session.ensure_plugins()
    reset_db()
    reset_index()
    yield labelled_table()


@pytest.mark.usefixtures("with_plugins")
class TestDataEndpoint:
    def draw(self, app, view: dict, **form) -> dict:
        response = app.post(f"/datatables/ajax/{view['id']}", data=ajax_form([f["id"] for f in FIELDS], **form))
        assert response.status_code == 200, response.body
        return json.loads(response.body)

    def test_dotted_and_bracketed_columns_come_back_whole(self, app, table):
        _dataset, _resource, view = table
        data = self.draw(app, view)["data"]
        assert [row[YEAR] for row in data] == ["๒๕๖๗", "2566", "2567"]
        assert [row[DATE] for row in data] == ["15/03/2567", "01/10/2566", "30/09/2567"]
        assert [row[BUDGET] for row in data] == ["250000.75", "99000", "1200000"]

    @pytest.mark.parametrize("name", [PATIENTS, BUDGET])
    def test_numeric_columns_sort_as_numbers_both_ways(self, app, table, name):
        _dataset, _resource, view = table
        position = 1 + [f["id"] for f in FIELDS].index(name)
        ascending = [float(row[name]) for row in self.draw(app, view, order=[(position, "asc")])["data"]]
        descending = [float(row[name]) for row in self.draw(app, view, order=[(position, "desc")])["data"]]
        assert ascending == sorted(ascending) and descending == sorted(ascending, reverse=True)
        if name == PATIENTS:
            assert ascending == [7, 998, 1100]

    def test_sorting_a_dotted_thai_column_then_a_number(self, app, table):
        _dataset, _resource, view = table
        data = self.draw(app, view, order=[(2, "desc"), (4, "asc")])["data"]
        assert [(row[YEAR], row[PATIENTS]) for row in data] == [("๒๕๖๗", "1100"), ("2567", "7"), ("2566", "998")]

    @pytest.mark.parametrize("lang", ["th", "en"])
    def test_page_headers_are_the_labels_in_full(self, app, table, lang):
        dataset, resource, view = table
        page = app.get(f"/{lang}/dataset/{dataset['name']}/resource/{resource['id']}/view/{view['id']}")
        assert page.status_code == 200
        body = page.body.replace("&nbsp;", " ").replace("\xa0", " ")
        for label in LABELS:
            assert f">{label}" in body, label


# --------------------------------------------------------------- the page --

@pytest.fixture(scope="module")
def live(reset_db, reset_index) -> Iterator[tuple[support.LivePortal, dict, dict, dict]]:
    ckan_session.ensure_plugins()
    reset_db()
    reset_index()
    _admin, token = support.sysadmin_with_token()
    portal = support.LivePortal(token)
    try:
        portal.launch()
        built = labelled_table()
        yield (portal.wait_ready(), *built)
    finally:
        portal.stop()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    os.makedirs(ARTIFACTS)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            # No sandbox as root (CI containers); no names resolved but loopback: no outside requests.
            args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        yield chromium
        chromium.close()


# The table as the reader sees it: header texts of the visible header row, then the body's cells.
TABLE = """() => {
    const head = document.querySelector('.dataTables_scrollHead thead tr');
    const headers = Array.from(head.children).map(th => th.innerText.replace(/\\s+/g, ' ').trim());
    const clipped = Array.from(head.children).filter(th => th.scrollWidth > th.clientWidth + 1)
        .map(th => th.innerText.trim());
    const rows = Array.from(document.querySelectorAll('#dtprv tbody tr')).map(
        tr => Array.from(tr.children).map(td => td.innerText.trim()));
    return {headers, clipped, rows};
}"""


COLUMN_LIST = """() => Array.from(document.querySelectorAll('.dt-button-collection .buttons-columnVisibility')).map(
    b => [b.innerText.replace(/\\s+/g, ' ').trim(),
          [b, ...b.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1) ||
          b.getBoundingClientRect().right > b.closest('.dt-button-collection').getBoundingClientRect().right])"""


def column(table: dict, label: str) -> list[str]:
    index = table["headers"].index(label)
    return [row[index] for row in table["rows"]]


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("lang", ["th", "en"])
def test_preview_in_a_browser(live, browser, lang):
    portal, dataset, resource, view = live
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=lang)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error) + "\n" + str(error.stack)))
    page.set_default_timeout(20000)
    try:
        response = page.goto(f"{portal.url}/{lang}/dataset/{dataset['name']}/resource/{resource['id']}/view/{view['id']}")
        assert response is not None and response.ok
        page.wait_for_function("document.querySelectorAll('#dtprv tbody tr td').length > 3")
        page.screenshot(path=os.path.join(ARTIFACTS, f"{lang}-1-table.png"))
        table = page.evaluate(TABLE)
        assert table["headers"][1:1 + len(LABELS)] == LABELS, table["headers"]
        assert table["clipped"] == [], "headers cut off"
        stray = page.evaluate("""() => Array.from(document.querySelectorAll('.dataTables_wrapper label')).map(
            l => getComputedStyle(l, '::after').content).filter(c => c !== 'none' && c !== 'normal')""")
        assert stray == [], "a colon after the search box"
        assert column(table, "ปีงบประมาณ (พ.ศ.)") == ["๒๕๖๗", "2566", "2567"]
        assert column(table, DATE) == ["15/03/2567", "01/10/2566", "30/09/2567"]
        assert column(table, "งบประมาณที่ใช้ (บาท)") == ["250000.75", "99000", "1200000"]

        with page.expect_response(lambda r: "/datatables/ajax/" in r.url):
            page.click(f".dataTables_scrollHead thead tr:first-child th:nth-child({2 + LABELS.index(PATIENTS_LABEL)})")
        page.wait_for_function("!document.querySelector('#dtprv_processing') || "
                               "getComputedStyle(document.querySelector('#dtprv_processing')).display === 'none'")
        table = page.evaluate(TABLE)
        assert column(table, PATIENTS_LABEL) == ["7", "998", "1100"]
        page.screenshot(path=os.path.join(ARTIFACTS, f"{lang}-2-sorted.png"))
        sort_line = page.inner_text("div.sortinfo")
        assert PATIENTS_LABEL in sort_line and PATIENTS not in sort_line

        # The dotted column's own filter: the server still gets the column's id.
        with page.expect_response(lambda r: "/datatables/ajax/" in r.url):
            page.fill(".dataTables_scrollHead #cdx2 input", "2566")
            page.press(".dataTables_scrollHead #cdx2 input", "Enter")
        page.wait_for_function("document.querySelectorAll('#dtprv tbody tr').length === 1")
        assert column(page.evaluate(TABLE), "อำเภอ") == ["ลาดหลุมแก้ว"]
        with page.expect_response(lambda r: "/datatables/ajax/" in r.url):
            page.fill(".dataTables_scrollHead #cdx2 input", "")
            page.press(".dataTables_scrollHead #cdx2 input", "Enter")
        page.wait_for_function("document.querySelectorAll('#dtprv tbody tr').length === 3")

        # What the copy and print buttons put above the columns.
        exported = page.evaluate("$('#dtprv').DataTable().buttons.exportData({columns: ':visible'}).header")
        assert exported[1:1 + len(LABELS)] == LABELS, exported

        # The column visibility list names the columns by their labels.
        page.click("button.buttons-colvis")
        page.wait_for_selector(".dt-button-collection")
        page.wait_for_function("getComputedStyle(document.querySelector('.dt-button-collection')).opacity === '1'")
        page.screenshot(path=os.path.join(ARTIFACTS, f"{lang}-3-columns.png"))
        names = page.evaluate(COLUMN_LIST)
        assert [name for name, _clipped in names][:len(LABELS)] == LABELS, names
        assert not [name for name, clipped in names if clipped], "names cut off"
        page.keyboard.press("Escape")
    finally:
        context.close()
    assert errors == [], errors
