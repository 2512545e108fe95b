"""The chart of daily registrations with the events marked on it, drawn on the server as
inline SVG: no script, and the page's tables give the same figures in text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats

from campaign.selectors import EventRow

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 12, 28  # margins for the axes' labels


@dataclass(frozen=True)
class Tick:
    at: float  # x or y in the drawing
    label: str


@dataclass(frozen=True)
class Marker:
    x: float
    number: int  # the event's number in the events table
    label: str  # its date and title, for the tooltip


@dataclass(frozen=True)
class DailyChart:
    width: int
    height: int
    points: str  # the polyline
    baseline: float
    plot_left: float
    plot_right: float
    top: float
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    markers: list[Marker]
    peak: int


def daily_chart(by_day: list[tuple[dt.date, int]], events: list[EventRow]) -> DailyChart:
    """Registrations per day as a line, a tick at the first of each month (every few months
    over a long period), and a numbered mark at each event's day, oldest event first."""
    peak = max((count for _day, count in by_day), default=0)
    scale = _nice(peak)
    first = by_day[0][0]
    span = max(len(by_day) - 1, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return round(LEFT + plot_w * (day - first).days / span, 1)

    def y(count: int) -> float:
        return round(TOP + plot_h * (1 - count / scale), 1)

    points = " ".join(f"{x(day)},{y(count)}" for day, count in by_day)
    y_ticks = [Tick(y(scale * i // 4), _number(scale * i // 4)) for i in range(5)]
    months = [day for day, _count in by_day if day.day == 1] or [first]
    step = max(1, len(months) // 12)
    x_ticks = [Tick(x(m), formats.date_format(m, "M y")) for m in months[::step]]
    oldest_first = sorted(events, key=lambda e: (e.date, e.id))
    markers = [
        Marker(x(e.date), n, f"{formats.date_format(e.date, 'SHORT_DATE_FORMAT')} {e.title}")
        for n, e in enumerate(oldest_first, start=1)
        if first <= e.date <= by_day[-1][0]
    ]
    return DailyChart(
        WIDTH, HEIGHT, points, y(0), LEFT, WIDTH - RIGHT, TOP, y_ticks, x_ticks, markers, peak
    )


def event_numbers(events: list[EventRow]) -> dict[int, int]:
    """Event id → its number on the chart (oldest first)."""
    ordered = sorted(events, key=lambda e: (e.date, e.id))
    return {event.id: n for n, event in enumerate(ordered, start=1)}


def _nice(peak: int) -> int:
    """The top of the scale: the first of 4, 8, 12, 20, 40, 80, 120, 200, … at least `peak`
    (each divides by 4, so the four gridlines fall on whole numbers)."""
    base = 1
    while True:
        for multiple in (4, 8, 12, 20):
            if multiple * base >= peak:
                return multiple * base
        base *= 10


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)
