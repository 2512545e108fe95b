"""The coverage's jobs (enrollment.jobs): the figures of the day and the monthly snapshot run
as a worker runs them, with their progress and their idempotence, and the commands that queue
them with --queue instead of running them."""
# Job messages are stored in the site's language (Indonesian), whatever language the thread is in.

import datetime as dt
from io import StringIO

from django.core.management import call_command

from enrollment.models import AreaSnapshot, CoverageSnapshot, VillageDay
from enrollment.summary import day_in_store, roll_day
from jobs.models import Job
from jobs.services import job_enqueue
from jobs.tasks import run_job

from .conftest import GUNUNGWETAN, KARANGLEWAS


def run(kind: str, **arguments) -> Job:
    job = job_enqueue(kind=kind, arguments=arguments)
    run_job.call(job.pk)
    job.refresh_from_db()
    return job


def test_the_day_job_rolls_the_day_and_a_rerun_finds_it_done(district):
    job = run("roll_coverage_day", day="2026-11-22")
    assert (job.state, job.done, job.total, job.message) == (
        "succeeded",
        2,
        2,
        "22/11/2026: angka hari itu sudah disusun (sebelumnya —).",
    )
    rows = sorted(VillageDay.objects.values_list("village_id", "perangkat_posts", "day"))
    assert rows == [
        (GUNUNGWETAN, 1, dt.date(2026, 11, 22)),
        (KARANGLEWAS, 3, dt.date(2026, 11, 22)),
    ]

    again = run("roll_coverage_day", day="2026-11-22")
    assert (again.state, again.message) == (
        "succeeded",
        "22/11/2026: tidak ada yang dikerjakan; hari yang tersimpan 22/11/2026.",
    )
    assert sorted(VillageDay.objects.values_list("village_id", "perangkat_posts", "day")) == rows


def test_the_day_job_never_moves_the_day_back(district):
    roll_day(dt.date(2026, 11, 25))
    job = run("roll_coverage_day", day="2026-11-22")
    assert job.message == "22/11/2026: tidak ada yang dikerjakan; hari yang tersimpan 25/11/2026."
    assert day_in_store() == dt.date(2026, 11, 25)


def test_the_snapshot_job_writes_its_months_in_steps_and_the_same_rows_again(district):
    job = run("snapshot_coverage", month="2026-11", months=2)
    assert (job.state, job.done, job.total, job.message) == (
        "succeeded",
        3,
        3,
        "8 baris desa ditulis untuk 10/2026 sampai 11/2026.",
    )

    def written() -> list[tuple]:
        villages = CoverageSnapshot.objects.filter(category="PERANGKAT", village_id=KARANGLEWAS)
        country = AreaSnapshot.objects.filter(category="PERANGKAT", area_code="")
        return [
            *villages.order_by("month").values_list("month", "posts", "covered"),
            *country.order_by("month").values_list("month", "posts", "covered"),
        ]

    first = written()
    assert first == [
        (dt.date(2026, 10, 1), 3, 2),
        (dt.date(2026, 11, 1), 3, 2),
        (dt.date(2026, 10, 1), 4, 3),
        (dt.date(2026, 11, 1), 4, 3),
    ]
    assert run("snapshot_coverage", month="2026-11", months=2).state == "succeeded"
    assert written() == first


def test_the_day_command_queues_the_job_instead_with_queue(district):
    out = StringIO()
    call_command("roll_coverage_day", "--day", "2026-11-22", "--queue", stdout=out)

    job = Job.objects.get()
    assert out.getvalue() == f"Job #{job.pk} queued: the figures of 22/11/2026.\n"
    assert (job.kind, job.arguments, job.state) == (
        "roll_coverage_day",
        {"day": "2026-11-22"},
        "queued",
    )
    assert day_in_store() is None


def test_the_snapshot_command_queues_the_job_instead_with_queue(district):
    out = StringIO()
    call_command("snapshot_coverage", "--month", "2026-10", "--months", "3", "--queue", stdout=out)

    job = Job.objects.get()
    assert out.getvalue() == f"Job #{job.pk} queued: the snapshot of 2026-10, 3 month(s).\n"
    assert (job.kind, job.arguments) == ("snapshot_coverage", {"month": "2026-10", "months": 3})
    assert CoverageSnapshot.objects.count() == 0


def test_the_snapshot_command_still_runs_inline_by_default(district):
    out = StringIO()
    call_command("snapshot_coverage", "--month", "2026-11", "--months", "2", stdout=out)
    assert out.getvalue() == "2026-10: 4 rows\n2026-11: 4 rows\n"
    assert Job.objects.count() == 0
