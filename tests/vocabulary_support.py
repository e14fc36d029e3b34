"""Helpers of the vocabulary tests: the sync as a user calls it, and edits of the copied files."""
from __future__ import annotations

from tests.ckan_session import call_action

# The options that name the files the sync reads.
SYNC_CONFIG = {
    "pmqa": "ckanext.provincial.pmqa_file",
    "issues": "ckanext.provincial.development_issues_directory",
    "national": "ckanext.provincial.national_categories_file",
}


def sync(user, **data):
    return call_action("provincial_vocabulary_sync", {"user": user["name"], "ignore_auth": False}, **data)


def edit(path, old: str, new: str) -> None:
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    assert old in text, f"{old!r} not in {path}"
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text.replace(old, new))
