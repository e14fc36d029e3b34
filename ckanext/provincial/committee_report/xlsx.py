"""The committee's report as a workbook: the same tables as the PDF, one sheet each, plus a cover sheet."""
from __future__ import annotations

from typing import Any

from ckanext.provincial import plan_io


def header(columns: list[dict[str, str]]) -> list[str]:
    return [f"{c['th']} ({c['en']})" for c in columns]


def write_xlsx(report: dict[str, Any]) -> bytes:
    """One sheet per table (named by the table's ``key``), values as collected: numbers stay numbers."""
    province = report["province"]
    cover = [
        ["จังหวัด (Province)", f"{province.get('th', '')} ({province.get('en', '')})"],
        ["รหัสจังหวัด (Province code)", report["province_code"]],
        ["ข้อมูล ณ วันที่ (As of)", report["date_thai"]],
        ["ข้อมูล ณ วันที่ ค.ศ. (As of, ISO)", report["date"]],
        ["จัดทำเมื่อ (Generated at)", report["generated_at"]],
    ]
    sheets: list[tuple[str, list[str], list[list[Any]]]] = [("report", ["รายการ (Item)", "ค่า (Value)"], cover)]
    for table in report["tables"]:
        rows = table["rows"] or ([[table["note"]]] if table["note"] else [])
        sheets.append((table["key"], header(table["columns"]), rows))
    return plan_io.write_xlsx(sheets)
