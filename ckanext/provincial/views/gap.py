"""Gap analysis pages: ``/gap`` (provinces side by side) and ``/gap/<province>``, with CSV/XLSX downloads.

A download holds exactly the rows the page shows: same filters, same order.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, request

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import plan_io
from ckanext.provincial.helpers import gap as gap_helpers

gap_pages = Blueprint("provincial_gap", __name__, url_prefix="/gap")

FILTERS = ("development_issue", "sub_issue", "agency", "pmqa")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def context() -> dict[str, Any]:
    user = toolkit.current_user
    name = user.name if getattr(user, "is_authenticated", False) else ""
    return {"user": name, "auth_user_obj": user if name else None}


def _filters() -> dict[str, str]:
    return {key: request.args.get(key, "").strip() for key in FILTERS if request.args.get(key, "").strip()}


def _download(content: bytes, filename: str, fmt: str):
    response = make_response(content)
    response.headers["Content-Type"] = MIMETYPES[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def province_gap(province_code: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The gap as the page shows it (filters and order of the request) and the drill-down rows."""
    try:
        result = toolkit.get_action("provincial_gap_show")(context(), dict(_filters(), province_code=province_code))
    except toolkit.ValidationError as error:
        if "province_code" in error.error_dict:
            toolkit.abort(404, toolkit._("Province not found"))
        toolkit.abort(400, "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in error.error_dict.items()))
    return result, gap_helpers.sort_rows(result["requirements"], request.args.get("sort"))


def _chosen_provinces() -> list[str]:
    """The provinces to compare: the form's multiple choice (``provinces=13&provinces=19``) or a
    list in one value (``provinces=13,19``, as links and older bookmarks have it), in order, once each."""
    found: list[str] = []
    for value in request.args.getlist("provinces"):
        for code in value.replace(" ", ",").split(","):
            if code and code not in found:
                found.append(code)
    return found


def _summary(provinces: list[str]) -> dict[str, Any]:
    try:
        return toolkit.get_action("provincial_gap_summary")(context(), {"province_codes": provinces} if provinces else {})
    except toolkit.ValidationError:
        toolkit.abort(404, toolkit._("Province not found"))


def index():
    chosen = _chosen_provinces()
    summary = _summary(chosen)
    return toolkit.render("gap/index.html", {
        "summary": summary, "chart": gap_helpers.summary_chart_data(summary), "chosen": chosen,
    })


def index_export(fmt: str):
    summary = _summary(_chosen_provinces())
    header = ["รหัสจังหวัด (Province code)", "จังหวัด (Province)"] + plan_io.group_table([])[0][2:] + [
        "ชุดข้อมูลที่ไม่ตอบความต้องการ (Datasets fulfilling no requirement)"]
    rows = [
        [p["province_code"], gap_helpers.text(p.get("province"), p["province_code"]), p["total"]]
        + [p["counts"][s] for s in ("available", "incomplete", "stale", "restricted", "missing")]
        + [p["coverage"], p["readiness"], p["unlinked_count"]]
        for p in summary["provinces"]
    ]
    name = f"gap-provinces-{summary['date']}.{fmt}"
    if fmt == "csv":
        return _download(plan_io.write_csv(header, rows), name, fmt)
    return _download(plan_io.write_xlsx([("provinces", header, rows)]), name, fmt)


def province(province_code: str):
    result, rows = province_gap(province_code)
    snapshots = toolkit.get_action("provincial_gap_snapshot_list")(context(), {"province_code": province_code})
    return toolkit.render("gap/province.html", {
        "result": result,
        "rows": rows,
        "chart": gap_helpers.chart_data(result, snapshots),
        "snapshots": snapshots,
        "filters": _filters(),
        "sort": request.args.get("sort", "code"),
        "query": request.args.to_dict(),
    })


def province_export(province_code: str, fmt: str):
    result, rows = province_gap(province_code)
    header, table = plan_io.gap_table(rows)
    name = f"gap-{province_code}-{result['date']}.{fmt}"
    if fmt == "csv":
        return _download(plan_io.write_csv(header, table), name, fmt)
    label = lambda group: gap_helpers.text(group.get("label"), group.get("key", ""))  # noqa: E731
    agency = lambda group: group.get("title") or group.get("key", "")  # noqa: E731
    unlinked_header = ["ชื่อ (name)", "ชื่อชุดข้อมูล (title)", "หน่วยงาน (organization)"]
    unlinked = [[d["name"], d["title"], d.get("organization") or ""] for d in result["unlinked_datasets"]]
    sheets = [
        ("requirements", header, table),
        ("development issues", *plan_io.group_table(result["by_development_issue"], label)),
        ("sub-issues", *plan_io.group_table(result["by_sub_issue"], label)),
        ("agencies", *plan_io.group_table(result["by_agency"], agency)),
        ("pmqa", *plan_io.group_table(result["by_pmqa"], label)),
        ("unlinked datasets", unlinked_header, unlinked),
    ]
    return _download(plan_io.write_xlsx(sheets), name, fmt)


gap_pages.add_url_rule("/", view_func=index, strict_slashes=False)
gap_pages.add_url_rule("/export.<any(csv, xlsx):fmt>", view_func=index_export)
gap_pages.add_url_rule("/<province_code>", view_func=province)
gap_pages.add_url_rule("/<province_code>/export.<any(csv, xlsx):fmt>", view_func=province_export)


def get_blueprints():
    return [gap_pages]
