"""The gap engine on constructed data: statuses, disclosure, aggregates counted by hand."""
import datetime as dt
import json

import pytest

from ckanext.provincial import gap

pytestmark = pytest.mark.unit

TODAY = dt.date(2024, 6, 30)


def req(code, province="13", issue="", sub="", agency="", pmqa=(), priority=None, unit="", interval=1):
    return {"id": "id-" + code, "code": code, "province_code": province, "title_th": "ข้อมูล " + code,
            "development_issue": issue, "sub_issue": sub, "agency": agency, "pmqa": list(pmqa),
            "priority": priority, "update_frequency_unit": unit, "update_frequency_interval": interval}


def ds(name, codes, province="13", private=False, unit="ปี", interval=1, updated="2024-01-01", problems=()):
    return {"id": "id-" + name, "name": name, "title": "Dataset " + name, "organization": "org", "private": private,
            "province_code": province, "requirement_codes": list(codes), "update_frequency_unit": unit,
            "update_frequency_interval": interval, "last_updated_date": updated, "problems": list(problems)}


REQUIREMENTS = [
    req("R1", issue="A", sub="A1", agency="org-a", pmqa=["4.1"], priority="high"),
    req("R2", issue="A", sub="A2", agency="org-a", pmqa=["4.1", "4.2"], priority="medium"),
    req("R3", issue="A", sub="A1", agency="org-b", pmqa=["4.2"], priority="low"),
    req("R4", issue="B", agency="org-b", priority="high"),
    req("R5", issue="B", agency="org-b", priority="medium"),
    req("R6", issue="B"),
    req("R7", province="19", issue="X", agency="org-c"),
]
DATASETS = [
    ds("d1", ["R1"]),
    ds("d2", ["r2 "], problems=["no_resource"]),          # codes compare trimmed, case-insensitively
    ds("d3", ["R3"], updated="2022-01-01"),               # yearly, due 2023-01-01: 546 days overdue
    ds("d4", ["R4"], private=True),
    ds("d5", ["R6"], private=True),
    ds("d6", ["R6"], updated="2020-01-01"),
    ds("d7", ["R6"], problems=["empty_url"]),
    ds("d8", ["R7"]),                                     # province 13: R7 is in 19's plan, not 13's
    ds("d9", ["R7"], province="19"),
    ds("d10", []),
    ds("d11", [], private=True),
]


@pytest.fixture
def rows():
    return {row["code"]: row for row in gap.evaluate(REQUIREMENTS, DATASETS, TODAY)}


def test_each_status(rows):
    assert {code: row["status"] for code, row in rows.items()} == {
        "R1": "available", "R2": "incomplete", "R3": "stale", "R4": "restricted",
        "R5": "missing", "R6": "incomplete", "R7": "available",
    }


def test_stale_carries_days_overdue_and_incomplete_its_problems(rows):
    assert rows["R3"]["days_overdue"] == 546
    assert rows["R2"]["problems"] == ["no_resource"]
    assert rows["R1"]["days_overdue"] == 0 and rows["R1"]["problems"] == []


def test_private_datasets_are_counted_not_listed_for_who_cannot_see_them(rows):
    assert rows["R4"]["datasets"] == [] and rows["R4"]["hidden_datasets"] == 1
    assert [d["name"] for d in rows["R6"]["datasets"]] == ["d7", "d6"]  # best status first
    assert rows["R6"]["hidden_datasets"] == 1
    assert "d4" not in json.dumps(list(rows.values())) and "d5" not in json.dumps(list(rows.values()))


def test_members_see_the_private_datasets_they_may():
    visible = {"id-d5"}
    rows = {r["code"]: r for r in gap.evaluate(REQUIREMENTS, DATASETS, TODAY,
                                               can_see=lambda f: not f["private"] or f["id"] in visible)}
    assert rows["R6"]["hidden_datasets"] == 0
    assert {d["name"]: d["status"] for d in rows["R6"]["datasets"]} == {"d5": "restricted", "d6": "stale", "d7": "incomplete"}
    assert rows["R4"]["hidden_datasets"] == 1
    assert rows["R4"]["status"] == "restricted"  # a status does not depend on who looks


def test_stale_beats_nothing_but_fresh_incomplete_beats_stale():
    rows = gap.evaluate([req("S")], [ds("old", ["S"], updated="2000-01-01"), ds("new", ["S"], problems=["no_resource"])], TODAY)
    assert rows[0]["status"] == "incomplete"


def test_missing_date_is_stale_with_unknown_overdue():
    rows = gap.evaluate([req("S")], [ds("nodate", ["S"], updated="")], TODAY)
    assert (rows[0]["status"], rows[0]["days_overdue"]) == ("stale", None)


def test_dataset_without_a_period_follows_the_requirements_frequency():
    requirement = req("S", unit="เดือน", interval=1)
    old = ds("x", ["S"], unit="ไม่ทราบ", updated="2024-05-01")   # due 2024-06-01 by the requirement's rule
    assert gap.evaluate([requirement], [old], TODAY)[0]["status"] == "stale"
    never = ds("y", ["S"], unit="ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล", updated="2000-01-01")
    assert gap.evaluate([requirement], [never], TODAY)[0]["status"] == "available"


def test_summary_equals_hand_counts(rows):
    province = gap.filter_requirements(rows.values(), province_code="13")
    summary = gap.score(province)
    assert summary["counts"] == {"available": 1, "incomplete": 2, "stale": 1, "restricted": 1, "missing": 1}
    assert summary["total"] == 6
    assert summary["coverage"] == 16.7
    # weights 3,2,1,3,2,2; values 1,.75,.5,.25,0,.75 -> 7.25 / 13
    assert summary["readiness"] == 55.8


def test_aggregates_by_dimension_equal_hand_counts(rows):
    province = gap.filter_requirements(rows.values(), province_code="13")

    by_issue = {g["key"]: g for g in gap.aggregate(province, "development_issue")}
    assert by_issue["A"]["counts"] == {"available": 1, "incomplete": 1, "stale": 1, "restricted": 0, "missing": 0}
    assert (by_issue["A"]["coverage"], by_issue["A"]["readiness"]) == (33.3, 83.3)
    assert by_issue["B"]["counts"] == {"available": 0, "incomplete": 1, "stale": 0, "restricted": 1, "missing": 1}
    assert (by_issue["B"]["coverage"], by_issue["B"]["readiness"]) == (0.0, 32.1)

    by_sub = [(g["development_issue"], g["key"], g["total"]) for g in gap.aggregate(province, "sub_issue")]
    assert by_sub == [("A", "A1", 2), ("A", "A2", 1), ("B", "", 3)]

    by_agency = [(g["key"], g["total"]) for g in gap.aggregate(province, "agency")]
    assert by_agency == [("org-a", 2), ("org-b", 3), ("", 1)]

    by_pmqa = {g["key"]: g["counts"] for g in gap.aggregate(province, "pmqa")}
    assert by_pmqa["4.1"] == {"available": 1, "incomplete": 1, "stale": 0, "restricted": 0, "missing": 0}
    assert by_pmqa["4.2"] == {"available": 0, "incomplete": 1, "stale": 1, "restricted": 0, "missing": 0}
    assert sum(by_pmqa[""].values()) == 3


def test_by_province(rows):
    by_province = {g["key"]: (g["total"], g["coverage"]) for g in gap.aggregate(rows.values(), "province")}
    assert by_province == {"13": (6, 16.7), "19": (1, 100.0)}


def test_filters():
    assert [r["code"] for r in gap.filter_requirements(REQUIREMENTS, province_code="13", development_issue="A", agency="org-b")] == ["R3"]
    assert [r["code"] for r in gap.filter_requirements(REQUIREMENTS, pmqa="4.2")] == ["R2", "R3"]
    assert [r["code"] for r in gap.filter_requirements(REQUIREMENTS, sub_issue="A1")] == ["R1", "R3"]


def test_unlinked_published_datasets():
    found = [d["name"] for d in gap.unlinked(DATASETS, REQUIREMENTS)]
    assert found == ["d10", "d8"]


def test_empty_plan_scores_zero():
    assert gap.score([]) == {"total": 0, "counts": {s: 0 for s in gap.STATUSES}, "coverage": 0.0, "readiness": 0.0}


def test_index_facts_round_trip_through_the_search_document():
    pkg = {
        "id": "x", "name": "factories", "title": "โรงงาน", "private": False, "province_code": "13",
        "requirement_codes": ["R1", "R2"], "update_frequency_unit": "Monthly", "update_frequency_interval": "2",
        "last_updated_date": "2024-05-01T00:00:00Z", "tags": ["อุตสาหกรรม"], "res_url": ["http://e/a.csv"],
        "res_format": ["CSV"], "data_format": ["CSV"],
    }
    fields = gap.index_fields(pkg)
    assert fields[gap.INDEX_PROVINCE_FIELD] == "13"
    assert fields[gap.INDEX_REQUIREMENT_FIELD] == ["13:r1", "13:r2"]
    doc = {"id": "x", "name": "factories", "title": "โรงงาน", "capacity": "public", "organization": "org",
           gap.INDEX_FACTS_FIELD: fields[gap.INDEX_FACTS_FIELD]}
    facts = gap.facts_from_index(doc)
    assert facts["update_frequency_unit"] == "เดือน" and facts["update_frequency_interval"] == 2
    assert facts["last_updated_date"] == "2024-05-01"
    assert "missing:maintainer" in facts["problems"] and "no_resource" not in facts["problems"]
    assert facts["private"] is False and facts["requirement_codes"] == ["R1", "R2"]


def test_index_and_package_show_paths_agree():
    pkg_show = {
        "id": "x", "name": "n", "title": "t", "private": True, "organization": {"name": "org"},
        "province_code": "13", "requirement_codes": ["R1"], "update_frequency_unit": "ปี",
        "last_updated_date": "2024-01-01", "resources": [{"url": "", "format": "CSV"}], "data_format": ["CSV"],
        "tags": [{"name": "a"}],
    }
    indexed = dict(pkg_show, tags=["a"], res_url=[""], res_format=["CSV"], organization="org")
    del indexed["resources"]
    doc = {"id": "x", "name": "n", "title": "t", "capacity": "private", "organization": "org",
           gap.INDEX_FACTS_FIELD: gap.index_fields(indexed)[gap.INDEX_FACTS_FIELD]}
    assert gap.facts_from_index(doc) == gap.facts_from_dataset(pkg_show)


# ------------------------------------------------ fields the facet engine counts --

def test_fresh_since_is_exactly_where_the_due_date_reaches_today():
    """Brute force: every last update from two years back is fresh exactly when on or after the cutoff."""
    from ckanext.provincial import freshness

    rules = [("เดือน", 1), ("เดือน", 3), ("ปี", 1), ("ครึ่งปี", 2), ("ไตรมาส", 1), ("สัปดาห์", 2), ("วัน", 1),
             ("วันทำการ", 1), ("วันทำการ", 5), ("วันทำการ", 7), ("ชั่วโมง", 1), ("Monthly", "2")]
    todays = [dt.date(2024, 2, 29), dt.date(2024, 3, 1), dt.date(2023, 2, 28), dt.date(2024, 3, 31),
              dt.date(2024, 6, 3), dt.date(2024, 6, 8), dt.date(2024, 12, 31)]
    for unit, interval in rules:
        for today in todays:
            since = gap.fresh_since(unit, interval, today)
            for back in range(0, 800):
                updated = today - dt.timedelta(days=back)
                fresh = freshness.assess(updated.isoformat(), unit, interval, today).fresh
                assert fresh == (updated >= since), (unit, interval, today, updated, since)


def test_month_end_cutoffs():
    # 31 January + 1 month = 29 February 2024: fresh on 29 February, stale on 1 March.
    assert gap.fresh_since("เดือน", 1, dt.date(2024, 2, 29)) == dt.date(2024, 1, 29)
    assert gap.fresh_since("เดือน", 1, dt.date(2024, 3, 1)) == dt.date(2024, 2, 1)
    # Friday 31 May 2024 + 5 working days = Friday 7 June.
    assert gap.fresh_since("วันทำการ", 5, dt.date(2024, 6, 7)) == dt.date(2024, 5, 31)
    assert gap.fresh_since("ไม่ทราบ", 1, TODAY) is None and gap.fresh_since("", 1, TODAY) is None


def test_rules_and_statuses_from_counts():
    assert [gap.dataset_rule(u) for u in ("ปี", "monthly", "ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล", "ไม่ทราบ", "อื่นๆ", "")] \
        == ["own", "own", "never", "plan", "plan", "plan"]
    assert gap.requirement_rule(req("S", unit="Quarterly", interval="2")) == ("ไตรมาส", 2)
    assert gap.requirement_rule(req("S", unit="ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล")) == ("", 1)
    assert gap.status_from_counts(1, 2, 3, 1) == "available"
    assert gap.status_from_counts(0, 2, 3, 1) == "incomplete"
    assert gap.status_from_counts(0, 0, 3, 1) == "stale"
    assert gap.status_from_counts(0, 0, 0, 1) == "restricted"
    assert gap.status_from_counts(0, 0, 0, 0) == "missing"


def test_index_fields_hold_what_decides_the_status():
    base = {"province_code": " 13 ", "requirement_codes": ["R1", " r1", "R2"], "update_frequency_unit": "เดือน",
            "update_frequency_interval": "1", "last_updated_date": "2567-01-31T00:00:00Z"}  # Buddhist era
    fields = gap.index_fields(base)
    assert fields[gap.INDEX_REQUIREMENT_FIELD] == ["13:r1", "13:r2"]  # once each, trimmed, any case
    assert fields[gap.INDEX_PROVINCE_CODE_FIELD] == "13" and fields[gap.INDEX_RULE_FIELD] == "own"
    assert fields[gap.INDEX_UPDATED_FIELD] == "2024-01-31T00:00:00Z"
    assert fields[gap.INDEX_DUE_FIELD] == "2024-02-29T00:00:00Z"
    assert fields[gap.INDEX_COMPLETE_FIELD] == "no"

    plan = gap.index_fields(dict(base, update_frequency_unit="ไม่ทราบ"))
    assert plan[gap.INDEX_RULE_FIELD] == "plan" and gap.INDEX_DUE_FIELD not in plan
    undated = gap.index_fields(dict(base, last_updated_date=""))
    assert gap.INDEX_UPDATED_FIELD not in undated and gap.INDEX_DUE_FIELD not in undated
    assert gap.index_fields(dict(base, update_frequency_interval="9" * 400))[gap.INDEX_DUE_FIELD] \
        == "9999-12-31T00:00:00Z"


def test_a_broken_link_makes_the_indexed_dataset_incomplete():
    from ckanext.provincial import quality

    pkg = {"title": "t", "owner_org": "o", "data_type": "x", "maintainer": "m", "maintainer_email": "m@e.org",
           "tags": ["a"], "notes": "n", "objective": ["o"], "update_frequency_unit": "ปี", "geo_coverage": "g",
           "data_source": "s", "data_format": ["CSV"], "data_category": "c", "license_id": "l",
           "res_url": ["http://e/a.csv"], "res_format": ["CSV"], "province_code": "13", "requirement_codes": ["R1"]}
    assert gap.index_fields(pkg)[gap.INDEX_COMPLETE_FIELD] == "yes"
    broken = gap.index_fields(dict(pkg, **{quality.BROKEN_LINKS_KEY: ["res-1"]}))
    assert broken[gap.INDEX_COMPLETE_FIELD] == "no"
    assert json.loads(broken[gap.INDEX_FACTS_FIELD])["q"] == ["link:res-1"]
