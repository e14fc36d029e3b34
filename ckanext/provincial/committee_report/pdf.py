"""The committee's report as a PDF: the collected tables typeset by WeasyPrint (Pango/HarfBuzz shaping).

Thai needs text shaping (vowel and tone marks stacked on their consonants) and
dictionary line breaking (no spaces between words): WeasyPrint gets both from
Pango, which breaks Thai lines with libthai when Pango is built with it (as
Debian's is). The only font is the portal's bundled Sarabun, loaded by
``@font-face`` from its files (``public/provincial/fonts``) by file URL, so the
PDF looks the same on every server whatever fonts the system has.

The template is rendered by a Jinja environment of its own (not CKAN's): the
document has no page chrome, and a command or a job renders it without a request.
"""
from __future__ import annotations

import html
import os
import pathlib
from typing import Any, Optional

import jinja2

from ckanext.provincial import thai_dates

HERE = pathlib.Path(__file__).resolve().parent
TEMPLATES = HERE.parent / "templates"
FONTS = HERE.parent / "public" / "provincial" / "fonts"
FONT_FILES = ("sarabun-thai-400-normal.woff2", "sarabun-thai-700-normal.woff2",
              "sarabun-latin-400-normal.woff2", "sarabun-latin-700-normal.woff2")
FONT_NAME = "Sarabun"
# The Thai and Latin subsets as two families (see the template): Latin first, Thai for the rest.
FONT_FAMILIES = ("Sarabun Latin", "Sarabun Thai")


# ---------------------------------------------------------------- cell text

def int_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def pct_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):.1f}"
    except (TypeError, ValueError):
        return str(value)


def cell(value: Any, kind: str) -> str:
    """A table cell as printed: integers with separators, percentages to one decimal, dates in Thai."""
    if value is None:
        return ""
    if kind == "int":
        return int_text(value)
    if kind == "pct":
        return pct_text(value)
    if kind == "number":
        return pct_text(value) if isinstance(value, float) else int_text(value) if isinstance(value, int) else str(value)
    if kind == "date":
        return thai_dates.format_thai(value, short=True)
    return str(value)


# Relative widths of the columns by kind (tables are laid out fixed: see the template).
COLUMN_WEIGHTS = {"int": 1.3, "pct": 1.35, "number": 1.4, "date": 1.6, "code": 1.8, "text": 3.0, "title": 4.5}


def column_widths(columns: list[dict[str, str]]) -> list[str]:
    """Each column's width in % of the table."""
    weights = [COLUMN_WEIGHTS.get(c.get("kind") or "text", 3.0) for c in columns]
    return [f"{100 * w / sum(weights):.2f}" for w in weights]


# ---------------------------------------------------------------- the trend chart

def trend_svg(points: list[dict[str, Any]], width: int = 680, height: int = 260) -> str:
    """Coverage and readiness over time as an inline SVG (labels in the bundled font); "" with no point."""
    if not points:
        return ""
    left, right, top, bottom = 44, 16, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return left + (index * step if len(points) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h * (1 - max(0.0, min(100.0, float(value or 0))) / 100)

    svg_family = ", ".join(f"'{name}'" for name in FONT_FAMILIES)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="170mm" height="{170 * height / width:.1f}mm" '
             f'viewBox="0 0 {width} {height}" font-family="{svg_family}" font-size="11">']
    for tick in range(0, 101, 20):
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - right}" y2="{y(tick):.1f}" '
                     f'stroke="#d0d7de" stroke-width="0.8"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#444">{tick}%</text>')
    every = max(1, -(-len(points) // 12))  # at most 12 labels
    for index, point in enumerate(points):
        if index % every == 0 or index == len(points) - 1:
            label = html.escape(thai_dates.format_thai(point["date"], short=True).split(" ", 1)[-1])
            parts.append(f'<text x="{x(index):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'fill="#444">{label}</text>')
    for key, color in (("coverage", "#1f5fa8"), ("readiness", "#2e8b57")):
        coords = " ".join(f"{x(i):.1f},{y(p[key]):.1f}" for i, p in enumerate(points))
        if len(points) > 1:
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2.2"/>')
        parts.extend(f'<circle cx="{x(i):.1f}" cy="{y(p[key]):.1f}" r="3" fill="{color}"/>' for i, p in enumerate(points))
    legend = (("ความครอบคลุม (coverage)", "#1f5fa8"), ("คะแนนความพร้อม (readiness)", "#2e8b57"))
    for index, (label, color) in enumerate(legend):
        lx = left + index * 230
        parts.append(f'<rect x="{lx}" y="6" width="14" height="4" fill="{color}"/>')
        parts.append(f'<text x="{lx + 20}" y="13" fill="#222">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- the document

def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters.update({"cell": cell, "int_text": int_text, "pct_text": pct_text, "column_widths": column_widths})
    return env


def font_base() -> str:
    """The file URL of the bundled fonts' folder, ending with a slash."""
    return FONTS.as_uri() + "/"


def render_html(report: dict[str, Any], site_title: str = "") -> str:
    generated = thai_dates.format_thai(report["generated_at"])
    return environment().get_template("committee_report/report.html").render(
        report=report, chart=trend_svg(report.get("trend") or []), font_base=font_base(),
        site_title=site_title, generated_thai=generated,
        font_family=", ".join(f'"{name}"' for name in FONT_FAMILIES))


def write_pdf(report: dict[str, Any], site_title: str = "", target: Optional[str] = None) -> bytes:
    """The report as PDF bytes (also written to ``target`` when given)."""
    from weasyprint import HTML  # imported here: loads Pango, needed only when a report is made
    from weasyprint.text.fonts import FontConfiguration

    missing = [name for name in FONT_FILES if not (FONTS / name).is_file()]
    if missing:
        raise RuntimeError(f"bundled font files missing in {FONTS}: {', '.join(missing)}")
    document = HTML(string=render_html(report, site_title), base_url=str(FONTS) + os.sep)
    content = document.write_pdf(font_config=FontConfiguration())
    if target:
        with open(target, "wb") as handle:
            handle.write(content)
    return content
