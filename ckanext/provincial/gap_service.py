"""The gap service: a province's gap, the comparison across provinces, snapshots, on the real catalogue.

``gap`` judges requirements against dataset facts with no CKAN import; this
module feeds it: the plans from the database, the facts from the search index,
the day in Thailand, the names of issues, PMQA items, agencies and provinces.
The actions (``actions/gap.py``, ``actions/requirement.py``) check access and
validate, then call it; helpers and the home page use its day and labels.

Bounded work whatever the size of the catalogue: one SQL query for the
requirements, paged ``package_search`` calls (``ckan.search.rows_max`` rows
each) that read only the compact facts the search index holds per dataset
(see ``gap.index_fields``), and, for a signed-in user who is not a sysadmin,
paged searches for the ids of the private datasets that user may see. Never
one query per requirement or per dataset.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Optional
from zoneinfo import ZoneInfo

import geothai

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import gap, gap_cache, model, site
from ckanext.provincial.validators import requirement as checks

TIMEZONE = ZoneInfo("Asia/Bangkok")
FACT_FIELDS = ["id", "name", "title", "capacity", "organization", gap.INDEX_FACTS_FIELD]
GROUPINGS = ("development_issue", "sub_issue", "agency", "pmqa")


def today() -> dt.date:
    """Today in Thailand: the day freshness is judged on."""
    return dt.datetime.now(TIMEZONE).date()


def _site_context() -> dict[str, Any]:
    return site.site_context()


# ---------------------------------------------------------------- search

# Escaped even inside quotes: CKAN refuses any filter holding "{!" or "_val_:" (HTTP 500 on the pages).
_SOLR_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def _literal(value: str) -> str:
    return '"' + _SOLR_SPECIAL.sub(r"\\\1", value) + '"'


def province_filter(province_codes: Optional[Iterable[str]]) -> str:
    """Search filter for the datasets of some provinces (all datasets with a province when None)."""
    if province_codes is None:
        return f"+{gap.INDEX_PROVINCE_FIELD}:[* TO *]"
    codes = sorted(set(province_codes))
    if not codes:
        return "+id:__none__"
    return f"+{gap.INDEX_PROVINCE_FIELD}:(" + " OR ".join(_literal(c) for c in codes) + ")"


def requirement_filter(province_code: str, code: str) -> str:
    return f"+{gap.INDEX_REQUIREMENT_FIELD}:{_literal(gap.requirement_key(province_code, code))}"


# The id is read under another name: CKAN's tracking plugin looks up the views of every
# search result that has an ``id``, one query each (upstream.py), which the engine never uses.
_ID_ALIAS = "dataset_id"


def search_all(context, fq: str, fl: list[str]) -> list[dict[str, Any]]:
    """Every active dataset matching ``fq`` that the context may see, ``rows_max`` per search."""
    rows = max(1, min(int(toolkit.config.get("ckan.search.rows_max") or 1000), 1000))
    fields = [f"{_ID_ALIAS}:id" if field == "id" else field for field in fl]
    found: list[dict[str, Any]] = []
    start = 0
    while True:
        page = toolkit.get_action("package_search")(dict(context), {
            "q": "*:*", "fq": fq, "fl": fields, "rows": rows, "start": start, "sort": "id asc",
            "include_private": True, "facet": "false",
        })
        results = []
        for result in page["results"]:
            result = dict(result) if isinstance(result, dict) else {_ID_ALIAS: result}
            if _ID_ALIAS in result:
                result["id"] = result.pop(_ID_ALIAS)
            results.append(result)
        found.extend(results)
        start += rows
        if not results or start >= page["count"]:
            return found


def _is_sysadmin(context) -> bool:
    user_obj = context.get("auth_user_obj")
    if user_obj is None and context.get("user"):
        user_obj = toolkit.get_action("user_show")({"ignore_auth": True}, {"id": context["user"]})
        return bool(user_obj.get("sysadmin"))
    return bool(getattr(user_obj, "sysadmin", False))


def viewer(context, fq: str):
    """``can_see(facts)`` for the current user: public datasets, and the private ones the user may see."""
    if context.get("ignore_auth") or _is_sysadmin(context):
        return lambda facts: True
    if not context.get("user"):
        return lambda facts: not facts.get("private")
    user_context = {"user": context["user"], "auth_user_obj": context.get("auth_user_obj")}
    visible = {doc["id"] for doc in search_all(user_context, fq + " +capacity:private", ["id"])}
    return lambda facts: not facts.get("private") or facts.get("id") in visible


def dataset_facts(fq: str) -> list[dict[str, Any]]:
    """Engine facts of every active dataset matching ``fq`` (read as the site user)."""
    return [gap.facts_from_index(doc) for doc in search_all(_site_context(), fq, FACT_FIELDS)]


# ---------------------------------------------------------------- labels

def issue_names() -> dict[str, dict[str, str]]:
    """Development issue code → ``{"th", "en"}`` name, from the operator's files."""
    catalogue = checks.issue_catalogue()
    return {i.code: {"th": i.name.th, "en": i.name.en} for i in catalogue.all()} if catalogue else {}


def pmqa_names() -> dict[str, dict[str, str]]:
    vocabulary = checks.pmqa_vocabulary()
    return {t.code: {"th": t.name.th, "en": t.name.en} for t in vocabulary.terms} if vocabulary else {}


def issue_label(code: str) -> Optional[dict[str, str]]:
    return issue_names().get(code) if code else None


def with_issue_labels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = issue_names()
    for row in rows:
        row["development_issue_label"] = names.get(row.get("development_issue") or "")
        row["sub_issue_label"] = names.get(row.get("sub_issue") or "")
    return rows


def province_label(code: str) -> Optional[dict[str, str]]:
    province = geothai.province(code) if code else None
    return {"th": province.name_th, "en": province.name_en} if province else None


def with_agencies(rows: list[dict[str, Any]], organizations: Optional[dict] = None) -> list[dict[str, Any]]:
    """Rows with ``agency_name`` and ``agency_title`` of their ``agency`` (one query for all)."""
    organizations = organizations if organizations is not None else model.organizations(r.get("agency") for r in rows)
    for row in rows:
        org = organizations.get(row.get("agency") or "")
        row["agency_name"] = org["name"] if org else ""
        row["agency_title"] = org["title"] if org else ""
    return rows


def labelled(report: dict[str, Any], organizations: dict) -> dict[str, Any]:
    issues, pmqa = issue_names(), pmqa_names()
    for entry in report.get("by_development_issue", []):
        entry["label"] = issues.get(entry["key"])
    for entry in report.get("by_sub_issue", []):
        entry["label"] = issues.get(entry["key"])
    for entry in report.get("by_pmqa", []):
        entry["label"] = pmqa.get(entry["key"])
    for entry in report.get("by_agency", []):
        org = organizations.get(entry["key"])
        entry["name"], entry["title"] = (org["name"], org["title"]) if org else ("", "")
    for entry in report.get("by_province", []):
        entry["label"] = province_label(entry["key"])
    return report


# ---------------------------------------------------------------- the gap

def requirement_status(context, requirement: dict[str, Any]) -> dict[str, Any]:
    """One requirement judged: its ``status``, ``days_overdue``, ``problems``, the datasets the user may see."""
    fq = requirement_filter(requirement["province_code"], requirement["code"])
    return gap.evaluate([requirement], dataset_facts(fq), today(), can_see=viewer(context, fq))[0]


def province_gap(context, province: str, filters: dict[str, str], include_unlinked: bool = True) -> dict[str, Any]:
    """The gap of one province for the user of ``context`` (see ``provincial_gap_show``).

    ``filters`` holds the ``GROUPINGS`` to narrow the requirements to; an
    ``agency`` (name or id) that names no organization is a ValidationError.
    """
    filters = {key: filters.get(key) or "" for key in GROUPINGS}
    agency = filters["agency"]
    organizations = model.organizations([agency]) if agency else {}
    if agency and agency not in organizations:
        raise toolkit.ValidationError({"agency": [toolkit._('No organization "{value}"').format(value=agency)]})
    agency_id = organizations[agency]["id"] if agency else None

    plan = [r.as_dict() for r in model.requirements([province])]
    requirements = gap.filter_requirements(
        plan, development_issue=filters["development_issue"], sub_issue=filters["sub_issue"],
        agency=agency_id, pmqa=filters["pmqa"],
    )
    fq = province_filter([province])
    facts = dataset_facts(fq)
    day = today()
    rows = gap.evaluate(requirements, facts, day, can_see=viewer(context, fq))

    organizations = model.organizations({r.get("agency") for r in rows} | ({agency_id} if agency_id else set()))
    result = labelled(gap.report(rows, GROUPINGS), organizations)
    with_issue_labels(with_agencies(rows, organizations))
    unlinked = gap.unlinked(facts, plan) if include_unlinked else []
    if agency_id:
        unlinked = [d for d in unlinked if d.get("organization") == organizations[agency_id]["name"]]
    result.update({
        "province_code": province,
        "province": province_label(province),
        "filters": filters,
        "date": day.isoformat(),
        "statuses": list(gap.STATUSES),
        "requirements": rows,
        "unlinked_datasets": unlinked,
    })
    return result


def _summaries(province_codes: Optional[list[str]], day: Optional[dt.date] = None,
               ) -> tuple[list[str], dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Evaluated rows of the given provinces (all provinces with a plan when None), and their datasets' facts."""
    if province_codes is None:
        province_codes = [code for code, _count in model.planned_provinces()]
    requirements = [r.as_dict() for r in model.requirements(province_codes)]
    facts = dataset_facts(province_filter(province_codes))
    rows = gap.evaluate(requirements, facts, day or today())
    by_province: dict[str, list[dict[str, Any]]] = {code: [] for code in province_codes}
    for row in rows:
        by_province.setdefault(row["province_code"], []).append(row)
    return province_codes, by_province, facts


def summary(province_codes: Optional[list[str]]) -> dict[str, Any]:
    """The gap of several provinces side by side (see ``provincial_gap_summary``), cached in Redis."""
    day = today()
    scores, _from_cache = gap_cache.cached(
        _site_context(), "summary", province_codes, day.isoformat(), lambda: _summary_scores(province_codes, day))
    pmqa = pmqa_names()
    provinces = [
        {"province_code": entry["province_code"], "province": province_label(entry["province_code"]),
         **{k: v for k, v in entry.items() if k not in ("province_code", "by_pmqa")},
         "by_pmqa": [dict(group, label=pmqa.get(group["key"])) for group in entry["by_pmqa"]]}
        for entry in scores["provinces"]
    ]
    return {
        "date": scores["date"],
        "statuses": list(gap.STATUSES),
        "national": scores["national"],
        "provinces": provinces,
    }


def _summary_scores(province_codes: Optional[list[str]], day: dt.date) -> dict[str, Any]:
    """The summary without names (those are added after the cache, see gap_cache)."""
    codes, by_province, facts = _summaries(province_codes, day)
    plans = [row for rows in by_province.values() for row in rows]
    facts_of: dict[str, list[dict[str, Any]]] = {}
    for facts_entry in facts:
        facts_of.setdefault(facts_entry["province_code"], []).append(facts_entry)
    provinces = []
    for code in codes:
        rows = by_province.get(code, [])
        entry = {"province_code": code, **gap.score(rows)}
        entry["unlinked_count"] = len(gap.unlinked(facts_of.get(code, []), rows))
        entry["by_pmqa"] = gap.aggregate(rows, "pmqa")
        provinces.append(entry)
    return {"date": day.isoformat(), "national": gap.score(plans), "provinces": provinces}


def record_snapshots(province_codes: Optional[list[str]]) -> list[dict[str, Any]]:
    """Record the gap aggregates of the provinces (all with a plan when None), committed at once."""
    codes, by_province, _facts = _summaries(province_codes)
    taken_at = dt.datetime.utcnow()
    session = model.session()
    recorded = []
    for code in codes:
        rows = by_province.get(code, [])
        scores = gap.score(rows)
        snapshot = model.GapSnapshot(
            taken_at=taken_at, province_code=code, total=scores["total"], coverage=scores["coverage"],
            readiness=scores["readiness"], counts=scores["counts"],
            by_development_issue=gap.aggregate(rows, "development_issue"),
            statuses={row["id"]: row["status"] for row in rows if row.get("id")},
        )
        session.add(snapshot)
        recorded.append(snapshot)
    session.commit()
    return [snapshot.as_dict() for snapshot in recorded]
