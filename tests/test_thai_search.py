"""Thai words inside a Thai title are found, through the API and the /dataset page (Thai-aware Solr schema)."""
from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree

import pytest
import requests

import ckan
import ckan.plugins.toolkit as toolkit
from tests.ckan_session import call_action

from tests.factories import RESOURCE, RESOURCE_BY_TYPE, gdc_dataset, provincial_organization

pytestmark = pytest.mark.integration


FACTORIES = "ข้อมูลโรงงานอุตสาหกรรมจังหวัดปทุมธานี"
TOURISM = "สถิตินักท่องเที่ยวจังหวัดสระบุรี"


# clean_db, clean_index: the tests assert exactly which datasets a Thai word finds.
@pytest.fixture
def datasets(with_plugins, clean_db, clean_index):
    org = provincial_organization()
    # Every other searchable text in English, so only the Thai title can match a Thai word.
    resource = dict(RESOURCE, **RESOURCE_BY_TYPE["record"], name="Table 2566", description="One row per district.")
    common = {
        "notes": "Registered records by district.", "tag_string": "statistics",
        "maintainer": "Provincial Statistical Office", "data_source": "Provincial offices",
        "resources": [resource],
    }
    factories = call_action("package_create", **gdc_dataset(
        "record", owner_org=org["id"], name="factories-13", title=FACTORIES, **common))
    tourism = call_action("package_create", **gdc_dataset(
        "record", owner_org=org["id"], name="tourists-19", title=TOURISM, province_code="19", **common))
    return factories, tourism


def found(q: str) -> list[str]:
    return sorted(d["name"] for d in call_action("package_search", q=q)["results"])


@pytest.mark.parametrize("word", ["อุตสาหกรรม", "ปทุมธานี", "โรงงาน"])
def test_a_thai_word_of_the_title_finds_the_dataset(datasets, word):
    assert found(word) == ["factories-13"]


def test_a_word_of_another_title_does_not_find_it(datasets):
    assert found("สระบุรี") == ["tourists-19"]
    assert found("นักท่องเที่ยว") == ["tourists-19"]
    assert found("จังหวัด") == ["factories-13", "tourists-19"]


def test_dataset_page_search_finds_thai_words(datasets, app):
    page = app.get("/dataset/", params={"q": "อุตสาหกรรม"})

    assert page.status_code == 200
    assert FACTORIES in page.body
    assert TOURISM not in page.body

    page = app.get("/dataset/", params={"q": "ปทุมธานี"})
    assert FACTORIES in page.body
    assert TOURISM not in page.body


def index_tokens(field: str, text: str) -> list[str]:
    """The terms Solr indexes for ``text`` in ``field`` (its field analysis API)."""
    response = requests.get(
        toolkit.config["solr_url"].rstrip("/") + "/analysis/field",
        params={"analysis.fieldname": field, "analysis.fieldvalue": text, "wt": "json"}, timeout=10)
    response.raise_for_status()
    stages = response.json()["analysis"]["field_names"][field]["index"]
    return [token["text"] for token in stages[-1]]


def stock_tokenizer(type_name: str) -> str:
    """The index tokenizer of a field type in CKAN's own Solr schema (what a stock core runs)."""
    stock = os.path.join(os.path.dirname(ckan.__file__), "config", "solr", "schema.xml")
    field_type = ElementTree.parse(stock).getroot().find(f"./types/fieldType[@name='{type_name}']")
    return field_type.find("./analyzer[@type='index']/tokenizer").get("class")


@pytest.mark.parametrize("field", ["title", "notes", "text"])
def test_this_core_segments_thai_where_a_stock_core_keeps_one_token(field):
    # A stock CKAN core splits text at whitespace only: the whole title is one
    # term, so q=อุตสาหกรรม cannot match it.
    assert stock_tokenizer("text") == "solr.WhitespaceTokenizerFactory"
    assert FACTORIES.split() == [FACTORIES]

    assert index_tokens(field, FACTORIES) == ["ข้อมูล", "โรงงาน", "อุตสาหกรรม", "จังหวัด", "ปทุมธานี"]


def test_english_words_are_still_stemmed_and_lowercased():
    assert index_tokens("text", "Factories Registered") == ["factori", "regist"]
