"""The site user's context: how the extension's jobs, commands and internal writes act.

CKAN's activity plugin records who made each change and refuses a change made without a
real user, so work done on the site's behalf (background jobs, commands, views made after a
load) names the site user rather than none.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit


def site_user_name() -> str:
    return toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def site_context(**extra: Any) -> dict[str, Any]:
    return {"ignore_auth": True, "user": site_user_name(), **extra}
