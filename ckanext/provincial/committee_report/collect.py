"""Everything the committee's report shows, gathered once from the actions: the single source of the PDF and XLSX.

``collect(context, province_code)`` returns a dictionary with the province,
the day, the overall scores and ``tables``: a list of tables, each with a
``key`` (the XLSX sheet name), Thai and English titles, ``columns`` (``key``,
``th``, ``en``, ``kind``: ``text``, ``code``, ``title`` (text of narrower or wider
columns), ``int``, ``pct``, ``number``, ``date``) and ``rows``
(lists of plain values: numbers stay numbers, dates stay ISO). A section whose
action is not installed or refuses the user keeps its table empty and says why
in ``note``; nothing is ever made up.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import gap, gap_service, language, site, thai_dates

STATUS_NAMES = {
    gap.AVAILABLE: ("พร้อมใช้", "Available"),
    gap.INCOMPLETE: ("ไม่ครบถ้วน", "Incomplete"),
    gap.STALE: ("ไม่ทันสมัย", "Out of date"),
    gap.RESTRICTED: ("ไม่เปิดเผย", "Not public"),
    gap.MISSING: ("ยังไม่มี", "Missing"),
}
PRIORITY_NAMES = {"high": "สูง (high)", "medium": "กลาง (medium)", "low": "ต่ำ (low)"}
DATAREQUEST_STATUS_NAMES = {
    "open": "เปิด (open)", "accepted": "รับเข้าแผน (accepted)", "fulfilled": "ได้รับแล้ว (fulfilled)",
    "answered": "ตอบแล้ว (answered)", "declined": "ไม่รับ (declined)", "merged": "รวมกับคำขออื่น (merged)",
}
TREND_MONTHS = 24
MAX_DATAREQUESTS = 500


def column(key: str, th: str, en: str, kind: str = "text") -> dict[str, str]:
    return {"key": key, "th": th, "en": en, "kind": kind}


GROUP_COLUMNS = [
    column("key", "รหัส", "Code", "code"),
    column("label", "ชื่อ", "Name"),
    column("total", "จำนวนรายการ", "Requirements", "int"),
    *[column(status, th, en, "int") for status, (th, en) in STATUS_NAMES.items()],
    column("coverage", "ความครอบคลุม (%)", "Coverage (%)", "pct"),
    column("readiness", "คะแนนความพร้อม (%)", "Readiness (%)", "pct"),
]


def table(key: str, th: str, en: str, columns: list[dict[str, str]], rows: list[list[Any]],
          note: str = "") -> dict[str, Any]:
    return {"key": key, "title_th": th, "title_en": en, "columns": columns, "rows": rows, "note": note}


def thai(label: Any, fallback: str = "") -> str:
    """A ``{th, en}`` label in Thai (English when there is no Thai)."""
    return language.label_text(label, "th", default=fallback)


# ---------------------------------------------------------------- optional actions

class Unavailable(Exception):
    """A section's action is not installed here, or refuses the user."""


def call_optional(name: str, context, data_dict: dict[str, Any]) -> Any:
    try:
        action = toolkit.get_action(name)
    except (KeyError, AttributeError):  # CKAN's get_action raises KeyError for an unknown action
        raise Unavailable(f"ไม่มีบริการ {name} ในระบบนี้ (action {name} is not installed)")
    try:
        return action(dict(context), data_dict)
    except toolkit.NotAuthorized:
        raise Unavailable(f"ไม่มีสิทธิ์เรียก {name} (not authorized to call {name})")


# ---------------------------------------------------------------- sections

def province_dataset_counts(province_code: str) -> dict[str, int]:
    """The province's datasets in the catalogue, public and private (counts only: read as the site user)."""
    search = toolkit.get_action("package_search")
    fq = gap_service.province_filter([province_code])
    counts = {}
    for key, extra in (("all", ""), ("public", " +capacity:public")):
        counts[key] = search(site.site_context(), {
            "q": "*:*", "fq": fq + extra, "rows": 0, "include_private": True, "facet": "false"})["count"]
    counts["private"] = counts["all"] - counts["public"]
    return counts


def summary_table(result: dict[str, Any], datasets: dict[str, int]) -> dict[str, Any]:
    summary = result["summary"]
    rows = [
        ["ความต้องการข้อมูลตามแผน (TO BE)", "Requirements in the plan (TO BE)", summary["total"]],
        ["ชุดข้อมูลของจังหวัด (AS IS)", "Datasets of the province (AS IS)", datasets["all"]],
        ["ชุดข้อมูลที่เปิดเผย", "Public datasets", datasets["public"]],
        ["ชุดข้อมูลที่ไม่เปิดเผย", "Private datasets", datasets["private"]],
        ["ชุดข้อมูลที่ไม่ตอบความต้องการใด", "Public datasets fulfilling no requirement",
         len(result.get("unlinked_datasets") or [])],
    ]
    for status, (th, en) in STATUS_NAMES.items():
        rows.append([f"ความต้องการที่{th}" if status != gap.MISSING else "ความต้องการที่ยังไม่มีข้อมูล",
                     f"Requirements: {en.lower()}", summary["counts"][status]])
    rows.append(["ความครอบคลุม (%)", "Coverage (%)", summary["coverage"]])
    rows.append(["คะแนนความพร้อม (%)", "Readiness score (%)", summary["readiness"]])
    return table("as is - to be", "ข้อมูลที่มี (AS IS) เทียบกับข้อมูลที่ต้องการ (TO BE)",
                 "What exists (AS IS) against what is needed (TO BE)",
                 [column("item_th", "รายการ", "Item"), column("item_en", "รายการ (อังกฤษ)", "Item (English)"),
                  column("value", "ค่า", "Value", "number")], rows)


def group_rows(groups: list[dict[str, Any]], label_of: Callable[[dict[str, Any]], str]) -> list[list[Any]]:
    rows = []
    for group in groups:
        counts = group.get("counts") or {}
        rows.append([group.get("key", ""), label_of(group), group.get("total", 0)]
                    + [counts.get(status, 0) for status in STATUS_NAMES]
                    + [group.get("coverage", 0.0), group.get("readiness", 0.0)])
    return rows


def _unnamed(group: dict[str, Any], text: str) -> str:
    return text if not group.get("key") else ""


def group_tables(result: dict[str, Any]) -> list[dict[str, Any]]:
    issue = lambda g: thai(g.get("label"), g.get("key") or "") or _unnamed(g, "ไม่ระบุประเด็น (no issue)")  # noqa: E731
    agency = lambda g: g.get("title") or g.get("name") or _unnamed(g, "ไม่ระบุหน่วยงาน (no agency)")  # noqa: E731
    pmqa = lambda g: thai(g.get("label"), g.get("key") or "") or _unnamed(g, "ไม่ระบุหมวด PMQA (no PMQA item)")  # noqa: E731
    return [
        table("development issues", "ความครอบคลุมและความพร้อมรายประเด็นการพัฒนา",
              "Coverage and readiness by development issue", GROUP_COLUMNS,
              group_rows(result.get("by_development_issue") or [], issue)),
        table("agencies", "ความครอบคลุมและความพร้อมรายหน่วยงานที่รับผิดชอบ",
              "Coverage and readiness by responsible agency", [column("key", "ชื่อย่อ", "Short name", "code")] + GROUP_COLUMNS[1:],
              group_rows([dict(g, key=g.get("name") or "") for g in result.get("by_agency") or []], agency)),
        table("pmqa", "ความครอบคลุมและความพร้อมรายหมวด PMQA", "Coverage and readiness by PMQA item",
              GROUP_COLUMNS, group_rows(result.get("by_pmqa") or [], pmqa)),
    ]


def monthly(snapshots: list[dict[str, Any]], months: int = TREND_MONTHS) -> list[dict[str, Any]]:
    """The last snapshot of each month, oldest first, the latest ``months`` months."""
    latest: dict[str, dict[str, Any]] = {}
    for snapshot in sorted(snapshots, key=lambda s: s.get("taken_at") or ""):
        if snapshot.get("taken_at"):
            latest[snapshot["taken_at"][:7]] = snapshot
    return [latest[month] for month in sorted(latest)][-months:]


def trend_table(snapshots: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [[s["taken_at"][:10], s.get("total") or 0]
            + [(s.get("counts") or {}).get(status, 0) for status in STATUS_NAMES]
            + [s.get("coverage") or 0.0, s.get("readiness") or 0.0] for s in snapshots]
    columns = [column("date", "วันที่บันทึก", "Recorded on", "date"),
               column("total", "จำนวนรายการ", "Requirements", "int"),
               *[column(status, th, en, "int") for status, (th, en) in STATUS_NAMES.items()],
               column("coverage", "ความครอบคลุม (%)", "Coverage (%)", "pct"),
               column("readiness", "คะแนนความพร้อม (%)", "Readiness (%)", "pct")]
    note = "" if rows else "ยังไม่มีการบันทึกสถานะ (no snapshot recorded yet)"
    return table("trend", "แนวโน้มความครอบคลุมและความพร้อม (สถานะล่าสุดของแต่ละเดือน)",
                 "Coverage and readiness over time (the last snapshot of each month)", columns, rows, note)


_PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


def missing_stale_table(result: dict[str, Any]) -> dict[str, Any]:
    wanted = [r for r in result.get("requirements") or [] if r["status"] in (gap.MISSING, gap.STALE)]
    wanted.sort(key=lambda r: (r["status"] != gap.MISSING, _PRIORITY_RANK.get(r.get("priority") or "medium", 1),
                               r.get("agency_title") or "", r.get("code") or ""))
    rows = [[r.get("code") or "", r.get("title_th") or r.get("title_en") or "",
             "ยังไม่มี (missing)" if r["status"] == gap.MISSING else "ไม่ทันสมัย (out of date)",
             r.get("days_overdue") if r["status"] == gap.STALE else None,
             PRIORITY_NAMES.get(r.get("priority") or "", r.get("priority") or ""),
             thai(r.get("development_issue_label"), r.get("development_issue") or ""),
             r.get("agency_title") or r.get("agency_name") or ""] for r in wanted]
    columns = [column("code", "รหัส", "Code", "code"), column("title", "ข้อมูลที่ต้องการ", "Requirement", "title"),
               column("status", "สถานะ", "Status"), column("days_overdue", "เกินกำหนด (วัน)", "Days overdue", "int"),
               column("priority", "ความสำคัญ", "Priority"),
               column("development_issue", "ประเด็นการพัฒนา", "Development issue"),
               column("agency", "หน่วยงานที่รับผิดชอบ", "Responsible agency")]
    note = "" if rows else "ไม่มีรายการที่ยังไม่มีหรือไม่ทันสมัย (no missing or out-of-date requirement)"
    return table("missing and stale", "ข้อมูลที่ยังไม่มีและไม่ทันสมัย พร้อมหน่วยงานที่รับผิดชอบ",
                 "Missing and out-of-date requirements, with their responsible agencies", columns, rows, note)


def datarequests(context, province_code: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    action = toolkit.get_action("provincial_datarequest_list")
    while len(found) < MAX_DATAREQUESTS:
        page = action(dict(context), {"province_code": province_code, "limit": 100, "offset": len(found)})
        found.extend(page["results"])
        if not page["results"] or len(found) >= page["count"]:
            break
    return found[:MAX_DATAREQUESTS]


def datarequest_table(context, province_code: str) -> dict[str, Any]:
    try:
        requests = datarequests(context, province_code)
        note = "" if requests else "ไม่มีคำขอข้อมูลของจังหวัด (no data request for this province)"
    except toolkit.NotAuthorized:
        requests, note = [], "ไม่มีสิทธิ์ดูคำขอข้อมูล (not authorized to list the data requests)"
    rows = [[r.get("created", "")[:10], r.get("title") or "",
             DATAREQUEST_STATUS_NAMES.get(r.get("status") or "", r.get("status") or ""),
             thai(r.get("development_issue_label"), r.get("development_issue") or ""),
             r.get("organization_title") or r.get("organization_name") or ""] for r in requests]
    columns = [column("created", "วันที่ขอ", "Requested on", "date"), column("title", "คำขอ", "Request", "title"),
               column("status", "สถานะ", "Status"), column("development_issue", "ประเด็นการพัฒนา", "Development issue"),
               column("agency", "หน่วยงานที่เสนอ", "Suggested agency")]
    return table("data requests", "คำขอข้อมูลของจังหวัด", "Data requests of the province", columns, rows, note)


def quality_table(context, province_code: str) -> dict[str, Any]:
    columns = [column("agency", "หน่วยงาน", "Agency"), column("datasets", "จำนวนชุดข้อมูล", "Datasets", "int"),
               column("score", "คะแนนคุณภาพเมทาดาตา", "Metadata quality score", "number"),
               column("rating", "ระดับ", "Rating")]
    try:
        found = call_optional("provincial_quality_summary", context, {"province_code": province_code}) or {}
    except Unavailable as reason:
        return table("metadata quality", "คุณภาพเมทาดาตารายหน่วยงาน", "Metadata quality by agency", columns, [],
                     str(reason))
    rows = [[a.get("title") or a.get("name") or "", a.get("datasets") or 0, a.get("score"), a.get("rating") or ""]
            for a in found.get("by_agency") or []]
    rows.append(["ทั้งจังหวัด (whole province)", found.get("datasets") or 0, found.get("score"),
                 found.get("rating") or ""])
    top = (found.get("max") or {}).get("total")
    note = f"คะแนนเต็ม {top} นับเฉพาะชุดข้อมูลที่เปิดเผย (out of {top}; public datasets only)" if top else ""
    return table("metadata quality", "คุณภาพเมทาดาตารายหน่วยงาน", "Metadata quality by agency", columns, rows, note)


def links_table(context, province_code: str) -> dict[str, Any]:
    columns = [column("agency", "หน่วยงาน", "Agency"), column("broken", "ลิงก์ที่เสีย", "Broken links", "int")]
    try:
        found = call_optional("provincial_link_broken_list", context, {"province_code": province_code}) or {}
    except Unavailable as reason:
        return table("broken links", "ลิงก์ที่เสียรายหน่วยงาน", "Broken links by agency", columns, [], str(reason))
    rows = [[a.get("title") or a.get("name") or "", a.get("broken") or 0] for a in found.get("by_agency") or []]
    rows.append(["ทั้งจังหวัด (whole province)", found.get("count") or 0])
    return table("broken links", "ลิงก์ที่เสียรายหน่วยงาน", "Broken links by agency", columns, rows)


# ---------------------------------------------------------------- the report

def collect(context, province_code: str, now: Optional[dt.datetime] = None) -> dict[str, Any]:
    """The report of ``province_code`` as the user of ``context`` may see it.

    Raises the ValidationError of ``provincial_gap_show`` (naming ``province_code``) for an unknown province.
    """
    result = toolkit.get_action("provincial_gap_show")(dict(context), {"province_code": province_code})
    province_code = result["province_code"]
    snapshots = toolkit.get_action("provincial_gap_snapshot_list")(
        dict(context), {"province_code": province_code, "limit": 1000})
    trend = monthly(snapshots)
    tables = [
        summary_table(result, province_dataset_counts(province_code)),
        *group_tables(result),
        trend_table(trend),
        missing_stale_table(result),
        datarequest_table(context, province_code),
        quality_table(context, province_code),
        links_table(context, province_code),
    ]
    now = now or dt.datetime.now(gap_service.TIMEZONE)
    return {
        "province_code": province_code,
        "province": result.get("province") or {"th": province_code, "en": province_code},
        "date": result["date"],
        "date_thai": thai_dates.format_thai(result["date"]),
        "year_be": thai_dates.buddhist_year(thai_dates.parse(result["date"]).year),
        "generated_at": now.isoformat(timespec="seconds"),
        "summary": result["summary"],
        "trend": [{"date": s["taken_at"][:10], "coverage": s.get("coverage") or 0.0,
                   "readiness": s.get("readiness") or 0.0} for s in trend],
        "tables": tables,
    }


def table_by_key(report: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in report["tables"] if t["key"] == key)
