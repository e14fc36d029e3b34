"""Load the operator-edited code lists into CKAN, and read them back.

``provincial_vocabulary_sync`` makes CKAN match the files: the PMQA codes
become the tag vocabulary ``pmqa``; development issues and national group
categories become groups of types ``development-issue`` and
``national-category``. It first reads every file and works out every change;
if a file is malformed, or a code still used by datasets would disappear, it
changes nothing and says why. Running it twice changes nothing the second time.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

from ckanext.provincial import development_issues, site, vocabulary
from ckanext.provincial import vocabulary_store as store
from ckanext.provincial.validators import requirement as checks
from ckanext.provincial.vocabulary import N_

log = logging.getLogger(__name__)

LISTED_DATASETS = 20


def sync_schema() -> dict:
    v = toolkit.get_validator
    return {"dry_run": [v("default")(False), checks.boolean_validator]}


def show_schema() -> dict:
    v = toolkit.get_validator
    return {
        "vocabulary": [v("not_empty"), v("unicode_safe"), v("one_of")(["pmqa", "development_issues", "national_categories"])],
        "province_code": [v("ignore_missing"), v("unicode_safe")],
    }


def _dataset_list(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED_DATASETS])
    if len(names) > LISTED_DATASETS:
        shown += " " + toolkit._("and {count} more").format(count=len(names) - LISTED_DATASETS)
    return shown


def _file_error(error: vocabulary.VocabularyFileError) -> str:
    return error.message(toolkit._)


# ------------------------------------------------------------------ PMQA --

def _pmqa_vocabulary_schema(create: bool) -> dict:
    """CKAN's vocabulary schema without the 2-character minimum of free tags.

    PMQA category codes are one digit ("4"); the loader has already checked
    every code, and CKAN's character rule for tag names still applies.
    """
    v = toolkit.get_validator
    tags = {"name": [v("not_empty"), v("unicode_safe"), v("tag_name_validator")]}
    if create:
        return {"id": [v("empty")], "name": [v("not_empty"), v("unicode_safe"), v("vocabulary_name_validator")], "tags": tags}
    return {"id": [v("not_empty"), v("unicode_safe"), v("vocabulary_id_not_changed")], "tags": tags}


@dataclass
class PmqaPlan:
    source: vocabulary.PmqaVocabulary
    current: Optional[list[str]]  # None: the vocabulary does not exist yet
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __post_init__(self):
        current = self.current or []
        wanted = self.source.codes()
        self.added = [code for code in wanted if code not in current]
        self.removed = [code for code in current if code not in wanted]

    @property
    def changed(self) -> bool:
        return self.current is None or bool(self.added or self.removed)

    def blockers(self) -> list[str]:
        found = []
        for code in self.removed:
            users = store.datasets_using(store.PMQA_INDEX_FIELD, code)
            if users:
                found.append(toolkit._(
                    'PMQA code "{code}" cannot be removed: {count} datasets use it ({datasets}). '
                    "Take the code off these datasets first, or keep it in {file}."
                ).format(code=code, count=len(users), datasets=_dataset_list(users), file=self.source.path))
        return found

    def apply(self, context: dict) -> None:
        if not self.changed:
            return
        tags = [{"name": code} for code in self.source.codes()]
        own = {"user": context["user"]}
        if self.current is None:
            toolkit.get_action("vocabulary_create")(
                dict(own, schema=_pmqa_vocabulary_schema(True)), {"name": store.PMQA_VOCABULARY, "tags": tags})
        else:
            found = toolkit.get_action("vocabulary_show")(dict(own), {"id": store.PMQA_VOCABULARY})
            toolkit.get_action("vocabulary_update")(
                dict(own, schema=_pmqa_vocabulary_schema(False)), {"id": found["id"], "tags": tags})

    def report(self) -> dict:
        return {
            "created": self.current is None, "added": self.added, "removed": self.removed,
            "unchanged": len(self.source.codes()) - len(self.added),
        }


# ---------------------------------------------------------------- groups --

@dataclass
class GroupSpec:
    """What one group should look like after the sync."""

    name: str
    title: str
    description: str
    fields: dict[str, str]
    parent: Optional[str] = None  # also set as the CKAN group hierarchy parent


@dataclass
class GroupPlan:
    group_type: str
    path: str
    wanted: list[GroupSpec]
    field_names: tuple[str, ...]
    in_use_message: str
    existing: dict[str, dict] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    revived: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    taken: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self):
        self.existing = store.groups_of_type(self.group_type)
        names = [spec.name for spec in self.wanted]
        for spec in self.wanted:
            group = self.existing.get(spec.name)
            if group is None:
                other = self._any_group(spec.name)
                if other is None:
                    self.added.append(spec.name)
                elif other.get("type") == self.group_type and other.get("state") == "deleted":
                    self.revived.append(spec.name)
                else:
                    self.taken[spec.name] = other
            elif self._differs(spec, group):
                self.updated.append(spec.name)
                if (store.group_fields(group, self.field_names).get("parent") or None) != spec.parent:
                    self.moved.append(spec.name)
        # Sub-issues before their issues.
        gone = [name for name in self.existing if name not in names]
        self.removed = sorted(gone, key=lambda name: not store.group_fields(self.existing[name], ("parent",)).get("parent"))

    @staticmethod
    def _any_group(name: str) -> Optional[dict]:
        """The group or organization (any type, deleted too) holding ``name``."""
        for action in ("group_show", "organization_show"):
            try:
                return toolkit.get_action(action)(store.read_context(), {
                    "id": name, "include_datasets": False, "include_dataset_count": False,
                    "include_users": False, "include_groups": False, "include_extras": False,
                    "include_followers": False, "include_tags": False,
                })
            except toolkit.ObjectNotFound:
                continue
        return None

    def _differs(self, spec: GroupSpec, group: dict) -> bool:
        current = store.group_fields(group, self.field_names)
        if (group.get("title") or "") != spec.title or (group.get("description") or "") != spec.description:
            return True
        return any((current.get(key) or "") != (value or "") for key, value in spec.fields.items())

    def blockers(self) -> list[str]:
        found = []
        for name, other in self.taken.items():
            found.append(toolkit._(
                'The code "{code}" in {file} is already the name of another group or organization ("{title}", type {type}); '
                "give the entry another code."
            ).format(code=name, file=self.path, title=other.get("title") or name, type=other.get("type")))
        for name in self.removed:
            users = store.datasets_using("groups", name)
            if users:
                found.append(toolkit._(self.in_use_message).format(
                    code=name, count=len(users), datasets=_dataset_list(users), file=self.path))
        return found

    def datasets_to_reindex(self) -> list[str]:
        """Datasets of issues that got another parent: their index lists the parents' pages."""
        names: list[str] = []
        for name in self.moved:
            names.extend(store.datasets_using("groups", name))
        return sorted(set(names))

    def apply(self, context: dict) -> None:
        # The sync reads nothing back: without return_id_only each create ends in a group_show
        # that also searches the group's datasets. CKAN's activity plugin needs that group
        # dict (upstream.py), so it is asked for only without that plugin.
        own = {"user": context["user"], "return_id_only": not plugins.plugin_loaded("activity")}
        for spec in self.wanted:
            data: dict[str, Any] = {"title": spec.title, "description": spec.description, **spec.fields}
            if self.group_type == store.ISSUE_GROUP_TYPE:
                data["groups"] = [{"name": spec.parent}] if spec.parent else []
            if spec.name in self.added:
                toolkit.get_action("group_create")(dict(own), dict(data, name=spec.name, type=self.group_type))
            elif spec.name in self.revived:
                toolkit.get_action("group_patch")(dict(own), dict(data, id=spec.name, state="active"))
            elif spec.name in self.updated:
                toolkit.get_action("group_patch")(dict(own), dict(data, id=spec.name))
        for name in self.removed:
            toolkit.get_action("group_delete")(dict(own), {"id": name})

    def report(self) -> dict:
        changed = set(self.added + self.revived + self.updated)
        return {
            "added": self.added + self.revived, "updated": self.updated, "removed": self.removed,
            "unchanged": len([s for s in self.wanted if s.name not in changed]),
        }


def _issue_specs(catalogue: development_issues.IssueCatalogue) -> list[GroupSpec]:
    return [
        GroupSpec(
            name=issue.code, title=issue.name.th, description=issue.description.th if issue.description else "",
            fields={
                "title_en": issue.name.en, "description_en": issue.description.en if issue.description else "",
                "province_code": issue.province_code, "kind": issue.kind, "parent": issue.parent or "",
                "position": str(issue.position),
            },
            parent=issue.parent,
        )
        for issue in catalogue.all()
    ]


def _national_specs(categories) -> list[GroupSpec]:
    return [
        GroupSpec(
            name=category.code, title=category.name.th,
            description=category.description.th if category.description else "",
            fields={
                "title_en": category.name.en, "description_en": category.description.en if category.description else "",
                "position": str(position),
            },
        )
        for position, category in enumerate(categories)
    ]


# --------------------------------------------------------------- actions --

def _read_files() -> tuple[dict[str, Any], dict[str, list[str]]]:
    sources: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    readers: dict[str, tuple[Callable, Callable[[], str]]] = {
        "pmqa": (vocabulary.load_pmqa, store.pmqa_path),
        "national_categories": (vocabulary.load_national_categories, store.national_categories_path),
        "development_issues": (development_issues.load_directory, store.issues_directory),
    }
    for key, (load, where) in readers.items():
        try:
            sources[key] = load(where())
        except vocabulary.VocabularyFileError as error:
            errors[key] = [_file_error(error)]
    return sources, errors


def _reindex(names: list[str]) -> None:
    # No action re-indexes a dataset without changing it; CKAN's search
    # module is the documented way (as `ckan search-index rebuild` does).
    if not names:
        return
    from ckan.lib import search

    search.rebuild(package_ids=names, defer_commit=True)
    search.commit()


def provincial_vocabulary_sync(context, data_dict) -> dict[str, Any]:
    """Make CKAN's PMQA vocabulary and issue/category groups match the files.

    Reads the PMQA file (``ckanext.provincial.pmqa_file``), the development
    issue files (``ckanext.provincial.development_issues_directory``) and the
    national group categories (``ckanext.provincial.national_categories_file``),
    then adds, renames and removes entries in CKAN. Idempotent: a second run
    changes nothing. Nothing is changed when a file is malformed (the error
    names the file, line and reason) or when an entry still used by datasets
    would be removed (the error lists the datasets). Sysadmins only.

    :param dry_run: only report what would change (optional, default ``False``)
    :type dry_run: bool

    :returns: per part (``pmqa``, ``national_categories``,
        ``development_issues``) the codes ``added``, ``updated``, ``removed``
        and the count ``unchanged``; ``reindexed``: datasets whose search
        entry was refreshed; ``dry_run``
    :rtype: dict
    """
    toolkit.check_access("provincial_vocabulary_sync", context, data_dict)
    data, errors = toolkit.navl_validate(data_dict, sync_schema(), context)
    if errors:
        raise toolkit.ValidationError(errors)

    sources, errors = _read_files()
    if errors:
        raise toolkit.ValidationError(errors)

    pmqa_codes = store.pmqa_codes_in_ckan()
    pmqa_exists = bool(pmqa_codes) or _vocabulary_exists()
    pmqa = PmqaPlan(sources["pmqa"], pmqa_codes if pmqa_exists else None)
    national = GroupPlan(
        store.NATIONAL_GROUP_TYPE, store.national_categories_path(),
        _national_specs(sources["national_categories"]), store.NATIONAL_GROUP_FIELDS,
        N_('National category "{code}" cannot be removed: {count} datasets are in it ({datasets}). '
        "Take them out of the group first, or keep it in {file}."),
    )
    issues = GroupPlan(
        store.ISSUE_GROUP_TYPE, store.issues_directory(),
        _issue_specs(sources["development_issues"]), store.ISSUE_GROUP_FIELDS,
        N_('Development issue "{code}" cannot be removed: {count} datasets use it ({datasets}). '
        "Take the issue off these datasets first, or keep it in {file}."),
    )

    blockers = {key: plan.blockers() for key, plan in
                (("pmqa", pmqa), ("national_categories", national), ("development_issues", issues))}
    blockers = {key: messages for key, messages in blockers.items() if messages}
    if blockers:
        raise toolkit.ValidationError(blockers)

    reindexed = issues.datasets_to_reindex()
    if not data["dry_run"]:
        # The caller is authorized; the groups and the vocabulary belong to the
        # site (their creator becomes a group admin, which must be a real user).
        writer = {"user": site.site_user_name()}
        pmqa.apply(writer)
        national.apply(writer)
        issues.apply(writer)
        store.forget_issue_groups()
        _reindex(reindexed)
        log.info("Vocabulary sync: PMQA %s, national categories %s, development issues %s",
                 pmqa.report(), national.report(), issues.report())
    return {
        "pmqa": pmqa.report(),
        "national_categories": national.report(),
        "development_issues": issues.report(),
        "reindexed": reindexed,
        "dry_run": data["dry_run"],
    }


def _vocabulary_exists() -> bool:
    try:
        toolkit.get_action("vocabulary_show")(store.read_context(), {"id": store.PMQA_VOCABULARY})
        return True
    except toolkit.ObjectNotFound:
        return False


def _text(text: Optional[vocabulary.Text]) -> Optional[dict[str, str]]:
    return {"th": text.th, "en": text.en} if text else None


@toolkit.side_effect_free
def provincial_vocabulary_show(context, data_dict) -> list[dict[str, Any]]:
    """The entries of one of the operator-edited code lists, with their Thai and English names.

    Read from the files as they are now; ``provincial_vocabulary_sync``
    loads them into CKAN.

    :param vocabulary: ``pmqa``, ``development_issues`` or ``national_categories``
    :type vocabulary: string
    :param province_code: with ``development_issues``, only this province's
        issues (optional)
    :type province_code: string

    :returns: entries in file order, each with ``code``, ``name``
        (``{"th": ..., "en": ...}``), ``description`` (same form, or ``None``),
        and for PMQA ``parent``; for development issues ``province_code``,
        ``kind`` (``issue``, ``sub_issue`` or ``focus_area``) and ``parent``
    :rtype: list of dictionaries
    """
    toolkit.check_access("provincial_vocabulary_show", context, data_dict)
    data, errors = toolkit.navl_validate(data_dict, show_schema(), context)
    if errors:
        raise toolkit.ValidationError(errors)
    try:
        if data["vocabulary"] == "pmqa":
            return [
                {"code": t.code, "name": _text(t.name), "description": _text(t.description), "parent": t.parent}
                for t in store.pmqa_file().terms
            ]
        if data["vocabulary"] == "national_categories":
            return [
                {"code": c.code, "name": _text(c.name), "description": _text(c.description)}
                for c in store.national_categories_file()
            ]
        catalogue = store.issue_file()
        issues = catalogue.of_province(data["province_code"]) if data.get("province_code") else catalogue.all()
        return [
            {
                "code": i.code, "name": _text(i.name), "description": _text(i.description),
                "province_code": i.province_code, "kind": i.kind, "parent": i.parent,
            }
            for i in issues
        ]
    except vocabulary.VocabularyFileError as error:
        raise toolkit.ValidationError({data["vocabulary"]: [_file_error(error)]})


def get_actions():
    return {
        "provincial_vocabulary_sync": provincial_vocabulary_sync,
        "provincial_vocabulary_show": provincial_vocabulary_show,
    }
