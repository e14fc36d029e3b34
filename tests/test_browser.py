"""The portal in a real browser: headless Debian chromium driven by Playwright.

The test starts the portal (``ckan run`` on a free loopback port, on the test
configuration and database) and drives the system's chromium
(``/usr/bin/chromium``, from ``apt-get install chromium``; Playwright's own
browser download is never used) through:

* the dataset form for each of the five data types: the type's own fields
  appear and the other types' fields disappear (assets/js/schema-form.js), and
  a dataset of that type is created through both stages of the form;
* the language switch (ไทย / English links in the header);
* the gap pages, whose Chart.js charts must really be drawn on their canvases;
* the gap table's CSV download.

Screenshots are written to test-artifacts/browser/ (a CI artifact); the folder
is printed at the end. Skipped, with the reason, when Playwright or chromium
is not installed (``pip install -r dev-requirements.txt``; chromium comes with
``stack/stack.sh install``).
"""
from __future__ import annotations

import csv
import io
import os
import shutil
from typing import Any, Iterator

import pytest

from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import plan_io
from tests import ckan_session
from tests.factories import DATA_TYPES, RESOURCE, RESOURCE_BY_TYPE, gdc_dataset, provincial_organization
from tests.gap_support import dataset as gap_dataset, days_ago
from tests.live_portal import ROOT, LivePortal

pytestmark = [pytest.mark.integration, pytest.mark.browser]

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -r dev-requirements.txt)")

ARTIFACTS = os.path.join(ROOT, "test-artifacts", "browser")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "browser-test-password-13"

# stack/stack.sh install puts Debian's chromium there: without it the set-up is broken, not skippable.
if not os.path.exists(CHROMIUM):
    pytest.fail("chromium is not installed (apt-get install chromium; stack/stack.sh install does it)",
                pytrace=False)


# ------------------------------------------------------------- the portal --

def build_site() -> dict[str, Any]:
    """An agency with an editor, a plan of four requirements, datasets meeting two of them, one snapshot."""
    call_action("provincial_vocabulary_sync")
    editor = factories.User(name="browser-editor", password=PASSWORD)
    org = provincial_organization(name="pathum-stat", users=[{"name": editor["name"], "capacity": "editor"}])
    for code, title, extra in (
        ("R-1", "จำนวนโรงงาน", {"development_issue": "13-livable-industry"}),
        ("R-2", "=ขยะมูลฝอย", {"sub_issue": "13-livable-industry-clean"}),  # a formula, for the CSV
        ("R-3", "นักท่องเที่ยว", {"development_issue": "13-focus-tourism"}),
        ("R-4", "โรงแรม", {"development_issue": "13-focus-tourism"}),
    ):
        call_action("provincial_requirement_create", province_code="13", code=code, title_th=title, **extra)
    common = {"update_frequency_unit": "ปี"}
    gap_dataset(org["id"], name="factories-13", requirement_codes=["R-1"], last_updated_date=days_ago(5), **common)
    gap_dataset(org["id"], name="waste-13", requirement_codes=["R-2"], last_updated_date=days_ago(800), **common)
    site_user = call_action("get_site_user")["name"]
    call_action("provincial_gap_snapshot_create", {"user": site_user, "ignore_auth": True})
    return {"editor": editor, "org": org}


@pytest.fixture(scope="module")
def live(reset_db, reset_index, migrate_db_for) -> Iterator[tuple[LivePortal, dict[str, Any]]]:
    """The running portal and what the test put in its database (built while the portal starts)."""
    ckan_session.ensure_plugins()
    reset_db()
    reset_index()
    migrate_db_for("provincial")
    portal = LivePortal("browser")
    try:
        portal.launch()
        built = build_site()
        yield portal.wait_ready(), built
    finally:
        portal.stop()


@pytest.fixture(scope="module")
def portal(live) -> LivePortal:
    return live[0]


@pytest.fixture(scope="module")
def site(live) -> dict[str, Any]:
    return live[1]


# ------------------------------------------------------------ the browser --

@pytest.fixture(scope="module")
def artifacts(request) -> Iterator[str]:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    os.makedirs(ARTIFACTS)
    yield ARTIFACTS
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    message = f"browser screenshots and downloads: {ARTIFACTS}"
    if reporter:
        reporter.write_line(message)
    else:
        print(message)


@pytest.fixture(scope="module")
def browser(artifacts):
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            # No sandbox as root (CI containers); no names resolved but loopback: no outside requests (gravatar).
            args=["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        yield chromium
        chromium.close()


class Page:
    """A browser tab on the portal that numbers its screenshots and collects JavaScript errors."""

    shots = 0

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.set_default_timeout(15000)

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, f"{path}: HTTP {response.status if response else '?'}"
        return response

    def shot(self, name: str, full_page: bool = True) -> str:
        Page.shots += 1
        path = os.path.join(ARTIFACTS, f"{Page.shots:02d}-{name}.png")
        self.page.screenshot(path=path, full_page=full_page)
        return path

    def form_ready(self) -> None:
        """CKAN starts its JavaScript modules after fetching the page's translations: wait until the
        form's script has hidden the fields of the data types (none is chosen yet)."""
        self.page.wait_for_selector("#provincial-field-unit_of_measure[hidden]", state="attached")

    def login(self, user: str) -> None:
        self.goto("/user/login")
        self.page.fill("#field-login", user)
        self.page.fill("#field-password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("form:has(#field-login) button[type=submit]")
        assert "/user/login" not in self.page.url, "login failed"


@pytest.fixture
def tab(browser, portal) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = Page(context.new_page(), portal.url)
    yield page
    context.close()
    assert page.errors == [], f"JavaScript errors: {page.errors}"


# -------------------------------------------------------------- scenarios --

WRAPPER_STATE = """() => Array.from(document.querySelectorAll('.provincial-field')).map(e => [
    e.id.replace('provincial-field-', ''), !e.hidden && e.offsetParent !== null])"""


def expected_visible(fields: list[dict], wrappers: list[str], data_type: str) -> set[str]:
    """The wrapped fields the schema shows for a data type, on a form where only the type is chosen."""
    by_name = {f["field_name"]: f for f in fields}
    shown = set()
    for name in wrappers:
        field = by_name[name]
        types = field.get("form_data_type") or []
        if types and data_type not in types:
            continue
        other_of = field.get("other_of")
        if other_of and not (other_of == "data_type" and data_type == field.get("other_value", "อื่นๆ")):
            continue
        shown.add(name)
    return shown


FILL = """([form, values]) => {
    const missing = [];
    const root = document.querySelector(form);
    for (const [name, value] of Object.entries(values)) {
        const fields = Array.from(root.querySelectorAll(`[name="${name}"]`));
        if (!fields.length) { missing.push(name); continue; }
        for (const field of fields) {
            if (field.type === 'checkbox' || field.type === 'radio') {
                field.checked = [].concat(value).includes(field.value);
            } else {
                field.value = value;
                if (field.value !== String(value)) missing.push(name + '=' + value);
            }
            field.dispatchEvent(new Event('input', {bubbles: true}));
            field.dispatchEvent(new Event('change', {bubbles: true}));
        }
    }
    return missing;
}"""


def fill_form(page, form: str, values: dict[str, Any]) -> None:
    """Set the fields by name, with the events typing or clicking sends (one call for the whole form)."""
    values = dict(values)
    if "reference_period" in values:
        values["reference_period_start"], values["reference_period_end"] = values.pop("reference_period").split("/")
    missing = page.evaluate(FILL, [form, values])
    assert missing == [], f"fields or options missing from the form: {missing}"


def test_dataset_form_shows_each_data_types_fields_and_creates_a_dataset_of_each(tab, site):
    fields = call_action("scheming_dataset_schema_show", type="dataset")["dataset_fields"]
    tab.login(site["editor"]["name"])
    tab.goto("/dataset/new")
    tab.form_ready()
    page = tab.page

    state = dict(page.evaluate(WRAPPER_STATE))
    assert state and not any(state.values()), "type-specific fields are shown before a data type is chosen"
    for key, data_type in DATA_TYPES.items():
        page.select_option("#field-data_type", data_type)
        state = dict(page.evaluate(WRAPPER_STATE))
        shown = {name for name, visible in state.items() if visible}
        assert shown == expected_visible(fields, list(state), data_type), key
        first_shown = next(name for name in state if state[name])  # in the form's order
        page.locator(f"#provincial-field-{first_shown}").scroll_into_view_if_needed()
        tab.shot(f"form-fields-{key}", full_page=False)
    assert {"unit_of_measure"} <= expected_visible(fields, list(state), DATA_TYPES["statistics"])

    for key, data_type in DATA_TYPES.items():
        name = f"browser-{key}"
        values = gdc_dataset(key, owner_org=site["org"]["id"], name=name, title=f"ชุดข้อมูลทดสอบ {key}")
        resource = dict(RESOURCE, **RESOURCE_BY_TYPE.get(key, {}))
        values.pop("resources")
        tab.goto("/dataset/new")
        tab.form_ready()
        page.select_option("#field-data_type", values.pop("data_type"))  # as a user picks it
        # The title first: the URL slug preview copies it into the name.
        fill_form(page, "form#dataset-edit", {k: v for k, v in values.items() if k != "name"})
        fill_form(page, "form#dataset-edit", {"name": name})
        with page.expect_navigation():
            page.click("form#dataset-edit button[type=submit][name=save]")
        assert f"/dataset/{name}/resource/new" in page.url, page.locator(".error-explanation").all_inner_texts()

        page.click("#resource-link-button")
        page.fill("#field-resource-url", resource.pop("url"))
        fill_form(page, "form#resource-edit", resource)
        with page.expect_navigation():
            page.click("button[name=save][value=go-metadata]")
        assert page.url.rstrip("/").endswith(f"/dataset/{name}"), page.locator(".error-explanation").all_inner_texts()
        tab.shot(f"dataset-{key}")

        saved = call_action("package_show", id=name)
        assert saved["state"] == "active" and saved["data_type"] == data_type
        assert len(saved["resources"]) == 1 and saved["resources"][0]["url"] == RESOURCE["url"]
        # The type's own fields are saved; none of another type's.
        own = {f["field_name"] for f in fields if data_type in (f.get("form_data_type") or [])}
        foreign = {f["field_name"] for f in fields if f.get("form_data_type") and data_type not in f["form_data_type"]}
        assert {k for k in values if k in own} <= set(saved)
        assert not foreign & {k for k, v in saved.items() if v not in ("", None, [])}, key


def test_language_switch_between_thai_and_english(tab):
    page = tab.page
    tab.goto("/dataset/")
    assert page.get_attribute("html", "lang") == "en"
    assert "Datasets" in page.inner_text("body")

    with page.expect_navigation():
        page.click(".provincial-language-switch a[hreflang=th]")
    assert "/th/dataset" in page.url
    assert page.get_attribute("html", "lang") == "th"
    assert page.locator(".provincial-language-switch a[aria-current=true]").inner_text() == "ไทย"
    assert "ชุดข้อมูล" in page.inner_text("body")
    tab.shot("language-thai")

    with page.expect_navigation():
        page.click(".provincial-language-switch a[hreflang=en]")
    assert "/th/" not in page.url
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator(".provincial-language-switch a[aria-current=true]").inner_text() == "English"
    tab.shot("language-english")


CHART_STATE = """(id) => {
    const canvas = document.getElementById(id);
    if (!canvas) return null;
    const box = canvas.getBoundingClientRect();
    const chart = window.Chart && window.Chart.getChart(canvas);
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
    return {width: box.width, height: box.height, type: chart ? chart.config.type : null,
            points: chart ? chart.data.datasets.reduce((n, d) => n + d.data.length, 0) : 0,
            painted: painted / (canvas.width * canvas.height)};
}"""


@pytest.mark.parametrize("path, charts", [
    ("/gap/13", {"provincial-gap-donut": "doughnut", "provincial-gap-issues": "bar", "provincial-gap-trend": "line"}),
    ("/th/gap/13", {"provincial-gap-donut": "doughnut", "provincial-gap-issues": "bar", "provincial-gap-trend": "line"}),
    ("/gap", {"provincial-gap-issues": "bar"}),
])
def test_gap_page_charts_are_drawn(tab, path, charts):
    page = tab.page
    tab.goto(path)
    page.wait_for_function("ids => ids.every(id => window.Chart && Chart.getChart(document.getElementById(id)))",
                           arg=list(charts))
    page.wait_for_timeout(400)  # the charts' opening animation
    for canvas_id, chart_type in charts.items():
        drawn = page.evaluate(CHART_STATE, canvas_id)
        assert drawn["type"] == chart_type, (canvas_id, drawn)
        assert drawn["width"] > 100 and drawn["height"] > 50, (canvas_id, drawn)
        assert drawn["points"] > 0, (canvas_id, drawn)
        assert drawn["painted"] > 0.01, (canvas_id, drawn)  # Chart.js really drew on it
    # The labels are drawn in the portal's bundled Thai font, loaded before drawing: this machine has
    # no Thai system font, and a canvas does not fall back to the page's web font by itself.
    fonts = page.evaluate("""() => ({family: Chart.defaults.font.family,
                                     thai: document.fonts.check("12px Sarabun", "ก"),
                                     charts: Object.values(Chart.instances).map(c => c.options.font.family)})""")
    assert fonts["family"].startswith('Sarabun') or fonts["family"].startswith('"Sarabun"'), fonts
    assert fonts["thai"] is True, fonts
    assert fonts["charts"] and all("Sarabun" in family for family in fonts["charts"]), fonts
    tab.shot("gap" + path.replace("/gap", "").replace("/", "-"))


def test_gap_table_downloads_as_csv(tab):
    page = tab.page
    tab.goto("/gap/13")
    with page.expect_download() as download_info:
        page.click("a:has-text('This table as CSV')")
    download = download_info.value
    path = os.path.join(ARTIFACTS, download.suggested_filename or "gap-13.csv")
    download.save_as(path)
    assert path.endswith(".csv")
    with open(path, "rb") as saved:
        content = saved.read()
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM, so that Excel reads the Thai
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == plan_io.gap_table([])[0]
    by_code = {row[0]: row for row in rows[1:]}
    assert sorted(by_code) == ["R-1", "R-2", "R-3", "R-4"]
    assert by_code["R-2"][1] == "'=ขยะมูลฝอย"  # a formula stays text


# ------------------------------------------------------------ phone width --

PHONE = {"width": 390, "height": 844}

LAYOUT = """([figures, filters]) => {
    const width = document.documentElement.clientWidth;
    const box = selector => { const e = document.querySelector(selector); return e && e.getBoundingClientRect(); };
    const figure = box(figures), form = box(filters);
    return {
        viewport: width, scrollWidth: document.documentElement.scrollWidth,
        // The elements sticking out of the page, for the message.
        wide: Array.from(document.querySelectorAll('body *')).filter(e => {
            const r = e.getBoundingClientRect(); return r.width > 0 && (r.right > width + 1 || r.left < -1);
        }).slice(0, 5).map(e => e.tagName + '.' + String(e.className)),
        canvases: Array.from(document.querySelectorAll('canvas')).map(c => {
            const r = c.getBoundingClientRect(); return [c.id, r.left, r.right, r.width, r.height]; }),
        figure: figure && [figure.top, figure.left], form: form && [form.top, form.left],
    };
}"""

PHONE_PAGES = [
    ("/th/gap/13", ".provincial-gap-summary", "form.provincial-gap-filters",
     ["provincial-gap-donut", "provincial-gap-issues", "provincial-gap-trend"]),
    ("/en/gap", ".provincial-gap-charts", "form:has(#compare-provinces)", ["provincial-gap-issues"]),
    ("/th/", ".provincial-home-figures", ".provincial-home-search form", []),
]


@pytest.fixture
def phone(browser, portal) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = Page(context.new_page(), portal.url)
    yield page
    context.close()
    assert page.errors == [], f"JavaScript errors: {page.errors}"


def layout(tab: Page, path: str, figures: str, filters: str, charts: list[str]) -> dict[str, Any]:
    tab.goto(path)
    if charts:
        tab.page.wait_for_function(
            "ids => ids.every(id => window.Chart && Chart.getChart(document.getElementById(id)))", arg=charts)
        tab.page.wait_for_timeout(400)  # the charts' opening animation
    return tab.page.evaluate(LAYOUT, [figures, filters])


@pytest.mark.parametrize("path, figures, filters, charts", PHONE_PAGES)
def test_pages_fit_a_phone_with_the_figures_before_the_filters(phone, path, figures, filters, charts):
    seen = layout(phone, path, figures, filters, charts)
    phone.shot("phone" + path.replace("/", "-").rstrip("-"))
    assert seen["viewport"] == PHONE["width"], seen
    assert seen["scrollWidth"] <= PHONE["width"], seen  # no sideways scrolling: tables scroll in their own box
    assert [c[0] for c in seen["canvases"]] == charts, seen
    for canvas_id, left, right, width, height in seen["canvases"]:
        assert left >= 0 and right <= PHONE["width"], (canvas_id, left, right)
        assert width > 250 and height > 150, (canvas_id, width, height)  # readable, not squeezed
    assert seen["figure"] and seen["form"], seen
    assert seen["figure"][0] < seen["form"][0], seen  # the figures first, the filters after them


def test_a_wide_table_scrolls_in_its_own_box_on_a_phone(phone):
    phone.goto("/th/gap/13")
    boxes = phone.page.evaluate("""() => Array.from(document.querySelectorAll('.provincial-table-scroll')).map(
        b => [b.clientWidth, b.scrollWidth, getComputedStyle(b).overflowX])""")
    assert boxes, "no table in a scrolling box"
    assert all(client <= PHONE["width"] and overflow == "auto" for client, _wide, overflow in boxes), boxes
    assert any(wide > client for client, wide, _overflow in boxes), boxes  # the requirement table is wider


@pytest.mark.parametrize("path, figures, filters, charts", PHONE_PAGES[:2])
def test_a_wide_screen_keeps_the_filters_in_the_sidebar(tab, path, figures, filters, charts):
    seen = layout(tab, path, figures, filters, charts)
    assert seen["scrollWidth"] <= 1280, seen
    assert seen["form"][1] < seen["figure"][1], seen  # the sidebar on the left of the figures
    for canvas_id, left, right, width, height in seen["canvases"]:
        assert right <= 1280 and height <= 900, (canvas_id, right, height)
