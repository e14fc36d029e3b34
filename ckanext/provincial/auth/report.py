"""The committee's report: anyone who may see the gap may download it; only sysadmins publish it."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit


def provincial_report_publish(context, data_dict):
    # Sysadmins pass before this runs; the command and the schedule act as the site user.
    return {"success": False, "msg": toolkit._("Only sysadmins may publish the committee's report")}


def get_auth_functions():
    return {"provincial_report_publish": provincial_report_publish}
