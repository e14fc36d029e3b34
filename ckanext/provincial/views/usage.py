"""Usage statistics pages: ``/usage/<province>`` (a province's monthly views and downloads and its
datasets used most) and its CSV download. Public datasets only, whoever asks."""
from __future__ import annotations

from flask import Blueprint, make_response, request

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import gap_service, plan_io
from ckanext.provincial.helpers import usage as usage_helpers
from ckanext.provincial.helpers.gap import text as gap_text

usage_pages = Blueprint("provincial_usage", __name__, url_prefix="/usage")


def _months() -> int:
    try:
        return min(max(int(request.args.get("months", 12)), 1), 60)
    except ValueError:
        return 12


def _summary(province_code: str):
    found = usage_helpers.summary(province_code=province_code, months=_months())
    if found is None:
        toolkit.abort(404, toolkit._("Province not found"))
    return found


def province(province_code: str):
    found = _summary(province_code)
    return toolkit.render("usage/province.html", {
        "usage": found,
        "province_name": gap_text(gap_service.province_label(province_code), province_code),
    })


def province_export(province_code: str):
    found = _summary(province_code)
    header = ["เดือน (month)", "เข้าชม (views)", "ดาวน์โหลด (downloads)"]
    rows = [[m["month"], m["views"], m["downloads"]] for m in found["months"]]
    response = make_response(plan_io.write_csv(header, rows))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="usage-{province_code}.csv"'
    return response


usage_pages.add_url_rule("/<province_code>", view_func=province)
usage_pages.add_url_rule("/<province_code>/export.csv", view_func=province_export)


def get_blueprints():
    return [usage_pages]
