"""Template helpers of the metadata quality score: a dataset's score, an agency's or a province's means."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import metadata_quality as mqa


def quality_of(pkg: dict[str, Any]) -> dict[str, Any]:
    """The score of the dataset of the page (a ``package_show`` dict), computed live."""
    from ckanext.provincial.actions import metadata_quality as actions
    return actions.dataset_score(pkg)


def quality_summary(province_code: Optional[str] = None, organization: Optional[str] = None) -> dict[str, Any]:
    """Means over the public datasets of a province and/or an agency (organization name)."""
    from ckanext.provincial.actions import metadata_quality as actions
    return actions.summarize(None, province_code or None, organization or None)


def dimensions() -> list[dict[str, Any]]:
    """``[{"key", "label", "max"}]`` in the MQA's order, labels translated."""
    return [{"key": key, "label": toolkit._(mqa.DIMENSION_LABELS[key]), "max": mqa.DIMENSION_MAX[key]}
            for key in mqa.DIMENSIONS]


def rating_label(rating: Optional[str]) -> str:
    return toolkit._(mqa.RATING_LABELS[rating]) if rating in mqa.RATING_LABELS else toolkit._("Not rated")


def percent(value: Optional[float], maximum: Optional[float]) -> int:
    """A score as a whole percentage of its maximum (0 for none)."""
    if not value or not maximum:
        return 0
    return max(0, min(100, int(100 * float(value) / float(maximum) + 0.5)))


def get_helpers():
    return {
        "provincial_quality_of": quality_of,
        "provincial_quality_summary": quality_summary,
        "provincial_quality_dimensions": dimensions,
        "provincial_quality_rating_label": rating_label,
        "provincial_quality_percent": percent,
    }
