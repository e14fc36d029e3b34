"""The link checks' pure rules: which resources are links, results, two failures in a row, the quality problem."""
import datetime as dt

import pytest

from ckanext.provincial import quality
from ckanext.provincial.link_checks import checker, policy

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 12, 3, 2, 30)
URL = "https://data.example.go.th/a.csv"


@pytest.mark.parametrize("resource, expected", [
    ({"url": URL}, True),
    ({"url": "http://example.org/x", "url_type": ""}, True),
    ({"url": "http://example.org/x", "url_type": None}, True),
    ({"url": URL, "url_type": "upload"}, False),
    ({"url": "ftp://example.org/x"}, False),
    ({"url": "a.csv"}, False),
    ({"url": ""}, False),
    ({}, False),
])
def test_is_link(resource, expected):
    assert policy.is_link(resource) is expected


@pytest.mark.parametrize("status, error, ok", [
    (200, None, True), (206, None, True), (304, None, True), (399, None, True),
    (400, None, False), (403, None, False), (404, None, False), (500, None, False),
    (None, "timeout", False), (200, "timeout", False), (None, None, False),
])
def test_is_ok(status, error, ok):
    assert policy.is_ok(status, error) is ok


def test_two_failures_in_a_row_break_a_link_and_one_success_mends_it():
    first = policy.next_state(None, URL, 404, None, NOW)
    assert (first["failures"], first["broken_since"]) == (1, None) and not policy.is_broken(first["failures"])
    later = NOW + dt.timedelta(days=1)
    second = policy.next_state(dict(first, url=URL, checked_at=NOW), URL, None, "timeout", later)
    # broken since the first failure of the streak: it has not worked since
    assert (second["failures"], second["broken_since"]) == (2, NOW) and policy.is_broken(second["failures"])
    third = policy.next_state(dict(second, url=URL, checked_at=later), URL, 500, None, later + dt.timedelta(days=1))
    assert (third["failures"], third["broken_since"]) == (3, NOW)
    mended = policy.next_state(dict(third, url=URL), URL, 200, None, NOW + dt.timedelta(days=5))
    assert mended == {"failures": 0, "broken_since": None, "last_ok_at": NOW + dt.timedelta(days=5)}


def test_a_failure_after_a_success_starts_counting_again():
    ok = policy.next_state(None, URL, 200, None, NOW)
    failed = policy.next_state(dict(ok, url=URL), URL, 404, None, NOW)
    assert failed["failures"] == 1 and failed["last_ok_at"] == NOW


def test_a_changed_url_starts_counting_again():
    broken = {"url": "http://old.example.org/a", "failures": 5, "broken_since": NOW, "last_ok_at": None}
    assert policy.next_state(broken, URL, 404, None, NOW)["failures"] == 1


def test_broken_in_dataset_only_counts_resources_still_holding_the_broken_url():
    resources = [{"id": "a", "url": URL}, {"id": "b", "url": "http://new.example.org/b"},
                 {"id": "c", "url": URL, "url_type": "upload"}, {"id": "d", "url": URL}]
    broken = {"a": URL, "b": "http://old.example.org/b", "c": URL, "x": URL}
    assert policy.broken_in_dataset(resources, broken) == ["a"]


@pytest.mark.parametrize("headers, size", [
    ({"Content-Length": "1234"}, 1234),
    ({"content-range": "bytes 0-1023/5000000", "Content-Length": "1024"}, 5000000),
    ({"Content-Range": "bytes 0-1023/*", "Content-Length": "1024"}, 1024),
    ({"Content-Length": "abc"}, None),
    ({}, None),
])
def test_size_from_headers(headers, size):
    assert policy.size_from_headers(headers) == size


def test_content_type_drops_parameters():
    assert policy.content_type_of({"Content-Type": "Text/CSV; charset=utf-8"}) == "text/csv"
    assert policy.content_type_of({}) is None


def test_host_of_is_the_politeness_key():
    assert policy.host_of("https://User:pw@Data.Example.org:8443/a?b") == "data.example.org:8443"
    assert policy.host_of("http://[::1/") == ""


@pytest.mark.parametrize("schedule, day, due", [
    ("daily", dt.date(2026, 12, 3), True), ("weekly", dt.date(2026, 12, 7), True),
    ("weekly", dt.date(2026, 12, 3), False), ("off", dt.date(2026, 12, 7), False),
])
def test_is_due(schedule, day, due):
    assert policy.is_due(schedule, day) is due


def test_quality_problem_per_broken_link():
    dataset = {"resources": [{"url": URL, "format": "CSV"}], quality.BROKEN_LINKS_KEY: ["r-1", "r-2"]}
    problems = quality.check(dataset, required_fields=())
    assert problems == ["link:r-1", "link:r-2"]
    assert quality.check({"resources": [{"url": URL, "format": "CSV"}]}, required_fields=()) == []


def test_host_gate_spaces_requests_to_one_host():
    import threading
    import time

    gate = checker.HostGate(0.1)
    spans: list[tuple[float, float]] = []

    def work():
        with gate.slot("example.org"):
            started = time.monotonic()
            time.sleep(0.02)
            spans.append((started, time.monotonic()))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans.sort()
    assert all(after[0] - before[1] >= 0.09 for before, after in zip(spans, spans[1:]))


def test_an_invalid_url_is_a_result_not_a_crash():
    result = checker.check_url("http://", checker.Settings(timeout=0.5), checker.HostGate(0))
    assert result["error"] == policy.INVALID_URL and result["status_code"] is None
