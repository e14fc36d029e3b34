"""Character set of a text table, tuned for Thai government files.

Generic detectors (chardet, used by Frictionless and many loaders) find
TIS-620/cp874 text but with a confidence too low for their callers to trust,
who then fall back to cp1252 and store mojibake. Thai files come in three
encodings only, so the rule is short: a byte-order mark says UTF-8 with BOM,
bytes that decode as UTF-8 are UTF-8, and Thai letters in the TIS-620 range
mean cp874 (a superset of TIS-620). Anything else is left to chardet.
"""
from __future__ import annotations

import codecs
from typing import Any

SAMPLE_BYTES = 1024 * 1024

# TIS-620 Thai letters, vowels and digits (0xA1-0xFB).
_THAI_BYTES = frozenset(range(0xA1, 0xFC))


def read_sample(path: str, size: int = SAMPLE_BYTES) -> bytes:
    with open(path, "rb") as stream:
        return stream.read(size)


def _is_utf8(sample: bytes) -> bool:
    # An incremental decoder tolerates a character cut at the sample's end.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _looks_thai_single_byte(sample: bytes) -> bool:
    high = [index for index, byte in enumerate(sample) if byte >= 0x80]
    if not high:
        return False
    thai = sum(1 for index in high if sample[index] in _THAI_BYTES)
    # Thai words are runs of Thai letters; Latin-1 accents stand alone.
    in_runs = sum(
        1 for index in high
        if (index > 0 and sample[index - 1] >= 0x80) or (index + 1 < len(sample) and sample[index + 1] >= 0x80)
    )
    if thai / len(high) < 0.9 or in_runs / len(high) < 0.6:
        return False
    try:
        sample.decode("cp874")
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(sample: bytes) -> dict[str, Any]:
    """Return ``{"encoding": name, "confidence": 0..1}`` for a text sample.

    Names are Python codec names: ``utf-8-sig``, ``utf-8``, ``cp874``, or
    whatever chardet proposes for other files (``None`` when it has no idea).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return {"encoding": "utf-8-sig", "confidence": 1.0}
    if _is_utf8(sample):
        return {"encoding": "utf-8", "confidence": 1.0}
    if _looks_thai_single_byte(sample):
        return {"encoding": "cp874", "confidence": 1.0}
    import chardet

    found = chardet.detect(sample)
    name = found.get("encoding")
    return {"encoding": name.lower() if name else None, "confidence": found.get("confidence") or 0.0}


def detect_file_encoding(path: str) -> dict[str, Any]:
    return detect_encoding(read_sample(path))


def is_binary(sample: bytes) -> bool:
    """True when a sample cannot be a text table (NUL bytes or many control bytes)."""
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    control = sum(1 for byte in sample if byte < 0x09 or 0x0E <= byte < 0x20 or byte == 0x7F)
    return control / len(sample) > 0.05
