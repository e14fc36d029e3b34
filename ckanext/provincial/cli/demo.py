"""``ckan provincial demo load [--reset]``: the pilot provinces' demonstration data."""
from __future__ import annotations

import time

import click

from ckanext.provincial.cli import provincial


@provincial.group(name="demo", short_help="Demonstration data of the pilot provinces.")
def demo():
    """Demonstration data for Pathum Thani (13) and Saraburi (19)."""


@demo.command(name="load")
@click.option("--reset", is_flag=True, help="Purge what the demo created first, then load it again.")
@click.option("--province", "provinces", multiple=True, metavar="CODE",
              help="Only this province (repeatable; default: every demo province).")
def load(reset, provinces):
    """Create or update the demo's agencies, requirement plan and datasets.

    Idempotent: a second run changes nothing. Everything it creates is marked
    as demonstration data.
    """
    from ckanext.provincial.demo import loader
    from ckanext.provincial.demo.builder import CatalogueError

    started = time.monotonic()
    try:
        summaries = loader.load(provinces or None, reset=reset, echo=click.echo)
    except (loader.DemoError, CatalogueError) as error:
        raise click.ClickException(str(error))
    for summary in summaries:
        click.echo(summary.line())
    click.echo(f"demo loaded in {time.monotonic() - started:.1f} s")
    uploaded = sum(summary.uploaded for summary in summaries)
    if uploaded:
        # Previews and validation badges come from background jobs, not from this command.
        click.echo(f"{uploaded} files queued: table previews and validation badges appear "
                   "as the background worker (ckan jobs worker) loads and checks them")
