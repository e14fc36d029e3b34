"""Data requests on the real stack: the actions, who may call them, the full life of a request
(asked → accepted → requirement missing → dataset published → available → closed), the refresh
command, notifications through a real SMTP server, the dashboard feed, and hostile input."""
from __future__ import annotations

import socketserver
import threading
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as toolkit
from ckan.model import meta
from ckan.tests import factories
from tests.ckan_session import call_action

from tests.factories import gdc_dataset
from tests.gap_support import coordinating_org, days_ago

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("plan_tables", "clean_index")]


def as_user(user) -> dict:
    return {"user": user["name"] if user else "", "ignore_auth": False}


def act(name: str, actor, /, **data):
    return call_action(name, as_user(actor), **data)


@pytest.fixture
def people():
    """A requester, a coordinator of Pathum Thani (13) and one of Saraburi (19), a member of the agency
    the requester suggests, an outsider and a sysadmin."""
    users = SimpleNamespace(
        asker=factories.User(email="asker@example.org"), coordinator=factories.User(email="coord@example.org"),
        other_coordinator=factories.User(), member=factories.User(), outsider=factories.User(),
        sysadmin=factories.Sysadmin(),
    )
    users.plan = coordinating_org("13", admin=users.coordinator, name="pathum-plan")
    users.plan19 = coordinating_org("19", admin=users.other_coordinator, name="saraburi-plan")
    users.agency = factories.Organization(name="pathum-health", title="สาธารณสุขจังหวัดปทุมธานี",
                                          users=[{"name": users.member["name"], "capacity": "editor"}])
    return users


def ask(user, **values):
    values.setdefault("title", "จำนวนผู้ป่วยเบาหวานรายตำบล")
    values.setdefault("province_code", "13")
    return act("provincial_datarequest_create", user, **values)


def requirement(code="DR-01", province_code="13", **values):
    values.setdefault("title_th", "ข้อมูล " + code)
    return call_action("provincial_requirement_create", province_code=province_code, code=code, **values)


def publish(owner_org, codes, **overrides):
    """A public, fresh, complete dataset of Pathum Thani naming the requirement codes."""
    values = {"last_updated_date": days_ago(1), **overrides}
    return call_action("package_create", **gdc_dataset(
        "statistics", owner_org=owner_org, requirement_codes=codes, **values))


# ---------------------------------------------------------------- tables and creation

def test_migration_creates_both_tables():
    names = set(sa.inspect(meta.engine).get_table_names())
    assert {"provincial_datarequest", "provincial_datarequest_event"} <= names


def test_a_signed_in_user_asks_and_everyone_reads(people):
    created = ask(people.asker, description="แยกรายตำบล", purpose="วางแผนคัดกรอง", district_code="1302",
                  organization="pathum-health")
    assert created["status"] == "open" and created["user_name"] == people.asker["name"]
    assert created["organization"] == people.agency["id"] and created["organization_name"] == "pathum-health"
    assert created["province"]["en"] == "Pathum Thani" and created["district"]["en"] == "Khlong Luang"
    assert [e["kind"] for e in created["events"]] == ["created"]
    shown = act("provincial_datarequest_show", None, id=created["id"])
    assert shown["title"] == "จำนวนผู้ป่วยเบาหวานรายตำบล" and shown["purpose"] == "วางแผนคัดกรอง"
    with pytest.raises(toolkit.NotAuthorized):
        ask(None)


@pytest.mark.parametrize("field, value", [
    ("title", ""), ("title", "ก" * 201), ("province_code", "99"), ("district_code", "1901"),
    ("district_code", "abcd"), ("organization", "no-such-agency"), ("description", "x" * 5001),
])
def test_bad_input_names_the_field_and_writes_nothing(people, field, value):
    with pytest.raises(toolkit.ValidationError) as raised:
        ask(people.asker, **{field: value})
    assert field in raised.value.error_dict
    assert act("provincial_datarequest_list", None)["count"] == 0


def test_the_province_defaults_to_the_portals(people, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.province_code", "19")
    values = {"title": "ข้อมูลน้ำท่วม"}
    created = act("provincial_datarequest_create", people.asker, **values)
    assert created["province_code"] == "19"
    monkeypatch.setitem(ckan_config, "ckanext.provincial.province_code", "")
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_create", people.asker, **values)
    assert "province_code" in raised.value.error_dict


def test_rate_limit_per_user_sysadmins_exempt(people, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.datarequest.rate_limit", 2)
    ask(people.asker, title="หนึ่ง")
    ask(people.asker, title="สอง")
    with pytest.raises(toolkit.ValidationError) as raised:
        ask(people.asker, title="สาม")
    assert "rate_limit" in raised.value.error_dict and "2" in raised.value.error_dict["rate_limit"][0]
    ask(people.outsider, title="คนอื่นยังขอได้")
    for number in range(3):
        ask(people.sysadmin, title=f"ผู้ดูแล {number}")
    assert act("provincial_datarequest_list", None, user=people.asker["name"])["count"] == 2


# ---------------------------------------------------------------- list

def test_list_filters_paging_and_counts_per_status(people):
    first = ask(people.asker, title="ข้อมูลฝุ่น PM2.5", organization="pathum-health")
    ask(people.outsider, title="ข้อมูลน้ำประปา")
    ask(people.outsider, title="ข้อมูลท่องเที่ยวสระบุรี", province_code="19")
    act("provincial_datarequest_close", people.coordinator, id=first["id"], outcome="declined", reason="มีแล้ว")

    everything = act("provincial_datarequest_list", None)
    assert everything["count"] == 3 and everything["counts"]["open"] == 2 and everything["counts"]["declined"] == 1
    opened = act("provincial_datarequest_list", None, status="open")
    assert opened["count"] == 2 and opened["counts"]["declined"] == 1  # the counts ignore the status filter
    assert act("provincial_datarequest_list", None, province_code="19")["count"] == 1
    assert act("provincial_datarequest_list", None, organization="pathum-health")["results"][0]["id"] == first["id"]
    assert act("provincial_datarequest_list", None, organization="nobody")["count"] == 0
    assert act("provincial_datarequest_list", None, user=people.outsider["name"])["count"] == 2
    assert [r["title"] for r in act("provincial_datarequest_list", None, q="PM2.5")["results"]] == ["ข้อมูลฝุ่น PM2.5"]
    page = act("provincial_datarequest_list", None, limit=2, offset=2)
    assert page["count"] == 3 and len(page["results"]) == 1
    assert act("provincial_datarequest_list", None, limit=0)["results"] == []


# ---------------------------------------------------------------- update

def test_requester_edits_while_open_coordinators_until_closed(people):
    created = ask(people.asker)
    edited = act("provincial_datarequest_update", people.asker, id=created["id"], title="ชื่อใหม่", province_code="13")
    assert edited["title"] == "ชื่อใหม่" and edited["events"][-1]["kind"] == "updated"
    assert edited["events"][-1]["data"]["fields"] == ["title"]
    for stranger in (people.outsider, people.other_coordinator, None):
        with pytest.raises(toolkit.NotAuthorized):
            act("provincial_datarequest_update", stranger, id=created["id"], title="x", province_code="13")
    requirement("DR-EDIT")
    req_id = call_action("provincial_requirement_show", province_code="13", code="DR-EDIT")["id"]
    act("provincial_datarequest_accept", people.coordinator, id=created["id"], requirement_id=req_id)
    with pytest.raises(toolkit.NotAuthorized):
        act("provincial_datarequest_update", people.asker, id=created["id"], title="y", province_code="13")
    coordinated = act("provincial_datarequest_update", people.coordinator, id=created["id"], title="ชื่อที่ปรับ",
                      province_code="13")
    assert coordinated["title"] == "ชื่อที่ปรับ"
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_update", people.coordinator, id=created["id"], title="z", province_code="19")
    assert "province_code" in raised.value.error_dict


# ---------------------------------------------------------------- accept

def test_accept_links_a_requirement_of_the_same_province_only(people):
    created = ask(people.asker)
    other = requirement("SB-01", province_code="19")
    with pytest.raises(toolkit.NotAuthorized):
        act("provincial_datarequest_accept", people.asker, id=created["id"], requirement_id=other["id"])
    with pytest.raises(toolkit.NotAuthorized):  # coordinates another province
        act("provincial_datarequest_accept", people.other_coordinator, id=created["id"], requirement_id=other["id"])
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_accept", people.coordinator, id=created["id"], requirement_id=other["id"])
    assert "requirement_id" in raised.value.error_dict and "19" in raised.value.error_dict["requirement_id"][0]
    own = requirement("DR-02")
    accepted = act("provincial_datarequest_accept", people.coordinator, id=created["id"], requirement_id=own["id"],
                   comment="เพิ่มในแผนปี 2570")
    assert accepted["status"] == "accepted" and accepted["requirement"]["code"] == "DR-02"
    assert accepted["requirement"]["status"] == "missing"
    assert accepted["events"][-1]["kind"] == "accepted" and accepted["events"][-1]["text"] == "เพิ่มในแผนปี 2570"
    with pytest.raises(toolkit.ValidationError):
        act("provincial_datarequest_accept", people.coordinator, id=created["id"], requirement_id=own["id"])
    from ckanext.provincial.helpers.datarequest import requirement_request_count
    assert requirement_request_count(own["id"]) == 1
    assert act("provincial_datarequest_list", None, requirement_id=own["id"])["count"] == 1


def test_accept_creates_the_requirement_or_writes_nothing(people):
    created = ask(people.asker, purpose="ติดตามโรค")
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_accept", people.coordinator, id=created["id"],
            requirement={"code": "A,B", "title_th": "มีจุลภาค"})
    assert "code" in raised.value.error_dict
    assert call_action("provincial_requirement_list", province_code="13") == []
    assert act("provincial_datarequest_show", None, id=created["id"])["status"] == "open"
    accepted = act("provincial_datarequest_accept", people.coordinator, id=created["id"],
                   requirement={"code": "NEW-1", "title_th": created["title"], "purpose": "ติดตามโรค",
                                "province_code": "19"})
    assert accepted["requirement"]["province_code"] == "13" and accepted["requirement"]["code"] == "NEW-1"
    assert [r["code"] for r in call_action("provincial_requirement_list", province_code="13")] == ["NEW-1"]


# ---------------------------------------------------------------- close

def test_answer_with_datasets_private_ones_hidden_from_who_may_not_see_them(people):
    public = publish(people.plan["id"], [], title="ชุดข้อมูลสาธารณะ")
    private = publish(people.plan["id"], [], title="PRIVMARK ข้อมูลลับ", private=True)
    created = ask(people.asker)
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_close", people.coordinator, id=created["id"], outcome="answered")
    assert "datasets" in raised.value.error_dict
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_close", people.coordinator, id=created["id"], outcome="answered",
            datasets=["no-such-dataset"])
    assert "datasets" in raised.value.error_dict
    answered = act("provincial_datarequest_close", people.coordinator, id=created["id"], outcome="answered",
                   datasets=[public["name"], private["name"]], reason="มีอยู่แล้ว")
    assert answered["status"] == "answered" and answered["closed"] and answered["closed_at"]
    assert {d["id"] for d in answered["datasets"]} == {public["id"], private["id"]}
    for viewer in (None, people.asker):
        seen = act("provincial_datarequest_show", viewer, id=created["id"])
        assert [d["id"] for d in seen["datasets"]] == [public["id"]] and seen["hidden_datasets"] == 1
        assert "PRIVMARK" not in str(seen) and private["name"] not in str(seen)
    with pytest.raises(toolkit.NotAuthorized):  # closed: nothing more to decide
        act("provincial_datarequest_close", people.coordinator, id=created["id"], outcome="declined", reason="x")


def test_an_outsider_cannot_answer_with_a_private_dataset_it_cannot_see(people):
    private = publish(people.plan["id"], [], title="ลับ", private=True)
    created = ask(people.asker, province_code="19")
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_close", people.other_coordinator, id=created["id"], outcome="answered",
            datasets=[private["id"]])
    assert "datasets" in raised.value.error_dict


def test_decline_needs_a_reason(people):
    created = ask(people.asker)
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_close", people.coordinator, id=created["id"], outcome="declined")
    assert "reason" in raised.value.error_dict
    declined = act("provincial_datarequest_close", people.coordinator, id=created["id"], outcome="declined",
                   reason="ข้อมูลส่วนบุคคล เปิดเผยไม่ได้")
    assert declined["status"] == "declined" and declined["close_reason"] == "ข้อมูลส่วนบุคคล เปิดเผยไม่ได้"
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_close", people.coordinator, id=ask(people.asker)["id"], outcome="reopened")
    assert "outcome" in raised.value.error_dict


def test_merge_into_another_open_request_which_lists_it(people):
    original, duplicate, closed = ask(people.asker), ask(people.outsider), ask(people.outsider)
    act("provincial_datarequest_close", people.coordinator, id=closed["id"], outcome="declined", reason="ซ้ำ")
    for target, message_part in ((duplicate["id"], "itself"), (closed["id"], "not closed"), ("no-such-id", "")):
        with pytest.raises(toolkit.ValidationError) as raised:
            act("provincial_datarequest_close", people.coordinator, id=duplicate["id"], outcome="merged",
                merged_into=target)
        assert "merged_into" in raised.value.error_dict
    merged = act("provincial_datarequest_close", people.coordinator, id=duplicate["id"], outcome="merged",
                 merged_into=original["id"])
    assert merged["status"] == "merged" and merged["merged_into_request"]["id"] == original["id"]
    target = act("provincial_datarequest_show", None, id=original["id"])
    assert [d["id"] for d in target["duplicates"]] == [duplicate["id"]]
    assert target["events"][-1]["kind"] == "duplicate" and target["status"] == "open"


# ---------------------------------------------------------------- comments and deletion

def test_who_comments(people):
    created = ask(people.asker, organization="pathum-health")
    for user in (people.asker, people.coordinator, people.member, people.sysadmin):
        event = act("provincial_datarequest_comment", user, id=created["id"], comment=f"ความเห็นของ {user['name']}")
        assert event["kind"] == "comment" and event["user_name"] == user["name"]
    for user in (people.outsider, people.other_coordinator, None):
        with pytest.raises(toolkit.NotAuthorized):
            act("provincial_datarequest_comment", user, id=created["id"], comment="สแปม")
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_comment", people.asker, id=created["id"], comment="   ")
    assert "comment" in raised.value.error_dict
    kinds = [e["kind"] for e in act("provincial_datarequest_show", None, id=created["id"])["events"]]
    assert kinds == ["created"] + ["comment"] * 4


def test_comments_have_a_rate_limit_per_user_sysadmins_exempt(people, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.datarequest.comment_rate_limit", 2)
    created = ask(people.asker, organization="pathum-health")
    other = ask(people.outsider)
    act("provincial_datarequest_comment", people.asker, id=created["id"], comment="หนึ่ง")
    act("provincial_datarequest_comment", people.asker, id=created["id"], comment="สอง")
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_comment", people.asker, id=created["id"], comment="สาม")
    assert "rate_limit" in raised.value.error_dict and "2" in raised.value.error_dict["rate_limit"][0]
    # The limit is the user's, over every request.
    act("provincial_datarequest_comment", people.coordinator, id=other["id"], comment="ผู้ประสาน 1")
    act("provincial_datarequest_comment", people.coordinator, id=created["id"], comment="ผู้ประสาน 2")
    with pytest.raises(toolkit.ValidationError):
        act("provincial_datarequest_comment", people.coordinator, id=created["id"], comment="ผู้ประสาน 3")
    act("provincial_datarequest_comment", people.member, id=created["id"], comment="คนอื่นยังแสดงความเห็นได้")
    for number in range(3):
        act("provincial_datarequest_comment", people.sysadmin, id=created["id"], comment=f"ผู้ดูแล {number}")
    comments = [e for e in act("provincial_datarequest_show", None, id=created["id"])["events"] if e["kind"] == "comment"]
    assert len(comments) == 2 + 1 + 1 + 3  # the asker's two, the coordinator's on this one, the member's, the sysadmin's


def test_only_sysadmins_delete_and_the_history_goes_too(people):
    created = ask(people.asker)
    act("provincial_datarequest_comment", people.asker, id=created["id"], comment="ขอด่วน")
    for user in (people.asker, people.coordinator, None):
        with pytest.raises(toolkit.NotAuthorized):
            act("provincial_datarequest_delete", user, id=created["id"])
    act("provincial_datarequest_delete", people.sysadmin, id=created["id"])
    with pytest.raises(toolkit.ObjectNotFound):
        act("provincial_datarequest_show", None, id=created["id"])
    left = meta.Session.execute(sa.text("SELECT count(*) FROM provincial_datarequest_event WHERE datarequest_id = :id"),
                                {"id": created["id"]}).scalar()
    assert left == 0


# ---------------------------------------------------------------- the full life

def test_full_life_asked_accepted_missing_published_available_closed(people):
    asked = ask(people.asker, title="จำนวนผู้ป่วยเบาหวาน", purpose="วางแผนคัดกรอง")
    assert asked["status"] == "open"
    accepted = act("provincial_datarequest_accept", people.coordinator, id=asked["id"], requirement={
        "code": "HEALTH-DM", "title_th": "จำนวนผู้ป่วยเบาหวาน", "update_frequency_unit": "ปี"})
    assert accepted["status"] == "accepted" and accepted["requirement"]["status"] == "missing"

    # A private dataset makes the requirement "restricted": not yet available, the request stays open.
    private = publish(people.plan["id"], ["HEALTH-DM"], private=True)
    assert act("provincial_datarequest_show", None, id=asked["id"])["status"] == "accepted"

    dataset = publish(people.plan["id"], ["HEALTH-DM"], title="ผู้ป่วยเบาหวานรายอำเภอ")
    assert call_action("provincial_requirement_show", province_code="13", code="HEALTH-DM")["status"] == "available"
    closed = act("provincial_datarequest_show", people.asker, id=asked["id"])
    assert closed["status"] == "fulfilled" and closed["closed"]
    assert closed["requirement"]["status"] == "available"
    assert [d["id"] for d in closed["requirement"]["datasets"]] == [dataset["id"]]
    assert [e["kind"] for e in closed["events"]] == ["created", "accepted", "fulfilled"]
    assert closed["events"][-1]["data"]["code"] == "HEALTH-DM"
    assert private["id"] not in str(act("provincial_datarequest_show", None, id=asked["id"]))


def test_accepting_a_requirement_already_available_closes_at_once(people):
    requirement("READY-1", update_frequency_unit="ปี")
    publish(people.plan["id"], ["READY-1"])
    created = ask(people.asker)
    req_id = call_action("provincial_requirement_show", province_code="13", code="READY-1")["id"]
    done = act("provincial_datarequest_accept", people.coordinator, id=created["id"], requirement_id=req_id)
    assert done["status"] == "fulfilled"


def test_an_updated_dataset_fulfils_too(people):
    created = ask(people.asker)
    requirement("UPD-1", update_frequency_unit="ปี")
    req_id = call_action("provincial_requirement_show", province_code="13", code="UPD-1")["id"]
    act("provincial_datarequest_accept", people.coordinator, id=created["id"], requirement_id=req_id)
    dataset = publish(people.plan["id"], [])
    assert act("provincial_datarequest_show", None, id=created["id"])["status"] == "accepted"
    call_action("package_patch", id=dataset["id"], requirement_codes=["UPD-1"])
    assert act("provincial_datarequest_show", None, id=created["id"])["status"] == "fulfilled"


def test_refresh_closes_what_became_available_without_a_dataset_save(people):
    """A dataset updated two years ago, with no frequency of its own, is out of date for a yearly
    requirement; when the plan asks only every five years it is available: only the refresh sees it."""
    slow = requirement("SLOW-1", update_frequency_unit="ปี")
    publish(people.plan["id"], ["SLOW-1"], update_frequency_unit="ไม่ทราบ", last_updated_date=days_ago(800))
    created = ask(people.asker)
    act("provincial_datarequest_accept", people.coordinator, id=created["id"], requirement_id=slow["id"])
    assert act("provincial_datarequest_show", None, id=created["id"])["requirement"]["status"] == "stale"
    with pytest.raises(toolkit.NotAuthorized):
        act("provincial_datarequest_refresh", people.coordinator)
    assert act("provincial_datarequest_refresh", people.sysadmin) == {"checked": 1, "fulfilled": []}
    call_action("provincial_requirement_update", id=slow["id"], code="SLOW-1", title_th=slow["title_th"],
                update_frequency_unit="ปี", update_frequency_interval=5)
    assert act("provincial_datarequest_refresh", people.sysadmin) == {"checked": 1, "fulfilled": [created["id"]]}
    assert act("provincial_datarequest_show", None, id=created["id"])["status"] == "fulfilled"


def test_the_refresh_command(people):
    from click.testing import CliRunner

    from ckanext.provincial.cli import get_commands

    result = CliRunner().invoke(get_commands()[0], ["datarequest", "refresh"])
    assert result.exit_code == 0, result.output
    assert "0 accepted requests checked" in result.output


def test_a_failing_check_never_stops_a_dataset_save(people, monkeypatch):
    from ckanext.provincial import datarequest as rules

    created = ask(people.asker)
    requirement("FAIL-1")
    req_id = call_action("provincial_requirement_show", province_code="13", code="FAIL-1")["id"]
    act("provincial_datarequest_accept", people.coordinator, id=created["id"], requirement_id=req_id)

    def broken(ids):
        raise RuntimeError("the data request check broke")
    monkeypatch.setattr(rules, "accepted_for", broken)
    dataset = publish(people.plan["id"], ["FAIL-1"])
    assert call_action("package_show", id=dataset["id"])["requirement_codes"]
    assert act("provincial_datarequest_show", None, id=created["id"])["status"] == "accepted"


# ---------------------------------------------------------------- dashboard feed

def test_feed_of_own_and_coordinated_requests(people):
    mine = ask(people.asker, title="ของฉัน")
    theirs = ask(people.outsider, title="ของคนอื่นในปทุมธานี")
    elsewhere = ask(people.outsider, title="ของสระบุรี", province_code="19")
    act("provincial_datarequest_comment", people.coordinator, id=mine["id"], comment="รับทราบ")
    titles = lambda user: {e["datarequest"]["title"] for e in act("provincial_datarequest_feed", user)}  # noqa: E731
    assert titles(people.asker) == {"ของฉัน"}
    assert titles(people.coordinator) == {"ของฉัน", "ของคนอื่นในปทุมธานี"}
    assert titles(people.other_coordinator) == {"ของสระบุรี"}
    assert titles(people.member) == set()
    assert len(titles(people.sysadmin)) == 3
    feed = act("provincial_datarequest_feed", people.asker)
    assert feed[0]["kind"] == "comment" and feed[0]["user_name"] == people.coordinator["name"]
    with pytest.raises(toolkit.NotAuthorized):
        act("provincial_datarequest_feed", None)
    assert theirs and elsewhere


# ---------------------------------------------------------------- notifications

class _Inbox:
    def __init__(self):
        self.messages: list[dict] = []


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Enough of SMTP (RFC 5321) for Python's smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 localhost test SMTP")
        sender, recipients = "", []
        while True:
            line = self.rfile.readline().decode("utf-8", "replace").strip()
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    body.append(data)
                self.server.inbox.messages.append(
                    {"from": sender, "to": recipients, "data": b"".join(body).decode("utf-8", "replace")})
                self.reply("250 OK queued")
            elif verb == "RSET":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


@pytest.fixture
def smtp_server(ckan_config, monkeypatch):
    """A real SMTP server on a free local port, and CKAN configured to send through it."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.inbox = _Inbox()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{server.server_address[1]}")
    monkeypatch.setitem(ckan_config, "smtp.mail_from", "portal@example.org")
    yield server.inbox
    server.shutdown()
    server.server_close()


def _decoded(message: dict) -> str:
    import email

    parsed = email.message_from_string(message["data"])
    subject = str(email.header.make_header(email.header.decode_header(parsed["Subject"])))
    return subject + "\n" + parsed.get_payload(decode=True).decode("utf-8")


def test_events_are_mailed_to_requester_and_coordinators_never_the_actor(people, smtp_server):
    created = ask(people.asker, title="ข้อมูลขยะมูลฝอย")
    assert [m["to"] for m in smtp_server.messages] == [["coord@example.org"]]
    assert "ข้อมูลขยะมูลฝอย" in _decoded(smtp_server.messages[0])
    act("provincial_datarequest_comment", people.coordinator, id=created["id"], comment="กำลังประสานหน่วยงาน")
    assert smtp_server.messages[-1]["to"] == ["asker@example.org"]
    text = _decoded(smtp_server.messages[-1])
    assert "กำลังประสานหน่วยงาน" in text and f"/datarequest/{created['id']}" in text
    assert len(smtp_server.messages) == 2


def test_nothing_is_sent_when_mail_is_off(people, smtp_server, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.datarequest.email_notifications", False)
    ask(people.asker)
    monkeypatch.setitem(ckan_config, "ckanext.provincial.datarequest.email_notifications", True)
    monkeypatch.setitem(ckan_config, "smtp.server", "")
    ask(people.asker)
    assert smtp_server.messages == []


def test_a_broken_mail_server_is_logged_and_the_change_is_kept(people, ckan_config, monkeypatch, caplog):
    import socket

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{port}")
    from ckanext.provincial.actions import datarequest as actions

    # CKAN's logging set-up disables the loggers of modules imported before it: let this one speak.
    monkeypatch.setattr(actions.log, "disabled", False)
    created = ask(people.asker)
    assert act("provincial_datarequest_show", None, id=created["id"])["status"] == "open"
    assert "Could not e-mail" in caplog.text


def test_message_building():
    from ckanext.provincial.actions.datarequest import message

    subject, body = message("declined", "ข้อมูลที่ขอ", "ผู้ประสานแผน", "เหตุผล", "http://x/datarequest/1")
    assert "ข้อมูลที่ขอ" in subject and "ผู้ประสานแผน" in body and "เหตุผล" in body and "http://x/datarequest/1" in body


# ---------------------------------------------------------------- hostile input

HOSTILE = [
    pytest.param("ข้อมูล\x00ลับ", id="nul"),
    pytest.param("ข้อมูล\ud800", id="lone-surrogate"),
    pytest.param("ก" * 100_000, id="100kB"),
    pytest.param(["a", "b"], id="list"),
    pytest.param({"$gt": ""}, id="dict"),
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("field", ["title", "description", "purpose", "province_code", "district_code",
                                   "development_issue", "organization"])
def test_hostile_create(people, field, value):
    with pytest.raises(toolkit.ValidationError) as raised:
        ask(people.asker, **{field: value})
    assert field in raised.value.error_dict
    assert act("provincial_datarequest_list", None)["count"] == 0


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_comment_reason_and_filters(people, value):
    created = ask(people.asker)
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_comment", people.asker, id=created["id"], comment=value)
    assert "comment" in raised.value.error_dict
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_close", people.coordinator, id=created["id"], outcome="declined", reason=value)
    assert "reason" in raised.value.error_dict
    with pytest.raises(toolkit.ValidationError):
        act("provincial_datarequest_list", None, q=value)
    assert len(act("provincial_datarequest_show", None, id=created["id"])["events"]) == 1


def test_html_is_kept_as_text(people):
    script = '<script>alert("x")</script><b onmouseover="x()">หนา</b>'
    created = ask(people.asker, title=script, description=script)
    assert act("provincial_datarequest_show", None, id=created["id"])["title"] == script


@pytest.mark.parametrize("bad_id", ["no-such-id", "", "\x00", "\ud800", ["list"], {"a": 1}, 42])
@pytest.mark.parametrize("action", ["show", "update", "accept", "close", "comment", "delete"])
def test_unknown_or_wrong_ids_are_not_found(people, action, bad_id):
    with pytest.raises((toolkit.ObjectNotFound, toolkit.ValidationError)):
        act("provincial_datarequest_" + action, people.sysadmin, id=bad_id, comment="x", outcome="declined",
            reason="x", title="x", province_code="13")


@pytest.mark.parametrize("params, field", [
    ({"limit": -1}, "limit"), ({"offset": -5}, "offset"), ({"limit": "many"}, "limit"),
    ({"status": "lost"}, "status"), ({"province_code": "1"}, "province_code"), ({"limit": [1]}, "limit"),
])
def test_bad_list_parameters_name_the_field(params, field):
    with pytest.raises(toolkit.ValidationError) as raised:
        call_action("provincial_datarequest_list", {"user": ""}, **params)
    assert field in raised.value.error_dict


def test_merging_into_itself_or_a_closed_one_and_wrong_types_for_datasets(people):
    created = ask(people.asker)
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_close", people.coordinator, id=created["id"], outcome="merged",
            merged_into=created["id"])
    assert "merged_into" in raised.value.error_dict
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_close", people.coordinator, id=created["id"], outcome="answered",
            datasets={"a": 1})
    assert "datasets" in raised.value.error_dict
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_close", people.coordinator, id=created["id"], outcome="answered",
            datasets=[f"d{n}" for n in range(21)])
    assert "datasets" in raised.value.error_dict
    with pytest.raises(toolkit.ValidationError) as raised:
        act("provincial_datarequest_accept", people.coordinator, id=created["id"], requirement="not a dict")
    assert "requirement_id" in raised.value.error_dict
    assert act("provincial_datarequest_show", None, id=created["id"])["status"] == "open"
