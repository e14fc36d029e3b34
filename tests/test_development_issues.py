"""Development issues on datasets: only the dataset's province's issues, and each issue's page lists its datasets."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from tests.ckan_session import call_action

from tests.factories import gdc_dataset, provincial_organization
from tests.vocabulary_support import edit, sync

# clean_db: each test syncs edited code-list files and reads what the sync added or removed,
# which depends on the code lists already in the portal.
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")]


@pytest.fixture
def synced():
    sysadmin = factories.Sysadmin()
    sync(sysadmin)
    return sysadmin


def dataset(**fields):
    org = provincial_organization()
    return call_action("package_create", **gdc_dataset("record", owner_org=org["id"], **fields))


def test_issue_of_another_province_is_rejected(synced):
    with pytest.raises(toolkit.ValidationError) as raised:
        dataset(province_code="13", development_issues=["13-livable-industry", "19-tourism"])

    assert raised.value.error_dict["development_issues"] == [
        'Development issue "19-tourism" (Religious, cultural and nature tourism) belongs to Saraburi (19), '
        "not to this dataset's province, Pathum Thani (13)"
    ]


def test_unknown_issue_is_rejected(synced):
    with pytest.raises(toolkit.ValidationError) as raised:
        dataset(province_code="13", development_issues=["13-no-such-issue"])

    assert 'Unknown development issue "13-no-such-issue"' in raised.value.error_dict["development_issues"][0]


def test_issues_before_any_sync_are_unknown():
    with pytest.raises(toolkit.ValidationError) as raised:
        dataset(province_code="13", development_issues=["13-livable-industry"])

    assert "Unknown development issue" in raised.value.error_dict["development_issues"][0]


def test_issues_of_own_province_are_stored_in_file_order(synced):
    created = dataset(
        province_code="19", development_issues=["19-tourism-nature", "19-industry-logistics"])

    assert created["development_issues"] == ["19-industry-logistics", "19-tourism-nature"]
    assert call_action("package_show", id=created["id"])["development_issues"] == created["development_issues"]


def test_changing_the_province_revalidates_the_issues(synced):
    created = dataset(province_code="13", development_issues=["13-focus-industry"])

    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("package_patch", id=created["id"], province_code="19")

    assert "belongs to Pathum Thani (13)" in raised.value.error_dict["development_issues"][0]


def test_issue_page_and_its_parent_page_list_the_dataset(synced, app):
    created = dataset(
        name="waste-collection-13", title="Waste collected per district 2566", province_code="13",
        development_issues=["13-livable-industry-clean"])
    other = dataset(name="bus-routes-13", title="Bus routes 2566", province_code="13",
                    development_issues=["13-livable-industry-connected"])

    sub_issue_page = app.get("/development-issue/13-livable-industry-clean")
    parent_page = app.get("/development-issue/13-livable-industry")

    assert sub_issue_page.status_code == 200
    assert "Waste collected per district 2566" in sub_issue_page.body
    assert "Bus routes 2566" not in sub_issue_page.body
    assert "Waste collected per district 2566" in parent_page.body
    assert "Bus routes 2566" in parent_page.body
    # The parent's page links its sub-issues, the sub-issue's its parent.
    assert 'href="/development-issue/13-livable-industry-safe"' in parent_page.body
    assert 'href="/development-issue/13-livable-industry"' in sub_issue_page.body
    assert call_action("group_show", id="13-livable-industry")["package_count"] == 2
    assert call_action("group_show", id="13-livable-industry-clean")["package_count"] == 1
    assert other["name"] not in [
        d["name"] for d in call_action("package_search", fq='groups:"13-livable-industry-clean"')["results"]]


def test_issue_index_page_lists_the_issues(synced, app):
    page = app.get("/development-issue/")

    assert page.status_code == 200
    assert "เมืองน่าอยู่คู่อุตสาหกรรม" in page.body


def test_moving_a_sub_issue_to_another_parent_moves_its_datasets(synced, files):
    created = dataset(name="crime-reports-13", province_code="13", development_issues=["13-livable-industry-safe"])
    edit(files / "development_issues" / "13.yaml",
         "      - code: 13-livable-industry-safe\n        name:\n          th: เมืองปลอดภัย\n          en: Safe city\n"
         "        description:\n          th: ความปลอดภัยในชีวิตและทรัพย์สิน อุบัติเหตุทางถนน และภัยพิบัติ\n"
         "          en: Safety of people and property, road accidents and disasters.\n", "")
    edit(files / "development_issues" / "13.yaml", "focus_areas:\n",
         "  - code: 13-safety\n    name: {th: ความปลอดภัย, en: Safety}\n    sub_issues:\n"
         "      - code: 13-livable-industry-safe\n        name: {th: เมืองปลอดภัย, en: Safe city}\n\nfocus_areas:\n")

    result = sync(synced)

    assert result["reindexed"] == [created["name"]]
    assert call_action("group_show", id="13-livable-industry-safe")["parent"] == "13-safety"

    def members(group):
        return [d["name"] for d in call_action("package_search", fq=f'groups:"{group}"')["results"]]

    assert members("13-safety") == [created["name"]]
    assert members("13-livable-industry") == []
