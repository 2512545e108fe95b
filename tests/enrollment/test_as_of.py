"""One parser of `as_of` for the API and exports; pages parse with the user's date formats
and check the range here too."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from enrollment.as_of import AsOfError, as_of_in_range, as_of_parse


def test_no_value_is_today_in_jakarta():
    assert as_of_parse(None) == timezone.localdate()


def test_an_iso_day_is_that_day():
    assert as_of_parse("2026-11-22") == dt.date(2026, 11, 22)


@pytest.mark.parametrize("value", ["", "22/11/2026", "2026-02-30", "2026-11-22x", "kemarin"])
def test_anything_else_is_refused_with_the_format(value):
    with translation.override("en"), pytest.raises(AsOfError) as refused:
        as_of_parse(value)
    assert str(refused.value) == "Use YYYY-MM-DD, e.g. 2026-11-22."


@pytest.mark.parametrize("value", ["1899-12-31", "3000-01-01"])
def test_a_day_outside_the_range_is_refused_with_the_range(value):
    with translation.override("en"), pytest.raises(AsOfError) as refused:
        as_of_parse(value)
    assert str(refused.value) == "Use a date from 1900-01-01 to 2999-12-31."


def test_the_ends_of_the_range_are_in_it():
    assert as_of_in_range(dt.date(1900, 1, 1)) == dt.date(1900, 1, 1)
    assert as_of_in_range(dt.date(2999, 12, 31)) == dt.date(2999, 12, 31)
