"""The report's settings (declared in config_declaration.yml, group "committee report")."""
from __future__ import annotations

from ckanext.provincial import settings

DEFAULT_DAY = 1


def organization() -> str:
    """The organization owning every province's report dataset; "" = the one coordinating the province's plan."""
    return settings._text("report.organization")


def dataset_prefix() -> str:
    return settings._text("report.dataset_prefix") or "committee-report-"


def monthly_day() -> int:
    """The day of the month the scheduled reports are published on (1-28); 0 turns the schedule off."""
    day = settings._int("report.monthly_day", DEFAULT_DAY)
    return day if 0 <= day <= 28 else DEFAULT_DAY


def site_title() -> str:
    import ckan.plugins.toolkit as toolkit

    return str(toolkit.config.get("ckan.site_title") or "")
