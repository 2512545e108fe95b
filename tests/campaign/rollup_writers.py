"""Writers for the multi-process stress test of the campaign rollups
(`test_rollups_concurrency.py`). A module of its own that imports no model at the top: each
worker is a fresh interpreter that sets Django up against the test database first."""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from typing import Any

# Far from any other test's days; the test removes every registration in these days.
FIRST_DAY = dt.date(2031, 1, 1)
DAYS = 40
VILLAGES = [f"33.02.03.20{n:02d}" for n in range(1, 12)]
CHANNELS = ["MANDIRI", "LAINNYA", "SOSIALISASI"]
# Bound by run() once Django is set up.
Registration: Any = None
OutreachEvent: Any = None


def run(url: str, seed: int, seconds: float, event_id: int) -> dict:
    """One writer process: random writes until `seconds` pass. Returns its counts."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpjs_desa.settings")
    import django

    django.setup()
    global Registration, OutreachEvent
    from django.db import transaction
    from django.db.utils import DatabaseError

    from campaign.models import OutreachEvent, Registration

    draw = random.Random(seed)
    counts = {"committed": 0, "refused": 0, "deadlocks": 0}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        write = draw.choice(_WRITES)
        try:
            with transaction.atomic():
                write(draw, event_id)
            counts["committed"] += 1
        except DatabaseError as error:  # a duplicate key or a deadlock: rolled back whole
            kind = "deadlocks" if "deadlock" in str(error) else "refused"
            counts[kind] += 1
    return counts


def _day(draw: random.Random) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=draw.randrange(DAYS))


def _row(draw: random.Random):
    return Registration(
        date=_day(draw),
        village_id=draw.choice(VILLAGES),
        channel=draw.choice(CHANNELS),
        count=draw.randint(1, 9),
        contributions=draw.randint(0, 100_000),
    )


def _insert(draw, event_id):
    _row(draw).save()


def _bulk_insert(draw, event_id):
    rows = {}
    for _ in range(draw.randint(2, 20)):
        row = _row(draw)
        rows[(row.date, row.village_id, row.channel)] = row
    Registration.objects.bulk_create(rows.values(), ignore_conflicts=True)


def _some(draw):
    day = _day(draw)
    return Registration.objects.filter(date__gte=day, date__lt=day + dt.timedelta(days=5))


def _bulk_update(draw, event_id):
    _some(draw).update(count=draw.randint(1, 9), contributions=draw.randint(0, 100_000))


def _move(draw, event_id):
    row = _some(draw).order_by("?").first()
    if row:
        row.date, row.village_id, row.channel = _day(draw), draw.choice(VILLAGES), "LAINNYA"
        row.save()


def _delete(draw, event_id):
    _some(draw).filter(village_id=draw.choice(VILLAGES)).delete()


def _event(draw, event_id):
    event = OutreachEvent.objects.get(pk=event_id)
    if draw.random() < 0.5:
        OutreachEvent.objects.filter(pk=event_id).update(date=_day(draw))
    elif draw.random() < 0.5:
        event.villages.add(draw.choice(VILLAGES))
    else:
        event.villages.remove(draw.choice(VILLAGES))


_WRITES = [_insert, _bulk_insert, _bulk_update, _move, _delete, _event]
