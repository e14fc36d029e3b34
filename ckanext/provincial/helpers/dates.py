"""Date display helpers: Buddhist-era Thai dates under the Thai locale, ISO otherwise."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import thai_dates


def provincial_date(value, short: bool = False) -> str:
    """Render a stored ISO date for the current request's language."""
    return thai_dates.format_for_locale(value, toolkit.h.lang() or "", short=short)


def get_helpers():
    return {"provincial_date": provincial_date}
