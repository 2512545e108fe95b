"""A synthetic, deterministic national data set on the real region hierarchy, for benchmarks.

Each village draws its posts around the real structure (about 11 perangkat, an odd BPD of
5–9, RT/RW heads and secretaries, LKD boards, Satlinmas guards), its holders (a few hold two
posts) with valid, unique NIKs, and their memberships: coverage varies by regency and village,
and paid-until dates are spread around `today` so some are lapsing soon and some in arrears.
The draw of a village depends only on the seed and its code, so a regency comes out the same
inside a province run as on its own. Rows go in with PostgreSQL COPY, or bulk_create on
SQLite (regency scale only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import multiprocessing
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction

from villages.models import CATEGORY_OF_POST, Person, Post, Village

SCALES = {"regency": "33.02", "province": "33", "country": ""}
DEFAULT_SEED = 2024

FIRST_NAMES = (
    "Agus",
    "Budi",
    "Dedi",
    "Eko",
    "Hadi",
    "Joko",
    "Slamet",
    "Sri",
    "Siti",
    "Ani",
    "Dewi",
    "Rina",
    "Wati",
    "Yanti",
    "Bambang",
    "Heru",
    "Sugeng",
    "Teguh",
    "Wahyu",
    "Nur",
    "Endang",
    "Tri",
    "Puji",
    "Ahmad",
    "Muhammad",
    "Rahmat",
    "Suparman",
    "Sutrisno",
    "Sukarni",
    "Lestari",
    "Kartini",
    "Sumarni",
    "Darmo",
    "Tarjo",
    "Warsito",
    "Kusnadi",
    "Rohmah",
    "Fitri",
    "Indah",
    "Yusuf",
    "Ilham",
)
LAST_NAMES = (
    "Santoso",
    "Wibowo",
    "Saputra",
    "Hidayat",
    "Setiawan",
    "Pratama",
    "Nugroho",
    "Kurniawan",
    "Susanto",
    "Purnomo",
    "Rahayu",
    "Lestari",
    "Handayani",
    "Wulandari",
    "Kusuma",
    "Hartono",
    "Sulistyo",
    "Prasetyo",
    "Suryadi",
    "Maryati",
    "Wijaya",
    "Gunawan",
    "Utami",
    "Sari",
    "Permana",
    "Firmansyah",
    "Ramadhan",
    "Hakim",
    "Syahputra",
    "Anggraini",
)
KAUR_UNITS = ("Keuangan", "Umum dan Perencanaan", "Tata Usaha")
KASI_UNITS = ("Pemerintahan", "Kesejahteraan", "Pelayanan")
LKD_UNITS = ("PKK", "Karang Taruna", "LPMD", "Posyandu")


@dataclass
class Counts:
    villages: int = 0
    persons: int = 0
    posts: int = 0
    memberships: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, sizes: tuple[int, int, int]) -> None:
        self.persons += sizes[0]
        self.posts += sizes[1]
        self.memberships += sizes[2]


@dataclass
class Batch:
    """Rows for one table, as tab-separated lines for COPY (None is \\N)."""

    persons: list[tuple] = field(default_factory=list)
    posts: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)


def _seed(*parts) -> int:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _month_end(day: dt.date) -> dt.date:
    return day + relativedelta(day=31)


class Generator:
    """Draws villages one at a time; person and post ids are handed out in village code order
    from the first ids given."""

    def __init__(
        self, *, seed: int, today: dt.date, first_person_id: int, first_post_id: int, serial_base=0
    ):
        self.seed, self.today, self.serial_base = seed, today, serial_base
        self.person_id, self.post_id, self.membership_id = first_person_id, first_post_id, 0
        self._serials: dict[tuple[str, str], int] = {}
        self._district = ""
        self._regency_level: dict[str, float] = {}
        # Month ends and month starts around today, by offset in months (relativedelta is slow).
        first = today.replace(day=1)
        self._ends = {k: _month_end(first + relativedelta(months=k)) for k in range(-90, 16)}
        self._starts = {k: first + relativedelta(months=k) for k in range(-90, 16)}

    def regency_level(self, regency: str) -> float:
        """The regency's base coverage share: 0.15 to 0.9, steady for a seed."""
        if regency not in self._regency_level:
            self._regency_level[regency] = random.Random(_seed(self.seed, regency)).uniform(
                0.15, 0.9
            )
        return self._regency_level[regency]

    def village(self, code: str, kind: str, out: Batch) -> None:
        rnd = random.Random(_seed(self.seed, code))
        district = code[:8]
        if district != self._district:  # villages come in code order: serials per district
            self._serials.clear()
            self._district = district
        level = min(0.98, max(0.0, self.regency_level(code[:5]) + rnd.uniform(-0.25, 0.25)))
        holders: list[int] = []  # perangkat, BPD and RT/RW holders who may take a second post
        for post_code, unit, start, end in self._posts(rnd, kind):
            if holders and post_code in ("LINMAS", "PENGURUS_LKD") and rnd.random() < 0.05:
                person_id = holders.pop(rnd.randrange(len(holders)))  # e.g. an RT head in PKK
            else:
                person_id = self._person(rnd, code, out)
                if post_code not in ("LINMAS", "PENGURUS_LKD"):
                    holders.append(person_id)
                self._memberships(rnd, person_id, level, CATEGORY_OF_POST[post_code], out)
            self.post_id += 1
            out.posts.append(
                (self.post_id, person_id, code, post_code, CATEGORY_OF_POST[post_code], unit,
                 start, end, "")
            )  # fmt: skip

    def _posts(self, rnd: random.Random, kind: str) -> Iterator[tuple]:
        today = self.today
        elected = today - dt.timedelta(days=rnd.randint(30, 6 * 365))
        six_years = dt.timedelta(days=2191)
        yield "KEPALA_DESA", "", elected, elected + six_years
        yield "SEKRETARIS_DESA", "", elected - dt.timedelta(days=rnd.randint(0, 2000)), None
        for unit in KAUR_UNITS[: rnd.randint(2, 3)]:
            yield "KAUR", unit, elected + dt.timedelta(days=rnd.randint(0, 200)), None
        for unit in KASI_UNITS[: rnd.randint(2, 3)]:
            yield "KASI", unit, elected + dt.timedelta(days=rnd.randint(0, 200)), None
        for n in range(rnd.randint(2, 6)):
            yield "KEPALA_DUSUN", f"Dusun {n + 1}", elected, None
        if kind != Village.Kind.KELURAHAN:
            bpd_start = today - dt.timedelta(days=rnd.randint(30, 6 * 365))
            yield "KETUA_BPD", "", bpd_start, bpd_start + six_years
            for _ in range(rnd.choice((4, 6, 8))):
                yield "ANGGOTA_BPD", "", bpd_start, bpd_start + six_years
        yield from self._rt_rw(rnd)
        # Boards and guards are appointed by decree, several at once: shared start dates.
        for unit in LKD_UNITS:
            start = today - dt.timedelta(days=rnd.randint(0, 1500))
            for _ in range(rnd.randint(1, 3)):
                yield "PENGURUS_LKD", unit, start, None
        decrees = [today - dt.timedelta(days=rnd.randint(0, 2500)) for _ in range(2)]
        for _ in range(rnd.randint(4, 10)):
            start = rnd.choice(decrees)
            # Some guards have left: an ended term (the post no longer counts).
            end = today - dt.timedelta(days=rnd.randint(1, 300)) if rnd.random() < 0.08 else None
            yield "LINMAS", "", start, end if end is None or end >= start else start
        if rnd.random() < 0.3:
            yield "PENGELOLA_BUMDES", "", today - dt.timedelta(days=rnd.randint(0, 1500)), None

    def _rt_rw(self, rnd: random.Random) -> Iterator[tuple]:
        start = self.today - dt.timedelta(days=rnd.randint(0, 5 * 365))
        for rw in range(1, rnd.randint(2, 5) + 1):
            yield "KETUA_RW", f"RW {rw:03d}", start, None
            if rnd.random() < 0.8:
                yield "SEKRETARIS_RW", f"RW {rw:03d}", start, None
            for rt in range(1, rnd.randint(2, 5) + 1):
                unit = f"RT {rt:03d} / RW {rw:03d}"
                yield "KETUA_RT", unit, start, None
                if rnd.random() < 0.6:
                    yield "SEKRETARIS_RT", unit, start, None

    def _person(self, rnd: random.Random, village_code: str, out: Batch) -> int:
        female = rnd.random() < 0.35
        birth = dt.date(1955, 1, 1) + dt.timedelta(days=rnd.randint(0, 17500))  # 1955–2002
        day = birth.day + (40 if female else 0)
        digits = village_code[:8].replace(".", "")
        ddmmyy = f"{day:02d}{birth.month:02d}{birth.year % 100:02d}"
        serial = self._serials.get((digits, ddmmyy), self.serial_base) + 1
        self._serials[(digits, ddmmyy)] = serial
        self.person_id += 1
        name = f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}"
        out.persons.append(
            (self.person_id, f"{digits}{ddmmyy}{serial:04d}", name, "P" if female else "L", birth)
        )
        return self.person_id

    def _memberships(self, rnd, person_id: int, level: float, category: str, out: Batch) -> None:
        share = level * {"PERANGKAT": 1.15, "BPD": 1.0, "RT_RW": 0.6, "LKD": 0.7}.get(category, 0.5)
        ever = min(0.97, share + 0.55)
        if rnd.random() >= ever:
            return  # never enrolled
        paid = self._paid_offset(rnd, covered=rnd.random() < share / ever)
        enrolled = None if rnd.random() < 0.1 else paid - rnd.randint(1, 60)
        programs = ["JKK", "JKM"]
        if rnd.random() < 0.05:
            programs.remove(rnd.choice(programs))  # half a package: not covered
        programs += ["JHT"] if rnd.random() < 0.6 else []
        if category in ("PERANGKAT", "BPD") and rnd.random() < 0.35:
            programs += ["JP", "JKP"]  # a wage earner (PU): the full five
        kind = "PU" if "JP" in programs else "BPU"
        enrolled_on = None if enrolled is None else self._starts[enrolled]
        for program in programs:
            until = paid
            if program == "JKM" and rnd.random() < 0.04:
                until = paid - 1  # paid one month less
            out.memberships.append(
                (person_id, program, kind, "", enrolled_on, self._ends[until], "APBDES", None, "")
            )

    def _paid_offset(self, rnd: random.Random, *, covered: bool) -> int:
        """Paid through the end of a month, as an offset from this month: covered ones up to a
        year ahead (one in eight this month, lapsing soon), the others lapsed 1 to 24 months
        ago (about a fifth still within the arrears window)."""
        if covered:
            return 0 if rnd.random() < 0.125 else rnd.randint(1, 12)
        return -rnd.choice((1, 2, 3, *range(4, 25)))


# --- Writing ---------------------------------------------------------------------------------

PERSON_COLUMNS = ("id", "nik", "name", "sex", "birth_date")
POST_COLUMNS = (
    "id", "person_id", "village_id", "code", "category", "unit", "term_start", "term_end",
    "decree_number",
)  # fmt: skip
MEMBERSHIP_COLUMNS = (
    "person_id", "program_id", "participant_category", "kpj_number", "enrolled_on",
    "paid_until", "funding_source", "verified_on", "verified_source",
)  # fmt: skip
TABLES = (
    ("persons", Person._meta.db_table, PERSON_COLUMNS),
    ("posts", Post._meta.db_table, POST_COLUMNS),
    ("memberships", "enrollment_membership", MEMBERSHIP_COLUMNS),
)


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
    from enrollment.summary import rebuild_summary, roll_day, triggers_off

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
                batch = _draw(*job)
                _bulk_create(batch)
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


def _draw(seed, today, first_id, serial_base, villages) -> Batch:
    gen = Generator(
        seed=seed,
        today=today,
        first_person_id=first_id,
        first_post_id=first_id,
        serial_base=serial_base,
    )
    batch = Batch()
    for code, kind in villages:
        gen.village(code, kind, batch)
    return batch


def _draw_text(job) -> tuple[list[str], tuple[int, int, int]]:
    batch = _draw(*job)
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


def _bulk_create(batch: Batch) -> None:
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
