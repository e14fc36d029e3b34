"""The extension on the real stack: plugin, PostgreSQL, Solr, web pages."""
import pytest
import requests

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit
from tests.ckan_session import call_action

from tests.factories import gdc_dataset, provincial_organization

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("with_plugins")]


def test_plugin_is_loaded():
    assert plugins.plugin_loaded("provincial")


def test_solr_core_answers_ping():
    response = requests.get(toolkit.config["solr_url"].rstrip("/") + "/admin/ping", params={"wt": "json"}, timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "OK"


# clean_db, clean_index: fixed names, and the search by name must find exactly one.
@pytest.mark.usefixtures("clean_db", "clean_index")
def test_dataset_created_through_actions_is_found_by_solr():
    org = provincial_organization()
    dataset = call_action("package_create", **gdc_dataset("record", owner_org=org["id"], name="factories-13"))

    result = call_action("package_search", q="name:factories-13")

    assert result["count"] == 1
    assert result["results"][0]["id"] == dataset["id"]


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_front_page_dataset_list_and_dataset_page_show_the_dataset(app, migrate_db_for):
    migrate_db_for("provincial")  # the front page shows the requirement plan's figures
    org = provincial_organization()
    dataset = call_action(
        "package_create",
        **gdc_dataset("statistics", owner_org=org["id"], name="tourists-13", title="Tourist arrivals 2566"),
    )

    assert app.get("/").status_code == 200
    listing = app.get("/dataset")
    assert listing.status_code == 200
    assert "Tourist arrivals 2566" in listing.body
    page = app.get("/dataset/" + dataset["name"])
    assert page.status_code == 200
    assert "Tourist arrivals 2566" in page.body


@pytest.mark.usefixtures("non_clean_db")
def test_status_show_reports_the_extension():
    status = call_action("status_show")
    assert "provincial" in status["extensions"]
    assert status["provincial_version"]
