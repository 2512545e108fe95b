"""The roster import as background jobs (enrollment.import_jobs): above the threshold the
admin's upload and confirm, and `import_roster --queue`, queue a job; the import's report shows
its state and a progress bar; a job run again, or retried after a failure mid-way, writes once.
Each page allowed, out of scope (404), anonymous (login) and wrong method (405)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

from enrollment.imports import apply
from enrollment.imports.engine import import_preview_queued, import_queued
from enrollment.imports.reader import rows_at_most
from enrollment.models import ImportRecord, Membership
from jobs.models import Job
from jobs.services import job_enqueue
from jobs.tasks import run_job
from tests.factories import BranchOfficeFactory
from tests.fixtures.roster.build import EXAMPLE, TUBAN_VILLAGE, csv_bytes, nik, row, xlsx_bytes
from villages.models import Person, Post, Regency
from villages.roles import user_role_set

from .test_import_admin import upload, url

pytestmark = pytest.mark.django_db

SMALL = override_settings(IMPORT_JOB_THRESHOLD_ROWS=2)  # the example's 4 rows are above it


@pytest.fixture(autouse=True)
def english(settings, client):
    """Pages and jobs (which speak the site's language) in English, the msgids."""
    settings.LANGUAGE_CODE = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def staff(client):
    """A Banyumas branch officer, logged in."""
    BranchOfficeFactory(name="Purwokerto").regencies.set(Regency.objects.filter(code="33.02"))
    client.force_login(
        user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user
    )
    return client


@pytest.fixture
def other_staff(db):
    """A Tuban branch officer: another area."""
    BranchOfficeFactory(name="Tuban").regencies.set(Regency.objects.filter(code="35.23"))
    return user_role_set(username="tuban", kind="branch_staff", branch_name="Tuban").user


def queued_preview(client, data: bytes = b"", **options) -> ImportRecord:
    with SMALL:
        response = upload(client, data or EXAMPLE.read_bytes(), **options)
    record = ImportRecord.objects.select_related("job").latest("pk")
    assert (response.status_code, response["Location"]) == (302, url("report", record.pk))
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
        client.post(url("confirm", record.pk))
    record.refresh_from_db()
    return record


# --- Counting rows before reading -------------------------------------------------------------


def test_rows_are_counted_from_line_breaks_and_row_elements():
    lines = csv_bytes([row(), row(nik=nik(2)), row(nik=nik(3))])
    assert rows_at_most(lines) == 3
    assert rows_at_most(lines.rstrip(b"\r\n")) == 3  # no break after the last row
    assert rows_at_most(lines.replace(b"\r\n", b"\n")) == 3
    assert rows_at_most(xlsx_bytes([row(), row(nik=nik(2))])) == 2
    assert rows_at_most(b"PK\x03\x04 not a workbook") == 0
    assert rows_at_most(b"") == 0


# --- Below the threshold nothing changes ------------------------------------------------------


def test_below_the_threshold_the_preview_and_the_write_stay_in_the_request(staff):
    upload(staff, EXAMPLE.read_bytes())
    record = ImportRecord.objects.get()
    assert (record.status, record.created, record.job) == ("previewed", 4, None)

    staff.post(url("confirm", record.pk))

    record.refresh_from_db()
    assert (record.status, record.job, Person.objects.count()) == ("imported", None, 4)
    assert Job.objects.count() == 0


# --- Above it: the preview ---------------------------------------------------------------------


def test_above_the_threshold_the_upload_queues_a_preview_job(staff):
    record = queued_preview(staff)

    assert (record.status, record.origin, record.user.username) == ("queued", "admin", "staf")
    assert bytes(record.upload) == EXAMPLE.read_bytes()
    assert (record.rows, record.file_size) == (0, len(EXAMPLE.read_bytes()))
    job = record.job
    assert (job.kind, job.arguments, job.state, job.requested_by.username) == (
        "roster_preview",
        {"record": record.pk},
        "queued",
        "staf",
    )
    page = staff.get(url("report", record.pk))
    assert page.status_code == 200
    assert (page.context["job_active"], page.context["can_confirm"]) == (True, False)
    body = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in body
    assert f"Background job #{job.pk} (Roster import: preview): queued." in body
    assert "<progress>queued</progress>" in body
    assert "waiting for its background job" in body
    assert 'id="import-counts"' not in body


def test_the_preview_job_checks_the_rows_and_stores_the_preview(staff):
    record = queued_preview(staff)

    job = run(record.job)

    assert (job.state, job.done, job.total, job.message) == (
        "succeeded",
        4,
        4,
        f"{record.reference}: preview of 4 rows ready; confirm it on the import's page.",
    )
    record.refresh_from_db()
    assert (record.status, record.rows, record.created, record.invalid) == ("previewed", 4, 4, 0)
    assert len(record.plan_digest) == 64
    assert Person.objects.count() == 0
    page = staff.get(url("report", record.pk))
    body = page.content.decode()
    assert (page.context["job_active"], page.context["can_confirm"]) == (False, True)
    assert 'http-equiv="refresh"' not in body
    assert "<progress" not in body
    assert f"Background job #{job.pk} (Roster import: preview): succeeded." in body
    assert url("confirm", record.pk) in body


def test_a_preview_job_run_again_does_nothing(staff):
    record = previewed(staff)
    digest = record.plan_digest

    again = run(job_enqueue(kind="roster_preview", arguments={"record": record.pk}))

    assert (again.state, again.message) == (
        "succeeded",
        f"{record.reference} is previewed, not confirmed; nothing to do.",
    )
    record.refresh_from_db()
    assert (record.status, record.plan_digest) == ("previewed", digest)


def test_the_preview_tells_its_progress_in_rows_chunk_by_chunk(staff, monkeypatch):
    monkeypatch.setattr("enrollment.imports.planner.PLAN_CHUNK", 2)
    record = import_queued(
        data=EXAMPLE.read_bytes(), file_name="roster.csv", user=None, skip_invalid=False
    )
    told: list[tuple[int, int]] = []

    import_preview_queued(record=record, progress=lambda done, most: told.append((done, most)))

    assert told == [(0, 4), (2, 4), (4, 4), (4, 4)]


def test_a_refused_file_is_kept_as_refused_with_its_reason(staff):
    record = queued_preview(staff, b"a,b\n1,2\n3,4\n5,6\n")

    job = run(record.job)

    record.refresh_from_db()
    assert (record.status, bytes(record.upload)) == ("refused", b"")
    reason = record.report["refused"]
    assert reason == (
        "Required columns are missing from the header (row 1): kode_desa (village_code), "
        "nik (nik), nama (name), jabatan (post)."
    )
    assert (job.state, job.message) == (
        "succeeded",
        f"{record.reference}: the file is refused: {reason}",
    )
    page = staff.get(url("report", record.pk))
    assert f'<p class="errornote">{reason}</p>' in page.content.decode()
    assert page.context["can_confirm"] is False


# --- Above it: the write ----------------------------------------------------------------------


def test_above_the_threshold_the_confirm_queues_the_write(staff):
    record = confirmed_by_job(staff)

    assert (record.status, Person.objects.count()) == ("previewed", 0)
    job = record.job
    assert (job.kind, job.arguments, job.state) == (
        "roster_confirm",
        {"record": record.pk, "user": record.user_id},
        "queued",
    )
    page = staff.get(url("report", record.pk))
    assert (page.context["job_active"], page.context["can_confirm"]) == (True, False)
    assert "Confirm the import" not in page.content.decode()
    with SMALL:  # a second click queues nothing more
        second = staff.post(url("confirm", record.pk), follow=True)
    assert [str(m) for m in second.context["messages"]] == [
        "A background job is working on this import already."
    ]
    assert Job.objects.filter(kind="roster_confirm").count() == 1


def test_the_write_job_writes_what_the_preview_showed_and_counts_rows_twice(staff):
    record = confirmed_by_job(staff)

    job = run(record.job)

    assert (job.state, job.done, job.total, job.message) == (
        "succeeded",
        8,
        8,
        f"{record.reference} imported: 4 created, 0 updated, 0 unchanged, 0 rejected.",
    )
    record.refresh_from_db()
    assert (record.status, bytes(record.upload)) == ("imported", b"")
    assert (Person.objects.count(), Post.objects.count()) == (4, 4)
    assert set(Person.history.values_list("history_user__username", flat=True)) == {"staf"}
    page = staff.get(url("report", record.pk))
    body = page.content.decode()
    assert "What the import changed" in body
    assert 'http-equiv="refresh"' not in body


def test_a_write_job_run_again_on_an_imported_record_writes_nothing(staff):
    record = confirmed_by_job(staff)
    run(record.job)
    histories = Person.history.count(), Membership.history.count()

    again = run(
        job_enqueue(kind="roster_confirm", arguments={"record": record.pk, "user": record.user_id})
    )

    assert (again.state, again.message) == (
        "succeeded",
        f"{record.reference} is imported; nothing to do.",
    )
    assert (Person.history.count(), Membership.history.count()) == histories


def test_a_write_that_fails_mid_way_leaves_nothing_and_its_retry_writes_once(staff, monkeypatch):
    """The memberships are the last rows written: the persons and posts before them are
    written when the worker fails, and all roll back with them."""
    record = confirmed_by_job(staff)
    job = record.job
    written = apply.create_with_history

    def lost_after(model, *args, **kwargs):
        ids = written(model, *args, **kwargs)
        if model is Membership:
            raise OperationalError("server closed the connection unexpectedly")
        return ids

    monkeypatch.setattr(apply, "create_with_history", lost_after)
    with pytest.raises(OperationalError):
        run_job.call(job.pk)
    job.refresh_from_db()
    record.refresh_from_db()
    assert (job.state, job.message) == (
        "failed",
        "OperationalError: server closed the connection unexpectedly",
    )
    assert (record.status, bytes(record.upload)) == ("previewed", EXAMPLE.read_bytes())
    assert (Person.objects.count(), Post.objects.count(), Membership.objects.count()) == (0, 0, 0)
    page = staff.get(url("report", record.pk))
    assert page.context["job_retryable"] is True
    assert url("retry", record.pk) in page.content.decode()

    monkeypatch.undo()
    retried = staff.post(url("retry", record.pk), follow=True)
    assert [str(m) for m in retried.context["messages"]] == ["The background job is queued again."]
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("queued", 2)
    assert run(job).state == "succeeded"
    record.refresh_from_db()
    assert record.status == "imported"
    assert (Person.objects.count(), Post.objects.count(), Membership.objects.count()) == (4, 4, 7)
    assert Person.history.filter(history_type="+").count() == 4
    assert Membership.history.filter(history_type="+").count() == 7


def test_a_job_not_failed_is_not_retried(staff):
    record = previewed(staff)

    response = staff.post(url("retry", record.pk), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "The background job was not failed or interrupted; it is left as it is."
    ]
    assert Job.objects.get().attempts == 1


def test_the_report_shows_a_running_job_with_its_progress(staff):
    record = confirmed_by_job(staff)
    Job.objects.filter(pk=record.job_id).update(state="running", done=3, total=8,
                                                message="Checking the rows")  # fmt: skip

    body = staff.get(url("report", record.pk)).content.decode()

    assert '<progress value="3" max="8">38%</progress>' in body
    assert "3 / 8" in body
    assert "running." in body and "Checking the rows" in body
    assert '<meta http-equiv="refresh" content="3">' in body


def test_the_report_offers_the_retry_of_an_interrupted_job(staff):
    record = confirmed_by_job(staff)
    Job.objects.filter(pk=record.job_id).update(state="interrupted")

    page = staff.get(url("report", record.pk))

    assert (page.context["job_retryable"], page.context["can_confirm"]) == (True, True)
    assert "did not finish; nothing of it was kept" in page.content.decode()


# --- The command -------------------------------------------------------------------------------


def roster_file(tmp_path, data: bytes):
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    return str(path)


def test_the_command_queues_the_import_and_prints_the_job(tmp_path):
    out = StringIO()

    call_command("import_roster", roster_file(tmp_path, EXAMPLE.read_bytes()), "--queue",
                 stdout=out)  # fmt: skip

    record = ImportRecord.objects.select_related("job").get()
    assert out.getvalue() == f"Job #{record.job.pk} queued: {record.reference}, roster.csv.\n"
    assert (record.status, record.origin, record.job.kind) == ("queued", "command", "roster_import")
    assert Person.objects.count() == 0
    job = run(record.job)
    assert (job.state, job.done, job.total) == ("succeeded", 8, 8)
    record.refresh_from_db()
    assert (record.status, record.created, Person.objects.count()) == ("imported", 4, 4)
    assert run(job_enqueue(kind="roster_import", arguments={"record": record.pk})).message == (
        f"{record.reference} is imported; nothing to do."
    )


def test_the_command_queues_an_all_or_nothing_import_that_writes_nothing(tmp_path):
    data = csv_bytes([row(), row(nik=nik(2), kode_desa="99.99.99.9999")])
    call_command("import_roster", roster_file(tmp_path, data), "--queue", stdout=StringIO())
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
    assert Person.objects.count() == 0


def test_the_command_queues_a_dry_run_as_a_preview(tmp_path):
    call_command("import_roster", roster_file(tmp_path, EXAMPLE.read_bytes()), "--queue",
                 "--dry-run", stdout=StringIO())  # fmt: skip
    record = ImportRecord.objects.select_related("job").get()

    assert run(record.job).kind == "roster_preview"
    record.refresh_from_db()
    assert (record.status, record.origin, record.created) == ("previewed", "command", 4)
    assert Person.objects.count() == 0


# --- Who may do what --------------------------------------------------------------------------


def test_another_branchs_staff_sees_neither_the_import_nor_its_job(staff, other_staff, client):
    record = confirmed_by_job(staff)
    Job.objects.filter(pk=record.job_id).update(state="failed")
    client.force_login(other_staff)

    assert client.get(url("report", record.pk)).status_code == 404
    assert client.post(url("retry", record.pk)).status_code == 404
    assert client.post(url("confirm", record.pk)).status_code == 404
    job_page = reverse("admin:jobs_job_change", args=[record.job_id])
    assert client.get(job_page).status_code == 404
    assert client.get(reverse("admin:jobs_job_changelist")).context["cl"].result_count == 0
    assert Job.objects.get(pk=record.job_id).state == "failed"


def test_anonymous_users_are_sent_to_the_login(client):
    for target in (url("retry", 1), url("report", 1)):
        response = client.post(target) if "retry" in target else client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_the_retry_takes_only_a_post(staff):
    record = previewed(staff)

    assert staff.get(url("retry", record.pk)).status_code == 405
    assert staff.put(url("retry", record.pk)).status_code == 405


def test_the_retry_of_an_unknown_import_is_not_found(staff):
    assert staff.post(url("retry", 999999)).status_code == 404


def test_a_tuban_row_is_refused_for_a_banyumas_officer_in_the_job_too(staff):
    record = queued_preview(staff, csv_bytes([row(), row(nik=nik(2), kode_desa=TUBAN_VILLAGE),
                                              row(nik=nik(3))]))  # fmt: skip

    run(record.job)

    record.refresh_from_db()
    assert (record.status, record.created, record.invalid) == ("previewed", 2, 1)
