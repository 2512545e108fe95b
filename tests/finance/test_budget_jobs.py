"""The budget planner's downloads of a large area as a background job (finance.budget_jobs.
export_budget): above EXPORT_JOB_MIN_VILLAGES the download queues a job and sends the user to
its page; the job writes exactly the file of the direct download, reports its progress by
villages, and leaves its file whole or not at all, a retry writing it again.

Data: the posts of test_budget_exports (Karanglewas and Gunungwetan in Kec. Jatilawang,
33.02.03, 11 villages); a threshold below its villages makes it "large"."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from finance import budget_jobs as finance_jobs
from jobs.models import Job
from jobs.services import job_enqueue, job_retry
from jobs.tasks import run_job
from villages.models import AccessLog, Village

from .test_budget_exports import DISTRICT, PROVINCE, REGENCY, villages  # noqa: F401

URL = f"/anggaran/{DISTRICT}/ekspor"


def _client(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def queued(response) -> Job:
    assert response.status_code == 302
    job = Job.objects.order_by("-pk").first()
    assert job is not None
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


def _rows(content: bytes) -> list:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


@pytest.mark.parametrize("code", [DISTRICT, REGENCY, PROVINCE])
def test_the_job_writes_the_csv_of_the_direct_download(villages, users, settings, code):  # noqa: F811
    client = _client(users["head_office"])
    query = "?programs=JKK&programs=JHT&payer=MANDIRI&scheme=PU&risk_class=3&income=2500000"
    url = f"/anggaran/{code}/ekspor.csv{query}"
    settings.EXPORT_JOB_MIN_VILLAGES = 100_000  # the direct download, even of the province
    direct = client.get(url)
    assert direct.status_code == 200
    settings.EXPORT_JOB_MIN_VILLAGES = 5
    job = run(queued(client.get(url)))
    count = Village.objects.filter(code__startswith=f"{code}.").count()
    assert (job.kind, job.state) == ("export_budget", "succeeded")
    assert (job.done, job.total) == (count, count)
    written = f"{count:,}".replace(",", ".")
    assert job.message == f"{written} desa ditulis."  # jobs speak the site's language
    assert downloaded(client, job) == b"".join(direct.streaming_content)
    day = timezone.localdate().isoformat()
    assert job.arguments == {
        "area": code,
        "day": day,
        "fmt": "csv",
        "income": 2_500_000,
        "programs": ["JKK", "JHT"],
        "payer": "MANDIRI",
        "scheme": "PU",
        "risk_class": 3,
        "language": "en",
    }
    response = client.get(f"/tugas/{job.pk}/unduh/")
    assert response["Content-Disposition"] == f'attachment; filename="anggaran-{code}-{day}.csv"'


def test_the_job_writes_the_xlsx_of_the_direct_download(villages, users, settings):  # noqa: F811
    client = _client(users["province_manager"], language="id")
    settings.EXPORT_JOB_MIN_VILLAGES = 100_000
    direct = client.get(f"/anggaran/{PROVINCE}/ekspor.xlsx?payer=APBD")
    assert direct.status_code == 200
    settings.EXPORT_JOB_MIN_VILLAGES = 5
    job = run(queued(client.get(f"/anggaran/{PROVINCE}/ekspor.xlsx?payer=APBD")))
    content = downloaded(client, job)
    assert _rows(content) == _rows(direct.content)
    assert _rows(content)[0][:2] == ("Kode", "Desa")
    sheet, expected = (
        load_workbook(io.BytesIO(content)).active,
        load_workbook(io.BytesIO(direct.content)).active,
    )
    last = list(sheet.iter_rows(min_row=sheet.max_row))[0]
    last_direct = list(expected.iter_rows(min_row=expected.max_row))[0]
    assert [(c.number_format, c.font.bold) for c in last] == [
        (c.number_format, c.font.bold) for c in last_direct
    ]
    assert (sheet.title, sheet.freeze_panes) == (expected.title, "A2")


def test_the_threshold_chooses_between_download_and_job(villages, users, settings):  # noqa: F811
    client = _client(users["manager"])
    settings.EXPORT_JOB_MIN_VILLAGES = 11  # Jatilawang has 11: not more
    response = client.get(URL + ".csv")
    assert response.status_code == 200
    assert not Job.objects.exists()
    settings.EXPORT_JOB_MIN_VILLAGES = 10
    job = queued(client.get(URL + ".csv"))
    assert (job.state, job.requested_by) == ("queued", users["manager"])
    # A village is always a direct download, whatever the threshold.
    settings.EXPORT_JOB_MIN_VILLAGES = 0
    assert client.get(f"/anggaran/{DISTRICT}.2003/ekspor.csv").status_code == 200
    # The default: a regency is downloaded at once, Jawa Tengah's 8,563 villages are a job.
    settings.EXPORT_JOB_MIN_VILLAGES = 5000
    assert client.get(f"/anggaran/{REGENCY}/ekspor.xlsx").status_code == 200
    head_office = _client(users["head_office"])
    assert queued(head_office.get(f"/anggaran/{PROVINCE}/ekspor.xlsx")).arguments["area"] == "33"


def test_a_second_click_while_it_runs_follows_the_same_job(villages, users, settings):  # noqa: F811
    settings.EXPORT_JOB_MIN_VILLAGES = 5
    client = _client(users["manager"])
    first = queued(client.get(URL + ".csv"))
    assert client.get(URL + ".csv")["Location"] == f"/tugas/{first.pk}/"
    # Other choices, another format or another user: another job.
    assert client.get(URL + ".csv?payer=APBD")["Location"] != f"/tugas/{first.pk}/"
    assert client.get(URL + ".xlsx")["Location"] != f"/tugas/{first.pk}/"
    other = _client(users["head_office"]).get(URL + ".csv")
    assert other["Location"] != f"/tugas/{first.pk}/"
    assert Job.objects.count() == 4
    logs = AccessLog.objects.filter(user=users["manager"], what__endswith=f"(job {first.pk})")
    day = timezone.localdate().isoformat()
    assert (
        list(logs.values_list("action", "area_code", "rows", "what"))
        == [("export", DISTRICT, 11, f"anggaran-{DISTRICT}-{day}.csv (job {first.pk})")] * 2
    )
    run(first)
    assert client.get(URL + ".csv")["Location"] != f"/tugas/{first.pk}/"  # done: a new one


def test_the_progress_counts_the_villages(villages, users, settings, monkeypatch):  # noqa: F811
    reports = []
    real = finance_jobs.report_progress

    def recorded(done, total=None, message=""):
        reports.append((done, total, message))
        real(done, total, message)

    monkeypatch.setattr(finance_jobs, "report_progress", recorded)
    monkeypatch.setattr(finance_jobs, "PROGRESS_EVERY", 4)
    settings.EXPORT_JOB_MIN_VILLAGES = 5
    run(queued(_client(users["manager"]).get(URL + ".csv")))
    assert reports == [
        (0, None, "Membaca data desa"),
        (0, 11, "Menulis baris desa"),
        (4, 11, "Menulis baris desa"),
        (8, 11, "Menulis baris desa"),
        (11, 11, "Menulis baris desa"),
    ]


def test_a_job_stopped_mid_way_leaves_no_file_and_its_retry_writes_one(
    villages,  # noqa: F811
    users,
    settings,
    monkeypatch,
):
    root = Path(settings.MEDIA_ROOT)
    settings.EXPORT_JOB_MIN_VILLAGES = 5
    client = _client(users["manager"])
    job = queued(client.get(URL + ".xlsx"))
    real = finance_jobs.report_progress

    def stopped(done, total=None, message=""):
        real(done, total, message)
        if done == 2:
            raise KeyboardInterrupt  # the worker stopped after the second village

    monkeypatch.setattr(finance_jobs, "report_progress", stopped)
    monkeypatch.setattr(finance_jobs, "PROGRESS_EVERY", 1)
    with pytest.raises(KeyboardInterrupt):
        run_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == "interrupted"
    assert media_files(root) == []
    assert client.get(f"/tugas/{job.pk}/unduh/").status_code == 404
    page = client.get(f"/tugas/{job.pk}/")
    assert page.status_code == 200 and f'action="/tugas/{job.pk}/ulangi/"' in page.content.decode()

    monkeypatch.setattr(finance_jobs, "report_progress", real)
    assert client.post(f"/tugas/{job.pk}/ulangi/").status_code == 302
    job = run(job)
    assert (job.state, job.done, job.total, job.attempts) == ("succeeded", 11, 11, 2)
    assert media_files(root) == [f"jobs/job-{job.pk}.xlsx"]
    settings.EXPORT_JOB_MIN_VILLAGES = 5000
    assert _rows(downloaded(client, job)) == _rows(client.get(URL + ".xlsx").content)
    assert not job_retry(job=job)  # succeeded: nothing to retry


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 200), ("head_office", 200), ("province_manager", 404), ("superuser", 200)],
)
def test_only_the_requester_and_head_office_open_the_job(villages, users, settings, role, status):  # noqa: F811
    settings.EXPORT_JOB_MIN_VILLAGES = 5
    job = run(queued(_client(users["manager"]).get(URL + ".csv")))
    client = _client(users[role])
    assert client.get(f"/tugas/{job.pk}/").status_code == status
    assert client.get(f"/tugas/{job.pk}/unduh/").status_code == status
    assert client.post(f"/tugas/{job.pk}/unduh/").status_code == 405
    assert Client().get(f"/tugas/{job.pk}/unduh/").status_code == 302  # to the login


def test_out_of_scope_anonymous_and_post(villages, users, settings):  # noqa: F811
    settings.EXPORT_JOB_MIN_VILLAGES = 5
    assert _client(users["manager"]).get(f"/anggaran/{PROVINCE}/ekspor.csv").status_code == 404
    response = Client().get(f"/anggaran/{PROVINCE}/ekspor.csv")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert _client(users["head_office"]).post(f"/anggaran/{PROVINCE}/ekspor.csv").status_code == 405
    assert _client(users["manager"]).get(URL + ".csv?scheme=XX").status_code == 400
    assert not Job.objects.exists()


def test_an_unknown_area_fails_the_job_with_a_message(users):
    job = job_enqueue(
        kind="export_budget",
        arguments={"area": "99.99", "day": "2026-11-22", "fmt": "csv"},
        user=users["manager"],
    )
    with pytest.raises(ValueError):
        run_job.call(job.pk)
    job.refresh_from_db()
    assert (job.state, job.message) == (
        "failed",
        "ValueError: cannot export the budget of area '99.99' as 'csv'",
    )
