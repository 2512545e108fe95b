"""Shared for the jobs' tests: English messages, times in Asia/Jakarta, and the seeded
periodic jobs kept out of the way of a test's own calendar."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from jobs.models import PeriodicJob

JAKARTA = ZoneInfo("Asia/Jakarta")


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A time in Asia/Jakarta (WIB): wib(2026, 11, 23, 0, 5)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def own_calendar(db):
    """The migration's periodic jobs disabled: only the test's own are due."""
    PeriodicJob.objects.update(enabled=False)
