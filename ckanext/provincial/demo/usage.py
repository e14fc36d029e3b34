"""Demonstration page views and downloads, so that the demo portal shows usage statistics.

Made-up visits (demonstration data, like the rest of the demo): for each public
demo dataset, a few visitors a month over the last six months, more for some
datasets than others, and downloads of its files for a share of them. Every
row's visitor key starts with ``demo:``, so a new load replaces exactly what the
previous one recorded, and real visits are never touched. Deterministic: the
same day gives the same rows. Then CKAN's tracking summary runs over those days.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import random
from typing import Callable

import sqlalchemy as sa

import ckan.plugins.toolkit as toolkit
from ckan.model import meta

from ckanext.provincial import usage
from ckanext.provincial.demo import builder

KEY_PREFIX = "demo:"
DAYS = 180


def _datasets(marker: str) -> list[dict]:
    rows = meta.Session.execute(sa.text("""
        SELECT p.id, p.name, r.id AS resource_id, r.url, r.url_type
        FROM package p LEFT JOIN resource r ON r.package_id = p.id AND r.state = 'active'
        WHERE p.state = 'active' AND NOT p.private AND p.type = 'dataset' AND p.title LIKE :marker
        ORDER BY p.name, r.position
    """), {"marker": "%" + marker}).fetchall()
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(row.id, {"id": row.id, "name": row.name, "links": []})
        if row.resource_id:
            entry["links"].append(_download_url(row.id, row.resource_id, row.url or "", row.url_type))
    return list(found.values())


def _download_url(package_id: str, resource_id: str, url: str, url_type) -> str:
    if url_type != "upload":
        return url
    site = toolkit.config.get("ckan.site_url", "").rstrip("/")
    return f"{site}/dataset/{package_id}/resource/{resource_id}/download/{os.path.basename(url)}"


def visits(datasets: list[dict], today: dt.date) -> list[dict]:
    """The made-up ``tracking_raw`` rows: per dataset and day, a few visitors; some download a file."""
    rows = []
    for dataset in datasets:
        rng = random.Random(dataset["name"])
        # A few datasets draw most of the visits, as on a real portal.
        popularity = rng.choice((0.05, 0.1, 0.2, 0.3, 0.6, 1.5)) * rng.uniform(0.5, 1.5)
        for back in range(DAYS, 0, -1):
            day = today - dt.timedelta(days=back)
            # Busier on weekdays and in recent months.
            rate = popularity * (1.0 if day.weekday() < 5 else 0.3) * (0.5 + (DAYS - back) / DAYS)
            for visitor in range(int(rate) + (1 if rng.random() < rate % 1 else 0)):
                key = KEY_PREFIX + hashlib.md5(f"{dataset['name']}{day}{visitor}".encode()).hexdigest()
                moment = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=rng.randrange(600))
                rows.append({"user_key": key, "url": "/dataset/" + dataset["name"], "type": "page", "at": moment})
                if dataset["links"] and rng.random() < 0.35:
                    rows.append({"user_key": key, "url": rng.choice(dataset["links"]), "type": "resource",
                                 "at": moment + dt.timedelta(seconds=30)})
    return rows


def record(catalogue: builder.Catalogue, today: dt.date, echo: Callable[[str], None] = lambda s: None) -> int:
    """Replace the demo's made-up visits with those of ``today`` and summarise them; how many rows."""
    rows = visits(_datasets(catalogue.defaults["marker_th"]), today)
    session = meta.Session
    session.execute(sa.text("DELETE FROM tracking_raw WHERE user_key LIKE :prefix"), {"prefix": KEY_PREFIX + "%"})
    if rows:
        session.execute(sa.text(
            "INSERT INTO tracking_raw (user_key, url, tracking_type, access_timestamp) VALUES (:user_key, :url, :type, :at)"
        ), rows)
    session.commit()
    echo(f"  usage statistics: {len(rows)} demonstration visits and downloads over {DAYS} days; summarising")
    with contextlib.redirect_stdout(io.StringIO()):  # CKAN's summary prints a line per day
        usage.update_summary(today - dt.timedelta(days=DAYS + 2))
    return len(rows)
