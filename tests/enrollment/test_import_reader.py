"""Roster files as they come: encodings, delimiters, XLSX cells, blank rows, headers, limits."""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from enrollment.imports.columns import HEADER
from enrollment.imports.engine import roster_import
from enrollment.imports.reader import FileRefused, read_table
from tests.fixtures.roster.build import csv_bytes, nik, row, xlsx_bytes
from villages.models import Person, Post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the msgids; the interface itself is Indonesian."""
    with translation.override("en"):
        yield


def run(data: bytes, name: str = "roster.csv", **options):
    return roster_import(data=data, file_name=name, **options)


def refusal(data: bytes, name: str = "roster.csv") -> str:
    with pytest.raises(FileRefused) as refused:
        read_table(data, name)
    return str(refused.value)


def created(result) -> int:
    assert result.refused == "", result.refused
    assert result.plan.errors == []
    return result.plan.counts.created


def test_utf8_with_a_byte_order_mark():
    assert created(run(csv_bytes([row()], bom=True))) == 1


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolons_and_tabs_are_detected_from_the_header(delimiter):
    data = csv_bytes([row(program="JKK,JKM")], delimiter=delimiter)

    assert created(run(data)) == 1
    assert Person.objects.get().memberships.count() == 2


def test_windows_1252_names():
    data = csv_bytes([row(nama="Sutarmí")], encoding="cp1252")
    assert "Sutarmí".encode("cp1252") in data

    assert created(run(data)) == 1
    assert Person.objects.get().name == "Sutarmí"


def test_a_byte_order_mark_before_windows_1252_bytes_is_dropped():
    data = b"\xef\xbb\xbf" + csv_bytes([row(nama="Sutarmí")], encoding="cp1252")

    assert created(run(data)) == 1
    assert Person.objects.get().name == "Sutarmí"


def test_header_aliases_in_any_case_with_spaces():
    header = [f"  {name.upper()} " for name in HEADER]
    header[0], header[2] = "Village_Code", " name"

    assert created(run(csv_bytes([list(row().values())], header=header))) == 1


def test_blank_rows_are_skipped_but_keep_their_numbers():
    data = csv_bytes([row(), [], ["", " ", ""], row(nik=nik(2), jabatan="Kaur??")])

    result = run(data)

    assert (result.plan.counts.rows, result.plan.counts.created) == (2, 1)
    assert [(e.row, e.column) for e in result.plan.errors] == [(5, "jabatan")]


def test_duplicate_header_names_refuse_the_file():
    header = [*HEADER[:3], "NAMA", *HEADER[3:]]
    assert run(csv_bytes([], header=header)).refused == (
        "The header names the column NAMA twice (columns C and D)."
    )
    assert run(csv_bytes([], header=[*HEADER, "Catatan", "catatan "])).refused == (
        "The header names the column catatan twice (columns O and P)."
    )
    assert run(csv_bytes([], header=[*HEADER, "name"])).refused == (
        "The header names the column name twice (columns C and O)."
    )


def test_missing_required_columns_are_one_error():
    header = [h for h in HEADER if h not in ("nik", "jabatan")]

    result = run(csv_bytes([], header=header))

    assert result.refused == (
        "Required columns are missing from the header (row 1): nik (nik), jabatan (post)."
    )
    assert result.plan is None


def test_a_file_over_20_mb_is_refused_before_any_row_is_read(tmp_path):
    path = tmp_path / "besar.csv"
    line = ",".join(row().values()).encode() + b"\r\n"
    with path.open("wb") as out:
        out.write(",".join(HEADER).encode() + b"\r\n")
        out.write(line * (25 * 1024 * 1024 // len(line) + 1))
    assert path.stat().st_size > 25 * 1024 * 1024

    assert refusal(path.read_bytes()) == (
        "The file is 25.0 MB; the limit is 20 MB. Split it into smaller files."
    )


def test_more_than_200000_rows_are_refused():
    data = ("\n".join([",".join(HEADER)] + ["x"] * 200_001)).encode()

    assert refusal(data) == "The file has more than 200,000 rows. Split it into smaller files."


def _rewrite_sheet(data: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through `change`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(info, content)
    return out.getvalue()


def test_an_xlsx_that_understates_its_size_is_still_refused_past_the_limit(monkeypatch):
    """The declared size (the sheet's <dimension>) says 1 row of data; 5 are there. With a limit of
    3 rows the file is refused, and nothing is written."""
    monkeypatch.setattr("enrollment.imports.limits.MAX_ROWS", 3)
    rows = [row(nik=nik(serial=i), nama=f"Orang {i}") for i in range(1, 6)]
    data = _rewrite_sheet(
        xlsx_bytes(rows),
        lambda xml: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:AZ2"', xml),
    )
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:AZ2"' in sheet and b'<row r="6"' in sheet

    result = run(data, "roster.xlsx")
    assert result.refused == "The file has more than 3 rows. Split it into smaller files."
    assert Person.objects.count() == 0


def test_a_workbook_damaged_inside_its_sheet_is_refused_not_a_server_error():
    rows = [row(nik=nik(serial=i), nama=f"Orang {i}") for i in range(1, 6)]
    # The sheet's XML cut off in the middle of the fourth row.
    data = _rewrite_sheet(xlsx_bytes(rows), lambda xml: xml[: xml.index(b'<row r="4"') + 20])

    result = run(data, "roster.xlsx")
    assert (
        result.refused == "The workbook is damaged after row 3: save it again as .xlsx or as CSV."
    )
    assert Person.objects.count() == 0


def test_an_empty_file_and_other_formats_are_refused():
    assert refusal(b"  \n") == "The file is empty."
    assert refusal(b"\xd0\xcf\x11\xe0rest", "lama.xls") == (
        "Only CSV and XLSX files can be imported: save the file as .xlsx."
    )
    assert refusal(b"PK\x03\x04 not really a zip") == "The file is not a valid XLSX workbook."
    assert refusal(b"kode_desa\x00") == (
        "The file is not UTF-8 or Windows-1252 text: save it as CSV UTF-8 or as .xlsx."
    )


# --- XLSX -------------------------------------------------------------------------------------


def test_an_xlsx_with_real_date_cells():
    data = xlsx_bytes(
        [row(mulai_menjabat=dt.datetime(2022, 2, 1), iuran_sampai=dt.date(2026, 12, 31))]
    )

    assert created(run(data, "roster.xlsx")) == 1
    assert Post.objects.get().term_start == dt.date(2022, 2, 1)


def test_a_nik_or_kpj_stored_as_a_number_cell_is_a_row_error():
    data = xlsx_bytes([row(nik=int(nik(1)), nomor_kpj=18012345678)])

    result = run(data, "roster.xlsx")

    assert [(e.row, e.column, e.found) for e in result.plan.errors] == [
        (2, "nik", nik(1)),
        (2, "nomor_kpj", "18012345678"),
    ]
    assert result.plan.errors[0].expected.startswith("16 digits stored as text")


def test_trailing_empty_xlsx_rows_are_skipped():
    workbook = load_workbook(io.BytesIO(xlsx_bytes([row()])))
    sheet = workbook.active
    for number in range(3, 500):
        sheet.cell(row=number, column=2).number_format = "@"
        sheet.cell(row=number, column=3, value="  ")
    out = io.BytesIO()
    workbook.save(out)

    result = run(out.getvalue(), "roster.xlsx")

    assert (result.plan.counts.rows, created(result)) == (1, 1)


def test_only_the_first_worksheet_is_read():
    workbook = load_workbook(io.BytesIO(xlsx_bytes([row()])))
    workbook.create_sheet("lain").append(["apa saja"])
    out = io.BytesIO()
    workbook.save(out)

    assert created(run(out.getvalue(), "roster.xlsx")) == 1


def test_an_xlsx_bomb_is_refused_before_it_is_opened():
    plain = io.BytesIO()
    Workbook().save(plain)
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/media/padding.bin", b"\0" * (60 * 1024 * 1024))
    assert len(bomb.getvalue()) < 200 * 1024

    assert refusal(bomb.getvalue(), "bom.xlsx").startswith(
        "The workbook unpacks to 60 MB, out of proportion to its 0.1 MB: it is refused."
    )
