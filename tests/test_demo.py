"""The pilot provinces' demo: its data files, generated resources and loader.

The first part needs no CKAN (the builders are pure); the second loads the
demo into a real site and checks idempotency, ``--reset`` and the gap page's
statuses.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import time
from collections import Counter
from types import SimpleNamespace

import geothai
import pytest
from ckan.plugins import toolkit

from ckanext.provincial import gap
from ckanext.provincial.demo import builder, tables

pytestmark = pytest.mark.integration

TODAY = dt.date(2025, 6, 15)
PILOTS = ("13", "19")


@pytest.fixture(scope="module")
def catalogue():
    return builder.load_catalogue()


@pytest.fixture(scope="module")
def plans(catalogue):
    parents = builder.issue_parents()
    return {code: builder.province_plan(catalogue, code, parents, TODAY) for code in PILOTS}


# ------------------------------------------------------------ pure: content --

@pytest.mark.parametrize("code", PILOTS)
def test_each_pilot_province_has_the_promised_size(plans, code):
    plan = plans[code]
    assert len(plan.requirements) >= 40
    assert len(plan.datasets) >= 60
    kinds = Counter(d.fields["data_type"] for d in plan.datasets)
    assert set(kinds) == set(builder.DATA_TYPES.values()), kinds
    assert all(1 <= len(d.resources) <= 3 for d in plan.datasets)
    names = [o["name"] for o in plan.organizations]
    for agency in ("nso", "industry", "agriculture-coop", "tourism", "environment", "health", "land",
                   "disaster", "governor-office", "pao"):
        assert plan.province.org_name(agency) in names


@pytest.mark.parametrize("code", PILOTS)
def test_everything_is_marked_as_demonstration_data(plans, code):
    plan = plans[code]
    for org in plan.organizations:
        assert org["title"].endswith("(ข้อมูลสาธิต)")
        assert "Demonstration data" in org["description"]
    for dataset in plan.datasets:
        assert dataset.fields["title"].endswith("(ข้อมูลสาธิต)"), dataset.name
        assert "Demonstration data — not official statistics" in dataset.fields["notes"]
        assert "ข้อมูลสาธิต" in dataset.fields["tag_string"].split(",")
        for resource in dataset.resources:
            assert "Demonstration data" in resource.fields["description"]
    for requirement in plan.requirements:
        assert "(ข้อมูลสาธิต)" in requirement["source_plan"]


def thai_share(text):
    """Share of Thai letters among the letters of ``text`` (digits, marks and punctuation left out)."""
    letters = [c for c in text if c.isalpha()]
    return sum("\u0e00" <= c <= "\u0e7f" for c in letters) / len(letters) if letters else 0.0


def test_thai_share_counts_letters_only():
    assert thai_share("ข้อมูล 2567 (CSV)") == pytest.approx(4 / 7)
    assert thai_share("Demonstration data") == 0.0


@pytest.mark.parametrize("code", PILOTS)
def test_descriptions_read_in_thai_as_agencies_write_them(catalogue, plans, code):
    """Mainly Thai, marker included; the province named, the publishing agency
    named as who collects the data, no placeholder left."""
    plan = plans[code]
    for dataset in plan.datasets:
        notes = dataset.fields["notes"]
        text, _, note = notes.rpartition("\n\n")
        assert note == f"**{catalogue.defaults['marker_note']}**", dataset.name
        assert thai_share(notes) > 0.7, (dataset.name, notes)
        assert plan.province.name_th in text and "{" not in text, (dataset.name, text)
        assert dataset.fields["data_source"] in text, (dataset.name, text)
    for org in plan.organizations:
        own_words = org["description"].split("\n\n")[0]
        assert thai_share(own_words) > 0.9 and plan.province.name_th in own_words, org["name"]


@pytest.mark.parametrize("code", PILOTS)
def test_every_development_issue_of_the_province_has_requirements(plans, code):
    """Pathum Thani: the livable-city-with-industry issue, its three sub-issues
    and the four focus areas; Saraburi: its four issues and their sub-issues."""
    from ckanext.provincial import development_issues, schemas

    issues = development_issues.load_directory(schemas.path("development_issues")).all()
    own = {issue.code for issue in issues if issue.code.startswith(code + "-")}
    used = Counter()
    for requirement in plans[code].requirements:
        used[requirement["sub_issue"] or requirement["development_issue"]] += 1
        used[requirement["development_issue"]] += 1
    assert own == set(used), own ^ set(used)
    if code == "13":
        assert {"13-livable-industry-clean", "13-livable-industry-connected", "13-livable-industry-safe",
                "13-focus-industry", "13-focus-housing-estates", "13-focus-agriculture", "13-focus-tourism"} <= own


def test_names_and_codes_are_unique_and_fit_ckan(plans):
    names = [d.name for plan in plans.values() for d in plan.datasets]
    assert len(names) == len(set(names))
    assert all(len(n) <= 70 and n == n.lower() for n in names)
    for plan in plans.values():
        codes = [r["code"] for r in plan.requirements]
        assert len(codes) == len(set(codes))


@pytest.mark.parametrize("code", PILOTS)
def test_links_point_into_the_province(plans, code):
    plan = plans[code]
    planned = {r["code"] for r in plan.requirements}
    parents = builder.issue_parents()
    orgs = {o["name"] for o in plan.organizations}
    for dataset in plan.datasets:
        assert set(dataset.fields["requirement_codes"]) <= planned
        assert dataset.fields["owner_org"] in orgs
        assert dataset.fields["province_code"] == code
        assert [i[:3] for i in dataset.fields["development_issues"]] == [code + "-"]
        assert set(dataset.fields["development_issues"]) <= set(parents)
    for requirement in plan.requirements:
        assert requirement["agency"] in orgs
        assert requirement["priority"] in gap.PRIORITIES
        assert requirement["development_issue"] in parents
        if requirement["sub_issue"]:
            assert parents[requirement["sub_issue"]] == requirement["development_issue"]


@pytest.mark.parametrize("code", PILOTS)
def test_the_plan_shows_every_gap_status(plans, code):
    statuses = Counter(builder.expected_statuses(plans[code], TODAY).values())
    assert set(statuses) == set(gap.STATUSES), statuses
    # Mostly available, as in a province that has done most of the work.
    assert statuses[gap.AVAILABLE] > len(plans[code].requirements) / 2


# -------------------------------------------------------------- pure: files --

def _files(plan, fmt):
    return [r.file for d in plan.datasets for r in d.resources if r.file.format == fmt]


def test_generated_files_are_the_same_bytes_every_time(catalogue, plans):
    again = builder.province_plan(catalogue, "13", builder.issue_parents(), TODAY)
    before = {r.file.filename: r.file.md5 for d in plans["13"].datasets for r in d.resources}
    after = {r.file.filename: r.file.md5 for d in again.datasets for r in d.resources}
    assert before == after
    assert any(name.endswith(".xlsx") for name in before)


@pytest.mark.parametrize("code", PILOTS)
def test_csv_files_are_tables_with_real_district_codes(plans, code):
    districts = {d.code: d.name_th for d in geothai.districts(code)}
    seen = set()
    for generated in _files(plans[code], "CSV"):
        rows = list(csv.reader(io.StringIO(generated.data.decode("utf-8"))))
        assert len(rows) >= 2, generated.filename
        if generated.defects:
            continue  # see test_one_file_per_province_is_broken_on_purpose
        assert len({len(r) for r in rows}) == 1, generated.filename
        header = rows[0]
        if "รหัสอำเภอ" in header:
            at, name_at = header.index("รหัสอำเภอ"), header.index("อำเภอ")
            for row in rows[1:]:
                assert districts[row[at]] == row[name_at]
                seen.add(row[at])
    assert seen == set(districts)


@pytest.mark.parametrize("code", PILOTS)
def test_one_file_per_province_is_broken_on_purpose(plans, code):
    broken = [(d, r) for d in plans[code].datasets for r in d.resources if r.file.defects]
    assert len(broken) == 1, [d.name for d, _r in broken]
    dataset, resource = broken[0]
    assert resource.file.format == "CSV" and resource.file.defects == ("missing_cell", "blank_row")
    assert "จงใจให้มีข้อผิดพลาด" in dataset.fields["notes"]  # "mistakes on purpose"
    rows = list(csv.reader(io.StringIO(resource.file.data.decode("utf-8"))))
    width = len(rows[0])
    assert [len(r) - width for r in rows if len(r) != width] == [-1]
    assert sum(1 for r in rows if not any(r)) == 1
    # Its requirement would be available but for the contents (the content check decides).
    assert builder.expected_statuses(plans[code], TODAY)[dataset.fields["requirement_codes"][0]] == gap.AVAILABLE


@pytest.mark.parametrize("code", PILOTS)
def test_geojson_files_are_feature_collections_inside_the_province(plans, code):
    box = builder.bounding_box(plans[code].province, margin=0.2)
    files = _files(plans[code], "GeoJSON")
    assert files
    kinds = set()
    for generated in files:
        collection = json.loads(generated.data)
        assert collection["type"] == "FeatureCollection"
        assert collection["features"], generated.filename
        for feature in collection["features"]:
            geometry = feature["geometry"]
            kinds.add(geometry["type"])
            points = {"Point": lambda c: [c], "LineString": lambda c: c, "Polygon": lambda c: c[0]}[geometry["type"]](
                geometry["coordinates"])
            for lon, lat in points:
                assert float(box["west_bound_longitude"]) < lon < float(box["east_bound_longitude"])
                assert float(box["south_bound_longitude"]) < lat < float(box["north_bound_longitude"])
    assert kinds == {"Point", "LineString", "Polygon"}


@pytest.mark.parametrize("code", PILOTS)
def test_geojson_files_pass_the_content_check(plans, code, tmp_path):
    from ckanext.provincial.content_checks import content

    for generated in _files(plans[code], "GeoJSON"):
        path = tmp_path / generated.filename
        path.write_bytes(generated.data)
        report = content.check_file(str(path), "GeoJSON")
        assert report["status"] == "success", (generated.filename, report["errors"][:3])
        assert report["rows_checked"] == len(json.loads(generated.data)["features"])


def test_xlsx_files_open_as_workbooks(plans):
    from openpyxl import load_workbook

    files = _files(plans["19"], "XLSX")
    assert files
    for generated in files:
        sheet = load_workbook(io.BytesIO(generated.data), read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) >= 2 and all(rows[0])


def test_a_replaced_table_is_uploaded_again_with_its_new_hash(plans):
    """A file whose bytes changed is uploaded again (the loader then reloads
    it); an unchanged one is kept as stored."""
    from ckanext.provincial.demo import loader

    plan = next(d for d in plans["13"].datasets if [r.file.format for r in d.resources] == ["CSV", "XLSX"])
    stored = [{**r.fields, "id": f"r{i}", "url_type": "upload", "hash": "old"} for i, r in enumerate(plan.resources)]
    resources, uploads = loader._resources(plan, stored)
    assert uploads == [0, 1] and [r["id"] for r in resources] == ["r0", "r1"]
    assert [r["hash"] for r in resources] == [r.file.md5 for r in plan.resources]
    assert all(r["upload"].filename == r["url"] for r in resources)
    assert [r["hash"] for r in loader._resources(plan, [])[0]] == [r.file.md5 for r in plan.resources]
    # Unchanged files are kept as stored.
    same = [dict(s, hash=r.file.md5) for s, r in zip(stored, plan.resources)]
    assert loader._resources(plan, same) == (same, [])


# ------------------------------------------------------ pure: the replayed year --

def test_the_twelve_month_ends_before_today():
    from ckanext.provincial.demo import history

    ends = history.month_ends(dt.date(2026, 12, 3))
    assert ends[0] == dt.date(2025, 12, 31) and ends[-1] == dt.date(2026, 11, 30) and len(ends) == 12
    assert dt.date(2026, 2, 28) in ends
    # The last day of a month is not "before" itself: that month's end is not counted yet.
    assert history.month_ends(dt.date(2026, 11, 30))[-1] == dt.date(2026, 10, 31)
    # 23:59 in Bangkok is 16:59 UTC, the same day.
    assert history.taken_at(dt.date(2026, 11, 30)) == dt.datetime(2026, 11, 30, 16, 59)


def test_the_replay_counts_what_existed_on_the_day_as_it_was():
    from ckanext.provincial.demo import history

    requirements = [{"id": "r1", "province_code": "13", "code": "A-1", "priority": "high"},
                    {"id": "r2", "province_code": "13", "code": "A-2", "priority": "high"}]
    facts = [{"id": "d1", "name": "d1", "province_code": "13", "requirement_codes": ["A-1"], "private": False,
              "update_frequency_unit": "เดือน", "update_frequency_interval": 1,
              "last_updated_date": "2026-06-10", "problems": []}]
    created = {"r1": dt.date(2026, 1, 1), "r2": dt.date(2026, 3, 15), "d1": dt.date(2026, 2, 10)}

    def on(day):
        rows = history.replay(requirements, facts, created, day)
        return {row["code"]: row["status"] for row in rows}

    assert on(dt.date(2026, 1, 31)) == {"A-1": gap.MISSING}  # the dataset is not published yet
    assert on(dt.date(2026, 2, 28)) == {"A-1": gap.AVAILABLE}  # its release of the month before
    assert on(dt.date(2026, 3, 31)) == {"A-1": gap.AVAILABLE, "A-2": gap.MISSING}
    assert on(dt.date(2026, 6, 30)) == {"A-1": gap.AVAILABLE, "A-2": gap.MISSING}
    assert on(dt.date(2026, 8, 31)) == {"A-1": gap.STALE, "A-2": gap.MISSING}  # monthly, last updated in June
    # On a day before its last update, a dataset shows the release before (one interval back).
    assert history.as_of(facts[0], dt.date(2026, 5, 20))["last_updated_date"] == "2026-05-10"
    assert history.as_of(facts[0], dt.date(2026, 7, 1)) is facts[0]


def test_the_demos_story_dates_fall_in_the_year_before_the_last_month_end(plans):
    from ckanext.provincial.demo import history

    first, last = history.story_window(TODAY)
    published = [history.published_on(d.name, TODAY) for d in plans["13"].datasets]
    adopted = [history.adopted_on("13", r["code"], TODAY) for r in plans["13"].requirements]
    assert all(first <= day <= last for day in published + adopted)
    assert last == history.month_ends(TODAY)[-1]
    assert len(set(published)) > len(published) // 2  # spread over the year, not all on one day
    assert adopted.count(first) >= len(adopted) // 2 and len(set(adopted)) > 5  # a plan, then revisions
    assert published == [history.published_on(d.name, TODAY) for d in plans["13"].datasets]  # stable


def test_monthly_series_end_before_the_last_update():
    area = tables.Area("13", "ปทุมธานี", "Pathum Thani", {})
    spec = {"table": "monthly", "months": 12, "columns": [["v", "ค่า", 10, 20]]}
    table = tables.build_table(spec, area, dt.date(2025, 1, 20), __import__("random").Random(1))
    assert [row[:2] for row in (table.rows[0], table.rows[-1])] == [[2567, 1], [2567, 12]]


def test_a_bad_file_spec_is_reported_by_name():
    area = tables.Area("13", "ปทุมธานี", "Pathum Thani", {})
    with pytest.raises(tables.SpecError, match="unknown defect 'typo'"):
        tables.generate_files({"table": "yearly", "years": 3, "columns": [["a", "b", 1, 2]], "defects": ["typo"]},
                              area, TODAY, "s", "x", "x")
    with pytest.raises(tables.SpecError, match="defects are made in CSV files only"):
        tables.generate_files({"table": "yearly", "columns": [["a", "b", 1, 2]], "defects": ["blank_row"],
                               "formats": ["CSV", "XLSX"]}, area, TODAY, "s", "x", "x")
    with pytest.raises(tables.SpecError, match="unknown table kind"):
        tables.build_table({"table": "pie", "columns": [["a", "b", 1, 2]]}, area, TODAY, __import__("random").Random(1))
    with pytest.raises(tables.SpecError, match="min 5 > max 1"):
        tables.parse_column(["a", "b", 5, 1])


# ---------------------------------------------------- pure: the agency workbook --
#
# อบจ.สระบุรี (saraburi-pao) brings its catalogue as the national GDC metadata
# workbook; the demo load imports it (TestLoaded below).

@pytest.fixture(scope="module")
def agency_workbook(catalogue):
    from ckanext.provincial.demo import workbook as generator
    from ckanext.provincial.gdc_workbook.reader import read_catalogue

    (shipped,) = catalogue.workbooks
    source = generator.read_source(shipped.path[:-len(".xlsx")] + ".yaml")
    return SimpleNamespace(file=shipped, read=read_catalogue(shipped.path), source=source,
                           expected=generator.stored_datasets(source, catalogue))


def test_the_demo_ships_one_agency_workbook(catalogue, agency_workbook):
    shipped = agency_workbook.file
    assert (shipped.filename, shipped.organization, shipped.province_code) == ("saraburi-pao.xlsx", "saraburi-pao", "19")
    assert catalogue.workbooks_of("19") == [shipped] and catalogue.workbooks_of("13") == []


def test_the_agency_workbook_reads_without_a_problem(catalogue, agency_workbook):
    from ckanext.provincial.loading import jobs as loads
    from ckanext.provincial.content_checks import jobs as checks

    read = agency_workbook.read
    assert read.problems == [] and read.layout == "current+provincial"
    assert 6 <= len(read.records) <= 10
    by_sheet = Counter(record.sheet for record in read.records)
    assert {"Temp2_Meta_Record", "Temp2_Meta_Stat", "Temp2_Meta_GIS"} <= set(by_sheet), by_sheet
    note = catalogue.defaults["marker_note"]
    for record in read.records:
        dataset = record.dataset
        assert record.owner_org_text == "องค์การบริหารส่วนจังหวัดสระบุรี"
        assert builder.is_demo_title(dataset["title"], catalogue) and dataset["notes"].endswith(note)
        assert catalogue.defaults["tag"] in dataset["tag_string"].split(",")
        assert dataset["province_code"] == "19" and dataset["development_issues"] and dataset["pmqa"]
        assert record.resources, dataset["name"]
        for resource in dataset["resources"]:
            # Links the worker would not download: there is nothing to load or check.
            assert resource["url"].startswith("https://") and note in resource["description"]
            assert not loads.is_loadable(resource) and not checks.is_checkable(resource), resource
    assert {code for r in read.records for code in r.dataset.get("requirement_codes", [])} == {
        "CON-01", "ENV-03", "SAF-08", "GOV-05"}


def test_the_agency_workbook_is_what_its_source_makes(agency_workbook):
    """Every value of the source (the agency's cells as typed included) reads back as stored."""
    read = {record.dataset["name"]: record.dataset for record in agency_workbook.read.records}
    assert list(read) == [d["name"] for d in agency_workbook.expected]
    for expected in agency_workbook.expected:
        assert read[expected["name"]] == expected


def test_the_agency_workbook_is_typed_as_agencies_type(agency_workbook):
    from openpyxl import load_workbook

    book = load_workbook(agency_workbook.file.path)
    records = book["Temp2_Meta_Record"]
    assert "องค์การบริหารส่วนจังหวัดสระบุรี" in records["A1"].value and "2568" in records["A2"].value
    assert records["C4"].value == "ชื่อชุดข้อมูล"          # Thai headers on row 4
    assert "(title)" in records["C5"].value               # the explanation row under them
    row = {records.cell(4, column).value: records.cell(6, column).value for column in range(1, records.max_column + 1)}
    assert row["วันที่เริ่มต้นสร้าง"] == "1 ต.ค. 2555"       # Buddhist-era dates, typed
    assert row["วันที่ปรับปรุงข้อมูลล่าสุด"] == "31/3/2568"
    assert row["ชุดข้อมูลที่มีคุณค่าสูง"] == "ใช่" and row["คำสำคัญ"] == "ถนน, ทางหลวงท้องถิ่น,อบจ., ข้อมูลสาธิต"
    stat = book["Temp2_Meta_Stat"]
    header = [cell.value for cell in stat[4]]
    released = stat.cell(6, header.index("วันที่กำหนดเผยแพร่ข้อมูล") + 1)
    assert released.is_date and "107" in released.number_format   # a date cell in the Buddhist calendar
    typed = [cell.value for sheet in book.worksheets for line in sheet.iter_rows(min_row=6) for cell in line]
    assert "Database, อื่นๆ: API" in typed and "อื่นๆ (โปรดระบุ) เมื่อมีการเปลี่ยนแปลง" in typed
    assert "๑" in typed                                    # a Thai digit


def test_a_workbook_named_after_no_demo_organization_is_refused(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(builder.DATA_DIR, data)
    (data / "workbooks" / "saraburi-unknown-office.xlsx").write_bytes(b"")
    with pytest.raises(builder.CatalogueError, match="saraburi-unknown-office.xlsx: the file is named after no demo"):
        builder.load_catalogue(str(data))


# ------------------------------------------------------------ loading into CKAN --
#
# The site is loaded once for the module (both provinces, as ``make demo``
# does); the tests that change it (a real organization in the way, ``--reset``)
# come last and leave the demo as they found it.

def _state(code):
    """What the demo holds in a province: ids of organizations, datasets,
    requirements and resources (with their file hashes)."""
    from tests.ckan_session import call_action

    province = builder.load_catalogue().province(code)
    orgs = sorted(name for name in call_action("organization_list") if name.startswith(province.slug + "-"))
    found = call_action("package_search", fq=f"name:{province.slug}-*", rows=1000, include_private=True)
    datasets = {pkg["name"]: pkg for pkg in found["results"]}
    requirements = call_action("provincial_requirement_list", province_code=code)
    return {
        "organizations": orgs,
        "datasets": sorted((pkg["name"], pkg["id"], pkg["metadata_modified"]) for pkg in datasets.values()),
        "requirements": sorted((r["code"], r["id"], r["modified"]) for r in requirements),
        "resources": sorted((r["id"], r["hash"], r["url"]) for pkg in datasets.values() for r in pkg["resources"]),
    }


@pytest.fixture(scope="module")
def loaded(reset_db, reset_index, migrate_db_for):
    """A site as ``make demo`` leaves it: plugin tables, vocabularies, then both pilot provinces."""
    from ckanext.provincial.demo import loader
    from tests import ckan_session

    ckan_session.ensure_plugins()
    reset_db()
    migrate_db_for("provincial")
    reset_index()
    ckan_session.call_action("provincial_vocabulary_sync")

    started = time.monotonic()
    summaries = loader.load()
    seconds = time.monotonic() - started
    print(f"\nboth provinces loaded in {seconds:.1f} s")
    yield SimpleNamespace(
        summaries={s.province_code: s for s in summaries},
        seconds=seconds,
        states={code: _state(code) for code in PILOTS},
        app=ckan_session.test_app(),
    )
    # The in-process tests have no worker: drop the jobs the load queued.
    from ckan.lib import jobs as ckan_jobs

    for queue in ckan_jobs.get_all_queues():
        queue.empty()


def _broken_resource(code):
    """The demo's resource with defects on purpose, and its dataset's plan."""
    plan = builder.province_plan(builder.load_catalogue(), code, builder.issue_parents(), TODAY)
    for dataset in plan.datasets:
        for resource in dataset.resources:
            if resource.file.defects:
                return dataset, resource
    raise AssertionError(f"no demo file with defects in province {code}")


class TestLoaded:
    @pytest.mark.parametrize("code", PILOTS)
    def test_first_load_creates_everything_once(self, loaded, code):
        summary, state = loaded.summaries[code], loaded.states[code]
        imported = sum(w.datasets.created for w in summary.workbooks)
        links = sum(w.resources for w in summary.workbooks)
        assert summary.datasets.created + imported == len(state["datasets"]) >= 60
        assert summary.requirements.created == len(state["requirements"]) >= 40
        assert summary.organizations.created == len(state["organizations"]) >= 10
        assert summary.uploaded == summary.resources == len(state["resources"]) - links
        assert not (summary.datasets.updated or summary.datasets.unchanged)
        assert [(w.filename, str(w.datasets)) for w in summary.workbooks] == (
            [("saraburi-pao.xlsx", "9 (9 new)")] if code == "19" else [])

    def test_the_agency_workbook_is_imported_public_into_its_agency(self, loaded, agency_workbook):
        """Its datasets as the import page makes them: public (the demo publishes), in
        the agency's organization, the provincial fields read, link resources."""
        from tests.ckan_session import call_action

        org = call_action("organization_show", id="saraburi-pao")
        for expected in agency_workbook.expected:
            pkg = call_action("package_show", id=expected["name"])
            assert pkg["private"] is False and pkg["owner_org"] == org["id"]
            assert pkg["title"] == expected["title"] and pkg["notes"] == expected["notes"]
            for field in ("data_type", "province_code", "district_codes", "development_issues", "pmqa",
                          "requirement_codes", "objective", "objective_other", "update_frequency_unit",
                          "update_frequency_unit_other", "data_format", "data_format_other", "last_updated_date"):
                assert (pkg.get(field) or None) == (expected.get(field) or None), (expected["name"], field)
            assert sorted(t["name"] for t in pkg["tags"]) == sorted(expected["tag_string"].split(","))
            assert [(r["url"], r["format"], r["url_type"] or "") for r in pkg["resources"]] == [
                (r["url"], r["format"], "") for r in expected["resources"]]
        # The plan sees them: the waste centre's figures fulfil ENV-03 next to the catalogue's dataset.
        gap_rows = {r["code"]: r for r in call_action("provincial_gap_show", province_code="19")["requirements"]}
        assert "saraburi-pao-waste-centre-intake" in [d["name"] for d in gap_rows["ENV-03"]["datasets"]]
        # Indexed and public: an anonymous search of the agency lists them.
        found = call_action("package_search", fq="organization:saraburi-pao", rows=100, context={"user": ""})
        assert {d["name"] for d in agency_workbook.expected} <= {d["name"] for d in found["results"]}

    def test_the_import_page_checks_the_shipped_workbook_as_the_readme_says(self, loaded, agency_workbook):
        """A dry run of the file on the agency's import page: every row unchanged, nothing written."""
        from ckan.tests import factories

        admin = factories.SysadminWithToken()
        with open(agency_workbook.file.path, "rb") as handle:
            content = handle.read()
        response = loaded.app.post("/organization/saraburi-pao/import", headers={"Authorization": admin["token"]},
                                   data={"dry_run": "1", "upload": (io.BytesIO(content), "saraburi-pao.xlsx")})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "provincial-import-confirm" in html
        assert "9 rows: 0 would be new, 0 updated, 9 unchanged" in html
        assert all(d["name"] in html for d in agency_workbook.expected)
        assert _state("19") == loaded.states["19"]

    @pytest.mark.parametrize("code", PILOTS)
    def test_agency_staff_publish_so_the_streams_and_the_plan_history_show_people(self, loaded, code):
        from ckanext.provincial.demo import people
        from tests.ckan_session import call_action

        province = builder.load_catalogue().province(code)
        found = call_action("package_search", fq=f"name:{province.slug}-*", rows=1, sort="name asc")["results"][0]
        stream = call_action("package_activity_list", id=found["id"])
        staff = people.staff_name(found["organization"]["name"])
        assert [a["activity_type"] for a in stream][-1] == "new package"
        assert {a["user_id"] for a in stream} == {call_action("user_show", id=staff)["id"]}
        members = call_action("member_list", id=found["organization"]["id"], object_type="user", capacity="editor")
        assert call_action("user_show", id=staff)["id"] in {member_id for member_id, _kind, _role in members}

        plan = call_action("provincial_plan_activity_list", province_code=code, limit=100)
        created = [a for a in plan if a["activity_type"] == "new requirement"]
        assert len(created) >= 40 and {a["data"]["actor"] for a in created} == {
            people.staff_name(next(o["name"] for o in builder.organizations(builder.load_catalogue(), province)
                                   if o["plan_coordinator"] == "True"))}

    @pytest.mark.parametrize("code", PILOTS)
    def test_data_requests_in_each_state_by_demo_users(self, loaded, code):
        from tests.ckan_session import call_action

        found = call_action("provincial_datarequest_list", province_code=code)
        assert {"open", "accepted", "fulfilled", "declined", "answered"} <= {r["status"] for r in found["results"]}
        assert all(r["user_name"].startswith("demo-citizen-") for r in found["results"])
        shown = [call_action("provincial_datarequest_show", id=r["id"]) for r in found["results"]]
        assert any(e["kind"] == "comment" for s in shown for e in s["events"])
        accepted = next(s for s in shown if s["status"] == "accepted")
        assert accepted["requirement"]["status"] != "available"

    def test_second_load_changes_nothing(self, loaded, cli):
        from ckan.cli.cli import ckan

        result = cli.invoke(ckan, ["provincial", "demo", "load"])
        assert result.exit_code == 0, result.output
        for code in PILOTS:
            name = builder.load_catalogue().province(code).name_en
            line = next(line for line in result.output.splitlines() if line.startswith(f"{name} ({code})"))
            assert "(0 uploaded)" in line and "new" not in line and "updated" not in line, line
            assert _state(code) == loaded.states[code]
        # The agency's workbook imported again: its datasets unchanged.
        assert "agency workbook saraburi-pao.xlsx imported into saraburi-pao: datasets 9," in result.output

    @pytest.mark.parametrize("code", PILOTS)
    def test_gap_page_shows_every_status(self, loaded, code):
        from tests.ckan_session import call_action

        gap_page = call_action("provincial_gap_show", province_code=code)
        counts = gap_page["summary"]["counts"]
        assert all(counts[status] >= 1 for status in gap.STATUSES), counts
        assert gap_page["summary"]["total"] == len(loaded.states[code]["requirements"])
        assert gap_page["unlinked_datasets"], "the demo has published datasets outside the plan"

        page = loaded.app.get(f"/gap/{code}")
        assert page.status_code == 200
        shown = set(re.findall(r'<tr data-code="[^"]+" data-status="(\w+)"', page.body))
        assert shown == set(gap.STATUSES), shown

    @pytest.mark.parametrize("code", PILOTS)
    def test_a_year_of_monthly_demonstration_snapshots(self, loaded, code):
        """Replayed from the demo's history (demo/history.py); run after the second load: still 12."""
        from ckanext.provincial import gap_service, model
        from ckanext.provincial.demo import history, loader
        from tests.ckan_session import call_action

        today = loader.bangkok_today()
        snapshots = (model.session().query(model.GapSnapshot).filter_by(province_code=code)
                     .order_by(model.GapSnapshot.taken_at).all())
        assert len(snapshots) == 12 and all(s.demonstration for s in snapshots)
        bangkok = [s.taken_at.replace(tzinfo=dt.timezone.utc).astimezone(history.BANGKOK) for s in snapshots]
        assert [b.date() for b in bangkok] == history.month_ends(today)
        assert all((b + dt.timedelta(days=1)).day == 1 and (b.hour, b.minute) == (23, 59) for b in bangkok)
        listed = call_action("provincial_gap_snapshot_list", province_code=code)
        assert len(listed) == 12 and all(s["demonstration"] is True for s in listed)

        # A real trend: the plan and the datasets grew over the year.
        assert len({(s.total, s.coverage, s.readiness) for s in snapshots}) >= 8
        assert snapshots[0].coverage < snapshots[5].coverage < snapshots[-1].coverage
        assert [s.total for s in snapshots] == sorted(s.total for s in snapshots)

        # The newest: today's plan and datasets judged on that day (nothing is dated after it).
        last_day = bangkok[-1].date()
        shown = call_action("provincial_gap_show", province_code=code)
        assert snapshots[-1].total == shown["summary"]["total"]
        requirements = [r.as_dict() for r in model.requirements([code])]
        facts = [f for f in gap_service.dataset_facts(gap_service.province_filter([code]))
                 if builder.is_demo_title(f["title"], builder.load_catalogue())]
        expected = gap.score(gap.evaluate(requirements, facts, last_day))
        assert (snapshots[-1].counts, snapshots[-1].coverage, snapshots[-1].readiness) == (
            expected["counts"], expected["coverage"], expected["readiness"])

        # The portal says when the datasets were published: the dates the replay used.
        package = call_action("package_show", id=facts[0]["name"])
        published = dt.date.fromisoformat(package["metadata_created"][:10])
        assert history.story_window(today)[0] - dt.timedelta(days=1) <= published <= last_day

        page = loaded.app.get(f"/gap/{code}")
        assert 'class="badge provincial-gap-demonstration"' in page.body  # said beside the trend

    # Words one Thai token long, found in one description only.
    @pytest.mark.parametrize("word, key", [
        ("ไมครอน", "pm25-daily"),              # microns
        ("มัสยิด", "temples"),                 # mosques
        ("ลูกจ้าง", "industrial-employment"),   # employees
    ])
    @pytest.mark.parametrize("code", PILOTS)
    def test_thai_search_finds_demo_datasets_by_words_of_their_descriptions(self, loaded, code, word, key):
        from tests.ckan_session import call_action

        province = builder.load_catalogue().province(code)
        pkg = call_action("package_show", id=province.dataset_name(key))
        assert word in pkg["notes"] and word not in pkg["title"]
        found = call_action("package_search", q=word, fq=f"name:{province.slug}-*", rows=100)["results"]
        assert [d["name"] for d in found] == [province.dataset_name(key)]

    def test_files_went_through_the_file_store(self, loaded):
        from tests.ckan_session import call_action

        pkg = call_action("package_show", id="pathumthani-factories-by-district")
        assert [r["format"] for r in pkg["resources"]] == ["CSV", "XLSX"]
        for resource in pkg["resources"]:
            assert resource["url_type"] == "upload"
            response = loaded.app.get(resource["url"])
            assert response.status_code == 200
            assert hashlib.md5(response.data).hexdigest() == resource["hash"]

    @pytest.mark.parametrize("code", PILOTS)
    def test_the_broken_file_fails_validation_and_its_requirement_is_incomplete(self, loaded, code):
        from tests.ckan_session import call_action
        from ckanext.provincial.content_checks import jobs

        planned, broken = _broken_resource(code)
        pkg = call_action("package_show", id=planned.name)
        requirement = pkg["requirement_codes"][0]
        before = {r["code"]: r for r in call_action("provincial_gap_show", province_code=code)["requirements"]}
        assert before[requirement]["status"] == gap.AVAILABLE, "only its contents are wrong"

        # What the worker does after the upload.
        resource = next(r for r in pkg["resources"] if r["name"] == broken.fields["name"])
        assert jobs.check_resource(resource["id"], None, wait_seconds=0) == "failure"
        report = call_action("provincial_validation_show", resource_id=resource["id"])
        assert set(report["errors_by_code"]) == {"missing-cell", "blank-row"}

        after = {r["code"]: r for r in call_action("provincial_gap_show", province_code=code)["requirements"]}
        assert after[requirement]["status"] == gap.INCOMPLETE
        assert after[requirement]["problems"] == ["content:" + resource["name"]]

        page = loaded.app.get(f"/dataset/{planned.name}/resource/{resource['id']}").body
        assert 'data-validation-status="failure"' in page
        assert "missing-cell" in page or "Missing cell" in page or "ขาดค่า" in page

        # A well-formed file of the same province passes.
        good = call_action("package_show", id=f"{planned.name.split('-')[0]}-factory-register")["resources"][0]
        assert jobs.check_resource(good["id"], None, wait_seconds=0) == "success"

    @pytest.mark.parametrize("code", PILOTS)
    def test_the_map_files_pass_their_content_check(self, loaded, code):
        from tests.ckan_session import call_action
        from ckanext.provincial.content_checks import jobs

        plan = builder.province_plan(builder.load_catalogue(), code, builder.issue_parents(), TODAY)
        maps = [(d.name, r.fields["name"]) for d in plan.datasets for r in d.resources if r.file.format == "GeoJSON"]
        assert maps
        for dataset_name, resource_name in maps:
            pkg = call_action("package_show", id=dataset_name)
            resource = next(r for r in pkg["resources"] if r["name"] == resource_name)
            assert jobs.is_checkable(resource), resource["format"]
            assert jobs.check_resource(resource["id"], None, wait_seconds=0) == "success", resource_name

    def test_an_agency_with_a_demo_name_that_is_not_demo_data_is_left_alone(self, loaded):
        from tests.ckan_session import call_action
        from ckanext.provincial.demo import loader

        real_title = "สำนักงานสถิติจังหวัดปทุมธานี"
        call_action("organization_patch", id="pathumthani-nso", title=real_title)
        try:
            with pytest.raises(loader.DemoError, match="pathumthani-nso exists and is not demonstration data"):
                loader.load(["13"])
            assert call_action("organization_show", id="pathumthani-nso")["title"] == real_title
        finally:
            call_action("organization_patch", id="pathumthani-nso", title=f"{real_title} (ข้อมูลสาธิต)")

    def test_a_wrong_value_in_the_data_files_names_the_dataset_and_writes_nothing(self, loaded):
        import copy
        import dataclasses

        from tests.ckan_session import call_action
        from ckanext.provincial.demo import loader

        full = builder.load_catalogue()
        theme = copy.deepcopy(full.themes[0])
        theme["datasets"] = [dict(theme["datasets"][0], key="wrong-category", gdc={"data_category": "ลับมาก"})]
        with pytest.raises(loader.DemoError, match=r"dataset pathumthani-wrong-category was refused: data_category"):
            loader.load(["13"], catalogue=dataclasses.replace(full, themes=(theme,)))
        with pytest.raises(toolkit.ObjectNotFound):
            call_action("package_show", id="pathumthani-wrong-category")

    def test_a_wrong_row_in_the_agency_workbook_names_its_cell_and_writes_nothing(self, loaded, agency_workbook,
                                                                                 tmp_path):
        import copy
        import dataclasses

        from tests.ckan_session import call_action
        from ckanext.provincial.demo import loader, workbook as generator

        source = copy.deepcopy(agency_workbook.source)
        source["datasets"][0]["title"] = "ทะเบียนที่แก้ชื่อแล้ว"                 # an update...
        source["datasets"].append(dict(source["datasets"][1], name="saraburi-pao-new-register"))  # a new row...
        source["datasets"][3]["requirement_codes"] = ["NOPE-99"]              # and a wrong one
        path = tmp_path / "saraburi-pao.xlsx"
        full = builder.load_catalogue()
        path.write_bytes(generator.build(source, full))
        broken = dataclasses.replace(full, workbooks=(builder.AgencyWorkbook(str(path), "saraburi-pao", "19"),))
        with pytest.raises(loader.DemoError, match=r"saraburi-pao.xlsx was refused: Temp2_Meta_Stat row 6 column "
                                                   r"\w+: .*NOPE-99"):
            loader.load(["19"], catalogue=broken)
        first = agency_workbook.expected[0]
        assert call_action("package_show", id=first["name"])["title"] == first["title"]
        with pytest.raises(toolkit.ObjectNotFound):
            call_action("package_show", id="saraburi-pao-new-register")

    def test_reset_purges_everything_and_loads_again(self, loaded):
        """Last: it leaves province 19 with a smaller catalogue (a whole one
        loads as in the fixture; what --reset adds is the purge)."""
        import dataclasses

        from ckanext.provincial.demo import loader

        full = builder.load_catalogue()
        # The agency workbook's datasets name requirements the smaller plan lacks: left out.
        small = dataclasses.replace(full, themes=full.themes[:3], workbooks=())
        before = _state("19")
        summary = loader.load(["19"], reset=True, catalogue=small)[0]
        after = _state("19")
        # Everything the demo made goes, also datasets the smaller catalogue does not name
        # and those the agency workbook brought.
        assert summary.datasets.deleted == len(before["datasets"]) >= 60
        assert "saraburi-pao-fire-hydrants" in [n for n, _i, _m in before["datasets"]]
        assert summary.requirements.deleted == len(before["requirements"]) >= 40
        assert summary.organizations.deleted == len(before["organizations"])
        expected = sorted(d.name for d in builder.province_plan(small, "19", builder.issue_parents(), TODAY).datasets)
        assert [n for n, _i, _m in after["datasets"]] == expected
        assert summary.datasets.created == len(expected) and summary.uploaded == len(after["resources"])
        assert len(after["requirements"]) == 3
        assert after["organizations"] == before["organizations"]
        # New objects, not the old ones kept.
        assert not {i for _n, i, _m in after["datasets"]} & {i for _n, i, _m in before["datasets"]}
        assert not {i for i, _h, _u in after["resources"]} & {i for i, _h, _u in before["resources"]}
