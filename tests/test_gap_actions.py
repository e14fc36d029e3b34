"""Gap actions on the real stack: statuses on constructed data, hand-counted aggregates, disclosure, bounds."""
import datetime as dt
import json

import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as toolkit
from ckan.model import meta
from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import freshness
from ckanext.provincial.gap_service import today
from tests.gap_support import dataset, days_ago

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("plan_tables", "clean_index")]

ISSUE = "13-livable-industry"
CLEAN = "13-livable-industry-clean"
SAFE = "13-livable-industry-safe"


def requirement(code, province="13", **values):
    values.setdefault("title_th", "ข้อมูล " + code)
    return call_action("provincial_requirement_create", province_code=province, code=code, **values)


@pytest.fixture
def catalogue():
    """Province 13's plan and datasets with one requirement in each status; province 19 for comparison."""
    members_org = factories.Organization(name="pathum-health")
    agency = factories.Organization(name="pathum-industry")
    member = factories.User(name="health-member")
    call_action("organization_member_create", id=members_org["id"], username=member["name"], role="member")

    requirement("R-AVAIL", sub_issue=CLEAN, agency=agency["name"], pmqa=["4.1"], priority="high")
    requirement("R-STALE", sub_issue=CLEAN, agency=agency["name"], pmqa=["4.1", "4.2"], priority="low")
    requirement("R-INCOMPLETE", sub_issue=SAFE, pmqa=["4.2"], priority="medium")
    requirement("R-RESTRICTED", sub_issue=SAFE, priority="high")
    requirement("R-MISSING", development_issue="13-focus-tourism", priority="medium")
    requirement("S-1", province="19")
    requirement("S-2", province="19")

    common = {"province_code": "13", "update_frequency_unit": "ปี", "update_frequency_interval": "1",
              "last_updated_date": days_ago(10)}
    made = {
        "available": dataset(agency["id"], name="factories-13", title="โรงงานอุตสาหกรรม",
                             requirement_codes=["R-AVAIL"], **common),
        "stale": dataset(agency["id"], name="air-13", title="คุณภาพอากาศ", requirement_codes=["r-stale"],
                         **dict(common, update_frequency_unit="เดือน", last_updated_date=days_ago(100))),
        "incomplete": dataset(agency["id"], name="accidents-13", title="อุบัติเหตุ", requirement_codes=["R-INCOMPLETE"],
                              data_format=["CSV", "PDF"],
                              resources=[{"url": "http://example.org/a.csv", "format": "CSV", "name": "a"}], **common),
        "private": dataset(members_org["id"], name="patients-13", title="ข้อมูลผู้ป่วยลับ", private=True,
                           requirement_codes=["R-RESTRICTED"], **common),
        "unlinked": dataset(agency["id"], name="markets-13", title="ตลาดสด", **common),
        "saraburi": dataset(agency["id"], name="mines-19", title="เหมืองแร่", requirement_codes=["S-1"],
                            **dict(common, province_code="19")),
    }
    return {"datasets": made, "member": member, "agency": agency, "members_org": members_org}


def as_user(user):
    return {"user": user["name"], "ignore_auth": False}


ANONYMOUS = {"user": "", "ignore_auth": False}


def statuses(result):
    return {row["code"]: row["status"] for row in result["requirements"]}


def test_each_status_on_constructed_data(catalogue):
    result = call_action("provincial_gap_show", context=dict(ANONYMOUS), province_code="13")
    assert statuses(result) == {
        "R-AVAIL": "available", "R-STALE": "stale", "R-INCOMPLETE": "incomplete",
        "R-RESTRICTED": "restricted", "R-MISSING": "missing",
    }
    rows = {row["code"]: row for row in result["requirements"]}
    due = freshness.add_months(freshness.parse_date(days_ago(100)), 1)
    assert rows["R-STALE"]["days_overdue"] == (today() - due).days
    assert rows["R-INCOMPLETE"]["problems"] == ["format:PDF"]
    assert [d["name"] for d in rows["R-AVAIL"]["datasets"]] == ["factories-13"]
    assert rows["R-AVAIL"]["agency_name"] == "pathum-industry"
    assert [d["name"] for d in result["unlinked_datasets"]] == ["markets-13"]


def test_aggregates_equal_hand_counts(catalogue):
    result = call_action("provincial_gap_show", province_code="13")
    assert result["summary"]["counts"] == {"available": 1, "incomplete": 1, "stale": 1, "restricted": 1, "missing": 1}
    assert result["summary"]["coverage"] == 20.0
    # weights high 3, low 1, medium 2, high 3, medium 2; values 1, .5, .75, .25, 0 -> 5.75 / 11
    assert result["summary"]["readiness"] == 52.3

    by_issue = {g["key"]: g for g in result["by_development_issue"]}
    assert set(by_issue) == {ISSUE, "13-focus-tourism"}
    assert by_issue[ISSUE]["total"] == 4 and by_issue[ISSUE]["coverage"] == 25.0
    assert by_issue[ISSUE]["label"]["th"] == "เมืองน่าอยู่คู่อุตสาหกรรม"
    by_sub = {g["key"]: g["counts"] for g in result["by_sub_issue"]}
    assert by_sub[CLEAN] == {"available": 1, "incomplete": 0, "stale": 1, "restricted": 0, "missing": 0}
    assert by_sub[SAFE] == {"available": 0, "incomplete": 1, "stale": 0, "restricted": 1, "missing": 0}
    by_agency = {g["key"]: (g["name"], g["total"]) for g in result["by_agency"]}
    assert by_agency == {catalogue["agency"]["id"]: ("pathum-industry", 2), "": ("", 3)}
    by_pmqa = {g["key"]: g["total"] for g in result["by_pmqa"]}
    assert by_pmqa == {"4.1": 2, "4.2": 2, "": 2}


def test_filters(catalogue):
    def codes(**filters):
        return sorted(statuses(call_action("provincial_gap_show", province_code="13", **filters)))

    assert codes(development_issue="13-focus-tourism") == ["R-MISSING"]
    assert codes(sub_issue=SAFE) == ["R-INCOMPLETE", "R-RESTRICTED"]
    assert codes(agency="pathum-industry") == ["R-AVAIL", "R-STALE"]
    assert codes(pmqa="4.2") == ["R-INCOMPLETE", "R-STALE"]
    with pytest.raises(toolkit.ValidationError):
        call_action("provincial_gap_show", province_code="13", agency="nobody")
    with pytest.raises(toolkit.ValidationError):
        call_action("provincial_gap_show", province_code="00")


class TestDisclosure:
    def test_anonymous_users_get_the_count_never_the_dataset(self, catalogue):
        private = catalogue["datasets"]["private"]
        for action, data in (("provincial_gap_show", {"province_code": "13"}),
                             ("provincial_requirement_show", {"province_code": "13", "code": "R-RESTRICTED"})):
            result = call_action(action, context=dict(ANONYMOUS), **data)
            text = json.dumps(result, ensure_ascii=False)
            assert private["id"] not in text and private["name"] not in text and private["title"] not in text
        row = call_action("provincial_requirement_show", context=dict(ANONYMOUS), province_code="13", code="R-RESTRICTED")
        assert (row["status"], row["datasets"], row["hidden_datasets"]) == ("restricted", [], 1)

    def test_signed_in_outsiders_see_no_more(self, catalogue):
        outsider = factories.User()
        row = call_action("provincial_requirement_show", context=as_user(outsider), province_code="13", code="R-RESTRICTED")
        assert (row["datasets"], row["hidden_datasets"]) == ([], 1)

    def test_members_see_what_they_may(self, catalogue):
        for user in (catalogue["member"], factories.Sysadmin()):
            result = call_action("provincial_gap_show", context=as_user(user), province_code="13")
            row = next(r for r in result["requirements"] if r["code"] == "R-RESTRICTED")
            assert [d["name"] for d in row["datasets"]] == ["patients-13"]
            assert row["hidden_datasets"] == 0 and row["status"] == "restricted"
            assert result["summary"] == call_action("provincial_gap_show", context=dict(ANONYMOUS), province_code="13")["summary"]

    def test_private_datasets_are_never_unlinked_listings(self, catalogue):
        call_action("package_patch", id=catalogue["datasets"]["private"]["id"], requirement_codes=[])
        result = call_action("provincial_gap_show", context=dict(ANONYMOUS), province_code="13")
        assert "patients-13" not in [d["name"] for d in result["unlinked_datasets"]]


def test_requirement_page_data_lists_its_datasets(catalogue):
    shown = call_action("provincial_requirement_show", province_code="13", code="R-STALE")
    assert shown["status"] == "stale"
    assert [(d["name"], d["status"]) for d in shown["datasets"]] == [("air-13", "stale")]


def test_summary_across_provinces(catalogue):
    summary = call_action("provincial_gap_summary", context=dict(ANONYMOUS), province_codes="13,19")
    provinces = {p["province_code"]: p for p in summary["provinces"]}
    assert provinces["13"]["counts"]["available"] == 1 and provinces["13"]["total"] == 5
    assert provinces["19"]["counts"] == {"available": 1, "incomplete": 0, "stale": 0, "restricted": 0, "missing": 1}
    assert provinces["19"]["coverage"] == 50.0 and provinces["19"]["province"]["en"] == "Saraburi"
    assert (provinces["13"]["unlinked_count"], provinces["19"]["unlinked_count"]) == (1, 0)
    assert summary["national"]["total"] == 7 and summary["national"]["counts"]["available"] == 2
    assert [p["province_code"] for p in call_action("provincial_gap_summary")["provinces"]] == ["13", "19"]


def test_the_computed_summary_follows_every_plan_change(catalogue, ckan_config, monkeypatch):
    """The summary's prepared plan (keys, frequency groups) is kept per state of the plans, never stale."""
    monkeypatch.setitem(ckan_config, "ckanext.provincial.gap.cache_seconds", 0)

    def province_13():
        found = call_action("provincial_gap_summary", context=dict(ANONYMOUS), province_codes="13")
        return found["provinces"][0]

    before = province_13()
    added = requirement("R-LATER", priority="high")
    after_add = province_13()
    assert after_add["total"] == before["total"] + 1 and after_add["counts"]["missing"] == before["counts"]["missing"] + 1
    call_action("provincial_requirement_update", id=added["id"], code="R-LATER", title_th=added["title_th"], priority="low")
    assert province_13()["readiness"] > after_add["readiness"]  # a missing low-priority need weighs less
    call_action("provincial_requirement_delete", id=added["id"])
    assert province_13() == before


def test_snapshots_record_the_trend(catalogue):
    recorded = call_action("provincial_gap_snapshot_create")
    assert {s["province_code"]: s["coverage"] for s in recorded} == {"13": 20.0, "19": 50.0}
    requirement("R-NEW")
    call_action("provincial_gap_snapshot_create", province_codes=["13"])
    trend = call_action("provincial_gap_snapshot_list", context=dict(ANONYMOUS), province_code="13")
    assert [s["total"] for s in trend] == [5, 6]
    assert {g["key"] for g in trend[0]["by_development_issue"]} == {ISSUE, "13-focus-tourism"}
    with pytest.raises(toolkit.NotAuthorized):
        call_action("provincial_gap_snapshot_create", context=as_user(factories.User()))


def test_dataset_field_accepts_only_codes_of_its_provinces_plan(catalogue):
    org = catalogue["agency"]
    with pytest.raises(toolkit.ValidationError) as raised:
        dataset(org["id"], province_code="13", requirement_codes=["S-1"])
    assert "requirement_codes" in raised.value.error_dict
    made = dataset(org["id"], province_code="19", requirement_codes=["s-2"])
    assert made["requirement_codes"] == ["S-2"]


def test_number_of_queries_does_not_grow_with_the_catalogue(catalogue):
    def statements():
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731  (statement text)
        sa.event.listen(meta.engine, "before_cursor_execute", listener)
        try:
            call_action("provincial_gap_show", context=dict(ANONYMOUS), province_code="13")
        finally:
            sa.event.remove(meta.engine, "before_cursor_execute", listener)
        return len(seen)

    statements()  # warm-up: caches filled on a first call do not count
    before = statements()
    org = catalogue["agency"]
    for index in range(12):
        requirement(f"X-{index}")
        dataset(org["id"], name=f"extra-{index}", province_code="13", requirement_codes=[f"X-{index}"],
                update_frequency_unit="ปี", last_updated_date=days_ago(3))
    assert statements() == before


# ------------------------------------------------------------ summary cache --

@pytest.fixture
def summary_cache():
    """This site's cached summaries in Redis, emptied first."""
    from ckan.lib.redis import connect_to_redis

    from ckanext.provincial import gap_cache

    connection = connect_to_redis()
    for key in connection.keys(gap_cache.key_prefix() + "*"):
        connection.delete(key)

    class Cache:
        @staticmethod
        def keys():
            return connection.keys(gap_cache.key_prefix() + "*")

        @staticmethod
        def mark():
            """Set the national total of every entry to -1: a summary showing it was read from the cache."""
            for key in connection.keys(gap_cache.key_prefix() + "*"):
                value = json.loads(connection.get(key))
                value["national"]["total"] = -1
                connection.set(key, json.dumps(value), keepttl=True)

    return Cache


def summary(context=ANONYMOUS):
    return call_action("provincial_gap_summary", context=dict(context))


def fresh(cache):
    """The summary after the cache was marked: it must not be the marked entry."""
    found = summary()
    assert found["national"]["total"] != -1, "stale summary served from the cache"
    return found


def test_the_summary_is_served_from_the_cache_for_every_user(catalogue, summary_cache):
    first = summary()
    assert len(summary_cache.keys()) == 1
    summary_cache.mark()
    again = summary()
    assert again["national"]["total"] == -1  # read from the cache, not computed
    assert again["provinces"] == first["provinces"]  # names are added to the cached scores as before
    assert again["provinces"][0]["province"]["th"] == "ปทุมธานี"
    assert summary(as_user(factories.Sysadmin()))["national"]["total"] == -1  # the same for every user
    assert len(summary_cache.keys()) == 1


def test_any_dataset_change_gives_a_fresh_summary(catalogue, summary_cache):
    org = catalogue["agency"]
    national = lambda found: found["national"]["counts"]  # noqa: E731
    assert national(summary())["missing"] == 2

    summary_cache.mark()
    made = dataset(org["id"], name="tourism-13", province_code="13", requirement_codes=["R-MISSING"],
                   update_frequency_unit="ปี", last_updated_date=days_ago(5))
    assert national(fresh(summary_cache))["missing"] == 1

    summary_cache.mark()
    call_action("package_patch", id=made["id"], last_updated_date=days_ago(800))
    assert national(fresh(summary_cache))["stale"] == 2

    # Made private in bulk: no metadata_modified change, only a reindex.
    summary_cache.mark()
    call_action("bulk_update_private", org_id=org["id"], datasets=[made["id"]])
    assert national(fresh(summary_cache))["restricted"] == 2

    # An older dataset, so that no earlier state of the catalogue comes back.
    summary_cache.mark()
    call_action("package_delete", id=catalogue["datasets"]["private"]["id"])
    assert national(fresh(summary_cache))["restricted"] == 1


def test_any_requirement_change_gives_a_fresh_summary(catalogue, summary_cache):
    assert summary()["national"]["total"] == 7

    summary_cache.mark()
    added = requirement("R-EXTRA", priority="low")
    assert fresh(summary_cache)["national"]["total"] == 8

    before = summary()["national"]["readiness"]
    summary_cache.mark()
    call_action("provincial_requirement_update", id=added["id"], code="R-EXTRA", title_th="ข้อมูลเพิ่ม",
                priority="high")
    assert fresh(summary_cache)["national"]["readiness"] < before

    # An older requirement, so that no earlier state of the plans comes back.
    summary_cache.mark()
    missing = call_action("provincial_requirement_show", province_code="13", code="R-MISSING")
    call_action("provincial_requirement_delete", id=missing["id"])
    found = fresh(summary_cache)
    assert found["national"]["total"] == 7 and found["national"]["counts"]["missing"] == 2


def test_the_next_day_gives_a_fresh_summary(catalogue, summary_cache, monkeypatch):
    from ckanext.provincial import gap_service

    first = summary()
    assert first["date"] == today().isoformat() and first["national"]["counts"]["stale"] == 1
    summary_cache.mark()
    later = today() + dt.timedelta(days=400)  # every yearly dataset is overdue by then
    monkeypatch.setattr(gap_service, "today", lambda: later)
    found = fresh(summary_cache)
    assert found["date"] == later.isoformat()
    assert found["national"]["counts"]["available"] == 0 and found["national"]["counts"]["stale"] == 4


def test_the_summary_cache_can_be_turned_off(catalogue, summary_cache, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.gap.cache_seconds", 0)
    assert summary()["national"]["total"] == 7
    assert summary_cache.keys() == []


# ------------------------------------------------ the facet engine against the reference --

DAY = dt.date(2024, 3, 1)  # the day after 29 February: month ends matter


@pytest.fixture
def edge_catalogue(monkeypatch, ckan_config):
    """Every case that decides a status, judged on ``DAY``; the summary cache off."""
    from ckanext.provincial import gap_service

    monkeypatch.setattr(gap_service, "today", lambda: DAY)
    monkeypatch.setitem(ckan_config, "ckanext.provincial.gap.cache_seconds", 0)
    org = factories.Organization(name="edge-agency")
    monthly = {"update_frequency_unit": "เดือน", "update_frequency_interval": 1}
    for code, values in (
        ("AVAIL", {}), ("OWN-END-STALE", {}), ("OWN-END-FRESH", {}),
        ("PLAN-MONTH-STALE", monthly), ("PLAN-MONTH-FRESH", monthly),
        ("PLAN-WD-FRESH", {"update_frequency_unit": "วันทำการ", "update_frequency_interval": 5}),
        ("PLAN-WD-STALE", {"update_frequency_unit": "วันทำการ", "update_frequency_interval": 5}),
        ("PLAN-NO-RULE", {"update_frequency_unit": "ไม่ทราบ"}), ("NEVER", monthly), ("NO-DATE", {}),
        ("INCOMPLETE", {}), ("RESTRICTED", {}), ("STALE-AND-PRIVATE", {}), ("MISSING", {}),
        ("MULTI-A", {}), ("MULTI-B", {}),
    ):
        requirement(code, **values)
    requirement("S-1", province="19")
    requirement("S-2", province="19", **monthly)

    def made(name, codes, unit="ปี", updated="2024-02-15", province="13", **values):
        return dataset(org["id"], name=name, province_code=province, requirement_codes=codes,
                       update_frequency_unit=unit, update_frequency_interval="1", last_updated_date=updated, **values)

    made("edge-avail", ["AVAIL"])
    made("edge-end-stale", ["own-end-stale"], unit="เดือน", updated="2024-01-31")  # due 29 February
    made("edge-end-fresh", [" OWN-END-FRESH"], unit="เดือน", updated="2024-02-01")  # due 1 March
    made("edge-plan-stale", ["PLAN-MONTH-STALE"], unit="ไม่ทราบ", updated="2024-01-31")
    made("edge-plan-fresh", ["PLAN-MONTH-FRESH"], unit="อื่นๆ", updated="2024-02-01",
         update_frequency_unit_other="ตามรอบงบประมาณ")
    made("edge-wd-fresh", ["PLAN-WD-FRESH"], unit="ไม่ทราบ", updated="2024-02-23")  # Friday + 5 = 1 March
    made("edge-wd-stale", ["PLAN-WD-STALE"], unit="ไม่ทราบ", updated="2024-02-22")
    without_date(made("edge-no-rule", ["PLAN-NO-RULE"], unit="ไม่ทราบ"))
    made("edge-never", ["NEVER"], unit="ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล", updated="2000-01-01")
    without_date(made("edge-no-date", ["NO-DATE"]))
    made("edge-incomplete", ["INCOMPLETE"], data_format=["CSV", "PDF"])
    made("edge-incomplete-old", ["INCOMPLETE"], updated="2020-01-01")
    made("edge-private", ["RESTRICTED"], private=True)
    made("edge-private-2", ["STALE-AND-PRIVATE"], private=True)
    made("edge-old", ["STALE-AND-PRIVATE"], updated="2021-01-01")
    made("edge-multi", ["multi-a", "MULTI-B "])
    made("edge-unlinked", [])
    made("edge-unlinked-private", [], private=True)
    made("edge-19", ["S-1"], province="19", updated="2010-01-01")
    made("edge-19-plan", ["S-2"], province="19", unit="อื่นๆ", updated="2024-02-10",
         update_frequency_unit_other="ตามรอบงบประมาณ")
    made("edge-19-unlinked", [], province="19")
    return org


def without_date(made):
    """A dataset whose last update is unknown (older or harvested data: a published one needs the date today)."""
    from ckan.lib import search

    meta.Session.execute(sa.text("UPDATE package_extra SET value = '' WHERE package_id = :id AND key = 'last_updated_date'"),
                         {"id": made["id"]})
    meta.Session.commit()
    search.rebuild(made["id"])
    assert not toolkit.get_action("package_show")({"ignore_auth": True}, {"id": made["id"]}).get("last_updated_date")


def reference(codes):
    """The reference engine: gap.evaluate over every dataset's compact facts, on DAY."""
    from ckanext.provincial import gap, gap_service
    from ckanext.provincial import model as plan_model

    requirements = [r.as_dict() for r in plan_model.requirements(codes)]
    facts = gap_service.dataset_facts(gap_service.province_filter(codes))
    return requirements, facts, gap.evaluate(requirements, facts, DAY)


def test_facet_statuses_are_the_reference_engines_in_every_case(edge_catalogue):
    from ckanext.provincial import gap, gap_service

    requirements, facts, rows = reference(["13", "19"])
    expected = {row["code"]: row["status"] for row in rows}
    assert expected == {
        "AVAIL": "available", "OWN-END-STALE": "stale", "OWN-END-FRESH": "available",
        "PLAN-MONTH-STALE": "stale", "PLAN-MONTH-FRESH": "available", "PLAN-WD-FRESH": "available",
        "PLAN-WD-STALE": "stale", "PLAN-NO-RULE": "available", "NEVER": "available", "NO-DATE": "stale",
        "INCOMPLETE": "incomplete", "RESTRICTED": "restricted", "STALE-AND-PRIVATE": "stale",
        "MISSING": "missing", "MULTI-A": "available", "MULTI-B": "available", "S-1": "stale", "S-2": "available",
    }
    statuses, unlinked = gap_service.index_statuses(requirements, ["13", "19"], DAY)
    assert dict(zip([r["code"] for r in requirements], statuses)) == expected
    assert unlinked == {"13": 1, "19": 1}
    by_province = {code: [r for r in rows if r["province_code"] == code] for code in ("13", "19")}
    assert unlinked == {code: len(gap.unlinked([f for f in facts if f["province_code"] == code], mine))
                        for code, mine in by_province.items()}

    summary = call_action("provincial_gap_summary", context=dict(ANONYMOUS), province_codes="13,19")
    assert summary["date"] == DAY.isoformat()
    for entry in summary["provinces"]:
        mine = gap.score(by_province[entry["province_code"]])
        assert {k: entry[k] for k in mine} == mine
        assert [{k: v for k, v in group.items() if k != "label"} for group in entry["by_pmqa"]] \
            == gap.aggregate(by_province[entry["province_code"]], "pmqa")
    assert summary["national"] == gap.score(rows)


def test_the_province_page_reads_only_what_it_lists_and_agrees(edge_catalogue):
    _requirements, _facts, rows = reference(["13"])
    expected = {row["code"]: (row["status"], row["days_overdue"], row["problems"], row["hidden_datasets"],
                              [d["name"] for d in row["datasets"]]) for row in rows}
    shown = call_action("provincial_gap_show", context=dict(ANONYMOUS), province_code="13")
    assert {row["code"]: (row["status"], row["days_overdue"], row["problems"], row["hidden_datasets"],
                          [d["name"] for d in row["datasets"]]) for row in shown["requirements"]} == expected
    assert expected["RESTRICTED"][3] == 1 and expected["STALE-AND-PRIVATE"][3] == 1
    assert expected["OWN-END-STALE"][1] == 1 and expected["NO-DATE"][1] is None
    assert [d["name"] for d in shown["unlinked_datasets"]] == ["edge-unlinked"]

    everything = call_action("provincial_gap_show", context=as_user(factories.Sysadmin()), province_code="13")
    rows_seen = {row["code"]: row for row in everything["requirements"]}
    assert [d["name"] for d in rows_seen["RESTRICTED"]["datasets"]] == ["edge-private"]
    assert rows_seen["RESTRICTED"]["hidden_datasets"] == 0
    assert {c: r["status"] for c, r in rows_seen.items()} == {c: v[0] for c, v in expected.items()}
    outsider = call_action("provincial_gap_show", context=as_user(factories.User()), province_code="13")
    assert {r["code"]: (r["status"], r["hidden_datasets"]) for r in outsider["requirements"]} \
        == {c: (v[0], v[3]) for c, v in expected.items()}


def test_a_solr_outage_is_ckans_search_error(edge_catalogue):
    """Nothing answers on the Solr address (as in tests/test_outages.py): the error the 503 page handles."""
    from ckan.lib.search.common import SearchError, SolrSettings

    before = SolrSettings.get()
    SolrSettings.init("http://127.0.0.1:9/solr/nowhere")
    try:
        for action, data in (("provincial_gap_summary", {"province_codes": "13"}),
                             ("provincial_gap_show", {"province_code": "13"})):
            with pytest.raises(SearchError):
                call_action(action, context=dict(ANONYMOUS), **data)
    finally:
        SolrSettings.init(*before)
