"""Where the portal keeps its code lists, and how other modules read them.

- The files the operator edits (PMQA, development issues, national group
  categories), named by configuration and parsed by the pure loaders.
- What ``ckan provincial vocabulary sync`` made of them in CKAN: the tag
  vocabulary ``pmqa`` (the codes datasets may carry) and the groups of types
  ``development-issue`` and ``national-category``.
- The search index fields: multi-valued codes go to ``vocab_*`` fields, which
  CKAN's Solr schema stores as multi-valued strings (facets and ``fq``).
"""
from __future__ import annotations

import contextlib
import contextvars
import importlib
import logging
import os
import re
from typing import Any, Iterable, Iterator, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import development_issues, settings, vocabulary
from ckanext.provincial.language import current as current_language, pick

log = logging.getLogger(__name__)

PMQA_VOCABULARY = "pmqa"
ISSUE_GROUP_TYPE = "development-issue"
NATIONAL_GROUP_TYPE = "national-category"

# Dataset fields (schemas/dataset.yaml) and the index fields they feed.
PMQA_FIELD = "pmqa"
ISSUES_FIELD = "development_issues"
PROVINCE_FIELD = "province_code"
PMQA_INDEX_FIELD = "vocab_" + PMQA_VOCABULARY
ISSUES_INDEX_FIELD = "vocab_" + ISSUES_FIELD
# Area code lists are indexed one code per value in the multi-valued vocab_*
# fields of CKAN's Solr schema (its catch-all "*" field holds one value).
AREA_FIELDS = ("district_codes", "subdistrict_codes")
DISTRICTS_INDEX_FIELD = "vocab_district_codes"

# Group fields kept in group extras, as named in the group schemas.
ISSUE_GROUP_FIELDS = ("title_en", "description_en", "province_code", "kind", "parent", "position")
NATIONAL_GROUP_FIELDS = ("title_en", "description_en", "position")


# ------------------------------------------------------------------ files --

def resolve(spec: str) -> str:
    """``package.module:relative/path`` (as scheming names schemas) or a plain path."""
    module_name, sep, relative = spec.partition(":")
    if sep and module_name and not os.path.isabs(spec) and "/" not in module_name and "\\" not in module_name:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return spec
        return os.path.join(os.path.dirname(os.path.abspath(module.__file__)), relative)
    return spec


def pmqa_path() -> str:
    return resolve(settings.pmqa_file())


def issues_directory() -> str:
    return resolve(settings.development_issues_directory())


def national_categories_path() -> str:
    return resolve(settings.national_categories_file())


def pmqa_file() -> vocabulary.PmqaVocabulary:
    """The PMQA file as it is now (parsed again only after it changes); raises on a bad file."""
    return vocabulary.cached(vocabulary.load_pmqa, pmqa_path())


def issue_file() -> development_issues.IssueCatalogue:
    return vocabulary.cached(development_issues.load_directory, issues_directory())


def national_categories_file() -> tuple[vocabulary.NationalCategory, ...]:
    return vocabulary.cached(vocabulary.load_national_categories, national_categories_path())


def pmqa_file_or_none() -> Optional[vocabulary.PmqaVocabulary]:
    """For display: a broken file must not break pages (the sync reports it)."""
    try:
        return pmqa_file()
    except (vocabulary.VocabularyFileError, OSError) as error:
        log.warning("PMQA names unavailable: %s", error)
        return None


# ------------------------------------------------------------ CKAN state --

def read_context() -> dict:
    return {"ignore_auth": True}


def pmqa_codes_in_ckan() -> list[str]:
    """The codes of the ``pmqa`` tag vocabulary (empty before the first sync)."""
    try:
        found = toolkit.get_action("vocabulary_show")(read_context(), {"id": PMQA_VOCABULARY})
    except toolkit.ObjectNotFound:
        return []
    return [tag["name"] for tag in found.get("tags", [])]


def group_fields(group: dict, names: Iterable[str]) -> dict[str, Any]:
    """A group's schema fields, whether it came from group_show (top level) or group_list (extras)."""
    fields = {extra["key"]: extra["value"] for extra in group.get("extras") or [] if extra.get("state", "active") == "active"}
    for name in names:
        if name in group:
            fields[name] = group[name]
    return fields


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def groups_of_type(group_type: str, names: Optional[Iterable[str]] = None) -> dict[str, dict]:
    """Active groups of ``group_type`` (only ``names`` if given), by name, with their extras."""
    # A name with a NUL or a lone surrogate is no group's (and PostgreSQL refuses it as a parameter).
    wanted = None if names is None else sorted({name for name in names if not _UNSTORABLE.search(str(name))})
    if wanted == []:
        return {}
    found: dict[str, dict] = {}
    offset = 0
    page_size = 25  # CKAN's cap for all_fields listings
    while True:
        data = {
            "type": group_type, "all_fields": True, "include_extras": True,
            "include_dataset_count": False, "include_member_count": False,
            "limit": page_size, "offset": offset, "sort": "name asc",
        }
        if wanted is not None:
            data["groups"] = wanted
        page = toolkit.get_action("group_list")(read_context(), data)
        for group in page:
            found[group["name"]] = group
        if len(page) < page_size:
            return found
        offset += page_size


def _read_issue_groups(codes: Optional[Iterable[str]] = None) -> dict[str, dict[str, Any]]:
    out = {}
    for name, group in groups_of_type(ISSUE_GROUP_TYPE, codes).items():
        fields = group_fields(group, ISSUE_GROUP_FIELDS)
        fields["title"] = group.get("title") or name
        out[name] = fields
    return out


# Issue groups already read, for one request (flask.g) or one ``remembering_issue_groups()``
# block: every dataset index write and validation reads them, a listing each time otherwise.
_ISSUE_MEMO: contextvars.ContextVar[Optional[dict]] = contextvars.ContextVar("provincial_issue_groups", default=None)
_ALL = object()


def _issue_memo() -> Optional[dict]:
    memo = _ISSUE_MEMO.get()
    if memo is not None:
        return memo
    try:
        memo = getattr(toolkit.g, "provincial_issue_groups", None)
        if memo is None:
            memo = toolkit.g.provincial_issue_groups = {}
        return memo
    except (RuntimeError, AttributeError, TypeError):  # no request: read every time
        return None


@contextlib.contextmanager
def remembering_issue_groups() -> Iterator[None]:
    """Read each issue group once in this block (a command-line load has no request to scope it)."""
    token = _ISSUE_MEMO.set({})
    try:
        yield
    finally:
        _ISSUE_MEMO.reset(token)


def forget_issue_groups() -> None:
    """After any group change (create, update, delete, vocabulary sync): read them again."""
    memo = _ISSUE_MEMO.get()
    if memo is not None:
        memo.clear()
    try:
        memo = getattr(toolkit.g, "provincial_issue_groups", None)
    except (RuntimeError, AttributeError, TypeError):
        memo = None
    if memo is not None:
        memo.clear()


def group_changed(entity: Any) -> None:
    """A group (not a dataset, which shares the hooks' names) was created, updated or deleted."""
    if hasattr(entity, "is_organization"):
        forget_issue_groups()


def issue_groups(codes: Optional[Iterable[str]] = None) -> dict[str, dict[str, Any]]:
    """Development issue groups by code: title, and the fields province_code, kind, parent..."""
    codes = None if codes is None else list(codes)
    memo = _issue_memo()
    if memo is None or (codes is not None and not all(isinstance(code, str) for code in codes)):
        return _read_issue_groups(codes)
    if codes is None:
        if _ALL not in memo:
            memo[_ALL] = _read_issue_groups()
        return {name: dict(fields) for name, fields in memo[_ALL].items()}
    if _ALL in memo:
        known = memo[_ALL]
    else:
        missing = sorted({code for code in codes if code not in memo})
        if missing:
            found = _read_issue_groups(missing)
            for code in missing:
                memo[code] = found.get(code)
        known = {code: memo[code] for code in codes if memo[code] is not None}
    return {code: dict(known[code]) for code in sorted(set(codes)) if code in known}


def issue_ancestors(codes: Iterable[str]) -> list[str]:
    """The parents (and their parents) of the given issue codes, from the synced groups."""
    found: list[str] = []
    pending = list(codes)
    seen = set(pending)
    while pending:
        groups = issue_groups(pending)
        pending = []
        for code, fields in groups.items():
            parent = fields.get("parent")
            if parent and parent not in seen:
                seen.add(parent)
                found.append(parent)
                pending.append(parent)
    return found


def issue_label(code: str, fields: Optional[dict] = None) -> str:
    if fields is None:
        fields = issue_groups([code]).get(code)
    if not fields:
        return code
    return pick(fields.get("title") or code, fields.get("title_en") or "")


def pmqa_label(code: str, pmqa: Optional[vocabulary.PmqaVocabulary] = None, with_code: bool = True) -> str:
    pmqa = pmqa if pmqa is not None else pmqa_file_or_none()
    term = pmqa.get(code) if pmqa else None
    if term is None:
        return code
    name = term.name.in_language(current_language())
    if not with_code:
        return name
    if term.is_category:
        return toolkit._("Category {code}: {name}").format(code=code, name=name)
    return f"{code} {name}"


def datasets_using(index_field: str, code: str, limit: int = 1000) -> list[str]:
    """Names of datasets (private and draft included) whose ``index_field`` holds ``code``."""
    result = toolkit.get_action("package_search")(read_context(), {
        "fq": '+{}:"{}"'.format(index_field, code.replace('"', '\\"')),
        "fl": "name", "rows": limit, "include_private": True, "include_drafts": True,
        "sort": "name asc",
    })
    return [row["name"] for row in result["results"]]
