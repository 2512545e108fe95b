"""Writers for the multi-process stress test of the self-enrolled totals
(`test_self_enrolled_concurrency.py`). A module of its own that imports no model at the top:
each worker is a fresh interpreter that sets Django up against the test database first."""

from __future__ import annotations

import datetime as dt
import os
import random
import time

START = dt.date(2026, 6, 1)
# Bound by run() once Django is set up.
Registration = Village = connection = None


def run(url: str, seed: int, villages: list[str], seconds: float) -> dict:
    """One writer process: random writes until `seconds` pass. Returns its counts."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpjs_desa.settings")
    import django

    django.setup()
    global Registration, Village, connection
    from django.db import connection, transaction
    from django.db.utils import DatabaseError
    from psycopg import Error as DriverError  # COPY goes to the driver unwrapped

    from campaign.models import Registration
    from villages.models import Village

    draw = random.Random(seed)
    counts = {"committed": 0, "refused": 0, "deadlocks": 0}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        write = draw.choice(_WRITES)
        try:
            with transaction.atomic():
                write(draw, villages)
            counts["committed"] += 1
        except (DatabaseError, DriverError) as error:  # rolled back whole
            kind = "deadlocks" if "deadlock" in str(error) else "refused"
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def _day(draw: random.Random) -> dt.date:
    return START + dt.timedelta(days=draw.randint(0, 90))


def _pause(draw: random.Random) -> None:
    time.sleep(draw.random() / 50)  # stay open a while, as an import between its statements


def _channel(draw: random.Random) -> str:
    return draw.choice(["MANDIRI", "SOSIALISASI", "LAINNYA"])


def _insert(draw, villages):
    Registration.objects.create(
        date=_day(draw), village_id=draw.choice(villages), channel=_channel(draw),
        count=draw.randint(1, 40),
    )  # fmt: skip
    _pause(draw)


def _bulk_insert(draw, villages):
    Registration.objects.bulk_create(
        [
            Registration(
                date=_day(draw),
                village_id=draw.choice(villages),
                channel=_channel(draw),
                count=draw.randint(1, 40),
            )
            for _ in range(4)
        ]  # fmt: skip
    )
    _pause(draw)


def _copy(draw, villages):
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY campaign_registration (date, village_id, channel, count, contributions) "
            "FROM STDIN"
        ) as copy,
    ):
        for _ in range(3):
            copy.write_row(
                (_day(draw), draw.choice(villages), _channel(draw), draw.randint(1, 40), 0)
            )


def _move_or_recount(draw, villages):
    row = Registration.objects.filter(village_id__in=villages).order_by("?").first()
    if row is None:
        return
    change = draw.choice(
        [{"village_id": draw.choice(villages)}, {"date": _day(draw)},
         {"count": draw.randint(1, 40)}]
    )  # fmt: skip
    Registration.objects.filter(pk=row.pk).update(**change)
    _pause(draw)


def _delete(draw, villages):
    ids = list(
        Registration.objects.filter(village_id=draw.choice(villages))
        .order_by("?")
        .values_list("pk", flat=True)[:2]
    )
    Registration.objects.filter(pk__in=ids).delete()


def _old_figure(draw, villages):
    village = draw.choice(villages)
    if draw.random() < 0.2:
        Village.objects.filter(code=village).update(
            self_enrolled_residents=None, self_enrolled_updated_on=None
        )
    else:
        Village.objects.filter(code=village).update(
            self_enrolled_residents=draw.randint(0, 500), self_enrolled_updated_on=_day(draw)
        )
    _pause(draw)
    if draw.random() < 0.5:
        _insert(draw, villages)


_WRITES = [_insert, _bulk_insert, _copy, _move_or_recount, _delete, _old_figure]
