"""Calendar arithmetic the whole product shares."""

from __future__ import annotations

import calendar
import datetime as dt


def month_end(day: dt.date) -> dt.date:
    """The last day of `day`'s month: a paid-until month (`2026-12`) means its last day, a
    monthly snapshot is judged on it."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
