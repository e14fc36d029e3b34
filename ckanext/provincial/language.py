"""Which language to show: the one picker the helpers, validators, facets and vocabulary use.

Labels in this extension come in Thai and English (``{th: ..., en: ...}`` in presets.yaml
and the vocabulary files). The request's language decides; outside a request (CLI, jobs,
API calls without a locale) the portal's default, and Thai when that is unset, since the
portal is Thai first. CKAN locales may carry a region (``en_GB``): only the language counts.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

DEFAULT = "th"


def N_(message: str) -> str:
    """Marks a message for the catalogs (babel extracts ``N_``); ``toolkit._`` translates it where shown."""
    return message


def current() -> str:
    """The request's language (``th``, ``en``, ``en_GB``...); outside a request the portal's default."""
    try:
        language = toolkit.h.lang()
    except (AttributeError, RuntimeError, TypeError):
        language = None
    return language or toolkit.config.get("ckan.locale_default") or DEFAULT


def is_english(language: Optional[str] = None) -> bool:
    return (language if language is not None else current()).lower().startswith("en")


def pick(th: str, en: str, language: Optional[str] = None) -> str:
    """The Thai or English text for ``language`` (default: the current one), else the other."""
    return (en or th) if is_english(language) else (th or en)


def label_text(label: Any, language: Optional[str] = None, default: str = "") -> str:
    """A ``{th, en}`` label (as scheming and the vocabulary files write it) in ``language``.

    Falls back to the other language, then any value, then ``default``; a plain text label
    is returned as it is.
    """
    if isinstance(label, dict):
        short = (language if language is not None else current()).split("_")[0].lower()
        found = label.get(short) or pick(label.get("th") or "", label.get("en") or "", short)
        return found or next((str(v) for v in label.values() if v), "") or default
    return str(label) if label else default
