"""Template helpers of the extension, one submodule per domain."""
from __future__ import annotations

from typing import Any, Callable


def get_helpers() -> dict[str, Callable[..., Any]]:
    from ckanext.provincial.helpers import dates
    from ckanext.provincial.helpers import content_checks
    from ckanext.provincial.helpers import vocabulary
    from ckanext.provincial.helpers import gap
    from ckanext.provincial.helpers import schema
    from ckanext.provincial.helpers import home
    from ckanext.provincial.helpers import labels
    from ckanext.provincial.helpers import national
    from ckanext.provincial.helpers import activity, usage, datarequest

    modules: tuple = (dates, content_checks, vocabulary, gap, schema, home, labels, national, activity, usage, datarequest)
    found: dict[str, Callable[..., Any]] = {}
    for module in modules:
        found.update(module.get_helpers())
    from ckanext.provincial.helpers import metadata_quality

    found.update(metadata_quality.get_helpers())
    from ckanext.provincial.helpers import link_checks

    found.update(link_checks.get_helpers())
    return found
