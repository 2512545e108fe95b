"""The named records of an import: one list of coverage fields shared by the file, the model
and the writes, and records small enough for a plan of 200,000 rows."""

import datetime as dt

import pytest

from enrollment.imports.apply import MEMBERSHIP_FIELDS
from enrollment.imports.columns import COLUMNS
from enrollment.imports.records import (
    COVERAGE_FIELDS,
    Coverage,
    NewMemberships,
    NewPost,
    PersonState,
    PostState,
    StoredMembership,
)
from enrollment.models import Membership

DAY = dt.date(2024, 1, 1)


def test_the_coverage_fields_are_roster_columns_and_membership_fields():
    assert COVERAGE_FIELDS == (
        "participant_category", "kpj_number", "enrolled_on", "paid_until", "funding_source",
    )  # fmt: skip
    assert set(COVERAGE_FIELDS) <= {column.key for column in COLUMNS}
    model = [field.attname for field in Membership._meta.concrete_fields]
    assert [name for name in model if name in COVERAGE_FIELDS] == list(COVERAGE_FIELDS)
    assert set(MEMBERSHIP_FIELDS) == set(model) - {"id"}


def test_empty_values_keep_the_stored_ones():
    stored = Coverage("PU", "18012345678", DAY, dt.date(2026, 12, 31), "APBDES")
    row = Coverage("", "", None, dt.date(2027, 12, 31), "")

    assert row.over(stored) == Coverage("PU", "18012345678", DAY, dt.date(2027, 12, 31), "APBDES")
    assert row.values() == {
        "participant_category": "", "kpj_number": "", "enrolled_on": None,
        "paid_until": dt.date(2027, 12, 31), "funding_source": "",
    }  # fmt: skip
    assert (row.given(), Coverage("", "", None, None, "").given()) == (True, False)


@pytest.mark.parametrize(
    "record",
    [
        PersonState(None, "3302181204800001", "Warga", "L", DAY),
        NewPost(2, "3302181204800001", "Warga", "33.02.18.2001", "KAUR", "", DAY, None),
        PostState(1, 1, "33.02.18.2001", "KAUR", "PERANGKAT", "", DAY, None, "", "", ""),
        StoredMembership(1, "JKK", Coverage("", "", None, None, "")),
        NewMemberships(
            PersonState(None, "", "", "", None), ("JKK",), Coverage("", "", None, None, "")
        ),
        Coverage("", "", None, None, ""),
    ],
    ids=lambda record: type(record).__name__,
)
def test_the_records_a_plan_keeps_per_row_are_slotted(record):
    """A plan keeps up to 200,000 of each: no instance dict, and not a tuple subclass (CPython
    allocates those one item bigger and tracks them for the collector for good)."""
    assert not hasattr(record, "__dict__")
    assert not isinstance(record, tuple)
