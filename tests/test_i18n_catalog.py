"""Every string the extension shows is translated into Thai, and templates show no bare literals."""
from __future__ import annotations

import io
import os
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import ckanext.provincial as provincial
from ckanext.provincial import i18n

pytestmark = pytest.mark.unit

PACKAGE_DIR = os.path.dirname(provincial.__file__)
TEMPLATES_DIR = os.path.join(PACKAGE_DIR, "templates")
THAI_PO = os.path.join(os.path.dirname(i18n.__file__), "th", "LC_MESSAGES", "ckanext-provincial.po")

# setup.py's message_extractors: the first matching pattern wins, and CKAN's
# Jinja extractor goes by its import path (no pkg_resources for entry points).
METHOD_MAP = [
    ("assets/vendor/**", "ignore"),
    ("assets/node_modules/**", "ignore"),
    ("**.py", "python"),
    ("**.js", "javascript"),
    ("**/templates/**.html", "ckan.lib.extract:extract_ckan"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "ungettext": (1, 2), "N_": None}


def extracted_msgids() -> set[str | tuple[str, str]]:
    """Each message of the code and templates: a msgid, or (singular, plural) of ngettext."""
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        PACKAGE_DIR, method_map=METHOD_MAP, keywords=KEYWORDS, options_map={"**/templates/**.html": {"trimmed": "True"}}
    ):
        if isinstance(message, tuple):
            message = message if len(message) > 1 and message[1] else message[0]
        if message:
            found.add(message)
    return found


def translated_msgids(catalog) -> set[str | tuple[str, str]]:
    """Messages with every form translated: plural entries as (singular, plural), which
    ngettext needs, and by their singular, which is all _() of the same text needs."""
    done = set()
    for m in catalog:
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else (m.string,)):
            done.add(m.id)
            if isinstance(m.id, tuple):
                done.add(m.id[0])
    return done


def test_every_extension_message_has_a_thai_translation():
    with open(THAI_PO, "rb") as po_file:
        translated = translated_msgids(read_po(po_file, locale="th"))
    missing = sorted(map(str, extracted_msgids() - translated))
    assert not missing, f"{len(missing)} messages lack a Thai translation in {THAI_PO}: {missing[:20]}"


def test_plural_entries_count_as_translated_only_with_their_plural():
    catalog = read_po(io.BytesIO(
        b'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        b'msgid "{n} issue"\nmsgid_plural "{n} issues"\nmsgstr[0] "{n} x"\n\n'
        b'msgid "{n} row"\nmsgid_plural "{n} rows"\nmsgstr[0] ""\n'), locale="th")
    assert translated_msgids(catalog) == {("{n} issue", "{n} issues"), "{n} issue"}


# Anything between tags or in these attributes is shown to a person.
VISIBLE_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label", "label")
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?%}.*?{%-?\s*endtrans\s*-?%}", re.S)
JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)
SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]*>", re.S)
ATTRIBUTE = re.compile(r'\b(' + "|".join(VISIBLE_ATTRIBUTES) + r')\s*=\s*"([^"]*)"', re.I)
LETTER = re.compile(r"[A-Za-z\u0E01-\u0E5B]")
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.I)
# Text that code reads, not a person: the DataStore's row-number column, and the spacer
# column that CKAN's datatablesview.js finds by its text (th:contains("colspacer")).
IDENTIFIERS = {"_id", "colspacer"}


def literals_in(source: str) -> list[str]:
    """Visible text of a template that is not produced by a Jinja expression or tag."""
    found = []
    without_code = TRANS_BLOCK.sub(" ", SCRIPT_STYLE.sub(" ", source))
    for _name, value in ATTRIBUTE.findall(without_code):
        if LETTER.search(JINJA.sub(" ", value)):
            found.append(value.strip())
    text = ENTITY.sub(" ", TAG.sub(" ", JINJA.sub(" ", without_code)))
    found.extend(chunk.strip() for chunk in text.split("\n") if LETTER.search(chunk) and chunk.strip() not in IDENTIFIERS)
    return found


def template_files():
    for folder, _dirs, files in os.walk(TEMPLATES_DIR):
        for name in files:
            if name.endswith(".html"):
                yield os.path.join(folder, name)


# Print documents set in both languages at once (Thai, English beneath), whatever the reader's language:
# their text is the document's, not the interface's, so it does not go through the catalogs.
BILINGUAL_DOCUMENTS = {os.path.join("committee_report", "report.html")}


@pytest.mark.parametrize("path", sorted(p for p in template_files()
                                        if os.path.relpath(p, TEMPLATES_DIR) not in BILINGUAL_DOCUMENTS),
                         ids=lambda p: os.path.relpath(p, TEMPLATES_DIR))
def test_templates_have_no_untranslated_visible_literals(path):
    with open(path, encoding="utf-8") as template:
        assert literals_in(template.read()) == []


def test_the_literal_scanner_catches_bare_text():
    assert literals_in('<p>Gap analysis</p><a title="Open">{{ _("x") }}</a>') == ["Open", "Gap analysis"]
    assert literals_in("<p>{{ _('Gap analysis') }}</p>{% trans %}x{% endtrans %}") == []
    assert literals_in('<th data-name="_id">_id</th>\n<th id="_colspacer">colspacer</th>\n{{ x }}&nbsp;&#10;') == []
    assert literals_in("<th>\ncolspacer table\n</th>") == ["colspacer table"]
