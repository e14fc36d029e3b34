"""``ckan provincial dataset ...``: import and export of dataset metadata in the national GDC workbook."""
from __future__ import annotations

import sys

import click
import sqlalchemy.exc

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import catalogue_export, catalogue_import, model
from ckanext.provincial.cli import provincial
from ckanext.provincial.site import site_context
from ckanext.provincial.validators import requirement as checks


@provincial.group(name="dataset", short_help="Datasets in the national GDC workbook: import, export, template.")
def dataset():
    """Import and export dataset metadata in the national GDC metadata workbook (Excel)."""


def _where(problem: dict) -> str:
    parts = [problem.get("sheet") or "", f"row {problem['row']}" if problem.get("row") else "",
             f"column {problem['column']}" if problem.get("column") else "",
             f"[{problem['field']}]" if problem.get("field") else ""]
    return ", ".join(part for part in parts if part) or "file"


def _write_report(path: str, import_id: str) -> None:
    content = catalogue_import.stored_report(import_id) if import_id else None
    if content is None:
        click.echo("no report: the import ended before its rows were checked", err=True)
        return
    with open(path, "wb") as out:
        out.write(content)
    click.echo(f"report written to {path}", err=True)


@dataset.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--org", "owner_org", required=True, help="The organization (URL name or id) the datasets are for.")
@click.option("--dry-run", is_flag=True, help="Check the workbook; write nothing.")
@click.option("--publish", is_flag=True, help="Make new datasets public (default: private).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Write the result, a status and the errors of each row, to this .xlsx file.")
def import_datasets(path, owner_org, dry_run, publish, report_path):
    """Import a GDC metadata workbook: every row, or none when any row is wrong."""
    context = site_context()
    # The command waits for the import itself, with its own progress bar.
    context["provincial_foreground"] = True
    import_id = ""
    with catalogue_import.request_context(), open(path, "rb") as upload, click.progressbar(length=1, label="Checking rows", file=sys.stderr) as bar:
        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)

        context["provincial_progress"] = progress
        try:
            result = toolkit.get_action("provincial_dataset_import")(context, {
                "owner_org": owner_org, "upload": upload, "dry_run": dry_run, "publish": publish,
            })
            import_id = result["import_id"]
        except toolkit.ObjectNotFound as error:
            raise click.ClickException(str(error.message or error))
        except toolkit.ValidationError as error:
            bar.render_finish()
            for problem in error.error_dict.get("rows") or []:
                click.echo(f"{_where(problem)}: {problem.get('message_th') or problem.get('message')}"
                           + (f" ({problem['message']})" if problem.get("message") and problem.get("message") != problem.get("message_th") else ""),
                           err=True)
            for key, messages in error.error_dict.items():
                if key not in ("rows", "import_id"):
                    click.echo(f"{key}: {'; '.join(map(str, messages))}", err=True)
            if report_path:
                _write_report(report_path, (error.error_dict.get("import_id") or [""])[0])
            raise click.ClickException("nothing was imported")
        except sqlalchemy.exc.DBAPIError as error:
            # The rows are written in one transaction, which the server rolled
            # back: a rerun is safe (datasets already there come out unchanged).
            bar.render_finish()
            reason = str(error.orig or error).strip().splitlines()[0]
            raise click.ClickException(f"the database failed during the import ({reason}): "
                                       "nothing was imported; run the import again")
    if report_path:
        _write_report(report_path, import_id)
    verb = "would be" if dry_run else "were"
    click.echo(f"{result['rows']} rows: {result['created']} {verb} created, {result['updated']} {verb} updated, "
               f"{result['unchanged']} unchanged" + ("" if dry_run else "; new datasets are " + ("public" if publish else "private")))


@dataset.command(name="export")
@click.option("--org", "owner_org", default="", help="Only this organization (URL name or id).")
@click.option("--province", "province_code", default="", help="Only this province (two-digit code, e.g. 13).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="The .xlsx file to write.")
def export(owner_org, province_code, output):
    """Write datasets (an organization's, a province's, or all) as a GDC metadata workbook."""
    if owner_org and province_code:
        raise click.UsageError("give --org or --province, not both")
    org_id = None
    if owner_org:
        org = model.organizations([owner_org]).get(owner_org)
        if org is None:
            raise click.ClickException(f"no organization {owner_org!r}")
        org_id = org["id"]
    if province_code:
        try:
            province_code = checks.province_code_validator(province_code)
        except toolkit.Invalid as error:
            raise click.UsageError(f"--province: {error.error}")
    content = catalogue_export.export(site_context(), owner_org=org_id, province_code=province_code or None)
    with open(output, "wb") as out:
        out.write(content)
    click.echo(f"workbook written to {output}", err=True)


@dataset.command(name="template")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="The .xlsx file to write.")
def template(output):
    """Write the empty GDC metadata workbook (current layout, with the provincial columns)."""
    with open(output, "wb") as out:
        out.write(catalogue_export.template())
    click.echo(f"template written to {output}", err=True)
