"""Data requests: the pure rules (statuses, transitions, who may do what, rate limit, recipients)."""
import pytest

from ckanext.provincial import datarequest as rules

pytestmark = pytest.mark.unit


def test_every_status_is_open_or_closed_and_closed_ones_go_nowhere():
    assert set(rules.STATUSES) == rules.ACTIVE | rules.CLOSED and not rules.ACTIVE & rules.CLOSED
    for status in rules.CLOSED:
        assert not any(rules.can_move(status, other) for other in rules.STATUSES)


@pytest.mark.parametrize("start, end, allowed", [
    ("open", "accepted", True), ("open", "answered", True), ("open", "declined", True), ("open", "merged", True),
    ("open", "fulfilled", False),             # only an accepted request is fulfilled by its requirement
    ("accepted", "fulfilled", True), ("accepted", "declined", True), ("accepted", "accepted", False),
    ("accepted", "open", False),              # no reopening
    ("fulfilled", "open", False), ("declined", "accepted", False), ("merged", "answered", False),
    ("open", "nonsense", False), ("nonsense", "open", False),
])
def test_transitions(start, end, allowed):
    assert rules.can_move(start, end) is allowed


def test_requester_edits_only_while_open_coordinators_until_closed_sysadmins_always():
    assert rules.may_update("open", is_requester=True, is_coordinator=False)
    assert not rules.may_update("accepted", is_requester=True, is_coordinator=False)
    assert rules.may_update("accepted", is_requester=False, is_coordinator=True)
    assert not rules.may_update("declined", is_requester=False, is_coordinator=True)
    assert not rules.may_update("open", is_requester=False, is_coordinator=False)
    assert rules.may_update("declined", False, False, is_sysadmin=True)


def test_only_coordinators_decide_and_never_on_a_closed_request():
    assert rules.may_decide("open", is_coordinator=True) and rules.may_decide("accepted", is_coordinator=True)
    assert not rules.may_decide("open", is_coordinator=False)
    assert not rules.may_decide("fulfilled", is_coordinator=True)
    assert not rules.may_decide("merged", False, is_sysadmin=True)


def test_who_comments():
    assert rules.may_comment(True, False, False) and rules.may_comment(False, True, False)
    assert rules.may_comment(False, False, True) and rules.may_comment(False, False, False, True)
    assert not rules.may_comment(False, False, False)


@pytest.mark.parametrize("recent, limit, sysadmin, limited", [
    (0, 5, False, False), (4, 5, False, False), (5, 5, False, True), (50, 5, True, False), (50, 0, False, False),
])
def test_rate_limit(recent, limit, sysadmin, limited):
    assert rules.rate_limited(recent, limit, sysadmin) is limited


def test_recipients_are_the_requester_and_coordinators_never_the_actor_each_once():
    assert rules.recipients("asker", ["c1", "c2", "asker", "c1"], "c2") == ["asker", "c1"]
    assert rules.recipients("asker", ["c1"], "asker") == ["c1"]
    assert rules.recipients("", [], "x") == []
