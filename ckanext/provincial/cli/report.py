"""``ckan provincial report ...``: build or publish the Provincial Statistics Committee's report."""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.cli import provincial
from ckanext.provincial.site import site_context

# The PostgreSQL advisory lock of the monthly publication ("report" in ASCII).
LOCK = int.from_bytes(b"report", "big")


@provincial.group(name="report", short_help="The Provincial Statistics Committee's report (PDF and XLSX).")
def report():
    """The committee's report of a province (docs/committee-report.md)."""


def _fail(error: Exception) -> None:
    if isinstance(error, toolkit.ValidationError):
        message = "; ".join(f"{key}: {', '.join(map(str, value))}" for key, value in error.error_dict.items())
    else:
        message = str(error)
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@report.command(name="build")
@click.option("--province", "province_code", required=True, help="Two-digit province code, e.g. 13.")
@click.option("--out", "out", default=None, help="PDF file to write (default committee-report-<code>-<date>.pdf).")
@click.option("--xlsx", "xlsx_out", default=None, help="Also write the XLSX companion to this file.")
@click.option("--publish", "publish_it", is_flag=True, help="Also store both files as new resources of the "
                                                              "province's report dataset.")
def build(province_code, out, xlsx_out, publish_it):
    """Build the report of one province (as the site user) and write it to files."""
    from ckanext.provincial.committee_report import collect, options, pdf, publish, xlsx

    try:
        found = collect.collect(site_context(), province_code)
    except toolkit.ValidationError as error:
        _fail(error)
    out = out or publish.filename(found, "pdf")
    pdf.write_pdf(found, options.site_title(), target=out)
    click.echo(f"PDF: {out}")
    if xlsx_out:
        with open(xlsx_out, "wb") as handle:
            handle.write(xlsx.write_xlsx(found))
        click.echo(f"XLSX: {xlsx_out}")
    if publish_it:
        try:
            published = toolkit.get_action("provincial_report_publish")(site_context(), {"province_code": province_code})
        except toolkit.ValidationError as error:
            _fail(error)
        for resource in published["resources"]:
            click.echo(f"published: {published['dataset']} / {resource['name']} ({resource['format']})")


@report.command(name="monthly")
@click.option("--force", is_flag=True, help="Publish today whatever the configured day.")
def monthly(force):
    """Publish the report of every province with a plan, on the day of the month set by
    ``ckanext.provincial.report.monthly_day`` (the worker's nightly loop runs this every night;
    on other days it does nothing). A province already published today is skipped."""
    from ckanext.provincial import gap_service, model
    from ckanext.provincial.committee_report import options, publish

    day = options.monthly_day()
    today = gap_service.today()
    if not force and (day == 0 or today.day != day):
        click.echo(f"report monthly: not the day (today {today.day}, configured {day or 'off'})", err=True)
        return
    failed = 0
    # One run at a time (every worker replica runs the nightly loop): the others skip it.
    with model.session().get_bind().connect() as lock:
        if not lock.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK}).scalar():
            click.echo("report monthly: already running elsewhere: skipped", err=True)
            return
        try:
            for code, _count in model.planned_provinces():
                if publish.published_on(code, today):
                    click.echo(f"{code}: already published on {today.isoformat()}")
                    continue
                try:
                    published = toolkit.get_action("provincial_report_publish")(site_context(), {"province_code": code})
                    click.echo(f"{code}: published in {published['dataset']}")
                except toolkit.ValidationError as error:
                    failed += 1
                    click.echo(f"{code}: not published: {error.error_dict}", err=True)
        finally:
            lock.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK})
    if failed:
        sys.exit(1)
