"""``ckan provincial gap ...``: record gap snapshots (for cron), print a province's gap."""
from __future__ import annotations

import json

import click

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.cli import provincial
from ckanext.provincial.site import site_context


@provincial.group(name="gap", short_help="Gap analysis: snapshots for the coverage trend.")
def gap():
    """Gap analysis between the requirement plans and the datasets."""


@gap.command(name="snapshot")
@click.option("--province", "province_codes", multiple=True, help="Only this province (repeatable; default: every plan).")
def snapshot(province_codes):
    """Record the gap aggregates of every province with a plan. Run it from cron, e.g. daily:

        15 2 * * *  ckan -c /etc/ckan/ckan.ini provincial gap snapshot
    """
    data = {"province_codes": list(province_codes)} if province_codes else {}
    recorded = toolkit.get_action("provincial_gap_snapshot_create")(site_context(), data)
    for entry in recorded:
        click.echo(f"{entry['province_code']}: {entry['total']} requirements, coverage {entry['coverage']}%, "
                   f"readiness {entry['readiness']}%")
    click.echo(f"{len(recorded)} snapshots recorded", err=True)


@gap.command(name="show")
@click.argument("province_code")
def show(province_code):
    """Print a province's gap summary as JSON (aggregates; no dataset is disclosed)."""
    result = toolkit.get_action("provincial_gap_show")({"user": ""}, {"province_code": province_code})
    summary = {key: result[key] for key in ("province_code", "date", "summary", "by_development_issue", "by_pmqa")}
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
