"""Development issues of each province (ประเด็นการพัฒนา), from one YAML file per province.

Pure module (no CKAN). ``schemas/development_issues/<province code>.yaml``
lists a province's development issues, their sub-issues and its focus areas;
each gets a stable code that datasets store and that names its CKAN group
page. Malformed files are reported as
:class:`~ckanext.provincial.vocabulary.VocabularyFileError` (file, line, reason).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional

import geothai

from ckanext.provincial.vocabulary import (
    N_,
    Located,
    Text,
    VocabularyFileError,
    check_keys,
    code_of,
    entries,
    read_yaml,
    text_of,
    unique,
)

ISSUE = "issue"
SUB_ISSUE = "sub_issue"
FOCUS_AREA = "focus_area"

KIND_LABELS = {
    ISSUE: N_("Development issue"),
    SUB_ISSUE: N_("Sub-issue"),
    FOCUS_AREA: N_("Focus area"),
}

# A code is also the CKAN group name: lowercase, digits and "-", at most 100.
ISSUE_CODE = re.compile(r"^(?=.{4,100}$)[0-9]{2}-[a-z0-9]+(-[a-z0-9]+)*$")
PROVINCE_CODE = re.compile(r"^[0-9]{2}$")


@dataclass(frozen=True)
class DevelopmentIssue:
    code: str
    province_code: str
    kind: str
    name: Text
    description: Optional[Text]
    parent: Optional[str]
    position: int
    path: str
    line: int


@dataclass(frozen=True)
class ProvinceIssues:
    province_code: str
    province: Text
    path: str
    issues: tuple[DevelopmentIssue, ...]


@dataclass(frozen=True)
class IssueCatalogue:
    """Every province's issues, in file order (parents before their sub-issues)."""

    provinces: tuple[ProvinceIssues, ...]

    def all(self) -> list[DevelopmentIssue]:
        return [issue for province in self.provinces for issue in province.issues]

    def get(self, code: str) -> Optional[DevelopmentIssue]:
        return next((issue for issue in self.all() if issue.code == code), None)

    def of_province(self, province_code: str) -> list[DevelopmentIssue]:
        return [issue for issue in self.all() if issue.province_code == province_code]

    def children(self, code: str) -> list[DevelopmentIssue]:
        return [issue for issue in self.all() if issue.parent == code]

    def ancestors(self, code: str) -> list[str]:
        found, issue = [], self.get(code)
        while issue and issue.parent:
            found.append(issue.parent)
            issue = self.get(issue.parent)
        return found


def province_name(code: str) -> Optional[Text]:
    province = geothai.province(code)
    return Text(province.name_th, province.name_en) if province else None


def _issue_code(entry: Located, path: str, province_code: str) -> str:
    code = code_of(
        entry, path, ISSUE_CODE,
        N_("use the province code, \"-\" and lowercase words a-z or digits joined by \"-\", such as \"13-livable-industry\" (at most 100 characters)"),
    )
    if not code.startswith(province_code + "-"):
        raise VocabularyFileError(
            path, entry.line_of("code"), N_('the code "{code}" must start with this file\'s province code "{province}-"'),
            code=code, province=province_code,
        )
    return code


def load_province_file(path: str, seen: Optional[dict] = None) -> ProvinceIssues:
    """Read and check one province's file (see ``schemas/development_issues/13.yaml``)."""
    seen = {} if seen is None else seen
    data = read_yaml(path)
    check_keys(data, path, ("province_code", "issues", "focus_areas"), required=("province_code",))
    province_code = data["province_code"]
    line = data.line_of("province_code")
    if not isinstance(province_code, str):
        raise VocabularyFileError(
            path, line, N_('the code {value} must be written in quotes, like "{value}", so that it is read as text'),
            value=province_code,
        )
    province = province_name(province_code) if PROVINCE_CODE.match(province_code) else None
    if province is None:
        raise VocabularyFileError(
            path, line, N_('"{value}" is not a province code (two digits of TIS 1099, such as "13" for Pathum Thani)'),
            value=province_code,
        )
    expected = os.path.splitext(os.path.basename(path))[0]
    if expected != province_code:
        raise VocabularyFileError(
            path, line, N_('this file is named "{name}" but says province_code "{code}"; name it {code}.yaml'),
            name=os.path.basename(path), code=province_code,
        )
    if not data.get("issues") and not data.get("focus_areas"):
        raise VocabularyFileError(path, data.line, N_('the file lists no "issues:" and no "focus_areas:"'))

    found: list[DevelopmentIssue] = []

    def add(entry: Located, kind: str, parent: Optional[str]) -> None:
        allowed = ("code", "name", "description") + (("sub_issues",) if parent is None else ())
        check_keys(entry, path, allowed, required=("code", "name"))
        code = _issue_code(entry, path, province_code)
        unique(code, entry.line_of("code"), seen, path)
        found.append(DevelopmentIssue(
            code=code, province_code=province_code, kind=kind,
            name=text_of(entry, "name", path), description=text_of(entry, "description", path, required=False),
            parent=parent, position=len(found), path=path, line=entry.line,
        ))
        if parent is None:
            for sub_issue in entries(entry, "sub_issues", path, required=False):
                add(sub_issue, SUB_ISSUE, code)

    for key, kind in (("issues", ISSUE), ("focus_areas", FOCUS_AREA)):
        for entry in entries(data, key, path, required=False):
            add(entry, kind, None)
    return ProvinceIssues(province_code, province, path, tuple(found))


def load_directory(directory: str) -> IssueCatalogue:
    """Every ``<province code>.yaml`` of ``directory``; codes are unique across files."""
    if not os.path.isdir(directory):
        raise VocabularyFileError(directory, None, N_("the folder of development issue files does not exist"))
    seen: dict = {}
    provinces: list[ProvinceIssues] = []
    for name in sorted(os.listdir(directory)):
        if name.endswith((".yaml", ".yml")):
            province = load_province_file(os.path.join(directory, name), seen)
            twin = next((p for p in provinces if p.province_code == province.province_code), None)
            if twin:
                raise VocabularyFileError(
                    province.path, None, N_("province {code} already has a file: {other}"),
                    code=province.province_code, other=twin.path,
                )
            provinces.append(province)
    return IssueCatalogue(tuple(provinces))
