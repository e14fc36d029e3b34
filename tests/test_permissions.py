"""Permissions matrix: every action and page the extension adds (and the DataStore reads of a private
dataset) × every role, generated from one table.

Each row of ``MATRIX`` names an action call or a page request, the roles that are allowed, and whose
responses must (``sees``) or must never (``blind``) contain the private datasets: their titles, names,
ids and the rows of their DataStore tables. A cell passes when the role gets exactly what the row says
(an answer, or a refusal: ``NotAuthorized``/``ObjectNotFound``, HTTP 401/403/404 or a redirect to the
login page), nothing else (never a 500), and no private marker reaches a role that may not see it.
Some rows also check the counts a role gets, so that private data is not even counted where it must
not be. The one count that is public by design is the gap's: a requirement fulfilled only by a private
dataset is "restricted" for everyone, with ``hidden_datasets`` saying how many are not listed
(``ckanext/provincial/gap.py``); the gap rows check that count is exactly that, and lists nothing.

The fixture world is built once for the module: agency A coordinates the plan of Pathum Thani (13) and
holds a public dataset, a private dataset that fulfils a requirement (with a DataStore table and its
table view) and a private dataset that fulfils none; agency B coordinates Saraburi (19); agency C has
the same members as A and takes the datasets the create cells make. Rows that write (requirement
create/update/delete/import, snapshots, datasets) work on codes and names of their own cell, so the
cells stay independent and may run in any order.
"""
from __future__ import annotations

import dataclasses
import io
import json
from types import SimpleNamespace
from typing import Any, Callable, Optional, Union

import openpyxl
import pytest

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from tests.ckan_session import call_action

from tests import ckan_session
from tests.datastore_support import datastore_resource, unique
from tests.factories import gdc_dataset, provincial_organization

pytestmark = pytest.mark.integration

ROLES = ("anonymous", "user", "member", "editor", "admin", "other_admin", "sysadmin")
EVERYONE = frozenset(ROLES)
# Who may read agency A's private datasets: its members of any capacity, and sysadmins.
READERS = frozenset({"member", "editor", "admin", "sysadmin"})
WRITERS = frozenset({"editor", "admin", "sysadmin"})
# Who may change the plan of province 13: admins of its coordinating agency (A), and sysadmins.
PLAN_EDITORS = frozenset({"admin", "sysadmin"})
SYSADMIN = frozenset({"sysadmin"})
NOBODY: frozenset = frozenset()
OUTSIDERS = EVERYONE - READERS

PRIVATE_TITLE = "PRIVMARK ข้อมูลลับผู้ป่วยรายบุคคล"
PRIVATE_UNLINKED_TITLE = "PRIVMARK2 บันทึกภายในที่ไม่ตอบแผน"
PRIVATE_ROW = "PRIVROW ความลับ"


# ---------------------------------------------------------------- the world --


@pytest.fixture(scope="module")
def world(reset_db, reset_index, migrate_db_for):
    """Everything the cells read, made once: agencies, users of every role, datasets, plan, tables."""
    ckan_session.ensure_plugins()
    reset_db()
    migrate_db_for("provincial")
    reset_index()

    users = {role: factories.UserWithToken() for role in ("user", "member", "editor", "admin", "other_admin")}
    users["sysadmin"] = factories.SysadminWithToken()
    agency = provincial_organization(name=unique("agency-a"), plan_coordinator="True", users=[
        {"name": users["member"]["name"], "capacity": "member"},
        {"name": users["editor"]["name"], "capacity": "editor"},
        {"name": users["admin"]["name"], "capacity": "admin"},
    ])
    # Where the dataset create cells write: the same roles as in A, nothing the other cells count.
    scratch = provincial_organization(name=unique("agency-c"), province_code="19", users=[
        {"name": users[role]["name"], "capacity": role} for role in ("member", "editor", "admin")])
    other = provincial_organization(name=unique("agency-b"), province_code="19", plan_coordinator="True",
                                    title="สำนักงานสถิติจังหวัดสระบุรี",
                                    users=[{"name": users["other_admin"]["name"], "capacity": "admin"}])

    for code, title in (("R-PUB", "จำนวนโรงงาน"), ("R-PRIV", "ข้อมูลผู้ป่วย")):
        call_action("provincial_requirement_create", province_code="13", code=code, title_th=title,
                    update_frequency_unit="ปี")
    public = call_action("package_create", **gdc_dataset(
        "statistics", owner_org=agency["id"], name=unique("public"), requirement_codes=["R-PUB"]))
    private = call_action("package_create", **gdc_dataset(
        "statistics", owner_org=agency["id"], name=unique("privmark"), title=PRIVATE_TITLE, private=True,
        requirement_codes=["R-PRIV"]))
    private_unlinked = call_action("package_create", **gdc_dataset(
        "record", owner_org=agency["id"], name=unique("privmark2"), title=PRIVATE_UNLINKED_TITLE, private=True))
    # A change by a person (activity streams leave out the site user's): the private dataset's activity.
    call_action("package_patch", {"user": users["editor"]["name"]}, id=private["id"], title=PRIVATE_TITLE)
    private_table = datastore_resource(private["id"], [{"อำเภอ": "เมืองปทุมธานี", "หมายเหตุ": PRIVATE_ROW}])
    public_table = datastore_resource(public["id"], [{"อำเภอ": "คลองหลวง", "หมายเหตุ": "สาธารณะ"}])
    # What the loader records once a table is in (the status the load actions read).
    from ckanext.provincial.loading import jobs as loads

    for table, note in ((private_table, PRIVATE_ROW), (public_table, "หมายเหตุ")):
        loads.save_status(table["id"], {"status": "complete", "rows": 1, "columns": [
            {"id": "อำเภอ", "label": "อำเภอ", "type": "text"}, {"id": "หมายเหตุ", "label": note, "type": "text"}]})
    views = call_action("resource_view_list", id=private_table["id"])
    assert views, "the private table has its default table view"
    issue = call_action("group_create", site_context(), type="development-issue", name=unique("13-perm-issue"),
                        title="ประเด็นทดสอบ", province_code="13", kind="issue", position="1")

    # Everything a role that may not read agency A's private datasets must never receive.
    markers = [PRIVATE_TITLE, PRIVATE_UNLINKED_TITLE, PRIVATE_ROW]
    for found in (private, private_unlinked):
        markers += [found["id"], found["name"]]
    markers += [private_table["id"]] + [view["id"] for view in views]

    world = SimpleNamespace(
        users=users, agency=agency, other=other, scratch=scratch, public=public, private=private,
        private_unlinked=private_unlinked, private_table=private_table, public_table=public_table,
        view=views[0], issue=issue, markers=markers,
        # What the ``app`` fixture returns, made once: building an app per cell would be most of the run.
        app=ckan_session.test_app(),
    )
    world.datarequest = _world_datarequest(users, agency, private)
    yield world


# ---------------------------------------------------------------- cells --

ALLOWED, FORBIDDEN = "allowed", "forbidden"


def user_name(w, role: str) -> str:
    return "" if role == "anonymous" else w.users[role]["name"]


def headers(w, role: str) -> dict[str, str]:
    return {} if role == "anonymous" else {"Authorization": w.users[role]["token"]}


def site_context() -> dict[str, Any]:
    return {"ignore_auth": True, "user": call_action("get_site_user")["name"]}


@dataclasses.dataclass
class Outcome:
    verdict: str
    text: str           # what the role received, as text (for the leak check)
    asked: str = ""     # what the role sent (markers it already knew are not leaks)
    value: Any = None   # the action's result, or the response


@dataclasses.dataclass(frozen=True)
class Action:
    name: str
    data: Union[dict, Callable[[Any, str], dict]] = dataclasses.field(default_factory=dict)

    def run(self, w, role: str) -> Outcome:
        data = self.data(w, role) if callable(self.data) else dict(self.data)
        asked = json.dumps(data, ensure_ascii=False, default=str)
        context = {"user": user_name(w, role), "ignore_auth": False}
        try:
            result = call_action(self.name, context, **data)
        except (toolkit.NotAuthorized, toolkit.ObjectNotFound) as refusal:
            return Outcome(FORBIDDEN, str(refusal), asked)
        return Outcome(ALLOWED, json.dumps(result, ensure_ascii=False, default=str), asked, result)


def _body_text(response) -> str:
    """The body as text a marker can be found in: JSON re-written without \\u escapes, workbooks' cells."""
    kind = response.headers.get("Content-Type", "")
    if "json" in kind or response.data.lstrip()[:1] in (b"{", b"["):
        try:
            return json.dumps(json.loads(response.data), ensure_ascii=False)
        except ValueError:
            pass
    if "spreadsheetml" in kind:
        workbook = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(str(cell) for sheet in workbook.worksheets
                         for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)
    return response.data.decode("utf-8-sig", errors="replace")


@dataclasses.dataclass(frozen=True)
class Page:
    # A path, formatted with the world's attributes ("/dataset/{private[name]}"), or a function of (world, role).
    path: Union[str, Callable[[Any, str], str]]
    method: str = "GET"
    form: Optional[Callable[[Any, str], dict]] = None

    @property
    def name(self) -> str:
        return self.path if isinstance(self.path, str) else self.path.__name__

    def resolve(self, w, role: str) -> str:
        return self.path(w, role) if callable(self.path) else self.path.format(**vars(w))

    def run(self, w, role: str) -> Outcome:
        path = self.resolve(w, role)
        form = self.form(w, role) if self.form else None
        if self.method == "POST":
            response = w.app.post(path, data=form, headers=headers(w, role), follow_redirects=False)
        else:
            response = w.app.get(path, headers=headers(w, role), follow_redirects=False)
        status = response.status_code
        asked = path + json.dumps(form or {}, ensure_ascii=False, default=str)
        if 200 <= status < 300:
            return Outcome(ALLOWED, _body_text(response), asked, response)
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            verdict = FORBIDDEN if "/user/login" in location else ALLOWED
            return Outcome(verdict, location, asked, response)
        if status in (401, 403, 404):
            return Outcome(FORBIDDEN, _body_text(response), asked, response)
        raise AssertionError(f"{self.method} {path} answered HTTP {status}: {response.data[:500]!r}")


@dataclasses.dataclass(frozen=True)
class Row:
    id: str
    call: Union[Action, Page]
    allowed: frozenset
    sees: frozenset = NOBODY            # roles whose answer must contain the private datasets
    blind: frozenset = OUTSIDERS        # roles whose answer must not contain them (nor count them)
    check: Optional[Callable[[Any, str, Outcome], None]] = None   # more assertions on an allowed answer


# -------------------------------------------------------- per-cell data --

def _own_code(prefix: str) -> Callable[[Any, str], dict]:
    def data(w, role):
        return {"province_code": "13", "code": unique(prefix), "title_th": "ข้อมูลทดสอบสิทธิ์"}
    return data


def _existing_requirement(w, role) -> dict:
    """A requirement of this cell alone, made by the site, for the update and delete rows."""
    created = call_action("provincial_requirement_create", site_context(),
                          province_code="13", code=unique("CELL"), title_th="รายการของเซลล์")
    return {"id": created["id"], "code": created["code"], "title_th": "แก้ไขแล้ว"}


def _delete_data(w, role) -> dict:
    return {"id": _existing_requirement(w, role)["id"]}


def _import_data(w, role) -> dict:
    content = f"code,title_th\n{unique('IMP')},นำเข้าทดสอบสิทธิ์\n".encode("utf-8")
    return {"province_code": "13", "upload": content, "format": "csv"}


def _sync_data(w, role) -> dict:
    return {"dry_run": True}


def _issue_create(w, role) -> dict:
    return {"type": "development-issue", "name": unique("13-cell-issue"), "title": "ประเด็นใหม่",
            "province_code": "13", "kind": "issue", "position": "9"}


def _delete_page(w, role) -> str:
    return f"/requirement/13/{_existing_requirement(w, role)['code']}/delete"


def _new_form(w, role) -> dict:
    return {"province_code": "13", "code": unique("WEB"), "title_th": "จากแบบฟอร์ม", "update_frequency_interval": "1"}


def _workbook(w, role) -> bytes:
    """A GDC workbook of one dataset of agency A, under a name of this cell alone."""
    from ckanext.provincial.gdc_workbook import writer

    return writer.write_catalogue([gdc_dataset("record", owner_org=w.agency["id"], name=unique("imp"))])


def _dataset_import_data(w, role) -> dict:
    return {"owner_org": w.agency["id"], "upload": _workbook(w, role), "dry_run": True}


def _import_of_agency_a(w, role) -> str:
    """An import (a dry run) into agency A by a sysadmin: its id, for the status and report rows."""
    return call_action("provincial_dataset_import", site_context(), owner_org=w.agency["id"],
                       upload=_workbook(w, role), dry_run=True)["import_id"]


def _import_status_data(w, role) -> dict:
    return {"import_id": _import_of_agency_a(w, role)}


def _import_report_page(w, role) -> str:
    return f"/organization/{w.agency['name']}/import/{_import_of_agency_a(w, role)}/report.xlsx"


def _import_form(w, role) -> dict:
    return {"dry_run": "1", "upload": (io.BytesIO(_workbook(w, role)), "บัญชีข้อมูล.xlsx")}


def _world_datarequest(users, agency, private) -> dict:
    """A request by "user" to agency A, answered by a sysadmin with the private dataset: the show rows
    prove its readers see that dataset and no one else does."""
    asked = call_action("provincial_datarequest_create", {"user": users["user"]["name"]}, province_code="13",
                        title="คำขอของโลก", organization=agency["name"])
    call_action("provincial_datarequest_close", {"user": users["sysadmin"]["name"]}, id=asked["id"],
                outcome="answered", datasets=[private["id"]])
    return asked


def _cell_request(w, role) -> dict:
    """An open request of this cell alone, by "user" to agency A (written straight to its table, dated a
    month ago, so the cells do not count against the requester's rate limit)."""
    import datetime as dt

    from ckanext.provincial import datarequest as rules

    month_ago = dt.datetime.utcnow() - dt.timedelta(days=30)
    request = rules.DataRequest(id=rules._new_id(), user_id=w.users["user"]["id"], title=unique("คำขอ"),
                                province_code="13", organization_id=w.agency["id"], status=rules.OPEN,
                                created=month_ago, modified=month_ago, datasets=[])
    rules.session().add(request)
    rules.session().commit()
    return {"id": request.id}


def _datarequest_accept(w, role) -> dict:
    pub = call_action("provincial_requirement_show", site_context(), province_code="13", code="R-PUB")
    return dict(_cell_request(w, role), requirement_id=pub["id"])


def _datarequest_page(suffix: str) -> Callable[[Any, str], str]:
    def path(w, role):
        return f"/datarequest/{_cell_request(w, role)['id']}{suffix}"
    path.__name__ = "datarequest" + suffix.replace("/", "_")
    return path


def _datarequest_accept_page(w, role) -> str:
    return f"/requirement/new?province_code=13&datarequest={_cell_request(w, role)['id']}"


def _broken_private_link(w) -> str:
    """The private dataset's link resource, broken (two failed checks recorded directly); its id."""
    from ckan.model import meta
    from ckanext.provincial.link_checks import store

    resource = w.private["resources"][0]
    row = store.last_check(resource["id"])
    if row is None or row.failures < 2:
        for _ in range(2):
            store.record(resource["id"], w.private["id"], resource["url"].strip(), {"status_code": 404})
        meta.Session.commit()
    return resource["id"]


def _agency_links_page(w, role) -> str:
    _broken_private_link(w)
    return f"/organization/{w.agency['name']}/links"


def _province_links_page(w, role) -> str:
    _broken_private_link(w)
    return "/links/13"


DATAREQUEST_ASKERS = EVERYONE - {"anonymous"}
DATAREQUEST_EDITORS = frozenset({"user", "admin", "sysadmin"})          # the requester, the coordinator of 13
DATAREQUEST_COMMENTERS = frozenset({"user", "member", "editor", "admin", "sysadmin"})  # + agency A's members


# ------------------------------------------------------------- checks --

def _private_count(role: str) -> int:
    return 2 if role in READERS else 0


def check_search_count(w, role, outcome):
    assert outcome.value["count"] == 1 + _private_count(role)


def check_harvest_count(w, role, outcome):
    # Metadata-only records of private datasets that allow harvesting: sysadmins (and harvester accounts) only.
    assert outcome.value["count"] == (3 if role == "sysadmin" else 1)
    assert outcome.value["metadata_only_included"] is (role == "sysadmin")


def check_gap_rows(w, role, outcome):
    rows = {row["code"]: row for row in outcome.value["requirements"]}
    private_row = rows["R-PRIV"]
    # A private dataset makes its requirement "restricted" for everyone; only readers get it listed.
    assert private_row["status"] == "restricted"
    assert [d["id"] for d in private_row["datasets"]] == ([w.private["id"]] if role in READERS else [])
    assert private_row["hidden_datasets"] == (0 if role in READERS else 1)
    # The unlinked list is of public datasets only, whoever asks.
    assert [d["id"] for d in outcome.value["unlinked_datasets"]] == []


def check_requirement_datasets(w, role, outcome):
    assert [d["id"] for d in outcome.value["datasets"]] == ([w.private["id"]] if role in READERS else [])
    assert outcome.value["hidden_datasets"] == (0 if role in READERS else 1)


def check_summary_counts(w, role, outcome):
    province = next(p for p in outcome.value["provinces"] if p["province_code"] == "13")
    # Public datasets that fulfil no requirement: none (the only unlinked one is private).
    assert province["unlinked_count"] == 0
    assert province["counts"]["restricted"] == 1


def check_organization_count(w, role, outcome):
    assert outcome.value["package_count"] == 1 + _private_count(role)


def check_catalog(w, role, outcome):
    assert w.public["name"] in outcome.text or w.public["id"] in outcome.text


def check_home_figures(w, role, outcome):
    # The home page is the anonymous visitor's for every role: one public dataset, of one agency.
    assert 'data-figure="datasets" data-value="1"' in outcome.text
    assert 'data-figure="agencies" data-value="1"' in outcome.text


# ------------------------------------------------------------- the table --

def _datatables_form(w, role):
    return {"draw": "1", "start": "0", "length": "10", "search[value]": ""}


MATRIX: tuple[Row, ...] = (
    # --- site and search
    Row("status_show", Action("status_show"), EVERYONE),
    Row("package_search", Action("package_search", lambda w, r: {
        "q": "*:*", "fq": f'owner_org:"{w.agency["id"]}"', "include_private": True}), EVERYONE,
        sees=READERS, check=check_search_count),
    Row("organization_show", Action("organization_show", lambda w, r: {"id": w.agency["id"], "include_datasets": True}),
        EVERYONE, sees=READERS, check=check_organization_count),
    # --- datasets of agency A (the extension guards CKAN's create and update)
    Row("package_create", Action("package_create", lambda w, r: gdc_dataset(
        "record", owner_org=w.scratch["id"], name=unique("cell"), province_code="19", private=True,
        allow_harvest="False")), WRITERS),
    Row("package_update", Action("package_update", lambda w, r: dict(
        call_action("package_show", site_context(), id=w.public["id"]), title="ชุดข้อมูลสาธารณะ")), WRITERS),
    Row("resource_create", Action("resource_create", lambda w, r: {
        "package_id": w.public["id"], "name": "รายงาน " + r, "format": "PDF", "url": "http://example.invalid/r.pdf"}),
        WRITERS),
    Row("resource_update", Action("resource_update", lambda w, r: dict(
        call_action("resource_show", site_context(), id=w.public["resources"][0]["id"]), name="ตาราง " + r)), WRITERS),
    # --- requirement plan
    Row("requirement_show", Action("provincial_requirement_show", {"province_code": "13", "code": "R-PRIV"}),
        EVERYONE, sees=READERS, check=check_requirement_datasets),
    Row("requirement_list", Action("provincial_requirement_list", {"province_code": "13"}), EVERYONE),
    Row("requirement_create", Action("provincial_requirement_create", _own_code("NEW")), PLAN_EDITORS),
    Row("requirement_create_19", Action("provincial_requirement_create",
                                        lambda w, r: dict(_own_code("NEW19")(w, r), province_code="19")),
        frozenset({"other_admin", "sysadmin"})),
    Row("requirement_update", Action("provincial_requirement_update", _existing_requirement), PLAN_EDITORS),
    Row("requirement_delete", Action("provincial_requirement_delete", _delete_data), PLAN_EDITORS),
    Row("requirement_import", Action("provincial_requirement_import", _import_data), PLAN_EDITORS),
    # --- change history: the plan's own (public), CKAN's for datasets (private ones only to their readers)
    Row("requirement_activity_list", Action("provincial_requirement_activity_list", lambda w, r: {
        "id": call_action("provincial_requirement_show", site_context(), province_code="13", code="R-PRIV")["id"]}),
        EVERYONE),
    Row("requirement_status_history", Action("provincial_requirement_status_history", lambda w, r: {
        "id": call_action("provincial_requirement_show", site_context(), province_code="13", code="R-PRIV")["id"]}),
        EVERYONE),
    Row("plan_activity_list", Action("provincial_plan_activity_list", {"province_code": "13"}), EVERYONE),
    Row("page_plan_history", Page("/requirement/history?province_code=13"), EVERYONE),
    Row("package_activity_list_private", Action("package_activity_list", lambda w, r: {"id": w.private["id"]}),
        READERS, sees=READERS),
    # CKAN's agency stream leaves out private datasets for everyone (their own stream has them).
    Row("organization_activity_list", Action("organization_activity_list", lambda w, r: {"id": w.agency["id"]}),
        EVERYONE, blind=EVERYONE),
    Row("recently_changed_packages_activity_list", Action("recently_changed_packages_activity_list"), EVERYONE,
        sees=READERS),
    Row("page_activity_private", Page("/dataset/activity/{private[name]}"), READERS, sees=READERS),
    Row("page_organization_activity", Page("/organization/activity/{agency[name]}"), EVERYONE, blind=EVERYONE),
    # --- datasets from and into the national GDC workbook
    Row("dataset_import", Action("provincial_dataset_import", _dataset_import_data), WRITERS),
    Row("dataset_import_status", Action("provincial_dataset_import_status", _import_status_data), WRITERS),
    Row("default_resource_views", Action("package_create_default_resource_views", lambda w, r: {
        "package": call_action("package_show", site_context(), id=w.public["id"])}), WRITERS),
    # --- gap analysis
    Row("gap_show", Action("provincial_gap_show", {"province_code": "13"}), EVERYONE,
        sees=READERS, check=check_gap_rows),
    Row("gap_summary", Action("provincial_gap_summary", {}), EVERYONE, blind=EVERYONE, check=check_summary_counts),
    Row("gap_snapshot_list", Action("provincial_gap_snapshot_list", {"province_code": "13"}), EVERYONE),
    Row("gap_snapshot_create", Action("provincial_gap_snapshot_create", {"province_codes": ["13"]}), SYSADMIN),
    # --- code lists and development issues
    Row("vocabulary_show", Action("provincial_vocabulary_show", {"vocabulary": "development_issues"}), EVERYONE),
    Row("vocabulary_sync", Action("provincial_vocabulary_sync", _sync_data), SYSADMIN),
    Row("issue_create", Action("group_create", _issue_create), SYSADMIN),
    Row("issue_patch", Action("group_patch", lambda w, r: {"id": w.issue["id"], "title": "ประเด็นแก้ไข"}), SYSADMIN),
    # --- content validation
    Row("validation_show_private", Action("provincial_validation_show",
                                          lambda w, r: {"resource_id": w.private_table["id"]}), READERS),
    Row("validation_show_public", Action("provincial_validation_show",
                                         lambda w, r: {"resource_id": w.public_table["id"]}), EVERYONE),
    Row("validation_run_private", Action("provincial_validation_run",
                                         lambda w, r: {"resource_id": w.private_table["id"]}), WRITERS),
    # --- DataStore loads
    Row("datastore_status_private", Action("provincial_datastore_status",
                                           lambda w, r: {"resource_id": w.private_table["id"]}), READERS, sees=READERS),
    Row("datastore_status_public", Action("provincial_datastore_status",
                                          lambda w, r: {"resource_id": w.public_table["id"]}), EVERYONE),
    Row("datastore_submit_private", Action("provincial_datastore_submit",
                                           lambda w, r: {"resource_id": w.private_table["id"]}), WRITERS),
    # --- national harvesting
    Row("harvest_search", Action("provincial_harvest_search", {}), EVERYONE,
        sees=SYSADMIN, blind=EVERYONE - SYSADMIN, check=check_harvest_count),
    Row("harvest_show_private", Action("provincial_harvest_show", lambda w, r: {"id": w.private["id"]}),
        SYSADMIN, blind=EVERYONE - SYSADMIN),
    Row("harvest_show_public", Action("provincial_harvest_show", lambda w, r: {"id": w.public["id"]}), EVERYONE),
    # --- DataStore of a private dataset
    Row("package_show_private", Action("package_show", lambda w, r: {"id": w.private["id"]}), READERS, sees=READERS),
    Row("datastore_search_private", Action("datastore_search", lambda w, r: {"resource_id": w.private_table["id"]}),
        READERS, sees=READERS),
    Row("datastore_search_sql_private", Action("datastore_search_sql", lambda w, r: {
        "sql": f'SELECT * FROM "{w.private_table["id"]}"'}), READERS, sees=READERS),
    Row("datastore_info_private", Action("datastore_info", lambda w, r: {"id": w.private_table["id"]}), READERS),
    Row("datastore_delete_private_nothing", Action("datastore_delete", lambda w, r: {
        "resource_id": w.private_table["id"], "filters": {"อำเภอ": "ไม่มีอำเภอนี้"}, "force": True}), WRITERS),
    Row("datastore_search_public", Action("datastore_search", lambda w, r: {"resource_id": w.public_table["id"]}),
        EVERYONE),
    Row("resource_view_list_private", Action("resource_view_list", lambda w, r: {"id": w.private_table["id"]}),
        READERS),

    # --- pages: gap
    Row("page_datastore_reload_private", Page("/dataset/{private[name]}/resource/{private_table[id]}/datastore-reload",
                                              "POST", lambda w, r: {}), WRITERS),
    Row("page_gap_index", Page("/gap/"), EVERYONE),
    Row("page_gap_index_csv", Page("/gap/export.csv"), EVERYONE),
    Row("page_gap_index_xlsx", Page("/gap/export.xlsx"), EVERYONE),
    Row("page_gap_13", Page("/gap/13"), EVERYONE, sees=READERS),
    Row("page_gap_13_csv", Page("/gap/13/export.csv"), EVERYONE, sees=READERS),
    Row("page_gap_13_xlsx", Page("/gap/13/export.xlsx"), EVERYONE, sees=READERS),
    # --- pages: requirement plan
    Row("page_requirement_index", Page("/requirement/?province_code=13"), EVERYONE),
    Row("page_requirement_read", Page("/requirement/13/R-PRIV"), EVERYONE, sees=READERS),
    Row("page_requirement_new", Page("/requirement/new?province_code=13"), PLAN_EDITORS),
    Row("page_requirement_new_post", Page("/requirement/new", "POST", _new_form), PLAN_EDITORS),
    Row("page_requirement_edit", Page("/requirement/13/R-PUB/edit"), PLAN_EDITORS),
    Row("page_requirement_delete", Page(_delete_page, "POST", lambda w, r: {}), PLAN_EDITORS),
    Row("page_requirement_import", Page("/requirement/import?province_code=13"), PLAN_EDITORS),
    Row("page_requirement_import_post", Page("/requirement/import", "POST", lambda w, r: {
        "province_code": "13", "dry_run": "1",
        "upload": (io.BytesIO(f"code,title_th\n{unique('WEBIMP')},นำเข้า\n".encode()), "plan.csv")}), PLAN_EDITORS),
    Row("page_requirement_export_csv", Page("/requirement/export.csv?province_code=13"), EVERYONE),
    Row("page_requirement_export_xlsx", Page("/requirement/export.xlsx"), EVERYONE),
    Row("page_requirement_template", Page("/requirement/template.xlsx?province_code=13"), EVERYONE),
    # --- pages: GDC workbook import and exports
    Row("page_dataset_import", Page("/organization/{agency[name]}/import"), WRITERS),
    Row("page_dataset_import_post", Page("/organization/{agency[name]}/import", "POST", _import_form), WRITERS),
    Row("page_dataset_import_report", Page(_import_report_page), WRITERS),
    Row("page_organization_export", Page("/organization/{agency[name]}/export.xlsx"), EVERYONE, sees=READERS),
    Row("page_dataset_export_province", Page("/dataset/export.xlsx?province=13"), EVERYONE, sees=READERS),
    Row("page_dataset_export_all", Page("/dataset/export.xlsx"), EVERYONE, sees=READERS),
    Row("page_dataset_template", Page("/dataset/template.xlsx"), EVERYONE),
    # --- pages: DCAT
    Row("catalog_show", Action("dcat_catalog_show", {"format": "ttl", "q": 'title:"ข้อมูล ลับ"'}), EVERYONE,
        blind=EVERYONE),
    Row("page_catalog_ttl", Page("/catalog.ttl"), EVERYONE, blind=EVERYONE, check=check_catalog),
    Row("page_private_ttl", Page("/dataset/{private[name]}.ttl"), READERS, sees=READERS),
    Row("page_public_ttl", Page("/dataset/{public[name]}.ttl"), EVERYONE),
    # --- pages: a private dataset, its table preview and DataStore
    Row("page_dataset_private", Page("/dataset/{private[name]}"), READERS, sees=READERS),
    Row("page_resource_private", Page("/dataset/{private[name]}/resource/{private_table[id]}"), READERS,
        sees=READERS),
    Row("page_view_private", Page("/dataset/{private[name]}/resource/{private_table[id]}/view/{view[id]}"), READERS),
    Row("page_datatables_private", Page("/datatables/ajax/{view[id]}", "POST", _datatables_form), READERS,
        sees=READERS),
    Row("page_datastore_dump_private", Page("/datastore/dump/{private_table[id]}"), READERS, sees=READERS),
    Row("api_datastore_search_private", Page("/api/3/action/datastore_search?resource_id={private_table[id]}"),
        READERS, sees=READERS),
    Row("api_gap_show", Page("/api/3/action/provincial_gap_show?province_code=13"), EVERYONE, sees=READERS),
    Row("api_harvest_search", Page("/api/3/action/provincial_harvest_search"), EVERYONE,
        sees=SYSADMIN, blind=EVERYONE - SYSADMIN),
    Row("page_dataset_search", Page("/dataset/"), EVERYONE, sees=READERS),
    Row("page_organization", Page("/organization/{agency[name]}"), EVERYONE, sees=READERS),
    # --- usage statistics (public datasets only in totals; one dataset's figures as package_show)
    Row("usage_show_public", Action("provincial_usage_show", lambda w, r: {"id": w.public["id"]}), EVERYONE),
    Row("usage_show_private", Action("provincial_usage_show", lambda w, r: {"id": w.private["id"]}), READERS,
        sees=READERS),
    Row("usage_summary_agency", Action("provincial_usage_summary", lambda w, r: {"organization": w.agency["name"]}),
        EVERYONE, blind=EVERYONE),
    Row("usage_summary_13", Action("provincial_usage_summary", {"province_code": "13"}), EVERYONE, blind=EVERYONE),
    # --- metadata quality (a dataset's score as package_show; means name no dataset)
    Row("quality_show_public", Action("provincial_quality_show", lambda w, r: {"id": w.public["id"]}), EVERYONE),
    Row("quality_show_private", Action("provincial_quality_show", lambda w, r: {"id": w.private["id"]}), READERS,
        sees=READERS),
    Row("quality_summary_13", Action("provincial_quality_summary", {"province_code": "13"}), EVERYONE, blind=EVERYONE),
    Row("quality_summary_agency_private", Action("provincial_quality_summary", lambda w, r: {
        "organization": w.agency["name"], "include_private": True}), EVERYONE, blind=EVERYONE),
    Row("page_usage_13", Page("/usage/13"), EVERYONE, blind=EVERYONE),
    Row("page_usage_13_csv", Page("/usage/13/export.csv"), EVERYONE, blind=EVERYONE),
    # --- pages: home
    Row("page_home", Page("/"), EVERYONE, blind=EVERYONE, check=check_home_figures),
    # --- pages: development issues
    Row("page_issue_index", Page("/development-issue/"), EVERYONE),
    Row("page_issue_new", Page("/development-issue/new"), SYSADMIN),
    Row("page_issue_edit", Page("/development-issue/edit/{issue[name]}"), SYSADMIN),
    # --- data requests (a private dataset in an answer is listed to its readers only)
    Row("datarequest_create", Action("provincial_datarequest_create", lambda w, r: {
        "title": "ขอข้อมูล " + r, "province_code": "13"}), DATAREQUEST_ASKERS),
    Row("datarequest_show", Action("provincial_datarequest_show", lambda w, r: {"id": w.datarequest["id"]}),
        EVERYONE, sees=READERS),
    Row("datarequest_list", Action("provincial_datarequest_list", {"province_code": "13"}), EVERYONE),
    Row("datarequest_update", Action("provincial_datarequest_update", lambda w, r: dict(
        _cell_request(w, r), title="แก้ไข", province_code="13")), DATAREQUEST_EDITORS),
    Row("datarequest_accept", Action("provincial_datarequest_accept", _datarequest_accept), PLAN_EDITORS),
    Row("datarequest_close", Action("provincial_datarequest_close", lambda w, r: dict(
        _cell_request(w, r), outcome="declined", reason="ทดสอบสิทธิ์")), PLAN_EDITORS),
    Row("datarequest_comment", Action("provincial_datarequest_comment", lambda w, r: dict(
        _cell_request(w, r), comment="ความเห็น")), DATAREQUEST_COMMENTERS),
    Row("datarequest_delete", Action("provincial_datarequest_delete", _cell_request), SYSADMIN),
    Row("datarequest_refresh", Action("provincial_datarequest_refresh"), SYSADMIN),
    Row("datarequest_feed", Action("provincial_datarequest_feed"), DATAREQUEST_ASKERS),
    Row("page_datarequest_index", Page("/datarequest/"), EVERYONE),
    Row("page_datarequest_new", Page("/datarequest/new"), DATAREQUEST_ASKERS),
    Row("page_datarequest_new_post", Page("/datarequest/new", "POST", lambda w, r: {
        "title": "จากแบบฟอร์ม " + r, "province_code": "13"}), DATAREQUEST_ASKERS),
    Row("page_datarequest_read", Page("/datarequest/{datarequest[id]}"), EVERYONE, sees=READERS),
    Row("page_datarequest_edit", Page(_datarequest_page("/edit")), DATAREQUEST_EDITORS),
    Row("page_datarequest_comment", Page(_datarequest_page("/comment"), "POST", lambda w, r: {"comment": "ดี"}),
        DATAREQUEST_COMMENTERS),
    Row("page_datarequest_accept", Page(_datarequest_page("/accept"), "POST", lambda w, r: {
        "requirement_id": call_action("provincial_requirement_show", site_context(), province_code="13",
                                      code="R-PUB")["id"]}), PLAN_EDITORS),
    Row("page_datarequest_close", Page(_datarequest_page("/close"), "POST", lambda w, r: {
        "outcome": "declined", "reason": "ทดสอบ"}), PLAN_EDITORS),
    Row("page_datarequest_delete", Page(_datarequest_page("/delete"), "POST", lambda w, r: {}), SYSADMIN),
    Row("page_datarequest_dashboard", Page("/dashboard/datarequests"), DATAREQUEST_ASKERS),
    Row("page_requirement_new_from_datarequest", Page(_datarequest_accept_page), PLAN_EDITORS),
    # --- link checks (a private dataset's broken link is listed to its readers only)
    Row("link_check_run", Action("provincial_link_check_run", {"province_code": "96"}), SYSADMIN),
    Row("link_check_show_private", Action("provincial_link_check_show", lambda w, r: {
        "resource_id": _broken_private_link(w)}), READERS),
    Row("link_broken_list", Action("provincial_link_broken_list", lambda w, r: _broken_private_link(w) and {}),
        EVERYONE, sees=READERS),
    Row("page_agency_links", Page(_agency_links_page), EVERYONE, sees=READERS),
    Row("page_province_links", Page(_province_links_page), EVERYONE, sees=READERS),
    # --- the committee's report (read as the viewer: outsiders' workbook holds no private dataset)
    Row("report_publish", Action("provincial_report_publish", {"province_code": "13"}), SYSADMIN),
    Row("page_gap_13_report_xlsx", Page("/gap/13/report.xlsx"), EVERYONE),
)

CELLS = [pytest.param(row, role, id=f"{row.id}-{role}") for row in MATRIX for role in ROLES]


def test_the_table_covers_every_action_of_the_extension():
    """A new action of the extension must get its row (the matrix is the list of what is protected)."""
    from ckanext.provincial.actions import get_actions

    called = {row.call.name for row in MATRIX if isinstance(row.call, Action)}
    assert set(get_actions()) - called == set()


def test_the_table_covers_every_page_of_the_extension(world):
    """Every route of the extension's blueprints, and the DCAT endpoints it guards, has a row."""
    from ckanext.provincial.dcat.views import RDF_ENDPOINTS
    from ckanext.provincial.views import get_blueprints

    flask_app = world.app.flask_app
    names = {blueprint.name for blueprint in get_blueprints()}
    wanted = {rule.endpoint for rule in flask_app.url_map.iter_rules() if rule.endpoint.split(".")[0] in names}
    wanted |= set(RDF_ENDPOINTS) - {"dcat.read_dataset_series"}  # no dataset series in this catalogue
    adapter = flask_app.url_map.bind("localhost")
    covered = set()
    for row in MATRIX:
        if isinstance(row.call, Page):
            path = row.call.resolve(world, "sysadmin")
            covered.add(adapter.match(path.split("?")[0], method=row.call.method)[0])
    assert wanted and wanted - covered == set()


@pytest.mark.parametrize("row, role", CELLS)
def test_cell(world, row: Row, role: str):
    outcome = row.call.run(world, role)
    expected = ALLOWED if role in row.allowed else FORBIDDEN
    assert outcome.verdict == expected, f"{row.id} as {role}: {outcome.verdict}, expected {expected}: {outcome.text[:300]}"

    leaked = [m for m in world.markers if m in outcome.text and m not in outcome.asked]
    if role in row.blind:
        assert leaked == [], f"{row.id} shows {role} the private datasets: {leaked}"
    if role in row.sees and outcome.verdict == ALLOWED:
        assert PRIVATE_TITLE in outcome.text or PRIVATE_ROW in outcome.text or world.private["name"] in outcome.text, \
            f"{row.id} hides from {role} the private dataset it may see (the leak check would prove nothing)"
    if row.check and outcome.verdict == ALLOWED:
        row.check(world, role, outcome)
