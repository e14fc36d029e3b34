"""Operator-edited code lists: PMQA 4.0 and the national area-based group categories.

Pure module (no CKAN): it reads the YAML files under ``schemas/`` (or the files
named in the configuration), checks them, and returns plain frozen records.
Every problem is reported as a :class:`VocabularyFileError` naming the file,
the line and the reason, so an operator can fix the file from the message
alone. The YAML helpers here are shared with :mod:`development_issues`.

Reasons are English message ids marked with ``N_``; whoever shows them
translates them (``VocabularyFileError.message(toolkit._)``).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

import yaml


def N_(message: str) -> str:
    return message


# ------------------------------------------------------------------ errors --

class VocabularyFileError(ValueError):
    """A vocabulary file that cannot be used, with where and why."""

    def __init__(self, path: str, line: Optional[int], reason: str, **params: Any):
        self.path = path
        self.line = line
        self.reason = reason
        self.params = params
        super().__init__(self.message())

    # Parameters that are themselves message ids (marked with N_).
    TRANSLATED_PARAMS = ("rule", "language")

    def message(self, gettext: Callable[[str], str] = lambda s: s) -> str:
        params = {
            key: gettext(value) if key in self.TRANSLATED_PARAMS and isinstance(value, str) else value
            for key, value in self.params.items()
        }
        reason = gettext(self.reason).format(**params)
        if self.line:
            where = gettext("{file}, line {line}").format(file=self.path, line=self.line)
        else:
            where = self.path
        return f"{where}: {reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.path, "line": self.line, "reason": self.message()}


# ------------------------------------------------------ YAML with lines --

class Located(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    path = ""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise VocabularyFileError(
                    self.path, key_node.start_mark.line + 1,
                    N_('the key "{key}" appears twice in the same entry (first on line {first})'),
                    key=key, first=seen[key],
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _construct_located(loader: _LineLoader, node):
    data = Located()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    data.update(loader.construct_mapping(node, deep=True))
    for key_node, _value_node in node.value:
        data.key_lines[loader.construct_object(key_node, deep=True)] = key_node.start_mark.line + 1


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_located)


def read_yaml(path: str) -> Located:
    """Parse a YAML file whose top level is a mapping; mappings come back as :class:`Located`."""
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except OSError as error:
        raise VocabularyFileError(path, None, N_("the file cannot be read: {error}"), error=error.strerror or error)
    except UnicodeDecodeError:
        raise VocabularyFileError(path, None, N_("the file is not UTF-8 text; save it as UTF-8"))
    loader = _LineLoader(text)
    loader.path = path
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise VocabularyFileError(
            path, mark.line + 1 if mark else None,
            N_("this is not valid YAML: {problem}"), problem=error.problem or error.context,
        )
    except yaml.YAMLError as error:
        raise VocabularyFileError(path, None, N_("this is not valid YAML: {problem}"), problem=error)
    finally:
        loader.dispose()
    if data is None:
        raise VocabularyFileError(path, None, N_("the file is empty"))
    if not isinstance(data, Located):
        raise VocabularyFileError(path, 1, N_("the file must be a set of keys (such as \"categories:\"), not a list or a value"))
    return data


# ------------------------------------------------------- field checks --

def check_keys(entry: Located, path: str, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
    allowed = tuple(allowed)
    for key in entry:
        if key not in allowed:
            raise VocabularyFileError(
                path, entry.line_of(key), N_('unknown key "{key}" (expected one of: {allowed})'),
                key=key, allowed=", ".join(allowed),
            )
    for key in required:
        if entry.get(key) in (None, ""):
            raise VocabularyFileError(path, entry.line, N_('the entry has no "{key}"'), key=key)


def entries(parent: Located, key: str, path: str, required: bool = True) -> list[Located]:
    """The list under ``key``: each element must be a mapping."""
    value = parent.get(key)
    if value is None:
        if required:
            raise VocabularyFileError(path, parent.line, N_('"{key}:" is missing or empty'), key=key)
        return []
    if not isinstance(value, list):
        raise VocabularyFileError(path, parent.line_of(key), N_('"{key}:" must be a list of entries, each starting with "- "'), key=key)
    for element in value:
        if not isinstance(element, Located):
            raise VocabularyFileError(
                path, parent.line_of(key), N_('every entry under "{key}:" must have keys (code, name...), found "{value}"'),
                key=key, value=element,
            )
    return value


def code_of(entry: Located, path: str, pattern: re.Pattern, rule: str) -> str:
    """The entry's ``code``: text matching ``pattern`` (``rule`` explains it)."""
    value = entry.get("code")
    line = entry.line_of("code")
    if value is None or value == "":
        raise VocabularyFileError(path, entry.line, N_('the entry has no "code"'))
    if not isinstance(value, str):
        raise VocabularyFileError(
            path, line, N_('the code {value} must be written in quotes, like "{value}", so that it is read as text'),
            value=value,
        )
    if not pattern.match(value):
        raise VocabularyFileError(path, line, N_('the code "{value}" is not valid: {rule}'), value=value, rule=rule)
    return value


@dataclass(frozen=True)
class Text:
    """A text in Thai (first) and English."""

    th: str
    en: str

    def in_language(self, language: str) -> str:
        return self.en if (language or "").lower().startswith("en") else self.th


def text_of(entry: Located, key: str, path: str, required: bool = True) -> Optional[Text]:
    """``key: {th: ..., en: ...}``: Thai and English are both needed."""
    value = entry.get(key)
    if value is None:
        if required:
            raise VocabularyFileError(path, entry.line, N_('the entry has no "{key}" (give th: and en:)'), key=key)
        return None
    if not isinstance(value, Located):
        raise VocabularyFileError(
            path, entry.line_of(key), N_('"{key}" must have a Thai and an English text, as "th:" and "en:" on the lines below it'),
            key=key,
        )
    check_keys(value, path, ("th", "en"))
    texts = {}
    for language in ("th", "en"):
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            raise VocabularyFileError(
                path, value.line_of(language) if language in value else entry.line_of(key),
                N_('"{key}" has no {language} text'),
                key=key, language=N_("Thai (th)") if language == "th" else N_("English (en)"),
            )
        texts[language] = " ".join(text.split())
    return Text(**texts)


def unique(code: str, line: int, seen: dict[str, tuple[str, int]], path: str) -> None:
    if code in seen:
        first_path, first_line = seen[code]
        where = f"line {first_line}" if first_path == path else f"{first_path}, line {first_line}"
        raise VocabularyFileError(path, line, N_('the code "{code}" is used twice (also at {where})'), code=code, where=where)
    seen[code] = (path, line)


# ----------------------------------------------------------------- cache --

_CACHE: dict[tuple, tuple] = {}


def stamp(path: str) -> tuple:
    """What changes when a file, or a directory's YAML files, change."""
    if os.path.isdir(path):
        return tuple(
            (name,) + stamp(os.path.join(path, name))
            for name in sorted(os.listdir(path)) if name.endswith((".yaml", ".yml"))
        )
    status = os.stat(path)
    return (status.st_mtime_ns, status.st_size)


def cached(load: Callable[[str], Any], path: str) -> Any:
    """``load(path)``, parsed again only when the file changes on disk."""
    key = (load.__module__, load.__name__, os.path.abspath(path))
    current = stamp(path)
    hit = _CACHE.get(key)
    if hit and hit[0] == current:
        return hit[1]
    value = load(path)
    _CACHE[key] = (current, value)
    return value


# ------------------------------------------------------------------ PMQA --

PMQA_CATEGORY_CODE = re.compile(r"^[0-9]{1,2}$")
PMQA_ITEM_CODE = re.compile(r"^[0-9]{1,2}\.[0-9A-Za-z]{1,4}$")


@dataclass(frozen=True)
class PmqaTerm:
    """A PMQA 4.0 category (หมวด) or one of its items (e.g. 4.1)."""

    code: str
    name: Text
    description: Optional[Text]
    parent: Optional[str]
    line: int

    @property
    def is_category(self) -> bool:
        return self.parent is None


@dataclass(frozen=True)
class PmqaVocabulary:
    path: str
    terms: tuple[PmqaTerm, ...]

    def codes(self) -> list[str]:
        return [term.code for term in self.terms]

    def get(self, code: str) -> Optional[PmqaTerm]:
        return next((term for term in self.terms if term.code == code), None)

    def categories(self) -> list[PmqaTerm]:
        return [term for term in self.terms if term.is_category]

    def items_of(self, category: str) -> list[PmqaTerm]:
        return [term for term in self.terms if term.parent == category]


def pmqa_ancestors(code: str) -> list[str]:
    """``"4.1"`` → ``["4"]``: an item's code starts with its category's (the loader enforces it)."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def load_pmqa(path: str) -> PmqaVocabulary:
    """Read and check the PMQA file (see ``schemas/pmqa.yaml`` for its form)."""
    data = read_yaml(path)
    check_keys(data, path, ("categories",))
    seen: dict[str, tuple[str, int]] = {}
    terms: list[PmqaTerm] = []
    for category in entries(data, "categories", path):
        check_keys(category, path, ("code", "name", "description", "items"), required=("code", "name"))
        code = code_of(category, path, PMQA_CATEGORY_CODE, N_("a category code is its number, such as \"4\""))
        unique(code, category.line_of("code"), seen, path)
        terms.append(PmqaTerm(code, text_of(category, "name", path), text_of(category, "description", path, False), None, category.line))
        for item in entries(category, "items", path, required=False):
            check_keys(item, path, ("code", "name", "description"), required=("code", "name"))
            item_code = code_of(item, path, PMQA_ITEM_CODE, N_("an item code is the category number, a dot and the item number, such as \"4.1\""))
            if not item_code.startswith(code + "."):
                raise VocabularyFileError(
                    path, item.line_of("code"), N_('the item "{item}" is listed under category "{category}"; its code must start with "{category}."'),
                    item=item_code, category=code,
                )
            unique(item_code, item.line_of("code"), seen, path)
            terms.append(PmqaTerm(item_code, text_of(item, "name", path), text_of(item, "description", path, False), code, item.line))
    return PmqaVocabulary(path, tuple(terms))


# --------------------------------------------- national group categories --

GROUP_NAME_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")


@dataclass(frozen=True)
class NationalCategory:
    """One of the national area-based catalogues' group categories (01-07)."""

    code: str
    name: Text
    description: Optional[Text]
    line: int


def load_national_categories(path: str) -> tuple[NationalCategory, ...]:
    data = read_yaml(path)
    check_keys(data, path, ("categories",))
    seen: dict[str, tuple[str, int]] = {}
    found = []
    for category in entries(data, "categories", path):
        check_keys(category, path, ("code", "name", "description"), required=("code", "name"))
        code = code_of(
            category, path, GROUP_NAME_CODE,
            N_("use 2 to 100 lowercase letters a-z, digits, \"-\" or \"_\", such as \"01\""),
        )
        unique(code, category.line_of("code"), seen, path)
        found.append(NationalCategory(code, text_of(category, "name", path), text_of(category, "description", path, False), category.line))
    return tuple(found)
