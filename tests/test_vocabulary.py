"""PMQA codes, development issues and national categories loaded into CKAN by the sync (real stack)."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as toolkit
from ckan.cli.cli import ckan as ckan_command
from ckan.tests import factories
from tests.ckan_session import call_action

from tests.factories import gdc_dataset, provincial_organization
from tests.sql_support import statements_while
from tests.vocabulary_support import edit, sync

pytestmark = pytest.mark.integration


@pytest.fixture
def sysadmin():
    return factories.Sysadmin()


def remove_pmqa_item_42(path) -> None:
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    start = text.index('      - code: "4.2"')
    end = text.index('  - code: "5"')
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text[:start] + text[end:])


def ckan_state() -> dict:
    """Everything the sync writes, as CKAN reports it."""
    state = {"pmqa": sorted(t["name"] for t in call_action("vocabulary_show", id="pmqa")["tags"])}
    for group_type in ("development-issue", "national-category"):
        names = call_action("group_list", type=group_type)
        state[group_type] = {
            name: {
                key: value for key, value in call_action("group_show", id=name, include_users=False).items()
                if key not in ("package_count", "num_followers", "display_name")
            }
            for name in names
        }
    return state


def dataset(org, **fields):
    return call_action("package_create", **gdc_dataset("record", owner_org=org["id"], **fields))


# clean_db: the sync's report (added, updated, removed, unchanged) is what these tests read,
# and it depends on the code lists already in the portal.
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestSync:
    def test_first_sync_loads_every_code_list(self, sysadmin):
        result = sync(sysadmin)

        assert result["pmqa"]["created"] is True
        assert result["pmqa"]["added"] == ["1", "2", "3", "4", "4.1", "4.2", "5", "6", "7"]
        assert call_action("vocabulary_show", id="pmqa")["name"] == "pmqa"
        issue = call_action("group_show", id="13-livable-industry-clean")
        assert issue["type"] == "development-issue"
        assert issue["title"] == "เมืองสะอาด"
        assert issue["title_en"] == "Clean city"
        assert issue["province_code"] == "13"
        assert issue["kind"] == "sub_issue"
        assert issue["parent"] == "13-livable-industry"
        assert [g["name"] for g in issue["groups"]] == ["13-livable-industry"]  # CKAN group hierarchy
        assert len(call_action("group_list", type="development-issue")) == len(result["development_issues"]["added"]) == 20
        assert sorted(call_action("group_list", type="national-category")) == ["01", "02", "03", "04", "05", "06", "07"]
        assert call_action("group_show", id="02")["title"] == "ประเด็นการพัฒนา"

    def test_sync_twice_changes_nothing_the_second_time(self, sysadmin):
        sync(sysadmin)
        before = ckan_state()

        second = sync(sysadmin)

        assert ckan_state() == before
        for part in ("pmqa", "national_categories", "development_issues"):
            assert second[part]["added"] == second[part]["removed"] == []
        assert second["national_categories"]["updated"] == second["development_issues"]["updated"] == []
        assert second["pmqa"]["created"] is False
        assert second["development_issues"]["unchanged"] == 20

    def test_dry_run_reports_without_writing(self, sysadmin):
        result = sync(sysadmin, dry_run=True)

        assert result["dry_run"] is True
        assert "4.1" in result["pmqa"]["added"]
        with pytest.raises(toolkit.ObjectNotFound):
            call_action("vocabulary_show", id="pmqa")
        assert call_action("group_list", type="development-issue") == []

    def test_only_sysadmins_may_sync(self):
        user = factories.User()
        with pytest.raises(toolkit.NotAuthorized):
            sync(user)

    def test_changed_file_adds_and_renames_without_breaking_datasets(self, sysadmin, files):
        sync(sysadmin)
        org = provincial_organization()
        used = dataset(org, name="factory-output-13", province_code="13", pmqa=["4.1"],
                       development_issues=["13-livable-industry-clean"])
        edit(files / "pmqa.yaml", "en: Measurement, analysis and improvement of organisational performance",
             "en: Performance measurement and improvement")
        edit(files / "pmqa.yaml", "      en: Results\n",
             '      en: Results\n    items:\n      - code: "7.1"\n        name:\n          th: ผลลัพธ์ด้านประสิทธิผล\n          en: Effectiveness results\n')
        edit(files / "development_issues" / "13.yaml", "en: Clean city", "en: A clean city")

        result = sync(sysadmin)

        assert result["pmqa"]["added"] == ["7.1"]
        assert result["development_issues"]["updated"] == ["13-livable-industry-clean"]
        assert call_action("group_show", id="13-livable-industry-clean")["title_en"] == "A clean city"
        shown = call_action("package_show", id=used["id"])
        assert shown["pmqa"] == ["4.1"]
        assert shown["development_issues"] == ["13-livable-industry-clean"]
        # Stored in the file's order, whatever the order given or the order of the vocabulary's rows.
        updated = call_action("package_patch", id=used["id"], pmqa=["7.1", "4.1"])
        assert updated["pmqa"] == ["4.1", "7.1"]
        facet = call_action("package_search", **{"facet.field": '["vocab_pmqa"]'})["search_facets"]["vocab_pmqa"]
        assert {"4.1 Performance measurement and improvement", "7.1 Effectiveness results"} <= {
            item["display_name"] for item in facet["items"]}

    def test_malformed_file_is_refused_with_file_line_and_reason_and_nothing_changes(self, sysadmin, files):
        sync(sysadmin)
        before = ckan_state()
        edit(files / "pmqa.yaml", 'code: "4.2"', "code: 4.2")
        edit(files / "development_issues" / "13.yaml", "en: Clean city", "en: A clean city")

        with pytest.raises(toolkit.ValidationError) as raised:
            sync(sysadmin)

        message = raised.value.error_dict["pmqa"][0]
        assert message.startswith(str(files / "pmqa.yaml") + ", line ")
        line = int(message.split(", line ")[1].split(":")[0])
        with open(files / "pmqa.yaml", encoding="utf-8") as stream:
            assert "code: 4.2" in stream.read().splitlines()[line - 1]
        assert 'the code 4.2 must be written in quotes, like "4.2"' in message
        assert ckan_state() == before  # the valid issue rename was not applied either

    def test_removing_a_pmqa_code_in_use_is_refused_listing_the_datasets(self, sysadmin, files):
        sync(sysadmin)
        org = provincial_organization()
        dataset(org, name="knowledge-portal-13", province_code="13", pmqa=["4.2"])
        dataset(org, name="it-systems-13", province_code="13", pmqa=["4.1", "4.2"], private=True)
        dataset(org, name="unrelated-13", province_code="13", pmqa=["4.1"])
        remove_pmqa_item_42(files / "pmqa.yaml")

        with pytest.raises(toolkit.ValidationError) as raised:
            sync(sysadmin)

        message = raised.value.error_dict["pmqa"][0]
        assert 'PMQA code "4.2" cannot be removed: 2 datasets use it (it-systems-13, knowledge-portal-13)' in message
        assert "unrelated-13" not in message
        assert "4.2" in [t["name"] for t in call_action("vocabulary_show", id="pmqa")["tags"]]

    def test_removing_an_unused_pmqa_code_works(self, sysadmin, files):
        sync(sysadmin)
        remove_pmqa_item_42(files / "pmqa.yaml")

        result = sync(sysadmin)

        assert result["pmqa"]["removed"] == ["4.2"]
        assert "4.2" not in [t["name"] for t in call_action("vocabulary_show", id="pmqa")["tags"]]

    def test_removing_a_development_issue_in_use_is_refused_listing_the_datasets(self, sysadmin, files):
        sync(sysadmin)
        org = provincial_organization()
        dataset(org, name="tourist-arrivals-13", province_code="13", development_issues=["13-focus-tourism"])
        edit(files / "development_issues" / "13.yaml",
             "  - code: 13-focus-tourism\n    name:\n      th: การท่องเที่ยว\n      en: Tourism\n", "")

        with pytest.raises(toolkit.ValidationError) as raised:
            sync(sysadmin)

        assert raised.value.error_dict["development_issues"] == [
            'Development issue "13-focus-tourism" cannot be removed: 1 datasets use it (tourist-arrivals-13). '
            f"Take the issue off these datasets first, or keep it in {files / 'development_issues'}."
        ]
        assert call_action("group_show", id="13-focus-tourism")["state"] == "active"

    def test_removed_then_restored_issue_comes_back(self, sysadmin, files):
        sync(sysadmin)
        original = (files / "development_issues" / "13.yaml").read_text(encoding="utf-8")
        edit(files / "development_issues" / "13.yaml",
             "  - code: 13-focus-tourism\n    name:\n      th: การท่องเที่ยว\n      en: Tourism\n", "")
        assert sync(sysadmin)["development_issues"]["removed"] == ["13-focus-tourism"]
        assert "13-focus-tourism" not in call_action("group_list", type="development-issue")

        (files / "development_issues" / "13.yaml").write_text(original, encoding="utf-8")
        result = sync(sysadmin)

        assert result["development_issues"]["added"] == ["13-focus-tourism"]
        assert call_action("group_show", id="13-focus-tourism")["state"] == "active"

    def test_a_code_taken_by_another_group_is_refused(self, sysadmin, files):
        factories.Group(name="13-focus-tourism", title="Someone's group")

        with pytest.raises(toolkit.ValidationError) as raised:
            sync(sysadmin)

        assert 'The code "13-focus-tourism"' in raised.value.error_dict["development_issues"][0]
        assert "Someone's group" in raised.value.error_dict["development_issues"][0]
        with pytest.raises(toolkit.ObjectNotFound):
            call_action("vocabulary_show", id="pmqa")


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestCommand:
    def test_cli_sync_twice(self, cli, ckan_config):
        first = cli.invoke(ckan_command, ["provincial", "vocabulary", "sync"])
        assert first.exit_code == 0, first.output
        assert "PMQA codes: 9 added, 0 updated, 0 removed, 0 unchanged" in first.output

        second = cli.invoke(ckan_command, ["provincial", "vocabulary", "sync"])

        assert second.exit_code == 0, second.output
        assert "PMQA codes: 0 added, 0 updated, 0 removed, 9 unchanged" in second.output
        assert "Development issues: 0 added, 0 updated, 0 removed, 20 unchanged" in second.output

    def test_cli_reports_a_malformed_file_and_fails(self, cli, tmp_path):
        bad = tmp_path / "pmqa.yaml"
        bad.write_text('categories:\n  - code: "4"\n    name: {th: หมวด 4}\n', encoding="utf-8")

        result = cli.invoke(ckan_command, ["provincial", "vocabulary", "sync", "--pmqa-file", str(bad)])

        assert result.exit_code == 1
        assert f"pmqa: {bad}, line 3: " in result.output
        assert "has no English (en) text" in result.output
        assert "Nothing was changed." in result.output


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestPmqaField:
    def test_unknown_code_is_rejected_with_the_known_codes(self, sysadmin):
        sync(sysadmin)
        org = provincial_organization()

        with pytest.raises(toolkit.ValidationError) as raised:
            dataset(org, province_code="13", pmqa=["4.1", "4.9"])

        assert raised.value.error_dict["pmqa"] == ["Unknown PMQA code: 4.9. Known codes: 1, 2, 3, 4, 4.1, 4.2, 5, 6, 7"]

    def test_codes_are_stored_in_vocabulary_order_and_accept_a_comma_list(self, sysadmin):
        sync(sysadmin)
        org = provincial_organization()

        created = dataset(org, province_code="13", pmqa="4.2, 4.1")

        assert created["pmqa"] == ["4.1", "4.2"]

    def test_filter_by_code_with_either_field_name_and_category_includes_its_items(self, sysadmin):
        sync(sysadmin)
        org = provincial_organization()
        item = dataset(org, name="kpi-dashboard-13", province_code="13", pmqa=["4.1"])
        category = dataset(org, name="strategy-plan-13", province_code="13", pmqa=["2"])
        dataset(org, name="no-pmqa-13", province_code="13")

        def names(fq):
            return sorted(d["name"] for d in call_action("package_search", fq=fq)["results"])

        assert names("pmqa:4.1") == [item["name"]]
        assert names('vocab_pmqa:"4.1"') == [item["name"]]
        assert names("pmqa:4") == [item["name"]]
        assert names("pmqa:2") == [category["name"]]

    def test_dataset_page_shows_issue_and_pmqa_badges(self, sysadmin, app):
        sync(sysadmin)
        org = provincial_organization()
        created = dataset(org, name="waste-13", province_code="13", pmqa=["4.1"],
                          development_issues=["13-livable-industry-clean"])

        page = app.get("/dataset/" + created["name"])

        assert page.status_code == 200
        assert 'class="badge bg-info text-dark text-decoration-none provincial-pmqa-badge"' in page.body
        assert "4.1 Measurement, analysis and improvement of organisational performance" in page.body
        assert 'href="/dataset/?vocab_pmqa=4.1"' in page.body or 'href="/dataset?vocab_pmqa=4.1"' in page.body
        assert 'href="/development-issue/13-livable-industry-clean"' in page.body
        assert "Clean city" in page.body

    def test_vocabulary_show_names_every_entry(self):
        pmqa = call_action("provincial_vocabulary_show", vocabulary="pmqa")
        issues = call_action("provincial_vocabulary_show", vocabulary="development_issues", province_code="19")

        assert pmqa[4] == {
            "code": "4.1", "parent": "4",
            "name": {"th": "การวัด การวิเคราะห์ และการปรับปรุงผลการดำเนินการของส่วนราชการ",
                     "en": "Measurement, analysis and improvement of organisational performance"},
            "description": pmqa[4]["description"],
        }
        assert {i["province_code"] for i in issues} == {"19"}
        assert issues[0]["kind"] == "issue"


def group_reads(run):
    """``run()``'s result and the SQL statements reading the group table while it ran."""
    return statements_while(run, 'FROM "group"')


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestIssueGroupMemo:
    CLEAN = "13-livable-industry-clean"

    def test_read_once_then_renamed_and_new_issues_seen_right_after_the_sync(self, sysadmin, files):
        from ckanext.provincial import vocabulary_store as store

        sync(sysadmin)
        with store.remembering_issue_groups():
            first, reads = group_reads(lambda: store.issue_groups([self.CLEAN]))
            assert first[self.CLEAN]["title_en"] == "Clean city" and reads
            again, reads = group_reads(lambda: store.issue_groups([self.CLEAN, "13-no-such-issue"]))
            assert again == first
            again, more = group_reads(lambda: store.issue_groups([self.CLEAN, "13-no-such-issue"]))
            assert again == first and not more  # the unknown code is remembered too

            edit(files / "development_issues" / "13.yaml", "en: Clean city", "en: A clean city")
            edit(files / "development_issues" / "13.yaml", "    sub_issues:\n      - code: 13-livable-industry-clean\n",
                 "    sub_issues:\n      - code: 13-livable-industry-quiet\n        name:\n"
                 "          th: เมืองเงียบสงบ\n          en: Quiet city\n"
                 "      - code: 13-livable-industry-clean\n")
            sync(sysadmin)

            found = store.issue_groups([self.CLEAN, "13-livable-industry-quiet"])
            assert found[self.CLEAN]["title_en"] == "A clean city"
            assert found["13-livable-industry-quiet"]["parent"] == "13-livable-industry"
            org = provincial_organization()
            used = dataset(org, name="quiet-13", province_code="13", development_issues=["13-livable-industry-quiet"])
            assert call_action("package_search", fq="vocab_development_issues:13-livable-industry")["count"] == 1
            assert used["development_issues"] == ["13-livable-industry-quiet"]

    def test_a_group_changed_through_the_api_is_seen_in_the_same_request(self, sysadmin, test_request_context):
        from ckanext.provincial import vocabulary_store as store

        sync(sysadmin)
        with test_request_context():
            assert store.issue_groups()[self.CLEAN]["title_en"] == "Clean city"
            _found, reads = group_reads(lambda: store.issue_groups([self.CLEAN]))
            assert not reads
            call_action("group_patch", id=self.CLEAN, title_en="Cleaner city")
            assert store.issue_groups([self.CLEAN])[self.CLEAN]["title_en"] == "Cleaner city"
            assert store.issue_groups()[self.CLEAN]["title_en"] == "Cleaner city"
            call_action("group_delete", id="13-livable-industry-connected")
            assert "13-livable-industry-connected" not in store.issue_groups()
            assert store.issue_groups(["13-livable-industry-connected"]) == {}
