"""Action functions of the extension, one submodule per domain."""
from __future__ import annotations

from typing import Any, Callable


def get_actions() -> dict[str, Callable[..., Any]]:
    from ckanext.provincial.actions import status
    from ckanext.provincial.actions import content_checks
    from ckanext.provincial.actions import vocabulary
    from ckanext.provincial.actions import requirement, gap
    from ckanext.provincial.actions import harvest
    from ckanext.provincial.actions import dataset, dcat
    from ckanext.provincial.actions import datastore
    from ckanext.provincial.actions import catalogue
    from ckanext.provincial.actions import activity, usage, datarequest

    actions: dict[str, Callable[..., Any]] = {}
    for module in (status, content_checks, vocabulary, requirement, gap, harvest, dataset, dcat, datastore, catalogue,
                   activity, usage, datarequest):
        actions.update(module.get_actions())
    from ckanext.provincial.actions import report

    actions.update(report.get_actions())
    from ckanext.provincial.actions import link_checks

    actions.update(link_checks.get_actions())
    from ckanext.provincial.actions import metadata_quality

    actions.update(metadata_quality.get_actions())
    return actions
