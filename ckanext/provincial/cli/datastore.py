"""``ckan provincial datastore ...``: the xloader token, bulk loading and checking."""
from __future__ import annotations

import click

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.cli import provincial


@provincial.group(name="datastore", short_help="DataStore loading and content validation.")
def datastore():
    """Load tables into the DataStore and check their contents."""


def _site_context() -> dict:
    user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"ignore_auth": True, "user": user["name"]}


@datastore.command(name="api-token")
@click.option("--name", default="xloader", show_default=True, help="Name of the token.")
def api_token(name):
    """Print a new API token of the site user, for ckanext.xloader.api_token."""
    context = _site_context()
    token = toolkit.get_action("api_token_create")(context, {"user": context["user"], "name": name})
    click.echo(token["token"])


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
def load(resource_ids, all_):
    """Queue the given (or all) tabular resources for loading by xloader."""
    from ckanext.xloader.utils import XLoaderFormats

    queued = 0
    for resource in _resources(resource_ids, all_):
        if XLoaderFormats.is_it_an_xloader_format(resource.get("format")):
            if toolkit.get_action("xloader_submit")(_site_context(), {"resource_id": resource["id"], "ignore_hash": True}):
                queued += 1
    click.echo(f"{queued} resources queued for the DataStore")


@datastore.command(name="check")
@click.argument("resource_ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every resource of every dataset.")
@click.option("--sync", is_flag=True, help="Check here and now instead of queueing jobs.")
def check(resource_ids, all_, sync):
    """Check the contents of the given (or all) tables and GeoJSON files."""
    from ckanext.provincial.validation import jobs

    statuses: dict[str, int] = {}
    for resource in _resources(resource_ids, all_):
        if not jobs.is_checkable(resource):
            continue
        result = toolkit.get_action("provincial_validation_run")(
            _site_context(), {"resource_id": resource["id"], "sync": sync}
        )
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    click.echo(", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())) or "nothing to check")
