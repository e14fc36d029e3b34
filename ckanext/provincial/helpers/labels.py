"""Names of the extension's group types on CKAN's pages, in the page's language.

CKAN names a group type after its id (``h.humanize_entity_type``): the pages of
development issues and national categories said "Development-issues", "Search
National-categorys..." and "Add Development-issue", in English on Thai pages
too. The chained helper below gives the two types their names and leaves every
other type, and every wording, to CKAN.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import vocabulary_store as store
from ckanext.provincial.language import N_



# Singular and plural name of each group type of schemas/*_group.yaml.
GROUP_TYPE_NAMES = {
    store.ISSUE_GROUP_TYPE: (N_("Development issue"), N_("Development issues")),
    store.NATIONAL_GROUP_TYPE: (N_("National category"), N_("National categories")),
}

# CKAN's phrase for a purpose ("Search {object_type}s...", "Add {object_type}") is asked
# for this stand-in type, whose name then gives way to ours: singular, or plural where
# the English phrase adds "s" (Thai phrases have no plural).
_STAND_IN = "provincialgrouptype"
_STAND_IN_NAME = re.compile(_STAND_IN + "(s?)", re.I)


def humanize_entity_type(next_helper: Callable[..., Optional[str]], entity_type: str, object_type: str,
                         purpose: str) -> Optional[str]:
    """``h.humanize_entity_type`` with the names of the development-issue and national-category types."""
    names = GROUP_TYPE_NAMES.get(object_type) if entity_type == "group" else None
    if names is None:
        return next_helper(entity_type, object_type, purpose)
    phrase = next_helper(entity_type, _STAND_IN, purpose)
    if not phrase or not _STAND_IN_NAME.search(phrase):
        return next_helper(entity_type, object_type, purpose)
    singular, plural = (toolkit._(name) for name in names)

    def name(found: re.Match) -> str:
        chosen = plural if found.group(1) else singular
        # Mid-sentence in English the name is lower case ("Search development issues...").
        return chosen if found.start() == 0 else chosen[:1].lower() + chosen[1:]

    return _STAND_IN_NAME.sub(name, phrase)


humanize_entity_type = toolkit.chained_helper(humanize_entity_type)


def get_helpers() -> dict[str, Any]:
    return {"humanize_entity_type": humanize_entity_type}
