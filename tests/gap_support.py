"""Helpers of the requirement plan and gap tests: coordinating organizations, dates, datasets.

The ``plan_tables`` fixture lives in ``tests/fixtures/plan.py``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from tests.ckan_session import call_action

from tests.factories import gdc_dataset, provincial_organization


def coordinating_org(province_code: str = "13", admin: dict | None = None, coordinator: bool = True, **fields) -> dict:
    """An agency that coordinates (or not) the plan of a province, with ``admin`` as its admin."""
    users = [{"name": admin["name"], "capacity": "admin"}] if admin else []
    return provincial_organization(province_code=province_code, plan_coordinator="True" if coordinator else "False",
                                   users=users, **fields)


def days_ago(days: int) -> str:
    """A date ``days`` before the province's today (Asia/Bangkok), which the gap engine judges by."""
    from ckanext.provincial.gap_service import today

    return (today() - dt.timedelta(days=days)).isoformat()


def gdc(owner_org: str, **overrides: Any) -> dict:
    """A valid GDC dataset dictionary of Pathum Thani, with one CSV resource."""
    return gdc_dataset("statistics", owner_org=owner_org, **overrides)


def dataset(owner_org: str, **overrides: Any) -> dict:
    return call_action("package_create", **gdc(owner_org, **overrides))
