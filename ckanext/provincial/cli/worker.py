"""``ckan provincial worker``: the background job worker of a provincial portal."""
from __future__ import annotations

import click

from ckanext.provincial.cli import provincial


@provincial.command(name="worker", short_help="Run background jobs (DataStore loads, content checks).")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop once the queues are empty.")
def worker(queues, burst):
    """Run the jobs of QUEUES (default: CKAN's default queue), like `ckan jobs worker`
    but without loading CKAN again for every job, and with rq's scheduler, which
    runs the retries of failed jobs (ckanext/provincial/background.py).
    Stop it with SIGTERM (it finishes the job in hand) or SIGINT.
    """
    from ckanext.provincial import background

    background.run_worker(queues, burst=burst)
