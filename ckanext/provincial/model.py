"""Tables of the requirement plan and of the gap snapshots, and the few queries on them.

The tables are created by the plugin's migration (``ckan db upgrade -p
provincial``, ``migration/provincial/``). Requirements are not datasets: they
must never be harvested as datasets, need a per-province unique code and are
imported all-or-nothing, which one SQL transaction gives.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import ckan.plugins.toolkit as toolkit
from ckan.model import meta

# Editable fields of a requirement, in the order of forms and plan files.
REQUIREMENT_FIELDS: tuple[str, ...] = (
    "province_code", "code", "title_th", "title_en", "development_issue", "sub_issue", "agency",
    "purpose", "indicator", "update_frequency_unit", "update_frequency_interval", "geo_level",
    "priority", "pmqa", "source_plan",
)


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.utcnow()


class Requirement(toolkit.BaseModel):
    """One item of a province's data requirement plan (TO BE)."""

    __tablename__ = "provincial_requirement"
    __table_args__ = (
        sa.Index("provincial_requirement_province_code_key", "province_code", sa.text("lower(code)"), unique=True),
        sa.Index("provincial_requirement_agency_idx", "agency"),
    )

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_new_id)
    province_code = sa.Column(sa.UnicodeText, nullable=False)
    code = sa.Column(sa.UnicodeText, nullable=False)
    title_th = sa.Column(sa.UnicodeText, nullable=False)
    title_en = sa.Column(sa.UnicodeText, nullable=False, default="")
    development_issue = sa.Column(sa.UnicodeText, nullable=False, default="")
    sub_issue = sa.Column(sa.UnicodeText, nullable=False, default="")
    agency = sa.Column(sa.UnicodeText, nullable=False, default="")
    purpose = sa.Column(sa.UnicodeText, nullable=False, default="")
    indicator = sa.Column(sa.UnicodeText, nullable=False, default="")
    update_frequency_unit = sa.Column(sa.UnicodeText, nullable=False, default="")
    update_frequency_interval = sa.Column(sa.Integer, nullable=False, default=1)
    geo_level = sa.Column(sa.UnicodeText, nullable=False, default="")
    priority = sa.Column(sa.UnicodeText, nullable=False, default="")
    pmqa = sa.Column(postgresql.ARRAY(sa.UnicodeText), nullable=False, default=list)
    source_plan = sa.Column(sa.UnicodeText, nullable=False, default="")
    created = sa.Column(sa.DateTime, nullable=False, default=_now)
    modified = sa.Column(sa.DateTime, nullable=False, default=_now)

    def as_dict(self) -> dict[str, Any]:
        found = {field: getattr(self, field) for field in REQUIREMENT_FIELDS}
        found["pmqa"] = list(self.pmqa or [])
        found["id"] = self.id
        found["created"] = self.created.isoformat() if self.created else None
        found["modified"] = self.modified.isoformat() if self.modified else None
        return found

    def changes(self, values: dict[str, Any]) -> dict[str, Any]:
        """The editable fields whose given value differs from the stored one."""
        found = {}
        for field in REQUIREMENT_FIELDS:
            if field in values:
                new = list(values[field]) if field == "pmqa" else values[field]
                old = list(getattr(self, field) or []) if field == "pmqa" else getattr(self, field)
                if new != old:
                    found[field] = new
        return found

    def assign(self, values: dict[str, Any]) -> bool:
        """Set the editable fields given; True when anything changed."""
        changed = self.changes(values)
        for field, value in changed.items():
            setattr(self, field, value)
        if changed and self.id:
            self.modified = _now()
        return bool(changed)


class GapSnapshot(toolkit.BaseModel):
    """The gap aggregates of one province at one moment (for the coverage trend)."""

    __tablename__ = "provincial_gap_snapshot"
    __table_args__ = (sa.Index("provincial_gap_snapshot_province_taken_idx", "province_code", "taken_at"),)

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_new_id)
    taken_at = sa.Column(sa.DateTime, nullable=False, default=_now)
    province_code = sa.Column(sa.UnicodeText, nullable=False)
    total = sa.Column(sa.Integer, nullable=False)
    coverage = sa.Column(sa.Float, nullable=False)
    readiness = sa.Column(sa.Float, nullable=False)
    counts = sa.Column(postgresql.JSONB, nullable=False)
    by_development_issue = sa.Column(postgresql.JSONB, nullable=False)
    # requirement id → its status at that moment (empty in snapshots older than this column)
    statuses = sa.Column(postgresql.JSONB, nullable=False, default=dict)
    # True for the demo's replayed history (demo/history.py), never for a real measurement
    demonstration = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    # the province's metadata quality summary (provincial_quality_summary) at that moment; None before d6a8c0e2f4b6
    quality = sa.Column(postgresql.JSONB, nullable=True)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
            "province_code": self.province_code,
            "total": self.total,
            "coverage": self.coverage,
            "readiness": self.readiness,
            "counts": dict(self.counts or {}),
            "by_development_issue": list(self.by_development_issue or []),
            "demonstration": bool(self.demonstration),
            "quality": dict(self.quality) if self.quality else None,
        }


def session():
    return meta.Session


# Text PostgreSQL refuses as a query parameter (NUL, lone UTF-16 surrogates): no stored row holds it.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def matchable(value: Any) -> bool:
    return not (isinstance(value, str) and _UNSTORABLE.search(value))


# ------------------------------------------------------------------ queries

def requirement_by_id(requirement_id: str) -> Optional[Requirement]:
    return session().query(Requirement).get(requirement_id) if requirement_id and matchable(requirement_id) else None


def requirement_by_code(province_code: str, code: str) -> Optional[Requirement]:
    if not (matchable(province_code) and matchable(code)):
        return None
    return (
        session().query(Requirement)
        .filter(Requirement.province_code == province_code)
        .filter(sa.func.lower(Requirement.code) == (code or "").strip().lower())
        .one_or_none()
    )


def requirements(
    province_codes: Optional[Iterable[str]] = None,
    development_issue: Optional[str] = None,
    sub_issue: Optional[str] = None,
    agency: Optional[str] = None,
    pmqa: Optional[str] = None,
    q: Optional[str] = None,
) -> list[Requirement]:
    """Requirements matching the filters (one query), ordered by province and code."""
    if not all(matchable(value) for value in (development_issue, sub_issue, agency, pmqa, q)):
        return []
    if province_codes is not None:
        province_codes = [code for code in province_codes if matchable(code)]
    query = session().query(Requirement)
    if province_codes is not None:
        query = query.filter(Requirement.province_code.in_(list(province_codes)))
    if development_issue:
        query = query.filter(Requirement.development_issue == development_issue)
    if sub_issue:
        query = query.filter(Requirement.sub_issue == sub_issue)
    if agency:
        query = query.filter(Requirement.agency == agency)
    if pmqa:
        query = query.filter(Requirement.pmqa.any(pmqa))
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.filter(sa.or_(
            Requirement.code.ilike(like), Requirement.title_th.ilike(like), Requirement.title_en.ilike(like),
        ))
    return query.order_by(Requirement.province_code, Requirement.code).all()


def requirements_by_codes(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Requirement]:
    """(province code, lower-cased code) → requirement, for many (province, code) pairs in one query.

    Matches as ``requirement_by_code`` does: same province, code trimmed and case-insensitive.
    """
    wanted: dict[str, set[str]] = {}
    for province_code, code in pairs:
        code = (code or "").strip()
        if province_code and code and matchable(province_code) and matchable(code):
            wanted.setdefault(province_code, set()).add(code.lower())
    if not wanted:
        return {}
    lowered = sa.func.lower(Requirement.code)
    rows = (
        session().query(Requirement, lowered)
        .filter(sa.or_(*(
            sa.and_(Requirement.province_code == province_code, lowered.in_(sorted(codes)))
            for province_code, codes in wanted.items()
        )))
        .all()
    )
    return {(requirement.province_code, key): requirement for requirement, key in rows}


def canonical_codes(province_code: str, codes: Iterable[str]) -> dict[str, str]:
    """Lower-cased code → code as written in the plan, for those of ``codes`` the province plans."""
    wanted = {(code or "").strip().lower() for code in codes if (code or "").strip() and matchable(code)}
    if not wanted:
        return {}
    rows = (
        session().query(Requirement.code)
        .filter(Requirement.province_code == province_code)
        .filter(sa.func.lower(Requirement.code).in_(wanted))
        .all()
    )
    return {code.lower(): code for (code,) in rows}


def plan_state() -> list:
    """Number of requirements, latest and summed change times: differs after any plan change."""
    count, latest, total = session().query(
        sa.func.count(Requirement.id), sa.func.max(Requirement.modified),
        sa.func.sum(sa.extract("epoch", Requirement.modified)),
    ).one()
    return [count, latest.isoformat() if latest else None, str(total or 0)]


def planned_provinces() -> list[tuple[str, int]]:
    """(province code, number of requirements) of every province with a plan."""
    rows = (
        session().query(Requirement.province_code, sa.func.count(Requirement.id))
        .group_by(Requirement.province_code)
        .order_by(Requirement.province_code)
        .all()
    )
    return [(code, count) for code, count in rows]


_GROUP = sa.table("group", sa.column("id"), sa.column("name"), sa.column("title"),
                  sa.column("state"), sa.column("is_organization"))


def organizations(ids_or_names: Iterable[str]) -> dict[str, dict[str, str]]:
    """Active organizations by id and by name → ``{"id", "name", "title"}``, in one query."""
    wanted = sorted({value for value in ids_or_names if value and matchable(value)})
    if not wanted:
        return {}
    rows = session().execute(
        sa.select(_GROUP.c.id, _GROUP.c.name, _GROUP.c.title)
        .where(sa.or_(_GROUP.c.id.in_(wanted), _GROUP.c.name.in_(wanted)))
        .where(_GROUP.c.state == "active")
        .where(_GROUP.c.is_organization.is_(True))
    ).all()
    found: dict[str, dict[str, str]] = {}
    for org_id, name, title in rows:
        entry = {"id": org_id, "name": name, "title": title or name}
        found[org_id] = found[name] = entry
    return found


def status_snapshots(province_code: str, limit: int = 400) -> list[tuple[dt.datetime, dict[str, str]]]:
    """(moment, requirement id → status) of the province's latest snapshots, oldest first."""
    rows = (
        session().query(GapSnapshot.taken_at, GapSnapshot.statuses)
        .filter(GapSnapshot.province_code == province_code)
        .order_by(GapSnapshot.taken_at.desc())
        .limit(limit)
        .all()
    )
    return [(taken_at, statuses) for taken_at, statuses in reversed(rows)]


def snapshots(province_code: str, limit: int = 100) -> list[GapSnapshot]:
    """The province's latest snapshots, oldest first."""
    latest = (
        session().query(GapSnapshot)
        .filter(GapSnapshot.province_code == province_code)
        .order_by(GapSnapshot.taken_at.desc())
        .limit(limit)
        .all()
    )
    return list(reversed(latest))


class LinkCheck(toolkit.BaseModel):
    """The last check of one resource that is a link (``link_checks/``)."""

    __tablename__ = "provincial_link_check"
    __table_args__ = (sa.Index("provincial_link_check_package_idx", "package_id"),)

    resource_id = sa.Column(sa.UnicodeText, primary_key=True)
    package_id = sa.Column(sa.UnicodeText, nullable=False)
    url = sa.Column(sa.UnicodeText, nullable=False)
    status_code = sa.Column(sa.Integer, nullable=True)
    content_type = sa.Column(sa.UnicodeText, nullable=True)
    size = sa.Column(sa.BigInteger, nullable=True)
    error = sa.Column(sa.UnicodeText, nullable=True)
    # checks in a row that found the link broken (two make the dataset incomplete)
    failures = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    checked_at = sa.Column(sa.DateTime, nullable=False, default=_now)
    broken_since = sa.Column(sa.DateTime, nullable=True)
    last_ok_at = sa.Column(sa.DateTime, nullable=True)

    def as_dict(self) -> dict[str, Any]:
        def iso(value):
            return value.isoformat() if value else None

        return {
            "resource_id": self.resource_id,
            "package_id": self.package_id,
            "url": self.url,
            "status_code": self.status_code,
            "content_type": self.content_type,
            "size": self.size,
            "error": self.error,
            "failures": self.failures,
            "checked_at": iso(self.checked_at),
            "broken_since": iso(self.broken_since),
            "last_ok_at": iso(self.last_ok_at),
        }
