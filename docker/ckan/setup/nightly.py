"""The worker container's nightly jobs, every night at PROVINCIAL_NIGHTLY_AT (default 02:30)
Asia/Bangkok time, in this order: the usage statistics summary (`ckan provincial usage update`,
CKAN's `ckan tracking update`), the gap snapshot of every province (the coverage trend and each
requirement's status history) and the data requests whose requirement became available
(`ckan provincial datarequest refresh`), then the DataStore loads and content checks delayed by a
job-queue outage (`ckan provincial datastore requeue`), and on the configured day of the month
the committee's report of every province (`ckan provincial report monthly`, docs/committee-report.md),
last the resource link checks (`ckan provincial links check --scheduled`, docs/link-checks.md).

start_worker.sh starts this loop beside the job worker. Every worker replica runs
it; the command takes a PostgreSQL advisory lock, so one replica does the work
and the others skip it. A failed run is logged and tried again the next night.
docs/usage-statistics.md.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

DEFAULT_AT = "02:30"
COMMANDS = (
    ["provincial", "usage", "update"],
    ["provincial", "gap", "snapshot"],
    ["provincial", "datarequest", "refresh"],
    ["provincial", "datastore", "requeue"],
    # Publishes every province's committee report on ckanext.provincial.report.monthly_day only.
    ["provincial", "report", "monthly"],
    # Last (it may take long): resource link checks, on the days ckanext.provincial.link_checks.schedule says.
    ["provincial", "links", "check", "--scheduled"],
)


def bangkok():
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Bangkok")
    except Exception:  # no time zone database in the image: Thailand keeps UTC+7 all year
        return dt.timezone(dt.timedelta(hours=7), "+07")


def run_at(text: str) -> dt.time:
    """``HH:MM`` as a time of day; the default for anything else."""
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return dt.time(hours, minutes)
    except (ValueError, AttributeError):
        hours, minutes = (int(part) for part in DEFAULT_AT.split(":"))
        return dt.time(hours, minutes)


def next_run(now: dt.datetime, at: dt.time) -> dt.datetime:
    """The first moment after ``now`` (aware) at ``at`` o'clock in ``now``'s zone."""
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + dt.timedelta(days=1)


def main() -> int:
    ini = os.environ.get("CKAN_INI", "/srv/app/ckan.ini")
    at = run_at(os.environ.get("PROVINCIAL_NIGHTLY_AT", DEFAULT_AT))
    zone = bangkok()
    while True:
        now = dt.datetime.now(zone)
        wake = next_run(now, at)
        print(f"nightly: next run {wake.isoformat()}", flush=True)
        time.sleep(max(0.0, (wake - now).total_seconds()))
        for command in COMMANDS:
            result = subprocess.run(["ckan", "-c", ini, *command])
            if result.returncode:
                print(f"nightly: `ckan {' '.join(command)}` failed ({result.returncode})", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
