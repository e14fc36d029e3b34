"""A year of the demo's gap, replayed month by month, so the trend chart has a story to show.

The demo is ours, so it gives itself a believable past: the province adopted
most of its requirement plan at the start of the year and added the rest at
later revisions; the agencies published their datasets one by one over the
year (a stable date per name, the same at every load). The loader writes those
dates where the portal keeps them (``Requirement.created``, the dataset's
``metadata_created``), then :func:`record` replays them: for each of the 12
month ends before today it evaluates the gap engine on that day with only the
requirements and datasets that existed then, and records a ``GapSnapshot``
marked ``demonstration`` with that day's end (Asia/Bangkok) as ``taken_at``.

On a past day a dataset updated since showed its previous release: its last
update is stepped back by its update interval until it is not after that day.
Nothing is published after the last month end, so the newest snapshot is the
gap of today's requirements and datasets judged on that day.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ckanext.provincial import freshness, gap, model

BANGKOK = ZoneInfo("Asia/Bangkok")
MONTHS = 12
# Share (in 100ths) of the plan adopted on the first day; the rest came with later revisions.
ADOPTED_AT_START = 70


def month_ends(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The last ``count`` month ends before ``today``, oldest first."""
    ends = []
    day = today.replace(day=1) - dt.timedelta(days=1)
    while len(ends) < count:
        ends.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return ends[::-1]


def taken_at(day: dt.date) -> dt.datetime:
    """23:59 of ``day`` in Bangkok, as the naive UTC time snapshots are stored in."""
    local = dt.datetime.combine(day, dt.time(23, 59), tzinfo=BANGKOK)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _stable(*parts: str) -> int:
    return int(hashlib.sha256("/".join(parts).encode("utf-8")).hexdigest()[:8], 16)


def story_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the demo's past: a month before the first month end, and the last month end."""
    ends = month_ends(today)
    return ends[0] - dt.timedelta(days=30), ends[-1]


def published_on(dataset_name: str, today: dt.date) -> dt.date:
    """The day the demo's agency published this dataset on the portal (stable per name)."""
    first, last = story_window(today)
    return first + dt.timedelta(days=_stable("dataset", dataset_name) % ((last - first).days + 1))


def adopted_on(province_code: str, requirement_code: str, today: dt.date) -> dt.date:
    """The day this requirement entered the province's plan: the first day for most, a later revision for the rest."""
    first, last = story_window(today)
    if _stable("adopted", province_code, requirement_code) % 100 < ADOPTED_AT_START:
        return first
    return first + dt.timedelta(days=_stable("revision", province_code, requirement_code) % ((last - first).days + 1))


def _at_nine(day: dt.date) -> dt.datetime:
    """09:00 of ``day`` in Bangkok, as naive UTC (CKAN's and the plan's timestamps)."""
    local = dt.datetime.combine(day, dt.time(9, 0), tzinfo=BANGKOK)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


_PACKAGE = sa.table("package", sa.column("id"), sa.column("name"), sa.column("metadata_created"))


def backdate(province_code: str, requirement_codes: Iterable[str], dataset_names: Iterable[str],
             today: dt.date) -> list[str]:
    """Give the demo's requirements and datasets their dates of the story (committed).

    Returns the ids of the datasets whose ``metadata_created`` changed (to index again).
    """
    session = model.session()
    wanted = {code.casefold(): code for code in requirement_codes}
    for requirement in model.requirements([province_code]):
        code = wanted.get(requirement.code.casefold())
        if code is None:
            continue
        created = _at_nine(adopted_on(province_code, code, today))
        if requirement.created != created:
            requirement.created = created
            requirement.modified = max(requirement.modified or created, created)
    changed = []
    names = list(dataset_names)
    rows = session.execute(sa.select(_PACKAGE.c.id, _PACKAGE.c.name, _PACKAGE.c.metadata_created)
                           .where(_PACKAGE.c.name.in_(names))).all() if names else []
    for package_id, name, created in rows:
        wanted_created = _at_nine(published_on(name, today))
        if created != wanted_created:
            session.execute(_PACKAGE.update().where(_PACKAGE.c.id == package_id)
                            .values(metadata_created=wanted_created))
            changed.append(package_id)
    session.commit()
    session.expire_all()  # CKAN's session keeps objects after a commit: the datasets' must be read again
    return changed


def as_of(facts: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """A dataset's facts as they were on ``day``: a release dated after it is replaced by the one before."""
    updated = freshness.parse_date(facts.get("last_updated_date"))
    if updated is None or updated <= day:
        return facts
    unit, interval = facts.get("update_frequency_unit"), facts.get("update_frequency_interval")
    while updated > day:
        due = freshness.due_date(updated, unit, interval)
        if due is None or due <= updated:
            break  # no update rule: the data was as it is now
        previous = updated - (due - updated)
        for _ in range(7):  # months are not all as long: the release whose next one was due on ``updated``
            earlier_due = freshness.due_date(previous, unit, interval)
            if earlier_due is None or earlier_due <= updated:
                break
            previous -= dt.timedelta(days=1)
        updated = previous
    return dict(facts, last_updated_date=updated.isoformat())


def replay(requirements: list[dict[str, Any]], facts: list[dict[str, Any]], created: dict[str, dt.date],
           day: dt.date) -> list[dict[str, Any]]:
    """The gap engine's rows on ``day``: requirements and datasets that existed then, each as it was.

    ``created``: a requirement's id or a dataset's id → the day it appeared.
    """
    existing = [r for r in requirements if created.get(r["id"], day) <= day]
    then = [as_of(f, day) for f in facts if created.get(f["id"], day) <= day]
    return gap.evaluate(existing, then, day)


def snapshot(province_code: str, rows: list[dict[str, Any]], day: dt.date) -> model.GapSnapshot:
    scores = gap.score(rows)
    return model.GapSnapshot(
        taken_at=taken_at(day), province_code=province_code, total=scores["total"],
        coverage=scores["coverage"], readiness=scores["readiness"], counts=scores["counts"],
        by_development_issue=gap.aggregate(rows, "development_issue"),
        statuses={row["id"]: row["status"] for row in rows if row.get("id")},
        demonstration=True,
    )


def _bangkok_day(moment: dt.datetime) -> dt.date:
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(BANGKOK).date()


def record(province_code: str, requirement_codes: Iterable[str], dataset_names: Iterable[str],
           today: dt.date, echo: Callable[[str], None] = lambda s: None) -> list[model.GapSnapshot]:
    """Replace the province's demonstration snapshots by the replayed year (committed at once)."""
    from ckanext.provincial import gap_service

    codes = {code.casefold() for code in requirement_codes}
    names = set(dataset_names)
    plan = [r for r in model.requirements([province_code]) if r.code.casefold() in codes]
    requirements = [r.as_dict() for r in plan]
    facts = [f for f in gap_service.dataset_facts(gap_service.province_filter([province_code]))
             if f.get("name") in names]
    created = {r.id: _bangkok_day(r.created) for r in plan}
    if facts:
        rows = model.session().execute(sa.select(_PACKAGE.c.id, _PACKAGE.c.metadata_created)
                                       .where(_PACKAGE.c.id.in_([f["id"] for f in facts]))).all()
        created.update({package_id: _bangkok_day(moment) for package_id, moment in rows})

    session = model.session()
    session.query(model.GapSnapshot).filter(model.GapSnapshot.province_code == province_code,
                                            model.GapSnapshot.demonstration.is_(True)).delete()
    recorded = [snapshot(province_code, replay(requirements, facts, created, day), day)
                for day in month_ends(today)]
    session.add_all(recorded)
    session.commit()
    echo(f"  {province_code}: {len(recorded)} monthly demonstration snapshots, coverage "
         + " → ".join(f"{s.coverage:g}" for s in recorded[::3] + recorded[-1:]) + " %")
    return recorded
