"""Dataset metadata from the national GDC workbook, imported all or nothing.

From rows to datasets
---------------------
``gdc_workbook.reader`` reads the workbook (both layouts the national
catalogue has used) into one record per dataset row, with its link resources
and the stored values of our schema. Each record becomes a dataset of the
organization the import is for; a row whose ``owner_org`` column names
another organization of the portal (by URL name or by its Thai name) goes
there, when the user may add datasets to it. Rows are matched to the portal by
URL name: a dataset of the same organization is updated (or left unchanged
when the workbook says what it already holds), a dataset of another
organization is an error of the row. New datasets are private unless the
import publishes them; updated ones keep their visibility unless it does.

One transaction
---------------
Every row goes through CKAN's own ``package_create`` / ``package_update``
(the real schema, our validators and hooks) with ``defer_commit``, inside one
database transaction. The transaction is committed once, at the end, when no
row failed, the file had no problem and the import is not a dry run; in every
other case it is rolled back. So one bad row, a database error or a worker
that dies leaves no dataset of the file behind, and the search index, which
CKAN writes just before a commit, never sees a dataset that was rolled back.

CKAN rolls the whole session back when a dataset fails its schema. The rows
after a failure are still checked (into a transaction that can only be
rolled back), so the import lists every problem of the file at once.

Nothing may commit in the middle: ``package_create`` asks for the default
resource views without ``defer_commit``, which would commit the rows before
it; inside an import our chained ``package_create_default_resource_views``
makes none, and the import makes them after its commit. Our dataset hooks
queue no DataStore load or content check inside an import (the validation
context flag); the import queues them after its commit. Any other commit of
the session during an import (a plugin's hook) is refused: it raises
:class:`MidImportCommit` and the import ends, rolled back.

Messages
--------
Every problem is located as Excel shows it: sheet, row, column letter and
field, with an English and a Thai message. Rows are checked with English
messages; the rows that fail are checked again in Thai for the Thai ones.

Large files and reports
-----------------------
``ckanext.provincial.import.background_rows`` decides when the action runs
the import as a background job (:func:`run_import_job`). The upload, the
progress (rows done of rows), the result and its XLSX report
(:func:`report_xlsx`) are kept in Redis for a day under an import id, outside
the import's transaction, so a page can follow the job while it runs.
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import json
import logging
import os
import tempfile
import time
import uuid
from typing import Any, Callable, Iterable, Iterator, Optional

import sqlalchemy as sa

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import indexing, model, plan_io, settings
from ckanext.provincial.tables.workbook import number_text

log = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"

# True while the rows of an import are written (one thread's, one job's).
_IMPORTING: contextvars.ContextVar[bool] = contextvars.ContextVar("provincial_catalogue_import", default=False)


def importing() -> bool:
    """Whether the rows of a workbook import are being written in this context."""
    return _IMPORTING.get()


class MidImportCommit(RuntimeError):
    """Something committed the session while the rows of an import were written."""


def _refuse_mid_import_commit(session) -> None:
    if _IMPORTING.get():
        raise MidImportCommit("a commit was attempted while the rows of a workbook import were being written")


# Before CKAN's own listener, which writes the search index before each commit.
sa.event.listen(model.session(), "before_commit", _refuse_mid_import_commit, insert=True)


# --------------------------------------------------------------- messages --


def in_both_languages(make: Callable[[], str]) -> tuple[str, str]:
    """``make()`` (which calls ``toolkit._``) in English and in Thai."""
    return in_language("en", make), in_language("th", make)


def in_language(locale: str, make: Callable[[], Any]) -> Any:
    with language(locale):
        return make()


@contextlib.contextmanager
def language(locale: str) -> Iterator[None]:
    """``toolkit._`` in ``locale`` in this block (Flask-Babel's switch; without a request, the default)."""
    from flask_babel import force_locale

    with force_locale(locale):
        yield


@contextlib.contextmanager
def request_context() -> Iterator[None]:
    """A Flask request context where there is none (the command line, a job), so that
    ``toolkit._`` and the language switch work; CKAN's command puts its app in click's context."""
    from flask import has_request_context

    if has_request_context():
        yield
        return
    import click

    found = click.get_current_context(silent=True)
    app = found.find_root().meta.get("flask_app") if found is not None else None
    if app is None:
        yield
        return
    with app.test_request_context():
        yield


def problem(sheet, row, column, field, message: str, message_th: Optional[str] = None) -> dict[str, Any]:
    """A problem as the reader's ``Problem.as_dict()`` gives it."""
    return {"sheet": sheet, "row": row, "column": column, "field": field,
            "message": message, "message_th": message_th or message}


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for item in value.values() for m in _messages(item)]
    if isinstance(value, (list, tuple)):
        return [m for item in value for m in _messages(item)]
    return [str(value)] if value not in (None, "") else []


def error_fields(error_dict: dict[str, Any]) -> list[tuple[str, Optional[int], str]]:
    """``(field, resource index or None, message)`` of a ValidationError's error dict.

    Resource errors come as ``{"resources": [{}, {"url": [...]}]}`` from the
    schema and as ``{"resources.1.url": [...]}`` from our checks that run first.
    """
    found: list[tuple[str, Optional[int], str]] = []
    for key, value in (error_dict or {}).items():
        parts = str(key).split(".")
        if parts[0] == "resources" and len(parts) >= 3 and parts[1].isdigit():
            found += [(".".join(parts[2:]), int(parts[1]), m) for m in _messages(value)]
        elif key == "resources" and isinstance(value, list):
            for index, errors in enumerate(value):
                if isinstance(errors, dict):
                    found += [(field, index, m) for field, messages in errors.items() for m in _messages(messages)]
                else:
                    found += [("resources", index, m) for m in _messages(errors)]
        elif key == "tags":
            found += [("tag_string", None, m) for m in _messages(value)]
        else:
            found += [(str(key), None, m) for m in _messages(value)]
    return found


# ------------------------------------------------------------------ rows --


@dataclasses.dataclass
class RowOutcome:
    """What became of one dataset row."""
    sheet: str
    row: int
    name: str
    title: str
    status: str = ""
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    dataset_id: Optional[str] = None
    owner_org: Optional[str] = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _normal(value: Any) -> Any:
    """A stored value in a form two equal values share (blank is blank, numbers as text, lists of texts)."""
    if value is None or value == "" or value == [] or value is toolkit.missing:
        return ""
    if isinstance(value, (list, tuple)):
        items = [_normal(item) for item in value]
        return [item for item in items if item != ""]
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, dict):
        return {key: _normal(item) for key, item in value.items()}
    return str(value).strip()


def _same(stored: Any, given: Any) -> bool:
    stored, given = _normal(stored), _normal(given)
    if isinstance(stored, list) != isinstance(given, list):
        stored = stored if isinstance(stored, list) else ([stored] if stored != "" else [])
        given = given if isinstance(given, list) else ([given] if given != "" else [])
    return stored == given


def _tag_names(dataset: dict[str, Any]) -> list[str]:
    return sorted(tag.get("name", "") for tag in dataset.get("tags") or [] if isinstance(tag, dict))


def _given_tags(tag_string: Any) -> list[str]:
    if isinstance(tag_string, (list, tuple)):
        return sorted(str(tag).strip() for tag in tag_string if str(tag).strip())
    return sorted(tag.strip() for tag in str(tag_string or "").split(",") if tag.strip())


def differences(existing: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """The fields of ``given`` (a record's dataset) whose values ``existing`` (package_show) does not hold."""
    changed = []
    for field, value in given.items():
        if field == "resources":
            continue
        if field == "tag_string":
            if _tag_names(existing) != _given_tags(value):
                changed.append(field)
        elif not _same(existing.get(field), value):
            changed.append(field)
    resources = given.get("resources") or []
    if resources:
        unlisted = _unlisted_uploads(existing, resources)
        stored = [r for r in existing.get("resources") or [] if r not in unlisted]
        if len(stored) != len(resources):
            changed.append("resources")
        else:
            for index, (old, new) in enumerate(zip(stored, resources)):
                changed += [f"resources.{index}.{field}" for field, value in new.items()
                            if not _same(old.get(field), value)]
    return changed


def _unlisted_uploads(existing: dict[str, Any], resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The files uploaded to the dataset that the workbook does not list: kept, as the
    workbook describes links and an agency's own file must not vanish with a re-import."""
    listed = {resource.get("url") for resource in resources}
    return [resource for resource in existing.get("resources") or []
            if resource.get("url_type") == "upload" and resource.get("url") not in listed]


def merged(existing: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``existing`` (package_show) with the record's values, for ``package_update``.

    Fields the workbook does not have keep their values. The workbook's
    resources replace the dataset's links when it lists any; a resource with
    the same link keeps its id (and its DataStore table, views and checks);
    files uploaded to the dataset stay, after the workbook's links.
    """
    data = {key: value for key, value in existing.items()
            if key not in ("tags", "organization", "groups", "relationships_as_object",
                           "relationships_as_subject", "num_resources", "num_tags")}
    data["groups"] = [{"id": group["id"]} for group in existing.get("groups") or [] if group.get("id")]
    if "tag_string" not in given:
        data["tag_string"] = ",".join(_tag_names(existing))
    for field, value in given.items():
        if field != "resources":
            data[field] = value
    resources = given.get("resources") or []
    if resources:
        uploads = _unlisted_uploads(existing, resources)
        unmatched = [resource for resource in existing.get("resources") or [] if resource not in uploads]
        kept = []
        for resource in resources:
            same = next((old for old in unmatched if old.get("url") == resource.get("url")), None)
            if same is not None:
                unmatched.remove(same)
                kept.append(dict(same, **resource))
            else:
                kept.append(dict(resource))
        data["resources"] = kept + uploads
    return data


def _key(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


class _Organizations:
    """The portal's organizations by id, URL name and title, and whom the user may add datasets to."""

    def __init__(self, context: dict[str, Any]):
        self.context = context
        self.by_key: dict[str, list[dict[str, Any]]] = {}
        self.allowed: dict[str, bool] = {}
        Group = context["model"].Group
        rows = model.session().query(Group.id, Group.name, Group.title) \
            .filter(Group.is_organization.is_(True), Group.state == "active").all()
        for org_id, name, title in rows:
            org = {"id": org_id, "name": name, "title": title or name}
            for text in {_key(text) for text in (org_id, name, title) if text}:
                self.by_key.setdefault(text, []).append(org)

    def find(self, text: Any) -> list[dict[str, Any]]:
        """The organizations ``text`` names: by id or URL name (one), or by title (several may share one)."""
        return list(self.by_key.get(_key(text), [])) if text else []

    def may_create_in(self, org_id: str) -> bool:
        if org_id not in self.allowed:
            try:
                toolkit.check_access("package_create", dict(self.context), {"owner_org": org_id})
                self.allowed[org_id] = True
            except toolkit.NotAuthorized:
                self.allowed[org_id] = False
        return self.allowed[org_id]


def _existing_datasets(context: dict[str, Any], names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Datasets holding these URL names (deleted ones too): id, owner_org, state, private."""
    ckan_model = context["model"]
    wanted = sorted({name for name in names if isinstance(name, str) and name})
    found: dict[str, dict[str, Any]] = {}
    Package = ckan_model.Package
    for start in range(0, len(wanted), 1000):
        rows = model.session().query(Package.id, Package.name, Package.owner_org, Package.state, Package.private) \
            .filter(Package.name.in_(wanted[start:start + 1000])).all()
        for dataset_id, name, owner_org, state, private in rows:
            found[name] = {"id": dataset_id, "owner_org": owner_org, "state": state, "private": private}
    return found


# --------------------------------------------------------------- import --


@contextlib.contextmanager
def _writing_rows() -> Iterator[None]:
    token = _IMPORTING.set(True)
    try:
        yield
    finally:
        _IMPORTING.reset(token)


def _forget_index(created: Iterable[str], updated: Iterable[str]) -> None:
    """After a commit that failed: the index back to what the database holds."""
    from ckan.lib import search

    for dataset_id in created:
        try:
            search.clear(dataset_id)
        except Exception:
            log.exception("could not remove dataset %s from the search index", dataset_id)
    for dataset_id in updated:
        try:
            search.rebuild(dataset_id)
        except Exception:
            log.exception("could not index dataset %s again", dataset_id)


def _row_context(context: dict[str, Any]) -> dict[str, Any]:
    from ckanext.provincial.content_checks import jobs as validation_jobs

    ckan_model = context["model"]
    row_context = {
        "model": ckan_model, "session": ckan_model.Session, "user": context.get("user") or "",
        "defer_commit": True, "return_id_only": True,
        # Our dataset hooks queue no load or check inside the transaction; the import does after its commit.
        validation_jobs.CONTEXT_FLAG: True,
    }
    for key in ("ignore_auth", "auth_user_obj"):
        if context.get(key):
            row_context[key] = context[key]
    return row_context


def _write(context: dict[str, Any], action: str, data: dict[str, Any]) -> str:
    return toolkit.get_action(action)(_row_context(context), dict(data))


class _Import:
    def __init__(self, context, catalogue, owner_org: dict[str, Any], dry_run: bool, publish: bool,
                 progress: Optional[Callable[[int, int], None]]):
        self.context = dict(context)
        self.context.setdefault("model", _ckan_model())
        self.catalogue = catalogue
        self.owner_org = owner_org
        self.dry_run = dry_run
        self.publish = publish
        self.progress = progress
        self.outcomes: list[RowOutcome] = []
        self.problems: list[dict[str, Any]] = [p.as_dict() for p in catalogue.problems]
        self.file_problems_at: dict[tuple, list[dict[str, Any]]] = {}
        for found in self.problems:
            self.file_problems_at.setdefault((found["sheet"], found["row"]), []).append(found)
        self.failed = False  # the transaction can only be rolled back now

    # -- one row

    def _row_error(self, outcome: RowOutcome, record, field: Optional[str], resource_index: Optional[int],
                   message: str, message_th: str) -> None:
        sheet, row, column = locate(record, field, resource_index)
        found = problem(sheet, row, column, field, message, message_th)
        outcome.errors.append(found)
        self.problems.append(found)

    def _fail(self, outcome: RowOutcome, record, make: Callable[[], str], field: Optional[str] = None) -> None:
        english, thai = in_both_languages(make)
        self._row_error(outcome, record, field, None, english, thai)

    def _errors_of(self, outcome: RowOutcome, record, action: str, data: dict[str, Any], error: Exception) -> None:
        """The row's errors in English (``error``) and Thai (the same call again, in Thai)."""
        model.session().rollback()  # the transaction is lost already: CKAN rolled it back, or it will be
        self.failed = True
        english = self._error_list(error)
        try:
            in_language("th", lambda: _write(self.context, action, data))
            thai: list[tuple[str, Optional[int], str]] = []
        except (toolkit.ValidationError, toolkit.NotAuthorized, toolkit.ObjectNotFound) as again:
            thai = self._error_list(again)
        finally:
            model.session().rollback()
        thai_of = {}
        for field, index, message in thai:
            thai_of.setdefault((field, index), []).append(message)
        reported = {(found["sheet"], found["row"], found["field"]) for where in record_rows(record)
                    for found in self.file_problems_at.get(where, [])}
        for field, index, message in english:
            messages = thai_of.get((field, index)) or []
            message_th = messages.pop(0) if messages else message
            located = locate(record, field, index)
            if field and (located[0], located[1], field) in reported:
                continue  # the reader said already what is wrong with this cell
            self._row_error(outcome, record, field, index, message, message_th)

    @staticmethod
    def _error_list(error: Exception) -> list[tuple[str, Optional[int], str]]:
        if isinstance(error, toolkit.ValidationError):
            return error_fields(error.error_dict) or [("", None, str(error))]
        return [("", None, str(getattr(error, "message", "") or error) or type(error).__name__)]

    def _owner(self, outcome: RowOutcome, record, organizations: _Organizations) -> Optional[str]:
        text = getattr(record, "owner_org_text", None)
        candidates = organizations.find(text)
        # A name no organization of the portal has (the agency's name in the national
        # catalogue), or one the organization of the import answers to: the import's.
        if not candidates or self.owner_org["id"] in {org["id"] for org in candidates}:
            return self.owner_org["id"]
        if len(candidates) > 1:
            self._fail(outcome, record, lambda: toolkit._(
                'Several agencies are named "{agency}": write the URL name of the one this row is for').format(
                agency=text), field="owner_org")
            return None
        named = candidates[0]
        if organizations.may_create_in(named["id"]):
            return named["id"]
        title = named.get("title") or named["name"]
        self._fail(outcome, record, lambda: toolkit._(
            'This row is for the agency "{agency}", to which you may not add datasets').format(agency=title),
            field="owner_org")
        return None

    def _one(self, record, existing: dict[str, dict[str, Any]], organizations: _Organizations,
             seen: dict[str, int]) -> RowOutcome:
        given = record_values(record)
        name = str(given.get("name") or "")
        outcome = RowOutcome(record.sheet, record.row, name, str(given.get("title") or ""))
        before = len(self.problems)
        outcome.errors = [found for where in sorted(record_rows(record), key=str)
                          for found in self.file_problems_at.get(where, [])]
        org_id = self._owner(outcome, record, organizations)
        outcome.owner_org = org_id
        if name and name in seen:
            first = seen[name]
            self._fail(outcome, record, lambda: toolkit._(
                'The URL name "{name}" is already used on row {row}').format(name=name, row=first), field="name")
        elif name:
            seen[name] = record.row
        found = existing.get(name) if name else None
        if found is not None and found["state"] == "deleted":
            self._fail(outcome, record, lambda: toolkit._(
                'A deleted dataset still holds the URL name "{name}"; a sysadmin can purge it from the trash, '
                'or give the row another name').format(name=name), field="name")
        elif found is not None and org_id and found["owner_org"] != org_id:
            holder = (organizations.find(found["owner_org"]) or [{}])[0]
            agency = holder.get("title") or holder.get("name") or found["owner_org"]
            self._fail(outcome, record, lambda: toolkit._(
                'The URL name "{name}" is already used by a dataset of the agency "{agency}"').format(
                name=name, agency=agency), field="name")
        if len(self.problems) > before or org_id is None:
            outcome.status = ERROR
            self.failed = True
            return outcome

        if found is None:
            action = "package_create"
            data = dict(given, owner_org=org_id, private=not self.publish)
        else:
            outcome.dataset_id = found["id"]
            current = toolkit.get_action("package_show")(
                {"model": self.context["model"], "ignore_auth": True, "use_cache": False}, {"id": found["id"]})
            private = False if self.publish else bool(current.get("private"))
            if not differences(current, given) and bool(current.get("private")) == private:
                outcome.status = ERROR if outcome.errors else UNCHANGED
                return outcome
            action = "package_update"
            data = dict(merged(current, given), id=found["id"], owner_org=org_id, private=private)
        try:
            dataset_id = _write(self.context, action, data)
        except (toolkit.ValidationError, toolkit.NotAuthorized, toolkit.ObjectNotFound) as error:
            self._errors_of(outcome, record, action, data, error)
            outcome.status = ERROR
            return outcome
        outcome.dataset_id = dataset_id
        outcome.status = ERROR if outcome.errors else CREATED if found is None else UPDATED
        return outcome

    # -- every row

    def run(self) -> dict[str, Any]:
        # A workbook over the row limit is refused whatever its rows hold: say so at once
        # rather than after checking thousands of rows that will not be imported.
        records = [] if self.catalogue.over_limit else list(self.catalogue.records)
        if not records and not self.problems:
            english, thai = in_both_languages(lambda: toolkit._("The workbook lists no dataset"))
            self.problems.append(problem(None, None, None, None, english, thai))
        organizations = _Organizations(self.context)
        existing = _existing_datasets(self.context, (r.dataset.get("name") for r in records))
        seen: dict[str, int] = {}
        session = model.session()
        written = False
        started = time.monotonic()
        try:
            with language("en"), _writing_rows():
                for done, record in enumerate(records, start=1):
                    self.outcomes.append(self._one(record, existing, organizations, seen))
                    if self.progress:
                        self.progress(done, len(records))
            if self.problems or self.failed or self.dry_run:
                session.rollback()
            else:
                self._commit()
                written = True
        except BaseException:
            session.rollback()
            raise
        result = self._result(written)
        log.info("workbook import into %s: %d rows in %.1f s, %s", self.owner_org["name"], len(records),
                 time.monotonic() - started, "written" if written else "nothing written")
        if written:
            self._after_commit()
        return result

    def _commit(self) -> None:
        session = model.session()
        created = [o.dataset_id for o in self.outcomes if o.status == CREATED and o.dataset_id]
        updated = [o.dataset_id for o in self.outcomes if o.status == UPDATED and o.dataset_id]
        try:
            with indexing.one_index_commit(fail_quietly=True):
                session.commit()
        except BaseException:
            session.rollback()
            _forget_index(created, updated)
            raise

    def _after_commit(self) -> None:
        """Default views and the DataStore load and content check of the resources, now that they exist."""
        from ckanext.provincial.content_checks import hooks

        ckan_model = self.context["model"]
        user = self.context.get("user") or ""
        # One commit a dataset (CKAN's package_create makes one a view): a view that fails
        # costs its dataset's views only.
        views_context = {"model": ckan_model, "user": user, "ignore_auth": True, "defer_commit": True}
        datasets = []
        for outcome in self.outcomes:
            if outcome.status not in (CREATED, UPDATED) or not outcome.dataset_id:
                continue
            try:
                dataset = toolkit.get_action("package_show")(
                    {"model": ckan_model, "ignore_auth": True, "use_cache": False}, {"id": outcome.dataset_id})
                datasets.append(dataset)
                if dataset.get("resources"):
                    toolkit.get_action("package_create_default_resource_views")(dict(views_context), {"package": dataset})
                    model.session().commit()
            except Exception:
                log.exception("no default views for dataset %s after its import", outcome.dataset_id)
                model.session().rollback()
        for dataset in datasets:
            try:
                hooks.schedule({"model": ckan_model, "user": user}, dataset)
            except Exception:
                log.exception("no DataStore load or check queued for dataset %s after its import", dataset["id"])

    def _result(self, written: bool) -> dict[str, Any]:
        counts = {status: sum(1 for o in self.outcomes if o.status == status)
                  for status in (CREATED, UPDATED, UNCHANGED, ERROR)}
        return {
            "rows": len(self.outcomes),
            "created": counts[CREATED], "updated": counts[UPDATED], "unchanged": counts[UNCHANGED],
            "errors": counts[ERROR],
            "datasets": [o.as_dict() for o in self.outcomes],
            "problems": sorted(self.problems, key=_problem_order),
            "written": written, "dry_run": self.dry_run, "published": self.publish,
            "owner_org": self.owner_org["id"], "layout": getattr(self.catalogue, "layout", ""),
        }


def _problem_order(found: dict[str, Any]) -> tuple:
    return (found.get("sheet") is not None, str(found.get("sheet") or ""), found.get("row") or 0,
            str(found.get("column") or ""))


# Columns of a record that are not dataset fields.
_NOT_FIELDS = ("id", "owner_org", "private", "d_type", "dataset_name", "dataset_title")


def record_values(record) -> dict[str, Any]:
    """The record's stored values, an empty cell as "" (an update clears the field; a field
    without a column in the workbook is left as it is)."""
    given = {key: value for key, value in record.dataset.items() if key not in _NOT_FIELDS}
    for field in record.columns:
        if field not in given and field not in _NOT_FIELDS:
            given[field] = ""
    resources = []
    for index, resource in enumerate(given.get("resources") or []):
        resource = dict(resource)
        columns = record.resources[index].columns if index < len(record.resources) else {}
        for field in columns:
            if field not in resource and field not in _NOT_FIELDS:
                resource[field] = ""
        resources.append(resource)
    given["resources"] = resources
    return given


def locate(record, field: Optional[str], resource_index: Optional[int] = None) -> tuple:
    """(sheet, row, column letter or None) of a field of a record; the record's row for what has no cell."""
    if field:
        try:
            return tuple(record.locate(field, resource_index))
        except (KeyError, IndexError, ValueError):
            pass
    if resource_index is not None and resource_index < len(getattr(record, "resources", None) or []):
        resource = record.resources[resource_index]
        return resource.sheet, resource.row, None
    return record.sheet, record.row, None


def record_rows(record) -> set[tuple[str, int]]:
    """The (sheet, row) cells of a record: its metadata row and its resource rows."""
    return {(record.sheet, record.row)} | {(r.sheet, r.row) for r in getattr(record, "resources", None) or []}


def _ckan_model():
    # What CKAN's actions put in a context; the import's row contexts carry it on.
    import ckan.model as ckan_model

    return ckan_model


def read(path: str):
    """The workbook at ``path`` as ``gdc_workbook.reader`` reads it."""
    from ckanext.provincial.gdc_workbook import reader

    return reader.read_catalogue(path, max_rows=max_rows() or None)


def max_rows() -> int:
    return settings.import_max_rows()


def import_catalogue(context: dict[str, Any], path: str, owner_org: str, dry_run: bool = False,
                     publish: bool = False, progress: Optional[Callable[[int, int], None]] = None,
                     catalogue=None) -> dict[str, Any]:
    """Import the workbook at ``path`` into the organization ``owner_org`` (id or name): every row or none.

    ``context``: the user's (``user``, ``auth_user_obj``; ``ignore_auth`` for
    the command line). ``progress(done, total)`` is called after each row.
    ``catalogue``: the file already read (``read(path)``).

    Returns ``rows``, ``created``, ``updated``, ``unchanged``, ``errors``
    (counts; what was, or in a dry run would be, written), ``datasets`` (one
    entry a row: sheet, row, name, title, status, errors, dataset_id),
    ``problems`` (every problem: sheet, row, column, field, message,
    message_th), ``written``, ``dry_run``, ``published``, ``owner_org``, ``layout``.
    """
    org = model.organizations([owner_org]).get(owner_org)
    if org is None:
        raise toolkit.ObjectNotFound(toolkit._("Organization not found"))
    if catalogue is None:
        catalogue = read(path)
    return _Import(context, catalogue, org, dry_run, publish, progress).run()


# ----------------------------------------------------------------- report --


def _status_label(status: str, dry_run: bool) -> str:
    labels = {
        CREATED: (lambda: toolkit._("would be created")) if dry_run else (lambda: toolkit._("created")),
        UPDATED: (lambda: toolkit._("would be updated")) if dry_run else (lambda: toolkit._("updated")),
        UNCHANGED: lambda: toolkit._("unchanged"),
        ERROR: lambda: toolkit._("error"),
    }
    english, thai = in_both_languages(labels.get(status, lambda: status))
    return thai if thai == english else f"{thai} ({english})"


def _problem_text(found: dict[str, Any]) -> str:
    where = " ".join(part for part in (
        f"{found.get('column') or ''}{found.get('row') or ''}" if found.get("column") else "",
        f"[{found['field']}]" if found.get("field") else "") if part)
    thai, english = found.get("message_th") or "", found.get("message") or ""
    text = thai if not english or english == thai else f"{thai} / {english}"
    return f"{where}: {text}" if where else text


def report_xlsx(result: dict[str, Any]) -> bytes:
    """The result of an import as a workbook: one row a dataset row with its status and errors, then every problem."""
    def both(make: Callable[[], str]) -> str:
        english, thai = in_both_languages(make)
        return thai if thai == english else f"{thai} ({english})"

    dry_run = bool(result.get("dry_run"))
    header = [both(lambda: toolkit._("Sheet")), both(lambda: toolkit._("Row")), both(lambda: toolkit._("URL name")),
              both(lambda: toolkit._("Title")), both(lambda: toolkit._("Status")), both(lambda: toolkit._("Errors"))]
    rows = [[entry["sheet"], entry["row"], entry["name"], entry["title"], _status_label(entry["status"], dry_run),
             "\n".join(_problem_text(found) for found in entry.get("errors") or [])]
            for entry in result.get("datasets") or []]
    problem_header = [both(lambda: toolkit._("Sheet")), both(lambda: toolkit._("Row")),
                      both(lambda: toolkit._("Column")), both(lambda: toolkit._("Field")),
                      both(lambda: toolkit._("Problem (Thai)")), both(lambda: toolkit._("Problem (English)"))]
    problem_rows = [[found.get("sheet") or "", found.get("row") or "", found.get("column") or "",
                     found.get("field") or "", found.get("message_th") or "", found.get("message") or ""]
                    for found in result.get("problems") or []]
    return plan_io.write_xlsx([(both(lambda: toolkit._("Datasets")), header, rows),
                               (both(lambda: toolkit._("Problems")), problem_header, problem_rows)])


# ----------------------------------------------------- store and job (Redis) --

STORE_SECONDS = 24 * 3600
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def _redis():
    # CKAN's own connection (ckan.redis.url); not in the toolkit.
    from ckan.lib.redis import connect_to_redis

    return connect_to_redis()


def _store_key(import_id: str, part: str) -> str:
    return "ckan:{}:provincial:dataset-import:{}:{}".format(toolkit.config.get("ckan.site_id"), import_id, part)


def valid_import_id(import_id: Any) -> bool:
    try:
        return isinstance(import_id, str) and str(uuid.UUID(import_id)) == import_id
    except ValueError:
        return False


def store_upload(content: bytes, filename: str, owner_org: str, user: str) -> str:
    """Keep an uploaded workbook for a day; returns its import id."""
    import_id = str(uuid.uuid4())
    connection = _redis()
    connection.set(_store_key(import_id, "upload"), content, ex=STORE_SECONDS)
    save_state(import_id, state=QUEUED, owner_org=owner_org, user=user, filename=filename, done=0, total=0,
               created=dt.datetime.utcnow().isoformat())
    return import_id


def stored_upload(import_id: str) -> Optional[bytes]:
    return _redis().get(_store_key(import_id, "upload")) if valid_import_id(import_id) else None


def state(import_id: Any) -> Optional[dict[str, Any]]:
    """What is known of an import: state, done, total, owner_org, user, filename, result, error."""
    if not valid_import_id(import_id):
        return None
    stored = _redis().get(_store_key(import_id, "state"))
    return json.loads(stored) if stored else None


def save_state(import_id: str, **fields: Any) -> dict[str, Any]:
    current = state(import_id) or {"import_id": import_id}
    current.update(fields)
    _redis().set(_store_key(import_id, "state"), json.dumps(current, ensure_ascii=False, default=str),
                 ex=STORE_SECONDS)
    return current


def save_report(import_id: str, content: bytes) -> None:
    _redis().set(_store_key(import_id, "report"), content, ex=STORE_SECONDS)


def stored_report(import_id: str) -> Optional[bytes]:
    return _redis().get(_store_key(import_id, "report")) if valid_import_id(import_id) else None


def job_state(entry: dict[str, Any]) -> dict[str, Any]:
    """``entry``, failed when its job ended without saying so (a work horse killed, out of memory)."""
    if entry.get("state") not in (QUEUED, RUNNING) or not entry.get("job_id"):
        return entry
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        status = Job.fetch(entry["job_id"], connection=_redis()).get_status(refresh=True)
    except NoSuchJobError:
        status = None
    if status in (None, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        # Saved, so that a later look does not depend on rq keeping the job.
        return save_state(entry["import_id"], state=FAILED,
                          error=entry.get("error") or f"the background job is {status or 'gone'}")
    return entry


def progress_saver(import_id: str, every_seconds: float = 0.5) -> Callable[[int, int], None]:
    """A ``progress`` callback keeping rows done of rows in the import's state, at most every half second."""
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= every_seconds:
            last[0] = now
            save_state(import_id, state=RUNNING, done=done, total=total)

    return progress


@contextlib.contextmanager
def upload_file(content: bytes, filename: str = "") -> Iterator[str]:
    """The upload as a temporary file (the reader reads files)."""
    suffix = os.path.splitext(filename or "")[1][:10] or ".xlsx"
    handle, path = tempfile.mkstemp(prefix="provincial-import-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)


def finish(import_id: str, result: dict[str, Any]) -> dict[str, Any]:
    """Keep the result and its XLSX report with the import's state."""
    save_report(import_id, report_xlsx(result))
    return save_state(import_id, state=DONE, done=result["rows"], total=result["rows"], result=result,
                      finished=dt.datetime.utcnow().isoformat())


def run_import_job(import_id: str) -> dict[str, Any]:
    """The background job of a large import, as the user who started it."""
    entry = state(import_id)
    content = stored_upload(import_id)
    if entry is None or content is None:
        raise RuntimeError(f"import {import_id} has expired or never existed")
    save_state(import_id, state=RUNNING, done=0, error="")
    ckan_model = _ckan_model()
    context: dict[str, Any] = {"model": ckan_model, "session": ckan_model.Session, "user": entry.get("user") or ""}
    if entry.get("ignore_auth"):
        context["ignore_auth"] = True
    with request_context():
        try:
            with upload_file(content, entry.get("filename") or "") as path:
                result = import_catalogue(context, path, entry["owner_org"], dry_run=bool(entry.get("dry_run")),
                                          publish=bool(entry.get("publish")), progress=progress_saver(import_id))
        except Exception as error:
            # Nothing was written; rq runs the job again when it has a retry left.
            from rq import get_current_job

            job = get_current_job()
            again = bool(job is not None and job.retries_left)
            save_state(import_id, state=QUEUED if again else FAILED, error=f"{type(error).__name__}: {error}"[:2000])
            raise
        finish(import_id, result)
    return {key: result[key] for key in ("rows", "created", "updated", "unchanged", "errors", "written")}
