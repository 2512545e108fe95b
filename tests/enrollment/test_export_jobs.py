"""The Desa Sadar list of a large area as a background job (enrollment.jobs.export_candidates):
above EXPORT_JOB_MIN_VILLAGES the export queues a job and sends the user to its page; the job
writes exactly the file of the direct download, reports its progress, and leaves its file
whole or not at all, a retry writing it again under the same name.

Data: Kec. Jatilawang (33.02.03, 11 villages, two with posts) as in test_exports.py, as of
22/11/2026; a threshold of 5 villages makes it "large".
"""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from enrollment import jobs as enrollment_jobs
from enrollment.summary import roll_day
from jobs.files import job_file_name
from jobs.models import Job
from jobs.services import job_retry
from jobs.tasks import run_job
from villages.models import AccessLog

from .conftest import GUNUNGWETAN, KARANGLEWAS

Q = "?as_of=2026-11-22"
AS_OF = dt.date(2026, 11, 22)
URL = "/wilayah/33.02.03/ekspor/candidates"
HEADER = [
    "Code",
    "Village",
    "District",
    "Status",
    "Officials still to cover",
    "Number of criteria not passed",
    "Criteria not passed",
    "Detail",
    "Posts",
    "Covered",
    "Coverage (%)",
    "Declared on",
]


@pytest.fixture
def large(settings):
    """Jatilawang's 11 villages are more than the threshold."""
    settings.EXPORT_JOB_MIN_VILLAGES = 5


def queued(response) -> Job:
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/tugas/{job.pk}/"
    return job


def run(job: Job) -> Job:
    run_job.call(job.pk)
    job.refresh_from_db()
    return job


def downloaded(client, job: Job) -> bytes:
    response = client.get(f"/tugas/{job.pk}/unduh/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def media_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("kept_day", [True, False], ids=["from the kept day", "evaluated"])
def test_the_job_writes_the_csv_of_the_direct_download(staff_client, district, settings, kept_day):
    if kept_day:
        roll_day(AS_OF)  # the list from the day's rows, read through a cursor
    direct = staff_client.get(URL + ".csv" + Q)
    assert direct.status_code == 200
    settings.EXPORT_JOB_MIN_VILLAGES = 5
    job = run(queued(staff_client.get(URL + ".csv" + Q)))
    assert (job.state, job.done, job.total, job.message) == (
        "succeeded",
        2,
        2,
        "2 desa ditulis.",  # jobs speak the site's language
    )
    content = downloaded(staff_client, job)
    assert content == direct.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [
        HEADER,
        [GUNUNGWETAN, "Gunung Wetan", "Jatilawang", "Candidate", "0", "0", "", "", "2", "2"]
        + ["100.0", ""],
        [KARANGLEWAS, "Karanglewas", "Jatilawang", "Near", "1", "1"]
        + ["All village officials covered", "2 of 3 covered", "4", "2", "50.0", ""],
    ]


def test_the_job_writes_the_xlsx_of_the_direct_download(staff_client, district, large):
    roll_day(AS_OF)
    job = run(queued(staff_client.get(URL + ".xlsx" + Q + "&sort=-code")))
    assert job.arguments == {
        "area": "33.02.03",
        "as_of": "2026-11-22",
        "fmt": "xlsx",
        "status": "",
        "max_people": None,
        "sort": "-code",
        "language": "en",
    }
    sheet = load_workbook(io.BytesIO(downloaded(staff_client, job))).active
    assert list(sheet.iter_rows(values_only=True)) == [
        tuple(HEADER),
        (KARANGLEWAS, "Karanglewas", "Jatilawang", "Near", 1, 1)
        + ("All village officials covered", "2 of 3 covered", 4, 2, 50, None),
        (GUNUNGWETAN, "Gunung Wetan", "Jatilawang", "Candidate", 0, 0)
        + (None, None, 2, 2, 100, None),
    ]
    assert sheet.title == "candidates"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold is True
    assert (sheet["E2"].number_format, sheet["K2"].number_format) == ("#,##0", "0.00")


def test_the_job_keeps_the_filters_and_the_language_of_the_request(client, staff, ladder, large):
    client.force_login(staff)  # no language asked: the site's, Indonesian
    job = run(queued(client.get(URL + ".csv" + Q + "&status=near_candidate&max_people=2")))
    rows = list(csv.reader(io.StringIO(downloaded(client, job).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Kode", "Desa", "Kecamatan", "Status"]
    assert [row[0] for row in rows[1:]] == [KARANGLEWAS, "33.02.03.2004"]
    assert (job.done, job.total) == (2, 2)


def test_the_threshold_chooses_between_download_and_job(staff_client, staff, district, settings):
    settings.EXPORT_JOB_MIN_VILLAGES = 11  # Jatilawang has 11: not more
    response = staff_client.get(URL + ".csv" + Q)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="cakupan-33.02.03-candidates-2026-11-22.csv"'
    )
    assert not Job.objects.exists()
    settings.EXPORT_JOB_MIN_VILLAGES = 10
    job = queued(staff_client.get(URL + ".csv" + Q))
    assert (job.kind, job.state, job.requested_by) == ("export_candidates", "queued", staff)
    # The regency's list narrowed to Jatilawang counts Jatilawang's villages.
    settings.EXPORT_JOB_MIN_VILLAGES = 11
    response = staff_client.get("/wilayah/33.02/ekspor/candidates.csv" + Q + "&within=33.02.03")
    assert response.status_code == 200
    assert staff_client.get("/wilayah/33.02/ekspor/candidates.csv" + Q).status_code == 302
    # The default: a regency is downloaded at once, the country (here three provinces) not.
    settings.EXPORT_JOB_MIN_VILLAGES = 5000
    assert staff_client.get("/wilayah/33.02/ekspor/candidates.csv" + Q).status_code == 200
    assert staff_client.get("/ekspor/candidates.csv" + Q).status_code == 302


def test_a_second_click_while_it_runs_follows_the_same_job(staff_client, staff, district, large):
    first = queued(staff_client.get(URL + ".csv" + Q))
    assert staff_client.get(URL + ".csv" + Q)["Location"] == f"/tugas/{first.pk}/"
    assert Job.objects.count() == 1
    logs = AccessLog.objects.filter(user=staff).values_list("action", "area_code", "rows", "what")
    what = f"cakupan-33.02.03-candidates-2026-11-22.csv (job {first.pk})"
    assert list(logs) == [("export", "33.02.03", 11, what)] * 2
    run(first)
    second = staff_client.get(URL + ".csv" + Q)  # done: a new export, of the figures now
    assert second["Location"] != f"/tugas/{first.pk}/"
    assert Job.objects.count() == 2


def test_the_progress_counts_the_villages_written(staff_client, district, large, monkeypatch):
    reports = []
    real = enrollment_jobs.report_progress

    def recorded(done, total=None, message=""):
        reports.append((done, total, message))
        real(done, total, message)

    monkeypatch.setattr(enrollment_jobs, "report_progress", recorded)
    monkeypatch.setattr(enrollment_jobs, "PROGRESS_EVERY", 1)
    roll_day(AS_OF)
    run(queued(staff_client.get(URL + ".csv" + Q)))
    assert reports == [
        (0, None, "Membaca data desa"),
        (0, 2, "Menulis baris desa"),
        (1, 2, "Menulis baris desa"),
        (2, 2, "Menulis baris desa"),
        (2, 2, "Menulis baris desa"),
    ]


def test_a_job_stopped_mid_way_leaves_no_file_and_its_retry_writes_one(
    staff_client, district, large, monkeypatch, settings
):
    root = Path(settings.MEDIA_ROOT)
    job = queued(staff_client.get(URL + ".csv" + Q))
    real = enrollment_jobs.report_progress

    def stopped(done, total=None, message=""):
        real(done, total, message)
        if done == 1:
            raise KeyboardInterrupt  # the worker stopped after the first village

    monkeypatch.setattr(enrollment_jobs, "report_progress", stopped)
    monkeypatch.setattr(enrollment_jobs, "PROGRESS_EVERY", 1)
    with pytest.raises(KeyboardInterrupt):
        run_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == "interrupted"
    assert media_files(root) == []
    assert staff_client.get(f"/tugas/{job.pk}/unduh/").status_code == 404

    # A worker killed with SIGKILL cleans nothing up: its temporary file stays behind.
    (root / "jobs").mkdir(parents=True, exist_ok=True)
    (root / "jobs" / f".job-{job.pk}-abc123.part").write_bytes(b"Kode,Desa\r\n330")
    monkeypatch.setattr(enrollment_jobs, "report_progress", real)
    assert job_retry(job=job)
    job = run(job)
    assert (job.state, job.done, job.total, job.attempts) == ("succeeded", 2, 2, 2)
    assert media_files(root) == [job_file_name(job.pk, ".csv")]
    settings.EXPORT_JOB_MIN_VILLAGES = 5000
    assert downloaded(staff_client, job) == staff_client.get(URL + ".csv" + Q).content


def test_a_rerun_overwrites_the_same_file(staff_client, district, large, settings):
    root = Path(settings.MEDIA_ROOT)
    job = run(queued(staff_client.get(URL + ".xlsx" + Q)))
    first = downloaded(staff_client, job)
    Job.objects.filter(pk=job.pk).update(state="failed")
    assert job_retry(job=job)
    job = run(job)
    assert job.state == "succeeded"
    assert media_files(root) == [f"jobs/job-{job.pk}.xlsx"]
    again = load_workbook(io.BytesIO(downloaded(staff_client, job))).active
    assert list(again.iter_rows(values_only=True)) == list(
        load_workbook(io.BytesIO(first)).active.iter_rows(values_only=True)
    )


def test_an_unknown_area_fails_the_job_with_a_message(staff, db):
    from jobs.services import job_enqueue

    job = job_enqueue(
        kind="export_candidates",
        arguments={"area": "99.99", "as_of": "2026-11-22", "fmt": "csv"},
        user=staff,
    )
    with pytest.raises(ValueError):
        run_job.call(job.pk)
    job.refresh_from_db()
    assert (job.state, job.message) == (
        "failed",
        "ValueError: cannot export area '99.99' as 'csv'",
    )
