"""The weekly mail as a background job (digest.jobs): run as a worker runs it, with its
progress and its message; a second run of the week sends nothing; the calendar queues it
daily."""

from django.utils import translation

from jobs.models import Job, PeriodicJob
from jobs.services import job_enqueue
from jobs.tasks import run_job
from tests.digest.conftest import WEEK


def run(**arguments) -> Job:
    job = job_enqueue(kind="send_work_digest", arguments=arguments)
    run_job.call(job.pk)
    job.refresh_from_db()
    return job


def test_the_job_mails_the_week_once_and_reports_its_progress(people, mailoutbox):
    job = run(week=WEEK.isoformat())

    assert (job.state, job.done, job.total) == ("succeeded", 4, 4)
    # Job messages are stored in the site's language (Indonesian).
    assert job.message == (
        "Pekan 16/11/2026: 3 terkirim, 0 sudah terkirim, 1 dengan daftar kosong, 0 ditolak."
    )
    assert sorted(message.to[0] for message in mailoutbox) == [
        "sekdes@karanglewas.example",
        "staf@kc-purwokerto.example",
        "staf@kc-tuban.example",
    ]

    again = run(week=WEEK.isoformat())

    assert (again.state, again.message) == (
        "succeeded",
        "Pekan 16/11/2026: 0 terkirim, 3 sudah terkirim, 1 dengan daftar kosong, 0 ditolak.",
    )
    assert len(mailoutbox) == 3


def test_the_calendar_queues_the_mail_every_morning(db):
    seeded = PeriodicJob.objects.get(kind="send_work_digest")
    assert (seeded.name, seeded.every, seeded.at.isoformat(), seeded.arguments) == (
        "Surel daftar kerja mingguan",
        "day",
        "06:00:00",
        {},
    )


def test_the_job_speaks_indonesian_in_a_thread_left_in_english(people, mailoutbox):
    with translation.override("en"):
        job = run(week=WEEK.isoformat())

    assert job.message == (
        "Pekan 16/11/2026: 3 terkirim, 0 sudah terkirim, 1 dengan daftar kosong, 0 ditolak."
    )
    karanglewas = next(m for m in mailoutbox if m.to == ["sekdes@karanglewas.example"])
    assert "- Romini, Anggota BPD: Menunggak" in karanglewas.body
