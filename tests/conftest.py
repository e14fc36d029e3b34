"""Fixtures shared by the test modules, and the per-module time summary.

CKAN's own pytest plugin (``ckan.tests.pytest_ckan``, registered by its ``pytest11`` entry
point) gives ``with_plugins``, ``clean_db``, ``app`` and the rest; the modules below add the
project's. A test names a fixture as a parameter and never imports it.
"""
from __future__ import annotations

import collections
import configparser
import os
import re

import pytest

pytest_plugins = [
    "tests.fixtures.portal",
    "tests.fixtures.plan",
    "tests.fixtures.vocabulary",
]


def site_environment(site: str, ini_path: str) -> dict[str, str]:
    """CKAN's environment variables that move a test process to the site ``site`` made by
    ``stack/stack.sh test-site``: its own database, DataStore database, Solr core, Redis
    database, site id and storage, so parallel processes never see each other's data."""
    parser = configparser.ConfigParser(defaults={"here": os.path.dirname(os.path.abspath(ini_path))})
    parser.read(ini_path, encoding="utf-8")
    ini = parser["app:main"]
    number = int(re.sub(r"\D", "", site) or 13)
    return {
        "CKAN_SQLALCHEMY_URL": re.sub(r"/(\w+)$", rf"/\1_{site}", ini["sqlalchemy.url"]),
        "CKAN_DATASTORE_WRITE_URL": re.sub(r"/(\w+)$", rf"/\1_{site}", ini["ckan.datastore.write_url"]),
        "CKAN_DATASTORE_READ_URL": re.sub(r"/(\w+)$", rf"/\1_{site}", ini["ckan.datastore.read_url"]),
        "CKAN_SOLR_URL": re.sub(r"/(\w+)$", rf"/\1_{site}", ini["solr_url"]),
        # Databases 2 to 15 of the stack's Redis (0 is the demo's, 1 the single-process run's).
        "CKAN_REDIS_URL": re.sub(r"/\d+$", f"/{2 + number % 14}", ini["ckan.redis.url"]),
        "CKAN_SITE_ID": f"{ini['ckan.site_id']}_{site}",
        "CKAN_STORAGE_PATH": f"{ini['ckan.storage_path']}-{site}",
    }


def pytest_configure(config: pytest.Config) -> None:
    # A parallel run's process (pytest-xdist names it gw0, gw1…), or PROVINCIAL_TEST_SITE for a
    # second run beside another, works on a site of its own; CKAN reads these variables when
    # the session starts.
    site = os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get("PROVINCIAL_TEST_SITE")
    ini_path = config.getoption("ckan_ini", default=None)
    if site and ini_path:
        os.environ.update(site_environment(site, ini_path))


# The modules that take longest (the per-module summary below), run first: a parallel run
# then ends on short modules in every process instead of one long module in one. The rest
# keep their order.
LONGEST_FIRST = (
    "test_datastore.py", "test_demo.py", "test_hostile_input.py", "test_datarequest.py", "test_permissions.py",
    "test_catalogue_import.py", "test_usage.py", "test_national_rules.py", "test_dcat.py", "test_loader.py",
    "test_browser.py", "test_harvest.py", "test_faults.py", "test_outages.py", "test_vocabulary.py",
    "test_gap_actions.py",
)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FIRST)))


# Seconds per test module (set-up, call and tear-down of its tests), printed after the run
# so a module that grows slow shows in every `make test`. A session fixture's set-up counts
# for the module whose test asked for it first.
_module_seconds: collections.Counter[str] = collections.Counter()
_module_tests: collections.Counter[str] = collections.Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    module = report.nodeid.split("::", 1)[0]
    _module_seconds[module] += report.duration
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _module_tests[module] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not _module_seconds:
        return
    terminalreporter.section("time per test module")
    for module, seconds in _module_seconds.most_common():
        terminalreporter.write_line(f"{seconds:8.1f}s {_module_tests[module]:5d} tests  {module}")
    terminalreporter.write_line(f"{sum(_module_seconds.values()):8.1f}s {sum(_module_tests.values()):5d} tests  in all")
