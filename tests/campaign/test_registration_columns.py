"""The registrations file's columns, cell by cell: what each accepts, and what it refuses with
the reason (hostile cells among them: formulas, huge numbers, negatives, bad dates)."""

import datetime as dt

import pytest

from campaign.registration_columns import (
    map_header,
    parse_agent_code,
    parse_channel,
    parse_contributions,
    parse_count,
    parse_day,
    parse_village,
)
from enrollment.imports.cells import CellError, Overlong
from enrollment.imports.limits import FileRefused

COUNT_EXPECTED = (
    "a whole number of residents from 1 to 100.000 (a day without registrations needs no row)"
)
RUPIAH_EXPECTED = (
    "whole rupiah of at least 0, such as 168000 or Rp 168.000 (no decimals, at most "
    "Rp 1.000.000.000.000)"
)


def refused(parse, raw) -> str:
    with pytest.raises(CellError) as error:
        parse(raw)
    return error.value.expected


# --- tanggal ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["24/04/2024", "2024-04-24", "24-04-2024", "24.04.2024", "24 April 2024", "24 Apr 2024",
     " 24/04/2024 ", dt.date(2024, 4, 24), dt.datetime(2024, 4, 24)],
)  # fmt: skip
def test_the_date_takes_the_roster_formats(raw):
    assert parse_day(raw) == dt.date(2024, 4, 24)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("", "a value (this column is required)"),
        (None, "a value (this column is required)"),
        ("31/02/2024", "a date that exists (day first: DD/MM/YYYY)"),
        ("24/04/24", "a 4-digit year (24/04/2024): 2-digit years are not guessed"),
        ("04/24/2024", "a date that exists (day first: DD/MM/YYYY)"),
        ("kemarin", "a date such as 24/04/2024, 2024-04-24 or 24 April 2024 (day first, "
                    "4-digit year)"),
        ("=TODAY()", "a date such as 24/04/2024, 2024-04-24 or 24 April 2024 (day first, "
                     "4-digit year)"),
        (45406, "a date cell or a date as text, not a number"),
        (dt.datetime(2024, 4, 24, 9, 30), "a date without a time of day"),
    ],
)  # fmt: skip
def test_a_bad_date_says_what_is_expected(raw, expected):
    assert refused(parse_day, raw) == expected


# --- kode_desa --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["33.02.03.2003", "3302032003", " 3302032003 ", 3302032003])
def test_the_village_code_is_dotted_or_not(raw):
    assert parse_village(raw) == "33.02.03.2003"


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("", "a value (this column is required)"),
        ("33.02.03", "a village code such as 33.02.18.2001 or 3302182001"),
        ("33.0203.2003", "a village code such as 33.02.18.2001 or 3302182001"),
        ('=HYPERLINK("x")', "a village code such as 33.02.18.2001 or 3302182001"),
    ],
)
def test_a_bad_village_code_is_refused(raw, expected):
    assert refused(parse_village, raw) == expected


# --- kanal ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,channel",
    [("PERISAI", "PERISAI"), ("perisai", "PERISAI"), (" Mandiri ", "MANDIRI"),
     ("sosialisasi", "SOSIALISASI"), ("LainNya", "LAINNYA")],
)  # fmt: skip
def test_the_channel_is_read_in_any_case(raw, channel):
    assert parse_channel(raw) == channel


@pytest.mark.parametrize("raw", ["online", "@MANDIRI", "1", 1])
def test_an_unknown_channel_is_refused(raw):
    assert refused(parse_channel, raw) == "PERISAI, MANDIRI, SOSIALISASI or LAINNYA (any case)"


def test_an_empty_channel_is_refused():
    assert refused(parse_channel, "") == "a value (this column is required)"


# --- jumlah -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,count", [("15", 15), (" 15 ", 15), (15, 15), (15.0, 15), ("1.500", 1500),
                  ("100.000", 100_000), ("1", 1)]
)  # fmt: skip
def test_the_count_is_a_whole_number(raw, count):
    assert parse_count(raw) == count


@pytest.mark.parametrize(
    "raw",
    ["0", 0, "-3", -3, "1.5", 1.5, "1,5", "15 orang", "=10+5", "+15", "100.001", 10**30,
     "9" * 400, float("inf"), "١٥", "1.50", True],
)  # fmt: skip
def test_a_count_that_is_not_a_whole_number_from_1_is_refused(raw):
    assert refused(parse_count, raw) == COUNT_EXPECTED


def test_an_empty_count_is_refused():
    assert refused(parse_count, " ") == "a value (this column is required)"


# --- kode_agen --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,code", [("PRS-3302-001", "PRS-3302-001"), (" prs-3302-001 ", "PRS-3302-001"), ("", ""),
                 (None, "")]
)  # fmt: skip
def test_the_agent_code_is_read_in_capitals(raw, code):
    assert parse_agent_code(raw) == code


@pytest.mark.parametrize("raw", ["=CMD()", "PRS 3302", "-PRS", "A" * 31, "PRS_01"])
def test_a_malformed_agent_code_is_refused(raw):
    assert refused(parse_agent_code, raw) == (
        "an agent code of capital letters, digits and hyphens, e.g. PRS-3523-001"
    )


# --- iuran ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,amount",
    [("Rp 168.000", 168_000), ("Rp168.000", 168_000), ("rp. 168.000", 168_000),
     ("168000", 168_000), ("168 000", 168_000), ("Rp\u00a0168.000", 168_000),
     (168000, 168_000), (168000.0, 168_000), ("0", 0), ("", None), (" ", None), (None, None),
     ("Rp 1.000.000.000.000", 10**12)],
)  # fmt: skip
def test_contributions_are_whole_rupiah(raw, amount):
    assert parse_contributions(raw) == amount


@pytest.mark.parametrize(
    "raw",
    ["-168000", -1, "Rp -5.000", "168.000,00", "168,5", "1.68", 1.5, "=1000*3", "Rp",
     "IDR 168000", "1.000.000.000.001", 10**13, "1e6"],
)  # fmt: skip
def test_contributions_that_are_not_whole_rupiah_are_refused(raw):
    assert refused(parse_contributions, raw) == RUPIAH_EXPECTED


# --- The header -------------------------------------------------------------------------------


def test_the_header_takes_indonesian_or_english_names_in_any_case():
    header = map_header(["\ufeffDate", " VILLAGE_CODE ", "kanal", "Count", "agent_code", "iuran",
                         "catatan"])  # fmt: skip

    assert header.index == {"date": 0, "village": 1, "channel": 2, "count": 3, "agent": 4,
                            "contributions": 5}  # fmt: skip
    assert header.unknown == ["catatan"]
    assert header.label("village") == "VILLAGE_CODE"


def test_a_header_without_required_columns_is_refused():
    with pytest.raises(FileRefused) as error:
        map_header(["tanggal", "iuran"])

    assert str(error.value) == (
        "Required columns are missing from the header (row 1): kode_desa (village_code), "
        "kanal (channel), jumlah (count)."
    )


def test_a_header_naming_a_column_twice_is_refused():
    with pytest.raises(FileRefused) as error:
        map_header(["tanggal", "kode_desa", "kanal", "jumlah", "date"])

    assert str(error.value) == "The header names the column date twice (columns A and E)."


def test_an_overlong_cell_is_not_a_value():
    """The readers give a cell over the limit as an Overlong; it is never parsed."""
    from campaign.registration_columns import parse_row

    header = map_header(["tanggal", "kode_desa", "kanal", "jumlah"])
    cells = ["24/04/2024", Overlong("3" * 2000, 2000), "MANDIRI", "1"]

    row, errors = parse_row(2, cells, header)

    assert row is None
    assert [(e.row, e.column, e.expected) for e in errors] == [
        (2, "B", "at most 1000 characters in column B (this cell has 2000)")
    ]
