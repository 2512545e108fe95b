"""A job's page and file on the site (jobs.views): the user who asked for the export sees its
progress, then downloads its file; head office may open any; anyone else gets the 404 of an
unknown job; anonymous users are sent to log in; each view answers only its method."""

import pytest
from django.core.files.storage import default_storage

from jobs.files import job_file_name
from jobs.models import Job
from jobs.services import job_enqueue
from jobs.tasks import run_job
from villages.roles import user_role_set

EXPORT = {"area": "33.02.03", "as_of": "2026-11-22", "fmt": "csv", "language": "id"}
FILENAME = "cakupan-33.02.03-candidates-2026-11-22.csv"
# The list of a district without posts: its header row only.
HEADER = (
    "\ufeffKode,Desa,Kecamatan,Status,Orang yang masih harus dilindungi,"
    "Jumlah kriteria yang belum terpenuhi,Kriteria yang belum terpenuhi,Keterangan,Jabatan,"
    "Terlindungi,Cakupan (%),Dicanangkan pada\r\n"
).encode()


@pytest.fixture
def owner(db):
    return user_role_set(username="pemilik", kind="manager", area_codes=["33.02"]).user


@pytest.fixture
def other(db):
    return user_role_set(username="lainnya", kind="manager", area_codes=["33.02"]).user


@pytest.fixture
def head_office(db):
    return user_role_set(username="pusat", kind="head_office").user


@pytest.fixture
def job(owner) -> Job:
    return job_enqueue(kind="export_candidates", arguments=EXPORT, user=owner)


@pytest.fixture
def done(job) -> Job:
    run_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == "succeeded"
    return job


def page(client, user, job: Job):
    client.force_login(user)
    return client.get(f"/tugas/{job.pk}/")


def test_the_page_shows_the_progress_and_refreshes_itself(client, owner, job):
    Job.objects.filter(pk=job.pk).update(state="running", done=1200, total=8563)
    html = page(client, owner, job).content.decode()
    assert '<h1 id="job-heading">Ekspor sedang disiapkan</h1>' in html
    assert '<meta http-equiv="refresh" content="3">' in html
    assert '<progress class="job-progress" value="1200" max="8563">14%</progress>' in html
    assert "1.200 dari 8.563 (14%)" in html
    assert f"<strong>{FILENAME}</strong>" in html
    assert "/unduh/" not in html


def test_a_queued_job_shows_a_bar_without_numbers(client, owner, job):
    html = page(client, owner, job).content.decode()
    assert '<progress class="job-progress">dalam antrean</progress>' in html
    assert '<meta http-equiv="refresh" content="3">' in html


def test_a_finished_job_links_to_its_file_and_stops_refreshing(client, owner, done):
    html = page(client, owner, done).content.decode()
    assert "Ekspor sudah siap" in html
    assert f'href="/tugas/{done.pk}/unduh/"' in html
    assert "http-equiv" not in html


def test_the_owner_downloads_the_file(client, owner, done):
    client.force_login(owner)
    response = client.get(f"/tugas/{done.pk}/unduh/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{FILENAME}"'
    assert response["Content-Type"] == "text/csv"
    assert b"".join(response.streaming_content) == HEADER


def test_head_office_opens_anyones_job(client, head_office, done):
    assert page(client, head_office, done).status_code == 200
    assert client.get(f"/tugas/{done.pk}/unduh/").status_code == 200


def test_another_user_gets_a_404(client, other, done):
    assert page(client, other, done).status_code == 404
    assert client.get(f"/tugas/{done.pk}/unduh/").status_code == 404
    assert client.post(f"/tugas/{done.pk}/ulangi/").status_code == 404
    assert client.get(f"/tugas/{done.pk + 1000}/").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, done):
    for url in (f"/tugas/{done.pk}/", f"/tugas/{done.pk}/unduh/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


def test_each_view_answers_only_its_method(client, owner, done):
    client.force_login(owner)
    assert client.post(f"/tugas/{done.pk}/").status_code == 405
    assert client.post(f"/tugas/{done.pk}/unduh/").status_code == 405
    assert client.get(f"/tugas/{done.pk}/ulangi/").status_code == 405


def test_no_file_before_the_job_succeeded_nor_after_it_is_gone(client, owner, job, done):
    client.force_login(owner)
    Job.objects.filter(pk=job.pk).update(state="running")
    assert client.get(f"/tugas/{job.pk}/unduh/").status_code == 404
    Job.objects.filter(pk=job.pk).update(state="succeeded")
    default_storage.delete(job_file_name(job.pk, ".csv"))
    assert client.get(f"/tugas/{job.pk}/unduh/").status_code == 404
    assert "Berkasnya tidak disimpan lagi" in client.get(f"/tugas/{job.pk}/").content.decode()


def test_a_job_without_a_file_has_no_page(client, owner):
    job = job_enqueue(kind="roll_coverage_day", arguments={"day": "2026-11-22"}, user=owner)
    client.force_login(owner)
    assert client.get(f"/tugas/{job.pk}/").status_code == 404
    assert client.get(f"/tugas/{job.pk}/unduh/").status_code == 404


def test_the_owner_retries_a_failed_job(client, owner, job):
    Job.objects.filter(pk=job.pk).update(state="failed", message="ValueError: x")
    html = page(client, owner, job).content.decode()
    assert f'action="/tugas/{job.pk}/ulangi/"' in html
    response = client.post(f"/tugas/{job.pk}/ulangi/")
    assert (response.status_code, response["Location"]) == (302, f"/tugas/{job.pk}/")
    job.refresh_from_db()
    assert (job.state, job.attempts, job.message) == ("queued", 2, "")
    run_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == "succeeded"
    # A job that is not failed is left as it is.
    assert client.post(f"/tugas/{job.pk}/ulangi/").status_code == 302
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("succeeded", 2)
