"""Load the demo into a CKAN site through its actions: upsert by name and code.

Running :func:`load` twice changes nothing the second time: organizations and
datasets are found by name, requirements by code, and a resource file is
uploaded again only when its bytes differ (their MD5, kept in the resource
``hash``). Each uploaded file gets its default views and, when it is a table,
a DataStore load and a content check by the background worker (which adds the
table view). Then each agency workbook of the province is imported into its
organization through the portal's own workbook import (published; its
datasets come out unchanged the second time). :func:`purge_province` removes
what the demo created, and only that: every object it deletes carries the
demonstration marker.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional
from zoneinfo import ZoneInfo

import ckan.plugins.toolkit as toolkit
from werkzeug.datastructures import FileStorage

from ckanext.provincial import indexing
from ckanext.provincial.demo import builder, people

log = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# Dataset keys the loader sets but does not compare (set by CKAN on its own).
_NOT_COMPARED = {"name", "tag_string", "owner_org", "mimetype"}
# Dataset keys of package_show that package_update must not get back.
_READ_ONLY = ("tags", "organization", "num_resources", "num_tags", "metadata_created", "metadata_modified",
              "creator_user_id", "relationships_as_object", "relationships_as_subject", "revision_id",
              "tracking_summary", "qa", "isopen", "license_title", "license_url")


class DemoError(Exception):
    """The demo cannot be loaded here (a name is taken by real data...)."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        parts = [f"{self.total}"]
        changes = [f"{n} {label}" for n, label in ((self.created, "new"), (self.updated, "updated"),
                                                   (self.deleted, "purged")) if n]
        return parts[0] + (f" ({', '.join(changes)})" if changes else "")


@dataclass
class WorkbookSummary:
    """What the import of an agency's workbook did."""
    filename: str
    organization: str
    datasets: Counts = field(default_factory=Counts)
    resources: int = 0

    def __str__(self) -> str:
        return f"agency workbook {self.filename} imported into {self.organization}: datasets {self.datasets}"


@dataclass
class Summary:
    province_code: str
    province_name: str
    organizations: Counts = field(default_factory=Counts)
    requirements: Counts = field(default_factory=Counts)
    datasets: Counts = field(default_factory=Counts)
    resources: int = 0
    uploaded: int = 0
    workbooks: list[WorkbookSummary] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        workbooks = "".join(f", {workbook}" for workbook in self.workbooks)
        return (f"{self.province_name} ({self.province_code}): organizations {self.organizations}, "
                f"requirements {self.requirements}, datasets {self.datasets}, "
                f"resources {self.resources} ({self.uploaded} uploaded){workbooks}, {self.seconds:.1f} s")


# ------------------------------------------------------------------ context --

class Site:
    """Calls CKAN actions as the site user, each with a fresh context."""

    def __init__(self) -> None:
        user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
        self.user = user["name"]

    def call(self, action: str, /, _context: Optional[dict[str, Any]] = None, **data: Any) -> Any:
        return toolkit.get_action(action)({"ignore_auth": True, "user": self.user, **(_context or {})}, data)

    def find(self, action: str, **data: Any) -> Optional[dict[str, Any]]:
        try:
            return self.call(action, **data)
        except toolkit.ObjectNotFound:
            return None


# -------------------------------------------------------------- comparisons --

def _norm(value: Any) -> Any:
    """Compare stored and wanted values the same way (lists, JSON lists, numbers, bools)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") or text.startswith("{"):
            try:
                return _norm(json.loads(text))
            except ValueError:
                return text
        return text
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        # Multi-valued fields come back in the schema's choice order, not ours.
        return sorted((_norm(v) for v in value), key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if value is None:
        return ""
    return value


def _differs(wanted: dict[str, Any], stored: dict[str, Any], skip: Iterable[str] = ()) -> list[str]:
    skip = set(skip)
    return [k for k, v in wanted.items() if k not in skip and _norm(v) != _norm(stored.get(k))]


def _tags(stored: dict[str, Any]) -> list[str]:
    return sorted(t["name"] for t in stored.get("tags") or [])


# ---------------------------------------------------------------- upserting --

def upsert_organization(site: Site, catalogue: builder.Catalogue, wanted: dict[str, Any]) -> tuple[str, dict]:
    stored = site.find("organization_show", id=wanted["name"], include_datasets=False, include_users=False,
                       include_groups=False, include_tags=False, include_followers=False)
    if stored is None:
        return CREATED, site.call("organization_create", **wanted)
    if not builder.is_demo_title(stored.get("title"), catalogue):
        raise DemoError(f"organization {wanted['name']} exists and is not demonstration data; "
                        "rename or remove it before loading the demo")
    if stored.get("state") != "active" or _differs(wanted, stored):
        return UPDATED, site.call("organization_patch", id=stored["id"], **{**wanted, "state": "active"})
    return UNCHANGED, stored


def upsert_requirement(site: Site, wanted: dict[str, Any], stored: Optional[dict[str, Any]],
                       as_user: Optional[str] = None) -> str:
    person = {"user": as_user} if as_user else None
    if stored is None:
        site.call("provincial_requirement_create", _context=person, **wanted)
        return CREATED
    # The plan stores the agency's id and shows its name as agency_name.
    if _differs(wanted, {**stored, "agency": stored.get("agency_name")}):
        site.call("provincial_requirement_update", _context=person, id=stored["id"], **wanted)
        return UPDATED
    return UNCHANGED


def _upload(plan: builder.ResourcePlan) -> dict[str, Any]:
    generated = plan.file
    return {
        **plan.fields,
        "url": generated.filename,
        "upload": FileStorage(stream=io.BytesIO(generated.data), filename=generated.filename,
                              content_type=generated.mimetype),
    }


def _resources(plan: builder.DatasetPlan, stored: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    """The resource list for package_update: stored resources kept as they are
    when unchanged, new uploads otherwise; and the positions of the uploads."""
    result, uploads = [], []
    for index, wanted in enumerate(plan.resources):
        old = stored[index] if index < len(stored) else None
        if old is not None and old.get("url_type") == "upload" and old.get("hash") == wanted.file.md5 \
                and not _differs(wanted.fields, old, skip=("mimetype", "hash")):
            result.append(old)
            continue
        new = _upload(wanted)
        if old is not None:
            new["id"] = old["id"]
        result.append(new)
        uploads.append(index)
    return result, uploads


def upsert_dataset(site: Site, catalogue: builder.Catalogue, plan: builder.DatasetPlan,
                   stored: Optional[dict[str, Any]], org_ids: dict[str, str],
                   as_user: Optional[str] = None) -> tuple[str, int]:
    """Create or update one dataset (as ``as_user``, the agency's staff); (outcome, files uploaded)."""
    wanted = dict(plan.fields)
    person = {"user": as_user} if as_user else {}
    if stored is None:
        # package_create takes no file uploads: create, then add the files, in
        # one transaction (one commit, one index write; a refused file leaves nothing).
        created = site.call("package_create", _context={**person, "defer_commit": True, "return_id_only": True},
                            **wanted)
        resources, uploads = _resources(plan, [])
        # package_update gives new files their views, DataStore load and check (validation.hooks).
        site.call("package_update", _context=person, **{**wanted, "id": created, "resources": resources})
        return CREATED, len(uploads)
    if not builder.is_demo_title(stored.get("title"), catalogue):
        raise DemoError(f"dataset {plan.name} exists and is not demonstration data; "
                        "rename or remove it before loading the demo")
    resources, uploads = _resources(plan, stored.get("resources") or [])
    changed = _differs(wanted, stored, skip=_NOT_COMPARED)
    if org_ids.get(wanted["owner_org"]) != stored.get("owner_org"):
        changed.append("owner_org")
    if _tags(stored) != sorted(t for t in wanted["tag_string"].split(",") if t):
        changed.append("tags")
    if not changed and not uploads and len(stored.get("resources") or []) == len(plan.resources) \
            and stored.get("state") == "active":
        return UNCHANGED, 0
    log.debug("demo dataset %s changed: %s", plan.name, changed)
    site.call("package_update", _context=person,
              **{**_editable(stored), **wanted, "state": "active", "resources": resources})
    return UPDATED, len(uploads)


def _editable(stored: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stored.items() if k not in _READ_ONLY}


def _stored_datasets(site: Site, names: list[str]) -> dict[str, dict[str, Any]]:
    """The demo's datasets that exist, by name: one search per 100 names."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(names), 100):
        chunk = names[start:start + 100]
        query = " OR ".join(f'"{n}"' for n in chunk)
        result = site.call("package_search", fq=f"name:({query})", rows=len(chunk),
                           include_private=True, include_drafts=True)
        for pkg in result["results"]:
            found[pkg["name"]] = pkg
    # A dataset the index missed (or a deleted one) is looked up directly.
    for name in names:
        if name not in found:
            pkg = site.find("package_show", id=name)
            if pkg is not None:
                found[name] = pkg
    return found


# ------------------------------------------------------------------ loading --

@contextlib.contextmanager
def _refused(kind: str, name: str):
    """A demo object CKAN refuses (an edited data file with a wrong value) as
    a DemoError naming the object and its fields; the action wrote nothing."""
    try:
        yield
    except toolkit.ValidationError as error:
        fields = "; ".join(f"{key}: {value}" for key, value in sorted(error.error_dict.items()))
        raise DemoError(f"{kind} {name} was refused: {fields}") from error


def import_workbook(site: Site, catalogue: builder.Catalogue, workbook: builder.AgencyWorkbook) -> WorkbookSummary:
    """Import an agency's workbook into its organization as the organization's import page
    does, published: every row or none; a second import finds its datasets unchanged."""
    from ckanext.provincial import catalogue_import

    read = catalogue_import.read(workbook.path)
    names = [record.dataset["name"] for record in read.records if record.dataset.get("name")]
    for name, pkg in _stored_datasets(site, names).items():
        if not builder.is_demo_title(pkg.get("title"), catalogue):
            raise DemoError(f"dataset {name} exists and is not demonstration data; "
                            "rename or remove it before loading the demo")
    context = {"ignore_auth": True, "user": site.user}
    with catalogue_import.request_context():
        result = catalogue_import.import_catalogue(context, workbook.path, workbook.organization,
                                                   publish=True, catalogue=read)
    if result["problems"]:
        shown = "; ".join(
            f"{p.get('sheet') or 'file'} row {p.get('row') or '-'} column {p.get('column') or '-'}: {p['message']}"
            for p in result["problems"][:5])
        more = len(result["problems"]) - 5
        raise DemoError(f"agency workbook {workbook.filename} was refused: {shown}"
                        + (f" (and {more} more)" if more > 0 else ""))
    return WorkbookSummary(workbook.filename, workbook.organization,
                           Counts(result["created"], result["updated"], result["unchanged"]),
                           sum(len(record.resources) for record in read.records))


def load_province(site: Site, catalogue: builder.Catalogue, code: str, today: dt.date,
                  parents: dict[str, Optional[str]], echo: Callable[[str], None] = lambda s: None) -> Summary:
    started = time.monotonic()
    plan = builder.province_plan(catalogue, code, parents, today)
    province = plan.province
    summary = Summary(province.code, province.name_en)

    org_ids, staff = {}, {}
    for wanted in plan.organizations:
        with _refused("organization", wanted["name"]):
            outcome, org = upsert_organization(site, catalogue, wanted)
            staff[wanted["name"]] = people.ensure_staff(site, wanted, org["id"])
        summary.organizations.add(outcome)
        org_ids[wanted["name"]] = org["id"]
    coordinator = next((staff[o["name"]] for o in plan.organizations if o.get("plan_coordinator") == "True"), None)

    stored_requirements = {
        r["code"].casefold(): r for r in site.call("provincial_requirement_list", province_code=province.code)
    }
    for wanted in plan.requirements:
        with _refused("requirement", f"{province.code}/{wanted['code']}"):
            summary.requirements.add(
                upsert_requirement(site, wanted, stored_requirements.get(wanted["code"].casefold()), coordinator))

    stored = _stored_datasets(site, [d.name for d in plan.datasets])
    for index, dataset in enumerate(plan.datasets, 1):
        with _refused("dataset", dataset.name):
            outcome, uploads = upsert_dataset(site, catalogue, dataset, stored.get(dataset.name), org_ids,
                                              staff.get(dataset.fields["owner_org"]))
        summary.datasets.add(outcome)
        summary.resources += len(dataset.resources)
        summary.uploaded += uploads
        if index % 20 == 0:
            echo(f"  {province.name_en}: {index}/{len(plan.datasets)} datasets")
    # Last: the workbook's datasets may name requirements of the plan.
    for workbook in catalogue.workbooks_of(province.code):
        summary.workbooks.append(import_workbook(site, catalogue, workbook))
    summary.seconds = time.monotonic() - started
    return summary


def purge_province(site: Site, catalogue: builder.Catalogue, code: str) -> Summary:
    """Delete for good the demo's datasets, requirements and organizations of a province."""
    started = time.monotonic()
    province = catalogue.province(code)
    summary = Summary(province.code, province.name_en)
    names = builder.iter_names(catalogue, [code])

    org_ids = {}
    for name in names["organizations"]:
        org = site.find("organization_show", id=name)
        if org is not None and builder.is_demo_title(org.get("title"), catalogue):
            org_ids[name] = org["id"]

    # The catalogue's datasets, and any other demo-marked dataset in a demo organization.
    doomed = {name: pkg for name, pkg in _stored_datasets(site, names["datasets"]).items()
              if builder.is_demo_title(pkg.get("title"), catalogue)}
    kept_orgs = set()
    for org_name, org_id in org_ids.items():
        result = site.call("package_search", fq=f'owner_org:"{org_id}"', rows=1000,
                           include_private=True, include_drafts=True)
        for pkg in result["results"]:
            if builder.is_demo_title(pkg.get("title"), catalogue):
                doomed.setdefault(pkg["name"], pkg)
            else:
                kept_orgs.add(org_name)
    with _quiet_purge():
        for pkg in doomed.values():
            site.call("dataset_purge", id=pkg["id"])
            summary.datasets.deleted += 1

    marker = catalogue.defaults["marker_th"]
    for requirement in site.call("provincial_requirement_list", province_code=code):
        if marker in (requirement.get("source_plan") or ""):
            site.call("provincial_requirement_delete", id=requirement["id"])
            summary.requirements.deleted += 1

    for org_name, org_id in org_ids.items():
        if org_name in kept_orgs:
            log.warning("demo organization %s still holds datasets that are not demonstration data: kept", org_name)
            continue
        site.call("organization_purge", id=org_id)
        summary.organizations.deleted += 1
    summary.seconds = time.monotonic() - started
    return summary


class _PurgedDatasetNoise(logging.Filter):
    """Drop the traceback CKAN logs when ``dataset_purge`` takes the resources
    with the dataset: the search index is told the (gone) dataset changed,
    fails to read it, logs ``NotFound`` and goes on. Nothing is wrong."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, toolkit.ObjectNotFound)


@contextlib.contextmanager
def _quiet_purge():
    target = logging.getLogger("ckan.model.modification")
    noise = _PurgedDatasetNoise()
    target.addFilter(noise)
    try:
        yield
    finally:
        target.removeFilter(noise)


def replay_history(catalogue: builder.Catalogue, code: str, today: dt.date,
                   parents: dict[str, Optional[str]], echo: Callable[[str], None] = lambda s: None) -> None:
    """Date the province's demo requirements and datasets over the past year, then record the
    12 monthly demonstration snapshots that history gives (``demo.history``)."""
    from ckanext.provincial import gap_service
    from ckanext.provincial.demo import history

    started = time.monotonic()
    plan = builder.province_plan(catalogue, code, parents, today)
    # Every demo-marked dataset of the province: the catalogue's and its agency workbook's.
    names = [f["name"] for f in gap_service.dataset_facts(gap_service.province_filter([code]))
             if builder.is_demo_title(f.get("title"), catalogue)]
    requirement_codes = [r["code"] for r in plan.requirements]
    changed = history.backdate(code, requirement_codes, names, today)
    if changed:
        # The toolkit cannot index a dataset again; CKAN's search module does (metadata_created changed).
        from ckan.lib import search

        with indexing.one_index_commit():
            search.rebuild(package_ids=changed, defer_commit=True, quiet=True)
    history.record(code, requirement_codes, names, today, echo)
    echo(f"  {code}: history replayed in {time.monotonic() - started:.1f} s")


def bangkok_today() -> dt.date:
    """The day in Thailand, the one the gap judges freshness on."""
    return dt.datetime.now(ZoneInfo("Asia/Bangkok")).date()


def load(codes: Optional[Iterable[str]] = None, reset: bool = False, today: Optional[dt.date] = None,
         echo: Callable[[str], None] = lambda s: None,
         catalogue: Optional[builder.Catalogue] = None) -> list[Summary]:
    """Load (after purging, with ``reset``) the demo of the given provinces (default: all).

    ``catalogue``: the demo data (default: ``demo/data``).
    """
    catalogue = catalogue or builder.load_catalogue()
    codes = list(codes or [p.code for p in catalogue.provinces])
    for code in codes:
        catalogue.province(code)
    today = today or bangkok_today()
    from ckanext.provincial import vocabulary_store

    parents = builder.issue_parents(vocabulary_store.issues_directory())
    site = Site()
    summaries = []
    for code in codes:
        purged = purge_province(site, catalogue, code) if reset else None
        with indexing.one_index_commit(), vocabulary_store.remembering_issue_groups():
            summary = load_province(site, catalogue, code, today, parents, echo)
        if purged is not None:
            summary.organizations.deleted = purged.organizations.deleted
            summary.requirements.deleted = purged.requirements.deleted
            summary.datasets.deleted = purged.datasets.deleted
            summary.seconds += purged.seconds
        summaries.append(summary)
    for code in codes:
        replay_history(catalogue, code, today, parents, echo)
    from ckanext.provincial.demo import usage as demo_usage

    demo_usage.record(catalogue, today, echo)  # made-up visits, so the demo shows usage statistics
    from ckanext.provincial.demo import requests as demo_requests

    demo_requests.record(site, catalogue, codes, echo)  # data requests in each state, by demo users
    return summaries
