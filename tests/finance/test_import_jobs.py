"""The contributions and claims import as background jobs (finance.jobs): above the threshold
the admin's upload and confirm, and `import_finance --queue`, queue a job; the import's page
shows its state and a progress bar; a job run again, or retried after a failure mid-way,
writes once. Each page allowed, out of scope (404), anonymous (login) and wrong method (405)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import reverse

from finance import services
from finance.models import FinanceImport, FinanceRecord
from jobs.models import Job
from jobs.services import job_enqueue
from jobs.tasks import run_job
from tests.factories import BranchOfficeFactory
from tests.finance.conftest import csv_file
from villages.models import Regency
from villages.roles import user_role_set

pytestmark = pytest.mark.django_db

SMALL = override_settings(IMPORT_JOB_THRESHOLD_ROWS=1)  # GOOD's 2 rows are above it
UPLOAD = reverse("admin:finance_financerecord_import")
GOOD = csv_file(
    '2023,33.02,PEKERJA_RENTAN,SEMUA,500 juta,"2,5 miliar",',
    "2023,33.02,PEKERJA_RENTAN,JKK,Rp 100.000.000,Rp 50.000.000,4",
)


def url(name: str, pk: int) -> str:
    return reverse(f"admin:finance_financerecord_import_{name}", args=[pk])


@pytest.fixture(autouse=True)
def english(settings):
    """Jobs speak the site's language: English, the msgids."""
    settings.LANGUAGE_CODE = "en"


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def staff(users) -> Client:
    return client_of(users["branch_staff"])


def queued_preview(client: Client, data: bytes = GOOD) -> FinanceImport:
    with SMALL:
        response = client.post(UPLOAD, {"file": SimpleUploadedFile("iuran.csv", data)})
    record = FinanceImport.objects.select_related("job").latest("pk")
    assert (response.status_code, response["Location"]) == (302, url("preview", record.pk))
    return record


def run(job: Job | None) -> Job:
    assert job is not None
    run_job.call(job.pk)
    job.refresh_from_db()
    return job


def previewed(client: Client) -> FinanceImport:
    record = queued_preview(client)
    run(record.job)
    record.refresh_from_db()
    return record


def confirmed_by_job(client: Client) -> FinanceImport:
    record = previewed(client)
    with SMALL:
        client.post(url("confirm", record.pk))
    record.refresh_from_db()
    return record


def stored() -> list[tuple]:
    return list(
        FinanceRecord.objects.order_by("program").values_list("program", "contributions", "claims")
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_below_the_threshold_the_preview_stays_in_the_request(staff):
    staff.post(UPLOAD, {"file": SimpleUploadedFile("iuran.csv", GOOD)})

    record = FinanceImport.objects.get()
    assert (record.status, record.job, Job.objects.count()) == ("previewed", None, 0)


def test_above_the_threshold_the_upload_queues_a_preview_job(staff, users):
    record = queued_preview(staff)

    assert (record.status, bytes(record.data), record.user) == (
        "queued",
        GOOD,
        users["branch_staff"],
    )
    job = record.job
    assert (job.kind, job.arguments, job.state, job.requested_by) == (
        "finance_preview",
        {"record": record.pk},
        "queued",
        users["branch_staff"],
    )
    page = staff.get(url("preview", record.pk))
    assert (page.status_code, page.context["job_active"], page.context["can_confirm"]) == (
        200,
        True,
        False,
    )
    body = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in body
    assert f"Background job #{job.pk} (Contributions and claims import: preview): queued." in body
    assert "<progress>queued</progress>" in body
    assert 'id="import-counts"' not in body


def test_the_preview_job_counts_read_and_written_rows_and_writes_nothing(staff):
    record = queued_preview(staff)

    job = run(record.job)

    assert (job.state, job.done, job.total, job.message) == (
        "succeeded",
        4,
        4,
        "iuran.csv: preview of 2 rows ready; confirm it on the import's page.",
    )
    record.refresh_from_db()
    assert (record.status, record.report["created"], FinanceRecord.objects.count()) == (
        "previewed",
        2,
        0,
    )
    page = staff.get(url("preview", record.pk))
    assert (page.context["job_active"], page.context["can_confirm"]) == (False, True)
    assert 'http-equiv="refresh"' not in page.content.decode()
    again = run(job_enqueue(kind="finance_preview", arguments={"record": record.pk}))
    assert again.message == "iuran.csv is previewed; nothing to do."


def test_a_preview_with_a_wrong_row_cannot_be_confirmed(staff):
    record = queued_preview(
        staff, csv_file("2023,33.02,SEMUA,JKK,1,1,", "2023,35.23,SEMUA,JKK,1,1,")
    )

    job = run(record.job)

    assert job.message == "iuran.csv: 1 invalid rows; nothing can be imported."
    page = staff.get(url("preview", record.pk))
    assert page.context["can_confirm"] is False
    assert "Row 3, column kode_wilayah: found “35.23”" in page.content.decode()


def test_the_progress_is_told_every_so_many_rows(monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    told: list[tuple[int, int]] = []

    result = services.finance_import(
        data=GOOD,
        file_name="iuran.csv",
        scope=services.Scope(everything=True),
        dry_run=True,
        progress=lambda done, total: told.append((done, total)),
    )

    assert result.created == 2
    assert told == [(1, 4), (2, 4), (2, 4), (3, 4), (4, 4), (4, 4)]


def test_a_refused_file_is_kept_as_refused_with_its_reason(staff):
    record = queued_preview(staff, b"a,b\n1,2\n3,4\n")

    job = run(record.job)

    record.refresh_from_db()
    reason = record.report["refused"]
    assert reason.startswith("The header row lacks the columns tahun, kode_wilayah")
    assert (record.status, job.message) == ("refused", f"iuran.csv: the file is refused: {reason}")
    page = staff.get(url("preview", record.pk))
    assert f'<p class="errornote">{reason}</p>' in page.content.decode()
    assert page.context["can_confirm"] is False


def test_the_confirm_queues_the_write_once_and_the_job_writes_it(staff):
    record = confirmed_by_job(staff)

    job = record.job
    assert (record.status, job.kind, job.arguments, job.state) == (
        "previewed",
        "finance_confirm",
        {"record": record.pk, "user": record.user_id},
        "queued",
    )
    assert FinanceRecord.objects.count() == 0
    with SMALL:
        second = staff.post(url("confirm", record.pk), follow=True)
    assert messages_of(second)[-1] == "A background job is working on this import already."

    job = run(job)

    assert (job.state, job.done, job.total, job.message) == (
        "succeeded",
        4,
        4,
        "iuran.csv imported: 2 new, 0 replaced, 0 unchanged.",
    )
    record.refresh_from_db()
    assert record.status == "imported"
    assert stored() == [("JKK", 100_000_000, 50_000_000), ("SEMUA", 500_000_000, 2_500_000_000)]
    again = run(job_enqueue(kind="finance_confirm", arguments={"record": record.pk}))
    assert again.message == "iuran.csv is imported; nothing to do."
    assert FinanceRecord.history.count() == 2


def test_a_write_that_fails_mid_way_leaves_nothing_and_its_retry_writes_once(staff, monkeypatch):
    record = confirmed_by_job(staff)
    job = record.job
    save = FinanceRecord.save

    def lost_on_the_second(self, *args, **kwargs):
        if FinanceRecord.objects.exists():  # the first is written, in the job's transaction
            raise OperationalError("server closed the connection unexpectedly")
        save(self, *args, **kwargs)

    monkeypatch.setattr(FinanceRecord, "save", lost_on_the_second)
    with pytest.raises(OperationalError):
        run_job.call(job.pk)
    job.refresh_from_db()
    record.refresh_from_db()
    assert (job.state, record.status) == ("failed", "previewed")
    assert (FinanceRecord.objects.count(), FinanceRecord.history.count()) == (0, 0)
    page = staff.get(url("preview", record.pk))
    assert page.context["job_retryable"] is True
    assert url("retry", record.pk) in page.content.decode()

    monkeypatch.undo()
    retried = staff.post(url("retry", record.pk), follow=True)
    assert messages_of(retried) == ["The background job is queued again."]
    assert run(job).state == "succeeded"
    assert (job.attempts, FinanceRecord.objects.count(), FinanceRecord.history.count()) == (2, 2, 2)


def test_a_job_not_failed_is_not_retried(staff):
    record = previewed(staff)

    response = staff.post(url("retry", record.pk), follow=True)

    assert messages_of(response) == [
        "The background job was not failed or interrupted; it is left as it is."
    ]
    assert Job.objects.get().attempts == 1


def test_the_page_shows_a_running_job_with_its_progress(staff):
    record = confirmed_by_job(staff)
    Job.objects.filter(pk=record.job_id).update(state="running", done=3, total=4,
                                                message="Writing the changes")  # fmt: skip

    body = staff.get(url("preview", record.pk)).content.decode()

    assert '<progress value="3" max="4">75%</progress>' in body
    assert "running." in body and "Writing the changes" in body
    assert '<meta http-equiv="refresh" content="3">' in body


def test_the_command_queues_the_import_and_prints_the_job(tmp_path):
    path = tmp_path / "iuran.csv"
    path.write_bytes(GOOD)
    out = io.StringIO()

    call_command("import_finance", str(path), "--queue", stdout=out)

    record = FinanceImport.objects.select_related("job").get()
    assert out.getvalue() == f"Job #{record.job_id} queued: iuran.csv.\n"
    assert (record.status, record.user, record.job.kind) == ("queued", None, "finance_import")
    job = run(record.job)
    assert (job.state, job.done, job.total) == ("succeeded", 4, 4)
    assert len(stored()) == 2
    again = run(job_enqueue(kind="finance_import", arguments={"record": record.pk}))
    assert again.message == "iuran.csv is imported; nothing to do."


def test_the_commands_job_writes_nothing_when_a_row_is_wrong(tmp_path):
    path = tmp_path / "iuran.csv"
    path.write_bytes(csv_file("2023,33.02,PEKERJA_RENTAN,SEMUA,1,1,", "2023,99.99,SEMUA,JKK,1,1,"))
    call_command("import_finance", str(path), "--queue", stdout=io.StringIO())
    record = FinanceImport.objects.get()

    job = run(record.job)

    record.refresh_from_db()
    assert (job.message, record.status, record.report["error_count"]) == (
        "iuran.csv: 1 invalid rows; nothing was written.",
        "refused",
        1,
    )
    assert FinanceRecord.objects.count() == 0


def test_the_command_queues_a_dry_run_as_a_preview(tmp_path):
    path = tmp_path / "iuran.csv"
    path.write_bytes(GOOD)
    call_command("import_finance", str(path), "--queue", "--dry-run", stdout=io.StringIO())
    record = FinanceImport.objects.select_related("job").get()

    assert run(record.job).kind == "finance_preview"
    record.refresh_from_db()
    assert (record.status, FinanceRecord.objects.count()) == ("previewed", 0)


def test_another_branchs_staff_sees_neither_the_import_nor_its_job(staff):
    record = confirmed_by_job(staff)
    Job.objects.filter(pk=record.job_id).update(state="failed")
    BranchOfficeFactory(name="Tuban").regencies.set(Regency.objects.filter(code="35.23"))
    other = client_of(
        user_role_set(username="tuban", kind="branch_staff", branch_name="Tuban").user
    )

    assert other.get(url("preview", record.pk)).status_code == 404
    assert other.post(url("retry", record.pk)).status_code == 404
    assert other.post(url("confirm", record.pk)).status_code == 404
    assert other.get(reverse("admin:jobs_job_change", args=[record.job_id])).status_code == 404
    assert Job.objects.get(pk=record.job_id).state == "failed"


def test_anonymous_users_are_sent_to_the_login(db):
    anonymous = client_of(None)
    for response in (anonymous.post(url("retry", 1)), anonymous.get(url("preview", 1))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_the_retry_takes_only_a_post(staff):
    record = previewed(staff)

    assert staff.get(url("retry", record.pk)).status_code == 405
    assert staff.put(url("retry", record.pk)).status_code == 405
    assert staff.post(url("retry", 999999)).status_code == 404
