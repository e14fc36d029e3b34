"""``ckan provincial requirement ...``: import, export and template of requirement plans."""
from __future__ import annotations

import os
import sys

import click
import sqlalchemy.exc

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import plan_io
from ckanext.provincial.cli import provincial
from ckanext.provincial.site import site_context


@provincial.group(name="requirement", short_help="Requirement plans (TO BE): import, export, template.")
def requirement():
    """Import and export the data requirement plans of provinces."""


@requirement.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--province", "province_code", required=True, help="Two-digit province code, e.g. 13.")
@click.option("--dry-run", is_flag=True, help="Check the file; write nothing.")
def import_plan(path, province_code, dry_run):
    """Import a plan from a CSV or Excel (.xlsx, .xls) file: every row, or none when any row is wrong."""
    context = site_context()
    with open(path, "rb") as upload, click.progressbar(length=1, label="Checking rows", file=sys.stderr) as bar:
        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)

        context["provincial_progress"] = progress
        try:
            result = toolkit.get_action("provincial_requirement_import")(context, {
                "province_code": province_code, "upload": upload, "dry_run": dry_run,
            })
        except toolkit.ValidationError as error:
            bar.render_finish()
            for problem in error.error_dict.get("rows") or []:
                click.echo(f"row {problem['row']}, {problem['column']}: {problem['message']}", err=True)
            for key, messages in error.error_dict.items():
                if key != "rows":
                    click.echo(f"{key}: {'; '.join(map(str, messages))}", err=True)
            raise click.ClickException("nothing was imported")
        except sqlalchemy.exc.DBAPIError as error:
            # E.g. PostgreSQL restarted mid-import. The rows are written in one
            # transaction, which the server rolled back; a rerun is safe (rows
            # already in the plan come out unchanged).
            bar.render_finish()
            reason = str(error.orig or error).strip().splitlines()[0]
            raise click.ClickException(f"the database failed during the import ({reason}): "
                                       "nothing was imported; run the import again")
    for note in result.get("notes") or []:
        click.echo(f"left out as a note under the table: {note}")
    verb = "would be" if dry_run else "were"
    click.echo(f"{result['rows']} rows: {result['created']} {verb} added, {result['updated']} {verb} updated, "
               f"{result['unchanged']} unchanged")


@requirement.command(name="export")
@click.option("--province", "province_code", default="", help="Only this province (default: every plan).")
@click.option("--format", "fmt", type=click.Choice(plan_io.FORMATS), default=None,
              help="csv or xlsx (default: from the output file name, else csv).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="-", help="File to write (default: stdout).")
def export(province_code, fmt, output):
    """Write the plan(s) in the import format."""
    fmt = fmt or (os.path.splitext(output)[1].lstrip(".").lower() if output != "-" else "") or "csv"
    if fmt not in plan_io.FORMATS:
        raise click.UsageError("give --format csv or --format xlsx")
    data = {"province_code": province_code} if province_code else {}
    requirements = toolkit.get_action("provincial_requirement_list")(site_context(), data)
    header, rows = plan_io.plan_header(), plan_io.plan_rows(requirements)
    content = plan_io.write_csv(header, rows) if fmt == "csv" else plan_io.write_xlsx([("plan", header, rows)])
    if output == "-":
        click.get_binary_stream("stdout").write(content)
    else:
        with open(output, "wb") as out:
            out.write(content)
        click.echo(f"{len(rows)} requirements written to {output}", err=True)


@requirement.command(name="template")
@click.argument("output", type=click.Path(dir_okay=False))
def template(output):
    """Write an empty plan with the Thai/English headers (.csv or .xlsx by the file name)."""
    fmt = os.path.splitext(output)[1].lstrip(".").lower()
    if fmt not in plan_io.FORMATS:
        raise click.UsageError("the file name must end in .csv or .xlsx")
    with open(output, "wb") as out:
        out.write(plan_io.template(fmt))
