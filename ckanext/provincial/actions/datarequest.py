"""Data request actions (modelled on ckanext-datarequests): create, show, list, update, accept, close,
comment, delete, and the refresh that closes accepted requests whose requirement became available.

The rules (statuses, transitions, who may do what) live in ``ckanext.provincial.datarequest``; who may
call each action in ``auth/datarequest.py``. Every change and comment is recorded as an event and sent
to the requester and the province's plan coordinators (``notify``).
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Iterable, Optional

import geothai

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import datarequest as rules
from ckanext.provincial import gap, gap_service, model, settings, site
from ckanext.provincial.actions.schema_check import validated
from ckanext.provincial.auth import datarequest as auth
from ckanext.provincial.auth.requirement import _field as org_field, coordinated_provinces
from ckanext.provincial.validators import requirement as checks
from ckanext.provincial.language import N_

log = logging.getLogger(__name__)

DEFAULT_LIMIT, MAX_LIMIT, FEED_LIMIT = 20, 100, 50


# ---------------------------------------------------------------- validators

def text(maximum: int, required: bool = False):
    """Text of at most ``maximum`` characters, trimmed; other types are refused, not turned into text."""
    def validator(key, data, errors, context):
        value = data.get(key)
        if value is toolkit.missing or value is None:
            value = ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            errors[key].append(toolkit._("Must be text"))
            raise toolkit.StopOnError
        if checks.UNSTORABLE.search(value):
            errors[key].append(toolkit._(
                "Contains a character that cannot be stored (NUL or a lone surrogate); remove it"))
            raise toolkit.StopOnError
        value = value.strip()
        if required and not value:
            errors[key].append(toolkit._("Missing value"))
            raise toolkit.StopOnError
        if len(value) > maximum:
            errors[key].append(toolkit._("At most {maximum} characters").format(maximum=maximum))
            raise toolkit.StopOnError
        data[key] = value
    return validator


def _default_province(key, data, errors, context):
    if not data.get(key):
        data[key] = settings.province_code() or toolkit.missing


def district_validator(key, data, errors, context):
    code = str(data.get(key) or "").strip()
    data[key] = code
    if not code:
        return
    district = geothai.district(code) if code.isdigit() and len(code) == 4 else None
    if district is None or district.province_code != str(data.get(("province_code",)) or ""):
        errors[key].append(toolkit._('"{value}" is not a district of this province').format(value=code))


def organization_validator(key, data, errors, context):
    """An organization by name or id, stored as its id."""
    value = data.get(key)
    if not value:
        data[key] = ""
        return
    org = model.organizations([value]).get(value)
    if org is None:
        errors[key].append(toolkit._('No organization "{value}"').format(value=value))
        return
    data[key] = org["id"]


def one_of(choices: Iterable[str]):
    allowed = tuple(choices)

    def validator(value):
        if value not in allowed:
            raise toolkit.Invalid(toolkit._("Must be one of: {allowed}").format(allowed=", ".join(allowed)))
        return value
    return validator


def dataset_ids(value) -> list[str]:
    """A list of dataset names or ids (or text separated by commas)."""
    found = checks.split_codes(value)
    if len(found) > rules.MAX_DATASETS:
        raise toolkit.Invalid(toolkit._("At most {maximum} datasets").format(maximum=rules.MAX_DATASETS))
    if any(checks.UNSTORABLE.search(item) or len(item) > 200 for item in found):
        raise toolkit.Invalid(toolkit._("Not a dataset name or id"))
    return found


def request_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {
        "title": [text(rules.MAX_TITLE, required=True)],
        "description": [text(rules.MAX_TEXT)],
        "purpose": [text(rules.MAX_TEXT)],
        "province_code": [_default_province, v("not_missing"), text(10), checks.province_code_validator],
        "district_code": [text(10), district_validator],
        "development_issue": [text(100), checks.development_issue_validator],
        "organization": [text(200), organization_validator],
    }


def update_schema() -> dict[str, Any]:
    return dict(request_schema(), id=[text(100, required=True)])


def list_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    optional = [v("ignore_missing"), text(200)]
    return {
        "status": [v("ignore_missing"), text(20), v("ignore_empty"), one_of(rules.STATUSES)],
        "province_code": [v("ignore_missing"), text(10), v("ignore_empty"), checks.province_code_validator],
        "development_issue": list(optional),
        "organization": list(optional),
        "user": list(optional),
        "requirement_id": list(optional),
        "q": list(optional),
        "limit": [v("default")(DEFAULT_LIMIT), checks.natural_number],
        "offset": [v("default")(0), checks.natural_number],
    }


def accept_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {
        "id": [text(100, required=True)],
        "requirement_id": [v("ignore_missing"), text(100)],
        "requirement": [v("ignore_missing")],
        "comment": [text(rules.MAX_TEXT)],
    }


def close_schema() -> dict[str, Any]:
    v = toolkit.get_validator
    return {
        "id": [text(100, required=True)],
        "outcome": [v("not_missing"), text(20), one_of(rules.CLOSE_OUTCOMES)],
        "datasets": [v("ignore_missing"), dataset_ids],
        "reason": [text(rules.MAX_TEXT)],
        "merged_into": [text(100)],
    }


def comment_schema() -> dict[str, Any]:
    return {"id": [text(100, required=True)], "comment": [text(rules.MAX_TEXT, required=True)]}


# ---------------------------------------------------------------- helpers

def _site_context() -> dict[str, Any]:
    return site.site_context()


def _actor_id(context) -> str:
    user = context.get("auth_user_obj")
    if user is not None:
        return user.id
    found = rules.users([context.get("user") or ""]).get(context.get("user") or "")
    return found["id"] if found else ""


def _commit(context) -> None:
    if not context.get("defer_commit"):
        rules.session().commit()


def _labels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Names of the requester, agency, province, district and issue of each request (a query for each kind)."""
    people = rules.users(r["user_id"] for r in rows)
    orgs = model.organizations(r["organization"] for r in rows if r["organization"])
    issues = gap_service.issue_names()
    for row in rows:
        person = people.get(row["user_id"]) or {}
        row["user_name"], row["user_display_name"] = person.get("name", ""), person.get("display_name", "")
        org = orgs.get(row["organization"]) if row["organization"] else None
        row["organization_name"], row["organization_title"] = (org["name"], org["title"]) if org else ("", "")
        row["province"] = gap_service.province_label(row["province_code"])
        district = geothai.district(row["district_code"]) if row["district_code"] else None
        row["district"] = {"th": district.name_th, "en": district.name_en} if district else None
        row["development_issue_label"] = issues.get(row["development_issue"]) if row["development_issue"] else None
    return rows


def _visible_datasets(context, ids: list[str]) -> tuple[list[dict[str, Any]], int]:
    """The datasets of an answer the user may see (``id``, ``name``, ``title``), and how many are hidden."""
    shown, hidden = [], 0
    for dataset_id in ids:
        try:
            found = toolkit.get_action("package_show")(
                {"user": context.get("user") or "", "ignore_auth": False}, {"id": dataset_id})
        except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
            hidden += 1
            continue
        shown.append({"id": found["id"], "name": found["name"], "title": found.get("title") or found["name"],
                      "private": bool(found.get("private"))})
    return shown, hidden


def _event_dicts(events: list[rules.DataRequestEvent]) -> list[dict[str, Any]]:
    people = rules.users(e.user_id for e in events)
    found = []
    for event in events:
        row = event.as_dict()
        # An answer's datasets are shown on the request, to those who may see them; never in its history.
        if "datasets" in row["data"]:
            row["data"]["datasets"] = len(row["data"]["datasets"])
        person = people.get(event.user_id) or {}
        row["user_name"], row["user_display_name"] = person.get("name", ""), person.get("display_name", "")
        found.append(row)
    return found


def _requirement_of(context, request: rules.DataRequest) -> Optional[dict[str, Any]]:
    requirement = model.requirement_by_id(request.requirement_id) if request.requirement_id else None
    if requirement is None:
        return None
    shown = gap_service.with_agencies([requirement.as_dict()])[0]
    row = gap_service.requirement_status(context, shown)
    shown.update({"status": row["status"], "hidden_datasets": row["hidden_datasets"],
                  "datasets": [{k: d[k] for k in ("id", "name", "title", "status")} for d in row["datasets"]]})
    return shown


def shown(context, request: rules.DataRequest, events: bool = True) -> dict[str, Any]:
    """A request as ``provincial_datarequest_show`` returns it."""
    found = _labels([request.as_dict()])[0]
    found["datasets"], found["hidden_datasets"] = _visible_datasets(context, found["datasets"])
    found["requirement"] = _requirement_of(context, request)
    target = rules.by_id(request.merged_into) if request.merged_into else None
    found["merged_into_request"] = {"id": target.id, "title": target.title, "status": target.status} if target else None
    found["duplicates"] = [{"id": d.id, "title": d.title, "status": d.status} for d in rules.duplicates(request.id)]
    if events:
        found["events"] = _event_dicts(rules.events(request.id))
    return found


# ---------------------------------------------------------------- notifications

def coordinator_ids(province_code: str) -> list[str]:
    """Ids of the admins of the organizations coordinating the province's plan."""
    site = _site_context()
    orgs = toolkit.get_action("organization_list")(dict(site), {
        "all_fields": True, "include_extras": True, "limit": 1000})
    found: list[str] = []
    for org in orgs:
        if org_field(org, "plan_coordinator").lower() != "true" or org_field(org, "province_code") != province_code:
            continue
        members = toolkit.get_action("member_list")(dict(site), {"id": org["id"], "object_type": "user",
                                                                  "capacity": "admin"})
        found.extend(member_id for member_id, _type, _capacity in members if member_id not in found)
    return found



EVENT_SUBJECTS = {
    rules.CREATED: N_("New data request: {title}"),
    rules.UPDATED: N_("Data request edited: {title}"),
    rules.COMMENT: N_("New comment on the data request: {title}"),
    rules.ACCEPTED: N_("Data request accepted into the plan: {title}"),
    rules.FULFILLED: N_("Data request fulfilled: {title}"),
    rules.ANSWERED: N_("Data request answered: {title}"),
    rules.DECLINED: N_("Data request declined: {title}"),
    rules.MERGED: N_("Data request merged into another: {title}"),
    rules.DUPLICATE: N_("A duplicate was merged into the data request: {title}"),
}


def message(kind: str, title: str, actor: str, text_: str, url: str) -> tuple[str, str]:
    """Subject and plain-text body of the e-mail of an event."""
    subject = toolkit._(EVENT_SUBJECTS.get(kind) or N_("Data request changed: {title}")).format(title=title)
    lines = [subject, "", toolkit._("By: {user}").format(user=actor or toolkit._("the portal"))]
    if text_:
        lines += ["", text_]
    lines += ["", toolkit._("See the request: {url}").format(url=url)]
    return subject, "\n".join(lines)


def notify(request: rules.DataRequest, event: rules.DataRequestEvent) -> list[str]:
    """E-mail an event to the requester and the coordinators (not to who acted), when mail is set up.

    Returns the addresses written to. Mailer errors are logged, never raised.
    """
    if not settings.datarequest_email() or not toolkit.config.get("smtp.server"):
        return []
    sent: list[str] = []
    try:
        site = _site_context()
        actor = rules.users([event.user_id]).get(event.user_id) or {}
        url = toolkit.config.get("ckan.site_url", "").rstrip("/") + "/datarequest/" + request.id
        subject, body = message(event.kind, request.title, actor.get("display_name", ""), event.text, url)
        for user_id in rules.recipients(request.user_id, coordinator_ids(request.province_code), event.user_id):
            person = toolkit.get_action("user_show")(dict(site), {"id": user_id})
            if not person.get("email"):
                continue
            try:
                toolkit.mail_recipient(person.get("display_name") or person["name"], person["email"], subject, body)
                sent.append(person["email"])
            except Exception:  # noqa: BLE001 - a mail server failing must not undo the change
                log.exception("Could not e-mail %s about data request %s", person["name"], request.id)
    except Exception:  # noqa: BLE001 - the change is saved; telling people is best effort
        log.exception("Could not notify about data request %s", request.id)
    return sent


# ---------------------------------------------------------------- fulfilment

def _requirement_available(requirement: model.Requirement, saved: Optional[dict[str, Any]] = None) -> bool:
    """Whether the requirement is ``available``; ``saved`` is a dataset just saved (not yet in the index)."""
    fq = gap_service.requirement_filter(requirement.province_code, requirement.code)
    facts = [f for f in gap_service.dataset_facts(fq) if not saved or f["id"] != saved.get("id")]
    if saved and saved.get("state", "active") == "active":
        facts.append(gap.facts_from_dataset(saved))
    row = gap.evaluate([requirement.as_dict()], facts, gap_service.today())[0]
    return row["status"] == gap.AVAILABLE


def fulfil(requests: list[rules.DataRequest], saved: Optional[dict[str, Any]] = None,
           commit: bool = True) -> list[rules.DataRequest]:
    """Close as ``fulfilled`` the accepted requests whose requirement is available; those closed."""
    site_user = rules.users([_site_context()["user"]])
    actor = next(iter(site_user.values()))["id"] if site_user else ""
    closed, verdicts = [], {}
    for request in requests:
        if request.status != rules.ACCEPTED or not request.requirement_id:
            continue
        if request.requirement_id not in verdicts:
            requirement = model.requirement_by_id(request.requirement_id)
            verdicts[request.requirement_id] = (requirement, requirement is not None and
                                                _requirement_available(requirement, saved))
        requirement, available = verdicts[request.requirement_id]
        if not available:
            continue
        rules.set_status(request, rules.FULFILLED)
        event = rules.add_event(request, actor, rules.FULFILLED, data={
            "requirement_id": requirement.id, "code": requirement.code})
        closed.append((request, event))
    if commit and closed:
        rules.session().commit()
    for request, event in closed:
        notify(request, event)
    return [request for request, _event in closed]


def after_dataset_saved(pkg_dict: dict[str, Any]) -> None:
    """After a dataset is created or updated: close the accepted requests its requirements fulfil.

    Runs inside the dataset's transaction (a savepoint, committed with the dataset); a failure
    is logged and never stops the save.
    """
    try:
        from ckanext.provincial import quality

        codes = quality.as_list(pkg_dict.get("requirement_codes"))
        province = str(pkg_dict.get("province_code") or "").strip()
        if not codes or not province:
            return
        found = model.requirements_by_codes((province, code) for code in codes)
        requests = rules.accepted_for(r.id for r in found.values())
        if not requests:
            return
        with rules.session().begin_nested():
            fulfil(requests, saved=pkg_dict, commit=False)
    except Exception:  # noqa: BLE001 - the dataset save must go on
        log.exception("Could not check the data requests of dataset %s", pkg_dict.get("id"))


# ---------------------------------------------------------------- actions

def provincial_datarequest_create(context, data_dict) -> dict[str, Any]:
    """Ask the province for data. Needs a signed-in user; at most
    ``ckanext.provincial.datarequest.rate_limit`` requests per user in
    ``ckanext.provincial.datarequest.rate_limit_hours`` (sysadmins are not limited).

    :param title: what data is wanted (at most 200 characters)
    :type title: string
    :param description: more about it (optional, at most 5000 characters)
    :type description: string
    :param purpose: what it is for (optional)
    :type purpose: string
    :param province_code: the province asked (two digits; default: the portal's province)
    :type province_code: string
    :param district_code: a district of that province (four digits, optional)
    :type district_code: string
    :param development_issue: a development issue of the province (code, optional)
    :type development_issue: string
    :param organization: the agency suggested to provide it, by name or id (optional)
    :type organization: string

    :returns: the request, as ``provincial_datarequest_show``
    :rtype: dictionary
    :raises: ``ValidationError`` naming the wrong field, or ``rate_limit`` when the user asked too often
    """
    toolkit.check_access("provincial_datarequest_create", context, data_dict)
    data = validated(context, data_dict, request_schema())
    user = context["auth_user_obj"]
    limit, hours = settings.datarequest_rate_limit()
    since = dt.datetime.utcnow() - dt.timedelta(hours=max(hours, 0))
    if rules.rate_limited(rules.recent_count(user.id, since), limit, bool(user.sysadmin)):
        raise toolkit.ValidationError({"rate_limit": [toolkit._(
            "You have asked for data {count} times in the last {hours} hours; please wait before asking again"
        ).format(count=limit, hours=hours)]})
    request = rules.DataRequest(id=rules._new_id(), user_id=user.id, status=rules.OPEN,
                                created=rules._now(), modified=rules._now(), datasets=[])
    _assign(request, data)
    rules.session().add(request)
    event = rules.add_event(request, user.id, rules.CREATED)
    _commit(context)
    notify(request, event)
    return shown(context, request)


def _assign(request: rules.DataRequest, data: dict[str, Any]) -> list[str]:
    """Set the editable fields; the names of those that changed."""
    changed = []
    for field in rules.FIELDS:
        column = "organization_id" if field == "organization" else field
        value = data.get(field) or ""
        if getattr(request, column) != value:
            setattr(request, column, value)
            changed.append(field)
    return changed


@toolkit.side_effect_free
def provincial_datarequest_show(context, data_dict) -> dict[str, Any]:
    """A data request with its history.

    :param id: the request's id
    :type id: string

    :returns: the request: its fields, ``status``, ``user_name``, the labels of its province,
        district, issue and agency, ``requirement`` (with its live gap ``status``) when accepted,
        ``datasets`` of an answer that the user may see and ``hidden_datasets`` (how many not),
        ``merged_into_request``, ``duplicates`` and ``events`` (oldest first)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_datarequest_show", context, data_dict)
    return shown(context, auth.request_of(data_dict))


@toolkit.side_effect_free
def provincial_datarequest_list(context, data_dict) -> dict[str, Any]:
    """Data requests, newest first.

    :param status: only this status (``open``, ``accepted``, ``fulfilled``, ``answered``,
        ``declined``, ``merged``)
    :type status: string
    :param province_code: only this province
    :type province_code: string
    :param development_issue: only this development issue (code)
    :type development_issue: string
    :param organization: only this suggested agency (name or id)
    :type organization: string
    :param user: only this requester (name or id)
    :type user: string
    :param requirement_id: only the requests linked to this requirement
    :type requirement_id: string
    :param q: text in the title, description or purpose
    :type q: string
    :param limit: at most this many (default 20, at most 100)
    :type limit: int
    :param offset: skip this many first
    :type offset: int

    :returns: ``count`` (matching the filters), ``results`` (one page) and ``counts``
        (per status, under the other filters)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_datarequest_list", context, data_dict)
    data = validated(context, data_dict, list_schema())
    filters: dict[str, Any] = {key: data[key] for key in ("status", "province_code", "development_issue",
                                                         "requirement_id", "q") if data.get(key)}
    if data.get("organization"):
        org = model.organizations([data["organization"]]).get(data["organization"])
        filters["organization_id"] = org["id"] if org else "__none__"
    if data.get("user"):
        person = rules.users([data["user"]]).get(data["user"])
        filters["user_id"] = person["id"] if person else "__none__"
    count, page, counts = rules.search(filters, min(data["limit"], MAX_LIMIT), data["offset"])
    results = _labels([r.as_dict() for r in page])
    for row in results:
        del row["datasets"]  # an answer's datasets, which may be private: on the request's page only
    return {"count": count, "results": results, "counts": counts}


def provincial_datarequest_update(context, data_dict) -> dict[str, Any]:
    """Change a request: by its requester while it is open, by the province's coordinators until
    it is closed. Every field is replaced, as in ``provincial_datarequest_create``; the province
    can change only while the request is open.

    :param id: the request's id
    :type id: string

    Other parameters: as ``provincial_datarequest_create``.

    :returns: the request
    :rtype: dictionary
    """
    toolkit.check_access("provincial_datarequest_update", context, data_dict)
    request = auth.request_of(data_dict)
    data = validated(context, data_dict, update_schema())
    if data["province_code"] != request.province_code and request.status != rules.OPEN:
        raise toolkit.ValidationError({"province_code": [toolkit._(
            "An accepted request cannot move to another province")]})
    changed = _assign(request, data)
    if changed:
        request.modified = rules._now()
        event = rules.add_event(request, _actor_id(context), rules.UPDATED, data={"fields": changed})
        _commit(context)
        notify(request, event)
    return shown(context, request)


def provincial_datarequest_accept(context, data_dict) -> dict[str, Any]:
    """Accept a request into the province's plan: link it to a requirement of that plan, or create one.
    It then closes by itself (``fulfilled``) when the requirement is ``available`` in the gap.

    :param id: the request's id
    :type id: string
    :param requirement_id: an existing requirement of the request's province
    :type requirement_id: string
    :param requirement: or the fields of a new requirement, as ``provincial_requirement_create``
        takes them (its province is the request's)
    :type requirement: dictionary
    :param comment: a note to the requester (optional)
    :type comment: string

    :returns: the request
    :rtype: dictionary
    """
    toolkit.check_access("provincial_datarequest_accept", context, data_dict)
    request = auth.request_of(data_dict)
    data = validated(context, data_dict, accept_schema())
    if not rules.can_move(request.status, rules.ACCEPTED):
        raise toolkit.ValidationError({"id": [toolkit._("This request is already accepted")]})
    if data.get("requirement_id"):
        requirement = model.requirement_by_id(data["requirement_id"])
        if requirement is None:
            raise toolkit.ValidationError({"requirement_id": [toolkit._("Requirement not found")]})
        if requirement.province_code != request.province_code:
            raise toolkit.ValidationError({"requirement_id": [toolkit._(
                "The requirement belongs to the plan of province {other}, not of province {province}").format(
                other=requirement.province_code, province=request.province_code)]})
        requirement_id, code = requirement.id, requirement.code
    elif isinstance(data.get("requirement"), dict):
        values = dict(data["requirement"], province_code=request.province_code)
        created = toolkit.get_action("provincial_requirement_create")(dict(context, defer_commit=True), values)
        requirement_id, code = created["id"], created["code"]
        rules.session().flush()  # the requirement row exists before the request names it
    else:
        raise toolkit.ValidationError({"requirement_id": [toolkit._(
            "Give an existing requirement's id, or the fields of a new requirement")]})
    rules.set_status(request, rules.ACCEPTED)
    request.requirement_id = requirement_id
    event = rules.add_event(request, _actor_id(context), rules.ACCEPTED, text=data.get("comment", ""),
                            data={"requirement_id": requirement_id, "code": code})
    _commit(context)
    notify(request, event)
    fulfil([request], commit=not context.get("defer_commit"))
    return shown(context, request)


def provincial_datarequest_close(context, data_dict) -> dict[str, Any]:
    """Close a request: answer it with existing datasets, decline it, or merge it into another.

    :param id: the request's id
    :type id: string
    :param outcome: ``answered``, ``declined`` or ``merged``
    :type outcome: string
    :param datasets: for ``answered``: the datasets (names or ids) that answer it; the caller
        must be able to see each (at most 20)
    :type datasets: list of strings
    :param reason: why (required for ``declined``; a note otherwise)
    :type reason: string
    :param merged_into: for ``merged``: the id of the request it duplicates (not closed, not itself)
    :type merged_into: string

    :returns: the request
    :rtype: dictionary
    """
    toolkit.check_access("provincial_datarequest_close", context, data_dict)
    request = auth.request_of(data_dict)
    data = validated(context, data_dict, close_schema())
    outcome, payload, target = data["outcome"], {}, None
    if outcome == rules.ANSWERED:
        if not data.get("datasets"):
            raise toolkit.ValidationError({"datasets": [toolkit._("Name the datasets that answer the request")]})
        ids = []
        for name in data["datasets"]:
            try:
                found = toolkit.get_action("package_show")(
                    {"user": context.get("user"), "ignore_auth": False}, {"id": name})
            except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
                raise toolkit.ValidationError({"datasets": [toolkit._('No dataset "{value}"').format(value=name)]})
            if found["id"] not in ids:
                ids.append(found["id"])
        request.datasets = ids
        payload["datasets"] = ids
    elif outcome == rules.DECLINED:
        if not data.get("reason"):
            raise toolkit.ValidationError({"reason": [toolkit._("Say why the request is declined")]})
    else:
        target = rules.by_id(data.get("merged_into") or "")
        if target is None:
            raise toolkit.ValidationError({"merged_into": [toolkit._("Data request not found")]})
        if target.id == request.id:
            raise toolkit.ValidationError({"merged_into": [toolkit._("A request cannot be merged into itself")]})
        if rules.is_closed(target.status):
            raise toolkit.ValidationError({"merged_into": [toolkit._(
                "A request can only be merged into one that is not closed")]})
        request.merged_into = target.id
        payload["merged_into"] = target.id
    rules.set_status(request, outcome)
    request.close_reason = data.get("reason", "")
    actor = _actor_id(context)
    events = [(request, rules.add_event(request, actor, outcome, text=data.get("reason", ""), data=payload))]
    if target is not None:
        target.modified = rules._now()
        events.append((target, rules.add_event(target, actor, rules.DUPLICATE, data={"duplicate": request.id})))
    _commit(context)
    for changed, event in events:
        notify(changed, event)
    return shown(context, request)


def provincial_datarequest_comment(context, data_dict) -> dict[str, Any]:
    """Comment on a request: its requester, the province's coordinators, members of the suggested
    agency and sysadmins.

    :param id: the request's id
    :type id: string
    :param comment: the comment (at most 5000 characters)
    :type comment: string

    :returns: the event of the comment (``id``, ``user_id``, ``created``, ``kind``, ``text``)
    :rtype: dictionary
    :raises: ``ValidationError`` with ``rate_limit`` when the user commented
        ``ckanext.provincial.datarequest.comment_rate_limit`` times within the window
    """
    toolkit.check_access("provincial_datarequest_comment", context, data_dict)
    request = auth.request_of(data_dict)
    data = validated(context, data_dict, comment_schema())
    user = context.get("auth_user_obj")
    _, hours = settings.datarequest_rate_limit()
    limit = settings.datarequest_comment_rate_limit()
    since = dt.datetime.utcnow() - dt.timedelta(hours=max(hours, 0))
    if user is not None and rules.rate_limited(
            rules.recent_comment_count(user.id, since), limit, bool(getattr(user, "sysadmin", False))):
        raise toolkit.ValidationError({"rate_limit": [toolkit._(
            "You have commented {count} times in the last {hours} hours; please wait before commenting again"
        ).format(count=limit, hours=hours)]})
    event = rules.add_event(request, _actor_id(context), rules.COMMENT, text=data["comment"])
    _commit(context)
    notify(request, event)
    return _event_dicts([event])[0]


def provincial_datarequest_delete(context, data_dict) -> None:
    """Delete a request and its history (sysadmins only: spam and abuse).

    :param id: the request's id
    :type id: string
    """
    toolkit.check_access("provincial_datarequest_delete", context, data_dict)
    request = auth.request_of(data_dict)
    for duplicate in rules.duplicates(request.id):
        duplicate.merged_into = None
    rules.session().delete(request)
    _commit(context)


def provincial_datarequest_refresh(context, data_dict) -> dict[str, Any]:
    """Close as ``fulfilled`` every accepted request whose requirement is ``available``
    (for a schedule: ``ckan provincial datarequest refresh``). Sysadmins only.

    :returns: ``checked`` (accepted requests looked at) and ``fulfilled`` (ids of those closed)
    :rtype: dictionary
    """
    toolkit.check_access("provincial_datarequest_refresh", context, data_dict)
    accepted = rules.all_accepted()
    closed = fulfil(accepted)
    return {"checked": len(accepted), "fulfilled": [r.id for r in closed]}


@toolkit.side_effect_free
def provincial_datarequest_feed(context, data_dict) -> list[dict[str, Any]]:
    """The latest events of the requests the user asked for or coordinates (the dashboard's feed).

    :param limit: at most this many (default 50, at most 100)
    :type limit: int

    :returns: events, newest first, each with ``datarequest`` (``id``, ``title``, ``status``)
    :rtype: list of dictionaries
    """
    toolkit.check_access("provincial_datarequest_feed", context, data_dict)
    v = toolkit.get_validator
    data = validated(context, data_dict, {"limit": [v("default")(FEED_LIMIT), checks.natural_number]})
    user = context["auth_user_obj"]
    provinces = None if user.sysadmin else coordinated_provinces(user.name)
    rows = rules.feed(user.id, provinces, min(data["limit"], MAX_LIMIT))
    found = _event_dicts([event for event, _request in rows])
    for entry, (_event, request) in zip(found, rows):
        entry["datarequest"] = {"id": request.id, "title": request.title, "status": request.status}
    return found


def get_actions():
    return {
        "provincial_datarequest_create": provincial_datarequest_create,
        "provincial_datarequest_show": provincial_datarequest_show,
        "provincial_datarequest_list": provincial_datarequest_list,
        "provincial_datarequest_update": provincial_datarequest_update,
        "provincial_datarequest_accept": provincial_datarequest_accept,
        "provincial_datarequest_close": provincial_datarequest_close,
        "provincial_datarequest_comment": provincial_datarequest_comment,
        "provincial_datarequest_delete": provincial_datarequest_delete,
        "provincial_datarequest_refresh": provincial_datarequest_refresh,
        "provincial_datarequest_feed": provincial_datarequest_feed,
    }
