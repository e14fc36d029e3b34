"""The operator-edited files (PMQA, development issues, national categories): loading and error reports."""
from __future__ import annotations

import os
import textwrap

import pytest

from ckanext.provincial import development_issues, schemas, vocabulary
from ckanext.provincial.vocabulary import VocabularyFileError

pytestmark = pytest.mark.unit


def write(folder, name: str, text: str) -> str:
    path = os.path.join(str(folder), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(textwrap.dedent(text).lstrip("\n"))
    return path


PMQA_OK = """
categories:
  - code: "4"
    name:
      th: การวัด การวิเคราะห์ และการจัดการความรู้
      en: Measurement, analysis and knowledge management
    items:
      - code: "4.1"
        name:
          th: การวัด
          en: Measurement
"""


# ------------------------------------------------------- shipped files --

def test_shipped_pmqa_file_has_categories_1_to_7_and_items_of_category_4():
    pmqa = vocabulary.load_pmqa(schemas.path("pmqa.yaml"))

    assert [term.code for term in pmqa.categories()] == ["1", "2", "3", "4", "5", "6", "7"]
    assert [term.code for term in pmqa.items_of("4")] == ["4.1", "4.2"]
    assert pmqa.get("4").name.th == "การวัด การวิเคราะห์ และการจัดการความรู้"
    assert pmqa.get("4.2").name.in_language("en").startswith("Management of knowledge")
    assert pmqa.get("4.1").parent == "4"


def test_shipped_national_categories_are_01_to_07():
    categories = vocabulary.load_national_categories(schemas.path("national_categories.yaml"))

    assert [c.code for c in categories] == ["01", "02", "03", "04", "05", "06", "07"]
    assert categories[1].name.th == "ประเด็นการพัฒนา"


def test_shipped_pathum_thani_issue_has_three_sub_issues_and_four_focus_areas():
    catalogue = development_issues.load_directory(schemas.path("development_issues"))
    pathum_thani = catalogue.of_province("13")

    issue = catalogue.get("13-livable-industry")
    assert issue.name.th == "เมืองน่าอยู่คู่อุตสาหกรรม"
    assert issue.kind == development_issues.ISSUE
    assert [i.name.th for i in catalogue.children("13-livable-industry")] == ["เมืองสะอาด", "เมืองเชื่อมโยง", "เมืองปลอดภัย"]
    focus = [i.name.th for i in pathum_thani if i.kind == development_issues.FOCUS_AREA]
    assert focus == ["อุตสาหกรรม", "หมู่บ้านจัดสรร", "การยกระดับการเกษตร", "การท่องเที่ยว"]
    assert catalogue.ancestors("13-livable-industry-clean") == ["13-livable-industry"]


def test_shipped_saraburi_file_covers_its_plan_themes():
    catalogue = development_issues.load_directory(schemas.path("development_issues"))
    saraburi = catalogue.of_province("19")

    top = [i.code for i in saraburi if i.parent is None]
    assert top == ["19-industry-logistics", "19-agriculture", "19-tourism", "19-quality-of-life"]
    assert all(i.code.startswith("19-") for i in saraburi)
    assert catalogue.provinces[1].province.en == "Saraburi"


# ------------------------------------------------------------- PMQA rules --

def test_pmqa_ancestors_follow_the_code():
    assert vocabulary.pmqa_ancestors("4.1") == ["4"]
    assert vocabulary.pmqa_ancestors("4") == []


def test_valid_minimal_pmqa_file_loads(tmp_path):
    pmqa = vocabulary.load_pmqa(write(tmp_path, "pmqa.yaml", PMQA_OK))

    assert pmqa.codes() == ["4", "4.1"]
    assert pmqa.get("4.1").line == 7


@pytest.mark.parametrize(
    "text, line, reason",
    [
        (  # unquoted decimal code: YAML reads 4.1 as a number
            """
            categories:
              - code: "4"
                name: {th: หมวด 4, en: Category 4}
                items:
                  - code: 4.1
                    name: {th: ข้อ 4.1, en: Item 4.1}
            """,
            5, "must be written in quotes",
        ),
        (
            """
            categories:
              - code: "4"
                name: {th: หมวด 4, en: Category 4}
              - code: "4"
                name: {th: ซ้ำ, en: Twice}
            """,
            4, 'the code "4" is used twice (also at line 2)',
        ),
        (
            """
            categories:
              - code: "4"
                nmae: {th: หมวด 4, en: Category 4}
            """,
            3, 'unknown key "nmae"',
        ),
        (
            """
            categories:
              - code: "4"
                name:
                  th: หมวด 4
            """,
            3, "has no English (en) text",
        ),
        (
            """
            categories:
              - code: "4"
                name: {th: หมวด 4, en: Category 4}
                items:
                  - code: "5.1"
                    name: {th: ข้อ, en: Item}
            """,
            5, 'its code must start with "4."',
        ),
        (
            """
            categories:
              - code: "4"
                name: {th: หมวด 4, en: Category 4
            """,
            4, "not valid YAML",
        ),
        (
            """
            categories:
              - code: "4"
                code: "5"
                name: {th: หมวด 4, en: Category 4}
            """,
            3, 'the key "code" appears twice',
        ),
        (
            """
            categories:
              - code: "four"
                name: {th: หมวด 4, en: Category 4}
            """,
            2, 'the code "four" is not valid',
        ),
        ("categories:\n", 1, '"categories:" is missing or empty'),
    ],
)
def test_malformed_pmqa_file_is_reported_with_file_line_and_reason(tmp_path, text, line, reason):
    path = write(tmp_path, "pmqa.yaml", text)

    with pytest.raises(VocabularyFileError) as raised:
        vocabulary.load_pmqa(path)

    assert raised.value.path == path
    assert raised.value.line == line
    assert reason in str(raised.value)
    assert str(raised.value).startswith(f"{path}, line {line}: ")


def test_empty_file_is_reported(tmp_path):
    path = write(tmp_path, "pmqa.yaml", "# nothing yet\n")

    with pytest.raises(VocabularyFileError, match="the file is empty"):
        vocabulary.load_pmqa(path)


def test_error_message_is_translated_with_the_given_gettext(tmp_path):
    path = write(tmp_path, "pmqa.yaml", "categories:\n  - code: 4\n    name: {th: ก, en: A}\n")
    with pytest.raises(VocabularyFileError) as raised:
        vocabulary.load_pmqa(path)

    catalogue = {
        "{file}, line {line}": "{file} บรรทัด {line}",
        'the code {value} must be written in quotes, like "{value}", so that it is read as text': "รหัส {value} ต้องอยู่ในเครื่องหมายคำพูด",
    }
    message = raised.value.message(lambda s: catalogue.get(s, s))

    assert message == f"{path} บรรทัด 2: รหัส 4 ต้องอยู่ในเครื่องหมายคำพูด"


def test_cached_load_rereads_a_changed_file(tmp_path):
    path = write(tmp_path, "pmqa.yaml", PMQA_OK)
    first = vocabulary.cached(vocabulary.load_pmqa, path)
    assert vocabulary.cached(vocabulary.load_pmqa, path) is first

    write(tmp_path, "pmqa.yaml", PMQA_OK.replace("en: Measurement\n", "en: Measuring performance, renamed\n"))

    assert vocabulary.cached(vocabulary.load_pmqa, path).get("4.1").name.en == "Measuring performance, renamed"


# ------------------------------------------------- development issue rules --

ISSUES_13 = """
province_code: "13"
issues:
  - code: 13-livable-industry
    name: {th: เมืองน่าอยู่คู่อุตสาหกรรม, en: A livable city alongside industry}
    sub_issues:
      - code: 13-livable-industry-clean
        name: {th: เมืองสะอาด, en: Clean city}
focus_areas:
  - code: 13-focus-tourism
    name: {th: การท่องเที่ยว, en: Tourism}
"""


def test_issue_directory_loads_kinds_parents_and_positions(tmp_path):
    write(tmp_path, "13.yaml", ISSUES_13)

    catalogue = development_issues.load_directory(str(tmp_path))

    assert [(i.code, i.kind, i.parent, i.position) for i in catalogue.all()] == [
        ("13-livable-industry", "issue", None, 0),
        ("13-livable-industry-clean", "sub_issue", "13-livable-industry", 1),
        ("13-focus-tourism", "focus_area", None, 2),
    ]
    assert catalogue.provinces[0].province.th == "ปทุมธานี"


@pytest.mark.parametrize(
    "name, text, line, reason",
    [
        ("13.yaml", ISSUES_13.replace("code: 13-focus-tourism", "code: 19-focus-tourism"), 9,
         'must start with this file\'s province code "13-"'),
        ("13.yaml", ISSUES_13.replace("13-livable-industry-clean", "13-Livable-Clean"), 6, 'the code "13-Livable-Clean" is not valid'),
        ("13.yaml", ISSUES_13.replace('province_code: "13"', "province_code: 13"), 1, "must be written in quotes"),
        ("13.yaml", ISSUES_13.replace('province_code: "13"', 'province_code: "99"'), 1, '"99" is not a province code'),
        ("19.yaml", ISSUES_13, 1, 'this file is named "19.yaml" but says province_code "13"'),
        ("13.yaml", ISSUES_13.replace("en: Clean city", "en: ''"), 7, "has no English (en) text"),
        ("13.yaml", ISSUES_13.replace("    name: {th: การท่องเที่ยว, en: Tourism}\n", ""), 9, 'the entry has no "name"'),
    ],
)
def test_malformed_issue_file_is_reported_with_file_line_and_reason(tmp_path, name, text, line, reason):
    path = write(tmp_path, name, text)

    with pytest.raises(VocabularyFileError) as raised:
        development_issues.load_directory(str(tmp_path))

    assert raised.value.path == path
    assert raised.value.line == line
    assert reason in str(raised.value)


def test_issue_codes_are_unique_across_province_files(tmp_path):
    write(tmp_path, "13.yaml", ISSUES_13)
    write(tmp_path, "19.yaml", """
        province_code: "19"
        issues:
          - code: 19-tourism
            name: {th: ท่องเที่ยว, en: Tourism}
          - code: 19-tourism
            name: {th: ท่องเที่ยว, en: Tourism}
    """)

    with pytest.raises(VocabularyFileError, match=r'the code "19-tourism" is used twice \(also at line 3\)') as raised:
        development_issues.load_directory(str(tmp_path))
    assert raised.value.line == 5


def test_sub_issues_cannot_nest_further(tmp_path):
    write(tmp_path, "13.yaml", ISSUES_13.replace(
        "        name: {th: เมืองสะอาด, en: Clean city}\n",
        "        name: {th: เมืองสะอาด, en: Clean city}\n        sub_issues: []\n",
    ))

    with pytest.raises(VocabularyFileError, match='unknown key "sub_issues"'):
        development_issues.load_directory(str(tmp_path))


def test_national_category_code_must_be_a_group_name(tmp_path):
    path = write(tmp_path, "national_categories.yaml", """
        categories:
          - code: "01"
            name: {th: แผนแม่บทภายใต้ยุทธศาสตร์ชาติ, en: Master plans}
          - code: "0 2"
            name: {th: ประเด็นการพัฒนา, en: Development issues}
    """)

    with pytest.raises(VocabularyFileError) as raised:
        vocabulary.load_national_categories(path)
    assert raised.value.line == 4
    assert 'the code "0 2" is not valid' in str(raised.value)
