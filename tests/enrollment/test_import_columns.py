"""Each column's parser: what it accepts, what it refuses, and (hypothesis) that any cell either
parses or is a CellError, never another exception and never a silent change."""

import datetime as dt
from functools import partial

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from enrollment.imports.columns import (
    COLUMNS,
    CellError,
    MaskedKpj,
    MaskedNik,
    NikValue,
    parse_category,
    parse_date,
    parse_date_or_month,
    parse_funding,
    parse_kpj,
    parse_name,
    parse_nik_cell,
    parse_post,
    parse_programs,
    parse_sex,
    parse_unit,
    parse_village_code,
    post_label,
)
from enrollment.imports.dates import MONTHS
from tests.factories import make_nik
from villages.categories import POSTS


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the msgids; the interface itself is Indonesian."""
    with translation.override("en"):
        yield


ANY_CELL = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789 .'-/eE+*", max_size=25),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
)


PROGRAMS = ("JKK", "JKM", "JHT", "JP", "JKP")  # as the database has them


def expected_of(parse, raw) -> str:
    with pytest.raises(CellError) as error:
        parse(raw)
    return error.value.expected


@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.name)
@settings(max_examples=300, deadline=None)
@given(raw=ANY_CELL)
def test_every_cell_parses_or_is_a_cell_error(column, raw):
    try:
        column.parser(PROGRAMS)(raw)
    except CellError as error:
        assert error.expected


# --- Village and NIK --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["33.02.18.2001", "3302182001", " 3302182001 ", 3302182001])
def test_village_codes_with_or_without_dots(raw):
    assert parse_village_code(raw) == "33.02.18.2001"


@pytest.mark.parametrize("raw", ["33.02.182001", "330218200", "33-02-18-2001", "", "Kediri"])
def test_other_village_codes_are_refused(raw):
    assert expected_of(parse_village_code, raw) == (
        "a village code such as 33.02.18.2001 or 3302182001"
    )


@pytest.mark.parametrize(
    "raw", ["3302181204780001", "3302 1812 0478 0001", "3302.1812.0478.0001", "'3302181204780001"]
)
def test_nik_digits_with_spaces_dots_and_a_leading_quote(raw):
    assert parse_nik_cell(raw) == NikValue("3302181204780001", dt.date(1978, 4, 12), "L")


def test_a_nik_in_scientific_notation_is_never_repaired():
    assert expected_of(parse_nik_cell, "3.30218E+15").startswith("16 digits; this looks like a")


def test_a_nik_stored_as_a_number_cell_is_refused():
    assert expected_of(parse_nik_cell, 3302181204780001).startswith("16 digits stored as text")


def test_nik_errors_say_why_without_echoing_the_value():
    assert expected_of(parse_nik_cell, "330218120478000") == (
        "A NIK is exactly 16 digits; got 15 characters, 15 of them digits."
    )
    assert expected_of(parse_nik_cell, "3302181204780000") == (
        "The NIK's serial number cannot be 0000."
    )


def test_a_masked_nik_is_recognised():
    assert parse_nik_cell("330218******0001") == MaskedNik("330218", "0001")


@settings(max_examples=200, deadline=None)
@given(
    born=st.dates(dt.date(1940, 1, 1), dt.date(2005, 12, 31)),
    sex=st.sampled_from("LP"),
    serial=st.integers(1, 9999),
    noise=st.lists(st.sampled_from([" ", "."]), max_size=4),
)
def test_any_valid_nik_parses_to_its_digits_and_facts(born, sex, serial, noise):
    digits = make_nik("33.02.18", born, sex, serial)
    noisy = digits[:4] + "".join(noise) + digits[4:]
    assert parse_nik_cell(noisy) == NikValue(digits, born, sex)


# --- Name, sex, post, unit --------------------------------------------------------------------


def test_names_are_trimmed_and_inner_spaces_collapsed():
    assert parse_name("  Sugeng \t  Riyadi ") == "Sugeng Riyadi"


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("", "a value (this column is required)"),
        ("12345", "a name with letters"),
        ("=HYPERLINK(1)", "a name not starting with =, +, - or @"),
        ("x" * 151, "a name of at most 150 characters (found 151)"),
        (42, "a name stored as text, not a number cell"),
    ],
)
def test_names_that_are_refused(raw, expected):
    assert expected_of(parse_name, raw) == expected


@settings(max_examples=300)
@given(st.text())
def test_a_parsed_name_is_stable(raw):
    try:
        name = parse_name(raw)
    except CellError:
        return
    assert name == name.strip() and "  " not in name and parse_name(name) == name


@pytest.mark.parametrize(
    "raw,expected",
    [("L", "L"), ("p", "P"), ("Laki-laki", "L"), ("PEREMPUAN", "P"), ("M", "L"), ("f", "P"),
     ("", "")],
)  # fmt: skip
def test_sex_values(raw, expected):
    assert parse_sex(raw) == expected


def test_other_sex_values_are_refused():
    assert expected_of(parse_sex, "X") == "L, P, Laki-laki, Perempuan, M or F"


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("KEPALA_DESA", "KEPALA_DESA"),
        ("kepala desa", "KEPALA_DESA"),
        ("Lurah", "KEPALA_DESA"),
        ("sekdes", "SEKRETARIS_DESA"),
        ("Kadus", "KEPALA_DUSUN"),
        ("Kepala Urusan", "KAUR"),
        ("Kepala Seksi", "KASI"),
        ("KETUA bpd", "KETUA_BPD"),
        ("Ketua RT", "KETUA_RT"),
        ("Sekretaris RW", "SEKRETARIS_RW"),
        ("PKK", "PENGURUS_LKD"),
        ("karang  taruna", "PENGURUS_LKD"),
        ("LPMD", "PENGURUS_LKD"),
        ("Kader Posyandu", "PENGURUS_LKD"),
        ("Satlinmas", "LINMAS"),
        ("Linmas", "LINMAS"),
        ("Pengelola BUMDes", "PENGELOLA_BUMDES"),
        ("lainnya", "LAINNYA"),
    ],
)
def test_post_codes_labels_and_aliases(raw, expected):
    assert parse_post(raw) == expected


def test_every_name_of_a_post_in_the_registry_is_accepted_and_the_first_is_written():
    accepted = {post.code: [parse_post(name) for name in post.names] for post in POSTS}

    assert accepted == {post.code: [post.code] * len(post.names) for post in POSTS}
    assert [post_label(post.code) for post in POSTS] == [
        "Kepala Desa", "Sekretaris Desa", "Kepala Urusan", "Kepala Seksi", "Kepala Dusun",
        "Ketua BPD", "Anggota BPD", "Ketua RW", "Sekretaris RW", "Ketua RT", "Sekretaris RT",
        "Pengurus LKD", "Satlinmas", "Pengelola BUMDes", "Lainnya",
    ]  # fmt: skip


def test_an_unknown_post_is_refused():
    assert expected_of(parse_post, "Bendahara").startswith("a post code such as KEPALA_DESA")


def test_units_are_free_text_but_not_number_cells():
    assert parse_unit(" RT 003 /  RW 001 ") == "RT 003 / RW 001"
    assert expected_of(parse_unit, 3) == "a unit stored as text, not a number cell"


# --- Dates ------------------------------------------------------------------------------------

DAY = dt.date(2024, 4, 24)


@pytest.mark.parametrize(
    "raw",
    ["2024-04-24", "24/04/2024", "24-04-2024", "24.04.2024", "24 April 2024", "24 Apr 2024",
     "24 april 2024", "24-Apr-2024", dt.datetime(2024, 4, 24), DAY],
)  # fmt: skip
def test_every_listed_date_format(raw):
    assert parse_date(raw) == DAY


@pytest.mark.parametrize(
    "raw,expected",
    [("1 Mei 2024", dt.date(2024, 5, 1)), ("17 Agustus 1945", dt.date(1945, 8, 17)),
     ("17 Agt 2024", dt.date(2024, 8, 17)), ("17 Agu 2024", dt.date(2024, 8, 17)),
     ("5 Okt 2024", dt.date(2024, 10, 5)), ("25 Des 2024", dt.date(2024, 12, 25)),
     ("25 Desember 2024", dt.date(2024, 12, 25)), ("1 Oktober 2024", dt.date(2024, 10, 1))],
)  # fmt: skip
def test_indonesian_and_english_month_names(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("24/04/24", "a 4-digit year (24/04/2024): 2-digit years are not guessed"),
        ("24 Apr 24", "a 4-digit year (24/04/2024): 2-digit years are not guessed"),
        ("04/24/2024", "a date that exists (day first: DD/MM/YYYY)"),
        ("31/02/2024", "a date that exists (day first: DD/MM/YYYY)"),
        ("April 24, 2024", "a date such as 24/04/2024, 2024-04-24 or 24 April 2024 "
                           "(day first, 4-digit year)"),
        ("24 Foo 2024", "a month name such as Januari, Mei, Agustus or Des"),
        ("24/04/1850", "a date between 1900 and 2100"),
        (45406, "a date cell or a date as text, not a number"),
        (dt.datetime(2024, 4, 24, 13, 30), "a date without a time of day"),
    ],
)  # fmt: skip
def test_dates_that_are_refused(raw, expected):
    assert expected_of(parse_date, raw) == expected


def test_a_month_is_not_a_date_outside_paid_until():
    assert expected_of(parse_date, "2026-12").startswith("a date such as")


@pytest.mark.parametrize(
    "raw,expected",
    [("2026-12", dt.date(2026, 12, 31)), ("12/2026", dt.date(2026, 12, 31)),
     ("Desember 2026", dt.date(2026, 12, 31)), ("Feb 2024", dt.date(2024, 2, 29)),
     ("2026-06-15", dt.date(2026, 6, 15)), ("", None)],
)  # fmt: skip
def test_paid_until_months_mean_their_last_day(raw, expected):
    assert parse_date_or_month(raw) == expected


def test_a_month_13_is_refused():
    assert expected_of(parse_date_or_month, "2026-13") == (
        "a month between 1 and 12 (2026-12 or 12/2026)"
    )


FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]


@settings(max_examples=300)
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), fmt=st.sampled_from(FORMATS))
def test_any_date_in_any_numeric_format_reads_back(day, fmt):
    assert parse_date(day.strftime(fmt)) == day
    assert parse_date_or_month(day.strftime(fmt)) == day


@settings(max_examples=300)
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), name=st.sampled_from(list(MONTHS)))
def test_any_named_date_reads_back_when_the_name_is_its_month(day, name):
    try:
        parsed = parse_date(f"{day.day} {name} {day.year}")
    except CellError:
        return  # a day that the named month does not have
    assert (parsed.day, parsed.month, parsed.year) == (day.day, MONTHS[name], day.year)


# --- Coverage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [("JKK,JKM,JHT", ("JKK", "JKM", "JHT")), ("JKK JKM", ("JKK", "JKM")),
     ("jkk; jkm / jp", ("JKK", "JKM", "JP")), ("JKP", ("JKP",)), ("", ()), ("JKK, JKK", ("JKK",))],
)  # fmt: skip
def test_programs(raw, expected):
    assert parse_programs(raw, PROGRAMS) == expected


def test_an_unknown_program_is_refused():
    assert expected_of(partial(parse_programs, known=PROGRAMS), "JKK+JKM") == (
        "programs among JKK, JKM, JHT, JP and JKP separated by , ; / or spaces (unknown: JKK+JKM)"
    )


def test_the_programs_are_those_given_in_their_order():
    assert parse_programs("jkp jkn JKK", ("JKN", "JKK", "JKP")) == ("JKN", "JKK", "JKP")
    assert expected_of(partial(parse_programs, known=("JKK", "JKN")), "JKK JKM") == (
        "programs among JKK and JKN separated by , ; / or spaces (unknown: JKM)"
    )


@settings(max_examples=200)
@given(
    programs=st.lists(st.sampled_from(PROGRAMS), unique=True),
    separators=st.lists(st.sampled_from([",", ";", "/", " ", ", ", " / "]), min_size=5, max_size=5),
    lower=st.booleans(),
)
def test_any_set_of_programs_reads_back(programs, separators, lower):
    text = "".join(p + s for p, s in zip(programs, separators, strict=False))
    assert set(parse_programs(text.lower() if lower else text, PROGRAMS)) == set(programs)


@pytest.mark.parametrize(
    "raw,expected",
    [("APBDES", "APBDES"), ("Dana Desa", "APBDES"), ("ADD", "APBDES"), ("apbd", "APBD"),
     ("Mandiri", "MANDIRI"), ("LAINNYA", "LAINNYA"), ("", "")],
)  # fmt: skip
def test_funding_sources(raw, expected):
    assert parse_funding(raw) == expected


def test_an_unknown_funding_source_is_refused():
    assert expected_of(parse_funding, "BPJS") == (
        "APBDES, APBD, MANDIRI or LAINNYA (Dana Desa and ADD mean APBDES)"
    )


@pytest.mark.parametrize(
    "raw,expected",
    [("18012345678", "18012345678"), ("'18012345678", "18012345678"), ("", ""),
     ("*******5678", MaskedKpj(7, "5678"))],
)  # fmt: skip
def test_kpj_numbers(raw, expected):
    assert parse_kpj(raw) == expected


@pytest.mark.parametrize(
    "raw,expected",
    [(18012345678, "digits stored as text, not a number cell"), ("18-0123", "digits only"),
     ("1" * 21, "at most 20 digits (found 21)")],
)  # fmt: skip
def test_kpj_numbers_that_are_refused(raw, expected):
    assert expected_of(parse_kpj, raw) == expected


@pytest.mark.parametrize(
    "raw,expected", [("PU", "PU"), ("bpu", "BPU"), ("Bukan Penerima Upah", "BPU"), ("", "")]
)
def test_participant_categories(raw, expected):
    assert parse_category(raw) == expected
