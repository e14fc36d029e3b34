"""``ckan provincial ...`` commands."""
from __future__ import annotations

import click


@click.group(name="provincial", short_help="Provincial catalogue commands.")
def provincial():
    """Commands of ckanext-provincial (vocabulary sync, requirement import, gap snapshots...)."""


def get_commands():
    return [provincial]
