"""``ckan provincial datastore ...``: loading tables into the DataStore and checking them, in bulk."""
from __future__ import annotations

import click

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.cli import provincial
from ckanext.provincial.site import site_context as _site_context


@provincial.group(name="datastore", short_help="DataStore loading and content validation.")
def datastore():
    """Load tables into the DataStore and check their contents."""



def _resources(ids, all_):
    if ids:
        return [toolkit.get_action("resource_show")({"ignore_auth": True}, {"id": i}) for i in ids]
    if not all_:
        raise click.UsageError("give resource ids or --all")
    found, start = [], 0
    while True:
        page = toolkit.get_action("package_search")(
            {"ignore_auth": True}, {"q": "*:*", "rows": 100, "start": start, "include_private": True}
        )
        for dataset in page["results"]:
            found.extend(dataset.get("resources") or [])
        start += 100
        if start >= page["count"]:
            return found


@datastore.command(name="load")
@click.argument("resource_ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every resource of every dataset.")
@click.option("--sync", is_flag=True, help="Load here and now instead of queueing jobs.")
def load(resource_ids, all_, sync):
    """Load the given (or all) tables into the DataStore again.

    Also moves tables loaded by an earlier loader (ckanext-xloader: headers
    cut at 63 bytes, every column text) to full headers and real types.
    """
    from ckanext.provincial.loading import jobs as loads

    statuses: dict[str, int] = {}
    for resource in _resources(resource_ids, all_):
        if not loads.is_loadable(resource):
            continue
        result = toolkit.get_action("provincial_datastore_submit")(
            _site_context(), {"resource_id": resource["id"], "sync": sync})
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
        if sync and result.get("error"):
            click.echo(f"{resource['id']}: {result['error']['message']}", err=True)
    click.echo(", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())) or "nothing to load")


@datastore.command(name="requeue")
def requeue():
    """Queue the loads and checks delayed while the job queue (Redis) was down.

    Resources saved during an outage keep their load or check "pending" with
    no job: this queues one for each (none twice). The nightly run calls it.
    """
    from redis.exceptions import RedisError

    from ckanext.provincial import outages

    try:
        counts = outages.requeue_delayed()
    except RedisError as error:
        raise click.ClickException(f"the job queue (Redis) is still unavailable: {error}")
    click.echo(f"{counts['queued']} resources queued, {counts['gone']} deleted since")


@datastore.command(name="check")
@click.argument("resource_ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every resource of every dataset.")
@click.option("--sync", is_flag=True, help="Check here and now instead of queueing jobs.")
def check(resource_ids, all_, sync):
    """Check the contents of the given (or all) tables and GeoJSON files."""
    from ckanext.provincial.content_checks import jobs

    statuses: dict[str, int] = {}
    for resource in _resources(resource_ids, all_):
        if not jobs.is_checkable(resource):
            continue
        result = toolkit.get_action("provincial_validation_run")(
            _site_context(), {"resource_id": resource["id"], "sync": sync}
        )
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    click.echo(", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())) or "nothing to check")
