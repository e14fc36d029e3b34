"""The metadata quality score (after data.europa.eu's MQA): each indicator on constructed datasets."""
import copy
import json

import pytest

from ckanext.provincial import metadata_quality as mqa

pytestmark = pytest.mark.unit

UPLOAD = {"id": "r-upload", "url": "http://portal.example/dataset/x/resource/r-upload/download/a.csv",
          "url_type": "upload", "format": "CSV", "mimetype": "text/csv", "size": 1234,
          "resource_accessible_condition": "", "resource_last_updated_date": ""}
LINK = {"id": "r-link", "url": "https://agency.example.go.th/data/b.csv", "url_type": "", "format": "CSV",
        "mimetype": "text/csv", "size": 99}

FULL = {
    "id": "d-1", "name": "full", "title": "โรงงาน", "notes": "รายละเอียด",
    "tags": [{"name": "โรงงาน"}], "development_issues": ["13-industry"], "province_code": "13",
    "reference_period": "2023-01-01/2023-12-31",
    "license_id": "Open Data Common", "data_category": "ข้อมูลสาธารณะ", "data_classification": "เปิดเผย",
    "maintainer": "กลุ่มงานข้อมูล", "maintainer_email": "data@example.go.th", "owner_org": "org-1",
    "accessible_condition": "เปิดเผย", "created_date": "2020-10-01", "last_updated_date": "2024-01-31",
    "resources": [UPLOAD],
}


def full(**changes):
    dataset = copy.deepcopy(FULL)
    for key, value in changes.items():
        if value is None:
            dataset.pop(key, None)
        else:
            dataset[key] = value
    return dataset


def with_resource(**changes):
    resource = dict(UPLOAD, **changes)
    return full(resources=[{k: v for k, v in resource.items() if v is not None}])


def points(result, key):
    return next(i["points"] for i in result["indicators"] if i["key"] == key)


def test_weights_are_the_mqa_ones():
    assert mqa.MAX_TOTAL == 405
    assert mqa.DIMENSION_MAX == {"findability": 100, "accessibility": 100, "interoperability": 110,
                                 "reusability": 75, "contextuality": 20}
    assert {i.key: i.weight for i in mqa.INDICATORS} == {
        "keywords": 30, "categories": 30, "geo": 20, "time": 20,
        "access_url_status": 50, "download_url": 20, "download_url_status": 30,
        "format": 20, "media_type": 10, "format_vocabulary": 10, "non_proprietary": 20, "machine_readable": 20,
        "dcat_ap": 30,
        "license": 20, "license_vocabulary": 10, "access_restrictions": 10, "access_restrictions_vocabulary": 5,
        "contact_point": 20, "publisher": 10,
        "rights": 5, "file_size": 5, "issued": 5, "modified": 5,
    }


def test_a_complete_dataset_scores_everything():
    result = mqa.score(FULL, {})
    assert result["total"] == 405 and result["max"] == 405 and result["rating"] == "excellent"
    assert all(i["met"] for i in result["indicators"])
    assert result["improvements"] == []
    assert {d: v["score"] for d, v in result["dimensions"].items()} == mqa.DIMENSION_MAX


# (indicator, the dataset that misses it): every indicator alone, all others still met.
MISSING = [
    ("keywords", full(tags=None)),
    ("keywords", full(tags=[])),
    ("categories", full(development_issues=None)),
    ("geo", full(province_code=None)),
    ("time", full(reference_period=None)),
    ("license", full(license_id=None, data_category="ข้อมูลสาธารณะ")),
    ("license_vocabulary", full(license_id="อื่นๆ")),
    ("access_restrictions_vocabulary", full(data_category="ข้อมูลลับพิเศษ")),
    ("contact_point", full(maintainer=None, maintainer_email=None)),
    ("publisher", full(owner_org=None)),
    ("rights", full(accessible_condition=None)),
    ("issued", full(created_date=None)),
    ("modified", full(last_updated_date=None)),
    ("media_type", with_resource(mimetype=None)),
    ("file_size", with_resource(size=None)),
    ("dcat_ap", full(notes="")),
]


@pytest.mark.parametrize("key,dataset", MISSING, ids=[f"{k}-{n}" for n, (k, _d) in enumerate(MISSING)])
def test_each_indicator_alone(key, dataset):
    result = mqa.score(dataset, {})
    weight = mqa.BY_KEY[key].weight
    missed = {i["key"] for i in result["indicators"] if not i["met"]}
    if key == "license":  # no licence is no licence from the vocabulary either
        assert missed == {"license", "license_vocabulary"} and result["total"] == 405 - 30
        return
    assert missed == {key}
    assert points(result, key) == 0
    assert result["total"] == 405 - weight
    assert result["improvements"][0]["key"] == key and result["improvements"][0]["gain"] == weight


def test_categories_from_pmqa_or_a_national_group_and_geo_from_districts_or_a_box():
    assert points(mqa.score(full(development_issues=None, pmqa=["4.1"]), {}), "categories") == 30
    assert points(mqa.score(full(development_issues=None, groups=[{"name": "03"}]), {}), "categories") == 30
    assert points(mqa.score(full(province_code=None, district_codes=["1301"]), {}), "geo") == 20
    box = {"west_bound_longitude": "100.3", "east_bound_longitude": "100.9",
           "north_bound_longitude": "14.3", "south_bound_longitude": "13.9"}
    assert points(mqa.score(full(province_code=None, **box), {}), "geo") == 20
    assert points(mqa.score(full(province_code=None, west_bound_longitude="100.3"), {}), "geo") == 0
    assert points(mqa.score(full(reference_period=None, first_year_of_data="2560"), {}), "time") == 20
    assert points(mqa.score(full(tags=None, tag_string="a,b"), {}), "keywords") == 30


def test_access_restrictions_from_the_gdc_category_or_classification():
    result = mqa.score(full(data_category=None, data_classification=None), {})
    assert points(result, "access_restrictions") == 0 and points(result, "access_restrictions_vocabulary") == 0
    result = mqa.score(full(data_category=None), {})
    assert points(result, "access_restrictions") == 10 and points(result, "access_restrictions_vocabulary") == 0


def test_no_resource_loses_every_distribution_indicator_and_dcat_ap():
    result = mqa.score(full(resources=[]), {})
    for indicator in mqa.INDICATORS:
        if indicator.distribution or indicator.key == "dcat_ap":
            assert points(result, indicator.key) == 0, indicator.key
    assert result["dimensions"]["accessibility"]["score"] == 0
    assert result["total"] == 405 - 100 - 110 - 5


def test_uploads_are_reachable_even_if_listed_broken():
    result = mqa.score(FULL, {"broken": ["r-upload"], "checked": {"r-upload": {"ok": False}}})
    assert points(result, "access_url_status") == 50 and points(result, "download_url_status") == 30


def test_a_link_never_checked_gets_the_points():
    result = mqa.score(full(resources=[LINK]), {"broken": [], "checked": {}})
    assert points(result, "access_url_status") == 50
    assert points(result, "download_url") == 20 and points(result, "download_url_status") == 30
    assert mqa.score(full(resources=[LINK]), None)["total"] == 405


def test_broken_or_failed_links_lose_the_accessibility_points():
    broken = mqa.score(full(resources=[LINK]), {"broken": ["r-link"]})
    assert points(broken, "access_url_status") == 0 and points(broken, "download_url_status") == 0
    assert points(broken, "download_url") == 20  # it still names a file
    failed = mqa.score(full(resources=[LINK]), {"checked": {"r-link": {"ok": False, "status_code": 404}}})
    assert points(failed, "access_url_status") == 0
    ok = mqa.score(full(resources=[LINK]), {"checked": {"r-link": {"ok": True, "status_code": 200}}})
    assert points(ok, "access_url_status") == 50


def test_distribution_indicators_count_the_share_of_resources():
    result = mqa.score(full(resources=[UPLOAD, LINK]), {"broken": ["r-link"]})
    assert points(result, "access_url_status") == 25 and points(result, "download_url_status") == 15
    three = [dict(UPLOAD, id=str(n)) for n in range(3)]
    three[0] = dict(three[0], format="PDF")
    result = mqa.score(full(resources=three), {})
    assert points(result, "machine_readable") == 13  # 2/3 of 20, rounded
    assert points(result, "non_proprietary") == 20  # PDF is an open standard
    assert not next(i for i in result["indicators"] if i["key"] == "machine_readable")["met"]


def test_formats():
    xls = mqa.score(with_resource(format="XLSX", mimetype=None), {})
    assert points(xls, "machine_readable") == 20 and points(xls, "non_proprietary") == 0
    assert points(xls, "format_vocabulary") == 10 and points(xls, "media_type") == 0
    page = mqa.score(full(resources=[dict(LINK, format="HTML")]), {})
    assert points(page, "download_url") == 0 and points(page, "download_url_status") == 0
    assert points(page, "machine_readable") == 0
    odd = mqa.score(with_resource(format="XYZ", mimetype=None), {})
    assert points(odd, "format") == 20 and points(odd, "format_vocabulary") == 0
    none = mqa.score(with_resource(format="", mimetype=None), {})
    assert points(none, "format") == 0
    media = mqa.score(with_resource(format="text/csv", mimetype=None), {})
    assert points(media, "media_type") == 10  # ckanext-dcat writes such a format as dcat:mediaType


def test_a_resource_without_url_fails_dcat_ap_and_access():
    result = mqa.score(full(resources=[UPLOAD, dict(LINK, url="")]), {})
    assert points(result, "dcat_ap") == 0 and points(result, "access_url_status") == 25


@pytest.mark.parametrize("total,rating", [(405, "excellent"), (351, "excellent"), (350, "good"), (221, "good"),
                                          (220, "sufficient"), (121, "sufficient"), (120, "bad"), (0, "bad"),
                                          (350.5, "excellent"), (350.4, "good"), (None, None)])
def test_rating_bands(total, rating):
    assert mqa.rating(total) == rating


def test_improvements_biggest_gain_first():
    result = mqa.score(full(tags=None, rights=None, accessible_condition=None, owner_org=None), {})
    assert [i["key"] for i in result["improvements"]] == ["keywords", "publisher", "rights"]
    assert [i["gain"] for i in result["improvements"]] == [30, 10, 5]
    assert all(i["hint"] for i in result["improvements"])


def test_index_fields_from_the_stored_dataset():
    stored = full(resources=[LINK])
    pkg = {"id": "d-1", "organization": "pathum-stat", "validated_data_dict": json.dumps(stored)}
    fields = mqa.index_fields(pkg, ["13-industry", "13"], ["r-link"])
    assert fields[mqa.INDEX_TOTAL] == [str(405 - 80)]
    assert "accessibility:20" in fields[mqa.INDEX_DIMENSIONS]
    assert fields[mqa.INDEX_BY_AGENCY] == ["pathum-stat:325"]
    assert fields[mqa.INDEX_BY_ISSUE] == ["13-industry:325", "13:325"]
    pkg[mqa.BROKEN_LINKS_FIELD] = []
    assert mqa.index_fields(pkg)[mqa.INDEX_TOTAL] == ["405"]
    assert mqa.INDEX_BY_ISSUE not in mqa.index_fields(pkg)


def test_aggregate_means_from_facet_counts():
    facets = {
        mqa.INDEX_TOTAL: {"405": 1, "200": 2},
        mqa.INDEX_DIMENSIONS: {"findability:100": 1, "findability:40": 2, "contextuality:20": 3},
        mqa.INDEX_BY_AGENCY: {"a:405": 1, "b:200": 2},
        mqa.INDEX_BY_ISSUE: {"13-x:405": 1, "13-x:200": 1},
    }
    result = mqa.aggregate(facets)
    assert result["datasets"] == 3 and result["score"] == round(805 / 3, 1) and result["rating"] == "good"
    assert result["dimensions"]["findability"] == 60.0 and result["dimensions"]["contextuality"] == 20.0
    assert result["dimensions"]["accessibility"] == 0.0
    assert result["by_agency"] == {"a": {"datasets": 1, "score": 405.0}, "b": {"datasets": 2, "score": 200.0}}
    assert result["by_issue"] == {"13-x": {"datasets": 2, "score": 302.5}}
    empty = mqa.aggregate({})
    assert empty["datasets"] == 0 and empty["score"] is None and empty["rating"] is None
