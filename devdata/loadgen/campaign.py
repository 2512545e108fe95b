"""The campaign's synthetic rows for benchmarks: Perisai agents, outreach events and about two
years of daily registrations where a village has any (issue 14).

A share of villages (ACTIVE_SHARE) registers residents: on about half the days before `today`
(each village draws its own share), one to three channels a day, more in the 30 days from an
outreach event held for its district. Some active villages have an agent of their own, whose
PERISAI rows start on the agent's first day. Every district with an active village holds one
event in the two years, at one of its villages, for all of them.

Everything a village draws depends only on the seed and its code (agents' codes and events'
days too), so a village comes out the same at every scale. Rows go in with COPY on PostgreSQL
(secondary indexes built after), bulk_create on SQLite (regency scale only).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction

from campaign import self_enrolled
from campaign.models import EventAttendance, OutreachEvent, PerisaiAgent, Registration
from campaign.rollups import ROLLUPS, UPLIFT, rebuild_rollups
from devdata.loadgen.draw import _seed
from villages.models import District

ACTIVE_SHARE = 0.3
AGENT_SHARE = 0.2  # of active villages
DAYS = 730
UPLIFT_DAYS = 30
MONTHLY = 16_800  # the minimum BPU package a month (domain.md)
PREPAID = ((1, 3, 6, 12), (70, 20, 7, 3))
# (channel, weight) of the first channel of a day; further channels are drawn among the rest.
CHANNELS = ("MANDIRI", "LAINNYA", "SOSIALISASI")
CHANNEL_WEIGHTS = (75, 18, 7)
# Channels on a day with registrations: 1, 2 or 3 (about 1.5 on average).
CHANNELS_PER_DAY = ((1, 2, 3), (60, 30, 10))
COLUMNS = ("date", "village_id", "channel", "agent_id", "count", "contributions")
CHUNK_VILLAGES = 1000


@dataclass
class CampaignCounts:
    villages: int = 0
    active_villages: int = 0
    agents: int = 0
    events: int = 0
    registrations: int = 0
    residents: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        seconds = self.seconds.get("registrations", 0.0)
        return self.registrations / seconds if seconds else 0.0


@dataclass(frozen=True)
class VillagePlan:
    """What one village draws before its rows: whether it registers anyone, its share of
    days, its level, and its agent's first day (None: no agent)."""

    code: str
    active: bool
    share: float
    level: int
    agent_since: dt.date | None


def village_plan(seed: int, code: str, today: dt.date) -> VillagePlan:
    rng = random.Random(_seed(seed, "campaign", code))
    active = rng.random() < ACTIVE_SHARE
    share, level = rng.uniform(0.3, 0.7), rng.randint(2, 6)
    has_agent = rng.random() < AGENT_SHARE
    since = today - dt.timedelta(rng.randint(60, 1500))
    return VillagePlan(code, active, share, level, since if active and has_agent else None)


def event_day(seed: int, district: str, today: dt.date) -> dt.date:
    """The day of the district's outreach event, within the two years."""
    rng = random.Random(_seed(seed, "event", district))
    return today - dt.timedelta(rng.randint(30, DAYS - 1))


def draw_registrations(
    seed: int, today: dt.date, plan: VillagePlan, agent_id: int | None, event: dt.date | None
) -> Iterator[tuple]:
    """The village's rows, (date, village, channel, agent id, count, contributions), by day.
    Drawn with bare random() against cumulative shares (CHANNELS_PER_DAY, CHANNEL_WEIGHTS,
    PREPAID): several times faster than choices() and randint() at millions of rows."""
    if not plan.active:
        return
    rnd = random.Random(_seed(seed, "registrations", plan.code)).random
    boost = (event, event + dt.timedelta(UPLIFT_DAYS - 1)) if event else None
    agent_from = plan.agent_since or dt.date.max
    for day in _window(today):
        boosted = boost is not None and boost[0] <= day <= boost[1]
        if rnd() >= (0.9 if boosted else plan.share):
            continue
        level = plan.level * (3 if boosted else 1)
        for channel in _channels(rnd, agent_from <= day and day.weekday() < 5):
            count = int(rnd() * level) + 1
            months = _pick(rnd(), PREPAID_CUMULATIVE)
            yield (day, plan.code, channel, agent_id if channel == "PERISAI" else None,
                   count, MONTHLY * count * months)  # fmt: skip


def _cumulative(values, weights) -> tuple[tuple[float, object], ...]:
    total, running, out = sum(weights), 0, []
    for value, weight in zip(values, weights, strict=True):
        running += weight
        out.append((running / total, value))
    return tuple(out)


PREPAID_CUMULATIVE = _cumulative(*PREPAID)
CHANNELS_CUMULATIVE = _cumulative(CHANNELS, CHANNEL_WEIGHTS)
PER_DAY_CUMULATIVE = _cumulative(*CHANNELS_PER_DAY)


def _pick(draw: float, cumulative):
    for bound, value in cumulative:
        if draw < bound:
            return value
    return cumulative[-1][1]


_WINDOWS: dict[dt.date, list[dt.date]] = {}


def _window(today: dt.date) -> list[dt.date]:
    """The DAYS days before `today`, oldest first (built once per day given)."""
    if today not in _WINDOWS:
        first = today - dt.timedelta(DAYS)
        _WINDOWS[today] = [first + dt.timedelta(offset) for offset in range(DAYS)]
    return _WINDOWS[today]


def _channels(rnd, agent_at_work: bool) -> list[str]:
    """One to three distinct channels; PERISAI among them on some of an agent's workdays."""
    n = _pick(rnd(), PER_DAY_CUMULATIVE)
    first = _pick(rnd(), CHANNELS_CUMULATIVE)
    chosen = [first, "PERISAI"] if agent_at_work and rnd() < 0.6 else [first]
    if len(chosen) < n:
        rest = [c for c in CHANNELS if c != first]
        if rnd() < 0.5:
            rest.reverse()
        chosen += rest[: n - len(chosen)]
    return chosen


# --- Writing ---------------------------------------------------------------------------
def generate_campaign(
    *, villages: list[tuple[str, str]], seed: int, today: dt.date, workers: int = 2
) -> CampaignCounts:
    """Replace the campaign rows (registrations, agents, events) with those drawn for
    `villages`; returns counts and seconds per phase."""
    started = time.monotonic()
    counts = CampaignCounts(villages=len(villages))
    plans = [village_plan(seed, code, today) for code, _kind in villages]
    counts.active_villages = sum(plan.active for plan in plans)
    with transaction.atomic():
        wipe()
        agents = _write_agents(plans, counts)
        events = _write_events(seed, today, plans, counts)
        counts.seconds["agents+events"] = time.monotonic() - started
        step = time.monotonic()
        jobs = [
            (seed, today, [(p, agents.get(p.code), events.get(p.code[:8])) for p in chunk])
            for chunk in _chunks([p for p in plans if p.active])
        ]
        # Written without the self-enrolled totals' triggers (PostgreSQL: the COPY runs as a
        # replica; SQLite: dropped meanwhile), then all rebuilt in one statement.
        with self_enrolled.triggers_off():
            _write_registrations(jobs, counts, workers)
        counts.seconds["registrations"] = time.monotonic() - step
        step = time.monotonic()
        self_enrolled.rebuild()
        counts.seconds["self-enrolled totals"] = time.monotonic() - step
    step = time.monotonic()
    analyze()
    counts.seconds["analyze"] = time.monotonic() - step
    counts.seconds["total"] = time.monotonic() - started
    return counts


TABLES = (
    Registration._meta.db_table,
    PerisaiAgent.villages.through._meta.db_table,
    OutreachEvent.villages.through._meta.db_table,
    EventAttendance._meta.db_table,
    OutreachEvent._meta.db_table,
    PerisaiAgent._meta.db_table,
)


def wipe() -> None:
    """Delete every registration, agent and outreach event (their history stays)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Inside a transaction that wrote these tables, their deferred foreign-key checks
            # are still pending, and PostgreSQL refuses to truncate: run them first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(TABLES)}")
        return
    Registration.objects.all().delete()
    EventAttendance.objects.all().delete()
    OutreachEvent.objects.all().delete()
    PerisaiAgent.objects.all().delete()


def analyze() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in (*TABLES, *(rollup.table for rollup in ROLLUPS), UPLIFT):
            cursor.execute(f"ANALYZE {table}")


def _write_agents(plans: list[VillagePlan], counts: CampaignCounts) -> dict[str, int]:
    """One agent per village that has one, numbered within its regency in code order."""
    numbers: dict[str, int] = {}
    agents, served = [], []
    for plan in plans:
        if plan.agent_since is None:
            continue
        regency = plan.code[:5]
        numbers[regency] = numbers.get(regency, 0) + 1
        code = f"GEN-{regency.replace('.', '')}-{numbers[regency]:04d}"
        agents.append(
            PerisaiAgent(code=code, name=f"Agen {code}", regency_id=regency,
                         active_from=plan.agent_since)
        )  # fmt: skip
        served.append(plan.code)
    PerisaiAgent.objects.bulk_create(agents, batch_size=5000)
    through = PerisaiAgent.villages.through
    links = [
        through(perisaiagent_id=a.pk, village_id=v) for a, v in zip(agents, served, strict=True)
    ]
    through.objects.bulk_create(links, batch_size=5000)
    counts.agents = len(agents)
    return {village: agent.pk for agent, village in zip(agents, served, strict=True)}  # type: ignore[misc]


def _write_events(
    seed: int, today: dt.date, plans: list[VillagePlan], counts: CampaignCounts
) -> dict[str, dt.date]:
    """One event per district with an active village, at one of its villages, for all of them;
    returns each district's event day."""
    by_district: dict[str, list[str]] = {}
    active: set[str] = set()
    for plan in plans:
        by_district.setdefault(plan.code[:8], []).append(plan.code)
        if plan.active:
            active.add(plan.code[:8])
    days = {district: event_day(seed, district, today) for district in sorted(active)}
    names = dict(District.objects.filter(code__in=days).values_list("code", "name"))
    events = []
    for district, day in days.items():
        rng = random.Random(_seed(seed, "event-place", district))
        place = rng.choice(by_district[district])
        title = f"Sosialisasi aparatur desa se-Kecamatan {names[district]}"
        events.append(
            OutreachEvent(date=day, title=title, regency_id=district[:5], place_village_id=place,
                          place_name="Balai Desa", residents_attending=rng.randint(0, 60))
        )  # fmt: skip
    OutreachEvent.objects.bulk_create(events, batch_size=5000)
    through = OutreachEvent.villages.through
    links, attendance = [], []
    for event, district in zip(events, days, strict=True):
        villages = by_district[district]
        links += [through(outreachevent_id=event.pk, village_id=v) for v in villages]
        rng = random.Random(_seed(seed, "event-attendance", district))
        for category, per_village in (("PERANGKAT", 6), ("BPD", 3), ("RT_RW", 2), ("LKD", 1)):
            attendance.append(
                EventAttendance(event=event, category=category,
                                count=rng.randint(1, per_village) * len(villages))
            )  # fmt: skip
    through.objects.bulk_create(links, batch_size=5000)
    EventAttendance.objects.bulk_create(attendance, batch_size=5000)
    counts.events = len(events)
    return days


def _chunks(plans: list[VillagePlan]) -> list[list[VillagePlan]]:
    return [plans[i : i + CHUNK_VILLAGES] for i in range(0, len(plans), CHUNK_VILLAGES)]


def draw_chunk(job) -> list[tuple]:
    seed, today, items = job
    return [
        row
        for plan, agent, event in items
        for row in draw_registrations(seed, today, plan, agent, event)
    ]


def _copy_text(job) -> tuple[str, int, int]:
    rows = draw_chunk(job)
    days = {day: day.isoformat() for day in _window(job[1])}
    null = "\\N"
    text = "".join(
        f"{days[d]}\t{v}\t{c}\t{null if a is None else a}\t{n}\t{p}\n" for d, v, c, a, n, p in rows
    )
    return text, len(rows), sum(row[4] for row in rows)


def _write_registrations(jobs, counts: CampaignCounts, workers: int) -> None:
    if connection.vendor != "postgresql":
        for job in jobs:
            rows = draw_chunk(job)
            Registration.objects.bulk_create(
                (Registration(**dict(zip(COLUMNS, row, strict=True))) for row in rows),
                batch_size=5000,
            )
            counts.registrations += len(rows)
            counts.residents += sum(row[4] for row in rows)
        return
    sql = f"COPY {Registration._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN"
    with _indexes_rebuilt(counts.seconds):
        started = time.monotonic()
        with multiprocessing.get_context("fork").Pool(workers) as pool, connection.cursor() as cur:
            for text, written, residents in pool.imap(_copy_text, jobs):
                with cur.cursor.copy(sql) as copy:
                    copy.write(text)
                counts.registrations += written
                counts.residents += residents
        counts.seconds["draw+copy"] = time.monotonic() - started
    # The COPY ran without triggers (session_replication_role): sum the rollups afresh.
    started = time.monotonic()
    rebuild_rollups()
    counts.seconds["rollups"] = time.monotonic() - started


@contextmanager
def _indexes_rebuilt(seconds: dict[str, float]):
    """Drop the registration table's secondary indexes (unique ones too; the primary key
    stays) and build them again after the COPY: one sorted build beats millions of inserts
    into random places of a B-tree. The rebuild of the unique ones checks the rows."""
    table = Registration._meta.db_table
    with connection.cursor() as cursor:
        # No foreign-key checks for the COPY (the rows name villages and agents just read or
        # written; a superuser setting, for this transaction only), as the roster's load does:
        # checks queued to the commit would also forbid building an index before it.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
    seconds["index"] = time.monotonic() - started
