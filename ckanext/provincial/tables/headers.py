"""DataStore column ids for the headers agencies write.

PostgreSQL keeps 63 bytes of a column name and a Thai character takes three,
so a Thai header of more than about 21 characters is cut, often inside a
syllable, and two long headers that share their first 63 bytes collide. Dots
are read as nested properties by the table preview, and quotes, leading or
trailing spaces, a leading underscore or an empty header are refused or
mangled by the DataStore and its clients.

Rule, applied to the headers of a table in order:

* a header that is already safe (not empty, at most ``MAX_ID_BYTES`` bytes of
  UTF-8, none of ``UNSAFE`` in it, no leading underscore or space, not a
  column name the DataStore keeps for itself, not used by an earlier column)
  is its own id;
* otherwise the id is the header without its dots (``พ.ศ.`` -> ``พศ``), each
  run of other unsafe characters and spaces made one space, trimmed, cut at a character boundary that is not a
  combining mark (a Thai vowel or tone mark is never split from its letter)
  so that a suffix fits, then ``_`` and the column's 1-based position:
  ``จำนวนผู้เยี่ยมเยือนชาวไทย_4``. An empty header becomes ``column_4``.

Ids depend only on the headers, so a reload of the same file gives the same
ids and the Data Dictionary stays attached. The full header is kept as the
column's label (``info.label``) and shown wherever people read the table.
"""
from __future__ import annotations

import re
import unicodedata

MAX_ID_BYTES = 63
# Characters that break the preview (dots), SQL quoting, JSON paths or CSV clients.
UNSAFE = frozenset('."\'`[](){}\\/|%\n\r\t;,:*?<>=#&!@$^~+')
RESERVED = frozenset({"_id", "_full_text", "oid", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"})
_SPACES = re.compile(r"\s+")


def is_safe(header: str) -> bool:
    return (
        bool(header)
        and header == header.strip()
        and not header.startswith("_")
        and header.lower() not in RESERVED
        and len(header.encode("utf-8")) <= MAX_ID_BYTES
        and not any(ch in UNSAFE for ch in header)
        and all(unicodedata.category(ch)[0] != "C" for ch in header)
    )


def _clean(header: str) -> str:
    # Abbreviation dots go (พ.ศ. -> พศ); other unsafe characters part words.
    kept = "".join("" if ch == "." else " " if ch in UNSAFE or unicodedata.category(ch)[0] == "C" else ch
                   for ch in header)
    return _SPACES.sub(" ", kept).strip().lstrip("_").strip()


def cut(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8, never after a letter
    whose combining marks would be left out."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    out, size = [], 0
    for ch in text:
        size += len(ch.encode("utf-8"))
        if size > max_bytes:
            break
        out.append(ch)
    # Drop the last base letter if its marks did not fit.
    while out and len(out) < len(text) and unicodedata.combining(text[len(out)]):
        out.pop()
        while out and unicodedata.combining(out[-1]):
            out.pop()
    return "".join(out).rstrip()


def column_ids(headers: list[str | None]) -> list[str]:
    """One unique, safe, deterministic id per header (see the module doc)."""
    ids: list[str] = []
    used: set[str] = set()
    for position, raw in enumerate(headers, start=1):
        header = "" if raw is None else str(raw)
        if is_safe(header) and header.lower() not in used:
            column = header
        else:
            suffix = f"_{position}"
            base = cut(_clean(header), MAX_ID_BYTES - len(suffix.encode("utf-8"))) or "column"
            column = base + suffix
            # A header of the file may already read like this id.
            while column.lower() in used:
                suffix += "_"
                column = cut(base, MAX_ID_BYTES - len(suffix.encode("utf-8"))) + suffix
        ids.append(column)
        used.add(column.lower())
    return ids


def label(header: str | None, position: int) -> str:
    """The header as people read it; a blank header is named by its position."""
    text = _SPACES.sub(" ", "" if header is None else str(header)).strip()
    return text or f"column {position}"
