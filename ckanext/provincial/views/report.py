"""The committee's report on demand: ``/gap/<province>/report.pdf`` and ``/gap/<province>/report.xlsx``.

Both are built for the visitor (``provincial_gap_show`` as that user) from the
same collected tables; the gap page links to them.
"""
from __future__ import annotations

from flask import Blueprint, make_response

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.views.gap import context

report_pages = Blueprint("provincial_report", __name__, url_prefix="/gap")

MIMETYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report(province_code: str, fmt: str):
    from ckanext.provincial.committee_report import collect, options, pdf, publish, xlsx

    try:
        found = collect.collect(context(), province_code)
    except toolkit.ValidationError as error:
        if "province_code" in error.error_dict:
            toolkit.abort(404, toolkit._("Province not found"))
        raise
    content = pdf.write_pdf(found, options.site_title()) if fmt == "pdf" else xlsx.write_xlsx(found)
    response = make_response(content)
    response.headers["Content-Type"] = MIMETYPES[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{publish.filename(found, fmt)}"'
    response.headers["Cache-Control"] = "private, max-age=0"
    return response


report_pages.add_url_rule("/<province_code>/report.<any(pdf, xlsx):fmt>", view_func=report)


def get_blueprints():
    return [report_pages]
