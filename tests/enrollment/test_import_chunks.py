"""A file is planned a chunk of rows at a time, each chunk's stored state packed once its rows
are planned (enrollment/imports/state.py): the plan, the report and the writes do not depend on
where the chunks end, even when a person's rows fall in different chunks."""

import datetime as dt
import re

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrollment.imports import planner
from enrollment.imports.changes import change_page
from enrollment.imports.engine import roster_import
from enrollment.imports.report import report_data
from enrollment.models import Membership
from tests.enrollment.test_import_properties import COLUMN_VALUES
from tests.fixtures.roster.build import KEDIRI, csv_bytes, nik, row
from villages.models import Person, Post

pytestmark = pytest.mark.django_db
# Mostly valid rows of a few persons, so that their rows fall in different chunks; and any
# row of the property tests now and then.
VALID = st.builds(
    lambda n, post, unit, start, end, programs, paid, name: row(
        nik=nik(n), nama=name or f"Warga {n}", jabatan=post, unit=unit, mulai_menjabat=start,
        akhir_menjabat=end, program=programs,
        **({"iuran_sampai": paid} if programs else dict.fromkeys(
            ["kategori_peserta", "tanggal_daftar", "iuran_sampai", "sumber_iuran"], "")),
    ),
    st.integers(1, 4),
    st.sampled_from(["Kaur", "Kasi", "Kepala Desa", "Ketua RT", "Linmas"]),
    st.sampled_from(["", "RT 001 / RW 001", "RT 002 / RW 001"]),
    st.sampled_from(["", "2019-01-01", "2022-01-01", "2024-06-01"]),
    st.sampled_from(["", "2023-12-31", "2030-01-01"]),
    st.sampled_from(["", "JKK JKM", "JKK JKM JHT"]),
    st.sampled_from(["2026-12-31", "2027-12-31"]),
    st.sampled_from(["", "Nama Lain"]),
)  # fmt: skip
ROWS = st.lists(
    st.one_of(VALID, VALID, VALID, st.fixed_dictionaries(COLUMN_VALUES)), min_size=1, max_size=12
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _written() -> dict[str, list]:
    """Every record and history row the imports wrote, by natural key (ids differ between
    runs on PostgreSQL: a rolled-back sequence is not reset)."""
    person = ("nik", "name", "sex", "birth_date", "created_in")
    post = ("person__nik", "village_id", "code", "category", "unit", "term_start", "term_end",
            "decree_number")  # fmt: skip
    membership = ("person__nik", "program_id", "participant_category", "kpj_number",
                  "enrolled_on", "paid_until", "funding_source", "verified_on",
                  "verified_source")  # fmt: skip
    history = ("history_type", "history_change_reason")
    return {
        "persons": sorted(Person.objects.values_list(*person)),
        "posts": sorted(Post.objects.values_list(*post), key=repr),
        "memberships": sorted(Membership.objects.values_list(*membership), key=repr),
        "person history": sorted(Person.history.values_list(*person, *history), key=repr),
        "post history": sorted(
            Post.history.values_list("person_id", *post[1:], *history), key=repr
        ),
        "membership history": sorted(
            Membership.history.values_list("person_id", *membership[1:], *history), key=repr
        ),
    }


def _unnumbered(reason: str) -> str:
    """A change reason without the import's number (a rolled-back sequence is not reset)."""
    return re.sub(r"\d+", "#", reason)


def _outcome(monkeypatch, chunk: int, stored: bytes, data: bytes) -> tuple:
    """Import `stored`, then `data` planned `chunk` rows at a time; the second import's report
    and everything written. Rolled back."""
    monkeypatch.setattr(planner, "PLAN_CHUNK", chunk)
    with transaction.atomic():
        roster_import(data=stored, file_name="stored.csv", skip_invalid=True)
        person_ids = dict(Person.objects.values_list("id", "nik"))
        result = roster_import(data=data, file_name="roster.csv", skip_invalid=True)
        assert result.plan is not None
        written = _written()
        for name in ("post history", "membership history"):  # person ids as NIKs
            written[name] = sorted(
                ((person_ids.get(r[0]) or Person.objects.get(pk=r[0]).nik, *r[1:])
                 for r in written[name]), key=repr
            )  # fmt: skip
        for name in ("person history", "post history", "membership history"):
            written[name] = [(*r[:-1], _unnumbered(r[-1])) for r in written[name]]
        written["changes"] = change_page(result.plan.changes.blob(), 0, 1000)
        transaction.set_rollback(True)
    return report_data(result.plan, limit=None), result.rejected, written


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stored=ROWS, rows=ROWS)
def test_where_the_chunks_end_changes_nothing(monkeypatch, stored, rows):
    stored_data, data = csv_bytes(stored), csv_bytes(rows)

    whole = _outcome(monkeypatch, 5000, stored_data, data)

    assert _outcome(monkeypatch, 1, stored_data, data) == whole
    assert _outcome(monkeypatch, 3, stored_data, data) == whole


def test_a_person_named_again_chunks_later_is_planned_from_what_earlier_rows_did(monkeypatch):
    """Two rows a chunk: Warga Satu, Kepala Lama and Warga Empat are named again in later
    chunks, after their stored state was packed; the same plan as in one chunk."""
    head = row(nik=nik(9), nama="Kepala Lama", jabatan="Kepala Desa", mulai_menjabat="2019-01-01")
    fourth = row(nik=nik(4), nama="Warga Empat", jabatan="Linmas")
    stored = csv_bytes([row(), head, fourth])
    paid = {"iuran_sampai": "2027-12-31"}
    rows = [
        row(**paid),
        row(nik=nik(2), nama="Warga Dua", jabatan="Kepala Desa", mulai_menjabat="2024-06-01"),
        row(nik=nik(3), nama="Warga Tiga"),
        row(jabatan="Kaur", unit="Keuangan", **paid),
        row(nik=nik(9), nama="Kepala Lama", jabatan="Kepala Desa", mulai_menjabat="2019-01-01",
            akhir_menjabat="2030-01-01"),
        row(jabatan="Kaur", mulai_menjabat="2023-01-01"),
        {**fourth, **dict.fromkeys(["kategori_peserta", "program", "tanggal_daftar",
                                    "iuran_sampai", "sumber_iuran"], "")},
        row(nik=nik(4), nama="Warga Empat", jabatan="Kasi", program="JKK JKM JHT", **paid),
    ]  # fmt: skip

    report, rejected, written = _outcome(monkeypatch, 2, stored, csv_bytes(rows))

    assert (report, rejected, written) == _outcome(monkeypatch, 5000, stored, csv_bytes(rows))
    assert report == {
        "counts": {"rows": 8, "created": 4, "updated": 1, "unchanged": 1, "invalid": 2,
                   "errors": 3, "warnings": 3, "replacements": 1, "changes": 10,
                   "changes_listed": 10},
        "errors": [
            [6, "jabatan", "KEPALA_DESA", "a term that does not overlap the one row 3 gives "
                                          "Warga Dua"],
            [7, "jabatan", "KAUR", "another post: row 2 already gives this NIK this post"],
            [7, "program", "JKK JKM", "the same coverage as row 2 for this NIK, or empty "
                                      "coverage columns"],
        ],
        "warnings": [
            [5, "This NIK also holds another post (allowed for acting posts): Kepala Urusan "
                "(row 2)."],
            [8, "The row does not list JKK, JKM, which this person holds: those memberships are "
                "kept as they are (end them in the admin)."],
            [9, "This NIK also holds another post (allowed for acting posts): Satlinmas (row 8)."],
        ],
        "replacements": [[3, "33.02.18.2001", "KEPALA_DESA", "", "Kepala Lama", "2024-05-31",
                          "Warga Dua"]],
    }  # fmt: skip
    kades, kaur = [KEDIRI, "KEPALA_DESA", ""], [KEDIRI, "KAUR", ""]
    assert written["changes"] == [
        [2, nik(1), "Warga Satu", "membership", "paid_until", "JKK JKM", "2026-12-31",
         "2027-12-31"],
        [3, nik(2), "Warga Dua", "new_post", "", kades, None, ["2024-06-01", None]],
        [3, nik(9), "Kepala Lama", "replaced", "term_end", kades, None, "2024-05-31"],
        [3, nik(2), "Warga Dua", "new_memberships", "paid_until", "JKK JKM", None, "2026-12-31"],
        [4, nik(3), "Warga Tiga", "new_post", "", kaur, None, ["2022-01-01", None]],
        [4, nik(3), "Warga Tiga", "new_memberships", "paid_until", "JKK JKM", None, "2026-12-31"],
        [5, nik(1), "Warga Satu", "new_post", "", [KEDIRI, "KAUR", "Keuangan"], None,
         ["2022-01-01", None]],
        [9, nik(4), "Warga Empat", "new_post", "", [KEDIRI, "KASI", ""], None,
         ["2022-01-01", None]],
        [9, nik(4), "Warga Empat", "new_memberships", "paid_until", "JHT", None, "2027-12-31"],
        [9, nik(4), "Warga Empat", "membership", "paid_until", "JKK JKM", "2026-12-31",
         "2027-12-31"],
    ]  # fmt: skip
    assert [(n, p, tuple(c[:4])) for n, p, *c in written["memberships"]] == [
        (nik(1), "JKK", ("BPU", "", dt.date(2024, 1, 1), dt.date(2027, 12, 31))),
        (nik(1), "JKM", ("BPU", "", dt.date(2024, 1, 1), dt.date(2027, 12, 31))),
        (nik(2), "JKK", ("BPU", "", dt.date(2024, 1, 1), dt.date(2026, 12, 31))),
        (nik(2), "JKM", ("BPU", "", dt.date(2024, 1, 1), dt.date(2026, 12, 31))),
        (nik(3), "JKK", ("BPU", "", dt.date(2024, 1, 1), dt.date(2026, 12, 31))),
        (nik(3), "JKM", ("BPU", "", dt.date(2024, 1, 1), dt.date(2026, 12, 31))),
        (nik(4), "JHT", ("BPU", "", dt.date(2024, 1, 1), dt.date(2027, 12, 31))),
        (nik(4), "JKK", ("BPU", "", dt.date(2024, 1, 1), dt.date(2027, 12, 31))),
        (nik(4), "JKM", ("BPU", "", dt.date(2024, 1, 1), dt.date(2027, 12, 31))),
        (nik(9), "JKK", ("BPU", "", dt.date(2024, 1, 1), dt.date(2026, 12, 31))),
        (nik(9), "JKM", ("BPU", "", dt.date(2024, 1, 1), dt.date(2026, 12, 31))),
    ]
