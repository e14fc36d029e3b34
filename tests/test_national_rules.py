"""What leaves for the national catalogue passes the national rules.

The national schema is read from tests/data/national_gdc/ (ckanext-thai_gdc 2.1.0 and
2.2.4, as data). First our schema against it, field by field; then ``check_dataset`` on
values; then, on the real stack, every record the portal offers (package_show over the
API, the harvest actions, DCAT parsed back, the export workbook read back), the refusal
at entry, and the duplicate-title warning an editor sees.
"""
from __future__ import annotations

import os
import re
from urllib.parse import urlparse

import pytest
import yaml

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from tests.ckan_session import call_action
from ckanext.dcat.processors import RDFParser

from ckanext.provincial import national_rules as rules
from ckanext.provincial import schemas
from tests.factories import DATA_TYPES, gdc_dataset, provincial_organization

pytestmark = pytest.mark.integration

HERE = os.path.dirname(os.path.abspath(__file__))
INTERNAL = "ข้อมูลใช้ภายใน"
PUBLIC = "ข้อมูลสาธารณะ"


def _yaml(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


RELEASES = {name: _yaml(os.path.join(HERE, "data", "national_gdc", f"thai_gdc-{name}.yaml"))
            for name in ("2.1.0", "2.2.4")}
NEWEST = RELEASES["2.2.4"]
OURS = _yaml(schemas.path("dataset.yaml"))


# ---------------------------------------------- the national schema, as data --

def national(release: dict, entity: str) -> dict[str, dict]:
    return {f["field_name"]: f for f in release[f"{entity}_fields"]}


def validators(release: dict, field: dict) -> list[str]:
    """The validators a national field runs: its own, else its preset's."""
    text = field.get("validators")
    if text is None:
        text = (release["presets"].get(field.get("preset")) or {}).get("validators")
    return str(text or "").split()


def checks_choices(release: dict, field: dict) -> bool:
    """Whether the national schema refuses a value outside the field's choices."""
    return bool({"scheming_choices", "scheming_multiple_choice"} & set(validators(release, field)))


def nationally_required(release: dict, field: dict) -> bool:
    return bool(field.get("required")) or "not_empty" in validators(release, field)


def types_of(release: dict, field: dict) -> set[str]:
    return set(field.get("form_data_type") or release["data_types"])


ENTITIES = [rules.DATASET, rules.RESOURCE]


@pytest.mark.parametrize("entity", ENTITIES)
def test_every_national_field_is_ours_and_the_rest_of_ours_is_provincial(entity):
    ours = rules.national_fields(entity)
    everywhere = set().union(*(national(release, entity) for release in RELEASES.values()))

    assert set(national(RELEASES["2.1.0"], entity)) - set(ours) == set()
    # allow_cdp is only in the copy of 2.2.4 (perhaps the copier's own), and optional there.
    assert set(national(NEWEST, entity)) - set(ours) == ({"allow_cdp"} if entity == rules.DATASET else set())
    assert set(ours) <= everywhere
    declared = set(rules.provincial_fields()) if entity == rules.DATASET else set()
    assert {f["field_name"] for f in OURS[f"{entity}_fields"]} - everywhere == declared


@pytest.mark.parametrize("entity", ENTITIES)
def test_national_fields_come_in_the_national_order(entity):
    ours = list(rules.national_fields(entity))
    theirs = [name for name in national(NEWEST, entity) if name in ours]

    assert [name for name in ours if name in theirs] == theirs


@pytest.mark.parametrize("entity", ENTITIES)
def test_our_choices_are_the_newest_national_lists(entity):
    for name, field in national(NEWEST, entity).items():
        if "choices" not in field or name not in rules.national_fields(entity):
            continue
        ours = rules.national_fields(entity)[name]
        assert [v for v in field["choices"] if v not in ours.refused] == list(ours.choices), name
        assert set(ours.refused) <= set(field["choices"]), name


@pytest.mark.parametrize("entity", ENTITIES)
def test_the_refused_values_are_those_a_national_release_checks_and_does_not_list(entity):
    expected = {}
    for name, ours in rules.national_fields(entity).items():
        ours_all = set(ours.choices) | set(ours.refused)
        for release in RELEASES.values():
            field = national(release, entity).get(name)
            if field and checks_choices(release, field):
                expected.setdefault(name, set()).update(ours_all - set(field.get("choices") or []))

    found = {name: set(f.refused) for name, f in rules.national_fields(entity).items() if f.refused}

    assert found == {name: values for name, values in expected.items() if values}
    if entity == rules.DATASET:
        assert found == {"data_category": {INTERNAL}}


def test_licences_the_older_release_does_not_list_are_not_refused_there():
    older = national(RELEASES["2.1.0"], rules.DATASET)["license_id"]
    ours = rules.national_fields()["license_id"]

    assert not checks_choices(RELEASES["2.1.0"], older)
    assert set(ours.choices) - set(older["choices"])  # kept as given by 2.1.0, listed by 2.2.4
    assert ours.refused == ()


@pytest.mark.parametrize("entity", ENTITIES)
def test_required_flags_are_the_national_ones(entity):
    for name, ours in rules.national_fields(entity).items():
        expected = any(nationally_required(release, national(release, entity)[name])
                       for release in RELEASES.values() if name in national(release, entity))
        assert ours.required == expected, name


@pytest.mark.parametrize("entity", ENTITIES)
def test_data_types_of_each_field_are_the_national_ones(entity):
    for name, ours in rules.national_fields(entity).items():
        field = national(NEWEST, entity)[name]
        if name == "reference_period":  # GIS only nationally; the province records it for every type
            assert types_of(NEWEST, field) < set(ours.data_types or NEWEST["data_types"])
            continue
        assert set(ours.data_types or NEWEST["data_types"]) == types_of(NEWEST, field), name
    assert list(rules.national_fields()["data_type"].choices) == NEWEST["data_types"]


def test_name_and_tag_limits_are_the_national_ones():
    for release in RELEASES.values():
        limits = release["custom_validators"]
        assert (rules.NAME_MIN_LENGTH, rules.NAME_MAX_LENGTH) == (
            limits["package_name_validator"]["min_length"], limits["package_name_validator"]["max_length"])
        assert (rules.TAG_MIN_LENGTH, rules.TAG_MAX_LENGTH) == (
            limits["tag_string_convert"]["tag_min_length"], limits["tag_string_convert"]["tag_max_length"])


# ------------------------------------------------------- check_dataset --

@pytest.mark.parametrize("data_type", list(DATA_TYPES))
def test_a_complete_dataset_of_each_type_passes(data_type):
    assert rules.check_dataset(gdc_dataset(data_type)) == []


def found(problems: list[dict]) -> set[tuple]:
    return {(p["field"], p["resource"], p["rule"]) for p in problems}


@pytest.mark.parametrize("overrides, expected", [
    ({"data_category": INTERNAL}, ("data_category", None, rules.REFUSED_CHOICE)),
    ({"geo_coverage": "Province"}, ("geo_coverage", None, rules.UNKNOWN_CHOICE)),
    ({"data_type": "ข้อมูลรายทะเบียน"}, ("data_type", None, rules.UNKNOWN_CHOICE)),  # the 2020 name
    # National scheming reads a text as one choice: a JSON list as text is no choice.
    ({"objective": '["ยุทธศาสตร์ชาติ"]'}, ("objective", None, rules.UNKNOWN_CHOICE)),
    ({"data_format": {"CSV": True}}, ("data_format", None, rules.SHAPE)),
    ({"data_language": ["ไทย", "Thai"]}, ("data_language", None, rules.UNKNOWN_CHOICE)),
    ({"maintainer_email": "กลุ่มงานสถิติ at example.go.th"}, ("maintainer_email", None, rules.SHAPE)),
    ({"created_date": "31/01/2567"}, ("created_date", None, rules.SHAPE)),
    ({"last_updated_date": "2024-02-30"}, ("last_updated_date", None, rules.SHAPE)),
    ({"name": "n" * 71}, ("name", None, rules.SHAPE)),
    ({"name": "โรงงาน-13"}, ("name", None, rules.SHAPE)),
    ({"tag_string": "ก, อุตสาหกรรม"}, ("tag_string", None, rules.SHAPE)),
    ({"tag_string": ""}, ("tag_string", None, rules.REQUIRED)),
    ({"maintainer": "  "}, ("maintainer", None, rules.REQUIRED)),
    ({"objective": []}, ("objective", None, rules.REQUIRED)),
])
def test_what_the_national_schema_refuses_is_listed(overrides, expected):
    problems = rules.check_dataset(gdc_dataset("record", **overrides))

    assert found(problems) == {expected}
    [problem] = problems
    assert problem["message"] and re.search("[ก-๙]", problem["message_th"])


def test_a_resource_without_its_format_is_listed_with_its_index():
    dataset = gdc_dataset("statistics")
    dataset["resources"].append(dict(dataset["resources"][0], format="", resource_disaggregate=["เพศ", "sex"]))

    problems = rules.check_dataset(dataset)

    assert found(problems) == {("format", 1, rules.REQUIRED), ("resource_disaggregate", 1, rules.UNKNOWN_CHOICE)}
    assert all(p["message"].startswith("Resource 2: ") and p["message_th"].startswith("ทรัพยากรที่ 2: ")
               for p in problems)


def test_what_only_the_province_requires_is_not_listed():
    dataset = gdc_dataset("record", data_collect="", last_updated_date="")
    statistics = gdc_dataset("statistics", unit_of_measure="")

    assert rules.check_dataset(dataset) == []
    assert rules.check_dataset(statistics) == []


def test_package_show_tags_count_as_the_tag_string():
    dataset = gdc_dataset("record")
    del dataset["tag_string"]

    assert found(rules.check_dataset(dataset)) == {("tag_string", None, rules.REQUIRED)}
    assert rules.check_dataset(dict(dataset, tags=[{"name": "อุตสาหกรรม"}])) == []


def test_what_the_national_catalogue_leaves_behind_is_the_provincial_fields_only():
    dataset = gdc_dataset("gis", district_codes=["1301"], pmqa=["4.1"])

    dropped = rules.check_dataset(dataset, dropped=True)

    assert found(dropped) == {("province_code", None, rules.DROPPED), ("district_codes", None, rules.DROPPED),
                              ("pmqa", None, rules.DROPPED)}
    assert rules.check_dataset(dataset) == []


@pytest.mark.parametrize("private, allow_harvest, offered", [
    (False, "False", True), (False, "", True), ("False", None, True),
    (True, "True", True), ("True", "true", True), (True, "False", False), (True, "", False)])
def test_what_the_national_catalogue_receives(private, allow_harvest, offered):
    assert rules.offered_nationally(private, allow_harvest) is offered


@pytest.mark.parametrize("one, other", [
    ("จำนวนโรงงานอุตสาหกรรม จังหวัดปทุมธานี", "  จำนวนโรงงานอุตสาหกรรม   จังหวัดปทุมธานี "),
    ("จำนวนโรงงาน\u200bอุตสาหกรรม", "จำนวนโรงงานอุตสาหกรรม"),  # a zero-width space of copied text
    ("Factories, Pathum Thani", "FACTORIES,  pathum thani"),
])
def test_titles_compare_without_extra_spaces_case_or_invisible_characters(one, other):
    assert rules.normalise_title(one) == rules.normalise_title(other)


def test_different_titles_stay_different():
    assert rules.normalise_title("จำนวนโรงงาน ปี 2566") != rules.normalise_title("จำนวนโรงงาน ปี 2567")
    assert rules.normalise_title("Factory") != rules.normalise_title("Factories")


# --------------------------------------------------- on the real stack --

@pytest.fixture
def stack(with_plugins, clean_db, clean_index, migrate_db_for):
    migrate_db_for("provincial")
    call_action("provincial_vocabulary_sync")  # the PMQA codes the datasets name


@pytest.fixture
def editor(stack):
    user = factories.UserWithToken()
    org = provincial_organization(users=[{"name": user["name"], "capacity": "editor"}])
    return user, org


def headers(user) -> dict:
    return {"Authorization": user["token"]}


def create(org, data_type="record", **fields) -> dict:
    return call_action("package_create", **gdc_dataset(data_type, owner_org=org["id"], **fields))


def offered_catalogue(org) -> dict[str, dict]:
    """Public datasets of every type, one listed nationally while private, one kept internal."""
    made = {}
    for i, data_type in enumerate(DATA_TYPES):
        made[data_type] = create(org, data_type, name=f"public-{data_type}", title=f"ข้อมูลโรงงาน ชุดที่ {i}",
                                 district_codes=["1301"], pmqa=["4.1"])
    made["listed"] = create(org, "statistics", name="listed-13", title="ทะเบียนสถานประกอบการ (เปิดเผยเฉพาะชื่อ)",
                            private=True, allow_harvest="True")
    made["internal"] = create(org, "record", name="internal-13", title="ทะเบียนผู้ป่วย (ใช้ภายใน)",
                              private=True, allow_harvest="False", data_category=INTERNAL,
                              data_classification="ชั้นเผยแพร่ภายในองค์กร")
    return made


def api(app, action: str, user=None, **params) -> dict:
    response = app.get(f"/api/3/action/{action}", query_string=params, headers=headers(user) if user else {})
    assert response.status_code == 200, response.body[:500]
    return response.json["result"]


def test_every_record_the_api_offers_passes_the_national_rules(app, editor):
    _user, org = editor
    made = offered_catalogue(org)
    harvester = factories.SysadminWithToken()

    public = api(app, "package_search", q="*:*", rows=1000)["results"]
    shown = [api(app, "package_show", id=d["name"]) for d in public]
    harvested = api(app, "provincial_harvest_search", harvester, rows=1000)["results"]
    one = api(app, "provincial_harvest_show", harvester, id="listed-13")

    assert {d["name"] for d in shown} == {made[t]["name"] for t in DATA_TYPES}
    assert {d["name"] for d in harvested} == {d["name"] for d in shown} | {"listed-13"}
    for record in [*public, *shown, *harvested, one]:
        assert rules.check_dataset(record) == [], record["name"]
    # What stays behind nationally is provincial only.
    assert {p["field"] for p in rules.check_dataset(shown[0], dropped=True)} <= set(rules.provincial_fields())


def catalogue_pages(app, url: str) -> list[dict]:
    """The DCAT catalogue as a harvester reads it, every page, mapped back to field values."""
    datasets, pages = [], 0
    while url:
        response = app.get(url)
        assert response.status_code == 200, response.body[:500]
        parser = RDFParser()
        parser.parse(response.body, _format="turtle")
        datasets.extend(parser.datasets())
        url = parser.next_page()
        url = url[url.index("/catalog"):] if url else None
        pages += 1
        assert pages < 20
    return datasets


def test_every_record_dcat_offers_maps_back_to_values_that_pass(app, editor, ckan_config, monkeypatch):
    _user, org = editor
    made = offered_catalogue(org)
    monkeypatch.setitem(ckan_config, "ckanext.dcat.datasets_per_page", 2)

    parsed = catalogue_pages(app, "/catalog.ttl")

    assert sorted(d["name"] for d in parsed) == sorted(made[t]["name"] for t in DATA_TYPES)
    for record in parsed:
        assert rules.check_dataset(record) == [], record["name"]


def test_every_record_of_the_export_workbook_reads_back_to_values_that_pass(editor, tmp_path):
    catalogue_export = pytest.importorskip("ckanext.provincial.catalogue_export")
    reader = pytest.importorskip("ckanext.provincial.gdc_workbook.reader")
    user, org = editor
    made = offered_catalogue(org)
    path = tmp_path / "catalogue.xlsx"

    def read_back(context: dict) -> dict[str, dict]:
        path.write_bytes(catalogue_export.export(context, province_code="13"))
        read = reader.read_catalogue(str(path))
        assert [p.as_dict() for p in read.problems] == []
        return {record.dataset["name"]: record.dataset for record in read.records}

    national_staff = read_back({"user": "", "ignore_auth": False})
    agency = read_back({"user": user["name"], "ignore_auth": False})

    assert sorted(national_staff) == sorted(made[t]["name"] for t in DATA_TYPES)
    for name, dataset in national_staff.items():
        assert rules.check_dataset(dataset) == [], name
    # The agency's own export also holds what stays in the province; only that is refused.
    assert set(agency) == {d["name"] for d in made.values()}
    for name, dataset in agency.items():
        expected = {("data_category", None, rules.REFUSED_CHOICE)} if name == "internal-13" else set()
        assert found(rules.check_dataset(dataset)) == expected, name


# ---------------------------------------------------------------- entry --

def refused(org, **fields) -> dict:
    with pytest.raises(toolkit.ValidationError) as raised:
        create(org, **fields)
    return raised.value.error_dict


@pytest.mark.parametrize("visibility", [{}, {"private": False}, {"private": True, "allow_harvest": "True"}])
def test_internal_category_is_refused_on_a_dataset_the_national_catalogue_receives(editor, visibility):
    _user, org = editor

    errors = refused(org, name="internal-public", data_category=INTERNAL, **visibility)

    assert list(errors) == ["data_category"]
    [message] = errors["data_category"]
    assert INTERNAL in message and "national Government Data Catalog" in message and PUBLIC in message
    assert not call_action("package_search", q="name:internal-public", include_private=True)["count"]


def test_internal_category_stays_on_a_private_dataset_until_it_would_leave(editor):
    _user, org = editor
    kept = create(org, name="internal-kept", private=True, allow_harvest="False", data_category=INTERNAL)

    with pytest.raises(toolkit.ValidationError) as made_public:
        call_action("package_patch", id=kept["id"], private=False)
    with pytest.raises(toolkit.ValidationError) as listed:
        call_action("package_patch", id=kept["id"], allow_harvest="True")
    changed = call_action("package_patch", id=kept["id"], notes="ปรับปรุงคำอธิบาย")

    assert list(made_public.value.error_dict) == list(listed.value.error_dict) == ["data_category"]
    assert changed["data_category"] == INTERNAL and changed["private"] is True
    assert call_action("package_patch", id=kept["id"], private=False, data_category=PUBLIC)["private"] is False


def form_values(values: dict) -> dict:
    form = {key: value for key, value in values.items() if key != "resources"}
    form.update({"_ckan_phase": "dataset_new_1", "save": "go-resources"})
    return form


def test_the_form_says_why_the_category_is_refused(app, editor):
    user, org = editor
    form = form_values(gdc_dataset("record", owner_org=org["id"], name="internal-form",
                                   data_category=INTERNAL, private="False"))

    body = app.post("/dataset/new", headers=headers(user), data=form).body

    assert "The national Government Data Catalog refuses" in body and INTERNAL in body
    assert not call_action("package_search", q="name:internal-form", include_drafts=True,
                           include_private=True)["count"]


def test_editors_of_a_private_internal_dataset_see_what_to_change_before_it_leaves(app, editor):
    user, org = editor
    kept = create(org, name="internal-page", private=True, allow_harvest="False", data_category=INTERNAL)
    reader = factories.UserWithToken()
    call_action("organization_member_create", id=org["id"], username=reader["name"], role="member")

    for_editor = app.get(f"/dataset/{kept['name']}", headers=headers(user)).body
    for_member = app.get(f"/dataset/{kept['name']}", headers=headers(reader)).body

    section = re.search(r'<section class="provincial-national-rules.*?</section>', for_editor, re.S).group(0)
    assert 'data-field="data_category"' in section and INTERNAL in section
    assert "private and not listed nationally" in section
    assert "provincial-national-rules" not in for_member
    assert "internal-page" in for_member  # the member does read the dataset


# --------------------------------------------------------------- titles --

def test_title_clashes_are_the_provinces_datasets_the_national_catalogue_receives(editor):
    _user, org = editor
    saraburi = provincial_organization(province_code="19")
    title = "จำนวนโรงงานอุตสาหกรรม จังหวัดปทุมธานี"
    first = create(org, name="first", title=title)
    spaced = create(org, name="spaced", title=f"  {title.replace(' ', '   ')} ")
    listed = create(org, name="listed", title=title, private=True, allow_harvest="True")
    create(org, name="internal", title=title, private=True, allow_harvest="False")
    create(saraburi, name="elsewhere", title=title, province_code="19")
    create(org, name="longer", title=f"{title} ปี 2566")

    clashes = rules.title_clashes(title, "13", exclude_id=first["id"])

    assert sorted(c["name"] for c in clashes) == ["listed", "spaced"]
    by_name = {c["name"]: c for c in clashes}
    assert by_name["listed"]["private"] is True and by_name["spaced"]["private"] is False
    assert by_name["spaced"]["organization"] == org["title"] and by_name["spaced"]["id"] == spaced["id"]
    assert listed["id"] in {c["id"] for c in clashes}
    assert [c["name"] for c in rules.title_clashes(title, "19")] == ["elsewhere"]
    assert rules.title_clashes("  ", "13") == [] and rules.title_clashes(title, "") == []


@pytest.mark.parametrize("title, other, clash", [
    ("Factories in Pathum Thani", "FACTORIES  in pathum thani", True),
    ("Factories in Pathum Thani", "Factory in Pathum Thani", False),  # the index stems, the comparison does not
    ('ข้อมูล "พิเศษ" \\ (ทดสอบ): ปี 2566', 'ข้อมูล "พิเศษ" \\ (ทดสอบ): ปี 2566', True),
    ("ข้อมูล\u200bโรงงาน", "ข้อมูลโรงงาน", True),
])
def test_title_clashes_compare_as_a_reader_does(editor, title, other, clash):
    _user, org = editor
    create(org, name="stored", title=title)

    assert bool(rules.title_clashes(other, "13")) is clash


def post_and_follow(app, user, url: str, form: dict) -> tuple[object, str]:
    """Post a form and open the page it redirects to in the same browser (its flash messages
    live in the session cookie); the browser, and that page."""
    browser = app.test_client()
    response = browser.post(url, headers=headers(user), data=form, follow_redirects=False)
    assert response.status_code == 302, response.body[:1000]
    return browser, browser.get(urlparse(response.headers["Location"]).path, headers=headers(user)).body


def flashed_warnings(body: str) -> list[str]:
    return re.findall(r'<div class="alert alert-dismissible fade show alert-warning">(.*?)</div>', body, re.S)


def test_an_editor_is_warned_after_saving_a_title_another_dataset_of_the_province_has(app, editor):
    user, org = editor
    create(org, name="factories-first", title="จำนวนโรงงานอุตสาหกรรม จังหวัดปทุมธานี")
    form = form_values(gdc_dataset("record", owner_org=org["id"], name="factories-again",
                                   title="จำนวนโรงงานอุตสาหกรรม   จังหวัดปทุมธานี"))

    _browser, body = post_and_follow(app, user, "/dataset/new", form)

    [warning] = flashed_warnings(body)
    assert "(factories-first)" in warning and "national Government Data Catalog" in warning
    assert "จำนวนโรงงานอุตสาหกรรม จังหวัดปทุมธานี" in warning
    assert call_action("package_show", id="factories-again")["state"] == "draft"  # saved all the same


def test_the_edit_form_warns_and_the_dataset_page_keeps_the_warning_for_editors(app, editor):
    user, org = editor
    create(org, name="factories-first", title="Factories of Pathum Thani")
    second = create(org, name="factories-second", title="Factories by district")
    form = {key: value for key, value in call_action("package_show", id=second["id"]).items()
            if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))}
    form.update({"title": "factories of  pathum thani", "tag_string": "อุตสาหกรรม,โรงงาน", "save": ""})

    browser, body = post_and_follow(app, user, f"/dataset/edit/{second['name']}", form)
    again = browser.get(f"/dataset/{second['name']}", headers=headers(user)).body
    anonymous = app.get(f"/dataset/{second['name']}").body

    [warning] = flashed_warnings(body)
    assert "(factories-first)" in warning
    entry = re.search(r'<li class="provincial-title-clash" data-dataset="factories-first">.*?</li>', again, re.S)
    assert entry and 'href="/dataset/factories-first"' in entry.group(0)
    assert flashed_warnings(again) == []  # the message comes once, the entry stays
    assert "provincial-national-rules" not in anonymous and "Factories of Pathum Thani" not in anonymous


def test_api_calls_get_no_form_message(app, editor):
    user, org = editor
    create(org, name="factories-first", title="จำนวนโรงงานอุตสาหกรรม")
    values = gdc_dataset("record", owner_org=org["id"], name="factories-api", title="จำนวนโรงงานอุตสาหกรรม")

    browser = app.test_client()
    created = browser.post("/api/3/action/package_create", json=values, headers=headers(user))
    page = browser.get("/dataset/factories-first", headers=headers(user)).body

    assert created.status_code == 200, created.body[:500]
    assert flashed_warnings(page) == []
    assert 'data-dataset="factories-api"' in page  # the page entry names it all the same
