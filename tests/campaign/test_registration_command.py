"""`manage.py import_registrations FILE [--dry-run] [--skip-invalid] [--user USERNAME]`: the
report, the rejected-rows file and the exit codes (0 written, 1 invalid rows, 2 refused)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from campaign.models import Registration
from enrollment.models import ImportRecord
from tests.campaign.conftest import GUNUNGWETAN, KARANGLO, csv_bytes, row
from tests.factories import BranchOfficeFactory
from villages.models import Regency
from villages.roles import user_role_set

pytestmark = pytest.mark.django_db


def command(path, *options) -> str:
    out = io.StringIO()
    call_command("import_registrations", str(path), *options, stdout=out)
    return out.getvalue()


def failing(path, *options) -> tuple[int, str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_registrations", str(path), *options, stdout=out)
    return error.value.returncode, str(error.value), out.getvalue()


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "pendaftaran.csv"
    path.write_bytes(csv_bytes([row(), row(kode_desa=GUNUNGWETAN, iuran="Rp 168.000")]))
    return path


@pytest.fixture
def with_error(tmp_path):
    path = tmp_path / "pendaftaran.csv"
    path.write_bytes(csv_bytes([row(), row(kode_desa=GUNUNGWETAN, jumlah="-1")]))
    return path


def test_it_imports_and_prints_the_report(good):
    output = command(good)

    record = ImportRecord.objects.get()
    assert output.splitlines() == [
        "Rows: 2 (blank rows not counted)",
        "Created: 2  Updated: 0  Unchanged: 0  Invalid: 0",
        f"Imported as {record.reference}.",
    ]
    assert Registration.objects.count() == 2
    assert (record.kind, record.origin) == ("registrations", "command")


def test_the_second_import_of_a_file_reports_every_row_unchanged(good):
    command(good)

    assert command(good).splitlines()[1] == "Created: 0  Updated: 0  Unchanged: 2  Invalid: 0"


def test_a_dry_run_writes_nothing_and_exits_0(good):
    output = command(good, "--dry-run")

    assert output.splitlines()[-1] == "Dry run: nothing was written."
    assert (Registration.objects.count(), ImportRecord.objects.count()) == (0, 0)


def test_invalid_rows_write_nothing_and_exit_1(with_error):
    code, message, output = failing(with_error)

    assert (code, message) == (1, "1 invalid rows; nothing was written.")
    assert output.splitlines()[2:] == [
        "Errors:",
        "  row 3, column jumlah: found “-1”, expected a whole number of residents from 1 to "
        "100.000 (a day without registrations needs no row)",
    ]
    assert Registration.objects.count() == 0


def test_a_dry_run_with_invalid_rows_exits_1(with_error):
    assert failing(with_error, "--dry-run")[:2] == (1, "1 invalid rows; nothing was written.")


def test_skip_invalid_writes_the_valid_rows_and_the_rejected_file(with_error):
    output = command(with_error, "--skip-invalid")

    rejected = with_error.with_name("pendaftaran.csv.rejected.csv")
    assert output.splitlines()[-1] == f"Rejected rows: {rejected}"
    # A cell that looks like a formula comes back quoted, so a spreadsheet shows it as text.
    assert rejected.read_bytes().decode("utf-8-sig").splitlines()[1] == (
        f"24/04/2024,{GUNUNGWETAN},MANDIRI,'-1,,,\"row 3, jumlah: expected a whole number of "
        'residents from 1 to 100.000 (a day without registrations needs no row) (found “-1”)"'
    )
    assert Registration.objects.count() == 1


def test_skip_invalid_with_every_row_invalid_exits_1(tmp_path):
    path = tmp_path / "buruk.csv"
    path.write_bytes(csv_bytes([row(jumlah="0")]))

    assert failing(path, "--skip-invalid")[:2] == (
        1, "Every row is invalid; nothing was imported."
    )  # fmt: skip
    assert Registration.objects.count() == 0


def test_a_refused_file_exits_2(tmp_path):
    path = tmp_path / "buruk.csv"
    path.write_bytes(b"tanggal\r\n24/04/2024\r\n")

    code, message, _output = failing(path)

    assert (code, message) == (
        2, "Required columns are missing from the header (row 1): kode_desa (village_code), "
           "kanal (channel), jumlah (count)."
    )  # fmt: skip


def test_a_missing_file_exits_2(tmp_path):
    assert failing(tmp_path / "tidak-ada.csv")[:2] == (
        2, f"No such file: {tmp_path / 'tidak-ada.csv'}"
    )  # fmt: skip


def test_as_a_branch_officer_rows_outside_the_branch_are_errors(tmp_path, staff_user):
    path = tmp_path / "pendaftaran.csv"
    path.write_bytes(csv_bytes([row(), row(kode_desa=KARANGLO)]))

    code, _message, output = failing(path, "--user", "staf")

    assert code == 1
    assert output.splitlines()[-1] == (
        "  row 3, column kode_desa: found “35.23.08.2016”, expected a village in your area: "
        "village 35.23.08.2016 is outside your area"
    )


@pytest.mark.parametrize("kind", ["manager", "village_secretary"])
def test_a_user_who_may_not_import_is_refused(good, kind):
    BranchOfficeFactory(name="Purwokerto").regencies.set(Regency.objects.filter(code="33.02"))
    area = "33.02.03.2003" if kind == "village_secretary" else "33.02"
    user_role_set(username="baca", kind=kind, area_codes=[area])

    assert failing(good, "--user", "baca")[:2] == (
        2, "baca may not import registrations (campaign.add_registration)."
    )  # fmt: skip
    assert failing(good, "--user", "nobody")[:2] == (2, "No active user nobody.")
