"""``ckan provincial links check``: check every resource link (the worker runs it nightly)."""
from __future__ import annotations

import datetime as dt
import json

import click
import sqlalchemy as sa

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import settings
from ckanext.provincial.cli import provincial
from ckanext.provincial.link_checks import policy, runner
from ckanext.provincial.model import session

# The PostgreSQL advisory lock of a full run ("links" in ASCII): one worker replica checks.
RUN_LOCK = 0x6C696E6B73


def _bangkok_today() -> dt.date:
    return (dt.datetime.utcnow() + dt.timedelta(hours=7)).date()  # Thailand keeps UTC+7 all year


@provincial.group(name="links", short_help="Link checks of resources that are links.")
def links():
    """Check that the resources that are links still answer (uploads are skipped)."""


@links.command(name="check")
@click.option("--province", "province_code", default="", help="Only the datasets of this province (e.g. 13).")
@click.option("--organization", default="", help="Only this organization's datasets (id or name).")
@click.option("--concurrency", type=click.IntRange(1, 32), default=None,
              help="Hosts checked at the same time (default: ckanext.provincial.link_checks.concurrency).")
@click.option("--scheduled", is_flag=True,
              help="Run only when ckanext.provincial.link_checks.schedule says so today (the nightly job).")
def check(province_code, organization, concurrency, scheduled):
    """Check the links and record the results; a link failing two checks in a row is broken."""
    from ckanext.provincial.actions.link_checks import _organization_id
    from ckanext.provincial.site import site_context

    if scheduled and not policy.is_due(settings.link_checks_schedule(), _bangkok_today()):
        click.echo(f"link checks: not due today (schedule {settings.link_checks_schedule()})", err=True)
        return
    if province_code:
        from ckanext.provincial.validators.requirement import province_code_validator

        try:
            province_code = province_code_validator(province_code)
        except toolkit.Invalid as error:
            raise click.BadParameter(str(error), param_hint="--province")
    try:
        organization_id = _organization_id(site_context(), organization) if organization else None
    except toolkit.ValidationError:
        raise click.BadParameter(f"no organization {organization!r}", param_hint="--organization")
    with session().get_bind().connect() as lock:
        if not lock.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": RUN_LOCK}).scalar():
            click.echo("link checks: already running elsewhere: skipped", err=True)
            return
        try:
            counts = runner.run(organization_ids=[organization_id] if organization_id else None,
                                province_code=province_code, concurrency=concurrency or 0,
                                echo=lambda text: click.echo(text, err=True))
        finally:
            lock.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": RUN_LOCK})
    click.echo(json.dumps(counts))
