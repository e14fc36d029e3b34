"""The extension's settings: typed once in settings.py, whatever form a run-time value arrives in."""
import pytest

from ckanext.provincial import settings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("configured, expected", [("13", "13"), (" 19 ", "19"), (13, "13"), (None, ""), ("", "")])
def test_province_code_is_two_digits_or_empty(ckan_config, monkeypatch, configured, expected):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.province_code", configured)
    assert settings.province_code() == expected


def test_lists_from_the_ini_text_or_a_list(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.harvest.users", "gdcatalog-harvester  nso-harvester ")
    assert settings.harvest_users() == ["gdcatalog-harvester", "nso-harvester"]
    monkeypatch.setitem(ckan_config, "ckanext.provincial.harvest.users", ["gdcatalog-harvester", " "])
    assert settings.harvest_users() == ["gdcatalog-harvester"]
    monkeypatch.setitem(ckan_config, "ckanext.provincial.datastore.formats", "CSV xlsx")
    assert settings.datastore_formats() == {"csv", "xlsx"}


def test_numbers_and_their_defaults(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.gap.cache_seconds", "-5")
    assert settings.gap_cache_seconds() == 0
    monkeypatch.setitem(ckan_config, "ckanext.provincial.gap.cache_seconds", "600")
    assert settings.gap_cache_seconds() == 600
    monkeypatch.setitem(ckan_config, "ckanext.provincial.datastore.max_columns", "")
    assert settings.datastore_max_columns(1000) == 1000
    monkeypatch.setitem(ckan_config, "ckanext.provincial.import.max_rows", 250)
    assert settings.import_max_rows() == 250


def test_the_declared_defaults_arrive_typed():
    # config_declaration.yml types these; the test.ini leaves them at their defaults.
    assert settings.gap_cache_seconds() == 3600
    assert settings.datastore_formats() >= {"csv", "xlsx"}


def test_content_check_limits_and_switch(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.validation.formats", "csv GeoJSON")
    monkeypatch.setitem(ckan_config, "ckanext.provincial.validation.max_rows", "0")
    monkeypatch.setitem(ckan_config, "ckanext.provincial.validation.max_bytes", 1024)
    monkeypatch.setitem(ckan_config, "ckanext.provincial.validation.auto", "false")
    limits = settings.content_checks_limits()
    assert limits["formats"] == ["csv", "GeoJSON"] and limits["max_rows"] == 0 and limits["max_bytes"] == 1024
    assert settings.content_checks_auto() is False


def test_catalogue_type_and_code_list_files(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.thaigdc_catalog_type", " agency ")
    assert settings.thaigdc_catalog_type("area_based") == "agency"
    monkeypatch.setitem(ckan_config, "ckanext.provincial.thaigdc_catalog_type", "")
    assert settings.thaigdc_catalog_type("area_based") == "area_based"
    monkeypatch.setitem(ckan_config, "ckanext.provincial.pmqa_file", " /srv/pmqa.yaml ")
    assert settings.pmqa_file() == "/srv/pmqa.yaml"
