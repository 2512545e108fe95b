"""Property-based tests over whole rows: any row parses or yields row errors, never an exception;
whatever an import writes passes the models' full_clean; a clean file imported twice changes
nothing the second time."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrollment.imports.columns import HEADER
from enrollment.imports.engine import roster_import
from enrollment.imports.rows import map_header, parse_row
from enrollment.models import Membership
from tests.fixtures.roster.build import (
    KEDIRI,
    PANGEBATAN,
    TUBAN_VILLAGE,
    csv_bytes,
    nik,
    xlsx_bytes,
)
from villages.models import Person, Post

ANY_CELL = st.one_of(
    st.none(), st.text(max_size=30), st.integers(), st.floats(), st.dates(), st.datetimes()
)
PAST = dt.date(2015, 1, 1)

# Per column: mostly valid values, with some of every kind of mistake.
COLUMN_VALUES = {
    "kode_desa": st.sampled_from([KEDIRI, "3302182001", PANGEBATAN, "33.02.18.2999", "Kediri",
                                  TUBAN_VILLAGE]),
    "nik": st.one_of(
        st.builds(nik, st.integers(1, 12), st.sampled_from("LP")),
        st.sampled_from(["3.30218E+15", "330218******0001", "3302181204780000", "123", ""]),
    ),
    "nama": st.sampled_from(["Sugeng Riyadi", " Sri  Hartuti", "Warsito", "", "123", "=1+1"]),
    "jenis_kelamin": st.sampled_from(["", "L", "P", "laki-laki", "X"]),
    "jabatan": st.sampled_from(["Kepala Desa", "SEKDES", "Kaur", "Ketua RT", "Ketua BPD", "PKK",
                                "Linmas", "Bendahara", ""]),
    "unit": st.sampled_from(["", "RT 001 / RW 001", "RT 002 / RW 001", "Dusun Krajan"]),
    "mulai_menjabat": st.one_of(
        st.sampled_from(["", "2022-01-01", "01/02/2022", "31/02/2022", "24/04/24"]),
        st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)).map(lambda d: d.strftime("%d/%m/%Y")),
    ),
    "akhir_menjabat": st.one_of(
        st.just(""),
        st.dates(dt.date(2000, 1, 1), dt.date(2032, 12, 31)).map(lambda d: d.isoformat()),
    ),
    "nomor_kpj": st.sampled_from(["", "18012345678", "'18012345679", "18-01", "*******5678"]),
    "kategori_peserta": st.sampled_from(["", "PU", "bpu", "XX"]),
    "program": st.sampled_from(["", "JKK JKM", "JKK,JKM,JHT", "jkk/jp", "JKK+JKM"]),
    "tanggal_daftar": st.sampled_from(["", "2020-03-01", "10/06/2019", "2027-01-01"]),
    "iuran_sampai": st.sampled_from(["", "2026-12", "Desember 2026", "2026-10-31", "13/2026"]),
    "sumber_iuran": st.sampled_from(["", "APBDES", "Dana Desa", "ADD", "apbd", "BPJS"]),
}  # fmt: skip
ROWS = st.lists(st.fixed_dictionaries(COLUMN_VALUES), min_size=1, max_size=8)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@settings(max_examples=500, deadline=None)
@given(cells=st.lists(ANY_CELL, min_size=0, max_size=16))
def test_any_row_of_cells_parses_or_gives_row_errors(cells):
    header = map_header(HEADER, programs=("JKK", "JKM", "JHT", "JP", "JKP"))
    row, errors = parse_row(2, cells, header)

    if row is None:  # a cell that cannot be read; otherwise errors are between cells
        assert errors
    for error in errors:
        assert (error.row, bool(error.column), bool(error.expected)) == (2, True, True)


def _written() -> list:
    return [obj for model in (Person, Post, Membership) for obj in model.objects.all()]


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=ROWS, xlsx=st.booleans())
def test_any_file_imports_only_what_passes_full_clean_and_twice_is_idempotent(rows, xlsx):
    data = xlsx_bytes(rows) if xlsx else csv_bytes(rows)
    name = "roster.xlsx" if xlsx else "roster.csv"
    with transaction.atomic():
        first = roster_import(data=data, file_name=name, skip_invalid=True)

        counts = first.plan.counts
        assert counts.created + counts.updated + counts.unchanged + counts.invalid == counts.rows
        assert {e.row for e in first.plan.errors} == first.plan.invalid_rows
        for obj in _written():
            obj.full_clean()
        if counts.invalid == 0:
            second = roster_import(data=data, file_name=name)
            assert (second.plan.counts.created, second.plan.counts.updated) == (0, 0)
            assert second.plan.replacements == []
        transaction.set_rollback(True)
