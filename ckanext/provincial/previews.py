"""Resource views that CKAN 2.11 core lacks: PDF documents.

CKAN core ships image, text, web page and DataStore table views but no PDF
view; browsers render PDF themselves, so the view is an ``<iframe>`` on the
file (CKAN serves uploads inline).
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit


def is_pdf(resource: dict[str, Any]) -> bool:
    fmt = (resource.get("format") or "").strip().lower()
    url = (resource.get("url") or "").split("?")[0].lower()
    return fmt in ("pdf", "application/pdf") or resource.get("mimetype") == "application/pdf" or url.endswith(".pdf")


class PdfView(plugins.SingletonPlugin):
    """``provincial_pdf_view``: shows a PDF resource in the page."""

    plugins.implements(plugins.IResourceView, inherit=True)

    def info(self) -> dict[str, Any]:
        return {
            "name": "provincial_pdf_view",
            "title": toolkit._("PDF"),
            "icon": "file-pdf",
            "iframed": False,
            "always_available": False,
            "default_title": toolkit._("PDF document"),
        }

    def can_view(self, data_dict: dict[str, Any]) -> bool:
        return is_pdf(data_dict["resource"])

    def view_template(self, context, data_dict) -> str:
        return "provincial/views/pdf_view.html"
