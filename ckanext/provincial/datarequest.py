"""Data requests: what visitors ask the province for, and what the plan coordinators do with it.

A signed-in visitor asks for data (``provincial_datarequest_create``). The
coordinators of the province's plan (``auth.requirement.can_edit_plan``) then
accept it into the plan (it is linked to a requirement and closes by itself as
``fulfilled`` once that requirement is ``available`` in the gap), answer it
with existing datasets, decline it with a reason, or merge it into another
request. Every change and every comment is an event: the events are the
request's history, the dashboard's feed and what notifications send.

This module holds the two tables, the pure rules (statuses, transitions, who
may do what given facts: no CKAN call) and the queries. The actions
(``actions/datarequest.py``) check access and validate, then call it.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import model

# ---------------------------------------------------------------- statuses

OPEN = "open"
ACCEPTED = "accepted"
FULFILLED = "fulfilled"
ANSWERED = "answered"
DECLINED = "declined"
MERGED = "merged"

STATUSES: tuple[str, ...] = (OPEN, ACCEPTED, FULFILLED, ANSWERED, DECLINED, MERGED)
ACTIVE: frozenset = frozenset({OPEN, ACCEPTED})
CLOSED: frozenset = frozenset({FULFILLED, ANSWERED, DECLINED, MERGED})
# Outcomes a coordinator closes a request with (``fulfilled`` only comes from the gap).
CLOSE_OUTCOMES: tuple[str, ...] = (ANSWERED, DECLINED, MERGED)

# Where each status may go. Reopening is not offered.
TRANSITIONS: dict[str, frozenset] = {
    OPEN: frozenset({ACCEPTED, ANSWERED, DECLINED, MERGED}),
    ACCEPTED: frozenset({FULFILLED, ANSWERED, DECLINED, MERGED}),
    FULFILLED: frozenset(), ANSWERED: frozenset(), DECLINED: frozenset(), MERGED: frozenset(),
}

# Kinds of events: a comment, the creation, an edit, and one per status reached.
CREATED, UPDATED, COMMENT = "created", "updated", "comment"
DUPLICATE = "duplicate"  # on the request another one was merged into
EVENT_KINDS: tuple[str, ...] = (CREATED, UPDATED, COMMENT, ACCEPTED, FULFILLED, ANSWERED, DECLINED, MERGED, DUPLICATE)

# Lengths of the texts people write (characters).
MAX_TITLE, MAX_TEXT, MAX_DATASETS = 200, 5000, 20
# Editable fields of a request, in the order of the form.
FIELDS: tuple[str, ...] = (
    "title", "description", "purpose", "province_code", "district_code", "development_issue", "organization",
)


def is_closed(status: str) -> bool:
    return status in CLOSED


def can_move(status: str, new_status: str) -> bool:
    return new_status in TRANSITIONS.get(status, frozenset())


# ---------------------------------------------------------------- who may do what

def may_update(status: str, is_requester: bool, is_coordinator: bool, is_sysadmin: bool = False) -> bool:
    """Requesters edit their request while it is open; coordinators while it is not closed."""
    if is_sysadmin:
        return True
    if is_closed(status):
        return False
    return is_coordinator or (is_requester and status == OPEN)


def may_decide(status: str, is_coordinator: bool, is_sysadmin: bool = False) -> bool:
    """Accept, answer, decline or merge: the province's coordinators, while the request is not closed."""
    return (is_coordinator or is_sysadmin) and not is_closed(status)


def may_comment(is_requester: bool, is_coordinator: bool, is_agency_member: bool, is_sysadmin: bool = False) -> bool:
    return is_requester or is_coordinator or is_agency_member or is_sysadmin


def rate_limited(recent: int, limit: int, is_sysadmin: bool) -> bool:
    """True when a user who made ``recent`` requests in the window may not make another (limit 0: no limit)."""
    return not is_sysadmin and limit > 0 and recent >= limit


def recipients(requester_id: str, coordinator_ids: Iterable[str], actor_id: str) -> list[str]:
    """Who is told of an event: the requester and the coordinators, never the one who acted; each once."""
    found: list[str] = []
    for user_id in [requester_id, *coordinator_ids]:
        if user_id and user_id != actor_id and user_id not in found:
            found.append(user_id)
    return found


# ---------------------------------------------------------------- tables

def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.utcnow()


def _iso(value: Optional[dt.datetime]) -> Optional[str]:
    return value.isoformat() if value else None


class DataRequest(toolkit.BaseModel):
    """One request for data by a signed-in user."""

    __tablename__ = "provincial_datarequest"
    __table_args__ = (
        sa.Index("provincial_datarequest_status_idx", "status"),
        sa.Index("provincial_datarequest_user_created_idx", "user_id", "created"),
        sa.Index("provincial_datarequest_requirement_idx", "requirement_id"),
    )

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_new_id)
    user_id = sa.Column(sa.UnicodeText, nullable=False)
    title = sa.Column(sa.UnicodeText, nullable=False)
    description = sa.Column(sa.UnicodeText, nullable=False, default="")
    purpose = sa.Column(sa.UnicodeText, nullable=False, default="")
    province_code = sa.Column(sa.UnicodeText, nullable=False)
    district_code = sa.Column(sa.UnicodeText, nullable=False, default="")
    development_issue = sa.Column(sa.UnicodeText, nullable=False, default="")
    organization_id = sa.Column(sa.UnicodeText, nullable=False, default="")
    status = sa.Column(sa.UnicodeText, nullable=False, default=OPEN)
    requirement_id = sa.Column(sa.UnicodeText, nullable=True)
    merged_into = sa.Column(sa.UnicodeText, nullable=True)
    close_reason = sa.Column(sa.UnicodeText, nullable=False, default="")
    datasets = sa.Column(postgresql.ARRAY(sa.UnicodeText), nullable=False, default=list)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)
    modified = sa.Column(sa.DateTime, nullable=False, default=_now)
    closed_at = sa.Column(sa.DateTime, nullable=True)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "user_id": self.user_id, "title": self.title, "description": self.description,
            "purpose": self.purpose, "province_code": self.province_code, "district_code": self.district_code,
            "development_issue": self.development_issue, "organization": self.organization_id,
            "status": self.status, "closed": is_closed(self.status), "requirement_id": self.requirement_id,
            "merged_into": self.merged_into, "close_reason": self.close_reason, "datasets": list(self.datasets or []),
            "created": _iso(self.created), "modified": _iso(self.modified), "closed_at": _iso(self.closed_at),
        }


class DataRequestEvent(toolkit.BaseModel):
    """A comment on a request or a change of it: who, when, what kind, what text."""

    __tablename__ = "provincial_datarequest_event"
    __table_args__ = (sa.Index("provincial_datarequest_event_request_idx", "datarequest_id", "created"),)

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_new_id)
    datarequest_id = sa.Column(sa.UnicodeText, sa.ForeignKey("provincial_datarequest.id", ondelete="CASCADE"),
                               nullable=False)
    user_id = sa.Column(sa.UnicodeText, nullable=False)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)
    kind = sa.Column(sa.UnicodeText, nullable=False)
    text = sa.Column(sa.UnicodeText, nullable=False, default="")
    data = sa.Column(postgresql.JSONB, nullable=False, default=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "datarequest_id": self.datarequest_id, "user_id": self.user_id,
                "created": _iso(self.created), "kind": self.kind, "text": self.text, "data": dict(self.data or {})}


# ---------------------------------------------------------------- writes

def session():
    return model.session()


def add_event(request: DataRequest, user_id: str, kind: str, text: str = "",
              data: Optional[dict[str, Any]] = None) -> DataRequestEvent:
    event = DataRequestEvent(id=_new_id(), datarequest_id=request.id, user_id=user_id, kind=kind, text=text or "",
                             data=data or {}, created=_now())
    session().add(event)
    return event


def set_status(request: DataRequest, status: str) -> None:
    """Move a request to ``status``; ValueError when the rules do not allow it."""
    if not can_move(request.status, status):
        raise ValueError(f"{request.status} -> {status}")
    request.status = status
    request.modified = _now()
    if is_closed(status):
        request.closed_at = request.modified


# ---------------------------------------------------------------- queries

def by_id(request_id: Any) -> Optional[DataRequest]:
    if not isinstance(request_id, str) or not request_id or not model.matchable(request_id):
        return None
    return session().query(DataRequest).get(request_id)


def _filtered(filters: dict[str, Any]):
    query = session().query(DataRequest)
    for field, column in (("province_code", DataRequest.province_code),
                          ("development_issue", DataRequest.development_issue),
                          ("organization_id", DataRequest.organization_id), ("user_id", DataRequest.user_id),
                          ("requirement_id", DataRequest.requirement_id)):
        if filters.get(field):
            query = query.filter(column == filters[field])
    q = filters.get("q")
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.filter(sa.or_(DataRequest.title.ilike(like), DataRequest.description.ilike(like),
                                    DataRequest.purpose.ilike(like)))
    return query


def search(filters: dict[str, Any], limit: int, offset: int) -> tuple[int, list[DataRequest], dict[str, int]]:
    """Requests matching ``filters`` (newest first): the count, one page, and the count per status
    (of every status, under the other filters, so a list can show what choosing a status would give)."""
    if not all(model.matchable(value) for value in filters.values()):
        return 0, [], {status: 0 for status in STATUSES}
    base = _filtered(filters)
    counts = {status: 0 for status in STATUSES}
    for status, number in base.with_entities(DataRequest.status, sa.func.count(DataRequest.id)).group_by(
            DataRequest.status):
        counts[status] = number
    query = base
    if filters.get("status"):
        query = query.filter(DataRequest.status == filters["status"])
    total = query.count()
    page = query.order_by(DataRequest.created.desc(), DataRequest.id).offset(offset).limit(limit).all()
    return total, page, counts


def events(request_id: str) -> list[DataRequestEvent]:
    return (session().query(DataRequestEvent).filter(DataRequestEvent.datarequest_id == request_id)
            .order_by(DataRequestEvent.created, DataRequestEvent.id).all())


def duplicates(request_id: str) -> list[DataRequest]:
    """The requests merged into this one."""
    return (session().query(DataRequest).filter(DataRequest.merged_into == request_id)
            .order_by(DataRequest.created).all())


def recent_count(user_id: str, since: dt.datetime) -> int:
    return session().query(DataRequest).filter(DataRequest.user_id == user_id, DataRequest.created >= since).count()


def recent_comment_count(user_id: str, since: dt.datetime) -> int:
    return (session().query(DataRequestEvent)
            .filter(DataRequestEvent.user_id == user_id, DataRequestEvent.kind == COMMENT,
                    DataRequestEvent.created >= since).count())


def accepted_for(requirement_ids: Iterable[str]) -> list[DataRequest]:
    """Accepted requests linked to any of these requirements."""
    ids = [i for i in set(requirement_ids) if i]
    if not ids:
        return []
    return (session().query(DataRequest).filter(DataRequest.status == ACCEPTED)
            .filter(DataRequest.requirement_id.in_(ids)).all())


def all_accepted() -> list[DataRequest]:
    return session().query(DataRequest).filter(DataRequest.status == ACCEPTED).all()


def count_for_requirement(requirement_id: str) -> int:
    """How many requests asked for this requirement (linked to it, whatever their status)."""
    if not requirement_id or not model.matchable(requirement_id):
        return 0
    return session().query(DataRequest).filter(DataRequest.requirement_id == requirement_id).count()


def feed(user_id: Optional[str], province_codes: Optional[Iterable[str]],
         limit: int) -> list[tuple[DataRequestEvent, DataRequest]]:
    """Latest events of the requests a user asked for, or of the provinces they coordinate
    (``province_codes`` None: every province, for sysadmins)."""
    query = session().query(DataRequestEvent, DataRequest).join(
        DataRequest, DataRequest.id == DataRequestEvent.datarequest_id)
    if province_codes is not None:
        conditions = [DataRequest.user_id == user_id]
        codes = sorted(set(province_codes))
        if codes:
            conditions.append(DataRequest.province_code.in_(codes))
        query = query.filter(sa.or_(*conditions))
    return query.order_by(DataRequestEvent.created.desc(), DataRequestEvent.id).limit(limit).all()


_USER = sa.table("user", sa.column("id"), sa.column("name"), sa.column("fullname"), sa.column("state"))


def users(ids_or_names: Iterable[str]) -> dict[str, dict[str, str]]:
    """Users by id and by name → ``{"id", "name", "display_name"}``, in one query."""
    wanted = sorted({value for value in ids_or_names if isinstance(value, str) and value and model.matchable(value)})
    if not wanted:
        return {}
    rows = session().execute(
        sa.select(_USER.c.id, _USER.c.name, _USER.c.fullname)
        .where(sa.or_(_USER.c.id.in_(wanted), _USER.c.name.in_(wanted)))
        .where(_USER.c.state != "deleted")
    ).all()
    found: dict[str, dict[str, str]] = {}
    for user_id, name, fullname in rows:
        entry = {"id": user_id, "name": name, "display_name": fullname or name}
        found[user_id] = found[name] = entry
    return found
