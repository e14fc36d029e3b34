"""The requirement plan's change history, kept in CKAN's activity stream, and the gap status history.

Every change to a plan (a requirement created, changed or deleted, a plan file imported) is an
activity of its own in CKAN's ``activity`` table, written in the same transaction as the change,
so the history holds exactly what was committed. The activities appear in CKAN's streams (the
user's page, the dashboard) with the templates ``snippets/activities/*_requirement.html`` and
``imported_plan.html``, and on the requirement and plan pages through the actions of
``actions/activity.py``.

CKAN's ``activity_create`` accepts only the activity types it knows, so the rows are written
with the activity plugin's model. The plan is public: its activities carry the ``public``
permission label. Without the ``activity`` plugin nothing is recorded and the history is empty.

A requirement's gap status history comes from the gap snapshots, which keep each requirement's
status (``GapSnapshot.statuses``): see :func:`status_changes`.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Iterable, Optional

import sqlalchemy as sa

import ckan.plugins as plugins
from ckan import model as ckan_model

from ckanext.provincial import model

NEW, CHANGED, DELETED, IMPORTED = "new requirement", "changed requirement", "deleted requirement", "imported plan"
ACTIVITY_TYPES = (NEW, CHANGED, DELETED, IMPORTED)

# The plan of a province has no row of its own; its activities need a stable object id.
_PLAN_NAMESPACE = uuid.UUID("6f1f3d5e-8c2a-4c1b-9a57-2f4e0d7b1c93")


def plan_object_id(province_code: str) -> str:
    return str(uuid.uuid5(_PLAN_NAMESPACE, f"requirement-plan:{province_code}"))


def enabled() -> bool:
    return plugins.plugin_loaded("activity")


def _activity_model():
    from ckanext.activity.model import Activity  # only importable with the plugin's tables in use

    return Activity


def _user_id(context) -> Optional[str]:
    user_obj = context.get("auth_user_obj")
    if getattr(user_obj, "id", None):
        return user_obj.id
    user = ckan_model.User.get(context.get("user") or "")
    return user.id if user else None


def _user_name(user_id: Optional[str]) -> Optional[str]:
    user = ckan_model.User.get(user_id) if user_id else None
    return user.name if user else None


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [old, new] for each editable field that differs."""
    found = {}
    for field in model.REQUIREMENT_FIELDS:
        old, new = before.get(field), after.get(field)
        if field == "pmqa":
            old, new = list(old or []), list(new or [])
        if old != new:
            found[field] = [old, new]
    return found


def record(context, activity_type: str, requirement: dict[str, Any],
           changes: Optional[dict[str, list[Any]]] = None, import_id: Optional[str] = None) -> Optional[str]:
    """Add the activity of a plan change to the session (committed with the change); its id."""
    if not enabled():
        return None
    user_id = _user_id(context)
    data: dict[str, Any] = {
        "requirement": {key: requirement.get(key) for key in ("id", "province_code", "code", "title_th", "title_en")},
        "province_code": requirement.get("province_code"),
        "actor": _user_name(user_id),
    }
    if changes:
        data["changes"] = changes
    if import_id:
        data["import_id"] = import_id
    activity = _activity_model()(user_id, requirement["id"], activity_type, data, permission_labels=["public"])
    model.session().add(activity)
    return activity.id


def record_import(context, province_code: str, filename: str, counts: dict[str, int],
                  codes: dict[str, list[str]]) -> Optional[str]:
    """Add the activity of a plan file import; the per-requirement activities name its id."""
    if not enabled():
        return None
    user_id = _user_id(context)
    data = {"province_code": province_code, "actor": _user_name(user_id), "filename": filename,
            "counts": counts, "codes": codes}
    activity = _activity_model()(user_id, plan_object_id(province_code), IMPORTED, data, permission_labels=["public"])
    model.session().add(activity)
    return activity.id


def _query():
    activity = _activity_model()
    return model.session().query(activity).filter(activity.activity_type.in_(ACTIVITY_TYPES))


def _listed(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [{
        "id": row.id, "timestamp": row.timestamp.isoformat() if row.timestamp else None,
        "user_id": row.user_id, "object_id": row.object_id, "activity_type": row.activity_type,
        "data": dict(row.data or {}),
    } for row in rows]


def requirement_activities(requirement_id: str, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """The requirement's changes, newest first (imports included, as their own lines)."""
    if not enabled() or not model.matchable(requirement_id):
        return []
    activity = _activity_model()
    rows = (_query().filter(activity.object_id == requirement_id)
            .order_by(activity.timestamp.desc(), activity.id).offset(offset).limit(limit).all())
    return _listed(rows)


def plan_activities(province_code: str, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """The plan's changes, newest first: an import is one line, not one per requirement it touched."""
    if not enabled() or not model.matchable(province_code):
        return []
    activity = _activity_model()
    # ``data`` is JSON kept as text by CKAN; only this extension's few activity types are read.
    data = sa.cast(activity.data, sa.Text).cast(sa.dialects.postgresql.JSONB)
    rows = (
        _query()
        .filter(data["province_code"].astext == province_code)
        .filter(sa.not_(data.has_key("import_id")))
        .order_by(activity.timestamp.desc(), activity.id).offset(offset).limit(limit).all()
    )
    return _listed(rows)


# ------------------------------------------------------------ status history

def status_changes(snapshots: Iterable[tuple[dt.datetime, dict[str, str]]], requirement_id: str,
                   ) -> list[dict[str, Any]]:
    """When the requirement's status changed, oldest first: ``{"taken_at", "from", "to"}``.

    ``snapshots`` are (moment, requirement id → status), oldest first. The first snapshot
    holding the requirement is a change from ``None``; a snapshot without it (taken before
    the requirement existed, or before snapshots kept statuses) changes nothing.
    """
    found: list[dict[str, Any]] = []
    previous: Optional[str] = None
    for taken_at, statuses in snapshots:
        status = (statuses or {}).get(requirement_id)
        if status is None or status == previous:
            continue
        found.append({"taken_at": taken_at.isoformat() if taken_at else None, "from": previous, "to": status})
        previous = status
    return found


def requirement_status_changes(requirement: model.Requirement, limit: int = 400) -> list[dict[str, Any]]:
    return status_changes(model.status_snapshots(requirement.province_code, limit), requirement.id)
