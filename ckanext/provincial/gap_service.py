"""The gap service: a province's gap, the comparison across provinces, snapshots, on the real catalogue.

``gap`` judges requirements against dataset facts with no CKAN import; this
module feeds it: the plans from the database, the facts from the search index,
the day in Thailand, the names of issues, PMQA items, agencies and provinces.
The actions (``actions/gap.py``, ``actions/requirement.py``) check access and
validate, then call it; helpers and the home page use its day and labels.

Bounded work whatever the size of the catalogue: one SQL query for the
requirements and, for the summary of all provinces and the snapshots, one
Solr request whose JSON facets count the datasets of each requirement by
status (``index_statuses``, over the fields ``gap.index_fields`` writes): no
document is read, so the time hardly grows with the catalogue. One province's
page reads the documents it lists (the compact facts of the datasets the user
may see, ``rows_max`` a request) and counts the private ones per requirement
(``evaluate_visible``). Never one query per requirement or per dataset.
"""
from __future__ import annotations

import datetime as dt
import json
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


def dataset_facts(fq: str) -> list[dict[str, Any]]:
    """Engine facts of every active dataset matching ``fq`` (read as the site user)."""
    return [gap.facts_from_index(doc) for doc in search_all(_site_context(), fq, FACT_FIELDS)]


# ---------------------------------------------------------------- statuses counted by the index

def solr_select(fq: list[str], rows: int = 0, **params: Any) -> dict[str, Any]:
    """One Solr request over this site's active datasets: the filters package_search adds itself.

    ``package_search`` can neither send a JSON facet request nor return its
    result (its Solr parameters are a fixed list, see CKAN's
    ``ckan.lib.search.query.VALID_SOLR_PARAMETERS``), and the toolkit has no
    other way to query the index: hence CKAN's own Solr connection. A Solr
    error or outage becomes CKAN's ``SearchError``, as ``package_search``
    raises it, so it is handled the same way (the 503 page).
    """
    import pysolr
    from ckan.lib.search.common import SearchError, make_connection

    filters = [f"+site_id:{_literal(toolkit.config.get('ckan.site_id') or '')}", "+state:active", *fq]
    try:
        return make_connection(decode_dates=False).search("*:*", fq=filters, rows=rows, **params).raw_response
    except pysolr.SolrError as error:
        raise SearchError(f"Solr returned an error: {error}") from error


def provinces_filter(province_codes: Iterable[str]) -> str:
    """Filter on the province's string field (``province_filter`` is on the older text one)."""
    codes = sorted(set(province_codes))
    if not codes:
        return "+id:__none__"
    return f"+{gap.INDEX_PROVINCE_CODE_FIELD}:(" + " OR ".join(_literal(c) for c in codes) + ")"


_DOC_FIELDS = ["id", "name", "title", "capacity", "organization", gap.INDEX_FACTS_FIELD]


def _documents(fq: list[str], facets: Optional[dict[str, Any]] = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The documents matching ``fq`` (``rows_max`` a request), and ``facets`` counted by the first request."""
    rows = max(1, min(int(toolkit.config.get("ckan.search.rows_max") or 1000), 1000))
    docs: list[dict[str, Any]] = []
    found_facets: dict[str, Any] = {}
    start = 0
    while True:
        params: dict[str, Any] = {"fl": ",".join(_DOC_FIELDS), "sort": "id asc", "start": start}
        if facets and not start:
            params["json.facet"] = json.dumps(facets, separators=(",", ":"))
        response = solr_select(fq, rows=rows, **params)
        found_facets = found_facets or response.get("facets") or {}
        page = (response.get("response") or {}).get("docs") or []
        docs.extend(page)
        start += rows
        if not page or start >= (response.get("response") or {}).get("numFound", 0):
            return docs, found_facets


def visible_facts(context, fq: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Facts of the datasets matching ``fq`` that the user may see, and per requirement key the private ones.

    Only the documents the user may see are read (the page lists them all); the
    private datasets are counted per requirement key, so a requirement only
    they fulfil is still ``restricted`` and shows how many are hidden.
    """
    keys = gap.INDEX_REQUIREMENT_FIELD
    if context.get("ignore_auth") or _is_sysadmin(context):
        return [gap.facts_from_index(doc) for doc in _documents([fq])[0]], {}
    if not context.get("user"):
        # One request: the public documents, and the private ones counted outside that filter.
        private = {"type": "terms", "field": keys, "limit": -1,
                   "domain": {"excludeTags": "seen", "filter": "capacity:private"}}
        docs, facets = _documents([fq, "{!tag=seen}capacity:public"], {"private": private})
        return [gap.facts_from_index(doc) for doc in docs], _buckets(facets, "private")
    user_context = {"user": context["user"], "auth_user_obj": context.get("auth_user_obj")}
    facts = [gap.facts_from_index(doc) for doc in search_all(user_context, fq, FACT_FIELDS)]
    facets = solr_select([fq, "+capacity:private"], **{"json.facet": json.dumps(
        {"private": {"type": "terms", "field": keys, "limit": -1}})}).get("facets") or {}
    return facts, _buckets(facets, "private")


def evaluate_visible(context, requirements: list[dict[str, Any]], fq: str, day: dt.date,
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``gap.evaluate`` for the user of ``context``, reading only the datasets the user may see; and their facts.

    The same rows as ``gap.evaluate`` over every dataset with ``can_see``: a
    private dataset the user may not see is only ever ``restricted``, so it
    changes a requirement's status only from ``missing``, and its count is
    ``hidden_datasets``.
    """
    facts, private = visible_facts(context, fq)
    rows = gap.evaluate(requirements, facts, day, can_see=lambda _facts: True)
    for row in rows:
        key = gap.requirement_key(row.get("province_code"), row.get("code"))
        seen = sum(1 for listed in row["datasets"] if listed["private"])
        row["hidden_datasets"] = max(private.get(key, 0) - seen, 0)
        if row["hidden_datasets"] and row["status"] == gap.MISSING:
            row["status"] = gap.RESTRICTED
    return rows, facts


def _buckets(node: Optional[dict[str, Any]], name: str = "k") -> dict[str, int]:
    found = (node or {}).get(name) or {}
    return {bucket["val"]: bucket["count"] for bucket in found.get("buckets", [])}


def index_statuses(requirements: list[dict[str, Any]], province_codes: Iterable[str],
                   day: dt.date) -> tuple[list[str], dict[str, int]]:
    """The status of each requirement, and the unlinked public datasets per province, from one Solr request.

    Counts, per requirement key, the datasets that are private, public, public
    and fresh, and fresh and complete (``gap.status_from_counts`` then gives
    the status ``gap.evaluate`` would), with facets over the fields
    ``gap.index_fields`` writes, never the documents, so the work hardly grows
    with the catalogue. A dataset with a period of its own is fresh when its
    indexed due date is not before ``day``; one without is judged by the
    requirement's frequency: requirements are grouped by it, and each group's
    freshness is a range on the last update (``gap.fresh_since``).
    ``requirements`` must hold the whole plans of ``province_codes`` for the
    unlinked counts (public datasets fulfilling no requirement of their plan).

    Each count is a field facet over the catalogue with some tagged filters
    excluded (Solr's multi-select faceting): the filters are ANDed, so the
    request matches no document, and every facet keeps only the filters of its
    own domain. Field facets rather than JSON facets: Solr returns thousands
    of buckets far faster that way.
    """
    judged, groups = frequency_groups(requirements)
    return status_counts(judged, groups, province_codes, day)


def frequency_groups(requirements: Iterable[dict[str, Any]],
                     ) -> tuple[list[tuple[str, str]], dict[tuple[str, int], str]]:
    """Each requirement's index key and frequency group name, and the groups by (unit, interval)."""
    groups: dict[tuple[str, int], str] = {}
    rules: dict[tuple[Any, Any], tuple[str, int]] = {}
    judged = []  # (key, group) of each requirement
    for requirement in requirements:
        raw = (requirement.get("update_frequency_unit"), requirement.get("update_frequency_interval"))
        if raw not in rules:
            rules[raw] = gap.requirement_rule(requirement)
        group = groups.setdefault(rules[raw], f"plan{len(groups)}")
        judged.append((gap.requirement_key(requirement.get("province_code"), requirement.get("code")), group))
    return judged, groups


def status_counts(judged: list[tuple[str, str]], groups: dict[tuple[str, int], str], province_codes: Iterable[str],
                  day: dt.date) -> tuple[list[str], dict[str, int]]:
    """``index_statuses`` of requirements already keyed and grouped (``frequency_groups``)."""
    codes = sorted(set(province_codes))
    if not codes:
        return [gap.MISSING] * len(judged), {}
    keys, rule = gap.INDEX_REQUIREMENT_FIELD, gap.INDEX_RULE_FIELD
    fixed = f"{rule}:{gap.RULE_NEVER} OR (+{rule}:{gap.RULE_OWN} +{gap.INDEX_DUE_FIELD}:[{gap.solr_date(day)} TO *])"
    filters = {
        "private": "capacity:private",
        "public": "capacity:public",
        "fixed": fixed,  # fresh by its own rule (or never stale)
        "unfixed": f"-({fixed})",
        "complete": f"{gap.INDEX_COMPLETE_FIELD}:yes",
        "incomplete": f"-{gap.INDEX_COMPLETE_FIELD}:yes",
    }
    for (unit, interval), name in groups.items():
        since = gap.fresh_since(unit, interval, day)
        updated = f" +{gap.INDEX_UPDATED_FIELD}:[{gap.solr_date(since)} TO *]" if since else ""
        filters[name] = f"+{rule}:{gap.RULE_PLAN}{updated}"
    filters["unkeyed"] = f"-{keys}:[* TO *]"  # no requirement code at all
    fq = [provinces_filter(codes)] + [f"{{!tag={name}}}{query}" for name, query in filters.items()]
    tags = list(filters)

    def facet(name: str, field: str, *domain: str) -> str:
        return f"{{!key={name} ex={','.join(t for t in tags if t not in domain)}}}{field}"

    # As few buckets as the statuses need: when no public dataset of a requirement is fresh, every one of
    # them is outside "fixed", so "public and unfixed" tells stale from restricted.
    fields = [facet("private", keys, "private"), facet("unfixed", keys, "public", "unfixed"),
              facet("complete", keys, "public", "fixed", "complete"),
              facet("incomplete", keys, "public", "fixed", "incomplete")]
    for name in groups.values():
        fields += [facet(name + "_complete", keys, "public", name, "complete"),
                   facet(name + "_incomplete", keys, "public", name, "incomplete")]
    fields.append(facet("unkeyed", gap.INDEX_PROVINCE_CODE_FIELD, "public", "unkeyed"))
    response = solr_select(fq, **{
        "facet": "true", "facet.field": fields, "facet.limit": -1, "facet.mincount": 1, "json.nl": "flat"})
    found = {name: dict(zip(values[0::2], values[1::2]))
             for name, values in ((response.get("facet_counts") or {}).get("facet_fields") or {}).items()}

    private, unfixed = found.get("private", {}), found.get("unfixed", {})
    complete, incomplete = found.get("complete", {}), found.get("incomplete", {})
    by_group = {name: (found.get(name + "_complete", {}), found.get(name + "_incomplete", {}))
                for name in groups.values()}
    # Bound lookups: this loop runs once per requirement of the country.
    counts_of = {name: (pair[0].get, pair[1].get) for name, pair in by_group.items()}
    complete_of, incomplete_of, unfixed_of, private_of = complete.get, incomplete.get, unfixed.get, private.get
    status_from_counts = gap.status_from_counts
    statuses = []
    for key, group in judged:
        group_complete_of, group_incomplete_of = counts_of[group]
        good = complete_of(key, 0) + group_complete_of(key, 0)
        fresh = good + incomplete_of(key, 0) + group_incomplete_of(key, 0)
        statuses.append(status_from_counts(good, fresh, fresh + unfixed_of(key, 0), private_of(key, 0)))
    unlinked = dict(found.get("unkeyed", {}))
    # Every public dataset's keys are among these buckets: keys of no plan (a requirement deleted
    # after datasets named it) are rare; only the public datasets holding one are read.
    planned = {key for key, _group in judged}
    seen_orphans: set = set()
    orphans = sorted(set(unfixed).union(complete, incomplete, *(m for pair in by_group.values() for m in pair))
                     .difference(planned))
    for start in range(0, len(orphans), 500):
        query = f"+capacity:public +{keys}:(" + " OR ".join(_literal(k) for k in orphans[start:start + 500]) + ")"
        for doc in _documents([provinces_filter(codes), query])[0]:
            facts = gap.facts_from_index(doc)
            if facts["id"] in seen_orphans:
                continue
            seen_orphans.add(facts["id"])
            mine = {gap.requirement_key(facts["province_code"], c) for c in facts["requirement_codes"]}
            if not mine & planned:
                unlinked[facts["province_code"]] = unlinked.get(facts["province_code"], 0) + 1
    return statuses, unlinked


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
    return evaluate_visible(context, [requirement], fq, today())[0][0]


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
    day = today()
    rows, facts = evaluate_visible(context, requirements, provinces_filter([province]), day)

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


# What the summary needs of each requirement; the snapshots also record ids and issues.
_SUMMARY_COLUMNS = ("province_code", "code", "priority", "pmqa", "update_frequency_unit", "update_frequency_interval")
_SNAPSHOT_COLUMNS = ("id", "development_issue") + _SUMMARY_COLUMNS


def _plan_rows(province_codes: list[str], columns: tuple[str, ...] = _SNAPSHOT_COLUMNS) -> list[dict[str, Any]]:
    """The requirements of some provinces with the columns the summaries use (one query, no ORM objects)."""
    codes = [c for c in province_codes if model.matchable(c)]
    if not codes:
        return []
    # The driver's own rows (psycopg2 reads the pmqa array as a list): SQLAlchemy's per-row
    # processing of 5,000 requirements took longer than the whole Solr request.
    found = model.session().connection().exec_driver_sql(
        "SELECT {} FROM {} WHERE province_code = ANY(%(codes)s) ORDER BY province_code, code".format(
            ", ".join(columns), model.Requirement.__tablename__),
        {"codes": codes}).fetchall()
    rows = []
    for values in found:
        row = dict(zip(columns, values))
        row["pmqa"] = list(row["pmqa"] or [])
        rows.append(row)
    return rows


def _summaries(province_codes: Optional[list[str]], day: Optional[dt.date] = None,
               columns: tuple[str, ...] = _SNAPSHOT_COLUMNS,
               ) -> tuple[list[str], dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Rows (requirement and status) of the given provinces (all with a plan when None), and their unlinked counts.

    The statuses come from Solr facets (``index_statuses``), not from the datasets' documents.
    """
    if province_codes is None:
        province_codes = [code for code, _count in model.planned_provinces()]
    rows = _plan_rows(province_codes, columns)
    statuses, unlinked = index_statuses(rows, province_codes, day or today())
    by_province: dict[str, list[dict[str, Any]]] = {code: [] for code in province_codes}
    for row, status in zip(rows, statuses):
        row["status"] = status
        by_province.setdefault(row["province_code"], []).append(row)
    return province_codes, by_province, unlinked


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


class PreparedPlan:
    """What the summary needs of some provinces' plans, worked out once per state of the plans.

    The requirements' index keys and frequency groups, and their rows folded
    into "signatures" (province, priority, PMQA items): the summary then counts
    statuses per signature instead of adding every row to every group. Only the
    statuses are computed on each call, from the index.
    """

    def __init__(self, codes: list[str]) -> None:
        rows = _plan_rows(codes, _SUMMARY_COLUMNS)
        self.codes = codes
        self.judged, self.groups = frequency_groups(rows)
        signatures: dict[tuple, int] = {}
        self.signature_of = [
            signatures.setdefault((row["province_code"], row.get("priority") or "", tuple(gap.pmqa_groups(row))),
                                  len(signatures))
            for row in rows
        ]
        self.signatures = list(signatures)


_PREPARED: dict[tuple, PreparedPlan] = {}
_PREPARED_KEPT = 16


def prepared_plan(province_codes: Optional[list[str]]) -> PreparedPlan:
    """The ``PreparedPlan`` of the provinces (all with a plan when None) as the plans stand now."""
    key = (tuple(province_codes) if province_codes is not None else None, *model.plan_state())
    plan = _PREPARED.get(key)
    if plan is None:
        codes = province_codes if province_codes is not None else [code for code, _n in model.planned_provinces()]
        plan = PreparedPlan(list(codes))
        if len(_PREPARED) >= _PREPARED_KEPT:
            _PREPARED.clear()
        _PREPARED[key] = plan
    return plan


def _summary_scores(province_codes: Optional[list[str]], day: dt.date) -> dict[str, Any]:
    """The summary without names (those are added after the cache, see gap_cache).

    The same figures as ``gap.score`` and ``gap.aggregate(rows, "pmqa")`` of
    each province's rows: the statuses are counted per signature of the
    prepared plan, then each signature's counts go to its province, the
    nation and its PMQA items (``gap.Tally.add``, ``count`` at a time).
    """
    plan = prepared_plan(province_codes)
    statuses, unlinked = status_counts(plan.judged, plan.groups, plan.codes, day)
    counted: dict[tuple[int, str], int] = {}
    for signature, status in zip(plan.signature_of, statuses):
        counted[signature, status] = counted.get((signature, status), 0) + 1
    national = gap.Tally()
    tallies = {code: gap.Tally() for code in plan.codes}
    by_pmqa: dict[str, dict[str, gap.Tally]] = {code: {} for code in plan.codes}
    for (signature, status), count in counted.items():
        province, priority, items = plan.signatures[signature]
        national.add(status, priority, count)
        tallies[province].add(status, priority, count)
        groups = by_pmqa[province]
        for item in items:
            tally = groups.get(item)
            if tally is None:
                tally = groups[item] = gap.Tally()
            tally.add(status, priority, count)
    provinces = []
    for code in plan.codes:
        groups = by_pmqa.get(code, {})
        entry = {"province_code": code, **tallies[code].result()}
        entry["unlinked_count"] = unlinked.get(code, 0)
        entry["by_pmqa"] = [{"key": item, **groups[item].result()} for item in sorted(groups, key=gap.group_order)]
        provinces.append(entry)
    return {"date": day.isoformat(), "national": national.result(), "provinces": provinces}


def _quality_summary(province_code: str) -> dict[str, Any]:
    """The province's metadata quality (public datasets), kept with its snapshot."""
    from ckanext.provincial.actions import metadata_quality  # the actions import this module
    return metadata_quality.summarize(province_code=province_code)


def record_snapshots(province_codes: Optional[list[str]]) -> list[dict[str, Any]]:
    """Record the gap aggregates of the provinces (all with a plan when None), committed at once."""
    codes, by_province, _unlinked = _summaries(province_codes)
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
            quality=_quality_summary(code),
        )
        session.add(snapshot)
        recorded.append(snapshot)
    session.commit()
    return [snapshot.as_dict() for snapshot in recorded]
