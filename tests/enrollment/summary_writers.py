"""Writers for the multi-process stress test of the coverage summary
(`test_summary_concurrency.py`). A module of its own that imports no model at the top: each
worker is a fresh interpreter that sets Django up against the test database first."""

from __future__ import annotations

import datetime as dt
import os
import random
import time

TODAY = dt.date(2026, 11, 30)
VILLAGES = [f"33.02.03.20{n:02d}" for n in range(1, 12)]
# Bound by run() once Django is set up.
Membership = Post = connection = None


def run(url: str, seed: int, people: list[int], seconds: float) -> dict:
    """One writer process: random writes until `seconds` pass. Returns its counts."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpjs_desa.settings")
    import django

    django.setup()
    global Membership, Post, connection
    from django.db import connection, transaction
    from django.db.utils import DatabaseError
    from psycopg import Error as DriverError  # COPY goes to the driver unwrapped

    from enrollment.models import Membership
    from villages.models import Post

    draw = random.Random(seed)
    counts = {"committed": 0, "refused": 0, "deadlocks": 0}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        write = draw.choice(_WRITES)
        try:
            with transaction.atomic():
                write(draw, people)
            counts["committed"] += 1
        except (DatabaseError, DriverError) as error:  # rolled back whole
            kind = "deadlocks" if "deadlock" in str(error) else "refused"
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def _some_date(draw: random.Random) -> dt.date:
    return TODAY + dt.timedelta(days=draw.randint(-200, 200))


def _admin_save(draw, people):

    membership = Membership.objects.filter(person_id=draw.choice(people)).first()
    if membership:
        membership.paid_until = _some_date(draw)
        membership.save()


def _bulk_update(draw, people):
    chosen = draw.sample(people, 6)
    Membership.objects.filter(person_id__in=chosen).update(paid_until=_some_date(draw))
    time.sleep(draw.random() / 50)


def _post_then_pay(draw, people):
    person = draw.choice(people)
    Post.objects.bulk_create(
        [
            Post(
                person_id=person,
                village_id=draw.choice(VILLAGES),
                code="ANGGOTA_BPD",
                category="BPD",
                unit=f"s{draw.randrange(10**6)}",
                term_start=dt.date(2022, 1, 1),
            )
        ]
    )
    time.sleep(draw.random() / 50)  # stay open a while, as an import between its statements
    if draw.random() < 0.5:
        Membership.objects.filter(person_id=person).update(paid_until=_some_date(draw))
        time.sleep(draw.random() / 50)


def _copy_posts(draw, people):
    rows = [
        (p, draw.choice(VILLAGES), "ANGGOTA_BPD", "BPD", f"c{draw.randrange(10**6)}", "")
        for p in draw.sample(people, 3)
    ]
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY villages_post (person_id, village_id, code, category, unit, decree_number) "
            "FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _move_or_end(draw, people):
    post = Post.objects.filter(person_id__in=draw.sample(people, 4)).order_by("?").first()
    if post is None:
        return
    if draw.random() < 0.5:
        Post.objects.filter(pk=post.pk).update(village_id=draw.choice(VILLAGES))
    else:
        Post.objects.filter(pk=post.pk).update(term_end=_some_date(draw))


def _drop_post_or_membership(draw, people):
    person = draw.choice(people)
    if draw.random() < 0.5:
        post = Post.objects.filter(person_id=person).order_by("?").first()
        if post and Post.objects.filter(person_id=person).count() > 1:
            Post.objects.filter(pk=post.pk).delete()
    else:
        Membership.objects.filter(person_id=person, program_id="JKM").delete()
        Membership.objects.create(
            person_id=person,
            program_id="JKM",
            participant_category="BPU",
            enrolled_on=dt.date(2024, 1, 1),
            paid_until=_some_date(draw),
            funding_source="APBDES",
        )


_WRITES = [
    _admin_save,
    _bulk_update,
    _post_then_pay,
    _copy_posts,
    _move_or_end,
    _drop_post_or_membership,
]
