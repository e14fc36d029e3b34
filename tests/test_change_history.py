"""Change history: the requirement plan's own activities, gap status changes, private datasets' activities,
Buddhist-era dates in CKAN's streams."""
from __future__ import annotations

import datetime as dt
import io

import pytest

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories

from ckanext.provincial import model, plan_activity
from tests.ckan_session import call_action
from tests.gap_support import coordinating_org, dataset, days_ago

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("plan_tables")]


def as_user(user) -> dict:
    return {"user": user["name"], "ignore_auth": False}


@pytest.fixture
def coordinator():
    user = factories.User(name="plan-coordinator", fullname="ผู้ประสานแผน")
    coordinating_org("13", admin=user, name="pathum-statistics", title="สำนักงานสถิติจังหวัดปทุมธานี")
    return user


def history(requirement_id: str) -> list[dict]:
    return call_action("provincial_requirement_activity_list", id=requirement_id)


def test_create_change_delete_are_recorded_with_who_and_what_changed(coordinator):
    created = call_action("provincial_requirement_create", as_user(coordinator), province_code="13", code="WAT-1",
                          title_th="คุณภาพน้ำ", update_frequency_unit="เดือน", priority="high")
    call_action("provincial_requirement_update", as_user(coordinator), id=created["id"], code="WAT-1",
                title_th="คุณภาพน้ำผิวดิน", update_frequency_unit="เดือน", priority="low")
    # Saving the same values again changes nothing and records nothing.
    call_action("provincial_requirement_update", as_user(coordinator), id=created["id"], code="WAT-1",
                title_th="คุณภาพน้ำผิวดิน", update_frequency_unit="เดือน", priority="low")

    found = history(created["id"])
    assert [a["activity_type"] for a in found] == ["changed requirement", "new requirement"]
    changed = found[0]
    assert changed["user_id"] == coordinator["id"] and changed["data"]["actor"] == "plan-coordinator"
    assert changed["data"]["changes"] == {"title_th": ["คุณภาพน้ำ", "คุณภาพน้ำผิวดิน"], "priority": ["high", "low"]}
    assert changed["data"]["requirement"]["code"] == "WAT-1" and changed["data"]["province_code"] == "13"

    call_action("provincial_requirement_delete", as_user(coordinator), id=created["id"])
    plan = call_action("provincial_plan_activity_list", province_code="13")
    assert [(a["activity_type"], a["data"]["requirement"]["code"]) for a in plan] == [
        ("deleted requirement", "WAT-1"), ("changed requirement", "WAT-1"), ("new requirement", "WAT-1")]
    assert call_action("provincial_plan_activity_list", province_code="19") == []


def test_a_refused_change_records_nothing(coordinator):
    call_action("provincial_requirement_create", as_user(coordinator), province_code="13", code="R-1", title_th="ก")
    with pytest.raises(toolkit.ValidationError):
        call_action("provincial_requirement_create", as_user(coordinator), province_code="13", code="r-1", title_th="ข")
    outsider = factories.User()
    with pytest.raises(toolkit.NotAuthorized):
        call_action("provincial_requirement_create", as_user(outsider), province_code="13", code="R-2", title_th="ค")
    assert [a["data"]["requirement"]["code"] for a in call_action("provincial_plan_activity_list", province_code="13")] == ["R-1"]


def _plan_file(rows: list[str]) -> io.BytesIO:
    content = "รหัสรายการข้อมูล,ชื่อข้อมูลที่ต้องการ (ไทย),ลำดับความสำคัญ\n" + "\n".join(rows) + "\n"
    upload = io.BytesIO(content.encode("utf-8-sig"))
    upload.name = "แผนความต้องการข้อมูล ปี 2569 (ฉบับแก้ไข).csv"
    return upload


def test_an_import_is_one_line_of_the_plan_and_a_line_of_each_requirement_it_touched(coordinator):
    existing = call_action("provincial_requirement_create", as_user(coordinator), province_code="13", code="A-1",
                           title_th="ข้อมูลเดิม", priority="low")
    result = call_action("provincial_requirement_import", as_user(coordinator), province_code="13",
                         upload=_plan_file(["A-1,ข้อมูลเดิม,สูง", "A-2,ข้อมูลใหม่,กลาง"]))
    assert (result["created"], result["updated"]) == (1, 1)

    plan = call_action("provincial_plan_activity_list", province_code="13")
    assert [a["activity_type"] for a in plan] == ["imported plan", "new requirement"]
    imported = plan[0]["data"]
    assert imported["filename"] == "แผนความต้องการข้อมูล ปี 2569 (ฉบับแก้ไข).csv"
    assert imported["counts"] == {"created": 1, "updated": 1, "unchanged": 0}
    assert imported["codes"] == {"created": ["A-2"], "updated": ["A-1"]}

    lines = history(existing["id"])
    assert lines[0]["activity_type"] == "changed requirement"
    assert lines[0]["data"]["import_id"] == plan[0]["id"]
    assert lines[0]["data"]["changes"] == {"priority": ["low", "high"]}

    # The same file again changes nothing: no new line. A dry run or a refused file writes none either.
    call_action("provincial_requirement_import", as_user(coordinator), province_code="13",
                upload=_plan_file(["A-1,ข้อมูลเดิม,สูง", "A-2,ข้อมูลใหม่,กลาง"]))
    call_action("provincial_requirement_import", as_user(coordinator), province_code="13", dry_run=True,
                upload=_plan_file(["A-3,อีกรายการ,สูง"]))
    with pytest.raises(toolkit.ValidationError):
        call_action("provincial_requirement_import", as_user(coordinator), province_code="13",
                    upload=_plan_file(["A-4,ถูกต้อง,สูง", "A-5,ผิด,ด่วนที่สุด"]))
    assert len(call_action("provincial_plan_activity_list", province_code="13")) == 2


@pytest.mark.parametrize("data, field", [
    ({"id": ""}, "id"),
    ({"id": "x", "limit": "-1"}, "limit"),
    ({"id": "x", "offset": "สอง"}, "offset"),
])
def test_history_parameters_are_checked(data, field):
    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("provincial_requirement_activity_list", **data)
    assert field in raised.value.error_dict


def test_history_of_an_unknown_requirement_or_province():
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("provincial_requirement_activity_list", id="no-such-requirement\x00")
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("provincial_requirement_status_history", id="no-such-requirement")
    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("provincial_plan_activity_list", province_code="99")
    assert "province_code" in raised.value.error_dict


def test_history_pages_by_limit_and_offset(coordinator):
    created = call_action("provincial_requirement_create", as_user(coordinator), province_code="13", code="P-1",
                          title_th="รายการ 0")
    for number in range(1, 5):
        call_action("provincial_requirement_update", as_user(coordinator), id=created["id"], code="P-1",
                    title_th=f"รายการ {number}")
    first = call_action("provincial_requirement_activity_list", id=created["id"], limit=2)
    rest = call_action("provincial_requirement_activity_list", id=created["id"], limit=10, offset=2)
    assert [a["data"]["changes"]["title_th"][1] for a in first] == ["รายการ 4", "รายการ 3"]
    assert len(rest) == 3 and rest[-1]["activity_type"] == "new requirement"


# ---------------------------------------------------------------- gap status over time

def test_status_changes_from_snapshots_pure():
    day = dt.datetime(2026, 1, 1)
    snapshots = [
        (day, {}),                                            # before the requirement existed
        (day + dt.timedelta(days=1), {"r": "missing"}),
        (day + dt.timedelta(days=2), {"r": "missing", "s": "available"}),
        (day + dt.timedelta(days=3), {"r": "available"}),
        (day + dt.timedelta(days=4), {"r": "stale"}),
    ]
    assert [(c["from"], c["to"], c["taken_at"][:10]) for c in plan_activity.status_changes(snapshots, "r")] == [
        (None, "missing", "2026-01-02"), ("missing", "available", "2026-01-04"), ("available", "stale", "2026-01-05")]
    assert plan_activity.status_changes(snapshots, "unknown") == []


@pytest.mark.usefixtures("clean_index")
def test_a_requirement_shows_when_its_gap_status_changed(coordinator, app):
    agency = coordinating_org("13", coordinator=False, name="pathum-water")
    requirement = call_action("provincial_requirement_create", as_user(coordinator), province_code="13",
                              code="WQ-1", title_th="คุณภาพน้ำคลองรังสิต", update_frequency_unit="ปี")
    call_action("provincial_gap_snapshot_create", province_code="13")
    dataset(agency["id"], requirement_codes=["WQ-1"], last_updated_date=days_ago(3))
    call_action("provincial_gap_snapshot_create", province_code="13")
    call_action("provincial_gap_snapshot_create", province_code="13")

    changes = call_action("provincial_requirement_status_history", id=requirement["id"])
    assert [(c["from"], c["to"]) for c in changes] == [(None, "missing"), ("missing", "available")]
    snapshot = model.snapshots("13")[-1]
    assert snapshot.statuses == {requirement["id"]: "available"}

    body = app.get("/requirement/13/WQ-1", headers={"Accept-Language": "th"}).body
    assert 'data-to="available"' in body and 'data-to="missing"' in body


# ---------------------------------------------------------------- pages

def test_requirement_and_plan_pages_show_the_history_in_thai_and_english(coordinator, app):
    created = call_action("provincial_requirement_create", as_user(coordinator), province_code="13", code="EDU-7",
                          title_th="จำนวนนักเรียน <script>alert(1)</script>")
    call_action("provincial_requirement_update", as_user(coordinator), id=created["id"], code="EDU-7",
                title_th="จำนวนนักเรียนรายอำเภอ", priority="high")
    year_be = str(dt.date.today().year + 543)

    thai = app.get("/th/requirement/13/EDU-7").body
    assert "ผู้ประสานแผน" in thai                           # the actor, by display name
    assert year_be in thai and f"ค.ศ. {dt.date.today().year}" not in thai
    assert "<script>alert(1)</script>" not in thai and "&lt;script&gt;" in thai
    assert 'data-activity-type="changed requirement"' in thai
    assert "ลำดับความสำคัญ" in thai                         # the changed field, by its Thai name

    english = app.get("/en/requirement/13/EDU-7").body
    assert "Priority" in english and "changed the requirement" in english

    plan_page = app.get("/requirement/history", query_string={"province_code": "13"})
    assert plan_page.status_code == 200
    assert plan_page.body.count('class="provincial-history-item"') == 2
    assert 'href="/requirement/13/EDU-7"' in plan_page.body and "&lt;a href" not in plan_page.body
    assert app.get("/requirement/history", query_string={"province_code": "99"}).status_code == 404


def test_plan_changes_appear_in_the_users_activity_stream(coordinator, app):
    call_action("provincial_requirement_create", as_user(coordinator), province_code="13", code="HLT-2",
                title_th="อัตราการเกิด")
    body = app.get("/en/user/activity/plan-coordinator").body
    assert "added the requirement" in body and 'href="/en/requirement/13/HLT-2"' in body
    assert "&lt;a href" not in body


def test_ckan_dates_use_the_buddhist_era_under_thai(app):
    stamp = dt.datetime(2026, 12, 2, 7, 5)   # UTC, as CKAN stores it
    with app.flask_app.test_request_context("/", environ_overrides={"CKAN_LANG": "th"}):
        assert toolkit.h.render_datetime(stamp).endswith("2569")
        assert "2569" in toolkit.h.render_datetime(stamp, with_hours=True)
        # A caller that asks for a format of its own gets CKAN's rendering.
        assert toolkit.h.render_datetime(stamp, date_format="%Y-%m-%d") == "2026-12-02"
    with app.flask_app.test_request_context("/", environ_overrides={"CKAN_LANG": "en"}):
        assert "2026" in toolkit.h.render_datetime(stamp) and "2569" not in toolkit.h.render_datetime(stamp)


# ---------------------------------------------------------------- private datasets' activities

@pytest.fixture
def agency_with_private_dataset():
    editor = factories.User(name="agency-editor")
    member = factories.User(name="agency-member")
    org = factories.Organization(name="pathum-health", users=[
        {"name": editor["name"], "capacity": "editor"}, {"name": member["name"], "capacity": "member"}])
    private = call_action("package_create", as_user(editor), **_gdc(org["id"], private=True,
                                                                   title="PRIVHIST ข้อมูลผู้ป่วย"))
    call_action("package_patch", as_user(editor), id=private["id"], notes="แก้ไขคำอธิบาย")
    public = call_action("package_create", as_user(editor), **_gdc(org["id"], title="ข้อมูลสาธารณะ"))
    return {"editor": editor, "member": member, "org": org, "private": private, "public": public}


def _gdc(owner_org: str, **overrides) -> dict:
    from tests.gap_support import gdc

    return gdc(owner_org, **overrides)


@pytest.mark.usefixtures("clean_index")
def test_private_datasets_activities_reach_only_those_who_may_see_the_dataset(agency_with_private_dataset, app):
    w = agency_with_private_dataset
    outsider = factories.User()
    anonymous = {"user": "", "ignore_auth": False}

    for context in (anonymous, as_user(outsider)):
        with pytest.raises(toolkit.NotAuthorized):
            call_action("package_activity_list", context, id=w["private"]["id"])
        for action, data in (("user_activity_list", {"id": "agency-editor"}),
                             ("organization_activity_list", {"id": w["org"]["id"]}),
                             ("recently_changed_packages_activity_list", {})):
            titles = [a["data"].get("package", {}).get("title") for a in call_action(action, dict(context), **data)]
            assert "PRIVHIST ข้อมูลผู้ป่วย" not in titles and "ข้อมูลสาธารณะ" in titles, action

    seen = call_action("package_activity_list", as_user(w["member"]), id=w["private"]["id"])
    assert [a["activity_type"] for a in seen] == ["changed package", "new package"]
    titles = [a["data"].get("package", {}).get("title")
              for a in call_action("user_activity_list", as_user(w["member"]), id="agency-editor")]
    assert "PRIVHIST ข้อมูลผู้ป่วย" in titles

    assert "PRIVHIST" not in app.get("/user/activity/agency-editor").body
    assert "PRIVHIST" not in app.get(f"/organization/activity/{w['org']['name']}").body
    assert app.get(f"/dataset/activity/{w['private']['name']}").status_code in (403, 404)
    member_page = app.get("/user/activity/agency-editor", headers={"Authorization": factories.APIToken(
        user=w["member"]["name"])["token"]}).body
    assert "PRIVHIST" in member_page
