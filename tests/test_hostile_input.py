"""Hostile input: every validator and write action of the extension, its pages and its plan files.

Property-based (hypothesis): random Unicode with Thai combining marks piled up, huge strings, wrong
types (lists, dicts, numbers, None), SQL and Solr query syntax, HTML/JS, spreadsheet formulas. What
must hold: a ``ValidationError``/``Invalid`` with a message, or a clean save; never another exception
(which the API would answer with a 500). Pages show stored HTML/JS escaped; plan files with broken
encodings, duplicate codes or 10,000 rows are answered clearly; exports never hand a spreadsheet a
formula.

The examples of a property share the module's database (fixtures do not reset between hypothesis
examples): every example writes under names and codes of its own, so any order of examples is valid.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import time
import uuid
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ckan.lib.search as search
from ckan.lib.navl.dictization_functions import DataError
import ckan.model as ckan_model
import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import model, plan_io
from tests import ckan_session
from tests.factories import gdc_dataset, provincial_organization

pytestmark = pytest.mark.integration

# A database-backed profile: few examples (each one may save and index a dataset), no deadline
# (Solr commits vary), no example database written into the work tree. For a longer hunt, multiply
# the examples: PROVINCIAL_HYPOTHESIS_SCALE=20 pytest tests/test_hostile_input.py
SCALE = float(os.environ.get("PROVINCIAL_HYPOTHESIS_SCALE") or 1)
settings.register_profile(
    "provincial-db", max_examples=int(40 * SCALE), deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
DB = settings.get_profile("provincial-db")


def db(max_examples: int = 40, **changes) -> settings:
    """The database-backed profile, with some values changed for one test."""
    return settings(DB, max_examples=max(1, int(max_examples * SCALE)), **changes)

# ----------------------------------------------------------- strategies --

THAI_MARKS = "\u0e31" + "".join(map(chr, range(0x0E34, 0x0E3B))) + "".join(map(chr, range(0x0E47, 0x0E4F)))
THAI_LETTERS = "".join(map(chr, range(0x0E01, 0x0E2F))) + "๐๑๒๓๔๕๖๗๘๙"

INJECTIONS = [
    "'; DROP TABLE provincial_requirement; --", "1' OR '1'='1", "\" OR 1=1 --", "%_%", "\\", "\\\\%",
    "*:*", "title:* OR capacity:private", "capacity:private", "{!lucene}*:*", "{!join from=id to=id}*:*",
    "(", ")", "[* TO *]", "\"unbalanced", "+-&&||!(){}[]^\"~*?:/", "id:[a TO", "fq=*:*&q=*:*",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "{{ 7*7 }}", "{% raw %}",
    "=HYPERLINK(\"http://example.invalid\",\"x\")", "+1+1", "-1-1", "@SUM(A1)", "\t=1", "\r=1",
    "[", "[[[", "[" * 5000, "{" * 5000, "[\"4.1\"", "[1, 2]", "[{\"a\": 1}]", "null", "true", "{}",
    "\x00", "a\x00b", "\u200b", "\u202e", "\ufeff", "\r\n", "\n\n\n", " ", "", "0", "-1", "00", "1e400",
    "inf", "-inf", "nan", "9" * 400, "1.5", "٣", "๑๓", "13", "13 ", " 13", "１３", "2567-01-31", "2024-02-30",
    "0000-01-01", "9999-12-31", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2024-01-31/2023-01-01",
    "/2024-01-01", "ั", "่่่่่่่่่", "กั" * 1000 + "ํ" * 1000,
    "\ud800", "a\udfffb",  # lone surrogates, as JSON's "\ud800" arrives
]
# What a URL can carry (a lone surrogate has no UTF-8 form).
URL_SAFE_INJECTIONS = [text for text in INJECTIONS if not re.search("[\ud800-\udfff]", text)]

thai_text = st.text(alphabet=THAI_LETTERS + THAI_MARKS + " ,;-_.", max_size=60)
mark_pileups = st.builds(lambda base, marks: base + marks, st.sampled_from(list("กขa1 ") + [""]),
                         st.text(alphabet=THAI_MARKS, min_size=1, max_size=200))
huge = st.builds(lambda piece, times: piece * times,
                 st.sampled_from(["ก", "ั", "a", "<", "9", "กิ๊", ","]), st.integers(10_000, 300_000))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=True, allow_infinity=True))
texts = st.one_of(st.text(max_size=80), thai_text, mark_pileups, st.sampled_from(INJECTIONS), huge)
containers = st.recursive(st.one_of(scalars, st.text(max_size=10), st.sampled_from(INJECTIONS[:30])),
                          lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                  st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                          max_leaves=8)
hostile = st.one_of(texts, scalars, containers)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def messages_of(errors: Any) -> list[str]:
    """Every message in an error dict (nested lists and dicts, as CKAN returns them)."""
    if isinstance(errors, str):
        return [errors]
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in messages_of(value)]
    if isinstance(errors, (list, tuple)):
        return [m for value in errors for m in messages_of(value)]
    return [str(errors)]


def assert_clear_refusal(error: toolkit.ValidationError) -> None:
    found = messages_of(error.error_dict)
    assert found and all(isinstance(m, str) and m.strip() for m in found), error.error_dict


# ---------------------------------------------------------------- world --


@pytest.fixture(scope="module")
def site(reset_db, reset_index, migrate_db_for):
    """Plugins, a clean database with the plan tables, the code lists synced, an agency of Pathum Thani."""
    ckan_session.ensure_plugins()
    reset_db()
    migrate_db_for("provincial")
    reset_index()
    sysadmin = factories.SysadminWithToken()
    context = {"user": sysadmin["name"], "ignore_auth": False}
    call_action("provincial_vocabulary_sync", dict(context))
    agency = provincial_organization(name=unique("agency"), plan_coordinator="True",
                                     users=[{"name": sysadmin["name"], "capacity": "admin"}])
    base = call_action("provincial_requirement_create", dict(context), province_code="13", code="BASE",
                       title_th="รายการตั้งต้น")
    yield Quiet({"sysadmin": sysadmin, "context": context, "agency": agency, "base": base,
           "app": ckan_session.test_app()})


def as_sysadmin(site) -> dict[str, Any]:
    return dict(site["context"])


def rollback_after_failure() -> None:
    # A failed statement leaves the session unusable for the next example; the test has failed anyway.
    ckan_model.Session.rollback()


# ----------------------------------------------------------- validators --

def _validator_names() -> list[str]:
    from ckanext.provincial.validators import get_validators

    return sorted(get_validators())


class Quiet(dict):
    """A fixture value that hypothesis reports by name, not by its whole content."""

    def __repr__(self) -> str:
        return f"<{len(self)} entries>"


@pytest.fixture(scope="module")
def validator_uses(site) -> dict[str, list[tuple[dict, dict]]]:
    """Validator name → every (field, schema) of the scheming schemas that uses it (a bare field when none)."""
    from ckanext.scheming.helpers import scheming_get_dataset_schema, scheming_get_organization_schema

    dataset = scheming_get_dataset_schema("dataset")
    organization = scheming_get_organization_schema("organization")
    fields = [(field, dataset) for group in ("dataset_fields", "resource_fields") for field in dataset[group]]
    fields += [(field, organization) for field in organization["fields"]]
    uses = {}
    for name in _validator_names():
        found = [(f, s) for f, s in fields if name in (f.get("validators") or "").split()]
        uses[name] = found or [({"field_name": "value"}, {})]
    return Quiet(uses)


def _run_validator(name: str, field: dict, schema: dict, value: Any, context: dict) -> tuple[dict, dict]:
    from ckanext.provincial.validators import get_validators

    function = get_validators()[name]
    validator = function(field, schema) if getattr(function, "is_a_scheming_validator", False) else function
    key = field["field_name"]
    ignore = toolkit.get_validator("ignore_missing")
    # The neighbours cross-field validators read: the province, the data type, an "other" parent.
    data = {"province_code": "13", "data_type": "ข้อมูลสถิติ", key: value}
    navl_schema = {"province_code": [ignore], "data_type": [ignore], key: [validator]}
    if field.get("other_of"):
        data[field["other_of"]], navl_schema[field["other_of"]] = "อื่นๆ", [ignore]
    return toolkit.navl_validate(data, navl_schema, context)


@db(max_examples=60)
@given(name=st.sampled_from(_validator_names()), value=hostile)
def test_every_validator_answers_hostile_input_with_a_message_or_a_clean_value(site, validator_uses, name, value):
    context = dict(as_sysadmin(site), model=ckan_model, session=ckan_model.Session)
    for field, schema in validator_uses[name]:
        try:
            data, errors = _run_validator(name, field, schema, value, dict(context))
        except (toolkit.StopOnError, DataError):
            continue  # DataError: navl cannot flatten lists mixing dicts and values (the API answers 400)
        except Exception:
            rollback_after_failure()
            raise
        key = field["field_name"]
        if errors.get(key):
            assert all(isinstance(m, str) and m.strip() for m in messages_of(errors[key])), errors
        elif key in data and data[key] is not toolkit.missing:
            json.dumps(data[key])  # what a validator lets through can be stored


def test_every_validator_of_the_extension_is_exercised(validator_uses):
    """The strategy above draws from get_validators(): a new validator is covered without editing this file."""
    assert set(validator_uses) == set(_validator_names()) and len(validator_uses) >= 15


# ----------------------------------------------------- requirement actions --

REQUIREMENT_FIELDS = list(model.REQUIREMENT_FIELDS) + ["id", "unknown_field"]
# Actions that pass the caller's own q / fq to package_search.
SOLR_QUERY_ACTIONS = ("provincial_harvest_search", "package_search", "dcat_catalog_show")


def expect_refusal_or_save(action: str, context: dict, data: dict) -> Any:
    """The action's result, or None when it refused with a message; any other exception fails."""
    try:
        return call_action(action, context, **data)
    except toolkit.ValidationError as error:
        assert_clear_refusal(error)
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized) as error:
        assert str(error).strip(), "a refusal without a message"
    except DataError as error:
        # Lists mixing dicts and other values cannot be flattened: the API answers 400 "Integrity Error".
        assert str(error.error).strip()
    except search.SearchError as error:
        # A Solr query the caller wrote that Solr or CKAN refuses: the API answers 409 "Search error".
        assert action in SOLR_QUERY_ACTIONS and str(error).strip(), f"{action}: {error}"
    except Exception:
        rollback_after_failure()
        raise
    return None


@db()
@given(field=st.sampled_from(REQUIREMENT_FIELDS), value=hostile)
def test_requirement_create_refuses_or_saves_cleanly(site, field, value):
    code = unique("H")
    data = {"province_code": "13", "code": code, "title_th": "ข้อมูลทดสอบ", field: value}
    created = expect_refusal_or_save("provincial_requirement_create", as_sysadmin(site), data)
    stored = model.requirement_by_code("13", str(data["code"]) if field == "code" else code)
    if created is None:
        if field != "code":
            assert stored is None, "a refused requirement was written"
        return
    shown = call_action("provincial_requirement_show", as_sysadmin(site), id=created["id"], include_datasets=False)
    assert {key: shown[key] for key in model.REQUIREMENT_FIELDS} == {key: created[key] for key in model.REQUIREMENT_FIELDS}


@db()
@given(field=st.sampled_from(REQUIREMENT_FIELDS), value=hostile)
def test_requirement_update_refuses_or_saves_cleanly(site, field, value):
    requirement = call_action("provincial_requirement_create", as_sysadmin(site), province_code="13",
                              code=unique("U"), title_th="ก่อนแก้ไข")
    data = {"id": requirement["id"], "code": requirement["code"], "title_th": "หลังแก้ไข", field: value}
    updated = expect_refusal_or_save("provincial_requirement_update", as_sysadmin(site), data)
    if updated is None and field != "id":
        unchanged = call_action("provincial_requirement_show", as_sysadmin(site), id=requirement["id"],
                                include_datasets=False)
        assert unchanged["title_th"] == "ก่อนแก้ไข", "a refused update was written"


# Read actions and their parameters: the hostile value replaces one parameter of a valid call.
READ_CALLS = {
    "provincial_requirement_show": {"province_code": "13", "code": "BASE", "include_datasets": True},
    # Data requests (more in tests/test_datarequest.py): a write as the sysadmin saves or refuses cleanly.
    "provincial_datarequest_create": {"title": "ขอข้อมูล", "province_code": "13", "district_code": "1302",
                                      "description": "", "purpose": "", "development_issue": "", "organization": ""},
    "provincial_datarequest_show": {"id": "x"},
    "provincial_quality_show": {"id": "x"},
    "provincial_quality_summary": {"province_code": "13", "organization": "x", "include_private": False},
    "provincial_datarequest_list": {"status": "open", "province_code": "13", "development_issue": "x",
                                    "organization": "x", "user": "x", "requirement_id": "x", "q": "a", "limit": 5,
                                    "offset": 0},
    "provincial_datarequest_update": {"id": "x", "title": "x", "province_code": "13"},
    "provincial_datarequest_accept": {"id": "x", "requirement_id": "x", "requirement": {}, "comment": ""},
    "provincial_datarequest_close": {"id": "x", "outcome": "merged", "datasets": [], "reason": "", "merged_into": "x"},
    "provincial_datarequest_comment": {"id": "x", "comment": "x"},
    "provincial_datarequest_delete": {"id": "x"},
    "provincial_datarequest_refresh": {},
    "provincial_datarequest_feed": {"limit": 5},
    "provincial_requirement_list": {"province_code": "13", "q": "a", "limit": 5, "offset": 0, "pmqa": "4.1",
                                    "agency": "x", "development_issue": "x", "sub_issue": "x"},
    "provincial_gap_show": {"province_code": "13", "development_issue": "", "sub_issue": "", "agency": "",
                            "pmqa": "", "include_unlinked": True},
    "provincial_gap_summary": {"province_codes": ["13"]},
    "provincial_gap_snapshot_list": {"province_code": "13", "limit": 5},
    "provincial_requirement_activity_list": {"id": "x", "limit": 5, "offset": 0},
    "provincial_plan_activity_list": {"province_code": "13", "limit": 5, "offset": 0},
    "provincial_requirement_status_history": {"id": "x"},
    "provincial_usage_show": {"id": "x", "months": 12},
    "provincial_usage_summary": {"province_code": "13", "organization": "x", "months": 12, "limit": 5},
    "provincial_harvest_search": {"q": "*:*", "fq": "", "rows": 5, "start": 0, "modified_since": "2024-01-01"},
    "provincial_harvest_show": {"id": "x"},
    "provincial_vocabulary_show": {"vocabulary": "pmqa", "province_code": "13"},
    "provincial_validation_show": {"resource_id": "x"},
    "provincial_requirement_import": {"province_code": "13", "upload": b"code,title_th\n", "format": "csv",
                                      "dry_run": True},
    "provincial_vocabulary_sync": {"dry_run": True},
    "provincial_gap_snapshot_create": {"province_codes": ["13"]},
    "provincial_validation_run": {"resource_id": "x", "sync": False},
    "provincial_datastore_status": {"resource_id": "x"},
    "provincial_datastore_submit": {"resource_id": "x", "sync": False},
    "provincial_dataset_import_status": {"import_id": "x"},
    "package_create_default_resource_views": {"package": {"id": "x", "resources": []}},
    "provincial_link_check_run": {"id": "x", "organization": "x", "province_code": "96", "concurrency": 2},
    "provincial_link_check_show": {"resource_id": "x"},
    "provincial_link_broken_list": {"province_code": "13", "organization": "x"},
    "provincial_report_publish": {"province_code": "13"},
    "dcat_catalog_show": {"format": "ttl", "q": "*:*", "fq": "", "page": 1, "modified_since": "2024-01-01"},
}
READ_PARAMETERS = [(action, key) for action, data in READ_CALLS.items() for key in data]


@db(max_examples=60)
@given(call=st.sampled_from(READ_PARAMETERS), value=hostile)
def test_every_other_action_answers_hostile_parameters_with_a_message_or_a_result(site, call, value):
    action, key = call
    data = dict(READ_CALLS[action], **{key: value})
    if action == "provincial_vocabulary_sync" and key == "dry_run":
        data["dry_run"] = value if isinstance(value, str) and value.lower() in ("", "0", "false", "no") else True
    for context in (as_sysadmin(site), {"user": "", "ignore_auth": False}):
        expect_refusal_or_save(action, context, data)


def test_the_action_calls_cover_every_action_of_the_extension():
    from ckanext.provincial.actions import get_actions

    covered = set(READ_CALLS) | {"provincial_requirement_create", "provincial_requirement_update",
                                 "provincial_requirement_delete", "provincial_dataset_import",
                                 "status_show", "package_search",
                                 "package_create", "package_update", "resource_create", "resource_update"}
    assert set(get_actions()) - covered == set()


# ------------------------------------------------------ datasets (scheming) --

def _dataset_fields() -> list[str]:
    """Every field of the provincial dataset schema (``resources.<name>`` for resource fields)."""
    import yaml
    from importlib import resources

    schema = yaml.safe_load(resources.files("ckanext.provincial.schemas").joinpath("dataset.yaml").read_text("utf-8"))
    fields = [f["field_name"] for f in schema["dataset_fields"] if f["field_name"] not in ("owner_org", "name")]
    return fields + ["resources." + f["field_name"] for f in schema["resource_fields"]]


@db()
@given(action=st.sampled_from(["package_create", "package_update"]),
       data_type=st.sampled_from(["record", "statistics", "gis", "other"]), field=st.sampled_from(_dataset_fields()),
       value=hostile)
def test_datasets_through_the_schema_refuse_or_save_cleanly(site, action, data_type, field, value):
    data = gdc_dataset(data_type, owner_org=site["agency"]["id"], name=unique("hostile"))
    if action == "package_update":  # a valid dataset first, then the hostile change
        data = call_action("package_create", as_sysadmin(site), **data)
    if field.startswith("resources."):
        data["resources"][0][field.split(".", 1)[1]] = value
    else:
        data[field] = value
    created = expect_refusal_or_save(action, as_sysadmin(site), data)
    if created is None:
        if action == "package_create":
            assert not call_action("package_search", as_sysadmin(site), q=f'name:"{data["name"]}"',
                                   include_private=True)["count"], "a refused dataset was indexed"
        return
    # A clean save: readable back, and found by the search index (gap facts included).
    shown = call_action("package_show", as_sysadmin(site), id=created["id"])
    found = call_action("package_search", as_sysadmin(site), fq=f'id:"{created["id"]}"', include_private=True)
    assert shown["name"] == data["name"] and found["count"] == 1


# ------------------------------------------------------------- resources --

# Links that are not text: CKAN's resource actions parsed them before any validator and crashed.
NOT_TEXT_URLS = [5, 1.5, True, ["http://example.invalid/a.csv"], {"href": "http://example.invalid/a.csv"}, []]
RESOURCE_ACTIONS = ["resource_create", "resource_update", "resource_patch",
                    "package_create", "package_update", "package_patch"]


def _resource_call(site, action: str, url: Any) -> tuple[dict, str, str]:
    """(data, the error key naming the link, the dataset) for one action with ``url``."""
    dataset = call_action("package_create", as_sysadmin(site), **gdc_dataset(
        "statistics", owner_org=site["agency"]["id"], name=unique("links")))
    resource = dataset["resources"][0]
    new = {"name": "ตาราง", "format": "CSV", "url": url}
    data, key = {
        "resource_create": (dict(new, package_id=dataset["id"]), "url"),
        "resource_update": (dict(resource, url=url), "url"),
        "resource_patch": ({"id": resource["id"], "url": url}, "url"),
        "package_create": (gdc_dataset("statistics", owner_org=site["agency"]["id"], name=unique("links"),
                                       resources=[new]), "resources.0.url"),
        "package_update": (dict(dataset, resources=[resource, new]), "resources.1.url"),
        "package_patch": ({"id": dataset["id"], "resources": [dict(resource, url=url)]}, "resources.0.url"),
    }[action]
    return data, key, dataset


@pytest.mark.parametrize("action", RESOURCE_ACTIONS)
@pytest.mark.parametrize("url", NOT_TEXT_URLS, ids=lambda url: type(url).__name__ + str(len(str(url))))
def test_a_link_that_is_not_text_is_refused_naming_the_url(site, action, url):
    data, key, dataset = _resource_call(site, action, url)
    with pytest.raises(toolkit.ValidationError) as refused:
        call_action(action, as_sysadmin(site), **data)
    assert refused.value.error_dict == {key: ["A link is text, such as https://www.example.go.th/data.csv"]}
    # Nothing half-written: the dataset and its resources are as they were.
    if action == "package_create":
        assert not ckan_model.Package.get(data["name"])
    else:
        shown = call_action("package_show", as_sysadmin(site), id=dataset["id"])
        assert [(r["id"], r["url"]) for r in shown["resources"]] == [(r["id"], r["url"]) for r in dataset["resources"]]


@pytest.mark.parametrize("action", RESOURCE_ACTIONS)
@pytest.mark.parametrize("url", NOT_TEXT_URLS, ids=lambda url: type(url).__name__ + str(len(str(url))))
def test_the_api_answers_a_link_that_is_not_text_with_409_naming_the_url(site, action, url):
    data, key, _dataset = _resource_call(site, action, url)
    response = site["app"].post(f"/api/3/action/{action}", json=data,
                                headers={"Authorization": site["sysadmin"]["token"]})
    assert response.status_code == 409, response.body[:500]
    error = response.json["error"]
    assert error["__type"] == "Validation Error" and error[key] == [
        "A link is text, such as https://www.example.go.th/data.csv"], error


@db()
@given(action=st.sampled_from(["resource_create", "resource_update"]), field=st.sampled_from(
    [f.split(".", 1)[1] for f in _dataset_fields() if f.startswith("resources.")]), value=hostile)
def test_resource_actions_refuse_or_save_cleanly(site, action, field, value):
    dataset = call_action("package_create", as_sysadmin(site), **gdc_dataset(
        "statistics", owner_org=site["agency"]["id"], name=unique("res")))
    resource = dataset["resources"][0]
    if action == "resource_create":
        data = {"package_id": dataset["id"], "name": "ตาราง", "format": "CSV",
                "url": "http://example.invalid/t.csv", field: value}
    else:
        data = dict(resource, **{field: value})
    saved = expect_refusal_or_save(action, as_sysadmin(site), data)
    shown = call_action("package_show", as_sysadmin(site), id=dataset["id"])
    if saved is None:  # refused: nothing written
        assert [r["id"] for r in shown["resources"]] == [resource["id"]]
        assert shown["resources"][0]["url"] == resource["url"]
    else:
        assert saved["id"] in [r["id"] for r in shown["resources"]]


# ---------------------------------------------------------------- pages --

PAYLOADS = [
    '<script>alert("xss-{tag}")</script>',
    '"><img src=x onerror=alert("xss-{tag}")>',
    "'><svg onload=alert('xss-{tag}')>",
]
RAW_MARKUP = ("<script>alert(", "<img src=x onerror", "<svg onload")


def assert_escaped(body: str, tag: str, where: str) -> None:
    raw = [markup for markup in RAW_MARKUP if markup in body]
    assert raw == [], f"{where} shows raw markup from stored data: {raw}"
    assert f"xss-{tag}" in body, f"{where} does not show the stored text at all (the check would prove nothing)"


@pytest.fixture(scope="module")
def stored_markup(site):
    """An agency, a requirement and a dataset whose text fields all hold HTML/JS."""
    tag = uuid.uuid4().hex[:8]
    text = "".join(p.format(tag=tag) for p in PAYLOADS)
    agency = provincial_organization(name=unique("xss-agency"), title="หน่วยงาน " + text)
    requirement = call_action(
        "provincial_requirement_create", as_sysadmin(site), province_code="13", code=unique("XSS"),
        title_th="ข้อมูล " + text, title_en="Data " + text, purpose=text, indicator=text, source_plan=text,
        agency=agency["name"])
    dataset = call_action("package_create", as_sysadmin(site), **gdc_dataset(
        "statistics", owner_org=agency["id"], name=unique("xss"), title="ชุดข้อมูล " + text, notes=text,
        maintainer=text, data_source=text, calculation_method=text, standard=text, unit_of_measure=text,
        requirement_codes=[requirement["code"]],
        resources=[dict(gdc_dataset("statistics")["resources"][0], name="ตาราง " + text, description=text)]))
    return {"tag": tag, "requirement": requirement, "dataset": dataset, "agency": agency}


@pytest.mark.parametrize("page", ["dataset", "resource", "requirement", "requirement_edit", "requirement_list",
                                  "gap", "gap_export_csv", "organization"])
def test_stored_html_is_escaped_on_the_pages(site, stored_markup, page):
    dataset, requirement = stored_markup["dataset"], stored_markup["requirement"]
    paths = {
        "dataset": f"/dataset/{dataset['name']}",
        "resource": f"/dataset/{dataset['name']}/resource/{dataset['resources'][0]['id']}",
        "requirement": f"/requirement/13/{requirement['code']}",
        "requirement_edit": f"/requirement/13/{requirement['code']}/edit",
        "requirement_list": "/requirement/?province_code=13",
        "gap": "/gap/13",
        "gap_export_csv": "/gap/13/export.csv",
        "organization": f"/organization/{stored_markup['agency']['name']}",
    }
    response = site["app"].get(paths[page], headers={"Authorization": site["sysadmin"]["token"]})
    assert response.status_code == 200
    body = response.data.decode("utf-8-sig")
    if page == "gap_export_csv":  # a download, not a page: the text is data, but never a formula
        assert f"xss-{stored_markup['tag']}" in body
        return
    assert_escaped(body, stored_markup["tag"], paths[page])


@pytest.mark.parametrize("field", ["code", "priority", "geo_level", "update_frequency_unit", "agency", "pmqa"])
def test_form_errors_echo_the_input_escaped(site, field):
    tag = uuid.uuid4().hex[:8]
    form = {"province_code": "13", "code": unique("F"), "title_th": "ข้อมูล", "update_frequency_interval": "1",
            field: PAYLOADS[0].format(tag=tag) + PAYLOADS[1].format(tag=tag)}
    response = site["app"].post("/requirement/new", data=form, headers={"Authorization": site["sysadmin"]["token"]})
    assert response.status_code == 200  # the form again, with the error
    assert_escaped(response.data.decode("utf-8"), tag, f"the requirement form with a bad {field}")
    assert model.requirement_by_code("13", form["code"]) is None


# ---------------------------------------------------------- plan files --

def import_plan(site, content: bytes, filename: str, province: str = "13", dry_run: bool = False) -> dict:
    return call_action("provincial_requirement_import", as_sysadmin(site), province_code=province,
                       upload=_NamedBytes(content, filename), dry_run=dry_run)


class _NamedBytes(io.BytesIO):
    """An upload as the web form hands it over: bytes with a file name."""

    def __init__(self, content: bytes, filename: str):
        super().__init__(content)
        self.filename = filename


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


HEADER = "code,title_th\n"
BROKEN_FILES = {
    "utf-16 with BOM": ("plan.csv", (HEADER + "R-1,ข้อมูล\n").encode("utf-16")),
    "latin-1": ("plan.csv", "code,title_th\nR-1,caf\xe9 \xff\xfe\n".encode("latin-1")),
    "cut in the middle of a Thai letter": ("plan.csv", (HEADER + "R-1,ข้อมูล").encode("utf-8")[:-1]),
    "bytes no Thai code page has": ("plan.csv", HEADER.encode() + b"R-1,\xdb\xdc\xdd\xde\xfc\xfd\n"),
    "NUL bytes": ("plan.csv", HEADER.encode() + b"R-1,\x00\x00\n"),
    "empty": ("plan.csv", b""),
    "only a byte-order mark": ("plan.csv", b"\xef\xbb\xbf"),
    "unknown columns": ("plan.csv", b"<script>alert(1)</script>,=cmd\nR-1,x\n"),
    "zip garbage named xlsx": ("plan.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4),
    "csv named xlsx": ("plan.xlsx", (HEADER + "R-1,x\n").encode()),
    "xlsx named csv": ("plan.csv", _xlsx([["code", "title_th"], ["R-1", "x"]])),
    "old excel": ("plan.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)),
    "no extension": ("plan", (HEADER + "R-1,x\n").encode()),
    "formula cells in xlsx": ("plan.xlsx", _xlsx([["code", "title_th"], ["R-1", "=1+1"], ["=A2", "x"]])),
    "wrong cell types in xlsx": ("plan.xlsx", _xlsx([["code", "title_th", "update_frequency_interval"],
                                                     [dt.datetime(2024, 1, 31), 12.5, "ตลอดไป"]])),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_broken_plan_files_are_refused_with_a_reason_and_write_nothing(site, case):
    filename, content = BROKEN_FILES[case]
    before = len(model.requirements(["13"]))
    with pytest.raises(toolkit.ValidationError) as refused:
        import_plan(site, content, filename)
    assert_clear_refusal(refused.value)
    assert len(model.requirements(["13"])) == before


@db(max_examples=60)
@given(content=st.one_of(st.binary(max_size=3000),
                         st.builds(lambda text, codec: text.encode(codec, "ignore"), st.text(max_size=300),
                                   st.sampled_from(["utf-8", "utf-16", "cp874", "latin-1", "utf-32"])),
                         st.builds(lambda rows: (HEADER + "".join(f"{c},{t}\n" for c, t in rows)).encode("utf-8", "surrogatepass"),
                                   st.lists(st.tuples(texts, texts), max_size=5))),
       filename=st.sampled_from(["plan.csv", "plan.xlsx", "plan.CSV", "แผน.csv", "plan.tsv"]))
def test_any_bytes_as_a_plan_file_give_a_reason_or_a_dry_run(site, content, filename):
    try:
        result = import_plan(site, content, filename, dry_run=True)
    except toolkit.ValidationError as error:
        assert_clear_refusal(error)
        return
    except Exception:
        rollback_after_failure()
        raise
    assert result["dry_run"] is True and result["rows"] == result["created"] + result["updated"] + result["unchanged"]


def test_duplicate_codes_name_both_rows_and_write_nothing(site):
    content = (HEADER + "DUP-1,แรก\nDUP-2,สอง\ndup-1 ,ซ้ำ\nDUP-2,ซ้ำอีก\n").encode("utf-8")
    with pytest.raises(toolkit.ValidationError) as refused:
        import_plan(site, content, "plan.csv")
    errors = refused.value.error_dict["rows"]
    assert sorted((e["row"], e["field"]) for e in errors) == [(4, "code"), (5, "code")]
    assert "row 2" in errors[0]["message"] and "row 3" in errors[1]["message"]
    assert model.requirement_by_code("13", "DUP-1") is None and model.requirement_by_code("13", "DUP-2") is None


def test_a_10000_row_plan_imports_in_one_go_and_again_changes_nothing(site):
    rows = [f"BIG-{n:05d},ความต้องการข้อมูลลำดับ {n} กิ๊ก,{['ปี', 'เดือน', 'ไตรมาส'][n % 3]},{n % 12 + 1}"
            for n in range(10_000)]
    content = ("code,title_th,update_frequency_unit,update_frequency_interval\n" + "\n".join(rows)).encode("utf-8")
    started = time.monotonic()
    first = import_plan(site, content, "big.csv", province="19")
    took = time.monotonic() - started
    assert (first["rows"], first["created"]) == (10_000, 10_000)
    assert len(model.requirements(["19"])) >= 10_000
    again = import_plan(site, content, "big.csv", province="19", dry_run=True)
    assert (again["unchanged"], again["created"], again["updated"]) == (10_000, 0, 0)
    print(f"10,000-row plan imported in {took:.1f} s")
    assert took < 120, f"a 10,000-row plan took {took:.0f} s to import"


# ------------------------------------------------------ GDC workbooks --

def gdc_workbook(site, count: int = 1, **overrides) -> bytes:
    """A national metadata workbook of ``count`` datasets of the site's agency, under names of their own."""
    from ckanext.provincial.gdc_workbook import writer

    return writer.write_catalogue(gdc_dataset("record", owner_org=site["agency"]["id"], name=unique("wb"), **overrides)
                                  for _ in range(count))


def import_workbook(site, content: bytes, filename: str = "บัญชีข้อมูล.xlsx", **options) -> dict:
    return call_action("provincial_dataset_import", as_sysadmin(site), owner_org=site["agency"]["id"],
                       upload=_NamedBytes(content, filename), **options)


DATASET_IMPORT_PARAMETERS = ("owner_org", "upload", "import_id", "dry_run", "publish")


@db()
@given(key=st.sampled_from(DATASET_IMPORT_PARAMETERS), value=hostile, signed_in=st.booleans())
def test_the_dataset_import_answers_hostile_parameters_with_a_message_or_a_dry_run(site, key, value, signed_in):
    data = {"owner_org": site["agency"]["id"], "upload": _NamedBytes(gdc_workbook(site), "บัญชี.xlsx"),
            "dry_run": True, key: value}
    if key == "dry_run" and not (isinstance(value, str) and value.strip().lower() in ("1", "true", "yes")):
        data["publish"] = False  # a value read as "false" imports for real: harmless, the name is this example's
    context = as_sysadmin(site) if signed_in else {"user": "", "ignore_auth": False}
    result = expect_refusal_or_save("provincial_dataset_import", context, data)
    if result is not None:
        assert result["rows"] == result["created"] + result["updated"] + result["unchanged"] + result["errors"]


@db(max_examples=40)
@given(content=st.one_of(st.binary(max_size=3000),
                         st.builds(lambda text: text.encode("utf-8", "surrogatepass"), texts)),
       filename=st.sampled_from(["บัญชีข้อมูล.xlsx", "catalogue.XLSX", "catalogue.xls", "catalogue.csv", "catalogue"]))
def test_any_bytes_as_a_workbook_give_a_located_reason(site, content, filename):
    try:
        import_workbook(site, content, filename, dry_run=True)
    except toolkit.ValidationError as error:
        assert_clear_refusal(error)
        assert all(p["message"].strip() and p["message_th"].strip() for p in error.error_dict.get("rows") or [])
        return
    except Exception:
        rollback_after_failure()
        raise
    raise AssertionError("bytes that are no workbook were imported")


def _zip_bomb() -> bytes:
    """A valid workbook whose one sheet unpacks to far more than it weighs (a run of blank rows)."""
    import zipfile

    source = openpyxl.load_workbook(io.BytesIO(_xlsx([["a", "b"]])))
    out = io.BytesIO()
    source.save(out)
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as original, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as packed:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>"
                                    + b" " * (60 * 1024 * 1024) + b"</t></is></c></row></sheetData>")
            packed.writestr(item, data)
    return bomb.getvalue()


BROKEN_WORKBOOKS = {
    "csv named xlsx": lambda site: "name,title\nfactories,โรงงาน\n".encode("utf-8"),
    "pdf named xlsx": lambda site: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
    "zip garbage": lambda site: b"PK\x03\x04" + bytes(range(256)) * 4,
    "zip bomb": lambda site: _zip_bomb(),
    "a workbook of another kind": lambda site: _xlsx([["code", "title_th"], ["R-1", "แผน"]]),
    "sheets renamed": lambda site: _renamed_sheets(gdc_workbook(site)),
}


def _renamed_sheets(content: bytes) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    book["Temp2_Meta_Record"].title = "Meta Record (แก้ไข)"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("case", sorted(BROKEN_WORKBOOKS))
def test_broken_workbooks_are_refused_with_a_reason_and_write_nothing(site, case):
    content = BROKEN_WORKBOOKS[case](site)
    before = call_action("organization_show", as_sysadmin(site), id=site["agency"]["id"])["package_count"]
    with pytest.raises(toolkit.ValidationError) as refused:
        import_workbook(site, content)
    problems = refused.value.error_dict["rows"]
    assert problems and all(p["message"].strip() and p["message_th"].strip() for p in problems), problems
    if case == "sheets renamed":
        assert any("Temp2_Meta_Record" in p["message"] and p["sheet"] for p in problems), problems
    assert call_action("organization_show", as_sysadmin(site), id=site["agency"]["id"])["package_count"] == before


def test_a_workbook_over_the_row_limit_is_refused_naming_the_first_row_over_it(site, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.import.max_rows", 300)
    monkeypatch.setitem(ckan_config, "ckanext.provincial.import.background_rows", 0)  # answered at once
    content = gdc_workbook(site, count=320)
    with pytest.raises(toolkit.ValidationError) as refused:
        import_workbook(site, content, dry_run=True)
    problems = [p for p in refused.value.error_dict["rows"] if p["row"] == 306]
    assert problems and problems[0]["sheet"] == "Temp2_Meta_Record", refused.value.error_dict["rows"][-3:]
    # Refused at once: none of the 300 rows read was checked (none has a problem of its own).
    assert [p["row"] for p in refused.value.error_dict["rows"]] == [306]


# ------------------------------------------------------------- exports --

DANGEROUS = ["=HYPERLINK(\"http://example.invalid/?\"&A1,\"คลิก\")", "+1+cmd|' /C calc'!A0", "-2+3",
             "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+1"]


def _csv_cells(data: bytes) -> list[list[str]]:
    limit = csv.field_size_limit(2**31 - 1)  # this reader is the test's, not the import's
    try:
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    finally:
        csv.field_size_limit(limit)


def _xlsx_cells(data: bytes) -> list[Any]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(cells: list[str], where: str) -> None:
    for value in cells:
        assert not str(value).startswith(plan_io._DANGEROUS_START), f"{where}: {value!r} would run as a formula"


@pytest.fixture(scope="module")
def formula_plan(site):
    """Requirements whose texts start like spreadsheet formulas, with a dataset so the gap lists them."""
    codes = []
    for number, text in enumerate(DANGEROUS):
        created = call_action("provincial_requirement_create", as_sysadmin(site), province_code="13",
                              code=unique(f"FX{number}"), title_th=text, title_en=text, purpose=text, indicator=text)
        codes.append(created["code"])
    # Control characters a workbook cannot hold (the export drops them instead of failing).
    call_action("provincial_requirement_create", as_sysadmin(site), province_code="13", code=unique("CTRL"),
                title_th="ข้อมูล\x0bควบคุม\x1b[31m", purpose="\x01\x02\x08")
    call_action("package_create", as_sysadmin(site), **gdc_dataset(
        "statistics", owner_org=site["agency"]["id"], name=unique("fx"), title="=HYPERLINK(\"http://x\")",
        requirement_codes=codes[:1]))
    return codes


@pytest.mark.parametrize("path", ["/requirement/export.csv?province_code=13", "/requirement/export.xlsx?province_code=13",
                                  "/gap/13/export.csv", "/gap/13/export.xlsx", "/gap/export.csv", "/gap/export.xlsx"])
def test_exports_neutralise_formula_injection(site, formula_plan, path):
    response = site["app"].get(path)
    assert response.status_code == 200
    if path.split("?")[0].endswith(".csv"):
        cells = [cell for row in _csv_cells(response.data) for cell in row]
    else:
        workbook_cells = _xlsx_cells(response.data)
        assert [c.coordinate for c in workbook_cells if c.data_type == "f"] == [], f"{path} holds formulas"
        cells = [c.value for c in workbook_cells if isinstance(c.value, str)]
    assert_no_formula(cells, path)
    if path.startswith("/requirement"):  # every dangerous text is there, quoted (as stored: trimmed)
        for text in DANGEROUS:
            assert "'" + text.strip() in cells, f"{path} lacks {text.strip()!r}"


def test_an_exported_plan_with_formulas_imports_back_unchanged(site, formula_plan):
    exported = site["app"].get("/requirement/export.csv?province_code=13").data
    result = import_plan(site, exported, "plan.csv", dry_run=True)
    assert result["updated"] == 0 and result["created"] == 0 and result["unchanged"] >= len(DANGEROUS)


# What a plan or gap row can hold: whatever the database stored (no lone surrogates).
stored_texts = texts.filter(lambda text: not re.search("[\ud800-\udfff]", text))


@settings(max_examples=60, deadline=None, database=None)
@given(rows=st.lists(st.lists(st.one_of(stored_texts, st.sampled_from(DANGEROUS),
                                        st.builds(lambda c, t: c + t, st.sampled_from(list("=+-@\t\r")), stored_texts)),
                              min_size=2, max_size=2), min_size=1, max_size=6))
def test_written_cells_never_start_a_formula_and_read_back_as_written(rows):
    header = ["code", "title_th"]
    for fmt, write in (("csv", lambda: plan_io.write_csv(header, rows)),
                       ("xlsx", lambda: plan_io.write_xlsx([("plan", header, rows)]))):
        data = write()
        if fmt == "csv":
            written = [cell for row in _csv_cells(data)[1:] for cell in row]
        else:
            cells = _xlsx_cells(data)
            assert not [c for c in cells if c.data_type == "f"]
            written = [c.value for c in cells[2:] if c.value is not None]
        assert_no_formula(written, fmt)
        # Reading restores what was written: trimmed as the import does; in a workbook without the
        # control characters XML cannot hold, and at most 32,767 characters a cell (Excel's limit).
        if fmt == "xlsx":
            expected = [[plan_io.cell_text(plan_io.xlsx_cell(cell)[:32_767]) for cell in row] for row in rows]
        else:
            expected = [[plan_io.cell_text(plan_io.neutralise(cell)) for cell in row] for row in rows]
        try:
            table = plan_io.read_table(data, "plan." + fmt)
        except plan_io.PlanFileError as refusal:
            # Every row blank ("the file is empty"), or a CSV field over 131,072 characters: said, not crashed.
            assert refusal.message().strip()
            continue
        read = [[values.get("code", ""), values.get("title_th", "")] for _n, values in table.rows]
        # Rows of one cell after the last full row may be notes under the table (as in any agency
        # file): then they are listed as notes, never lost.
        kept = [row for row in expected if any(row)]
        assert read == kept[:len(read)]
        assert len(table.notes) == len(kept) - len(read)


# ------------------------------------------------------- page parameters --

PAGE_PARAMETERS = [
    ("/gap/13", "development_issue"), ("/gap/13", "sub_issue"), ("/gap/13", "agency"), ("/gap/13", "pmqa"),
    ("/gap/13", "sort"), ("/gap/13/export.csv", "sort"), ("/gap/13/export.xlsx", "agency"), ("/gap/", "provinces"),
    ("/gap/export.csv", "provinces"), ("/requirement/", "province_code"), ("/requirement/", "q"),
    ("/requirement/", "agency"), ("/requirement/export.csv", "province_code"), ("/requirement/template.xlsx", "province_code"),
    ("/requirement/import", "province_code"), ("/requirement/new", "province_code"),
    ("/catalog.ttl", "page"), ("/catalog.ttl", "q"), ("/catalog.ttl", "modified_since"),
    ("/api/3/action/provincial_gap_show?province_code=13", "include_unlinked"),
    ("/api/3/action/provincial_requirement_list", "limit"), ("/api/3/action/provincial_harvest_search", "fq"),
    ("/api/3/action/provincial_harvest_search", "modified_since"), ("/api/3/action/provincial_harvest_search", "rows"),
    ("/api/3/action/provincial_requirement_show?province_code=13&code=BASE", "include_datasets"),
    ("/dataset/export.xlsx", "province"), ("/api/3/action/provincial_dataset_import_status", "import_id"),
]
PATH_PAGES = ["/gap/{}", "/gap/{}/export.csv", "/requirement/13/{}", "/requirement/{}/BASE", "/dataset/{}.ttl",
              "/requirement/13/{}/edit", "/organization/{}/import", "/organization/{}/export.xlsx"]
url_text = st.one_of(st.text(max_size=40), thai_text, mark_pileups, st.sampled_from(URL_SAFE_INJECTIONS))


def assert_not_a_server_error(response, where: str) -> None:
    # The test app lets exceptions through (they raise here); in production they would be HTTP 500.
    assert response.status_code in (200, 302, 400, 403, 404, 409), f"{where}: HTTP {response.status_code}"


@db(max_examples=60)
@given(where=st.sampled_from(PAGE_PARAMETERS), value=url_text, signed_in=st.booleans())
def test_page_parameters_never_make_a_server_error(site, where, value, signed_in):
    path, name = where
    headers = {"Authorization": site["sysadmin"]["token"]} if signed_in else {}
    separator = "&" if "?" in path else "?"
    from urllib.parse import quote

    url = f"{path}{separator}{name}={quote(value, safe='')}"
    assert_not_a_server_error(site["app"].get(url, headers=headers, follow_redirects=False), url)


@db()
@given(page=st.sampled_from(PATH_PAGES), value=url_text.filter(lambda v: v.strip() and "/" not in v))
def test_hostile_path_segments_never_make_a_server_error(site, page, value):
    from urllib.parse import quote

    url = page.format(quote(value, safe=""))
    response = site["app"].get(url, headers={"Authorization": site["sysadmin"]["token"]}, follow_redirects=False)
    assert_not_a_server_error(response, url)


@db()
@given(value=url_text.filter(lambda v: v.strip() and "/" not in v), where=st.sampled_from(["query", "path"]))
def test_hostile_import_ids_on_the_import_pages_never_make_a_server_error(site, value, where):
    from urllib.parse import quote

    agency = site["agency"]["name"]
    url = (f"/organization/{agency}/import?import_id={quote(value, safe='')}" if where == "query"
           else f"/organization/{agency}/import/{quote(value, safe='')}/report.xlsx")
    response = site["app"].get(url, headers={"Authorization": site["sysadmin"]["token"]}, follow_redirects=False)
    assert_not_a_server_error(response, url)


def test_table_preview_data_refuses_numbers_that_are_not_numbers(site):
    dataset = call_action("package_create", as_sysadmin(site), **gdc_dataset(
        "statistics", owner_org=site["agency"]["id"], name=unique("table"), resources=[]))
    table = call_action("datastore_create", as_sysadmin(site), resource={"package_id": dataset["id"], "format": "CSV", "name": "ตาราง"},
                        fields=[{"id": "อำเภอ", "type": "text"}], records=[{"อำเภอ": "คลองหลวง"}])
    resource = call_action("resource_show", id=table["resource_id"])
    call_action("resource_create_default_resource_views", resource=resource,
                package=call_action("package_show", id=dataset["id"]), create_datastore_views=True)
    view = call_action("resource_view_list", id=resource["id"])[0]
    good = {"draw": "1", "start": "0", "length": "10", "search[value]": ""}
    rows = json.loads(site["app"].post(f"/datatables/ajax/{view['id']}", data=good).data)["data"]
    assert "คลองหลวง" in json.dumps(rows, ensure_ascii=False)
    for name, value in (("draw", "x"), ("start", "1e9x"), ("length", "<script>"), ("draw", "")):
        response = site["app"].post(f"/datatables/ajax/{view['id']}", data=dict(good, **{name: value}))
        assert response.status_code == 400 and name in response.data.decode()
    assert site["app"].post("/datatables/ajax/no-such-view", data=good).status_code == 404


@pytest.mark.parametrize("query", ["q=:", "page=" + "9" * 60, "q=title:(", "fq={!lucene}*:*"])
def test_a_catalogue_search_solr_cannot_run_is_a_400(site, query):
    response = site["app"].get("/catalog.ttl?" + query)
    assert response.status_code == 400 and "catalogue cannot be searched" in response.data.decode()


@pytest.mark.parametrize("query", ['title:"ชุดข้อมูล"', "ข้อมูล <script>", "a b", "{x}|^`\\"])
def test_catalogue_page_links_are_valid_uris_whatever_the_query(site, query):
    call_action("package_create", as_sysadmin(site), **gdc_dataset(
        "statistics", owner_org=site["agency"]["id"], name=unique("catalogue"), title="ชุดข้อมูล a b"))
    response = site["app"].get("/catalog.ttl", query_string={"q": query})
    assert response.status_code == 200, response.data[:300]
