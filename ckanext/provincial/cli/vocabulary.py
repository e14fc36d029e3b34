"""``ckan provincial vocabulary ...``: load the PMQA, development issue and national category files."""
from __future__ import annotations

import sys

import click

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import site
from ckanext.provincial.cli import provincial


@provincial.group(name="vocabulary", short_help="PMQA codes, development issues, national categories.")
def vocabulary():
    """The code lists the operator edits under schemas/ (or where the config says)."""


def _summary(name: str, part: dict) -> str:
    counts = [f"{len(part.get(key, []))} {key}" for key in ("added", "updated", "removed")]
    counts.append(f"{part.get('unchanged', 0)} unchanged")
    line = f"{name}: " + ", ".join(counts)
    changed = [f"{key} {' '.join(part[key])}" for key in ("added", "updated", "removed") if part.get(key)]
    return line + ("".join(f"\n  {detail}" for detail in changed))


@vocabulary.command(name="sync")
@click.option("--dry-run", is_flag=True, help="Report what would change, change nothing.")
@click.option("--pmqa-file", type=click.Path(exists=True, dir_okay=False), help="Instead of ckanext.provincial.pmqa_file.")
@click.option("--issues-dir", type=click.Path(exists=True, file_okay=False),
              help="Instead of ckanext.provincial.development_issues_directory.")
@click.option("--national-categories-file", type=click.Path(exists=True, dir_okay=False),
              help="Instead of ckanext.provincial.national_categories_file.")
def sync(dry_run, pmqa_file, issues_dir, national_categories_file):
    """Make CKAN match the files; safe to run again (a second run changes nothing).

    Refuses, changing nothing, when a file is malformed (file, line and
    reason are printed) or when a code that datasets still use would be
    removed (the datasets are listed).
    """
    for key, value in (
        ("ckanext.provincial.pmqa_file", pmqa_file),
        ("ckanext.provincial.development_issues_directory", issues_dir),
        ("ckanext.provincial.national_categories_file", national_categories_file),
    ):
        if value:
            toolkit.config[key] = value
    try:
        result = toolkit.get_action("provincial_vocabulary_sync")(
            {"user": site.site_user_name()}, {"dry_run": dry_run})
    except toolkit.ValidationError as error:
        for part, messages in error.error_dict.items():
            for message in messages if isinstance(messages, list) else [messages]:
                click.secho(f"{part}: {message}", fg="red", err=True)
        click.secho("Nothing was changed.", fg="red", err=True)
        sys.exit(1)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    click.echo(_summary("PMQA codes", result["pmqa"]))
    click.echo(_summary("National categories", result["national_categories"]))
    click.echo(_summary("Development issues", result["development_issues"]))
    if result["reindexed"]:
        click.echo(f"Search index refreshed for {len(result['reindexed'])} datasets")
