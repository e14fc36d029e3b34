"""One Buddhist-era rule, in thai_dates, followed by every reader of dates (pure)."""
import datetime

import pytest

from ckanext.provincial import thai_dates

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("year, buddhist, common", [(2566, True, 2023), (2400, True, 1857), (2399, False, 2399),
                                                    (2023, False, 2023)])
def test_one_buddhist_era_rule_a_year_from_2400_on(year, buddhist, common):
    assert thai_dates.is_buddhist_year(year) is buddhist
    assert thai_dates.common_era(year) == common


@pytest.mark.parametrize("value, expected", [
    ("2024-03-01", datetime.date(2024, 3, 1)),
    ("2567-03-01", datetime.date(2024, 3, 1)),
    ("2567-03-01T00:00:00+07:00", datetime.date(2024, 3, 1)),
    (datetime.date(2567, 3, 1), datetime.date(2024, 3, 1)),
    ("1 มี.ค. 2567", None),   # people's writing: parse_text, not the ISO reader
])
def test_iso_reader_applies_the_same_rule(value, expected):
    assert thai_dates.parse(value) == expected


def test_freshness_table_types_and_form_validators_use_the_rule_from_here():
    """The Buddhist-era rule lives once: the other readers follow it rather than repeat 543."""
    from ckanext.provincial import freshness
    from ckanext.provincial.tables import types
    from ckanext.provincial.validators import schema as rules

    assert freshness.parse_date("2400-01-01") == datetime.date(1857, 1, 1)
    assert types.convert("1/1/2400", types.DATE) == datetime.date(1857, 1, 1)
    with pytest.raises(ValueError) as refused:
        rules.parse_iso_date("2400-01-01")
    assert refused.value.args == ("buddhist", 2400)
