"""The budget page of an area with more than EXPORT_JOB_MIN_VILLAGES villages (a province)
from the result of the job budget_province (finance.budget_jobs): the page queues the job and shows
its progress while there is no result of the current data version for its area, day and
choices; then its rows, equal to the direct computation (finance.budget.area_budget). A
write moves the version: the old result is never shown again.

Data: the posts of test_budget_exports (Karanglewas and Gunungwetan in Kec. Jatilawang,
Kab. Banyumas 33.02, Jawa Tengah 33)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from finance import budget_jobs as finance_jobs
from finance.budget import Choices, area_budget
from jobs.models import Job
from jobs.tasks import run_job
from villages.models import District
from villages.selectors import area_get

from .test_budget_exports import (  # noqa: F401
    DISTRICT,
    KARANGLEWAS,
    PROVINCE,
    REGENCY,
    _post,
    villages,
)


@pytest.fixture
def large(settings):
    settings.EXPORT_JOB_MIN_VILLAGES = 5


def _client(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def run(job: Job) -> Job:
    run_job.call(job.pk)
    job.refresh_from_db()
    return job


def pending(response) -> Job:
    assert response.status_code == 200
    assert response.templates[0].name == "finance/budget_pending.html"
    return response.context["job"]


def shown(response):
    assert response.status_code == 200
    assert response.templates[0].name == "finance/budget_area.html"
    return response.context["plan"]


def _direct(code: str, **choices):
    area = area_get(code=code)
    assert area is not None
    return area_budget(area=area, day=timezone.localdate(), **choices)


@pytest.mark.parametrize("code", [PROVINCE, REGENCY])
def test_the_page_shows_the_jobs_result_equal_to_the_direct_computation(
    villages,  # noqa: F811
    users,
    large,
    code,
):
    client = _client(users["head_office"])
    query = "?programs=JKK&programs=JHT&payer=MANDIRI&scheme=PU&risk_class=2&income=3000000"
    job = pending(client.get(f"/anggaran/{code}/{query}"))
    assert (job.kind, job.state, job.requested_by) == (
        "budget_province",
        "queued",
        users["head_office"],
    )
    assert job.arguments == {
        "area": code,
        "day": timezone.localdate().isoformat(),
        "income": 3_000_000,
        "programs": ["JKK", "JHT"],
        "payer": "MANDIRI",
        "scheme": "PU",
        "risk_class": 2,
    }
    job = run(job)
    assert job.state == "succeeded"
    plan = shown(client.get(f"/anggaran/{code}/{query}"))
    direct = _direct(
        code,
        income=3_000_000,
        programs=("JKK", "JHT"),
        default_payer="MANDIRI",
        scheme="PU",
        risk_class=2,
    )
    assert plan.rows == direct.rows
    assert plan.total == direct.total
    assert plan.amounts == direct.amounts
    assert plan.choices == direct.choices == Choices(3_000_000, ("JKK", "JHT"), "MANDIRI", "PU", 2)
    # Karanglewas's A and B and Gunungwetan's C, with every vacant single post.
    assert plan.total.people == 3
    assert plan.total.chosen.monthly == direct.total.chosen.monthly > 0
    # The default choices are other arguments: another job.
    assert pending(client.get(f"/anggaran/{code}/")).pk != job.pk


def test_the_page_shows_the_progress_and_refreshes_itself(villages, users, large):  # noqa: F811
    client = _client(users["province_manager"], language="id")
    response = client.get(f"/anggaran/{PROVINCE}/")
    job = pending(response)
    html = response.content.decode()
    assert "Anggaran Jawa Tengah sedang dihitung" in html
    assert '<meta http-equiv="refresh" content="3">' in html
    Job.objects.filter(pk=job.pk).update(state="running", done=7, total=35)
    html = client.get(f"/anggaran/{PROVINCE}/").content.decode()
    assert '<progress class="job-progress" value="7" max="35">20%</progress>' in html
    # Another reader of the same page follows the same job.
    assert pending(_client(users["head_office"]).get(f"/anggaran/{PROVINCE}/")).pk == job.pk
    assert Job.objects.count() == 1


def test_the_progress_counts_the_areas(villages, users, large, monkeypatch):  # noqa: F811
    reports = []
    real = finance_jobs.report_progress

    def recorded(done, total=None, message=""):
        reports.append((done, total, message))
        real(done, total, message)

    monkeypatch.setattr(finance_jobs, "report_progress", recorded)
    run(pending(_client(users["manager"]).get(f"/anggaran/{REGENCY}/")))
    districts = District.objects.filter(code__startswith=f"{REGENCY}.").count()
    message = "Menghitung anggaran, per wilayah"
    assert reports == [(i, districts, message) for i in range(districts + 1)]
    job = Job.objects.get()
    assert (job.done, job.total, job.message) == (
        districts,
        districts,
        f"{districts} wilayah dihitung.",
    )


def test_a_write_moves_the_version_and_the_old_result_is_not_shown(villages, users, large):  # noqa: F811
    client = _client(users["manager"])
    first = run(pending(client.get(f"/anggaran/{REGENCY}/")))
    before = shown(client.get(f"/anggaran/{REGENCY}/"))
    assert before.total.people == 3
    _post(KARANGLEWAS, "KAUR")  # a fourth holder: the data version moves
    second = pending(client.get(f"/anggaran/{REGENCY}/"))
    assert second.pk != first.pk and second.state == "queued"
    run(second)
    after = shown(client.get(f"/anggaran/{REGENCY}/"))
    assert after.total.people == 4
    assert after.rows == _direct(REGENCY).rows


def test_the_threshold_chooses_between_computing_and_the_job(villages, users, settings):  # noqa: F811
    client = _client(users["manager"])
    settings.EXPORT_JOB_MIN_VILLAGES = 11  # Jatilawang has 11: not more
    assert shown(client.get(f"/anggaran/{DISTRICT}/")).rows == _direct(DISTRICT).rows
    assert not Job.objects.exists()
    settings.EXPORT_JOB_MIN_VILLAGES = 10
    pending(client.get(f"/anggaran/{DISTRICT}/"))
    settings.EXPORT_JOB_MIN_VILLAGES = 0  # a village's page is always computed at once
    assert (
        client.get(f"/anggaran/{KARANGLEWAS}/").templates[0].name == "finance/budget_village.html"
    )
    # The default: a regency at once, Jawa Tengah's 8,563 villages from a job.
    settings.EXPORT_JOB_MIN_VILLAGES = 5000
    shown(client.get(f"/anggaran/{REGENCY}/"))
    pending(_client(users["head_office"]).get(f"/anggaran/{PROVINCE}/"))
    assert Job.objects.count() == 2


def test_a_stopped_job_is_shown_with_a_retry_that_queues_it_again(
    villages,  # noqa: F811
    users,
    large,
    monkeypatch,
):
    client = _client(users["manager"])
    job = pending(client.get(f"/anggaran/{REGENCY}/?payer=APBD"))
    real = finance_jobs.report_progress

    def stopped(done, total=None, message=""):
        real(done, total, message)
        if done == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(finance_jobs, "report_progress", stopped)
    with pytest.raises(KeyboardInterrupt):
        run_job.call(job.pk)
    response = client.get(f"/anggaran/{REGENCY}/?payer=APBD")
    assert pending(response).state == "interrupted"
    html = response.content.decode()
    assert 'http-equiv="refresh"' not in html
    assert f'action="/anggaran/{REGENCY}/hitung-ulang/?payer=APBD"' in html
    assert Job.objects.count() == 1  # not queued again by itself
    monkeypatch.setattr(finance_jobs, "report_progress", real)
    response = client.post(f"/anggaran/{REGENCY}/hitung-ulang/?payer=APBD")
    assert response.status_code == 302
    assert response["Location"] == f"/anggaran/{REGENCY}/?payer=APBD"
    job.refresh_from_db()
    assert job.state == "queued"
    job = run(job)
    assert (job.state, job.attempts) == ("succeeded", 2)
    plan = shown(client.get(f"/anggaran/{REGENCY}/?payer=APBD"))
    assert plan.rows == _direct(REGENCY, default_payer="APBD").rows


@pytest.mark.parametrize(
    ("role", "status"),
    [("province_manager", 200), ("head_office", 200), ("manager", 404), ("village_secretary", 404)],
)
def test_scoping_of_the_page_and_its_retry(villages, users, large, role, status):  # noqa: F811
    client = _client(users[role])
    assert client.get(f"/anggaran/{PROVINCE}/").status_code == status
    retry = client.post(f"/anggaran/{PROVINCE}/hitung-ulang/")
    assert retry.status_code == (302 if status == 200 else 404)
    assert client.get(f"/anggaran/{PROVINCE}/hitung-ulang/").status_code == 405
    assert client.post(f"/anggaran/{PROVINCE}/").status_code == 405


def test_anonymous_goes_to_the_login(villages, users, large):  # noqa: F811
    for method, url in [
        ("get", f"/anggaran/{PROVINCE}/"),
        ("post", f"/anggaran/{PROVINCE}/hitung-ulang/"),
    ]:
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Job.objects.exists()


def test_an_unknown_area_fails_the_job(users):
    from jobs.services import job_enqueue

    job = job_enqueue(
        kind="budget_province", arguments={"area": "99", "day": "2026-11-22"}, user=users["manager"]
    )
    with pytest.raises(ValueError):
        run_job.call(job.pk)
    job.refresh_from_db()
    assert (job.state, job.message, job.result) == (
        "failed",
        "ValueError: cannot compute the budget of area '99'",
        None,
    )
