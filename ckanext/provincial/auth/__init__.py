"""Auth functions of the extension, one submodule per domain."""
from __future__ import annotations

from typing import Any, Callable


def get_auth_functions() -> dict[str, Callable[..., Any]]:
    from ckanext.provincial.auth import content_checks
    from ckanext.provincial.auth import vocabulary
    from ckanext.provincial.auth import requirement, gap
    from ckanext.provincial.auth import harvest
    from ckanext.provincial.auth import catalogue
    from ckanext.provincial.auth import activity, usage, datarequest

    modules: tuple = (content_checks, vocabulary, requirement, gap, harvest, catalogue, activity, usage, datarequest)
    functions: dict[str, Callable[..., Any]] = {}
    for module in modules:
        functions.update(module.get_auth_functions())
    from ckanext.provincial.auth import report

    functions.update(report.get_auth_functions())
    from ckanext.provincial.auth import link_checks

    functions.update(link_checks.get_auth_functions())
    from ckanext.provincial.auth import metadata_quality

    functions.update(metadata_quality.get_auth_functions())
    return functions
