"""Publishing agencies: the organization schema (province, kind of agency, plan coordination)."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from tests.ckan_session import call_action

from tests.factories import provincial_organization

# clean_db: the agencies have fixed names, which must be free.
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")]


def test_agency_is_created_and_shown_with_its_fields():
    created = provincial_organization(name="saraburi-nso", province_code="19", agency_kind="provincial_office",
                                      parent_agency="สำนักงานสถิติแห่งชาติ")

    shown = call_action("organization_show", id=created["id"])

    assert shown["province_code"] == "19"
    assert shown["agency_kind"] == "provincial_office"
    assert shown["parent_agency"] == "สำนักงานสถิติแห่งชาติ"
    assert shown["plan_coordinator"] == "False"


def test_plan_coordinator_defaults_to_false():
    created = call_action("organization_create", {"user": factories.Sysadmin()["name"]},
                          name="pathum-industry", title="สำนักงานอุตสาหกรรมจังหวัดปทุมธานี")

    assert created["plan_coordinator"] == "False"


@pytest.mark.parametrize("field, value", [("province_code", "99"), ("agency_kind", "ministry"),
                                          ("plan_coordinator", "yes")])
def test_bad_agency_fields_are_refused_and_nothing_is_saved(field, value):
    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("organization_create", {"user": factories.Sysadmin()["name"]}, name="bad-agency", **{field: value})

    assert list(raised.value.error_dict) == [field]
    with pytest.raises(toolkit.ObjectNotFound):
        call_action("organization_show", id="bad-agency")


def test_only_a_sysadmin_makes_an_agency_the_plan_coordinator():
    admin = factories.User()
    org = provincial_organization(users=[{"name": admin["name"], "capacity": "admin"}])

    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("organization_patch", {"user": admin["name"], "ignore_auth": False}, id=org["id"],
                    plan_coordinator="True")
    assert list(raised.value.error_dict) == ["plan_coordinator"]

    sysadmin = factories.Sysadmin()
    call_action("organization_patch", {"user": sysadmin["name"], "ignore_auth": False}, id=org["id"],
                plan_coordinator="True")
    # The agency's own admin edits other fields; the flag stays.
    call_action("organization_patch", {"user": admin["name"], "ignore_auth": False}, id=org["id"],
                parent_agency="กรมใหม่")

    shown = call_action("organization_show", id=org["id"])
    assert shown["plan_coordinator"] == "True"
    assert shown["parent_agency"] == "กรมใหม่"


def test_about_page_shows_province_and_kind_by_name(app):
    org = provincial_organization(name="pathum-dopa", agency_kind="provincial_administration")

    thai = app.get(f"/th/organization/about/{org['name']}").body
    english = app.get(f"/en/organization/about/{org['name']}").body

    assert "ปทุมธานี (13)" in thai
    assert "Pathum Thani (13)" in english
    assert "Provincial administration (provincial office of the governor)" in english
    assert "provincial_administration" not in english
