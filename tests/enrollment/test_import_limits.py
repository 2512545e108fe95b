"""Hostile roster files: huge cells, a million rows, shared strings that unpack far beyond the
upload, rows thousands of columns wide, damaged XML. Each is refused, whole or row by row, with
its message, and nothing is written. Small versions run with the limits lowered; a few run at
full size (and quickly)."""

import time
import tracemalloc

import pytest
from django.utils import translation

from enrollment.imports.columns import HEADER
from enrollment.imports.engine import roster_import
from enrollment.imports.reader import read_table
from enrollment.models import ImportRecord
from tests.fixtures.roster import hostile
from tests.fixtures.roster.build import csv_bytes, nik, row
from villages.models import Person

pytestmark = pytest.mark.django_db
LIMITS = "enrollment.imports.limits."


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the msgids; the interface itself is Indonesian."""
    with translation.override("en"):
        yield


def run(data: bytes, name: str = "roster.xlsx", **options):
    return roster_import(data=data, file_name=name, **options)


def values(n: int) -> list[str]:
    """A valid row for person n."""
    return list(row(nik=nik(n), nama=f"Warga {n}").values())


def refused(result) -> str:
    """The refusal, having checked that nothing was written."""
    assert (Person.objects.count(), ImportRecord.objects.count()) == (0, 0)
    return result.refused


def errors(result) -> list[tuple]:
    return [(e.row, e.column, e.found, e.expected) for e in result.plan.errors]


# --- Cells over the limit ---------------------------------------------------------------------


def test_a_cell_over_the_limit_is_a_row_error_naming_the_column_and_the_limit():
    data = csv_bytes(
        [[*row(nama="N" * 1001).values(), "catatan " * 1000], [*values(2), "pendek"]],
        header=[*HEADER, "Catatan"],
    )

    result = run(data, "roster.csv")

    assert errors(result) == [
        (2, "nama", "N" * 50 + "…", "at most 1000 characters in column nama (this cell has 1001)"),
        (2, "Catatan", "catatan " * 6 + "ca…",
         "at most 1000 characters in column Catatan (this cell has 8000)"),
    ]  # fmt: skip
    assert (result.written, Person.objects.count(), ImportRecord.objects.count()) == (False, 0, 0)


def test_the_cell_limit_message_is_in_indonesian():
    data = csv_bytes([row(nama="N" * 1001)])

    with translation.override("id"):
        result = run(data, "roster.csv")

    assert errors(result)[0][3] == (
        "paling banyak 1000 karakter di kolom nama (sel ini berisi 1001 karakter)"
    )


def test_the_rejected_file_cuts_a_long_cell_and_it_stays_over_the_limit():
    data = csv_bytes([row(nama="N" * 5000), values(2)])

    result = run(data, "roster.csv", skip_invalid=True)

    assert result.written is True
    assert list(Person.objects.values_list("nik", flat=True)) == [nik(2)]
    cells = result.rejected.decode("utf-8-sig").splitlines()[1].split(",")
    assert cells[2] == "N" * 1000 + "…"


def test_xlsx_cells_of_a_megabyte_are_row_errors_and_never_held_whole():
    """Nine distinct shared strings of 1 MB each (9 MB unpacked, under every limit): each is a
    row error; reading the file takes a fraction of one of them."""
    data = hostile.huge_cells(HEADER, values, count=9, size=1024 * 1024)

    tracemalloc.start()
    try:
        table = read_table(data, "roster.xlsx")
        rows = list(table.rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024
    assert [(number, len(cells[2]), cells[2].length) for number, cells in rows[:2]] == [
        (2, 1000, 1024 * 1024),
        (3, 1000, 1024 * 1024),
    ]

    result = run(data)

    assert [e[:2] for e in errors(result)] == [(n, "nama") for n in range(2, 11)]
    assert errors(result)[0][3] == (
        "at most 1000 characters in column nama (this cell has 1048576)"
    )
    assert refused(result) == ""


def test_a_header_cell_over_the_limit_refuses_the_file():
    data = csv_bytes([row()], header=[*HEADER, "x" * 1001])

    assert refused(run(data, "roster.csv")) == (
        "Row 1 (the header), column O: 1001 characters; a cell holds at most 1000."
    )


def test_values_echoed_in_reports_are_cut_to_a_short_prefix():
    data = csv_bytes([row(kode_desa="3" * 120, nama="9" * 140)])

    result = run(data, "roster.csv")

    assert [(e[1], e[2]) for e in errors(result)] == [
        ("kode_desa", "3" * 50 + "…"),
        ("nama", "9" * 50 + "…"),
    ]


# --- Unpacked sizes ---------------------------------------------------------------------------


def test_shared_strings_that_unpack_past_their_limit_are_refused(monkeypatch):
    """The 1.27 MB workbook of a hundred 1 MB names unpacked to 106 MB, under the ratio check;
    here three of 1 MB against a limit lowered to 2 MB."""
    monkeypatch.setattr(LIMITS + "MAX_SHARED_STRINGS_BYTES", 2 * 1024 * 1024)
    data = hostile.huge_cells(HEADER, values, count=3, size=1024 * 1024)

    assert refused(run(data)) == (
        "The workbook's text cells unpack to 4 MB; the limit is 2 MB. Save the sheet again as a "
        "plain .xlsx or as CSV."
    )


def test_a_workbook_that_unpacks_past_the_ceiling_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(LIMITS + "MAX_UNPACKED_BYTES", 1024 * 1024)
    data = hostile.many_rows_xlsx(HEADER, 30_000)

    assert refused(run(data)) == (
        "The workbook unpacks to 2 MB; the limit is 1 MB. Split it into smaller files or save it "
        "as CSV."
    )


def test_a_structure_part_past_its_limit_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(LIMITS + "MAX_PART_BYTES", 1024 * 1024)
    styles = hostile.PARTS["xl/styles.xml"].replace("<fonts", "<fonts" + " " * 1_500_000)
    data = hostile.xlsx(
        hostile.sheet_xml([hostile.text_row(1, HEADER)]), parts={"xl/styles.xml": styles.encode()}
    )

    assert refused(run(data)) == (
        "The workbook's part xl/styles.xml unpacks to 2 MB; the limit is 1 MB. Save the sheet "
        "again as a plain .xlsx or as CSV."
    )


# --- Rows ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_million_rows_are_refused_within_seconds(kind):
    """Full size: the count stops at the first row past the limit (it took 90 s to refuse a
    workbook of a million rows, past the worker's 60 s)."""
    build = hostile.many_rows_csv if kind == "csv" else hostile.many_rows_xlsx
    data = build(HEADER, 1_000_000)

    started = time.monotonic()
    result = run(data, f"roster.{kind}")
    seconds = time.monotonic() - started

    assert refused(result) == "The file has more than 200,000 rows. Split it into smaller files."
    assert seconds < 15, seconds  # about 0.3 s (CSV) and 2 s (XLSX) on a quiet machine


def test_blank_rows_do_not_count_towards_the_row_limit(monkeypatch):
    monkeypatch.setattr(LIMITS + "MAX_ROWS", 2)
    data = csv_bytes([values(1), [], [""] * 14, [], values(2)])

    result = run(data, "roster.csv")

    assert (result.refused, result.plan.counts.created) == ("", 2)


# --- Wide rows and amplification --------------------------------------------------------------


def test_a_header_thousands_of_columns_wide_is_one_short_warning():
    data = hostile.wide_rows(HEADER, values, rows=3, columns=5000)

    result = run(data)

    assert result.plan.counts.created == 3
    assert [(w.row, w.message) for w in result.plan.warnings] == [
        (0, "Unknown columns are ignored: kolom_15, kolom_16, kolom_17, kolom_18, kolom_19, "
            "kolom_20, kolom_21, kolom_22, kolom_23, kolom_24 and 4976 more.")
    ]  # fmt: skip


def test_a_row_wider_than_excel_allows_is_refused():
    cells = "".join(f'<c t="inlineStr"><is><t>{n}</t></is></c>' for n in range(16_385))
    data = hostile.xlsx(
        hostile.sheet_xml([hostile.text_row(1, HEADER), f"<row>{cells}</row>".encode()])
    )

    assert refused(run(data)) == (
        "The workbook is damaged after row 1: save it again as .xlsx or as CSV."
    )


def test_rejected_rows_too_big_to_upload_again_refuse_the_file(monkeypatch):
    """Every cell of a wide row refers to one shared string of 1,000 characters: 30 bytes of
    sheet for 1,000 characters of rejected rows each."""
    monkeypatch.setattr(LIMITS + "MAX_REJECTED_BYTES", 1024 * 1024)
    data = hostile.shared_string_bomb(
        HEADER, lambda n: values(n)[:2], rows=100, columns=2000, size=1000
    )

    assert refused(run(data, skip_invalid=True)) == (
        "The invalid rows and their reasons would make a file of more than 1 MB, too big to "
        "upload again: fix the file and import it again. The first error: row 2, nama: "
        "expected a name of at most 150 characters (found 1000) (found “"
        + hostile.noise(1000, seed=1)[:50].decode()
        + "…”)"
    )


def test_one_nik_in_many_rows_keeps_its_warnings_short():
    data = csv_bytes([row(unit=f"Dusun {n}") for n in range(1, 31)])

    result = run(data, "roster.csv")

    assert result.plan.counts.created == 30
    assert result.plan.warnings[-1].message == (
        "This NIK also holds another post (allowed for acting posts): Kepala Urusan (row 2), "
        + ", ".join(f"Kepala Urusan (row {n})" for n in range(3, 12))
        + " and 19 more."
    )


# --- Damaged XML ------------------------------------------------------------------------------


def test_a_tag_longer_than_any_spreadsheet_has_is_refused():
    tag = f'<row r="2" x="{"a" * (2 * 1024 * 1024)}"/>'.encode()
    data = hostile.xlsx(hostile.sheet_xml([hostile.text_row(1, HEADER), tag]))

    assert refused(run(data)) == (
        "The workbook is damaged after row 1: save it again as .xlsx or as CSV."
    )


def test_a_doctype_is_refused_rather_than_its_entities_expanded():
    sheet = (
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + b"".join(hostile.sheet_xml([hostile.text_row(1, HEADER)]))
    )

    assert refused(run(hostile.xlsx([sheet]))) == "The file is not a valid XLSX workbook."
