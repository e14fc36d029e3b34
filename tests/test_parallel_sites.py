"""Parallel test processes each work on a site of their own (tests/conftest.py, stack.sh test-site)."""
import os

import pytest

from tests.conftest import site_environment

pytestmark = pytest.mark.unit

INI = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test.ini")


def test_a_process_gets_its_own_database_core_redis_site_and_storage():
    found = site_environment("gw1", INI)
    assert found["CKAN_SQLALCHEMY_URL"].endswith("/ckan_test_gw1")
    assert found["CKAN_DATASTORE_WRITE_URL"].endswith("/datastore_test_gw1")
    assert found["CKAN_DATASTORE_READ_URL"].startswith("postgresql://datastore_ro:")
    assert found["CKAN_DATASTORE_READ_URL"].endswith("/datastore_test_gw1")
    assert found["CKAN_SOLR_URL"].endswith("/solr/ckan_test_gw1")
    assert found["CKAN_REDIS_URL"].endswith("/3")
    assert found["CKAN_SITE_ID"] == "test_gw1"
    assert found["CKAN_STORAGE_PATH"].endswith("storage-test-gw1")


def test_no_two_processes_share_anything_and_none_shares_with_a_single_process_run():
    sites = [site_environment(name, INI) for name in ("gw0", "gw1", "gw2", "gw3", "mine")]
    for variable in sites[0]:
        values = [site[variable] for site in sites]
        assert len(set(values)) == len(values), variable
    single_process_redis = "/1"
    assert not any(site["CKAN_REDIS_URL"].endswith(single_process_redis) for site in sites)
