"""Gap analysis actions: a province's gap, the comparison across provinces, snapshots over time.

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

from ckanext.provincial import gap, gap_cache, model
from ckanext.provincial.validators import requirement as checks

TIMEZONE = ZoneInfo("Asia/Bangkok")
FACT_FIELDS = ["id", "name", "title", "capacity", "organization", gap.INDEX_FACTS_FIELD]


def today() -> dt.date:
    """Today in Thailand: the day freshness is judged on."""
    return dt.datetime.now(TIMEZONE).date()


def _validated(context, data_dict, schema):
    data, errors = toolkit.navl_validate(dict(data_dict or {}), schema, context)
    if errors:
        raise toolkit.ValidationError(errors)
    return data


def _site_context() -> dict[str, Any]:
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"ignore_auth": True, "user": site_user["name"]}


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


def search_all(context, fq: str, fl: list[str]) -> list[dict[str, Any]]:
    """Every active dataset matching ``fq`` that the context may see, ``rows_max`` per search."""
    rows = max(1, min(int(toolkit.config.get("ckan.search.rows_max") or 1000), 1000))
    found: list[dict[str, Any]] = []
    start = 0
    while True:
        page = toolkit.get_action("package_search")(dict(context), {
            "q": "*:*", "fq": fq, "fl": fl, "rows": rows, "start": start, "sort": "id asc",
            "include_private": True, "facet": "false",
        })
        results = [r if isinstance(r, dict) else {"id": r} for r in page["results"]]
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


# ---------------------------------------------------------------- schemas

def gap_show_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    optional = [v("ignore_missing"), v("unicode_safe"), v("strip_value")]
    return {
        "province_code": [v("not_empty"), v("unicode_safe"), checks.province_code_validator],
        "development_issue": list(optional),
        "sub_issue": list(optional),
        "agency": list(optional),
        "pmqa": list(optional),
        "include_unlinked": [v("default")(True), checks.boolean_validator],
    }


def gap_summary_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {"province_codes": [v("ignore_missing"), checks.split_codes, _province_list]}


def _province_list(value):
    if not isinstance(value, list):
        return value  # split_codes refused it; navl runs the next validators all the same
    return [checks.province_code_validator(code) for code in value]


def _at_most(maximum: int):
    def validator(value):
        return min(value, maximum) if isinstance(value, int) else value  # else refused before
    return validator


def snapshot_list_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {
        "province_code": [v("not_empty"), v("unicode_safe"), checks.province_code_validator],
        "limit": [v("default")(100), checks.natural_number, _at_most(1000)],
    }


# ---------------------------------------------------------------- actions

@toolkit.side_effect_free
def provincial_gap_show(context, data_dict) -> dict[str, Any]:
    """The gap of one province: each requirement's status, the aggregates, the unlinked datasets.

    Statuses (``missing``, ``restricted``, ``stale``, ``incomplete``,
    ``available``) do not depend on who asks; the datasets listed do: private
    datasets appear only to users who may see them, and are otherwise only
    counted (``hidden_datasets``).

    :param province_code: two-digit province code (e.g. ``13``)
    :type province_code: string
    :param development_issue: only requirements of this development issue (code)
    :type development_issue: string
    :param sub_issue: only requirements of this sub-issue (code)
    :type sub_issue: string
    :param agency: only requirements of this responsible organization (name or id)
    :type agency: string
    :param pmqa: only requirements tagged with this PMQA item (e.g. ``4.1``)
    :type pmqa: string
    :param include_unlinked: list the public datasets of the province that
        fulfil no requirement (default ``true``)
    :type include_unlinked: bool

    :returns: ``province_code``, ``province`` (``th``/``en`` name), ``filters``,
        ``date`` (the day freshness was judged on), ``statuses``, ``summary``
        (``total``, ``counts`` per status, ``coverage`` %, ``readiness`` %),
        ``by_development_issue``, ``by_sub_issue``, ``by_agency``, ``by_pmqa``
        (each a list of groups with ``key``, ``label`` and the same scores),
        ``requirements`` (one row per requirement with ``status``,
        ``days_overdue``, ``problems``, ``datasets``, ``hidden_datasets``) and
        ``unlinked_datasets``
    :rtype: dictionary
    """
    toolkit.check_access("provincial_gap_show", context, data_dict)
    data = _validated(context, data_dict, gap_show_schema())
    province = data["province_code"]
    agency = data.get("agency") or ""
    organizations = model.organizations([agency]) if agency else {}
    if agency and agency not in organizations:
        raise toolkit.ValidationError({"agency": [toolkit._('No organization "{value}"').format(value=agency)]})
    agency_id = organizations[agency]["id"] if agency else None

    plan = [r.as_dict() for r in model.requirements([province])]
    requirements = gap.filter_requirements(
        plan, development_issue=data.get("development_issue"), sub_issue=data.get("sub_issue"),
        agency=agency_id, pmqa=data.get("pmqa"),
    )
    fq = province_filter([province])
    facts = dataset_facts(fq)
    rows = gap.evaluate(requirements, facts, today(), can_see=viewer(context, fq))

    organizations = model.organizations({r.get("agency") for r in rows} | ({agency_id} if agency_id else set()))
    result = labelled(gap.report(rows, ("development_issue", "sub_issue", "agency", "pmqa")), organizations)
    with_issue_labels(with_agencies(rows, organizations))
    unlinked = gap.unlinked(facts, plan) if data["include_unlinked"] else []
    if agency_id:
        unlinked = [d for d in unlinked if d.get("organization") == organizations[agency_id]["name"]]
    result.update({
        "province_code": province,
        "province": province_label(province),
        "filters": {key: data.get(key) or "" for key in ("development_issue", "sub_issue", "agency", "pmqa")},
        "date": today().isoformat(),
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


@toolkit.side_effect_free
def provincial_gap_summary(context, data_dict) -> dict[str, Any]:
    """The gap of several provinces side by side (all provinces with a plan by default).

    :param province_codes: the provinces to compare, e.g. ``["13", "19"]`` or ``"13,19"``
    :type province_codes: list of strings

    :returns: ``date``, ``statuses``, ``national`` (the scores of all the
        requirements together) and ``provinces``: per province its
        ``province_code``, ``province`` (``th``/``en``), ``total``, ``counts``,
        ``coverage``, ``readiness``, ``unlinked_count`` (public datasets
        fulfilling no requirement) and ``by_pmqa``
    :rtype: dictionary
    """
    toolkit.check_access("provincial_gap_summary", context, data_dict)
    data = _validated(context, data_dict, gap_summary_schema())
    asked = list(data.get("province_codes") or []) or None
    day = today()
    scores, _from_cache = gap_cache.cached(
        _site_context(), "summary", asked, day.isoformat(), lambda: _summary_scores(asked, day))
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


def provincial_gap_snapshot_create(context, data_dict) -> list[dict[str, Any]]:
    """Record the gap aggregates of every province with a plan (run daily or weekly by cron).

    :param province_codes: only these provinces (default: all with a plan)
    :type province_codes: list of strings

    :returns: the snapshots recorded, one per province
    :rtype: list of dictionaries
    """
    toolkit.check_access("provincial_gap_snapshot_create", context, data_dict)
    data = _validated(context, data_dict, gap_summary_schema())
    codes, by_province, _facts = _summaries(data.get("province_codes") or None)
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
        )
        session.add(snapshot)
        recorded.append(snapshot)
    session.commit()
    return [snapshot.as_dict() for snapshot in recorded]


@toolkit.side_effect_free
def provincial_gap_snapshot_list(context, data_dict) -> list[dict[str, Any]]:
    """A province's recorded gap snapshots, oldest first (the coverage trend).

    :param province_code: two-digit province code
    :type province_code: string
    :param limit: the latest this many snapshots (default 100, at most 1000)
    :type limit: int

    :returns: snapshots with ``taken_at``, ``total``, ``counts``, ``coverage``,
        ``readiness`` and ``by_development_issue``
    :rtype: list of dictionaries
    """
    toolkit.check_access("provincial_gap_snapshot_list", context, data_dict)
    data = _validated(context, data_dict, snapshot_list_schema())
    return [snapshot.as_dict() for snapshot in model.snapshots(data["province_code"], data["limit"])]


def get_actions():
    return {
        "provincial_gap_show": provincial_gap_show,
        "provincial_gap_summary": provincial_gap_summary,
        "provincial_gap_snapshot_create": provincial_gap_snapshot_create,
        "provincial_gap_snapshot_list": provincial_gap_snapshot_list,
    }
