"""``ckan provincial datarequest ...`` commands."""
from __future__ import annotations

import click

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.cli import provincial
from ckanext.provincial.site import site_context


@provincial.group(name="datarequest", short_help="Data requests: close those the plan now fulfils.")
def datarequest():
    """Data requests asked by the portal's users."""


@datarequest.command(name="refresh")
def refresh():
    """Close as fulfilled every accepted request whose requirement is now available. Saving a
    dataset already does it for the requirements that dataset names; run this from cron for the
    rest (a requirement can also become available as time passes, or after a bulk import), e.g.:

        30 2 * * *  ckan -c /etc/ckan/ckan.ini provincial datarequest refresh
    """
    result = toolkit.get_action("provincial_datarequest_refresh")(site_context(), {})
    for request_id in result["fulfilled"]:
        click.echo(f"fulfilled: {request_id}")
    click.echo(f"{result['checked']} accepted requests checked, {len(result['fulfilled'])} closed as fulfilled",
               err=True)
