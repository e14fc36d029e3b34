"""Catalogue identity added to ``status_show``, as the national GDC stack reports it."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as toolkit

import ckanext.provincial as provincial
from ckanext.provincial import settings
from ckanext.provincial.catalogue_identity import catalog_type


@toolkit.chained_action
@toolkit.side_effect_free
def status_show(original_action, context, data_dict) -> dict[str, Any]:
    """Return CKAN's site status plus the provincial catalogue identity.

    Adds to what CKAN's own ``status_show`` returns:

    - ``thaigdc_catalog_type``: ``agency``, ``area_based``, ``data_center`` or
      ``local_government`` (``ckanext.provincial.thaigdc_catalog_type``;
      ``area_based`` for a province), as the national GDC extension reports it;
    - ``thaigdc_version``: the release of the national GDC metadata schema this
      catalogue's fields match (``ckanext.provincial.thaigdc_version``);
    - ``provincial_version``: the version of ckanext-provincial;
    - ``provincial_province_code``: the province the portal serves
      (``ckanext.provincial.province_code``, empty for several).

    :returns: the site status
    :rtype: dictionary
    """
    status = original_action(context, data_dict)
    status["thaigdc_catalog_type"] = catalog_type()
    status["thaigdc_version"] = settings.thaigdc_version()
    status["provincial_version"] = provincial.__version__
    status["provincial_province_code"] = settings.province_code()
    return status


def get_actions():
    return {"status_show": status_show}
