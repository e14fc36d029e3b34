"""The link checks at index time: which resources of the dataset being indexed are broken links.

``before_dataset_index`` sets :data:`INDEX_KEY` for ``quality.check`` (through
``gap.index_fields``) and removes it again before the document goes to Solr:
the schema's catch-all field is single-valued, so a list of two ids would make
Solr refuse the dataset. ``package_show`` and DCAT never see it (CKAN stored
``validated_data_dict`` before the plugins run).
"""
from __future__ import annotations

from typing import Any

from ckanext.provincial import quality
from ckanext.provincial.link_checks import policy, store

INDEX_KEY = quality.BROKEN_LINKS_KEY


def broken_links(pkg_dict: dict[str, Any]) -> list[str]:
    """Ids of the dataset's resources still holding the URL that was found broken."""
    resources = quality.full_resources(pkg_dict)
    if not pkg_dict.get("id") or not any(policy.is_link(resource) for resource in resources):
        return []
    return policy.broken_in_dataset(resources, store.broken_urls(pkg_dict["id"]))
