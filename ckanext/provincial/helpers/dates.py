"""Date display helpers: Buddhist-era Thai dates under the Thai locale, ISO otherwise."""
from __future__ import annotations

import datetime as _dt
from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import thai_dates
from ckanext.provincial.language import current as current_language


def provincial_date(value, short: bool = False) -> str:
    """Render a stored ISO date for the current request's language."""
    return thai_dates.format_for_locale(value, current_language(), short=short)


def local_moment(value: Any, zone: _dt.tzinfo) -> Optional[_dt.datetime]:
    """A stored timestamp (ISO text or datetime, naive meaning UTC as CKAN stores
    them) in ``zone``; None when empty or unreadable."""
    if isinstance(value, str):
        try:
            value = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, _dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(zone)


def format_moment(moment: _dt.datetime, locale: str, with_hours: bool = False) -> str:
    """``2 ธันวาคม 2569`` (``2 ธันวาคม 2569 เวลา 14:05 น. (+07)``) under Thai,
    ``2026-12-02`` (``2026-12-02 14:05 (+07)``) otherwise; a time names its zone,
    as CKAN's does, since the portal may show UTC."""
    thai = (locale or "").lower().startswith("th")
    text = thai_dates.format_for_locale(moment.date(), locale)
    if not with_hours:
        return text
    clock, zone = moment.strftime("%H:%M"), moment.tzname()
    return f"{text} เวลา {clock} น. ({zone})" if thai else f"{text} {clock} ({zone})"


def provincial_datetime(value, with_hours: bool = False) -> str:
    """A timestamp CKAN keeps (a resource's created, last_modified...) as a day of
    the portal's display time zone, in the request's language; empty when unreadable.

    CKAN's ``render_datetime`` writes Christian-era years in Thai (``ค.ศ. 2026``),
    unlike the Buddhist-era dates of the schema's fields.
    """
    moment = local_moment(value, toolkit.h.get_display_timezone())
    if moment is None:
        return ""
    return format_moment(moment, current_language(), with_hours=with_hours)


def get_helpers():
    return {"provincial_date": provincial_date, "provincial_datetime": provincial_datetime}
