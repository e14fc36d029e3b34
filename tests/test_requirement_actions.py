"""Requirement plan actions: create/update/delete/show/list, validation, who may edit, the table's migration."""
import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as toolkit
from ckan.model import meta
from ckan.tests import factories
from tests.ckan_session import call_action

from tests.gap_support import coordinating_org

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("plan_tables")]


def as_user(user):
    return {"user": user["name"], "ignore_auth": False}


def create(**values):
    values.setdefault("province_code", "13")
    values.setdefault("title_th", "ข้อมูล " + values.get("code", ""))
    return call_action("provincial_requirement_create", **values)


def test_migration_creates_the_tables_with_a_case_insensitive_unique_code():
    inspector = sa.inspect(meta.engine)
    assert {"provincial_requirement", "provincial_gap_snapshot", "provincial_alembic_version"} <= set(inspector.get_table_names())
    definition = meta.Session.execute(sa.text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'provincial_requirement_province_code_key'")).scalar()
    assert definition.startswith("CREATE UNIQUE INDEX") and "lower(code)" in definition


def test_create_show_update_delete():
    org = factories.Organization(name="pathum-env", title="สำนักงานสิ่งแวดล้อม")
    created = create(code="ENV-01", title_th="คุณภาพน้ำ", title_en="Water quality", agency="pathum-env",
                     update_frequency_unit="เดือน", update_frequency_interval="3", geo_level="district",
                     priority="high", pmqa="4.1; 4.2", purpose="ติดตามน้ำเสีย", source_plan="แผนพัฒนาสถิติจังหวัด")
    assert created["agency"] == org["id"] and created["agency_name"] == "pathum-env"
    assert created["agency_title"] == "สำนักงานสิ่งแวดล้อม"
    assert (created["update_frequency_interval"], created["geo_level"], created["pmqa"]) == (3, "อำเภอ", ["4.1", "4.2"])

    shown = call_action("provincial_requirement_show", province_code="13", code="env-01", include_datasets=False)
    assert shown["id"] == created["id"] and shown["title_en"] == "Water quality"

    updated = call_action("provincial_requirement_update", id=created["id"], code="ENV-01", title_th="คุณภาพน้ำผิวดิน")
    assert updated["title_th"] == "คุณภาพน้ำผิวดิน"
    assert updated["agency"] == "" and updated["pmqa"] == []  # an update replaces every field
    assert updated["modified"] > created["modified"]

    call_action("provincial_requirement_delete", id=created["id"])
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("provincial_requirement_show", id=created["id"])


def test_code_is_unique_within_a_province_only():
    create(code="R-1")
    with pytest.raises(toolkit.ValidationError) as raised:
        create(code="r-1")
    assert "R-1" in raised.value.error_dict["code"][0] or "r-1" in raised.value.error_dict["code"][0]
    assert create(code="R-1", province_code="19")["province_code"] == "19"

    other = create(code="R-2")
    with pytest.raises(toolkit.ValidationError):
        call_action("provincial_requirement_update", id=other["id"], code="R-1", title_th="x")


@pytest.mark.parametrize("field, value", [
    ("province_code", "99"),
    ("province_code", "1"),
    ("code", "A,B"),
    ("code", ""),
    ("title_th", ""),
    ("update_frequency_unit", "บางครั้ง"),
    ("update_frequency_interval", "0"),
    ("update_frequency_interval", "1.5"),
    ("geo_level", "galaxy"),
    ("priority", "urgent"),
    ("pmqa", "9.9"),
    ("agency", "no-such-organization"),
    ("development_issue", "19-tourism"),           # an issue of another province
    ("sub_issue", "13-livable-industry-nowhere"),
])
def test_invalid_values_name_their_field(field, value):
    values = {"code": "R-1", "title_th": "ข้อมูล", "province_code": "13", field: value}
    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("provincial_requirement_create", **values)
    assert field in raised.value.error_dict


def test_sub_issue_fills_in_its_issue_and_must_belong_to_it():
    created = create(code="R-1", sub_issue="13-livable-industry-clean")
    assert created["development_issue"] == "13-livable-industry"
    assert created["sub_issue_label"]["th"] == "เมืองสะอาด"
    with pytest.raises(toolkit.ValidationError) as raised:
        create(code="R-2", development_issue="13-focus-industry", sub_issue="13-livable-industry-clean")
    assert "sub_issue" in raised.value.error_dict


def test_province_cannot_change():
    created = create(code="R-1")
    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("provincial_requirement_update", id=created["id"], province_code="19", code="R-1", title_th="x")
    assert "province_code" in raised.value.error_dict


def test_list_filters():
    org = factories.Organization()
    create(code="A-1", development_issue="13-livable-industry", pmqa=["4.1"], agency=org["name"], title_en="Factories")
    create(code="A-2", development_issue="13-focus-tourism", pmqa=["4.2"])
    create(code="B-1", province_code="19", title_th="ข้อมูลสระบุรี")

    def codes(**filters):
        return [r["code"] for r in call_action("provincial_requirement_list", **filters)]

    assert codes() == ["A-1", "A-2", "B-1"]
    assert codes(province_code="13") == ["A-1", "A-2"]
    assert codes(province_code="13", development_issue="13-focus-tourism") == ["A-2"]
    assert codes(pmqa="4.1") == ["A-1"]
    assert codes(agency=org["name"]) == ["A-1"] and codes(agency=org["id"]) == ["A-1"]
    assert codes(q="factor") == ["A-1"] and codes(q="สระบุรี") == ["B-1"]
    assert codes(limit=1, offset=1) == ["A-2"]


class TestWhoMayEdit:
    def test_everyone_reads_the_plan(self):
        created = create(code="R-1")
        anonymous = {"user": "", "ignore_auth": False}
        assert call_action("provincial_requirement_list", context=dict(anonymous), province_code="13")[0]["code"] == "R-1"
        assert call_action("provincial_requirement_show", context=dict(anonymous), id=created["id"],
                           include_datasets=False)["code"] == "R-1"
        with pytest.raises(toolkit.NotAuthorized):
            call_action("provincial_requirement_create", context=dict(anonymous), province_code="13", code="R-2", title_th="x")

    def test_admin_of_the_coordinating_organization_edits_its_province_only(self):
        admin = factories.User()
        coordinating_org("13", admin=admin)
        created = call_action("provincial_requirement_create", context=as_user(admin), province_code="13",
                              code="R-1", title_th="ข้อมูล")
        call_action("provincial_requirement_update", context=as_user(admin), id=created["id"], code="R-1", title_th="แก้")
        with pytest.raises(toolkit.NotAuthorized):
            call_action("provincial_requirement_create", context=as_user(admin), province_code="19", code="R-1", title_th="x")
        other = create(code="S-1", province_code="19")
        with pytest.raises(toolkit.NotAuthorized):
            call_action("provincial_requirement_delete", context=as_user(admin), id=other["id"])
        call_action("provincial_requirement_delete", context=as_user(admin), id=created["id"])

    def test_editors_and_admins_of_other_organizations_may_not(self):
        editor, admin = factories.User(), factories.User()
        org = coordinating_org("13")
        call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
        coordinating_org("13", admin=admin, coordinator=False)
        for user in (editor, admin):
            with pytest.raises(toolkit.NotAuthorized):
                call_action("provincial_requirement_create", context=as_user(user), province_code="13",
                            code="R-1", title_th="x")

    def test_sysadmins_edit_every_plan(self):
        sysadmin = factories.Sysadmin()
        assert call_action("provincial_requirement_create", context=as_user(sysadmin), province_code="19",
                           code="R-1", title_th="x")["code"] == "R-1"
