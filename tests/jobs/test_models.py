"""The periodic jobs' calendar (when a schedule is due) and the rules the database keeps for
jobs and schedules."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jobs.models import Job, PeriodicJob
from tests.jobs.conftest import wib

DAILY = {"name": "Harian", "kind": "roll_coverage_day", "every": "day", "at": dt.time(0, 5)}
MONTHLY = {
    "name": "Bulanan",
    "kind": "snapshot_coverage",
    "every": "month",
    "day_of_month": 1,
    "at": dt.time(0, 30),
}


def schedule(last=None, created=None, **values) -> PeriodicJob:
    periodic = PeriodicJob(**values, last_enqueued_for=last)
    periodic.created_at = created or wib(2026, 1, 1, 0, 0)
    return periodic


def test_a_daily_job_is_due_at_its_latest_time_not_yet_queued():
    periodic = schedule(last=wib(2026, 11, 22, 0, 5), **DAILY)
    assert periodic.due_at(wib(2026, 11, 23, 0, 4)) is None
    assert periodic.due_at(wib(2026, 11, 23, 0, 5)) == wib(2026, 11, 23, 0, 5)
    assert periodic.due_at(wib(2026, 11, 23, 23, 59)) == wib(2026, 11, 23, 0, 5)


def test_the_calendar_is_jakartas_whatever_the_clock_the_time_is_given_in():
    periodic = schedule(last=wib(2026, 11, 22, 0, 5), **DAILY)
    utc = dt.UTC
    assert periodic.due_at(dt.datetime(2026, 11, 22, 17, 4, tzinfo=utc)) is None
    assert periodic.due_at(dt.datetime(2026, 11, 22, 17, 5, tzinfo=utc)) == wib(2026, 11, 23, 0, 5)


def test_runs_missed_while_no_scheduler_ran_are_queued_once_as_the_latest():
    periodic = schedule(last=wib(2026, 11, 19, 0, 5), **DAILY)
    assert periodic.due_at(wib(2026, 11, 23, 10, 0)) == wib(2026, 11, 23, 0, 5)


def test_a_monthly_job_is_due_on_its_day_of_the_month():
    periodic = schedule(last=wib(2026, 10, 1, 0, 30), **MONTHLY)
    assert periodic.due_at(wib(2026, 10, 31, 23, 59)) is None
    assert periodic.due_at(wib(2026, 11, 1, 0, 29)) is None
    assert periodic.due_at(wib(2026, 11, 1, 0, 30)) == wib(2026, 11, 1, 0, 30)
    assert periodic.due_at(wib(2026, 11, 15, 12, 0)) == wib(2026, 11, 1, 0, 30)
    on_15th = schedule(last=wib(2026, 11, 15, 0, 30), **(MONTHLY | {"day_of_month": 15}))
    assert on_15th.due_at(wib(2027, 1, 14, 23, 0)) == wib(2026, 12, 15, 0, 30)


def test_a_new_schedule_first_runs_at_its_next_time_not_at_one_before_it_was_made():
    periodic = schedule(created=wib(2026, 11, 22, 15, 0), **DAILY)
    assert periodic.due_at(wib(2026, 11, 22, 23, 0)) is None
    assert periodic.due_at(wib(2026, 11, 23, 0, 5)) == wib(2026, 11, 23, 0, 5)


def test_the_migrations_seed_the_day_the_monthly_snapshot_and_the_weekly_mail(db):
    seeded = list(
        PeriodicJob.objects.values_list(
            "name", "kind", "arguments", "every", "day_of_month", "at", "enabled"
        )
    )
    assert seeded == [
        ("Angka harian", "roll_coverage_day", {}, "day", None, dt.time(0, 5), True),
        (
            "Potret kepesertaan bulanan",
            "snapshot_coverage",
            {"months": 2},
            "month",
            1,
            dt.time(0, 30),
            True,
        ),
        # digest/migrations/0002: daily, the mail going once per user and week.
        ("Surel daftar kerja mingguan", "send_work_digest", {}, "day", None, dt.time(6, 0), True),
    ]


def test_a_schedule_queues_a_time_once(db):
    periodic = PeriodicJob.objects.create(**DAILY)
    Job.objects.create(kind="roll_coverage_day", periodic_job=periodic, due_at=wib(2026, 11, 23))
    Job.objects.create(kind="roll_coverage_day", periodic_job=periodic, due_at=wib(2026, 11, 24))
    Job.objects.create(kind="roll_coverage_day")  # not of a schedule: no time to repeat
    Job.objects.create(kind="roll_coverage_day")
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(
            kind="roll_coverage_day", periodic_job=periodic, due_at=wib(2026, 11, 23)
        )


def test_a_job_cannot_have_done_more_than_its_total(db):
    Job.objects.create(kind="roll_coverage_day", done=2, total=2)
    Job.objects.create(kind="roll_coverage_day", done=7, total=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind="roll_coverage_day", done=3, total=2)


@pytest.mark.parametrize(
    "values",
    [
        DAILY | {"day_of_month": 1},
        MONTHLY | {"day_of_month": None},
        MONTHLY | {"day_of_month": 29},
        MONTHLY | {"day_of_month": 0},
    ],
)
def test_a_monthly_job_needs_a_day_from_1_to_28_and_a_daily_one_none(db, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        PeriodicJob.objects.create(**values)


def test_a_schedule_refuses_arguments_its_job_does_not_take(db):
    periodic = PeriodicJob(**DAILY, arguments={"days": 3})
    with pytest.raises(ValidationError) as refused:
        periodic.full_clean()
    assert refused.value.message_dict == {
        "arguments": ["got an unexpected keyword argument 'days'"]
    }
    PeriodicJob(**MONTHLY, arguments={"months": 2}).full_clean()
