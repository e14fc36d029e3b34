"""The demo's data requests: a few per province, in each state, asked and handled by demo users.

Two demonstration citizens per province ask; the member of staff of the agency that coordinates
the plan (``people``) comments, accepts, answers and declines, through the same actions as the
pages, so the history and the dashboards read as a portal in use. Loading again changes nothing:
a request is found by its title (which carries the demonstration marker). A request whose
requirement was purged with the plan (``--reset``) is made again.
"""
from __future__ import annotations

import secrets
from typing import Any, Callable, Optional

import geothai

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.demo import builder, people

CITIZEN_PREFIX = "demo-citizen-"


def citizen(site, code: str, number: int) -> str:
    """A demonstration citizen of the province (made the first time); the user name."""
    name = f"{CITIZEN_PREFIX}{code}-{number}"
    if site.find("user_show", id=name) is None:
        site.call("user_create", name=name, email=f"{name}@demo.invalid", password=secrets.token_urlsafe(24),
                  fullname=toolkit._("Demonstration citizen {number}").format(number=number),
                  about=toolkit._("Demonstration user who asks for data."))
    return name


def _as(user: str) -> dict[str, Any]:
    return {"user": user, "ignore_auth": False}


def _call(action: str, user: str, **data: Any) -> Any:
    return toolkit.get_action(action)(_as(user), data)


def _existing(site, code: str, catalogue: builder.Catalogue) -> dict[str, dict[str, Any]]:
    marker = catalogue.defaults["marker_th"]
    found = site.call("provincial_datarequest_list", province_code=code, q=marker, limit=100)["results"]
    return {r["title"]: r for r in found if builder.is_demo_title(r["title"], catalogue)}


def _pick(rows: list[dict[str, Any]], status: str) -> Optional[dict[str, Any]]:
    return next((row for row in rows if row["status"] == status), None)


def record_province(site, catalogue: builder.Catalogue, code: str) -> int:
    """Make the province's demo requests that are not there yet; how many were made."""
    province = catalogue.province(code)
    coordinator_org = next(
        (o for o in builder.organizations(catalogue, province) if o.get("plan_coordinator") == "True"), None)
    if coordinator_org is None:
        return 0
    coordinator = people.staff_name(coordinator_org["name"])
    first, second = citizen(site, code, 1), citizen(site, code, 2)
    rows = site.call("provincial_gap_show", province_code=code)["requirements"]
    missing, available = _pick(rows, "missing"), _pick(rows, "available")
    districts = geothai.districts(code)
    marker = catalogue.defaults["marker_th"]

    def mark(title: str) -> str:
        return builder.marked(" ".join(title.replace(marker, " ").split()), catalogue)

    wanted: list[tuple[str, Callable[[str], None]]] = []

    def open_request() -> None:
        asked = _call("provincial_datarequest_create", first, province_code=code, title=mark(
            "จุดเสี่ยงน้ำท่วมซ้ำซากรายหมู่บ้าน"), purpose="เตรียมแผนอพยพของชุมชนก่อนฤดูฝน",
            description="ต้องการพิกัดหมู่บ้านที่น้ำท่วมซ้ำซากในรอบ 5 ปี พร้อมระดับน้ำสูงสุดที่บันทึกได้",
            district_code=districts[0].code if districts else "")
        _call("provincial_datarequest_comment", first, id=asked["id"],
              comment="ขอเป็นไฟล์ CSV หรือ GeoJSON ถ้าเป็นไปได้")
        _call("provincial_datarequest_comment", coordinator, id=asked["id"],
              comment="กำลังประสานสำนักงานป้องกันและบรรเทาสาธารณภัยจังหวัด จะแจ้งผลภายในเดือนนี้")

    wanted.append((mark("จุดเสี่ยงน้ำท่วมซ้ำซากรายหมู่บ้าน"), lambda _t: open_request()))

    def accepted_into_plan(requirement: dict[str, Any], asker: str, title: str) -> None:
        asked = _call("provincial_datarequest_create", asker, province_code=code, title=title,
                      purpose="ใช้ประกอบการวิจัยและวางแผนของท้องถิ่น",
                      development_issue=requirement.get("development_issue") or "")
        _call("provincial_datarequest_accept", coordinator, id=asked["id"], requirement_id=requirement["id"],
              comment="บรรจุในแผนความต้องการข้อมูลของจังหวัดแล้ว")

    if missing:
        title = mark(f"ขอ{missing['title_th']}")
        wanted.append((title, lambda t: accepted_into_plan(missing, second, t)))
    if available:
        title = mark(f"ขอ{available['title_th']} ฉบับล่าสุด")
        wanted.append((title, lambda t: accepted_into_plan(available, first, t)))  # fulfilled at once

    def declined(title: str) -> None:
        asked = _call("provincial_datarequest_create", second, province_code=code, title=title,
                      purpose="ติดตามผู้ป่วยในชุมชน")
        _call("provincial_datarequest_close", coordinator, id=asked["id"], outcome="declined",
              reason="เป็นข้อมูลส่วนบุคคลตามพระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562 "
                     "เปิดเผยได้เฉพาะสถิติรวมรายตำบล ซึ่งมีในชุดข้อมูลสาธารณสุขของจังหวัดแล้ว")

    wanted.append((mark("รายชื่อผู้ป่วยโรคเรื้อรังพร้อมที่อยู่"), declined))

    answer = next((d for row in rows if row["status"] == "available" for d in row["datasets"]), None)
    if answer:
        def answered(title: str) -> None:
            asked = _call("provincial_datarequest_create", second, province_code=code, title=title)
            _call("provincial_datarequest_close", coordinator, id=asked["id"], outcome="answered",
                  datasets=[answer["name"]], reason="มีเผยแพร่อยู่แล้วในชุดข้อมูลนี้")

        wanted.append((mark(f"{answer['title']} ย้อนหลัง"), answered))

    existing = _existing(site, code, catalogue)
    made = 0
    for title, make in wanted:
        found = existing.get(title)
        if found is not None and not (found["status"] in ("accepted", "fulfilled") and not found["requirement_id"]):
            continue
        if found is not None:  # its requirement was purged with the plan: make it again
            site.call("provincial_datarequest_delete", id=found["id"])
        make(title)
        made += 1
    return made


def record(site, catalogue: builder.Catalogue, codes: list[str], echo: Callable[[str], None] = lambda s: None) -> None:
    for code in codes:
        made = record_province(site, catalogue, code)
        echo(f"  {catalogue.province(code).name_en}: {made} new demo data requests")
