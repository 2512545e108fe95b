"""The finance import (shared/spec/finance-import.md) through `manage.py import_finance`
and its service: every row error, replace semantics, duplicate keys, all or nothing, dry
runs, exit codes, XLSX, and the importing user's scope."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook

from finance.models import FinanceRecord
from finance.services import finance_import_as
from tests.finance.conftest import HEADER, csv_file

pytestmark = pytest.mark.django_db

GOOD = [
    '2022,33.02,PEKERJA_RENTAN,SEMUA,Rp 500.000.000,"1,5 miliar",',
    '2023,3302,pekerja_rentan,semua,500 juta,"2,5 miliar",12',
]


def stored() -> list[tuple]:
    return list(
        FinanceRecord.objects.order_by("year", "area_code", "program").values_list(
            "year", "area_code", "group", "program", "contributions", "claims", "claim_count"
        )
    )


def run(tmp_path, data: bytes, *options: str, name: str = "iuran.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_finance", str(path), *options, stdout=out)
    return out.getvalue()


def failing(tmp_path, data: bytes, *options: str, name: str = "iuran.csv") -> tuple:
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_finance", str(path), *options, stdout=out)
    return error.value.returncode, str(error.value), out.getvalue()


def test_it_imports_the_contracts_example(tmp_path):
    out = run(tmp_path, csv_file(*GOOD))
    assert out == "2 rows: 2 new, 0 replaced, 0 unchanged.\n"
    assert stored() == [
        (2022, "33.02", "PEKERJA_RENTAN", "SEMUA", 500_000_000, 1_500_000_000, None),
        (2023, "33.02", "PEKERJA_RENTAN", "SEMUA", 500_000_000, 2_500_000_000, 12),
    ]
    assert FinanceRecord.history.count() == 2


def test_importing_again_replaces_the_row(tmp_path):
    run(tmp_path, csv_file(*GOOD))
    out = run(tmp_path, csv_file(GOOD[0], "2023,33.02,PEKERJA_RENTAN,SEMUA,600 juta,3 miliar,"))
    assert out == "2 rows: 0 new, 1 replaced, 1 unchanged.\n"
    assert stored()[1] == (2023, "33.02", "PEKERJA_RENTAN", "SEMUA", 600_000_000, 3 * 10**9, None)
    assert FinanceRecord.objects.count() == 2
    assert FinanceRecord.history.filter(history_type="~").count() == 1


def test_english_headers_in_any_order_and_an_unknown_column_are_read(tmp_path):
    header = "notes,claims,contributions,program,group,AREA_CODE,Year"
    run(tmp_path, csv_file("x,10,20,jkk,semua,33,2024", header=header))
    assert stored() == [(2024, "33", "SEMUA", "JKK", 20, 10, None)]


def test_the_same_key_twice_is_an_error_on_the_later_row_and_nothing_is_written(tmp_path):
    data = csv_file(GOOD[0], GOOD[1], "2022,3302,PEKERJA_RENTAN,SEMUA,1,1,")
    code, message, out = failing(tmp_path, data)
    assert (code, message) == (1, "1 invalid rows; nothing was written.")
    assert out == (
        "Row 4, column tahun, kode_wilayah, kelompok, program: found “2022, 33.02, "
        "PEKERJA_RENTAN, SEMUA”; expected one row per year, area, group and program (this "
        "key is on row 2).\n"
    )
    assert stored() == []


ROW_ERRORS = [
    (
        "2014,33.02,SEMUA,SEMUA,1,1,",
        "Row 2, column tahun: found “2014”; expected a year from 2015 to 2100, e.g. 2023.",
    ),
    (
        "2023,33.02.03,SEMUA,SEMUA,1,1,",
        "Row 2, column kode_wilayah: found “33.02.03”; expected a regency or province code, "
        "e.g. 33.02, 3302 or 33.",
    ),
    (
        "2023,33.99,SEMUA,SEMUA,1,1,",
        "Row 2, column kode_wilayah: found “33.99”; expected the code of a regency or "
        "province, e.g. 33.02 or 33.",
    ),
    (
        "2023,33.02,RENTAN,SEMUA,1,1,",
        "Row 2, column kelompok: found “RENTAN”; expected one of PENYELENGGARA_PEMERINTAHAN, "
        "PEKERJA_RENTAN, SEMUA.",
    ),
    (
        "2023,33.02,SEMUA,JKN,1,1,",
        "Row 2, column program: found “JKN”; expected one of JKK, JKM, JHT, JP, JKP, SEMUA.",
    ),
    (
        "2023,33.02,SEMUA,SEMUA,-500,1,",
        "Row 2, column iuran: found “-500”; expected whole rupiah of 0 or more, e.g. "
        "500000000, Rp 500.000.000, 500 juta or 1,5 miliar.",
    ),
    (
        "2023,33.02,SEMUA,SEMUA,1,2 M,",
        "Row 2, column klaim: found “2 M”; expected whole rupiah of 0 or more, e.g. "
        "500000000, Rp 500.000.000, 500 juta or 1,5 miliar.",
    ),
    (
        "2023,33.02,SEMUA,SEMUA,1,1,dua",
        "Row 2, column jumlah_klaim: found “dua”; expected a whole number of 0 or more, or empty.",
    ),
    (
        "2023,33.02,SEMUA,SEMUA,1,," + "9" * 30,
        "Row 2, column klaim: found “”; expected whole rupiah of 0 or more, e.g. 500000000, "
        "Rp 500.000.000, 500 juta or 1,5 miliar.\n"
        "Row 2, column jumlah_klaim: found “999999999999999999999999999999”; expected at most "
        "2.000.000.000.",
    ),
    (
        "2023,33.02,SEMUA,SEMUA,1," + "9" * 60,
        "Row 2, column klaim: found “" + "9" * 50 + "…”; expected at most "
        "Rp 1.000.000.000.000.000.000.",
    ),
]


@pytest.mark.parametrize(("row", "message"), ROW_ERRORS)
def test_every_row_error_says_what_was_found_and_what_is_expected(tmp_path, row, message):
    code, _message, out = failing(tmp_path, csv_file(GOOD[0], row.replace("Row 2", "")))
    assert code == 1
    assert out == message.replace("Row 2,", "Row 3,") + "\n"
    assert stored() == []


def test_row_errors_are_in_indonesian_in_the_interface(tmp_path):
    with translation.override("id"):
        _code, message, out = failing(tmp_path, csv_file("2023,33.02,SEMUA,SEMUA,-1,1,"))
    assert out == (
        "Baris 2, kolom iuran: ditemukan “-1”; seharusnya rupiah bulat 0 atau lebih, mis. "
        "500000000, Rp 500.000.000, 500 juta atau 1,5 miliar.\n"
    )
    assert message == "1 baris tidak valid; tidak ada yang ditulis."


def test_a_dry_run_reports_and_writes_nothing(tmp_path):
    run(tmp_path, csv_file(GOOD[0]))
    out = run(tmp_path, csv_file(*GOOD), "--dry-run")
    assert out == "2 rows: 1 new, 0 replaced, 1 unchanged.\nDry run: nothing was written.\n"
    assert len(stored()) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (csv_file(), "The file has no data rows."),
        (
            csv_file("2023,33.02,SEMUA,1,1", header="tahun,kode_wilayah,kelompok,iuran,klaim"),
            "The header row lacks the columns program; it needs tahun, kode_wilayah, kelompok, "
            "program, iuran, klaim.",
        ),
        (
            csv_file("1,2,3,4,5,6,7", header=HEADER.replace("jumlah_klaim", "year")),
            "The column tahun is in the header twice.",
        ),
    ],
)
def test_a_refused_file_exits_2(tmp_path, data, message):
    assert failing(tmp_path, data)[:2] == (2, message)


def test_a_missing_file_exits_2(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("import_finance", str(tmp_path / "none.csv"))
    assert error.value.returncode == 2


def test_an_xlsx_with_number_cells_is_read(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append([2023, 3302, "PEKERJA_RENTAN", "JKK", 500_000_000, 2.5e9, 7])
    buffer = io.BytesIO()
    book.save(buffer)
    run(tmp_path, buffer.getvalue(), name="iuran.xlsx")
    assert stored() == [(2023, "33.02", "PEKERJA_RENTAN", "JKK", 500_000_000, 2_500_000_000, 7)]


def test_a_user_imports_only_their_own_areas(tmp_path, users):
    data = csv_file(GOOD[0], "2023,35.23,SEMUA,SEMUA,1,1,", "2023,33,SEMUA,SEMUA,1,1,")
    code, _message, out = failing(tmp_path, data, "--user", "branch_staff")
    assert code == 1
    assert out == (
        "Row 3, column kode_wilayah: found “35.23”; expected a regency or province in your "
        "area.\n"
        "Row 4, column kode_wilayah: found “33”; expected a regency or province in your area.\n"
    )
    assert stored() == []
    run(tmp_path, csv_file(GOOD[0]), "--user", "branch_staff")
    assert len(stored()) == 1


@pytest.mark.parametrize("role", ["manager", "regional_office", "village_secretary", "nobody"])
def test_roles_that_may_not_import_are_refused(tmp_path, users, role):
    code, message, _out = failing(tmp_path, csv_file(GOOD[0]), "--user", role)
    assert code == 2
    assert stored() == []


def test_the_service_as_head_office_sees_every_area(users):
    result = finance_import_as(
        data=csv_file("2023,35.23,SEMUA,SEMUA,1,1,"),
        file_name="x.csv",
        user=users["head_office"],
        dry_run=False,
    )
    assert (result.written, result.created) == (True, 1)


def test_a_row_created_meanwhile_refuses_the_file_and_writes_nothing(monkeypatch):
    from finance import services

    # Another import commits 2023's row after this one read the stored rows (none).
    FinanceRecord.objects.create(
        year=2023, area_code="33.02", group="PEKERJA_RENTAN", program="SEMUA",
        contributions=1, claims=1,
    )  # fmt: skip
    monkeypatch.setattr(
        FinanceRecord.objects, "select_for_update", lambda: FinanceRecord.objects.none()
    )
    result = services.finance_import(
        data=csv_file(GOOD[0], GOOD[1]),
        file_name="x.csv",
        scope=services.Scope(everything=True),
        dry_run=False,
    )
    assert result.refused == "Another import wrote some of these rows meanwhile; try again."
    assert (result.written, result.created) == (False, 0)
    assert FinanceRecord.objects.count() == 1  # 2022's row was rolled back with the rest
