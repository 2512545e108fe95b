"""What an import reports: the rejected-rows file and the values it echoes."""

import csv
import io

import pytest
from django.utils import translation

from enrollment.imports.engine import roster_import
from tests.fixtures.roster.build import csv_bytes, nik, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the msgids; the interface itself is Indonesian."""
    with translation.override("en"):
        yield


def rejected_rows(result) -> list[list[str]]:
    return list(csv.reader(io.StringIO(result.rejected.decode("utf-8-sig"), newline="")))


def test_the_rejected_files_header_is_formula_escaped_like_its_cells():
    extra = ["=HYPERLINK(1)", "+satu", "-dua", "@SUM(3)", "\tempat", "\rlima"]
    header = [*row().keys(), *extra]
    data = csv_bytes(
        [[*row().values(), *extra], [*row(nik=nik(2), jabatan="?").values(), *extra]],
        header=header,
    )

    result = roster_import(data=data, file_name="roster.csv", skip_invalid=True)

    escaped = ["'=HYPERLINK(1)", "'+satu", "'-dua", "'@SUM(3)", "'\tempat", "'\rlima"]
    assert rejected_rows(result) == [
        [*row().keys(), *escaped, "error"],
        [*row(nik=nik(2), jabatan="?").values(), *escaped,
         "row 3, jabatan: expected a post code such as KEPALA_DESA or its label such as Kepala "
         "Desa (see the template) (found “?”)"],
    ]  # fmt: skip


def test_the_rejected_file_is_written_as_csvs_writer_writes_it():
    """It is written by hand, a cell at a time for long rows: quoting as csv.writer's."""
    extra = ["", "a,b", 'kata "kutip"', "baris\nbaru", "cr\rx", "tab\tx", " spasi", "ünï", '"']
    header = [*row().keys(), *(f"kolom {n}" for n in range(len(extra)))]
    invalid = [*row(nik=nik(2), jabatan="?").values(), *extra]
    data = csv_bytes([invalid], header=header)

    result = roster_import(data=data, file_name="roster.csv")

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*header, "error"])
    writer.writerow([*invalid, rejected_rows(result)[1][-1]])
    assert result.rejected == ("\ufeff" + out.getvalue()).encode()
