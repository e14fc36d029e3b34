"""The gap between what a province needs (its requirement plan, TO BE) and what it has (datasets, AS IS).

Every requirement gets one status, from the datasets that declare its code in
``requirement_codes`` (and belong to the same province):

``missing``
    no dataset fulfils it;
``restricted``
    only private datasets fulfil it. They are counted for everyone but listed
    only to people who may see them;
``stale``
    a public dataset fulfils it, but every such dataset is past its due date
    (``freshness``): the requirement carries the smallest number of days
    overdue among them;
``incomplete``
    a public dataset is fresh, but every fresh one fails a quality check
    (``quality``);
``available``
    a public dataset is fresh and passes every check.

Each fulfilling dataset has a status of its own (a private one is
``restricted``; a public one is ``stale``, else ``incomplete``, else
``available``), and the requirement takes the best of them in the order
available > incomplete > stale > restricted > missing. A dataset's freshness
follows its own declared update frequency; when it declares none that sets a
period (empty, ไม่ทราบ, อื่นๆ) the requirement's required frequency applies.

Aggregates (by province, development issue, sub-issue, responsible agency,
PMQA item) give the count per status, the **coverage** (available / all
requirements, in %) and the **readiness score**: the priority-weighted mean
of a value per status, in %::

    readiness = 100 × Σ w(priority) × v(status) / Σ w(priority)
    v: available 1, incomplete 0.75, stale 0.5, restricted 0.25, missing 0
    w: high 3, medium 2 (also when unset), low 1

so data that exists but is outdated, incomplete or unshared counts for part
of its worth, and the high-priority needs weigh three times the low ones.

The search index carries, per dataset, the compact facts this module needs
(``index_facts``), so the action layer reads a whole province with a few
paged searches instead of one ``package_show`` per dataset. Pure module: no
CKAN import; ``today`` is always passed in.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable, Iterable, Optional

from ckanext.provincial import freshness, quality

AVAILABLE = "available"
INCOMPLETE = "incomplete"
STALE = "stale"
RESTRICTED = "restricted"
MISSING = "missing"

# Best first.
STATUSES: tuple[str, ...] = (AVAILABLE, INCOMPLETE, STALE, RESTRICTED, MISSING)
_RANK = {status: rank for rank, status in enumerate(STATUSES)}

STATUS_VALUES = {AVAILABLE: 1.0, INCOMPLETE: 0.75, STALE: 0.5, RESTRICTED: 0.25, MISSING: 0.0}

PRIORITIES: tuple[str, ...] = ("high", "medium", "low")
PRIORITY_WEIGHTS = {"high": 3, "medium": 2, "low": 1}
DEFAULT_PRIORITY_WEIGHT = 2

DIMENSIONS: tuple[str, ...] = ("province", "development_issue", "sub_issue", "agency", "pmqa")

# Search-index field names (see indexing.before_dataset_index).
INDEX_FACTS_FIELD = "extras_provincial_gap"
INDEX_PROVINCE_FIELD = "extras_provincial_gap_province"
INDEX_REQUIREMENT_FIELD = "vocab_provincial_requirement"
# package_search returns ``extras_*`` index fields without their prefix.
SEARCH_FACTS_KEY = INDEX_FACTS_FIELD[len("extras_"):]

# What decides a dataset's status, as fields the engine counts with Solr facets
# (gap_service.index_statuses) instead of reading every document. Types come from
# CKAN's schema: ``*_date`` is a date, the catch-all ``*`` a string (indexed, not stored).
INDEX_PROVINCE_CODE_FIELD = "provincial_gap_province_code"
INDEX_RULE_FIELD = "provincial_gap_rule"          # RULE_OWN, RULE_NEVER or RULE_PLAN
INDEX_UPDATED_FIELD = "provincial_gap_updated_date"  # the last update, when known
INDEX_DUE_FIELD = "provincial_gap_due_date"       # own rule and a last update only
INDEX_COMPLETE_FIELD = "provincial_gap_complete"  # "yes": passes every quality check
RULE_OWN = "own"      # its own update frequency sets a period
RULE_NEVER = "never"  # never updated: never stale
RULE_PLAN = "plan"    # no period of its own: the requirement's frequency applies


def code_key(code: Any) -> str:
    """How requirement codes are compared: trimmed, case-insensitive."""
    return str(code or "").strip().casefold()


def requirement_key(province_code: Any, code: Any) -> str:
    """The value indexed for a dataset's requirement link: ``<province>:<code>``."""
    return f"{str(province_code or '').strip()}:{code_key(code)}"


# ---------------------------------------------------------------- dataset facts

def index_facts(pkg_dict: dict[str, Any], required_fields: Iterable[str] = quality.REQUIRED_FIELDS) -> dict[str, Any]:
    """The compact facts stored in the search index for one dataset (the pkg_dict being indexed)."""
    return {
        "p": str(pkg_dict.get("province_code") or "").strip(),
        "r": quality.as_list(pkg_dict.get("requirement_codes")),
        "u": freshness.normalize_unit(pkg_dict.get("update_frequency_unit")) or "",
        "n": freshness.parse_interval(pkg_dict.get("update_frequency_interval")),
        "d": _iso(freshness.parse_date(pkg_dict.get("last_updated_date"))),
        "q": quality.check(pkg_dict, required_fields),
    }


def dataset_rule(unit: Any) -> str:
    """Which frequency judges a dataset declaring ``unit``: its own, none (never stale) or the requirement's."""
    if freshness.has_rule(unit):
        return RULE_OWN
    if freshness.normalize_unit(unit) == freshness.NEVER_UPDATED:
        return RULE_NEVER
    return RULE_PLAN


def solr_date(day: dt.date) -> str:
    return day.isoformat() + "T00:00:00Z"


def index_fields(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """The search-index fields to add to a dataset being indexed."""
    facts = index_facts(pkg_dict)
    rule = dataset_rule(facts["u"])
    fields = {
        INDEX_FACTS_FIELD: json.dumps(facts, ensure_ascii=False, separators=(",", ":")),
        INDEX_PROVINCE_FIELD: facts["p"],
        INDEX_REQUIREMENT_FIELD: list(dict.fromkeys(requirement_key(facts["p"], code) for code in facts["r"])),
        INDEX_PROVINCE_CODE_FIELD: facts["p"],
        INDEX_RULE_FIELD: rule,
        INDEX_COMPLETE_FIELD: "no" if facts["q"] else "yes",
    }
    updated = freshness.parse_date(facts["d"]) if facts["d"] else None
    if updated:
        fields[INDEX_UPDATED_FIELD] = solr_date(updated)
        if rule == RULE_OWN:
            fields[INDEX_DUE_FIELD] = solr_date(freshness.due_date(updated, facts["u"], facts["n"]) or dt.date.max)
    return fields


def facts_from_index(doc: dict[str, Any]) -> dict[str, Any]:
    """Engine facts from a search result holding ``id name title capacity organization`` and the facts field."""
    try:
        packed = json.loads(doc.get(SEARCH_FACTS_KEY) or doc.get(INDEX_FACTS_FIELD) or "{}")
    except ValueError:
        packed = {}
    return {
        "id": doc.get("id"),
        "name": doc.get("name"),
        "title": doc.get("title"),
        "organization": doc.get("organization"),
        "private": doc.get("capacity") == "private",
        "province_code": packed.get("p", ""),
        "requirement_codes": packed.get("r", []),
        "update_frequency_unit": packed.get("u", ""),
        "update_frequency_interval": packed.get("n", 1),
        "last_updated_date": packed.get("d", ""),
        "problems": packed.get("q", []),
    }


def facts_from_dataset(pkg: dict[str, Any], required_fields: Iterable[str] = quality.REQUIRED_FIELDS) -> dict[str, Any]:
    """Engine facts from a ``package_show`` dictionary."""
    organization = pkg.get("organization") or {}
    return {
        "id": pkg.get("id"),
        "name": pkg.get("name"),
        "title": pkg.get("title"),
        "organization": organization.get("name") if isinstance(organization, dict) else organization,
        "private": bool(pkg.get("private")),
        "province_code": str(pkg.get("province_code") or "").strip(),
        "requirement_codes": quality.as_list(pkg.get("requirement_codes")),
        "update_frequency_unit": freshness.normalize_unit(pkg.get("update_frequency_unit")) or "",
        "update_frequency_interval": freshness.parse_interval(pkg.get("update_frequency_interval")),
        "last_updated_date": _iso(freshness.parse_date(pkg.get("last_updated_date"))),
        "problems": quality.check(pkg, required_fields),
    }


def _iso(day: Optional[dt.date]) -> str:
    return day.isoformat() if day else ""


# ---------------------------------------------------------------- statuses

def dataset_status(facts: dict[str, Any], requirement: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """One fulfilling dataset's own status for a requirement, with its freshness."""
    unit, interval = facts.get("update_frequency_unit"), facts.get("update_frequency_interval")
    if not freshness.has_rule(unit) and freshness.normalize_unit(unit) != freshness.NEVER_UPDATED:
        unit, interval = requirement.get("update_frequency_unit"), requirement.get("update_frequency_interval")
    verdict = freshness.assess(facts.get("last_updated_date"), unit, interval, today)
    if facts.get("private"):
        status = RESTRICTED
    elif not verdict.fresh:
        status = STALE
    elif facts.get("problems"):
        status = INCOMPLETE
    else:
        status = AVAILABLE
    return {
        "status": status,
        "fresh": verdict.fresh,
        "freshness": verdict.reason,
        "due": _iso(verdict.due),
        "days_overdue": verdict.days_overdue if not verdict.fresh else 0,
    }


def requirement_rule(requirement: dict[str, Any]) -> tuple[str, int]:
    """The frequency a requirement lends its datasets without a period of their own: (unit, interval).

    ``("", 1)`` when it sets no period (such datasets are then never stale).
    """
    unit = requirement.get("update_frequency_unit")
    if not freshness.has_rule(unit):
        return ("", 1)
    return (freshness.normalize_unit(unit) or "", freshness.parse_interval(requirement.get("update_frequency_interval")))


def fresh_since(unit: str, interval: Any, today: dt.date) -> Optional[dt.date]:
    """The earliest last update that is still fresh on ``today`` under a rule; None when there is no rule.

    A dataset judged by the rule is fresh exactly when its last update is on or
    after this day (and stale without a date). The due date grows with the last
    update (calendar months clamp, working days skip weekends, but a later
    update is never due earlier), so a binary search over days finds the exact
    first one whose due date is not before ``today``.
    """
    if not freshness.has_rule(unit):
        return None
    low, high = 1, today.toordinal()  # due(today) >= today: every rule lasts at least a day
    while low < high:
        middle = (low + high) // 2
        due = freshness.due_date(dt.date.fromordinal(middle), unit, interval)
        if due is not None and due >= today:
            high = middle
        else:
            low = middle + 1
    return dt.date.fromordinal(low)


def status_from_counts(complete: int, fresh: int, public: int, private: int) -> str:
    """A requirement's status from how many of its datasets are public, fresh, fresh and complete, private."""
    if complete:
        return AVAILABLE
    if fresh:
        return INCOMPLETE
    if public:
        return STALE
    if private:
        return RESTRICTED
    return MISSING


def best(statuses: Iterable[str]) -> str:
    return min(statuses, key=_RANK.__getitem__, default=MISSING)


def evaluate(
    requirements: Iterable[dict[str, Any]],
    datasets: Iterable[dict[str, Any]],
    today: dt.date,
    can_see: Callable[[dict[str, Any]], bool] = lambda facts: not facts.get("private"),
) -> list[dict[str, Any]]:
    """One row per requirement: its status and the datasets that fulfil it.

    ``can_see(facts)`` says whether the viewer may see a dataset; the others
    are counted in ``hidden_datasets`` and never listed.
    """
    fulfilling: dict[str, list[dict[str, Any]]] = {}
    for facts in datasets:
        for code in set(code_key(c) for c in facts.get("requirement_codes") or []):
            fulfilling.setdefault(requirement_key(facts.get("province_code"), code), []).append(facts)

    rows = []
    for requirement in requirements:
        found = fulfilling.get(requirement_key(requirement.get("province_code"), requirement.get("code")), [])
        judged = [(facts, dataset_status(facts, requirement, today)) for facts in found]
        status = best(verdict["status"] for _facts, verdict in judged)
        row = dict(requirement)
        row["status"] = status
        row["days_overdue"] = _overdue(judged) if status == STALE else 0
        row["problems"] = _problems(judged) if status == INCOMPLETE else []
        listed = [_listed(facts, verdict) for facts, verdict in judged if can_see(facts)]
        row["datasets"] = sorted(listed, key=lambda d: (_RANK[d["status"]], d.get("title") or "", d.get("name") or ""))
        row["hidden_datasets"] = len(judged) - len(listed)
        rows.append(row)
    return rows


def _overdue(judged) -> Optional[int]:
    known = [v["days_overdue"] for _f, v in judged if v["status"] == STALE and v["days_overdue"] is not None]
    return min(known) if known else None


def _problems(judged) -> list[str]:
    """The problems of the best incomplete dataset (fewest problems)."""
    candidates = [f.get("problems") or [] for f, v in judged if v["status"] == INCOMPLETE]
    return min(candidates, key=len) if candidates else []


def _listed(facts: dict[str, Any], verdict: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": facts.get("id"),
        "name": facts.get("name"),
        "title": facts.get("title"),
        "organization": facts.get("organization"),
        "private": bool(facts.get("private")),
        "last_updated_date": facts.get("last_updated_date") or "",
        "update_frequency_unit": facts.get("update_frequency_unit") or "",
        "update_frequency_interval": facts.get("update_frequency_interval") or 1,
        "status": verdict["status"],
        "due": verdict["due"],
        "days_overdue": verdict["days_overdue"],
        "problems": list(facts.get("problems") or []),
    }


# ---------------------------------------------------------------- selection

def filter_requirements(
    requirements: Iterable[dict[str, Any]],
    province_code: Optional[str] = None,
    development_issue: Optional[str] = None,
    sub_issue: Optional[str] = None,
    agency: Optional[str] = None,
    pmqa: Optional[str] = None,
) -> list[dict[str, Any]]:
    """The requirements matching every filter given (empty filters match all)."""
    def keep(req: dict[str, Any]) -> bool:
        return (
            (not province_code or req.get("province_code") == province_code)
            and (not development_issue or req.get("development_issue") == development_issue)
            and (not sub_issue or req.get("sub_issue") == sub_issue)
            and (not agency or req.get("agency") == agency)
            and (not pmqa or pmqa in (req.get("pmqa") or []))
        )
    return [req for req in requirements if keep(req)]


def unlinked(datasets: Iterable[dict[str, Any]], requirements: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Public datasets that fulfil no requirement of their province's plan (sorted by title)."""
    planned = {requirement_key(r.get("province_code"), r.get("code")) for r in requirements}
    found = [
        {key: facts.get(key) for key in ("id", "name", "title", "organization", "province_code", "requirement_codes")}
        for facts in datasets
        if not facts.get("private")
        and not any(requirement_key(facts.get("province_code"), c) in planned for c in facts.get("requirement_codes") or [])
    ]
    return sorted(found, key=lambda d: (d.get("title") or "", d.get("name") or ""))


# ---------------------------------------------------------------- aggregates

class Tally:
    """``score`` built one row at a time (several groups in one pass over the rows)."""

    __slots__ = ("counts", "weighted", "weights")

    def __init__(self) -> None:
        self.counts = {status: 0 for status in STATUSES}
        self.weighted = self.weights = 0.0

    def add(self, status: str, priority: Any, count: int = 1) -> None:
        """Add ``count`` rows of one status and priority (the sums stay exact: quarters of small integers)."""
        weight = PRIORITY_WEIGHTS.get(priority or "", DEFAULT_PRIORITY_WEIGHT) * count
        self.counts[status] += count
        self.weighted += weight * STATUS_VALUES[status]
        self.weights += weight

    def result(self) -> dict[str, Any]:
        total = sum(self.counts.values())
        return {
            "total": total,
            "counts": dict(self.counts),
            "coverage": round(100.0 * self.counts[AVAILABLE] / total, 1) if total else 0.0,
            "readiness": round(100.0 * self.weighted / self.weights, 1) if self.weights else 0.0,
        }


def score(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Counts per status, total, coverage % and readiness score % of some rows."""
    tally = Tally()
    for row in rows:
        tally.add(row["status"], row.get("priority"))
    return tally.result()


def pmqa_groups(row: dict[str, Any]) -> list[str]:
    """The PMQA items a row counts in (``aggregate(rows, "pmqa")``): each once, or ``""``."""
    return sorted(set(row.get("pmqa") or [])) or [""]


def group_order(key: str) -> tuple:
    return (key == "", key)


def _groups(row: dict[str, Any], dimension: str) -> list[tuple[str, ...]]:
    if dimension == "province":
        return [(row.get("province_code") or "",)]
    if dimension == "development_issue":
        return [(row.get("development_issue") or "",)]
    if dimension == "sub_issue":
        return [(row.get("development_issue") or "", row.get("sub_issue") or "")]
    if dimension == "agency":
        return [(row.get("agency") or "",)]
    if dimension == "pmqa":
        return [(item,) for item in sorted(set(row.get("pmqa") or []))] or [("",)]
    raise ValueError(f"unknown dimension {dimension!r}")


def aggregate(rows: Iterable[dict[str, Any]], dimension: str) -> list[dict[str, Any]]:
    """Scores per group of a dimension; rows without a value form the group ``""`` (listed last).

    A requirement tagged with several PMQA items counts once in each item.
    """
    grouped: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        for group in _groups(row, dimension):
            grouped.setdefault(group, []).append(row)
    result = []
    for group in sorted(grouped, key=lambda g: (g[-1] == "", g)):
        entry: dict[str, Any] = {"key": group[-1]}
        if dimension == "sub_issue":
            entry["development_issue"] = group[0]
        entry.update(score(grouped[group]))
        result.append(entry)
    return result


def report(rows: list[dict[str, Any]], dimensions: Iterable[str] = DIMENSIONS) -> dict[str, Any]:
    """The overall score and the aggregates of every dimension."""
    return {"summary": score(rows), **{f"by_{d}": aggregate(rows, d) for d in dimensions}}
