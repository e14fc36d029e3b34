"""Fixtures shared by the test modules, and the per-module time summary.

CKAN's own pytest plugin (``ckan.tests.pytest_ckan``, registered by its ``pytest11`` entry
point) gives ``with_plugins``, ``clean_db``, ``app`` and the rest; the modules below add the
project's. A test names a fixture as a parameter and never imports it.
"""
from __future__ import annotations

import collections

import pytest

pytest_plugins = [
    "tests.fixtures.plan",
    "tests.fixtures.vocabulary",
]


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
