"""status_show tells the national catalogue what this catalogue is (GDC identity)."""
import pytest

import ckan.plugins.toolkit as toolkit
from ckan.common import config_declaration
from tests.ckan_session import call_action

import ckanext.provincial as provincial

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("with_plugins", "non_clean_db")]


def test_status_show_has_the_gdc_identity_of_a_provincial_catalogue():
    status = call_action("status_show")

    assert status["thaigdc_catalog_type"] == "area_based"
    assert status["thaigdc_version"] == "2.2.4"
    assert status["provincial_version"] == provincial.__version__
    assert "provincial_province_code" in status
    # CKAN's own keys stay, as the national side reads them too.
    assert "dcat" in status["extensions"] and "provincial" in status["extensions"]


def test_status_show_follows_the_configuration(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.thaigdc_catalog_type", "agency")
    monkeypatch.setitem(ckan_config, "ckanext.provincial.thaigdc_version", "2.3.0")
    monkeypatch.setitem(ckan_config, "ckanext.provincial.province_code", "19")

    status = call_action("status_show")

    assert status["thaigdc_catalog_type"] == "agency"
    assert status["thaigdc_version"] == "2.3.0"
    assert status["provincial_province_code"] == "19"


def test_status_show_is_public_through_the_api(app):
    response = app.get("/api/3/action/status_show")

    assert response.status_code == 200
    result = response.json["result"]
    assert result["thaigdc_catalog_type"] == "area_based"
    assert result["thaigdc_version"]


@pytest.mark.parametrize("value", ["agency", "area_based", "data_center", "local_government"])
def test_every_gdc_catalogue_type_is_accepted(value):
    config = dict(toolkit.config, **{"ckanext.provincial.thaigdc_catalog_type": value})
    _data, errors = config_declaration.validate(config)
    assert "ckanext.provincial.thaigdc_catalog_type" not in errors


@pytest.mark.parametrize("value", ["province", "Area_Based", "area-based"])
def test_an_unknown_catalogue_type_is_refused_at_startup(value):
    config = dict(toolkit.config, **{"ckanext.provincial.thaigdc_catalog_type": value})
    _data, errors = config_declaration.validate(config)
    assert "ckanext.provincial.thaigdc_catalog_type" in errors
