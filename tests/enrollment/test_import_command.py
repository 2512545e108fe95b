"""`manage.py import_roster FILE [--dry-run] [--skip-invalid] [--user USERNAME]` and
`manage.py export_roster AREA`: the same report as the admin, and exit codes."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from enrollment.models import ImportRecord
from tests.factories import BranchOfficeFactory, UserFactory
from tests.fixtures.roster.build import EXAMPLE, KEDIRI, TUBAN_VILLAGE, csv_bytes, nik, row
from villages.models import Person, Regency
from villages.roles import user_role_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the msgids; the interface itself is Indonesian."""
    with translation.override("en"):
        yield


def import_roster(path, *options) -> str:
    out = io.StringIO()
    call_command("import_roster", str(path), *options, stdout=out)
    return out.getvalue()


def failing(path, *options) -> tuple[int, str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_roster", str(path), *options, stdout=out)
    return error.value.returncode, str(error.value), out.getvalue()


@pytest.fixture
def example(tmp_path):
    path = tmp_path / "roster-example.csv"
    path.write_bytes(EXAMPLE.read_bytes())
    return path


@pytest.fixture
def with_error(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([row(), row(nik=nik(2), jabatan="Bendahara")]))
    return path


def test_it_imports_the_example_and_prints_the_report(example):
    output = import_roster(example)

    assert output.splitlines() == [
        "Rows: 4 (blank rows not counted)",
        "Created: 4  Updated: 0  Unchanged: 0  Invalid: 0",
        "Warnings: 0  Replacements of single-holder posts: 0",
        f"Imported as {ImportRecord.objects.get().reference}.",
    ]
    record = ImportRecord.objects.get()
    assert (record.user, record.origin, record.created) == (None, "command", 4)


def test_an_invalid_row_exits_1_and_writes_nothing(with_error):
    code, message, output = failing(with_error)

    assert (code, message) == (1, "1 invalid rows; nothing was written.")
    assert "  row 3, column jabatan: found “Bendahara”, expected a post code" in output
    assert (Person.objects.count(), ImportRecord.objects.count()) == (0, 0)
    assert not with_error.with_name("roster.csv.rejected.csv").exists()


def test_skip_invalid_writes_the_valid_rows_and_the_rejected_file_beside_the_input(with_error):
    output = import_roster(with_error, "--skip-invalid")

    rejected = with_error.with_name("roster.csv.rejected.csv")
    assert f"Rejected rows: {rejected}" in output.splitlines()
    assert Person.objects.count() == 1
    rows = list(csv.reader(io.StringIO(rejected.read_text("utf-8-sig"))))
    assert [r[4] for r in rows] == ["jabatan", "Bendahara"]
    assert rows[1][-1].startswith("row 3, jabatan: expected a post code such as KEPALA_DESA")


def test_a_dry_run_writes_nothing_and_still_fails_on_invalid_rows(example, with_error):
    assert import_roster(example, "--dry-run").splitlines()[-1] == "Dry run: nothing was written."
    assert failing(with_error, "--dry-run", "--skip-invalid")[0] == 1
    assert (Person.objects.count(), ImportRecord.objects.count()) == (0, 0)


def test_a_refused_file_exits_2(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"kode_desa,nama\r\n33.02.18.2001,Sugeng\r\n")

    assert failing(path)[:2] == (
        2,
        "Required columns are missing from the header (row 1): nik (nik), jabatan (post).",
    )
    assert failing(tmp_path / "none.csv")[:2] == (2, f"No such file: {tmp_path / 'none.csv'}")


def test_a_file_over_20_mb_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "besar.csv"
    with path.open("wb") as out:
        out.truncate(25 * 1024 * 1024)

    assert failing(path)[:2] == (2, f"{path} is 25.0 MB; the limit is 20 MB.")


@pytest.fixture
def branch_staff(db):
    BranchOfficeFactory(name="Purwokerto").regencies.set(Regency.objects.filter(code="33.02"))
    return user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user


def test_user_limits_the_import_to_their_area(tmp_path, branch_staff):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([row(), row(nik=nik(2), kode_desa=TUBAN_VILLAGE)]))

    code, _message, output = failing(path, "--user", "staf")

    assert code == 1
    assert (
        "  row 3, column kode_desa: found “35.23.01.2001”, expected a village in your area: "
        "village 35.23.01.2001 is outside your area"
    ) in output.splitlines()
    import_roster(path, "--user", "staf", "--skip-invalid")
    assert ImportRecord.objects.get().user == branch_staff


def test_an_unknown_user_or_one_without_permission_exits_2(example):
    UserFactory(username="tamu")

    assert failing(example, "--user", "siapa")[:2] == (2, "No active user siapa.")
    assert failing(example, "--user", "tamu")[:2] == (
        2, "tamu may not import rosters (enrollment.add_membership).",
    )  # fmt: skip


def test_export_roster_writes_the_import_format(example, tmp_path):
    import_roster(example)
    out = tmp_path / "ekspor.csv"

    call_command("export_roster", KEDIRI, "--output", str(out), stdout=io.StringIO())

    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert rows[0][:3] == ["kode_desa", "nik", "nama"]
    assert sorted(r[1] for r in rows[1:]) == [
        "3302181010700003", "3302181204780001", "3302184203750004", "3302185507850002",
    ]  # fmt: skip
    assert import_roster(out).splitlines()[1] == "Created: 0  Updated: 0  Unchanged: 4  Invalid: 0"
