"""DCAT: the provincial RDF profile, its URIs and code mappings, the catalogue endpoints and their errors."""
import json
import shutil

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic, graph_diff
from rdflib.namespace import FOAF, RDF, SKOS, XSD

import ckan.plugins.toolkit as toolkit
from tests.ckan_session import call_action
from ckanext.dcat.processors import RDFParser

from ckanext.provincial import freshness, vocabulary_store
from ckanext.provincial.dcat import cache, terms
from tests.factories import gdc_dataset, provincial_organization
from tests.sql_support import statements_while

pytestmark = pytest.mark.integration

DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
PROVINCIAL = rdflib.Namespace(terms.PROVINCIAL_NAMESPACE)
AREA = terms.DEFAULT_ID_BASE + "area/"
PMQA = terms.DEFAULT_ID_BASE + "pmqa/"


# ------------------------------------------------------------ pure terms --

@pytest.mark.parametrize("unit, interval, code", [
    (freshness.YEAR, "1", "ANNUAL"),
    (freshness.YEAR, 2, "BIENNIAL"),
    (freshness.YEAR, "5", "QUINQUENNIAL"),
    (freshness.YEAR, "7", "OTHER"),
    (freshness.HALF_YEAR, "1", "ANNUAL_2"),
    (freshness.QUARTER, "1", "QUARTERLY"),
    (freshness.QUARTER, "4", "ANNUAL"),
    (freshness.MONTH, "1", "MONTHLY"),
    (freshness.MONTH, "3", "QUARTERLY"),
    (freshness.MONTH, "4", "ANNUAL_3"),
    (freshness.MONTH, "7", "OTHER"),
    (freshness.WEEK, "1", "WEEKLY"),
    (freshness.WEEK, "2", "BIWEEKLY"),
    (freshness.DAY, "1", "DAILY"),
    (freshness.DAY, "7", "WEEKLY"),
    (freshness.WORKING_DAY, "1", "WEEKLY_5"),
    (freshness.WORKING_DAY, "2", "OTHER"),
    (freshness.HOUR, "1", "HOURLY"),
    (freshness.HOUR, "12", "12HRS"),
    (freshness.MINUTE, "15", "15MIN"),
    (freshness.MINUTE, "60", "HOURLY"),
    (freshness.REAL_TIME, "", "UPDATE_CONT"),
    (freshness.NEVER_UPDATED, "", "NEVER"),
    (freshness.UNKNOWN, "", "UNKNOWN"),
    (freshness.OTHER, "3", "OTHER"),
    (freshness.YEAR, "", "ANNUAL"),        # no interval: one unit, as freshness reads it
    (freshness.YEAR, "abc", "ANNUAL"),
    ("monthly", "1", "MONTHLY"),           # the English names freshness accepts
])
def test_gdc_update_frequency_maps_to_the_eu_frequency_table(unit, interval, code):
    assert terms.frequency_code(unit, interval) == code
    assert terms.frequency_uri(unit, interval) == terms.EU_FREQUENCY + code


def test_no_unit_gives_no_frequency():
    assert terms.frequency_code("", "1") is None
    assert terms.frequency_uri(None) is None


@pytest.mark.parametrize("code", sorted(terms.FREQUENCY_TO_GDC))
def test_every_eu_frequency_read_back_maps_to_itself(code):
    unit, interval = terms.FREQUENCY_TO_GDC[code]
    assert unit in freshness.UNITS
    expected = {"CONT": "UPDATE_CONT", "IRREG": "OTHER"}.get(code, code)
    assert terms.frequency_code(unit, interval) == expected
    assert terms.gdc_frequency(terms.EU_FREQUENCY + code) == (unit, interval)


def test_a_foreign_frequency_uri_is_not_read_as_gdc():
    assert terms.gdc_frequency("http://purl.org/cld/freq/annual") is None


@pytest.mark.parametrize("category, classification, right", [
    ("ข้อมูลสาธารณะ", "เปิดเผย", "PUBLIC"),
    ("ข้อมูลสาธารณะ", "", "PUBLIC"),
    ("ข้อมูลใช้ภายใน", "", "RESTRICTED"),
    ("ข้อมูลสาธารณะ", "ชั้นเผยแพร่ภายในองค์กร", "RESTRICTED"),
    ("ข้อมูลส่วนบุคคล", "", "NON_PUBLIC"),
    ("ข้อมูลความมั่นคง", "", "NON_PUBLIC"),
    ("ข้อมูลความลับทางราชการ", "ลับ", "NON_PUBLIC"),
    ("ข้อมูลสาธารณะ", "ลับที่สุด", "NON_PUBLIC"),   # the stricter of the two wins
    ("", "ลับมาก", "NON_PUBLIC"),
    ("", "", None),
])
def test_gdc_category_and_classification_map_to_eu_access_rights(category, classification, right):
    assert terms.access_right(category, classification) == right


def test_area_uris_are_stable_and_nested():
    assert terms.area_uri("13") == AREA + "13"
    assert terms.area_uri("1301", "https://example.org/id") == "https://example.org/id/area/1301"
    assert [terms.area_level(c) for c in ("13", "1301", "130101", "1", "x3")] == [
        "province", "district", "subdistrict", None, None]
    assert terms.parent_area("130101") == "1301"
    assert terms.parent_area("1301") == "13"
    assert terms.parent_area("13") is None


def test_portal_uris_quote_codes():
    assert terms.requirement_uri("http://p.example/", "13", "R 1/ก") == \
        "http://p.example/requirement/13/R%201%2F%E0%B8%81"
    assert terms.development_issue_uri("http://p.example", "13-tourism") == \
        "http://p.example/development-issue/13-tourism"


def test_gdc_languages_and_thai_text():
    assert terms.language_uri("ไทย") == terms.EU_LANGUAGE + "THA"
    assert terms.language_uri("อังกฤษ") == terms.EU_LANGUAGE + "ENG"
    assert terms.language_uri("ไม่ทราบ") is None
    assert terms.text_language("จำนวนโรงงาน 2566") == "th"
    assert terms.text_language("Factories 2023") is None


# ------------------------------------------------------ with CKAN and Solr --

@pytest.fixture
def plan(with_plugins, clean_db, clean_index, migrate_db_for):
    """Plan tables, the PMQA/issue code lists in CKAN, and one requirement of province 13."""
    migrate_db_for("provincial")
    call_action("provincial_vocabulary_sync")
    call_action("provincial_requirement_create", province_code="13", code="R-1",
                title_th="จำนวนโรงงานรายอำเภอ", title_en="Factories by district")
    return provincial_organization()


def provincial_fields(**overrides):
    values = {
        "province_code": "13",
        "district_codes": ["1301", "1302"],
        "subdistrict_codes": ["130101"],
        "pmqa": ["4.1"],
        "development_issues": ["13-livable-industry-clean"],
        "requirement_codes": ["R-1"],
        "update_frequency_unit": freshness.MONTH,
        "update_frequency_interval": "3",
        "data_category": "ข้อมูลสาธารณะ",
        "data_classification": "เปิดเผย",
        "data_language": ["ไทย", "อังกฤษ"],
    }
    values.update(overrides)
    return values


@pytest.fixture
def factories_dataset(plan):
    return call_action("package_create", **gdc_dataset(
        "statistics", owner_org=plan["id"], name="factories-13", title="จำนวนโรงงานอุตสาหกรรม ปทุมธานี",
        **provincial_fields()))


def dataset_graph(app, name, fmt="ttl"):
    response = app.get(f"/dataset/{name}.{fmt}")
    assert response.status_code == 200, response.body[:500]
    graph = rdflib.Graph()
    graph.parse(data=response.body, format={"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}[fmt])
    return graph


def only_dataset(graph):
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 1
    return datasets[0]


def labels(graph, node, predicate=SKOS.prefLabel):
    return {(str(o), o.language) for o in graph.objects(node, predicate)}


def test_dataset_graph_holds_the_provincial_fields(app, factories_dataset):
    g = dataset_graph(app, "factories-13")
    ds = only_dataset(g)

    # Province and districts as dct:spatial with stable URIs and names in Thai and English.
    spatial = set(g.objects(ds, DCT.spatial))
    assert {URIRef(AREA + c) for c in ("13", "1301", "1302", "130101")} <= spatial
    province = URIRef(AREA + "13")
    assert (province, RDF.type, DCT.Location) in g
    assert (province, RDF.type, PROVINCIAL.Province) in g
    assert labels(g, province) >= {("ปทุมธานี", "th"), ("Pathum Thani", "en")}
    assert (URIRef(AREA + "1301"), SKOS.broader, province) in g
    assert (URIRef(AREA + "130101"), SKOS.notation, Literal("130101")) in g

    # Every three months = quarterly.
    assert (ds, DCT.accrualPeriodicity, URIRef(terms.EU_FREQUENCY + "QUARTERLY")) in g
    assert (ds, PROVINCIAL.update_frequency_unit, Literal(freshness.MONTH)) in g
    assert (ds, PROVINCIAL.update_frequency_interval, Literal("3")) in g

    # PMQA and the development issue as themes, with their names.
    pmqa = URIRef(PMQA + "4.1")
    assert (ds, DCAT.theme, pmqa) in g
    assert (pmqa, SKOS.notation, Literal("4.1")) in g
    assert {lang for _text, lang in labels(g, pmqa)} == {"th", "en"}
    assert (pmqa, SKOS.broader, URIRef(PMQA + "4")) in g
    site = toolkit.config["ckan.site_url"].rstrip("/")
    issue = URIRef(site + "/development-issue/13-livable-industry-clean")
    assert (ds, DCAT.theme, issue) in g
    assert (issue, RDF.type, PROVINCIAL.DevelopmentIssue) in g
    assert (issue, SKOS.broader, URIRef(site + "/development-issue/13-livable-industry")) in g
    assert {lang for _text, lang in labels(g, issue)} == {"th", "en"}

    # The requirement of the plan the dataset answers.
    requirement = URIRef(site + "/requirement/13/R-1")
    assert (ds, DCT.relation, requirement) in g
    assert labels(g, requirement, DCT.title) == {("จำนวนโรงงานรายอำเภอ", "th"), ("Factories by district", "en")}

    # Category and classification: the EU access right, and the exact GDC values.
    assert (ds, DCT.accessRights, URIRef(terms.EU_ACCESS_RIGHT + "PUBLIC")) in g
    assert (ds, PROVINCIAL.data_category, Literal("ข้อมูลสาธารณะ")) in g
    assert (ds, PROVINCIAL.data_classification, Literal("เปิดเผย")) in g

    # Languages of the data, and the Thai title tagged as Thai.
    assert {terms.EU_LANGUAGE + "THA", terms.EU_LANGUAGE + "ENG"} <= {str(o) for o in g.objects(ds, DCT.language)}
    assert (ds, DCT.title, Literal("จำนวนโรงงานอุตสาหกรรม ปทุมธานี", lang="th")) in g
    assert (ds, PROVINCIAL.data_type, Literal("ข้อมูลสถิติ")) in g


def test_every_gdc_field_of_the_dataset_is_in_its_graph(app, factories_dataset):
    g = dataset_graph(app, "factories-13")
    ds = only_dataset(g)
    shown = call_action("package_show", id="factories-13")
    schema = call_action("scheming_dataset_schema_show", type="dataset")
    standard = {"title", "notes", "owner_org", "tag_string", "url", "maintainer", "maintainer_email",
                "province_code", "district_codes", "subdistrict_codes", "pmqa", "development_issues",
                "requirement_codes"}
    checked = 0
    for field in schema["dataset_fields"]:
        name = field["field_name"]
        value = shown.get(name)
        if name in standard or value in (None, "", []):
            continue
        values = value if isinstance(value, list) else [value]
        assert {str(o) for o in g.objects(ds, PROVINCIAL[name])} == {str(v) for v in values}, name
        checked += 1
    assert checked >= 15


def test_gis_bounds_and_national_categories(app, plan):
    dataset = call_action("package_create", **gdc_dataset(
        "gis", owner_org=plan["id"], name="boundaries-13", title="ขอบเขตการปกครอง", **provincial_fields()))
    call_action("member_create", id="03", object=dataset["id"], object_type="package", capacity="public")
    g = dataset_graph(app, "boundaries-13")
    ds = only_dataset(g)

    [box] = [node for node in g.objects(ds, DCT.spatial) if (node, RDF.type, PROVINCIAL.BoundingBox) in g]
    wkt = g.value(box, DCAT.bbox)
    assert wkt.datatype == rdflib.URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
    assert str(wkt) == "POLYGON((100.33 13.91, 100.95 13.91, 100.95 14.29, 100.33 14.29, 100.33 13.91))"
    site = toolkit.config["ckan.site_url"].rstrip("/")
    category = URIRef(site + "/national-category/03")
    assert (ds, DCAT.theme, category) in g
    assert labels(g, category) == {("ด้านกายภาพ", "th"), ("Physical", "en")}
    [back] = parsed(g.serialize(format="turtle"))
    assert back["groups"] == [{"name": "03"}]
    assert back["west_bound_longitude"] == "100.3300"


def test_rdf_responses_declare_utf8(app, factories_dataset):
    for url in ("/dataset/factories-13.ttl", "/dataset/factories-13.jsonld", "/catalog.ttl", "/catalog.rdf"):
        response = app.get(url)
        assert response.status_code == 200
        assert "charset=utf-8" in response.headers["Content-Type"], url
    # A client that honours the header reads Thai intact.
    raw = app.get("/dataset/factories-13.ttl")
    assert "จำนวนโรงงานอุตสาหกรรม ปทุมธานี" in raw.data.decode(raw.headers["Content-Type"].split("charset=")[1])


def test_dates_are_typed_and_free_thai_text_is_tagged(app, plan):
    call_action("package_create", **gdc_dataset(
        "statistics", owner_org=plan["id"], name="rain-13", title="ปริมาณน้ำฝน",
        last_updated_date="2025-01-31", unit_of_measure="มิลลิเมตร", **provincial_fields()))
    g = dataset_graph(app, "rain-13")
    ds = only_dataset(g)

    assert (ds, PROVINCIAL.last_updated_date, Literal("2025-01-31", datatype=XSD.date)) in g
    assert (ds, PROVINCIAL.unit_of_measure, Literal("มิลลิเมตร", lang="th")) in g


@pytest.mark.parametrize("fmt", ["jsonld", "rdf"])
def test_other_serialisations_carry_the_same_graph(app, factories_dataset, fmt):
    turtle = dataset_graph(app, "factories-13")
    other = dataset_graph(app, "factories-13", fmt)
    ds = only_dataset(other)
    assert (ds, DCT.accrualPeriodicity, URIRef(terms.EU_FREQUENCY + "QUARTERLY")) in other
    assert labels(other, URIRef(AREA + "13")) == labels(turtle, URIRef(AREA + "13"))
    assert len(other) == len(turtle)


def parsed(ttl_body):
    parser = RDFParser()
    parser.parse(ttl_body, _format="turtle")
    return list(parser.datasets())


def test_the_profile_parses_its_own_graph_back(app, factories_dataset):
    body = app.get("/dataset/factories-13.ttl").body
    [back] = parsed(body)
    shown = call_action("package_show", id="factories-13")

    for field in ("title", "notes", "name", "maintainer", "maintainer_email", "data_type", "objective",
                  "update_frequency_unit", "update_frequency_interval", "geo_coverage", "data_source",
                  "data_format", "data_category", "data_classification", "license_id", "data_language",
                  "province_code", "district_codes", "subdistrict_codes", "pmqa", "development_issues",
                  "requirement_codes", "allow_harvest"):
        if shown.get(field) not in (None, "", []):
            assert back.get(field) == shown[field], field
    assert sorted(t["name"] for t in back["tags"]) == sorted(t["name"] for t in shown["tags"])
    # What only restated provincial fields is not left behind as extras.
    leftover = {extra["key"] for extra in back.get("extras", [])}
    assert not leftover & {"frequency", "access_rights", "theme", "language", "related_resource", "spatial_uri"}


def test_a_foreign_graph_still_gives_what_can_be_known(with_plugins):
    foreign = """
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        <http://other.example/ds/1> a dcat:Dataset ; dct:title "Rainfall" ;
            dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/BIENNIAL> .
    """
    [back] = parsed(foreign)
    assert back["title"] == "Rainfall"
    assert (back["update_frequency_unit"], back["update_frequency_interval"]) == (freshness.YEAR, "2")
    assert "province_code" not in back


# ------------------------------------------------------------- catalogue --

def catalogue_pages(app, url):
    """Follow hydra:next from the first page; every page's graph."""
    pages = []
    while url:
        response = app.get(url)
        assert response.status_code == 200, response.body[:500]
        graph = rdflib.Graph().parse(data=response.body, format="turtle")
        pages.append(graph)
        url = next((str(o) for o in graph.objects(None, HYDRA.next)), None)
        if url:
            url = url[url.index("/catalog"):]
        assert len(pages) < 20
    return pages


def test_the_catalogue_pages_through_public_datasets_only(app, plan, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.dcat.datasets_per_page", 2)
    public = [call_action("package_create", **gdc_dataset(
        "record", owner_org=plan["id"], name=f"public-{i}", title=f"ชุดข้อมูลสาธารณะ {i}", **provincial_fields()))
        for i in range(5)]
    call_action("package_create", **gdc_dataset(
        "record", owner_org=plan["id"], name="hidden-13", title="ความลับจังหวัด", private=True,
        allow_harvest="False", **provincial_fields()))
    call_action("package_create", **gdc_dataset(
        "record", owner_org=plan["id"], name="listed-13", title="ชื่อเปิดเผยได้", private=True,
        allow_harvest="True", **provincial_fields()))

    pages = catalogue_pages(app, "/catalog.ttl")

    assert len(pages) == 3
    titles = {str(o) for g in pages for o in g.objects(None, DCT.title)}
    names = {str(o) for g in pages for o in g.objects(None, PROVINCIAL.name)}
    assert names == {d["name"] for d in public}
    assert {d["title"] for d in public} <= titles
    assert not titles & {"ความลับจังหวัด", "ชื่อเปิดเผยได้"}
    first = pages[0]
    [collection] = list(first.subjects(RDF.type, HYDRA.PagedCollection))
    assert int(first.value(collection, HYDRA.totalItems)) == 5
    assert int(first.value(collection, HYDRA.itemsPerPage)) == 2


def test_the_catalogue_describes_the_province(app, plan, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.province_code", "13")
    call_action("package_create", **gdc_dataset("record", owner_org=plan["id"], name="one-13", **provincial_fields()))
    g = rdflib.Graph().parse(data=app.get("/catalog.ttl").body, format="turtle")
    [catalog] = list(g.subjects(RDF.type, DCAT.Catalog))
    assert (catalog, DCT.spatial, URIRef(AREA + "13")) in g
    assert (catalog, PROVINCIAL.thaigdc_catalog_type, Literal("area_based")) in g


def test_the_jsonld_catalogue_parses(app, factories_dataset):
    response = app.get("/catalog.jsonld")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    g = rdflib.Graph().parse(data=response.body, format="json-ld")
    assert len(list(g.subjects(RDF.type, DCAT.Dataset))) == 1


def test_a_catalogue_page_reads_requirement_titles_in_one_query(app, plan, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.dcat.cache_seconds", 0)  # every page serialized whole
    call_action("provincial_requirement_create", province_code="13", code="R-2", title_th="ประชากรรายตำบล")
    call_action("provincial_requirement_create", province_code="19", code="R-1", title_th="ไม่ใช่ของปทุมธานี")
    for i, linked in enumerate((["R-1"], ["R-1", "R-2"], ["r-2"], ["R-2"])):
        call_action("package_create", **gdc_dataset(
            "record", owner_org=plan["id"], name=f"linked-{i}", **provincial_fields(requirement_codes=linked)))
    body, statements = statements_while(lambda: app.get("/catalog.ttl").body, "provincial_requirement")

    assert len(statements) == 1
    g = rdflib.Graph().parse(data=body, format="turtle")
    site = toolkit.config["ckan.site_url"].rstrip("/")
    assert labels(g, URIRef(site + "/requirement/13/R-1"), DCT.title) == {
        ("จำนวนโรงงานรายอำเภอ", "th"), ("Factories by district", "en")}
    assert labels(g, URIRef(site + "/requirement/13/R-2"), DCT.title) == {("ประชากรรายตำบล", "th")}
    assert len(list(g.subjects(RDF.type, DCAT.Dataset))) == 4


# ------------------------------------------------------------ bad input --

# One dataset serves every case: the set-up (plan, code lists, index) is the slow part.
BAD_REQUESTS = [
    ("/dataset/factories-13.foo", 404),
    ("/dataset/factories-13.", 404),
    ("/dataset/no-such-dataset.ttl", 404),
    ("/dataset/no-such-dataset.jsonld", 404),
    ("/catalog.foo", 404),
    ("/catalog.ttl?page=0", 409),
    ("/catalog.ttl?page=abc", 409),
    ("/catalog.ttl?modified_since=yesterday-ish", 409),
    ("/dcat.json?page=-1", 409),
    ("/api/3/action/package_search?rows=100000", 409),
    ("/api/3/action/package_search?rows=abc", 409),
    ("/api/3/action/provincial_harvest_search?rows=100000", 409),
    ("/api/3/action/provincial_harvest_search?start=-5", 409),
    ("/api/3/action/provincial_harvest_search?modified_since=soon", 409),
    ("/api/3/action/provincial_harvest_show?id=no-such-dataset", 404),
    ("/api/3/action/provincial_harvest_show", 409),
    ("/api/3/action/package_show?id=no-such-dataset", 404),
]


def test_bad_requests_get_a_clear_error_not_a_crash(app, factories_dataset):
    wrong = []
    for url, status in BAD_REQUESTS:
        response = app.get(url)
        body = response.body
        if response.status_code != status or not body.strip():
            wrong.append((url, response.status_code, body[:300]))
        elif url.startswith("/api/"):
            error = json.loads(body)["error"]
            if not (error.get("message") or len(error) > 1):
                wrong.append((url, response.status_code, body[:300]))
    assert wrong == [], f"expected {len(BAD_REQUESTS)} clear errors; these were not: {wrong}"


@pytest.mark.parametrize("action", ["package_search", "provincial_harvest_search"])
def test_rows_from_zero_up_to_the_limit_are_served(app, factories_dataset, action):
    full = app.get(f"/api/3/action/{action}?rows=1000")
    assert full.status_code == 200
    assert len(full.json["result"]["results"]) == full.json["result"]["count"] == 1
    count_only = app.get(f"/api/3/action/{action}?rows=0")  # facet and count queries
    assert count_only.status_code == 200
    assert count_only.json["result"]["results"] == [] and count_only.json["result"]["count"] == 1


def test_a_private_dataset_has_no_public_rdf(app, plan):
    secret = call_action("package_create", **gdc_dataset(
        "record", owner_org=plan["id"], name="secret-13", title="ความลับจังหวัด", private=True,
        allow_harvest="True", **provincial_fields()))
    for suffix in ("ttl", "jsonld", "rdf"):
        response = app.get(f"/dataset/{secret['name']}.{suffix}")
        assert response.status_code in (403, 404)
        assert "ความลับจังหวัด" not in response.body


# ------------------------------------------------- per-dataset cache (dcat/cache.py) --

def catalogue_graphs(app, ckan_config, monkeypatch, cached: bool) -> list:
    monkeypatch.setitem(ckan_config, "ckanext.provincial.dcat.cache_seconds", 3600 if cached else 0)
    return catalogue_pages(app, "/catalog.ttl")


def assert_same_graphs(without, with_cache):
    assert len(without) == len(with_cache)
    for number, (plain, cached) in enumerate(zip(without, with_cache), start=1):
        if not isomorphic(plain, cached):
            _both, only_plain, only_cached = graph_diff(to_isomorphic(plain), to_isomorphic(cached))
            pytest.fail(f"page {number}: only without the cache {sorted(only_plain)[:5]}, "
                        f"only with it {sorted(only_cached)[:5]}")


def cached_fragments() -> list:
    from ckan.lib.redis import connect_to_redis

    return list(connect_to_redis().scan_iter(cache.key_prefix() + "*"))


def dataset_node(pages, name):
    for graph in pages:
        for node in graph.subjects(PROVINCIAL.name, Literal(name)):
            return graph, node
    raise AssertionError(f"{name} is in no page")


@pytest.fixture
def catalogue(plan, ckan_config, monkeypatch, tmp_path):
    """Five public Thai datasets (one private) on three pages, a PMQA file of the test's own."""
    pmqa = tmp_path / "pmqa.yaml"
    shutil.copy(vocabulary_store.resolve("ckanext.provincial.schemas:pmqa.yaml"), pmqa)
    monkeypatch.setitem(ckan_config, "ckanext.provincial.pmqa_file", str(pmqa))
    monkeypatch.setitem(ckan_config, "ckanext.dcat.datasets_per_page", 2)
    for key in cached_fragments():  # entries of earlier tests can never match, but are counted below
        from ckan.lib.redis import connect_to_redis
        connect_to_redis().delete(key)
    names = []
    for i, kind in enumerate(("record", "statistics", "gis", "multiple", "other")):
        names.append(call_action("package_create", **gdc_dataset(
            kind, owner_org=plan["id"], name=f"cached-{i}", title=f"ข้อมูลโรงงานอุตสาหกรรม ชุดที่ {i}",
            notes="จำนวนโรงงานจำแนกรายอำเภอ", **provincial_fields()))["name"])
    call_action("package_create", **gdc_dataset(
        "record", owner_org=plan["id"], name="cached-private", title="ความลับจังหวัด", private=True,
        allow_harvest="True", **provincial_fields()))
    return {"organization": plan, "names": names, "pmqa": pmqa}


def test_the_cached_catalogue_is_the_same_graph_as_the_whole_one(app, catalogue, ckan_config, monkeypatch):
    without = catalogue_graphs(app, ckan_config, monkeypatch, cached=False)
    assert cached_fragments() == []
    cold = catalogue_graphs(app, ckan_config, monkeypatch, cached=True)
    assert len(cached_fragments()) == 5  # one per public dataset, none for the private one
    warm = catalogue_graphs(app, ckan_config, monkeypatch, cached=True)

    assert len(without) == 3
    assert_same_graphs(without, cold)
    assert_same_graphs(without, warm)
    titles = {str(o) for g in warm for o in g.objects(None, DCT.title)}
    assert {f"ข้อมูลโรงงานอุตสาหกรรม ชุดที่ {i}" for i in range(5)} <= titles
    assert "ความลับจังหวัด" not in titles
    assert sum(len(list(g.subjects(RDF.type, DCAT.Dataset))) for g in warm) == 5
    [catalog] = list(warm[0].subjects(RDF.type, DCAT.Catalog))
    assert len(list(warm[0].objects(catalog, DCAT.dataset))) == 2


def test_the_cached_catalogue_reads_requirement_titles_once_per_page(app, catalogue):
    body, cold = statements_while(lambda: app.get("/catalog.ttl").body, "provincial_requirement")
    _body, warm = statements_while(lambda: app.get("/catalog.ttl").body, "provincial_requirement")
    assert len(cold) == 2  # the plans' state (part of the key) and the titles of the two datasets
    assert len(warm) == 1  # the plans' state only
    assert len(list(rdflib.Graph().parse(data=body, format="turtle").subjects(RDF.type, DCAT.Dataset))) == 2


def test_the_cached_catalogue_follows_every_change_it_depends_on(app, catalogue, ckan_config, monkeypatch):
    catalogue_graphs(app, ckan_config, monkeypatch, cached=True)  # every fragment cached
    site = toolkit.config["ckan.site_url"].rstrip("/")

    # a dataset edited
    call_action("package_patch", id="cached-3", title="ข้อมูลโรงงาน ฉบับแก้ไข")
    # its organization renamed (the publisher of every dataset; no dataset changes)
    call_action("organization_patch", id=catalogue["organization"]["id"], title="สำนักงานจังหวัดปทุมธานี (ใหม่)")
    # a requirement's title changed (the dct:relation of every dataset)
    [requirement] = call_action("provincial_requirement_list", province_code="13")
    call_action("provincial_requirement_update", id=requirement["id"], code="R-1",
                title_th="จำนวนโรงงานรายอำเภอ (ปรับปรุง)", title_en="Factories by district (revised)")
    # a PMQA label edited in the operator's file (no dataset changes)
    text = catalogue["pmqa"].read_text(encoding="utf-8")
    assert text.count("การวัด การวิเคราะห์ และการปรับปรุงผลการดำเนินการของส่วนราชการ") == 1
    catalogue["pmqa"].write_text(text.replace("การวัด การวิเคราะห์ และการปรับปรุงผลการดำเนินการของส่วนราชการ",
                                              "การวัดผลการดำเนินการ (ชื่อใหม่)"), encoding="utf-8")

    cached = catalogue_graphs(app, ckan_config, monkeypatch, cached=True)
    graph, node = dataset_node(cached, "cached-3")
    assert {str(o) for o in graph.objects(node, DCT.title)} >= {"ข้อมูลโรงงาน ฉบับแก้ไข"}
    for graph in cached:
        for dataset in graph.subjects(RDF.type, DCAT.Dataset):
            [publisher] = list(graph.objects(dataset, DCT.publisher))
            assert str(graph.value(publisher, FOAF.name)) == "สำนักงานจังหวัดปทุมธานี (ใหม่)"
        if (None, DCT.relation, URIRef(site + "/requirement/13/R-1")) in graph:
            assert labels(graph, URIRef(site + "/requirement/13/R-1"), DCT.title) == {
                ("จำนวนโรงงานรายอำเภอ (ปรับปรุง)", "th"), ("Factories by district (revised)", "en")}
        assert ("การวัดผลการดำเนินการ (ชื่อใหม่)", "th") in labels(graph, URIRef(PMQA + "4.1"))
    assert_same_graphs(catalogue_graphs(app, ckan_config, monkeypatch, cached=False), cached)


def test_the_catalogue_is_served_whole_when_redis_is_unreachable(app, catalogue, ckan_config, monkeypatch):
    without = catalogue_graphs(app, ckan_config, monkeypatch, cached=False)
    monkeypatch.setitem(ckan_config, "ckan.redis.url", "redis://127.0.0.1:1/0")  # nothing listens there
    from ckan.lib import redis as ckan_redis
    monkeypatch.setattr(ckan_redis, "_connection_pool", None, raising=False)
    assert_same_graphs(without, catalogue_graphs(app, ckan_config, monkeypatch, cached=True))
