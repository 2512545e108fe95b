"""The registrations import as background jobs (campaign.jobs): above the threshold the admin's
upload and confirm, and `import_registrations --queue`, queue a job; the import's page shows its
state and a progress bar; a job run again, or retried after a failure mid-way, writes once, and
the rollups and self-enrolled totals move with it or not at all. Each page allowed, out of scope
(404), anonymous (login) and wrong method (405)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import reverse

from campaign import registration_import
from campaign.models import Registration, RegistrationDay, VillageSelfEnrolled
from campaign.registration_import import registrations_preview_queued
from campaign.rollups import rollup_drift
from campaign.self_enrolled import drift as self_enrolled_drift
from enrollment.imports.engine import import_queued
from enrollment.models import ImportRecord
from jobs.models import Job
from jobs.services import job_enqueue
from jobs.tasks import run_job
from tests.campaign.conftest import GUNUNGWETAN, KARANGLEWAS, KARANGLO, csv_bytes, row
from tests.factories import BranchOfficeFactory
from villages.models import Regency
from villages.roles import user_role_set

from .test_registration_admin import GOOD, messages_of, upload, url

pytestmark = pytest.mark.django_db

SMALL = override_settings(IMPORT_JOB_THRESHOLD_ROWS=1)  # GOOD's 2 rows are above it


@pytest.fixture(autouse=True)
def english(settings, client):
    """Pages and jobs (which speak the site's language) in English, the msgids."""
    settings.LANGUAGE_CODE = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def other_staff(db):
    """A Tuban branch officer: another area."""
    BranchOfficeFactory(name="Tuban").regencies.set(Regency.objects.filter(code="35.23"))
    return user_role_set(username="tuban", kind="branch_staff", branch_name="Tuban").user


def queued_preview(client, data: bytes = GOOD, **options) -> ImportRecord:
    with SMALL:
        response = upload(client, data, **options)
    record = ImportRecord.objects.select_related("job").latest("pk")
    assert (response.status_code, response["Location"]) == (302, url("_report", record.pk))
    return record


def run(job: Job | None) -> Job:
    assert job is not None
    run_job.call(job.pk)
    job.refresh_from_db()
    return job


def previewed(client) -> ImportRecord:
    record = queued_preview(client)
    run(record.job)
    record.refresh_from_db()
    return record


def confirmed_by_job(client) -> ImportRecord:
    record = previewed(client)
    with SMALL:
        client.post(url("_confirm", record.pk))
    record.refresh_from_db()
    return record


def stored() -> list[tuple[str, int, int]]:
    return sorted(Registration.objects.values_list("village_id", "count", "contributions"))


def kept_exact() -> None:
    """The rollups and the self-enrolled totals equal a rebuild from the registrations."""
    assert set(rollup_drift().values()) == {0}
    assert self_enrolled_drift() == 0


# --- Below the threshold nothing changes ------------------------------------------------------


def test_below_the_threshold_the_preview_and_the_write_stay_in_the_request(staff):
    upload(staff, GOOD)
    record = ImportRecord.objects.get()
    assert (record.status, record.created, record.job) == ("previewed", 2, None)

    staff.post(url("_confirm", record.pk))

    record.refresh_from_db()
    assert (record.status, record.job, Registration.objects.count()) == ("imported", None, 2)
    assert Job.objects.count() == 0


# --- Above it: the preview ---------------------------------------------------------------------


def test_above_the_threshold_the_upload_queues_a_preview_job(staff):
    record = queued_preview(staff)

    assert (record.kind, record.status, record.origin, record.user.username) == (
        "registrations",
        "queued",
        "admin",
        "staf",
    )
    assert (bytes(record.upload), record.rows) == (GOOD, 0)
    job = record.job
    assert (job.kind, job.arguments, job.state, job.requested_by.username) == (
        "registrations_preview",
        {"record": record.pk},
        "queued",
        "staf",
    )
    page = staff.get(url("_report", record.pk))
    assert page.status_code == 200
    assert (page.context["job_active"], page.context["can_confirm"]) == (True, False)
    body = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in body
    assert f"Background job #{job.pk} (Registrations import: preview): queued." in body
    assert "<progress>queued</progress>" in body
    assert "waiting for its background job" in body
    assert 'id="import-counts"' not in body


def test_the_preview_job_checks_the_rows_and_stores_the_preview(staff):
    record = queued_preview(staff)

    job = run(record.job)

    assert (job.state, job.done, job.total, job.message) == (
        "succeeded",
        2,
        2,
        f"{record.reference}: preview of 2 rows ready; confirm it on the import's page.",
    )
    record.refresh_from_db()
    assert (record.status, record.rows, record.created, record.invalid) == ("previewed", 2, 2, 0)
    assert len(record.plan_digest) == 64
    assert Registration.objects.count() == 0
    page = staff.get(url("_report", record.pk))
    body = page.content.decode()
    assert (page.context["job_active"], page.context["can_confirm"]) == (False, True)
    assert 'http-equiv="refresh"' not in body and "<progress" not in body
    assert f"Background job #{job.pk} (Registrations import: preview): succeeded." in body
    assert url("_confirm", record.pk) in body


def test_a_preview_job_run_again_does_nothing(staff):
    record = previewed(staff)
    digest = record.plan_digest

    again = run(job_enqueue(kind="registrations_preview", arguments={"record": record.pk}))

    assert (again.state, again.message) == (
        "succeeded",
        f"{record.reference} is previewed, not confirmed; nothing to do.",
    )
    record.refresh_from_db()
    assert (record.status, record.plan_digest) == ("previewed", digest)


def test_a_roster_job_does_not_take_a_registrations_import(staff):
    record = queued_preview(staff)

    job = run(job_enqueue(kind="roster_preview", arguments={"record": record.pk}))

    assert job.message == f"Import {record.pk} no longer exists; nothing to do."
    record.refresh_from_db()
    assert record.status == "queued"


def test_the_preview_tells_its_progress_in_rows(staff, monkeypatch):
    monkeypatch.setattr("campaign.registration_plan.PROGRESS_EVERY", 2)
    data = csv_bytes([row(), row(kode_desa=GUNUNGWETAN), row(kanal="SOSIALISASI")])
    record = import_queued(data=data, file_name="p.csv", user=None, skip_invalid=False,
                           kind=ImportRecord.Kind.REGISTRATIONS)  # fmt: skip
    told: list[tuple[int, int]] = []

    registrations_preview_queued(
        record=record, progress=lambda done, most: told.append((done, most))
    )

    assert told == [(0, 3), (2, 3), (3, 3)]


def test_a_refused_file_is_kept_as_refused_with_its_reason(staff):
    record = queued_preview(staff, b"a,b\n1,2\n3,4\n")

    job = run(record.job)

    record.refresh_from_db()
    assert (record.status, bytes(record.upload)) == ("refused", b"")
    reason = record.report["refused"]
    assert reason.startswith("Required columns are missing from the header")
    assert (job.state, job.message) == (
        "succeeded",
        f"{record.reference}: the file is refused: {reason}",
    )
    page = staff.get(url("_report", record.pk))
    assert f'<p class="errornote">{reason}</p>' in page.content.decode()
    assert page.context["can_confirm"] is False


def test_a_tuban_row_is_an_error_for_a_banyumas_officer_in_the_job_too(staff):
    record = queued_preview(staff, csv_bytes([row(), row(kode_desa=KARANGLO)]))

    run(record.job)

    record.refresh_from_db()
    assert (record.status, record.created, record.invalid) == ("previewed", 1, 1)


# --- Above it: the write ----------------------------------------------------------------------


def test_above_the_threshold_the_confirm_queues_the_write(staff):
    record = confirmed_by_job(staff)

    assert (record.status, Registration.objects.count()) == ("previewed", 0)
    job = record.job
    assert (job.kind, job.arguments, job.state) == (
        "registrations_confirm",
        {"record": record.pk, "user": record.user_id},
        "queued",
    )
    page = staff.get(url("_report", record.pk))
    assert (page.context["job_active"], page.context["can_confirm"]) == (True, False)
    assert "Confirm the import" not in page.content.decode()
    with SMALL:  # a second click queues nothing more
        second = staff.post(url("_confirm", record.pk), follow=True)
    assert messages_of(second) == ["A background job is working on this import already."]
    assert Job.objects.filter(kind="registrations_confirm").count() == 1


def test_the_write_job_writes_the_preview_and_the_rollups_with_it(staff):
    record = confirmed_by_job(staff)

    job = run(record.job)

    assert (job.state, job.done, job.total, job.message) == (
        "succeeded",
        4,
        4,
        f"{record.reference} imported: 2 created, 0 updated, 0 unchanged, 0 rejected.",
    )
    record.refresh_from_db()
    assert (record.status, bytes(record.upload)) == ("imported", b"")
    assert stored() == [(GUNUNGWETAN, 40, 672_000), (KARANGLEWAS, 15, 0)]
    assert set(Registration.history.values_list("history_user__username", flat=True)) == {"staf"}
    assert sorted(RegistrationDay.objects.values_list("regency", "channel", "count")) == [
        ("33.02", "MANDIRI", 55)
    ]
    assert VillageSelfEnrolled.objects.count() == 2
    kept_exact()
    page = staff.get(url("_report", record.pk))
    assert 'http-equiv="refresh"' not in page.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's")
def test_the_write_job_refreshes_the_planners_statistics(staff):
    record = confirmed_by_job(staff)

    run(record.job)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('campaign_registration', 'campaign_registrationday', "
            "'campaign_villageselfenrolled') ORDER BY relname"
        )
        assert cursor.fetchall() == [
            ("campaign_registration", 2.0),
            ("campaign_registrationday", 1.0),
            ("campaign_villageselfenrolled", 2.0),
        ]


def test_a_write_job_run_again_on_an_imported_record_writes_nothing(staff):
    record = confirmed_by_job(staff)
    run(record.job)

    again = run(job_enqueue(kind="registrations_confirm",
                            arguments={"record": record.pk, "user": record.user_id}))  # fmt: skip

    assert (again.state, again.message) == (
        "succeeded",
        f"{record.reference} is imported; nothing to do.",
    )
    assert (Registration.objects.count(), Registration.history.count()) == (2, 2)


def test_a_write_that_fails_mid_way_leaves_nothing_and_its_retry_writes_once(staff, monkeypatch):
    """The updates are written after the new registrations: those are written (and the
    triggers have moved the rollups) when the worker fails, and all roll back."""
    record = confirmed_by_job(staff)
    job = record.job

    def lost(*args, **kwargs):
        assert Registration.objects.count() == 2  # written, within the job's transaction
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(registration_import, "update_with_history", lost)
    with pytest.raises(OperationalError):
        run_job.call(job.pk)
    job.refresh_from_db()
    record.refresh_from_db()
    assert (job.state, job.message) == (
        "failed",
        "OperationalError: server closed the connection unexpectedly",
    )
    assert (record.status, bytes(record.upload)) == ("previewed", GOOD)
    assert (Registration.objects.count(), Registration.history.count()) == (0, 0)
    assert (RegistrationDay.objects.count(), VillageSelfEnrolled.objects.count()) == (0, 0)
    page = staff.get(url("_report", record.pk))
    assert page.context["job_retryable"] is True
    assert url("_retry", record.pk) in page.content.decode()
    assert "did not finish; nothing of it was kept" in page.content.decode()

    monkeypatch.undo()
    retried = staff.post(url("_retry", record.pk), follow=True)
    assert messages_of(retried) == ["The background job is queued again."]
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("queued", 2)
    assert run(job).state == "succeeded"
    record.refresh_from_db()
    assert record.status == "imported"
    assert stored() == [(GUNUNGWETAN, 40, 672_000), (KARANGLEWAS, 15, 0)]
    assert Registration.history.filter(history_type="+").count() == 2
    kept_exact()


def test_a_job_not_failed_is_not_retried(staff):
    record = previewed(staff)

    response = staff.post(url("_retry", record.pk), follow=True)

    assert messages_of(response) == [
        "The background job was not failed or interrupted; it is left as it is."
    ]
    assert Job.objects.get().attempts == 1


def test_the_page_shows_a_running_job_with_its_progress(staff):
    record = confirmed_by_job(staff)
    Job.objects.filter(pk=record.job_id).update(state="running", done=1, total=4,
                                                message="Checking the rows")  # fmt: skip

    body = staff.get(url("_report", record.pk)).content.decode()

    assert '<progress value="1" max="4">25%</progress>' in body
    assert "1 / 4" in body
    assert "running." in body and "Checking the rows" in body
    assert '<meta http-equiv="refresh" content="3">' in body


def test_the_page_offers_the_retry_of_an_interrupted_job(staff):
    record = confirmed_by_job(staff)
    Job.objects.filter(pk=record.job_id).update(state="interrupted")

    page = staff.get(url("_report", record.pk))

    assert (page.context["job_retryable"], page.context["can_confirm"]) == (True, True)
    assert "did not finish; nothing of it was kept" in page.content.decode()


# --- The command -------------------------------------------------------------------------------


def registrations_file(tmp_path, data: bytes) -> str:
    path = tmp_path / "pendaftaran.csv"
    path.write_bytes(data)
    return str(path)


def test_the_command_queues_the_import_and_prints_the_job(tmp_path):
    out = StringIO()

    call_command("import_registrations", registrations_file(tmp_path, GOOD), "--queue",
                 stdout=out)  # fmt: skip

    record = ImportRecord.objects.select_related("job").get()
    assert out.getvalue() == f"Job #{record.job.pk} queued: {record.reference}, pendaftaran.csv.\n"
    assert (record.kind, record.status, record.origin, record.job.kind) == (
        "registrations",
        "queued",
        "command",
        "registrations_import",
    )
    assert Registration.objects.count() == 0
    job = run(record.job)
    assert (job.state, job.done, job.total) == ("succeeded", 4, 4)
    record.refresh_from_db()
    assert (record.status, record.created, Registration.objects.count()) == ("imported", 2, 2)
    kept_exact()
    again = run(job_enqueue(kind="registrations_import", arguments={"record": record.pk}))
    assert again.message == f"{record.reference} is imported; nothing to do."
    assert Registration.history.count() == 2


def test_the_command_queues_an_all_or_nothing_import_that_writes_nothing(tmp_path):
    data = csv_bytes([row(), row(kode_desa="99.99.99.9999")])
    call_command("import_registrations", registrations_file(tmp_path, data), "--queue",
                 stdout=StringIO())  # fmt: skip
    record = ImportRecord.objects.get()

    job = run(record.job)

    record.refresh_from_db()
    assert (job.state, job.message) == (
        "succeeded",
        f"{record.reference}: 1 invalid rows; nothing was written.",
    )
    assert (record.status, record.rows, record.invalid, bytes(record.upload)) == (
        "refused",
        2,
        1,
        b"",
    )
    assert Registration.objects.count() == 0


def test_the_command_queues_a_dry_run_as_a_preview(tmp_path):
    call_command("import_registrations", registrations_file(tmp_path, GOOD), "--queue",
                 "--dry-run", stdout=StringIO())  # fmt: skip
    record = ImportRecord.objects.select_related("job").get()

    assert run(record.job).kind == "registrations_preview"
    record.refresh_from_db()
    assert (record.status, record.origin, record.created) == ("previewed", "command", 2)
    assert Registration.objects.count() == 0


# --- Who may do what --------------------------------------------------------------------------


def test_another_branchs_staff_sees_neither_the_import_nor_its_job(staff, other_staff, client):
    record = confirmed_by_job(staff)
    Job.objects.filter(pk=record.job_id).update(state="failed")
    client.force_login(other_staff)

    assert client.get(url("_report", record.pk)).status_code == 404
    assert client.post(url("_retry", record.pk)).status_code == 404
    assert client.post(url("_confirm", record.pk)).status_code == 404
    assert client.get(reverse("admin:jobs_job_change", args=[record.job_id])).status_code == 404
    assert Job.objects.get(pk=record.job_id).state == "failed"


def test_anonymous_users_are_sent_to_the_login(client):
    for response in (client.post(url("_retry", 1)), client.get(url("_report", 1))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_the_retry_takes_only_a_post(staff):
    record = previewed(staff)

    assert staff.get(url("_retry", record.pk)).status_code == 405
    assert staff.put(url("_retry", record.pk)).status_code == 405


def test_the_retry_of_an_unknown_import_is_not_found(staff):
    assert staff.post(url("_retry", 999999)).status_code == 404
