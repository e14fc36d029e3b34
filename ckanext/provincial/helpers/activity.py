"""Template helpers of the plan's history and of CKAN's dates under Thai."""
from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Optional

from markupsafe import Markup

import ckan.plugins.toolkit as toolkit
from ckan import model as ckan_model

from ckanext.provincial import language, plan_io
from ckanext.provincial.helpers import dates
from ckanext.provincial.helpers import gap as gap_helpers
from ckanext.provincial.language import N_

_FIELD_LABELS = {column.key: column for column in plan_io.PLAN_COLUMNS}



# CKAN's activity type selector shows the types as stored ("New Package"); people read these.
ACTIVITY_TYPE_LABELS = {
    "new package": N_("Datasets created"),
    "changed package": N_("Datasets changed"),
    "deleted package": N_("Datasets deleted"),
    "follow dataset": N_("Datasets followed"),
    "new resource view": N_("Views created"),
    "changed resource view": N_("Views changed"),
    "deleted resource view": N_("Views deleted"),
    "new organization": N_("Agencies created"),
    "changed organization": N_("Agencies changed"),
    "deleted organization": N_("Agencies deleted"),
    "new group": N_("Groups created"),
    "changed group": N_("Groups changed"),
    "deleted group": N_("Groups deleted"),
    "new user": N_("Users signed up"),
    "changed user": N_("Users changed"),
}


def provincial_activity_type_label(activity_type: str) -> str:
    label = ACTIVITY_TYPE_LABELS.get(activity_type)
    return toolkit._(label) if label else str(activity_type).title()


def provincial_requirement_field_label(field: str) -> str:
    """A requirement field's name as the plan file heads it, in the request's language."""
    column = _FIELD_LABELS.get(field)
    return language.pick(column.th, column.en) if column else field


def provincial_history_actor(user_id: Optional[str]) -> Markup:
    """Who made a change: a link to the person's page (no picture), or "the system" for the
    site user (commands, jobs, imports on the site's behalf)."""
    user = ckan_model.User.get(user_id) if user_id else None
    if user is None or user.name == toolkit.config.get("ckan.site_id"):  # CKAN names the site user so
        return Markup.escape(toolkit._("The system"))
    return Markup('<a href="{}">{}</a>').format(toolkit.h.url_for("user.read", id=user.name), user.display_name)


def provincial_history_value(value: Any, field: str = "", limit: int = 80) -> str:
    """An old or new value of a changed field, as people read it, short enough for one line."""
    if value is None or value == "" or value == []:
        return "—"
    if field == "priority":
        value = gap_helpers.priority_label(value) or value
    text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@toolkit.chained_helper
def render_datetime(next_helper: Callable[..., str], datetime_: Any, date_format: Any = None,
                    with_hours: bool = False, with_seconds: bool = False) -> str:
    """CKAN's ``render_datetime``, with Buddhist-era dates under Thai (CKAN writes ``ค.ศ. 2026``).

    A caller that names its own ``date_format`` (a machine-readable stamp) or wants seconds
    gets CKAN's rendering unchanged.
    """
    if date_format or with_seconds or language.is_english():
        return next_helper(datetime_, date_format=date_format, with_hours=with_hours, with_seconds=with_seconds)
    if isinstance(datetime_, _dt.date) and not isinstance(datetime_, _dt.datetime):
        datetime_ = _dt.datetime.combine(datetime_, _dt.time())
    rendered = dates.provincial_datetime(datetime_, with_hours=with_hours)
    return rendered or next_helper(datetime_, date_format=date_format, with_hours=with_hours,
                                   with_seconds=with_seconds)


def get_helpers():
    return {
        "provincial_requirement_field_label": provincial_requirement_field_label,
        "provincial_history_value": provincial_history_value,
        "provincial_history_actor": provincial_history_actor,
        "provincial_activity_type_label": provincial_activity_type_label,
        "render_datetime": render_datetime,
    }
