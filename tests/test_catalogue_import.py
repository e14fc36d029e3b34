"""Import of the national GDC metadata workbook: all or nothing, on the real stack.

Workbooks are written by the portal's own writer (title rows, Thai headers,
Buddhist-era dates, the explanation row) from datasets shaped like an agency's,
then edited cell by cell with openpyxl where a test needs what agencies type
(Excel date cells, Thai digits, free text for "other", a wrong e-mail).

The module shares one database (made once, like the permissions matrix): each
test makes its own agencies, users and URL names, so the tests are independent
and may run in any order. Nothing is mocked: failures in the middle of an
import are real database errors (a trigger refusing a row, a deferred
constraint failing the commit) and real code of ours raising.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import time
import uuid
from typing import Any

import openpyxl
from bs4 import BeautifulSoup
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

import ckan.model as ckan_model
import ckan.plugins.toolkit as toolkit
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import catalogue_import
from ckanext.provincial.gdc_workbook import layout as layouts, writer
from ckanext.provincial.loading import jobs as loads
from tests import ckan_session
from tests.factories import gdc_dataset, provincial_organization

pytestmark = pytest.mark.integration

TYPES = ("record", "statistics", "gis", "multiple", "other")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def site(reset_db, reset_index, migrate_db_for):
    ckan_session.ensure_plugins()
    reset_db()
    migrate_db_for("provincial")
    reset_index()
    yield


def agency(*members: tuple[dict, str], **fields) -> dict:
    """An agency of Pathum Thani with ``(user, capacity)`` members."""
    return provincial_organization(name=unique("agency"), users=[
        {"name": user["name"], "capacity": capacity} for user, capacity in members], **fields)


def as_user(user: dict | None) -> dict[str, Any]:
    return {"user": user["name"] if user else "", "ignore_auth": False}


class Upload(io.BytesIO):
    """A workbook as the web form hands it over."""

    def __init__(self, content: bytes, filename: str = "บัญชีข้อมูล_สำนักงานจังหวัด (ฉบับปรับปรุง).xlsx"):
        super().__init__(content)
        self.filename = filename


def datasets_of(org: dict, types=TYPES, **overrides) -> list[dict]:
    """One dataset of each data type, as an agency would describe it, with a CSV link each."""
    found = []
    for key in types:
        dataset = gdc_dataset(key, owner_org=org["id"], name=unique(key[:4]), **overrides)
        dataset["title"] = f"{dataset['title']} ({key}) ปี พ.ศ. 2566"
        found.append(dataset)
    return found


def workbook(datasets: list[dict], organizations: dict[str, str] | None = None) -> bytes:
    return writer.write_catalogue(datasets, organizations=organizations)


def column_of(sheet: str, field: str) -> str:
    found = layouts.layouts()[layouts.CURRENT].sheet(sheet)
    columns = list(found.columns) + list(found.provincial)
    return layouts.column_letter([c.key for c in columns].index(field) + 1)


def row_of(content: bytes, sheet: str, name: str) -> int:
    book = openpyxl.load_workbook(io.BytesIO(content))
    for row in book[sheet].iter_rows(min_row=1):
        if row[0].value == name:
            return row[0].row
    raise AssertionError(f"{name} not in {sheet}")


def edited(content: bytes, cells: dict[tuple[str, str], Any]) -> bytes:
    """The workbook with cells ``(sheet, "F6")`` set as an agency would type them."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    for (sheet, ref), value in cells.items():
        book[sheet][ref].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_import(user: dict | None, org: dict, content: bytes, **options) -> dict:
    return call_action("provincial_dataset_import", as_user(user), owner_org=org["id"], upload=Upload(content),
                       **options)


def refused(user: dict | None, org: dict, content: bytes, **options) -> dict:
    with pytest.raises(toolkit.ValidationError) as error:
        run_import(user, org, content, **options)
    return error.value.error_dict


def names_in_database(names) -> set[str]:
    rows = ckan_model.Session.query(ckan_model.Package.name).filter(ckan_model.Package.name.in_(list(names))).all()
    return {name for (name,) in rows}


def names_in_index(names) -> set[str]:
    found = call_action("package_search", {"ignore_auth": True}, q="*:*", rows=1000, include_private=True,
                        fq="name:(" + " OR ".join(f'"{name}"' for name in names) + ")")
    return {dataset["name"] for dataset in found["results"]}


def assert_nothing_of(names) -> None:
    names = list(names)
    assert names_in_database(names) == set(), "a dataset of the file was written"
    assert names_in_index(names) == set(), "a dataset of the file is in the search index"


def show(name: str) -> dict:
    return call_action("package_show", {"ignore_auth": True}, id=name)


# ------------------------------------------------------------- the import --


def test_a_national_workbook_becomes_private_datasets_of_the_organization(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org)
    content = workbook(datasets)
    result = run_import(editor, org, content)

    assert (result["rows"], result["created"], result["updated"], result["unchanged"]) == (5, 5, 0, 0)
    assert result["written"] is True and result["problems"] == [] and result["layout"].startswith("current")
    assert [(entry["sheet"], entry["status"]) for entry in result["datasets"]] == [
        ("Temp2_Meta_Record", "created"), ("Temp2_Meta_Stat", "created"), ("Temp2_Meta_GIS", "created"),
        ("Temp2_Meta_Multi", "created"), ("Temp2_Meta_Other", "created")]
    assert all(entry["row"] == 6 for entry in result["datasets"])  # under the header (4) and its explanation (5)
    for given in datasets:
        stored = show(given["name"])
        assert stored["owner_org"] == org["id"] and stored["private"] is True
        for field in ("title", "data_type", "maintainer_email", "objective", "data_format", "last_updated_date",
                      "province_code", "data_category", "license_id"):
            assert stored[field] == given[field], field
        assert sorted(tag["name"] for tag in stored["tags"]) == sorted(given["tag_string"].split(","))
        assert [(r["url"], r["name"], r["format"]) for r in stored["resources"]] == [
            (r["url"], r["name"], r["format"]) for r in given["resources"]]
    statistics = show(datasets[1]["name"])
    assert (statistics["first_year_of_data"], statistics["official_statistics"]) == ("2560", "True")
    assert statistics["resources"][0]["resource_disaggregate"] == ["ขอบเขตเชิงภูมิศาสตร์หรือเชิงพื้นที่"]
    assert names_in_index([d["name"] for d in datasets]) == {d["name"] for d in datasets}


def test_cells_typed_as_agencies_type_them_are_stored_as_gdc_values(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    [dataset] = datasets_of(org, types=("statistics",))
    content = workbook([dataset])
    sheet, row = "Temp2_Meta_Stat", row_of(content, "Temp2_Meta_Stat", dataset["name"])
    content = edited(content, {
        (sheet, f"{column_of(sheet, 'last_updated_date')}{row}"): dt.datetime(2024, 1, 31),  # an Excel date cell
        (sheet, f"{column_of(sheet, 'update_frequency_interval')}{row}"): "๓",                 # Thai digit
        (sheet, f"{column_of(sheet, 'objective')}{row}"): "เพื่อการให้บริการประชาชน, ใช้ประกอบการประชุมกรมการจังหวัด",
        (sheet, f"{column_of(sheet, 'first_year_of_data')}{row}"): "๒๕๖๐",
        (sheet, f"{column_of(sheet, 'data_release_calendar')}{row}"): "31 มีนาคม 2567",
    })
    run_import(editor, org, content)
    stored = show(dataset["name"])
    assert stored["last_updated_date"] == "2024-01-31"
    assert str(stored["update_frequency_interval"]) == "3"
    assert stored["objective"] == ["เพื่อการให้บริการประชาชน", "อื่นๆ"]
    assert stored["objective_other"] == "ใช้ประกอบการประชุมกรมการจังหวัด"
    assert stored["first_year_of_data"] == "2560"
    assert stored["data_release_calendar"] == "2024-03-31"


def test_a_dry_run_writes_nothing_and_says_what_would_be_written(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org)
    result = run_import(editor, org, workbook(datasets), dry_run=True)
    assert (result["created"], result["written"], result["dry_run"]) == (5, False, True)
    assert_nothing_of(d["name"] for d in datasets)
    assert call_action("organization_show", id=org["id"])["package_count"] == 0


def test_importing_again_updates_changed_rows_and_leaves_the_rest_unchanged(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org)
    run_import(editor, org, workbook(datasets))
    modified = {d["name"]: show(d["name"])["metadata_modified"] for d in datasets}

    again = run_import(editor, org, workbook(datasets))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert {d["name"]: show(d["name"])["metadata_modified"] for d in datasets} == modified

    datasets[2] = dict(datasets[2], title="ขอบเขตอำเภอ จังหวัดปทุมธานี (แก้ไข)")
    datasets[4]["resources"].append({"name": "รายงานประจำปี", "url": "http://example.invalid/report-2566.pdf",
                                     "format": "PDF", "description": "ฉบับเต็ม"})
    changed = run_import(editor, org, workbook(datasets))
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 2, 3)
    assert {e["name"]: e["status"] for e in changed["datasets"]}[datasets[2]["name"]] == "updated"
    assert show(datasets[2]["name"])["title"] == "ขอบเขตอำเภอ จังหวัดปทุมธานี (แก้ไข)"
    other = show(datasets[4]["name"])
    assert [r["format"] for r in other["resources"]] == ["CSV", "PDF"]
    # The CSV link is the same resource as before (its id, so its table and checks, are kept).
    assert other["resources"][0]["id"] == show(datasets[4]["name"])["resources"][0]["id"]


def test_a_file_uploaded_to_the_dataset_stays_when_the_workbook_is_imported_again(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    [dataset] = datasets_of(org, types=("statistics",))
    run_import(editor, org, workbook([dataset]))
    file = FileStorage(io.BytesIO("อำเภอ,จำนวน\nเมืองปทุมธานี,120\n".encode("utf-8")),
                       filename="factories-2566 (revised).csv", content_type="text/csv")
    call_action("resource_create", as_user(editor), package_id=dataset["name"], name="ตารางที่หน่วยงานอัปโหลด",
                upload=file, url="factories-2566 (revised).csv", format="CSV")
    before = show(dataset["name"])["resources"]
    assert [r.get("url_type") or "" for r in before] == ["", "upload"]

    again = run_import(editor, org, workbook([dataset]))
    assert (again["updated"], again["unchanged"]) == (0, 1)
    dataset["resources"].append({"name": "แผนที่", "url": "http://example.invalid/map.geojson", "format": "GeoJSON"})
    changed = run_import(editor, org, workbook([dataset]))
    assert changed["updated"] == 1
    after = show(dataset["name"])["resources"]
    assert [r["format"] for r in after] == ["CSV", "GeoJSON", "CSV"]
    assert after[2]["id"] == before[1]["id"] and after[2]["url_type"] == "upload"


def test_an_emptied_cell_clears_the_field_on_update(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    [dataset] = datasets_of(org, types=("record",))
    run_import(editor, org, workbook([dataset]))
    assert show(dataset["name"])["url"] == dataset["url"]
    content = workbook([dict(dataset, url="")])
    result = run_import(editor, org, content)
    assert result["updated"] == 1
    assert not show(dataset["name"]).get("url")


def test_one_bad_row_writes_nothing_and_every_problem_is_listed_with_its_cell(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org, types=("record", "statistics", "gis"))
    datasets[0]["maintainer_email"] = "งานข้อมูล at example.go.th"
    datasets[2]["title"] = ""
    content = workbook(datasets)
    errors = refused(editor, org, content)

    problems = errors["rows"]
    email = [p for p in problems if p["field"] == "maintainer_email"]
    title = [p for p in problems if p["field"] == "title"]
    assert [(p["sheet"], p["row"], p["column"]) for p in email] == [
        ("Temp2_Meta_Record", row_of(content, "Temp2_Meta_Record", datasets[0]["name"]),
         column_of("Temp2_Meta_Record", "maintainer_email"))]
    assert [(p["sheet"], p["row"], p["column"]) for p in title] == [
        ("Temp2_Meta_GIS", row_of(content, "Temp2_Meta_GIS", datasets[2]["name"]), column_of("Temp2_Meta_GIS", "title"))]
    assert all(p["message"] and p["message_th"] for p in problems)
    assert errors["import_id"] and catalogue_import.state(errors["import_id"][0])["result"]["errors"] == 2
    # The valid row in between was checked too, and not written either.
    assert_nothing_of(d["name"] for d in datasets)


def test_problems_of_the_file_and_of_the_schema_are_listed_together(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org, types=("record", "statistics"))
    datasets[1]["maintainer_email"] = "ไม่มีอีเมล"
    content = workbook(datasets)
    sheet, row = "Temp2_Meta_Record", row_of(content, "Temp2_Meta_Record", datasets[0]["name"])
    content = edited(content, {(sheet, f"{column_of(sheet, 'last_updated_date')}{row}"): "31 ตุลาฯ 2566"})
    problems = refused(editor, org, content)["rows"]
    fields = sorted((p["sheet"], p["field"]) for p in problems)
    assert fields == [("Temp2_Meta_Record", "last_updated_date"), ("Temp2_Meta_Stat", "maintainer_email")], problems
    assert_nothing_of(d["name"] for d in datasets)


def test_a_workbook_that_is_not_one_is_refused_with_a_reason(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    problems = refused(editor, org, "ชื่อชุดข้อมูล,URL\nข้อมูล,http://x\n".encode("utf-8"))["rows"]
    assert problems and problems[0]["sheet"] is None and problems[0]["message_th"]


# ------------------------------------------------ failures in the middle --


@pytest.fixture
def refusing_trigger(site):
    """A real database error: PostgreSQL refuses datasets whose name starts with "refused-"
    (on insert), and fails the commit of one whose name starts with "refused-at-commit-"."""
    statements = [
        """CREATE OR REPLACE FUNCTION provincial_test_refuse() RETURNS trigger AS $$
           BEGIN
             IF NEW.name LIKE 'refused-at-commit-%' AND TG_WHEN = 'AFTER' THEN
               RAISE EXCEPTION 'the test refuses to commit dataset %', NEW.name;
             ELSIF NEW.name LIKE 'refused-%' AND NEW.name NOT LIKE 'refused-at-commit-%' AND TG_WHEN = 'BEFORE' THEN
               RAISE EXCEPTION 'the test refuses dataset %', NEW.name;
             END IF;
             RETURN NEW;
           END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER provincial_test_refuse_insert BEFORE INSERT ON package "
        "FOR EACH ROW EXECUTE FUNCTION provincial_test_refuse()",
        "CREATE CONSTRAINT TRIGGER provincial_test_refuse_commit AFTER INSERT ON package "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION provincial_test_refuse()",
    ]
    for statement in statements:
        ckan_model.Session.execute(sa.text(statement))
    ckan_model.Session.commit()
    yield
    ckan_model.Session.rollback()
    ckan_model.Session.execute(sa.text("DROP TRIGGER IF EXISTS provincial_test_refuse_insert ON package"))
    ckan_model.Session.execute(sa.text("DROP TRIGGER IF EXISTS provincial_test_refuse_commit ON package"))
    ckan_model.Session.execute(sa.text("DROP FUNCTION IF EXISTS provincial_test_refuse()"))
    ckan_model.Session.commit()


def test_a_database_error_in_the_middle_leaves_nothing_behind(site, refusing_trigger):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org)
    datasets[3]["name"] = unique("refused")
    with pytest.raises(sa.exc.DBAPIError, match="the test refuses dataset"):
        run_import(editor, org, workbook(datasets))
    assert_nothing_of(d["name"] for d in datasets)
    # The session is usable again, and the same file without the refused row imports.
    result = run_import(editor, org, workbook(datasets[:3]))
    assert result["created"] == 3


def test_a_commit_that_fails_leaves_nothing_in_the_database_nor_the_index(site, refusing_trigger):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org)
    datasets[4]["name"] = unique("refused-at-commit")
    with pytest.raises(sa.exc.DBAPIError, match="the test refuses to commit"):
        run_import(editor, org, workbook(datasets))
    # CKAN indexes the datasets just before the commit; the import takes them out again.
    assert_nothing_of(d["name"] for d in datasets)


class WorkerDied(BaseException):
    """What a work horse killed half-way through a file amounts to for the transaction."""


def test_a_crash_half_way_leaves_nothing_behind(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org)
    path = os.path.join(toolkit.config["ckan.storage_path"], unique("crash") + ".xlsx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as out:
        out.write(workbook(datasets))

    def progress(done, total):
        if done == 4:
            raise WorkerDied()

    context = {"user": editor["name"], "model": ckan_model, "session": ckan_model.Session}
    try:
        with pytest.raises(WorkerDied):
            catalogue_import.import_catalogue(context, path, org["id"], progress=progress)
    finally:
        os.remove(path)
    assert_nothing_of(d["name"] for d in datasets)


def test_a_commit_in_the_middle_of_an_import_is_refused(site):
    """Whatever commits while the rows are written (a hook, a plugin) ends the import, rolled back."""
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org)
    path = os.path.join(toolkit.config["ckan.storage_path"], unique("commit") + ".xlsx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as out:
        out.write(workbook(datasets))

    def progress(done, total):
        if done == 2:
            ckan_model.Session.commit()

    context = {"user": editor["name"], "model": ckan_model, "session": ckan_model.Session}
    try:
        with pytest.raises(catalogue_import.MidImportCommit):
            catalogue_import.import_catalogue(context, path, org["id"], progress=progress)
    finally:
        os.remove(path)
    assert_nothing_of(d["name"] for d in datasets)


def test_no_hook_of_ours_commits_while_the_rows_are_written(site):
    """Links of every kind our hooks act on (tables, workbooks, maps, PDFs, images): the only commits
    of the session while the import runs are the import's own and, after it, the views'."""
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org)
    for dataset, (fmt, url) in zip(datasets, [
            ("CSV", "http://example.invalid/a.csv"), ("XLSX", "http://example.invalid/b.xlsx"),
            ("GeoJSON", "http://example.invalid/c.geojson"), ("PDF", "http://example.invalid/d.pdf"),
            ("PNG", "http://example.invalid/e.png")]):
        dataset["resources"][0].update(format=fmt, url=url)
    commits: list[bool] = []

    def record(session):
        commits.append(catalogue_import.importing())

    sa.event.listen(ckan_model.Session, "after_commit", record)
    try:
        result = run_import(editor, org, workbook(datasets))
    finally:
        sa.event.remove(ckan_model.Session, "after_commit", record)
    assert result["created"] == 5
    assert True not in commits
    # The import's commit, then one for the default views of each dataset.
    assert len(commits) == 1 + 5, commits


def test_link_resources_get_their_views_and_jobs_after_the_commit(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org, types=("record", "gis"))
    datasets[0]["resources"] = [dict(datasets[0]["resources"][0], name="ตารางโรงงาน", format="CSV",
                                     url="http://example.invalid/factories.csv"),
                                dict(datasets[0]["resources"][0], name="รายงาน", format="PDF",
                                     url="http://example.invalid/report.pdf")]
    datasets[1]["resources"][0].update(format="GeoJSON", url="http://example.invalid/districts.geojson")
    content = workbook(datasets)

    dry = run_import(editor, org, content, dry_run=True)
    assert dry["written"] is False
    assert_nothing_of(d["name"] for d in datasets)

    queue = ckan_jobs.get_queue()
    before = set(queue.job_ids)
    run_import(editor, org, content)
    record, gis = show(datasets[0]["name"]), show(datasets[1]["name"])
    views = {r["format"]: [v["view_type"] for v in call_action("resource_view_list", id=r["id"])]
             for r in record["resources"] + gis["resources"]}
    assert "provincial_pdf_view" in views["PDF"] and "geojson_view" in views["GeoJSON"], views
    csv = record["resources"][0]
    assert (loads.stored_status(csv["id"]) or {}).get("status") == loads.PENDING
    queued = [ckan_jobs.job_from_id(job_id) for job_id in set(queue.job_ids) - before]
    assert csv["id"] in {job.args[0] for job in queued}


# ---------------------------------------------------- names and agencies --


def test_a_name_another_agency_uses_is_an_error_naming_that_agency(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    other = agency(title="สำนักงานเกษตรจังหวัดปทุมธานี")
    taken = call_action("package_create", **gdc_dataset("record", owner_org=other["id"], name=unique("taken")))
    datasets = datasets_of(org, types=("record", "statistics"))
    datasets[1]["name"] = taken["name"]
    content = workbook(datasets)
    problems = refused(editor, org, content)["rows"]
    [problem] = problems
    assert (problem["sheet"], problem["row"], problem["column"], problem["field"]) == (
        "Temp2_Meta_Stat", row_of(content, "Temp2_Meta_Stat", taken["name"]), column_of("Temp2_Meta_Stat", "name"), "name")
    assert "สำนักงานเกษตรจังหวัดปทุมธานี" in problem["message"]
    assert_nothing_of([datasets[0]["name"]])
    assert show(taken["name"])["owner_org"] == other["id"]


def test_an_organization_the_user_may_not_edit(site):
    editor, member = factories.User(), factories.User()
    org = agency((editor, "editor"), (member, "member"))
    datasets = datasets_of(org, types=("record",))
    with pytest.raises(toolkit.NotAuthorized):
        run_import(member, org, workbook(datasets))
    with pytest.raises(toolkit.NotAuthorized):
        run_import(None, org, workbook(datasets))
    assert_nothing_of(d["name"] for d in datasets)


def test_rows_for_another_agency_go_there_only_when_the_user_may_add_datasets_to_it(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    also = agency((editor, "editor"), title="สำนักงานพาณิชย์จังหวัดปทุมธานี")
    closed = agency(title="สำนักงานขนส่งจังหวัดปทุมธานี")
    datasets = datasets_of(org, types=("record", "statistics"))
    names = {org["id"]: org["title"], also["id"]: also["title"], closed["id"]: closed["title"]}

    datasets[1]["owner_org"] = also["id"]
    result = run_import(editor, org, workbook(datasets, names))
    assert [show(d["name"])["owner_org"] for d in datasets] == [org["id"], also["id"]]
    assert result["created"] == 2

    more = datasets_of(org, types=("gis",))
    more[0]["owner_org"] = closed["id"]
    content = workbook(more, names)
    [problem] = refused(editor, org, content)["rows"]
    assert problem["field"] == "owner_org" and problem["column"] == column_of("Temp2_Meta_GIS", "owner_org")
    assert "สำนักงานขนส่งจังหวัดปทุมธานี" in problem["message"]
    assert_nothing_of(d["name"] for d in more)


def test_publish_makes_new_datasets_public(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org, types=("record", "statistics"))
    run_import(editor, org, workbook(datasets[:1]))
    result = run_import(editor, org, workbook(datasets), publish=True)
    assert (result["created"], result["updated"], result["published"]) == (1, 1, True)
    assert [show(d["name"])["private"] for d in datasets] == [False, False]
    anonymous = call_action("package_search", {"user": ""}, fq=f'owner_org:"{org["id"]}"')
    assert anonymous["count"] == 2


def test_an_update_keeps_a_published_dataset_public(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    [dataset] = datasets_of(org, types=("record",))
    run_import(editor, org, workbook([dataset]), publish=True)
    result = run_import(editor, org, workbook([dict(dataset, title="ชื่อใหม่ของชุดข้อมูล")]))
    assert result["updated"] == 1 and show(dataset["name"])["private"] is False


# ----------------------------------------------------- large files: a job --


@pytest.fixture
def worker(site):
    """``ckan provincial worker`` on the default queue, as a portal runs it."""
    from tests.live_portal import LivePortal

    import rq

    queue = ckan_jobs.get_queue()
    queue.empty()
    portal = LivePortal("import-worker", level="INFO")
    portal.spawn("worker", "provincial", "worker")
    own = portal.processes["worker"].pid
    deadline = time.monotonic() + 90
    # This worker's own registration: another module's worker killed on this site may have left
    # its registration in Redis for a while, which is no sign that this one listens yet.
    while own not in {registered.pid for registered in rq.Worker.all(queue=queue)}:
        if not portal.alive("worker") or time.monotonic() > deadline:
            portal.stop()
            raise RuntimeError("the worker did not start:\n" + portal.log("worker"))
        time.sleep(0.2)
    yield portal
    portal.stop()
    queue.empty()


def test_a_large_file_is_imported_by_a_job_with_progress_and_a_report(site, worker, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.import.background_rows", 3)
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org)
    answer = run_import(editor, org, workbook(datasets))
    assert (answer["state"], answer["total"]) == ("queued", 5)
    seen = []
    deadline = time.monotonic() + 120
    while True:
        status = call_action("provincial_dataset_import_status", as_user(editor), import_id=answer["import_id"])
        seen.append((status["state"], status["done"], status["total"]))
        if status["state"] in ("done", "failed"):
            break
        assert worker.alive("worker") and time.monotonic() < deadline, worker.log("worker")
        time.sleep(0.1)
    assert status["state"] == "done", (status, worker.log("worker"))
    assert (status["done"], status["total"]) == (5, 5)
    assert status["result"]["created"] == 5 and status["result"]["written"] is True
    assert all(state in ("queued", "running", "done") and 0 <= done <= 5 for state, done, _ in seen)
    assert [show(d["name"])["private"] for d in datasets] == [True] * 5

    report = openpyxl.load_workbook(io.BytesIO(catalogue_import.stored_report(answer["import_id"])))
    rows = list(report.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 6 and rows[1][2] == datasets[0]["name"]
    assert "created" in rows[1][4]

    # A file with a bad row, checked by the job: every problem, in Thai and English, nothing written.
    more = datasets_of(org)
    more[3]["title"] = ""
    answer = run_import(editor, org, workbook(more), dry_run=True)
    status = wait_for_job(editor, answer["import_id"], worker)
    assert status["state"] == "done" and status["result"]["written"] is False
    [problem] = status["result"]["problems"]
    assert (problem["sheet"], problem["field"], problem["message"], problem["message_th"]) == (
        "Temp2_Meta_Multi", "title", "Missing value", "ไม่ได้ระบุค่า")
    assert_nothing_of(d["name"] for d in more)


def wait_for_job(user, import_id, worker, seconds=120) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        status = call_action("provincial_dataset_import_status", as_user(user), import_id=import_id)
        if status["state"] in ("done", "failed"):
            return status
        assert worker.alive("worker") and time.monotonic() < deadline, worker.log("worker")
        time.sleep(0.1)


@pytest.fixture
def slow_rows(site):
    """PostgreSQL takes 20 seconds to insert a dataset named "slow-…": time to kill the job in the middle."""
    ckan_model.Session.execute(sa.text(
        """CREATE OR REPLACE FUNCTION provincial_test_slow() RETURNS trigger AS $$
           BEGIN
             IF NEW.name LIKE 'slow-%' THEN PERFORM pg_sleep(20); END IF;
             RETURN NEW;
           END $$ LANGUAGE plpgsql"""))
    ckan_model.Session.execute(sa.text(
        "CREATE TRIGGER provincial_test_slow BEFORE INSERT ON package FOR EACH ROW EXECUTE FUNCTION provincial_test_slow()"))
    ckan_model.Session.commit()
    yield
    drop_slow_rows()


def drop_slow_rows() -> None:
    ckan_model.Session.rollback()
    ckan_model.Session.execute(sa.text("DROP TRIGGER IF EXISTS provincial_test_slow ON package"))
    ckan_model.Session.execute(sa.text("DROP FUNCTION IF EXISTS provincial_test_slow()"))
    ckan_model.Session.commit()


def sleeping_backends() -> list[int]:
    rows = ckan_model.Session.execute(sa.text(
        "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database()")).all()
    ckan_model.Session.rollback()
    return [pid for (pid,) in rows]


def test_a_job_killed_in_the_middle_leaves_nothing_and_its_retry_imports_the_file(
        site, worker, slow_rows, ckan_config, monkeypatch):
    import psutil
    import rq
    import signal

    monkeypatch.setitem(ckan_config, "ckanext.provincial.import.background_rows", 3)
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org)
    datasets[3]["name"] = unique("slow")
    answer = run_import(editor, org, workbook(datasets))

    deadline = time.monotonic() + 60
    while not sleeping_backends():  # the work horse is writing row 4
        assert time.monotonic() < deadline, worker.log("worker")
        time.sleep(0.1)
    # The worker's children: rq's scheduler, started with it, and the work horse of this job, the latest.
    children = psutil.Process(worker.processes["worker"].pid).children()
    assert len(children) == 2, (children, [(w.name, w.pid, w.get_state()) for w in rq.Worker.all(
        queue=ckan_jobs.get_queue())], worker.log("worker"))
    max(children, key=lambda child: child.create_time()).send_signal(signal.SIGKILL)
    # What PostgreSQL does when it notices its client is gone: the transaction ends, rolled back.
    for pid in sleeping_backends():
        ckan_model.Session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    ckan_model.Session.rollback()
    assert_nothing_of(d["name"] for d in datasets)

    drop_slow_rows()  # the retry (rq runs it 30 seconds later) goes through
    status = wait_for_job(editor, answer["import_id"], worker, seconds=120)
    assert status["state"] == "done", (status, worker.log("worker"))
    assert status["result"]["created"] == 5
    assert [show(d["name"])["private"] for d in datasets] == [True] * 5


def test_the_report_lists_each_row_with_its_status_and_errors(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org, types=("record", "statistics"))
    datasets[1]["maintainer_email"] = "=HYPERLINK(\"http://example.invalid\")"
    errors = refused(editor, org, workbook(datasets))
    report = openpyxl.load_workbook(io.BytesIO(catalogue_import.stored_report(errors["import_id"][0])))
    rows = list(report.worksheets[0].iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == [d["name"] for d in datasets]
    assert rows[1][5] in (None, "") and "maintainer_email" in rows[2][5]
    problems = list(report.worksheets[1].iter_rows(values_only=True))
    assert problems[1][:4] == ("Temp2_Meta_Stat", 6, column_of("Temp2_Meta_Stat", "maintainer_email"), "maintainer_email")
    cells = [cell for sheet in report.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"], "a report cell is a formula"


def test_progress_is_reported_row_by_row(site):
    editor = factories.User()
    org = agency((editor, "editor"))
    datasets = datasets_of(org, types=("record", "statistics", "gis"))
    path = os.path.join(toolkit.config["ckan.storage_path"], unique("progress") + ".xlsx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as out:
        out.write(workbook(datasets))
    seen = []
    context = {"user": editor["name"], "model": ckan_model, "session": ckan_model.Session}
    try:
        catalogue_import.import_catalogue(context, path, org["id"], dry_run=True,
                                          progress=lambda done, total: seen.append((done, total)))
    finally:
        os.remove(path)
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_status_of_an_unknown_import_is_not_found(site):
    editor = factories.User()
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("provincial_dataset_import_status", as_user(editor), import_id=str(uuid.uuid4()))


def test_a_confirmation_imports_the_file_the_dry_run_checked(site):
    editor, other_editor = factories.User(), factories.User()
    org = agency((editor, "editor"), (other_editor, "editor"))
    datasets = datasets_of(org, types=("record", "statistics"))
    dry = run_import(editor, org, workbook(datasets), dry_run=True)
    with pytest.raises(toolkit.ObjectNotFound):  # another user's upload is not theirs to import
        call_action("provincial_dataset_import", as_user(other_editor), owner_org=org["id"],
                    import_id=dry["import_id"])
    result = call_action("provincial_dataset_import", as_user(editor), owner_org=org["id"],
                         import_id=dry["import_id"], publish=True)
    assert (result["created"], result["written"]) == (2, True)
    assert [show(d["name"])["private"] for d in datasets] == [False, False]


# ------------------------------------------------------------------ pages --


@pytest.fixture(scope="module")
def app(site):

    return ckan_session.test_app()


def _import_id(html: str) -> str:
    import re

    found = re.search(r'name="import_id" value="([0-9a-f-]{36})"', html)
    assert found, "no confirm form"
    return found.group(1)


def test_the_import_page_checks_the_file_then_imports_it_on_confirmation(site, app):
    editor = factories.UserWithToken()
    org = agency((editor, "editor"))
    datasets = datasets_of(org, types=("record", "statistics"))
    headers = {"Authorization": editor["token"]}
    page = app.get(f"/organization/{org['name']}/import", headers=headers)
    assert page.status_code == 200 and 'name="upload"' in page.get_data(as_text=True)

    checked = app.post(f"/organization/{org['name']}/import", headers=headers, data={
        "dry_run": "1", "upload": (io.BytesIO(workbook(datasets)), "บัญชีข้อมูล.xlsx")})
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "provincial-import-confirm" in html
    assert datasets[0]["name"] in html
    assert_nothing_of(d["name"] for d in datasets)

    done = app.post(f"/organization/{org['name']}/import", headers=headers, data={
        "import_id": _import_id(html), "dry_run": "0", "publish": "1"})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "provincial-import-result" in html and "provincial-import-confirm" not in html
    assert [show(d["name"])["private"] for d in datasets] == [False, False]
    report = app.get(f"/organization/{org['name']}/import/{_report_id(html)}/report.xlsx", headers=headers)
    assert report.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(report.data)).worksheets[0].iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == [d["name"] for d in datasets]


def _report_id(html: str) -> str:
    import re

    found = re.search(r"/import/([0-9a-f-]{36})/report\.xlsx", html)
    assert found, "no report link"
    return found.group(1)


def test_the_import_page_lists_every_problem_by_sheet_row_and_column(site, app):
    editor = factories.UserWithToken()
    org = agency((editor, "editor"))
    datasets = datasets_of(org, types=("record", "gis"))
    datasets[0]["maintainer_email"] = "<b>ไม่ใช่อีเมล</b>"
    datasets[1]["title"] = ""
    response = app.post(f"/organization/{org['name']}/import", headers={"Authorization": editor["token"]}, data={
        "dry_run": "1", "upload": (io.BytesIO(workbook(datasets)), "บัญชีข้อมูล.xlsx")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "provincial-import-errors" in html
    assert "provincial-import-confirm" not in html and "<b>ไม่ใช่อีเมล</b>" not in html
    cells = [[td.get_text(strip=True) for td in tr.select("td")[:4]]
             for tr in BeautifulSoup(html, "html.parser").select(".provincial-import-errors tbody tr")]
    for sheet, field in (("Temp2_Meta_Record", "maintainer_email"), ("Temp2_Meta_GIS", "title")):
        assert [sheet, "6", column_of(sheet, field), field] in cells
    # Thai first, English under it: CKAN's own "Missing value" has its Thai in CKAN's catalog.
    assert "ไม่ได้ระบุค่า" in html and "Missing value" in html
    assert _report_id(html)


def test_the_page_of_a_running_import_shows_its_progress_and_reloads(site, app):
    editor = factories.UserWithToken()
    org = agency((editor, "editor"))
    import_id = catalogue_import.store_upload(b"", "large.xlsx", org["id"], editor["name"])
    catalogue_import.save_state(import_id, state=catalogue_import.RUNNING, done=1234, total=5000)
    html = app.get(f"/organization/{org['name']}/import?import_id={import_id}",
                   headers={"Authorization": editor["token"]}).get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and 'value="1234"' in html and 'max="5000"' in html
    assert 'name="upload"' not in html


def test_the_organization_page_offers_the_import_to_those_who_may_import(site, app):
    editor, member = factories.UserWithToken(), factories.UserWithToken()
    org = agency((editor, "editor"), (member, "member"))
    for user, offered in ((editor, True), (member, False), (None, False)):
        headers = {"Authorization": user["token"]} if user else {}
        html = app.get(f"/organization/{org['name']}", headers=headers).get_data(as_text=True)
        assert ("provincial-catalogue-import" in html) is offered
        assert "provincial-catalogue-export" in html
    assert app.get(f"/organization/{org['name']}/import", headers={"Authorization": member["token"]}).status_code == 403
