"""Quality checks (ถูกต้อง): required GDC fields, resources, URLs, declared formats."""
import pytest

from ckanext.provincial import quality

pytestmark = pytest.mark.unit


def complete(**overrides):
    dataset = {
        "title": "จำนวนโรงงาน", "owner_org": "org-1", "data_type": "ข้อมูลสถิติ", "maintainer": "กลุ่มงานสถิติ",
        "maintainer_email": "stat@example.org", "tags": [{"name": "อุตสาหกรรม"}], "notes": "รายละเอียด",
        "objective": ["พันธกิจหน่วยงาน"], "update_frequency_unit": "ปี", "geo_coverage": "จังหวัด",
        "data_source": "สำนักงานอุตสาหกรรมจังหวัด", "data_format": ["CSV", "XLS"], "data_category": "ข้อมูลสาธารณะ",
        "license_id": "Open-Data-Common",
        "resources": [{"url": "http://example.org/a.csv", "format": "CSV"},
                      {"url": "http://example.org/a.xlsx", "format": "xlsx"}],
    }
    dataset.update(overrides)
    return dataset


def test_complete_dataset_has_no_problem():
    assert quality.check(complete()) == []


@pytest.mark.parametrize("field", quality.REQUIRED_FIELDS)
@pytest.mark.parametrize("empty", ["", "   ", None, [], "[]"])
def test_each_empty_required_field_is_a_problem(field, empty):
    assert quality.check(complete(**{field: empty})) == ["missing:" + field]


def test_no_resource():
    assert quality.check(complete(resources=[])) == ["no_resource"]


def test_empty_resource_url():
    resources = [{"url": "http://example.org/a.csv", "format": "CSV"}, {"url": " ", "format": "XLSX"}]
    assert quality.check(complete(resources=resources)) == ["empty_url"]


def test_declared_format_without_matching_resource():
    resources = [{"url": "http://example.org/a.csv", "format": "CSV"}]
    assert quality.check(complete(resources=resources)) == ["format:XLS"]


def test_formats_match_through_media_types_and_case():
    resources = [{"url": "u", "format": "text/csv"},
                 {"url": "u2", "format": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}]
    assert quality.check(complete(resources=resources)) == []


@pytest.mark.parametrize("declared", ["Database", "NoSQL", "ไม่ทราบ", "อื่นๆ"])
def test_declared_values_without_a_file_format_are_not_checked(declared):
    assert quality.check(complete(data_format=[declared])) == []


def test_data_format_as_json_string_from_storage():
    assert quality.check(complete(data_format='["PDF"]')) == ["format:PDF"]


def test_search_index_form_of_a_dataset():
    indexed = complete(tags=["อุตสาหกรรม"], res_url=["http://example.org/a.csv", ""], res_format=["CSV", "XLSX"])
    del indexed["resources"]
    assert quality.check(indexed) == ["empty_url"]

    indexed_no_resource = dict(indexed, res_url=[], res_format=[])
    assert quality.check(indexed_no_resource) == ["no_resource"]


def test_several_problems_are_all_reported_in_order():
    problems = quality.check(complete(notes="", maintainer=None, resources=[{"url": "", "format": "PDF"}]))
    assert problems == ["missing:maintainer", "missing:notes", "empty_url", "format:CSV", "format:XLS"]


@pytest.mark.parametrize("status", ["failure", "error"])
def test_resource_whose_contents_fail_validation_is_a_problem_naming_it(status):
    resources = [{"url": "http://example.org/a.csv", "format": "CSV", "name": "โรงงาน 2566", "validation_status": status},
                 {"url": "http://example.org/a.xlsx", "format": "XLSX", "validation_status": "success"}]
    assert quality.check(complete(resources=resources)) == ["content:โรงงาน 2566"]


@pytest.mark.parametrize("status", ["success", "pending", None])
def test_passing_or_unchecked_contents_are_not_a_problem(status):
    resources = [{"url": "http://example.org/a.csv", "format": "CSV", "validation_status": status},
                 {"url": "http://example.org/a.xlsx", "format": "XLSX"}]
    assert quality.check(complete(resources=resources)) == []


def test_content_status_is_read_from_the_stored_dict_when_indexing():
    import json

    stored = complete(resources=[{"url": "http://example.org/a.csv", "format": "CSV", "name": "ตาราง",
                                  "validation_status": "failure"},
                                 {"url": "http://example.org/a.xlsx", "format": "XLSX"}])
    indexed = complete(res_url=["http://example.org/a.csv", "http://example.org/a.xlsx"], res_format=["CSV", "XLSX"],
                       validated_data_dict=json.dumps(stored))
    del indexed["resources"]
    assert quality.check(indexed) == ["content:ตาราง"]
