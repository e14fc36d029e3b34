"""``ckan provincial ...`` commands."""
from __future__ import annotations

import click


@click.group(name="provincial", short_help="Provincial catalogue commands.")
def provincial():
    """Commands of ckanext-provincial (vocabulary sync, requirement import, gap snapshots...)."""


def get_commands():
    from ckanext.provincial.cli import catalogue  # noqa: F401  (registers its subcommands)
    from ckanext.provincial.cli import datastore  # noqa: F401
    from ckanext.provincial.cli import demo  # noqa: F401
    from ckanext.provincial.cli import vocabulary  # noqa: F401
    from ckanext.provincial.cli import requirement, gap  # noqa: F401
    from ckanext.provincial.cli import worker  # noqa: F401
    from ckanext.provincial.cli import datarequest, usage  # noqa: F401
    from ckanext.provincial.cli import report  # noqa: F401
    from ckanext.provincial.cli import links  # noqa: F401

    return [provincial]
