"""The demo's people: one member of staff per agency, who publishes its datasets and plans.

CKAN's activity streams leave out what the site user does (``ckan.hide_activity_from_users``),
so a demo loaded by the site user alone would show no history. Each demo agency gets a member
of staff (an editor, an admin for the agency that coordinates the plan), and the loader makes
the agency's datasets and the province's requirements as that person: the streams, the
dashboard and the plan's history then read as a portal in use. They cannot sign in: their
passwords are random and never shown (a sysadmin may reset one to look around as them).
"""
from __future__ import annotations

import secrets
from typing import Any

import ckan.plugins.toolkit as toolkit

USER_PREFIX = "demo-staff-"


def staff_name(org_name: str) -> str:
    return (USER_PREFIX + org_name)[:100]


def ensure_staff(site, organization: dict[str, Any], org_id: str) -> str:
    """The agency's member of staff (created and made a member the first time); the user name."""
    name = staff_name(organization["name"])
    capacity = "admin" if organization.get("plan_coordinator") == "True" else "editor"
    user = site.find("user_show", id=name) or site.call(
        "user_create", name=name, email=f"{name}@demo.invalid", password=secrets.token_urlsafe(24),
        fullname=toolkit._("Staff of {agency}").format(agency=organization["title"]),
        about=toolkit._("Demonstration user of the agency {agency}.").format(agency=organization["title"]))
    members = site.call("member_list", id=org_id, object_type="user", capacity=capacity)
    if user["id"] not in {member_id for member_id, _kind, _capacity in members}:
        site.call("organization_member_create", id=org_id, username=name, role=capacity)
    return name
