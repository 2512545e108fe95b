"""The registrations import service: what a file writes, every row error, replace semantics,
idempotence, all or nothing, skipping invalid rows, dry runs and history."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook

from campaign.models import Registration
from campaign.registration_import import registrations_import
from enrollment.imports import limits
from enrollment.models import ImportRecord
from tests.campaign.conftest import (
    GUNUNGWETAN,
    KARANGLEWAS,
    KARANGLO,
    TODAY,
    csv_bytes,
    row,
    stored_registration,
)
from tests.factories import PerisaiAgentFactory

pytestmark = pytest.mark.django_db

FIELDS = ("date", "village_id", "channel", "agent__code", "count", "contributions")


def run(data: bytes, name: str = "pendaftaran.csv", **options):
    return registrations_import(data=data, file_name=name, today=TODAY, **options)


def stored() -> list[tuple]:
    return list(Registration.objects.order_by(*FIELDS).values_list(*FIELDS))


def errors(result) -> list[list]:
    return result.report["errors"]


# --- What a file writes -----------------------------------------------------------------------


def test_a_file_creates_its_registrations_with_history_naming_the_import(agents):
    data = csv_bytes([
        row(),
        row(kode_desa="3302032001", kanal="sosialisasi", jumlah="40", iuran="Rp 672.000"),
        row(kanal="Perisai", jumlah="3", kode_agen="prs-3302-001", iuran="50.400"),
    ])  # fmt: skip

    result = run(data)

    assert result.written
    assert (result.plan.counts.created, result.plan.counts.updated) == (3, 0)
    day = dt.date(2024, 4, 24)
    assert stored() == [
        (day, GUNUNGWETAN, "SOSIALISASI", None, 40, 672_000),
        (day, KARANGLEWAS, "MANDIRI", None, 15, 0),
        (day, KARANGLEWAS, "PERISAI", "PRS-3302-001", 3, 50_400),
    ]
    record = result.record
    assert (record.kind, record.origin, record.status, record.user) == (
        "registrations",
        "command",
        "imported",
        None,
    )
    assert (record.rows, record.created, record.updated, record.unchanged, record.invalid) == (
        3,
        3,
        0,
        0,
        0,
    )
    assert set(Registration.objects.values_list("import_record", flat=True)) == {record.pk}
    reason = f"Impor {record.reference}: pendaftaran.csv"
    assert (
        sorted(Registration.history.values_list("history_type", "history_change_reason"))
        == [("+", reason)] * 3
    )


def test_the_importing_user_is_in_the_history(agents, staff_user):
    run(csv_bytes([row()]), user=staff_user)

    assert list(Registration.history.values_list("history_user__username", flat=True)) == ["staf"]


def test_a_semicolon_file_in_windows_1252_with_blank_rows_and_english_headers():
    header = ["Date", "Village_Code", "Channel", "Count", "Agent_Code", "Contributions", "Catatan"]
    data = csv_bytes(
        [row() + ["Balai Desa"], ["", "", "", "", "", "", ""], row(jumlah="7") + ["é"]],
        header=header, delimiter=";",
    ).decode().replace("15;;;", "15;;;").encode("cp1252")  # fmt: skip

    result = run(data)

    assert errors(result) == [
        [4, "Date", "24/04/2024 33.02.03.2003 MANDIRI",
         "one row per date, village, channel and agent: row 2 has the same (the file names this "
         "registration twice)"],
    ]  # fmt: skip
    assert result.report["warnings"] == [[0, "Unknown columns are ignored: Catatan."]]
    assert result.plan.counts.rows == 2  # the blank row is skipped, row 4 keeps its number


def test_an_xlsx_with_date_and_number_cells():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["tanggal", "kode_desa", "kanal", "jumlah", "kode_agen", "iuran"])
    sheet.append([dt.datetime(2024, 4, 24), "33.02.03.2003", "MANDIRI", 15, None, 168000])
    sheet.append([dt.datetime(2024, 4, 25), 3302032003, "LAINNYA", 2.0, None, None])
    out = io.BytesIO()
    workbook.save(out)

    result = run(out.getvalue(), name="pendaftaran.xlsx")

    assert result.written
    assert stored() == [
        (dt.date(2024, 4, 24), KARANGLEWAS, "MANDIRI", None, 15, 168_000),
        (dt.date(2024, 4, 25), KARANGLEWAS, "LAINNYA", None, 2, 0),
    ]


# --- Row errors -------------------------------------------------------------------------------


def test_every_row_error_says_what_was_found_and_what_is_expected(agents, staff_user):
    data = csv_bytes([
        row(tanggal="02/05/2024"),
        row(kode_desa="33.02.03.9999"),
        row(kode_desa=KARANGLO),
        row(kanal="PERISAI"),
        row(kanal="PERISAI", kode_agen="PRS-0000-404"),
        row(kanal="PERISAI", kode_agen="PRS-3523-001"),
        row(kanal="MANDIRI", kode_agen="PRS-3302-001"),
        row(jumlah="0", iuran="-5"),
        row(tanggal="01/05/2024"),
    ])  # fmt: skip

    result = run(data, user=staff_user)

    assert not result.written
    assert errors(result) == [
        [2, "tanggal", "02/05/2024",
         "a date not after today (01/05/2024): registrations are counted once they happen"],
        [3, "kode_desa", "33.02.03.9999", "a village code that exists in the Kemendagri list"],
        [4, "kode_desa", KARANGLO,
         "a village in your area: village 35.23.08.2016 is outside your area"],
        [5, "kode_agen", "",
         "the code of the Perisai agent who registered them (the channel is PERISAI)"],
        [6, "kode_agen", "PRS-0000-404",
         "an agent code known to the product: no agent has the code PRS-0000-404"],
        [7, "kode_agen", "PRS-3523-001",
         "an agent of the village's regency 33.02: agent PRS-3523-001 belongs to regency 35.23"],
        [8, "kode_agen", "PRS-3302-001",
         "an empty cell: only PERISAI rows name an agent (the channel is MANDIRI)"],
        [9, "jumlah", "0",
         "a whole number of residents from 1 to 100.000 (a day without registrations needs no "
         "row)"],
        [9, "iuran", "-5",
         "whole rupiah of at least 0, such as 168000 or Rp 168.000 (no decimals, at most "
         "Rp 1.000.000.000.000)"],
    ]  # fmt: skip
    assert (result.plan.counts.invalid, result.plan.counts.created) == (8, 1)
    assert Registration.objects.count() == 0
    assert ImportRecord.objects.count() == 0


def test_head_office_imports_any_village_and_an_agent_of_its_regency(agents):
    result = run(csv_bytes([row(kode_desa=KARANGLO, kanal="PERISAI", kode_agen="PRS-3523-001")]))

    assert result.written
    assert stored() == [(dt.date(2024, 4, 24), KARANGLO, "PERISAI", "PRS-3523-001", 15, 0)]


def test_two_agents_in_one_village_on_one_day_are_two_registrations(agents):
    PerisaiAgentFactory(code="PRS-3302-002").villages.set([KARANGLEWAS])
    data = csv_bytes([
        row(kanal="PERISAI", kode_agen="PRS-3302-001", jumlah="2"),
        row(kanal="PERISAI", kode_agen="PRS-3302-002", jumlah="3"),
        row(kanal="PERISAI", kode_agen="prs-3302-002", jumlah="4"),
    ])  # fmt: skip

    result = run(data, skip_invalid=True)

    assert errors(result) == [
        [4, "tanggal", "24/04/2024 33.02.03.2003 PERISAI PRS-3302-002",
         "one row per date, village, channel and agent: row 3 has the same (the file names this "
         "registration twice)"],
    ]  # fmt: skip
    assert [r[3:5] for r in stored()] == [("PRS-3302-001", 2), ("PRS-3302-002", 3)]


def test_an_agent_off_duty_or_serving_other_villages_is_one_warning_not_an_error(agents):
    agents["banyumas"].active_until = dt.date(2024, 3, 31)
    agents["banyumas"].save()
    other = PerisaiAgentFactory(code="PRS-3302-002")
    data = csv_bytes([
        row(kanal="PERISAI", kode_agen="PRS-3302-001"),
        row(kanal="PERISAI", kode_agen="PRS-3302-002"),
        row(tanggal="30/03/2024", kanal="PERISAI", kode_agen="PRS-3302-001"),
        row(tanggal="25/04/2024", kanal="PERISAI", kode_agen="PRS-3302-001"),
        row(tanggal="25/04/2024", kanal="PERISAI", kode_agen="PRS-3302-002"),
    ])  # fmt: skip

    result = run(data)

    assert result.written
    assert result.report["warnings"] == [
        [2, "Agent PRS-3302-001 was not at work on the dates of 2 rows (inactive, or outside the "
            "dates it serves): rows 2, 5. They are imported."],
        [3, "Agent PRS-3302-002 does not serve village 33.02.03.2003 (2 rows: 3, 6). They are "
            "imported."],
    ]  # fmt: skip
    assert other.registrations.count() == 2


# --- Replace, idempotence ---------------------------------------------------------------------


def test_a_stored_row_is_replaced_by_the_files_figures(agents):
    old = stored_registration(count=10, contributions=100)
    kept = stored_registration(channel="LAINNYA", count=4)

    result = run(csv_bytes([row(jumlah="15", iuran="168.000"), row(kanal="lainnya", jumlah="4")]))

    assert (result.plan.counts.updated, result.plan.counts.unchanged) == (1, 1)
    old.refresh_from_db()
    assert (old.count, old.contributions, old.import_record) == (15, 168_000, result.record)
    kept.refresh_from_db()
    assert (kept.count, kept.import_record) == (4, None)  # unchanged: not written
    assert list(old.history.values_list("history_type", "count", "history_change_reason")) == [
        ("~", 15, f"Impor {result.record.reference}: pendaftaran.csv"),
        ("+", 10, None),
    ]
    assert kept.history.count() == 1


def test_a_registration_loaded_without_history_gets_its_stored_state_first(agents):
    """Bulk loads (generate_load, the demo) write registrations without history: the first
    import that changes one writes its stored state before the change."""
    (loaded,) = Registration.objects.bulk_create(
        [Registration(date=dt.date(2024, 4, 24), village_id=KARANGLEWAS, channel="MANDIRI",
                      count=7)]
    )  # fmt: skip

    result = run(csv_bytes([row()]))

    reference = result.record.reference
    assert list(loaded.history.values_list("count", "history_change_reason")) == [
        (15, f"Impor {reference}: pendaftaran.csv"),
        (7, f"Keadaan tersimpan sebelum impor {reference}"),
    ]


def test_empty_contributions_keep_the_stored_ones_and_a_zero_replaces_them(agents):
    kept = stored_registration(count=10, contributions=168_000)
    zeroed = stored_registration(channel="LAINNYA", count=4, contributions=50_400)

    result = run(csv_bytes([row(jumlah="12"), row(kanal="LAINNYA", jumlah="4", iuran="0"),
                            row(kode_desa=GUNUNGWETAN)]))  # fmt: skip

    assert (result.plan.counts.created, result.plan.counts.updated) == (1, 2)
    assert stored() == [
        (dt.date(2024, 4, 24), GUNUNGWETAN, "MANDIRI", None, 15, 0),
        (dt.date(2024, 4, 24), KARANGLEWAS, "LAINNYA", None, 4, 0),
        (dt.date(2024, 4, 24), KARANGLEWAS, "MANDIRI", None, 12, 168_000),
    ]
    assert {kept.pk, zeroed.pk} == set(
        Registration.objects.filter(village_id=KARANGLEWAS).values_list("pk", flat=True)
    )


def test_a_file_without_the_contributions_column_keeps_them(agents):
    stored_registration(count=10, contributions=168_000)
    data = csv_bytes([row()[:4]], header=["tanggal", "kode_desa", "kanal", "jumlah"])

    result = run(data)

    assert (result.plan.counts.updated, result.plan.counts.unchanged) == (1, 0)
    assert stored() == [(dt.date(2024, 4, 24), KARANGLEWAS, "MANDIRI", None, 15, 168_000)]
    assert run(data).plan.counts.unchanged == 1


def test_importing_the_same_file_twice_changes_nothing_the_second_time(agents):
    data = csv_bytes([
        row(), row(kanal="PERISAI", kode_agen="PRS-3302-001", iuran="Rp 50.400"),
        row(tanggal="25/04/2024", kode_desa=GUNUNGWETAN, jumlah="1.200"),
    ])  # fmt: skip
    run(data)
    before = (stored(), list(Registration.objects.values_list("id", "import_record")),
              Registration.history.count())  # fmt: skip

    second = run(data)

    counts = second.plan.counts
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 3)
    assert second.record.unchanged == 3
    after = (stored(), list(Registration.objects.values_list("id", "import_record")),
             Registration.history.count())  # fmt: skip
    assert after == before


# --- All or nothing, skipping, dry run --------------------------------------------------------


def test_one_bad_row_writes_nothing(agents):
    stored_registration(count=10)

    result = run(csv_bytes([row(jumlah="12"), row(kode_desa=GUNUNGWETAN), row(jumlah="x")]))

    assert (result.written, result.record) == (False, None)
    assert stored() == [(dt.date(2024, 4, 24), KARANGLEWAS, "MANDIRI", None, 10, 0)]
    assert (ImportRecord.objects.count(), Registration.history.count()) == (0, 1)


def test_skip_invalid_writes_the_valid_rows_and_returns_the_rejected_ones(agents):
    data = csv_bytes([row(), row(kanal="PERISAI", iuran="=1+1"), row(kode_desa=GUNUNGWETAN)])

    result = run(data, skip_invalid=True)

    assert result.written
    assert [r[1] for r in stored()] == [GUNUNGWETAN, KARANGLEWAS]
    rejected = list(csv.reader(io.StringIO(result.rejected.decode("utf-8-sig"))))
    assert rejected == [
        ["tanggal", "kode_desa", "kanal", "jumlah", "kode_agen", "iuran", "error"],
        ["24/04/2024", KARANGLEWAS, "PERISAI", "15", "", "'=1+1",
         "row 3, iuran: expected whole rupiah of at least 0, such as 168000 or Rp 168.000 (no "
         "decimals, at most Rp 1.000.000.000.000) (found “=1+1”)"],
    ]  # fmt: skip
    assert (result.record.invalid, result.record.skip_invalid) == (1, True)
    assert bytes(ImportRecord.objects.get().rejected) == result.rejected


def test_a_dry_run_writes_nothing(agents):
    result = run(csv_bytes([row()]), dry_run=True)

    assert (result.written, result.plan.counts.created) == (False, 1)
    assert (Registration.objects.count(), ImportRecord.objects.count()) == (0, 0)


# --- Refused files ----------------------------------------------------------------------------


def test_a_file_without_the_required_columns_is_refused():
    result = run(b"tanggal,jumlah\r\n24/04/2024,3\r\n")

    assert result.refused == (
        "Required columns are missing from the header (row 1): kode_desa (village_code), "
        "kanal (channel)."
    )
    assert result.plan is None


def test_a_file_over_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 2)

    result = run(csv_bytes([row(), row(jumlah="2"), row(jumlah="3")]))

    assert result.refused == "The file has more than 2 rows. Split it into smaller files."


@pytest.mark.parametrize(
    "data,refusal",
    [(b"", "The file is empty."),
     (b"\xd0\xcf\x11\xe0rest", "Only CSV and XLSX files can be imported: save the file as .xlsx."),
     (b"PK\x03\x04broken", "The file is not a valid XLSX workbook.")],
)  # fmt: skip
def test_unreadable_files_are_refused(data, refusal):
    assert run(data).refused == refusal
