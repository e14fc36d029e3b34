"""Metadata quality actions and pages on the real stack: live score, index means, snapshots, th/en pages."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories

from ckanext.provincial import metadata_quality as mqa
from ckanext.provincial.actions import metadata_quality as actions
from tests import ckan_session
from tests.ckan_session import call_action
from tests.datastore_support import unique
from tests.factories import RESOURCE, gdc_dataset, provincial_organization

pytestmark = pytest.mark.integration

ISSUE = "13-q-quality-issue"


def site_context():
    return {"ignore_auth": True, "user": call_action("get_site_user")["name"]}


@pytest.fixture(scope="module")
def world(reset_db, reset_index, migrate_db_for):
    ckan_session.ensure_plugins()
    reset_db()
    migrate_db_for("provincial")
    reset_index()
    sysadmin = factories.SysadminWithToken()
    outsider = factories.UserWithToken()
    good = provincial_organization(name=unique("q-good"), title="สำนักงานสถิติจังหวัดปทุมธานี", plan_coordinator="True")
    poor = provincial_organization(name=unique("q-poor"), title="หน่วยงานตัวอย่าง")
    other = provincial_organization(name=unique("q-other"), province_code="19")
    call_action("group_create", site_context(), type="development-issue", name=ISSUE,
                title="ประเด็นคุณภาพ", province_code="13", kind="issue", position="1")
    call_action("provincial_requirement_create", province_code="13", code="Q-1", title_th="โรงงาน",
                update_frequency_unit="ปี")

    def create(org, **fields):
        return call_action("package_create", **gdc_dataset("statistics", owner_org=org["id"], **fields))

    rich = create(good, name=unique("q-rich"), development_issues=[ISSUE], reference_period="2023-01-01/2023-12-31")
    plain = create(good, name=unique("q-plain"))
    linked = create(poor, name=unique("q-linked"), development_issues=[ISSUE], license_id="อื่นๆ",
                    license_id_other="ใบอนุญาตของหน่วยงาน",
                    resources=[dict(RESOURCE, url="http://example.invalid/a.pdf", format="PDF"),
                               dict(RESOURCE, url="http://example.invalid/b.csv", name="b")])
    private = create(poor, name=unique("q-private"), private=True)
    saraburi = create(other, name=unique("q-saraburi"), province_code="19")
    yield SimpleNamespace(sysadmin=sysadmin, outsider=outsider, good=good, poor=poor, other=other, rich=rich,
                          plain=plain, linked=linked, private=private, saraburi=saraburi,
                          app=ckan_session.test_app())


def show(dataset_id, **context):
    return call_action("provincial_quality_show", context or None, id=dataset_id)


def mean(values):
    return round(sum(values) / len(values), 1)


def test_show_is_the_pure_score_of_package_show(world):
    result = show(world.rich["id"])
    pkg = call_action("package_show", id=world.rich["id"])
    expected = mqa.score(pkg, actions.link_state(pkg["id"]))
    assert result["total"] == expected["total"] and result["id"] == world.rich["id"]
    assert result["max"] == 405 and result["rating"] == mqa.rating(result["total"])
    assert [i["points"] for i in result["indicators"]] == [i["points"] for i in expected["indicators"]]
    assert set(result["dimensions"]) == set(mqa.DIMENSIONS)
    assert all(i["label"] for i in result["indicators"])
    # the development issue (a category) is what rich has more than plain
    plain = show(world.plain["id"])
    assert result["total"] - plain["total"] == 30
    assert "categories" in {i["key"] for i in plain["improvements"]}
    assert "categories" not in {i["key"] for i in result["improvements"]}


def test_other_licence_and_a_pdf_cost_their_points(world):
    result = show(world.linked["id"])
    by_key = {i["key"]: i for i in result["indicators"]}
    assert by_key["license"]["met"] and by_key["license_vocabulary"]["points"] == 0
    assert by_key["machine_readable"]["points"] == 10 and not by_key["machine_readable"]["met"]


def test_show_follows_package_show_permissions(world):
    with pytest.raises(toolkit.NotAuthorized):
        call_action("provincial_quality_show", {"user": world.outsider["name"], "ignore_auth": False},
                    id=world.private["id"])
    assert call_action("provincial_quality_show", {"user": world.sysadmin["name"], "ignore_auth": False},
                       id=world.private["id"])["total"] > 0
    with pytest.raises(toolkit.ObjectNotFound):
        show("no-such-dataset")
    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("provincial_quality_show", id="")
    assert "id" in raised.value.error_dict


def test_summary_equals_the_mean_of_per_dataset_scores(world):
    summary = call_action("provincial_quality_summary", province_code="13")
    public = [show(d["id"]) for d in (world.rich, world.plain, world.linked)]
    assert summary["province_code"] == "13" and summary["datasets"] == 3
    assert summary["score"] == mean([r["total"] for r in public])
    assert summary["rating"] == mqa.rating(summary["score"])
    for dimension in mqa.DIMENSIONS:
        assert summary["dimensions"][dimension] == mean([r["dimensions"][dimension]["score"] for r in public])
    assert summary["max"] == {"total": 405, "findability": 100, "accessibility": 100, "interoperability": 110,
                              "reusability": 75, "contextuality": 20}
    agencies = {row["name"]: row for row in summary["by_agency"]}
    assert set(agencies) == {world.good["name"], world.poor["name"]}
    assert agencies[world.good["name"]]["score"] == mean([public[0]["total"], public[1]["total"]])
    assert agencies[world.good["name"]]["title"] == "สำนักงานสถิติจังหวัดปทุมธานี"
    assert agencies[world.poor["name"]]["datasets"] == 1 and agencies[world.poor["name"]]["rating"]
    assert [row["name"] for row in summary["by_agency"]] == [world.good["name"], world.poor["name"]]  # best first
    issues = {row["key"]: row for row in summary["by_development_issue"]}
    assert issues[ISSUE]["datasets"] == 2 and issues[ISSUE]["label"] == "ประเด็นคุณภาพ"
    assert issues[ISSUE]["score"] == mean([public[0]["total"], public[2]["total"]])


def test_summary_filters_and_private_datasets(world):
    everything = call_action("provincial_quality_summary")
    assert everything["datasets"] == 4 and everything["province_code"] is None
    by_org = call_action("provincial_quality_summary", organization=world.poor["id"])
    assert by_org["organization"] == world.poor["name"] and by_org["datasets"] == 1
    as_sysadmin = {"user": world.sysadmin["name"], "ignore_auth": False}
    with_private = call_action("provincial_quality_summary", as_sysadmin, organization=world.poor["name"],
                               include_private=True)
    assert with_private["datasets"] == 2
    outsider = call_action("provincial_quality_summary", {"user": world.outsider["name"], "ignore_auth": False},
                           organization=world.poor["name"], include_private=True)
    assert outsider["datasets"] == 1
    assert call_action("provincial_quality_summary", province_code="50")["datasets"] == 0
    assert call_action("provincial_quality_summary", province_code="50")["score"] is None
    assert actions.catalogue_summary() == everything


@pytest.mark.parametrize("data,field", [({"province_code": "1x"}, "province_code"),
                                        ({"organization": "no-such-agency"}, "organization"),
                                        ({"include_private": [1]}, "include_private")])
def test_summary_refuses_bad_input_naming_the_field(world, data, field):
    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("provincial_quality_summary", **data)
    assert field in raised.value.error_dict


def test_a_broken_link_lowers_the_live_and_the_indexed_score(world):
    from ckan.lib.search import rebuild  # what the link checker's run does after a change
    from ckanext.provincial import model
    from ckanext.provincial.link_checks import store

    before = show(world.linked["id"])
    resource = call_action("package_show", id=world.linked["id"])["resources"][1]
    for _attempt in range(2):  # broken: failed two checks in a row
        store.record(resource["id"], world.linked["id"], resource["url"], {"status_code": 404})
        model.session().commit()
    rebuild(world.linked["id"])
    try:
        after = show(world.linked["id"])
        by_key = {i["key"]: i for i in after["indicators"]}
        assert by_key["access_url_status"]["points"] == 25 and by_key["download_url_status"]["points"] == 15
        assert after["total"] == before["total"] - 25 - 15
        summary = call_action("provincial_quality_summary", organization=world.poor["name"])
        assert summary["score"] == after["total"]
    finally:
        store.record(resource["id"], world.linked["id"], resource["url"], {"status_code": 200})
        model.session().commit()
        rebuild(world.linked["id"])
    assert call_action("provincial_quality_summary", organization=world.poor["name"])["score"] == before["total"]


def test_snapshot_keeps_the_province_quality(world):
    snapshots = call_action("provincial_gap_snapshot_create", province_codes=["13"])
    assert len(snapshots) == 1
    kept = snapshots[0]["quality"]
    assert kept == call_action("provincial_quality_summary", province_code="13")
    listed = call_action("provincial_gap_snapshot_list", province_code="13")
    assert listed[-1]["quality"]["score"] == kept["score"] and kept["datasets"] == 3


@pytest.mark.parametrize("lang", ["th", "en"])
def test_dataset_page_shows_score_bars_and_hints(world, lang):
    response = world.app.get(f"/{lang}/dataset/{world.plain['name']}")
    assert response.status_code == 200
    page = BeautifulSoup(response.body, "html.parser")
    section = page.select_one("#metadata-quality")
    assert section is not None
    assert section.select_one("[data-quality=total]").text == str(show(world.plain["id"])["total"])
    assert [row["data-dimension"] for row in section.select("tr[data-dimension]")] == list(mqa.DIMENSIONS)
    assert {li["data-indicator"] for li in section.select(".provincial-quality-improvements li")} >= {"categories"}
    if lang == "en":
        assert "What would raise it" in section.text and "Findability" in section.text


@pytest.mark.parametrize("lang", ["th", "en"])
def test_agency_and_gap_pages_show_the_means(world, lang):
    summary = call_action("provincial_quality_summary", organization=world.good["name"])
    response = world.app.get(f"/{lang}/organization/{world.good['name']}")
    assert response.status_code == 200
    page = BeautifulSoup(response.body, "html.parser")
    assert page.select_one(".provincial-quality-organization [data-quality=score]").text == str(summary["score"])
    province = call_action("provincial_quality_summary", province_code="13")
    response = world.app.get(f"/{lang}/gap/13")
    assert response.status_code == 200
    page = BeautifulSoup(response.body, "html.parser")
    section = page.select_one("#metadata-quality")
    assert section.select_one("[data-quality=score]").text == str(province["score"])
    assert [tr["data-agency"] for tr in section.select("tr[data-agency]")] == [a["name"] for a in province["by_agency"]]


@pytest.mark.parametrize("name", ["no-such-dataset", "0", "a\x00b", 7])
@pytest.mark.parametrize("as_user", [False, True], ids=["site user", "signed-in user"])
def test_the_score_of_no_dataset_is_not_found_with_a_message(world, name, as_user):
    context = {"user": factories.User()["name"], "ignore_auth": False} if as_user else None
    with pytest.raises(toolkit.ObjectNotFound) as raised:
        call_action("provincial_quality_show", context, id=name)
    assert str(raised.value).strip()
