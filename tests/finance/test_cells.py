"""The cells of a finance file: every money form the contract accepts, and what it refuses."""

import datetime as dt

import pytest

from enrollment.imports.cells import CellError, Overlong
from finance.cells import (
    parse_area_code,
    parse_count,
    parse_group,
    parse_program,
    parse_rupiah,
    parse_year,
)


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("500000000", 500_000_000),
        ("Rp 500.000.000", 500_000_000),
        ("Rp500.000.000", 500_000_000),
        ("rp. 500.000.000", 500_000_000),
        ("RP 1.500.000.000", 1_500_000_000),
        ("500 000 000", 500_000_000),
        ("500\u00a0000\u00a0000", 500_000_000),
        ("  7 ", 7),
        ("0", 0),
        ("500 juta", 500_000_000),
        ("500juta", 500_000_000),
        ("1,5 miliar", 1_500_000_000),
        ("2,5 Miliar", 2_500_000_000),
        ("Rp 2,5 miliar", 2_500_000_000),
        ("1.500 juta", 1_500_000_000),
        ("0,25 juta", 250_000),
        (500_000_000, 500_000_000),
        (500_000_000.0, 500_000_000),
        (0, 0),
    ],
)
def test_it_reads_each_money_form(raw, amount):
    assert parse_rupiah(raw) == amount


@pytest.mark.parametrize(
    "raw",
    [
        "-5",
        "5.00",
        "500,000,000",
        "Rp 500.000.000,00",
        "1,5",
        "abc",
        "Rp",
        "",
        None,
        "2,5 M",
        "1,0000001 juta",
        "5e9",
        "١٢٣",  # Arabic-Indic digits
        "=1+1",
        "9" * 30,
        -1,
        -1.0,
        3.5,
        True,
        dt.date(2023, 1, 1),
        Overlong("9" * 1000, 2000),
    ],
)
def test_it_refuses_what_the_contract_does_not_accept(raw):
    with pytest.raises(CellError):
        parse_rupiah(raw)


def test_the_refusal_says_what_is_expected():
    with pytest.raises(CellError) as error:
        parse_rupiah("lima ratus")
    assert error.value.expected == (
        "whole rupiah of 0 or more, e.g. 500000000, Rp 500.000.000, 500 juta or 1,5 miliar"
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [("33.02", "33.02"), ("3302", "33.02"), (" 33 ", "33"), (3302, "33.02"), (33.0, "33")],
)
def test_it_reads_area_codes(raw, code):
    assert parse_area_code(raw) == code


@pytest.mark.parametrize("raw", ["33.02.03", "330", "3.302", "Banyumas", "", None, 3302.5])
def test_it_refuses_other_area_codes(raw):
    with pytest.raises(CellError):
        parse_area_code(raw)


def test_years_groups_programs_and_counts():
    assert [parse_year(v) for v in ("2015", 2100, 2023.0)] == [2015, 2100, 2023]
    for bad in ("2014", "2101", "23", "2023.5", 2023.5, None):
        with pytest.raises(CellError):
            parse_year(bad)
    assert parse_group(" pekerja_rentan ") == "PEKERJA_RENTAN"
    assert parse_program("semua") == "SEMUA"
    for bad in ("JKN", ""):
        with pytest.raises(CellError):
            parse_program(bad)
    with pytest.raises(CellError):
        parse_group("PEKERJA RENTAN")
    assert [parse_count(v) for v in (None, "", "12", 12.0, "1.200")] == [None, None, 12, 12, 1200]
    for bad in ("-1", "1,5", 1.5, "x"):
        with pytest.raises(CellError):
            parse_count(bad)
