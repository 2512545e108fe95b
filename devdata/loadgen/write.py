"""Writing the synthetic data set: COPY on PostgreSQL (in parallel over villages), bulk_create
on SQLite, then the summary rebuilt and the day rolled (see `devdata.loadgen`)."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import time
from contextlib import contextmanager

from django.db import connection, transaction

from devdata.loadgen.draw import (
    DEFAULT_SEED,
    MEMBERSHIP_COLUMNS,
    PERSON_COLUMNS,
    POST_COLUMNS,
    SCALES,
    TABLES,
    Batch,
    Counts,
    draw_batch,
)
from villages.models import Person, Post, Village


def _copy_text(rows: list[tuple]) -> str:
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in row))
        buf.write("\n")
    return buf.getvalue()


def villages_for(scale: str) -> list[tuple[str, str]]:
    prefix = SCALES[scale]
    rows = Village.objects.all()
    if prefix:
        rows = rows.filter(code__startswith=f"{prefix}.")
    return list(rows.order_by("code").values_list("code", "kind"))


def generate(
    *, scale: str, today: dt.date, seed: int = DEFAULT_SEED, append: bool = False, workers=2
) -> Counts:
    """Write the data set for `scale`; returns row counts and seconds per phase.

    Villages are drawn in chunks of whole districts (NIK serials count per district), each
    chunk with its own block of person and post ids, so the result does not depend on the
    order chunks finish in; on PostgreSQL `workers` processes draw while this one COPYs.
    With `append`, NIK serials start at 5001 so the new people do not clash with an earlier
    run's.
    """
    from enrollment.models import CoverageDay, VillageDay
    from enrollment.summary import rebuild_summary, roll_day, triggers_off
    from jobs.services import statistics_refresh

    if connection.vendor != "postgresql" and scale != "regency":
        raise ValueError("Only the regency scale runs without PostgreSQL.")
    started = time.monotonic()
    chunks = _chunks(villages_for(scale))
    counts = Counts(villages=sum(len(c) for c in chunks))
    base = max(_max_id(Person), _max_id(Post))
    jobs = [
        (seed, today, base + i * ID_BLOCK, 5000 if append else 0, c) for i, c in enumerate(chunks)
    ]
    with transaction.atomic(), triggers_off():
        if connection.vendor == "postgresql":
            with _indexes_rebuilt(), multiprocessing.get_context("fork").Pool(workers) as pool:
                for texts, sizes in pool.imap(_draw_text, jobs):
                    _copy(texts)
                    counts.add(sizes)
            counts.seconds["copy+index"] = time.monotonic() - started
        else:
            for job in jobs:
                batch = draw_batch(*job)
                write_batch(batch)
                counts.add((len(batch.persons), len(batch.posts), len(batch.memberships)))
        _reset_sequences()
        if connection.vendor == "postgresql":
            _analyze()  # the rows are new to the planner: without it the rebuild plans blind
        counts.seconds["rows"] = time.monotonic() - started
        rebuild_summary()
        counts.seconds["summary"] = time.monotonic() - started - counts.seconds["rows"]
    if connection.vendor == "postgresql":
        _analyze(vacuum=connection.get_autocommit())
    started_day = time.monotonic()
    roll_day(today)  # the dashboards' figures of the day, as after midnight
    # The day's rows are new too: a table never analyzed made the province page plan a nested
    # loop over them (273 ms instead of 10).
    statistics_refresh(VillageDay, CoverageDay)
    counts.seconds["day"] = time.monotonic() - started_day
    counts.seconds["total"] = time.monotonic() - started
    return counts


# Ids handed to one chunk: far more persons and posts than a chunk of villages holds.
ID_BLOCK = 1_000_000
CHUNK_VILLAGES = 1000


def _chunks(villages: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Villages in code order, cut into chunks only between districts."""
    chunks: list[list[tuple[str, str]]] = [[]]
    for code, kind in villages:
        if len(chunks[-1]) >= CHUNK_VILLAGES and chunks[-1][-1][0][:8] != code[:8]:
            chunks.append([])
        chunks[-1].append((code, kind))
    return [c for c in chunks if c]


def _draw_text(job) -> tuple[list[str], tuple[int, int, int]]:
    batch = draw_batch(*job)
    texts = [_copy_text(getattr(batch, attr)) for attr, _table, _columns in TABLES]
    return texts, (len(batch.persons), len(batch.posts), len(batch.memberships))


def _analyze(vacuum: bool = False) -> None:
    """Statistics for the planner; with `vacuum` (outside a transaction) also the visibility
    map that index-only scans need, as autovacuum would leave it (it may be off)."""
    command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
    with connection.cursor() as cursor:
        for _name, table, _cols in TABLES:
            cursor.execute(f"{command} {table}")
        cursor.execute(f"{command} enrollment_coveragesummary")
        cursor.execute(f"{command} enrollment_sharedholderpost")


def _max_id(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@contextmanager
def _indexes_rebuilt():
    """PostgreSQL: drop the secondary indexes and unique constraints of the three tables
    (primary keys stay) and build them again after the COPY: one sorted build is several
    times faster than millions of inserts into random places of a B-tree."""
    tables = [table for _attr, table, _columns in TABLES]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
               FROM pg_constraint WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)""",
            [tables],
        )
        constraints = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _copy(texts: list[str]) -> None:
    with connection.cursor() as cursor:
        for (_attr, table, columns), text in zip(TABLES, texts, strict=True):
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                copy.write(text)


def write_batch(batch: Batch) -> None:
    from enrollment.models import Membership

    Person.objects.bulk_create(
        Person(**dict(zip(PERSON_COLUMNS, r, strict=True))) for r in batch.persons
    )
    Post.objects.bulk_create(Post(**dict(zip(POST_COLUMNS, r, strict=True))) for r in batch.posts)
    Membership.objects.bulk_create(
        Membership(**dict(zip(MEMBERSHIP_COLUMNS, r, strict=True))) for r in batch.memberships
    )


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    from enrollment.models import Membership

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Person, Post, Membership]):
            cursor.execute(sql)
