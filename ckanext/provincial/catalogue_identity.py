"""Which kind of catalogue this portal is, as the national GDC stack names it.

A plain module (no action imports) so the DCAT profile and ``status_show`` read the same
answer without the profile importing the action layer.
"""
from __future__ import annotations

from ckanext.provincial import settings

# The national Government Data Catalog's catalogue types (ckanext-thai_gdc).
CATALOG_TYPES = ("agency", "area_based", "data_center", "local_government")
DEFAULT_CATALOG_TYPE = "area_based"


def catalog_type() -> str:
    """The configured catalogue type; CKAN refuses to start with one outside ``CATALOG_TYPES``."""
    return settings.thaigdc_catalog_type(DEFAULT_CATALOG_TYPE)
