"""``ckan provincial usage ...`` commands."""
from __future__ import annotations

import datetime as dt

import click

from ckanext.provincial.cli import provincial


@provincial.group(name="usage", short_help="Usage statistics (views and downloads).")
def usage():
    """Usage statistics from CKAN's tracking (docs/usage-statistics.md)."""


@usage.command(name="update")
@click.argument("start_date", required=False, type=click.DateTime(formats=["%Y-%m-%d"]))
def update(start_date):
    """Summarise the recorded page views and downloads (CKAN's ``ckan tracking update``).

    From START_DATE (YYYY-MM-DD) if given; else from two days before the last
    summarised day, or from the first recorded view on the first run (CKAN's
    own command starts that one at 2011-01-01). Run nightly.
    """
    from ckanext.provincial import usage as usage_stats

    start = usage_stats.update_summary(start_date.date() if start_date else None, echo=click.echo)
    if start is not None:
        click.echo(f"usage summarised from {start.isoformat()} to {dt.date.today().isoformat()}")
