"""The pilot provinces' demo: its data files, generated resources and loader.

The first part needs no CKAN (the builders are pure); the second loads the
demo into a real site and checks idempotency, ``--reset`` and the gap page's
statuses.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections import Counter

import geothai
import pytest

from ckanext.provincial import demo, gap
from ckanext.provincial.demo import tables

TODAY = dt.date(2025, 6, 15)
PILOTS = ("13", "19")


@pytest.fixture(scope="module")
def catalogue():
    return demo.load_catalogue()


@pytest.fixture(scope="module")
def plans(catalogue):
    parents = demo.issue_parents()
    return {code: demo.province_plan(catalogue, code, parents, TODAY) for code in PILOTS}


# ------------------------------------------------------------ pure: content --

@pytest.mark.parametrize("code", PILOTS)
def test_each_pilot_province_has_the_promised_size(plans, code):
    plan = plans[code]
    assert len(plan.requirements) >= 40
    assert len(plan.datasets) >= 60
    kinds = Counter(d.fields["data_type"] for d in plan.datasets)
    assert set(kinds) == set(demo.DATA_TYPES.values()), kinds
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
    parents = demo.issue_parents()
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
    statuses = Counter(demo.expected_statuses(plans[code], TODAY).values())
    assert set(statuses) == set(gap.STATUSES), statuses
    # Mostly available, as in a province that has done most of the work.
    assert statuses[gap.AVAILABLE] > len(plans[code].requirements) / 2


# -------------------------------------------------------------- pure: files --

def _files(plan, fmt):
    return [r.file for d in plan.datasets for r in d.resources if r.file.format == fmt]


def test_generated_files_are_the_same_bytes_every_time(catalogue, plans):
    again = demo.province_plan(catalogue, "13", demo.issue_parents(), TODAY)
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
        assert len({len(r) for r in rows}) == 1, generated.filename
        header = rows[0]
        if "รหัสอำเภอ" in header:
            at, name_at = header.index("รหัสอำเภอ"), header.index("อำเภอ")
            for row in rows[1:]:
                assert districts[row[at]] == row[name_at]
                seen.add(row[at])
    assert seen == set(districts)


@pytest.mark.parametrize("code", PILOTS)
def test_geojson_files_are_feature_collections_inside_the_province(plans, code):
    box = demo.bounding_box(plans[code].province, margin=0.2)
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


def test_xlsx_files_open_as_workbooks(plans):
    from openpyxl import load_workbook

    files = _files(plans["19"], "XLSX")
    assert files
    for generated in files:
        sheet = load_workbook(io.BytesIO(generated.data), read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) >= 2 and all(rows[0])


def test_monthly_series_end_before_the_last_update():
    area = tables.Area("13", "ปทุมธานี", "Pathum Thani", {})
    spec = {"table": "monthly", "months": 12, "columns": [["v", "ค่า", 10, 20]]}
    table = tables.build_table(spec, area, dt.date(2025, 1, 20), __import__("random").Random(1))
    assert [row[:2] for row in (table.rows[0], table.rows[-1])] == [[2567, 1], [2567, 12]]


def test_a_bad_file_spec_is_reported_by_name():
    area = tables.Area("13", "ปทุมธานี", "Pathum Thani", {})
    with pytest.raises(tables.SpecError, match="unknown table kind"):
        tables.build_table({"table": "pie", "columns": [["a", "b", 1, 2]]}, area, TODAY, __import__("random").Random(1))
    with pytest.raises(tables.SpecError, match="min 5 > max 1"):
        tables.parse_column(["a", "b", 5, 1])


# ------------------------------------------------------------ loading into CKAN --

def _state(code):
    """What the demo holds in a province: ids of organizations, datasets,
    requirements and resources (with their file hashes)."""
    from ckan.tests.helpers import call_action

    province = demo.load_catalogue().province(code)
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


@pytest.fixture
def vocabularies(with_plugins, clean_db, clean_index, migrate_db_for):
    """A site as ``make demo`` leaves it before the demo: plugin tables, vocabularies."""
    from ckan.tests.helpers import call_action

    migrate_db_for("provincial")
    call_action("provincial_vocabulary_sync")


@pytest.mark.usefixtures("vocabularies")
class TestLoader:
    def test_loads_once_then_changes_nothing_and_shows_every_gap_status(self, cli, app):
        from ckan.cli.cli import ckan
        from ckan.tests.helpers import call_action
        from ckanext.provincial.demo import loader

        started = time.monotonic()
        first = loader.load(["13"])[0]
        first_seconds = time.monotonic() - started
        before = _state("13")
        assert first.datasets.created == len(before["datasets"]) >= 60
        assert first.requirements.created == len(before["requirements"]) >= 40
        assert first.organizations.created == len(before["organizations"]) >= 10
        assert first.uploaded == first.resources == len(before["resources"])

        # The second run, through the command line, finds everything in place.
        result = cli.invoke(ckan, ["provincial", "demo", "load", "--province", "13"])
        assert result.exit_code == 0, result.output
        assert "Pathum Thani (13)" in result.output and "(0 uploaded)" in result.output
        assert "new" not in result.output and "updated" not in result.output
        assert _state("13") == before

        gap_page = call_action("provincial_gap_show", province_code="13")
        counts = gap_page["summary"]["counts"]
        assert all(counts[status] >= 1 for status in gap.STATUSES), counts
        assert gap_page["summary"]["total"] == len(before["requirements"])
        assert gap_page["unlinked_datasets"], "the demo has published datasets outside the plan"

        # Files went through the file store: the download is the generated file.
        pkg = call_action("package_show", id="pathumthani-factories-by-district")
        resource = pkg["resources"][0]
        assert resource["url_type"] == "upload"
        response = app.get(resource["url"])
        assert response.status_code == 200
        import hashlib
        assert hashlib.md5(response.data).hexdigest() == resource["hash"]
        print(f"\none province loaded in {first_seconds:.1f} s")

    def test_reset_purges_and_loads_again(self):
        from ckan.tests.helpers import call_action
        from ckanext.provincial.demo import loader

        loader.load(["19"])
        before = _state("19")
        summary = loader.load(["19"], reset=True)[0]
        after = _state("19")
        assert summary.datasets.deleted == len(before["datasets"])
        assert summary.requirements.deleted == len(before["requirements"])
        assert summary.organizations.deleted == len(before["organizations"])
        assert [n for n, _i, _m in after["datasets"]] == [n for n, _i, _m in before["datasets"]]
        assert len(after["requirements"]) == len(before["requirements"])
        assert after["organizations"] == before["organizations"]
        # New objects, not the old ones kept.
        assert not {i for _n, i, _m in after["datasets"]} & {i for _n, i, _m in before["datasets"]}

    def test_both_pilot_provinces_show_every_gap_status(self):
        from ckan.tests.helpers import call_action
        from ckanext.provincial.demo import loader

        started = time.monotonic()
        summaries = loader.load()
        seconds = time.monotonic() - started
        assert [s.province_code for s in summaries] == list(PILOTS)
        for code in PILOTS:
            counts = call_action("provincial_gap_show", province_code=code)["summary"]["counts"]
            assert all(counts[status] >= 1 for status in gap.STATUSES), (code, counts)
        print(f"\nboth provinces loaded in {seconds:.1f} s")

    def test_a_real_dataset_with_a_demo_name_is_left_alone(self):
        from ckan.tests import factories
        from ckanext.provincial.demo import loader

        org = factories.Organization(name="pathumthani-nso", title="สำนักงานสถิติจังหวัดปทุมธานี")
        with pytest.raises(loader.DemoError, match="pathumthani-nso exists and is not demonstration data"):
            loader.load(["13"])
        from ckan.tests.helpers import call_action
        assert call_action("organization_show", id=org["id"])["title"] == "สำนักงานสถิติจังหวัดปทุมธานี"
