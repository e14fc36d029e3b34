"""Provincial facets: counts from package_search match the datasets created; names instead of codes."""
from __future__ import annotations

from collections import Counter

import pytest

from ckan.tests import factories
from tests.ckan_session import call_action

from tests import ckan_session
from tests.factories import gdc_dataset, provincial_organization
from tests.vocabulary_support import sync

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("with_plugins")]

FACETS = ["province_code", "vocab_development_issues", "vocab_pmqa", "data_type", "data_category", "data_classification"]

# (province, issues, pmqa, overrides of the GDC fields)
DATASETS = [
    ("13", ["13-livable-industry-clean"], ["4.1"], {}),
    ("13", ["13-livable-industry-clean", "13-focus-industry"], ["4.1", "4.2"], {}),
    ("13", ["13-livable-industry-safe"], ["2"], {}),
    ("13", [], [], {}),
    ("19", ["19-tourism-nature"], ["4.2"], {}),
    ("19", ["19-agriculture"], [], {}),
]
PARENTS = {
    "13-livable-industry-clean": "13-livable-industry",
    "13-livable-industry-safe": "13-livable-industry",
    "19-tourism-nature": "19-tourism",
}


def facet_counts(result, field):
    return {item["name"]: item["count"] for item in result["search_facets"][field]["items"]}


@pytest.fixture(scope="module")
def created(reset_db, reset_index):
    """The synced code lists and six datasets, built once for the module: the tests only search
    them (the groups test adds a group and a membership, which no other test counts)."""
    ckan_session.ensure_plugins()
    reset_db()
    reset_index()
    sync(factories.Sysadmin())
    org = provincial_organization()
    kinds = ["record", "statistics", "record", "gis", "record", "statistics"]
    found = []
    for number, ((province, issues, pmqa, overrides), kind) in enumerate(zip(DATASETS, kinds)):
        found.append(call_action("package_create", **gdc_dataset(
            kind, owner_org=org["id"], name=f"facet-dataset-{number}", province_code=province,
            development_issues=issues, pmqa=pmqa, **overrides)))
    return found


def test_facet_counts_match_the_datasets_created(created):
    result = call_action("package_search", rows=0, **{"facet.field": FACETS, "facet.limit": -1})

    assert result["count"] == len(DATASETS)
    assert facet_counts(result, "province_code") == {"13": 4, "19": 2}

    expected_issues = Counter()
    expected_pmqa = Counter()
    for _province, issues, pmqa, _overrides in DATASETS:
        expected_issues.update(set(issues) | {PARENTS[i] for i in issues if i in PARENTS})
        expected_pmqa.update(set(pmqa) | {code.split(".")[0] for code in pmqa})
    assert facet_counts(result, "vocab_development_issues") == dict(expected_issues)
    assert facet_counts(result, "vocab_pmqa") == dict(expected_pmqa)
    assert facet_counts(result, "vocab_pmqa") == {"4": 3, "4.1": 2, "4.2": 2, "2": 1}

    for field in ("data_type", "data_category", "data_classification"):
        expected = Counter(d.get(field) for d in created if d.get(field))
        assert facet_counts(result, field) == dict(expected), field


def test_facet_counts_follow_a_filter(created):
    result = call_action(
        "package_search", fq='province_code:"13"', rows=0, **{"facet.field": FACETS})

    assert result["count"] == 4
    assert facet_counts(result, "vocab_development_issues") == {
        "13-livable-industry": 3, "13-livable-industry-clean": 2, "13-livable-industry-safe": 1, "13-focus-industry": 1}
    assert facet_counts(result, "vocab_pmqa") == {"4": 2, "4.1": 2, "4.2": 1, "2": 1}


def test_facet_items_show_names_not_codes(created):
    result = call_action("package_search", rows=0, **{"facet.field": FACETS})
    names = {field: {item["name"]: item["display_name"] for item in result["search_facets"][field]["items"]}
             for field in FACETS}

    assert names["province_code"]["13"] == "Pathum Thani"  # test.ini: ckan.locale_default = en
    assert names["vocab_development_issues"]["13-livable-industry"] == "A livable city alongside industry"
    assert names["vocab_pmqa"]["4"] == "Category 4: Measurement, analysis and knowledge management"
    assert names["vocab_pmqa"]["4.2"].startswith("4.2 Management of knowledge")


def test_development_issues_leave_the_groups_facet_to_other_groups(created):
    group = factories.Group(name="tourism-board", title="Tourism board")
    call_action("member_create", id=group["id"], object="facet-dataset-4", object_type="package", capacity="public")

    result = call_action("package_search", rows=0, **{"facet.field": ["groups"]})

    assert facet_counts(result, "groups") == {"tourism-board": 1}


def test_dataset_search_page_shows_the_provincial_facets(created, app):
    page = app.get("/dataset/")

    assert page.status_code == 200
    for title in ("Province", "Development issues", "PMQA 4.0", "Data type", "Data category", "Data classification"):
        assert title in page.body, title
    assert "A livable city alongside industry" in page.body
    assert "vocab_pmqa=4.1" in page.body

    filtered = app.get("/dataset/", params={"vocab_development_issues": "13-livable-industry-clean"})
    assert "2 datasets found" in filtered.body
