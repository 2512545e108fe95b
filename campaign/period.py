"""The period campaign figures are asked for (`from`, `to`): one parser for pages, exports
and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.as_of import AsOfError, as_of_parse

# A longer period is refused: its daily series and by-month rows would grow without end.
MAX_DAYS = 5 * 365 + 2


class PeriodError(ValueError):
    """`from` or `to` is not a date, `from` is after `to`, or the period is too long. Its
    text is the message to show; `field` names the parameter at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    """The days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def default_period(today: dt.date | None = None) -> Period:
    """The last 12 months up to today (Asia/Jakarta): the first day of the month eleven
    months back, so that the months shown are whole but the current one."""
    today = today or timezone.localdate()
    month = today.year * 12 + today.month - 1 - 11
    return Period(dt.date(month // 12, month % 12 + 1, 1), today)


def period_parse(start: str | None, end: str | None) -> Period:
    """The period the texts `start` and `end` (YYYY-MM-DD, either may be None) name. A
    missing end is today; a missing start, 12 months before the end (`default_period`)."""
    end_day = _day("to", end)
    start_day = _day("from", start) if start is not None else default_period(end_day).start
    return period_check(start_day, end_day)


def period_check(start: dt.date, end: dt.date) -> Period:
    if start > end:
        raise PeriodError("from", _("The start (from) is after the end (to)."))
    period = Period(start, end)
    if period.days > MAX_DAYS:
        raise PeriodError("to", _("Ask for 5 years at most."))
    return period


def _day(field: str, value: str | None) -> dt.date:
    try:
        return as_of_parse(value)
    except AsOfError as error:
        raise PeriodError(field, str(error)) from error
