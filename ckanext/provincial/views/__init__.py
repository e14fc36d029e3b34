"""Flask blueprints of the extension, one submodule per page family."""
from __future__ import annotations

from flask import Blueprint


def get_blueprints() -> list[Blueprint]:
    from ckanext.provincial.views import catalogue, datastore, downloads, gap, previews, requirement
    from ckanext.provincial.views import datarequest, usage
    from ckanext.provincial.dcat import views as dcat_views

    modules: tuple = (gap, requirement, previews, datastore, downloads, dcat_views, catalogue, datarequest, usage)
    from ckanext.provincial.views import report

    modules += (report,)
    from ckanext.provincial.views import link_checks

    modules += (link_checks,)
    return [bp for module in modules for bp in module.get_blueprints()]
