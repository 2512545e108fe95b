"""The campaign in the demo (issue 14): the seed stories and a modest background.

- Kec. Kerek (Tuban): the outreach of 09/07/2018 at Balai Desa Karanglo for the officials of
  the district's 17 villages, then about 15 residents a day registering on their own in
  Karanglo for six weeks (a few a day before), fewer in the other Kerek villages; the Perisai
  agent of Karanglo from 03/09/2018.
- Banyumas: the outreach of 24/04/2024 for BPD, RT/RW and LKD of every village of the
  regency; the Perisai agent of Karanglewas, declared Desa Sadar on 11/09/2024.
- A background over the 24 months up to the day before `today` for about a third of the
  demo's villages, so that every level's campaign figures show something.

Deterministic: each story draws from its own generator, and the background of a village
draws month by month from a generator seeded with the village and the month, so a day's rows
are the same whatever `today` is. Idempotent: events are found by (regency, date, title),
agents by code, registrations by (date, village, channel, agent); only missing rows are
created and counted.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q

from campaign.models import Channel, EventAttendance, OutreachEvent, PerisaiAgent, Registration
from devdata import demo_data as data
from villages.models import BranchOffice, Village

# The minimum BPU package (JKK on Rp 1.000.000 + JKM + JHT), Rp 16.800 a month (domain.md);
# a resident prepays 1, 3, 6 or 12 months, most of them one.
MONTHLY_CONTRIBUTION = 16_800
PREPAID_MONTHS = ((1, 70), (3, 20), (6, 7), (12, 3))

KEREK = "35.23.08"
TUBAN = "35.23"
BANYUMAS = "33.02"
# Pendopo Si Panji, the regent's hall in Purwokerto, lies in Kelurahan Sokanegara.
SOKANEGARA = "33.02.26.1001"
KEREK_EVENT_DAY = dt.date(2018, 7, 9)
BANYUMAS_EVENT_DAY = dt.date(2024, 4, 24)
KARANGLEWAS_DECLARED = dt.date(2024, 9, 11)

# Registrations in Karanglo on their own: (first day, last day, share of days, fewest, most).
KARANGLO_BEFORE = (dt.date(2018, 6, 1), dt.date(2018, 7, 8), 0.5, 1, 3)
KARANGLO_AFTER = (KEREK_EVENT_DAY, dt.date(2018, 8, 19), 1.0, 12, 18)  # six weeks, ~15 a day
KARANGLO_TAIL = (dt.date(2018, 8, 20), dt.date(2018, 12, 31), 0.6, 2, 8)
KEREK_BEFORE = (dt.date(2018, 6, 1), dt.date(2018, 7, 8), 0.15, 1, 2)
KEREK_AFTER = (KEREK_EVENT_DAY, dt.date(2018, 9, 30), 0.5, 1, 6)
# The Banyumas villages that took up the 2024 outreach (a share of the regency).
BANYUMAS_SHARE = 0.3
BANYUMAS_BEFORE = (dt.date(2024, 3, 25), dt.date(2024, 4, 23), 0.2, 1, 2)
BANYUMAS_AFTER = (BANYUMAS_EVENT_DAY, dt.date(2024, 6, 30), 0.5, 1, 4)
# The agents' own registrations (weekdays): (first day, last day, share of days, fewest, most).
KARANGLO_AGENT_2018 = (dt.date(2018, 9, 3), dt.date(2018, 12, 31), 0.7, 1, 5)
KARANGLEWAS_AGENT_2024 = (dt.date(2024, 1, 2), dt.date(2024, 4, 23), 0.4, 1, 3)
KARANGLEWAS_AGENT_AFTER = (BANYUMAS_EVENT_DAY, dt.date(2024, 9, 30), 0.7, 2, 6)
# The background: share of demo villages registering, and of their days with registrations.
BACKGROUND_SHARE = 0.35
BACKGROUND_DAYS = 730


@dataclass(frozen=True)
class AgentStory:
    code: str
    name: str
    phone: str
    regency: str
    village: str
    since: dt.date


# The names and start dates the demo's village profiles already give these two agents.
AGENTS = (
    AgentStory("PRS-3523-001", "Siti Mukaromah", "081357924680", TUBAN, data.KARANGLO,
               dt.date(2018, 9, 3)),
    AgentStory("PRS-3302-001", "Joko Wibowo", "085226481357", BANYUMAS, data.KARANGLEWAS,
               dt.date(2021, 2, 2)),
)  # fmt: skip


@dataclass(frozen=True)
class EventStory:
    date: dt.date
    title: str
    branch: str
    regency: str
    place_village: str
    place_name: str
    villages_of: str  # the area whose villages it was held for
    attendance: dict[str, int]
    notes: str


EVENTS = (
    EventStory(
        KEREK_EVENT_DAY,
        "Sosialisasi aparatur desa se-Kecamatan Kerek",
        "Tuban",
        TUBAN,
        data.KARANGLO,
        "Balai Desa Karanglo",
        KEREK,
        {"PERANGKAT": 112, "BPD": 51, "LKD": 17},
        "Kepala desa, perangkat, dan perwakilan BPD dan LKD dari 17 desa se-Kecamatan Kerek.",
    ),
    EventStory(
        BANYUMAS_EVENT_DAY,
        "Sosialisasi BPJS Ketenagakerjaan bagi BPD, RT/RW dan LKD se-Kabupaten Banyumas",
        "Purwokerto",
        BANYUMAS,
        SOKANEGARA,
        "Pendopo Si Panji, Purwokerto",
        BANYUMAS,
        {"BPD": 327, "RT_RW": 614, "LKD": 298},
        "Perlindungan bagi anggota BPD, ketua dan sekretaris RT/RW, dan pengurus LKD.",
    ),
)

# (date, village code, channel, agent code or "") -> [residents, contributions]
Plan = dict[tuple[dt.date, str, str, str], list[int]]


@dataclass
class CampaignCounts:
    outreach_events: int = 0
    attendance: int = 0
    perisai_agents: int = 0
    registrations: int = 0
    declarations: int = 0


def demo_campaign_load(*, today: dt.date, result) -> None:
    """Create what is missing of the campaign stories and background; add the counts of what
    was created to `result` (a DemoResult)."""
    counts = CampaignCounts()
    agents = _save_agents(counts)
    _save_events(counts)
    villages = list(
        Village.objects.filter(_under(data.DEMO_AREAS))
        .order_by("code")
        .values_list("code", flat=True)
    )
    plan = registrations_plan(villages, today)
    counts.registrations = _save_registrations(plan, agents)
    counts.declarations = _save_declaration()
    for name, value in vars(counts).items():
        setattr(result, name, getattr(result, name) + value)


def _under(prefixes: Iterable[str]) -> Q:
    return Q(*[Q(code__startswith=f"{p}.") for p in prefixes], _connector=Q.OR)


# --- Agents and events -----------------------------------------------------------------
def _save_agents(counts: CampaignCounts) -> dict[str, int]:
    ids = {}
    for story in AGENTS:
        agent, created = PerisaiAgent.objects.get_or_create(
            code=story.code,
            defaults={
                "name": story.name,
                "phone": story.phone,
                "regency_id": story.regency,
                "active_from": story.since,
            },
        )
        agent.villages.add(story.village)  # type: ignore[arg-type]  # a Village's pk is its code
        counts.perisai_agents += created
        ids[story.code] = agent.pk
    return ids


def _save_events(counts: CampaignCounts) -> None:
    for story in EVENTS:
        event, created = OutreachEvent.objects.get_or_create(
            regency_id=story.regency,
            date=story.date,
            title=story.title,
            defaults={
                "branch": BranchOffice.objects.filter(name=story.branch).first(),
                "place_village_id": story.place_village,
                "place_name": story.place_name,
                "notes": story.notes,
            },
        )
        counts.outreach_events += created
        if created:
            codes = Village.objects.filter(_under([story.villages_of])).values_list(
                "code", flat=True
            )
            event.villages.set(list(codes))  # type: ignore[arg-type]
        for category, count in story.attendance.items():
            _row, made = EventAttendance.objects.get_or_create(
                event=event, category=category, defaults={"count": count}
            )
            counts.attendance += made


def _save_declaration() -> int:
    """Karanglewas declared Desa Sadar on 11/09/2024, with how it stood against its rule set
    (recorded as the admin does; the demo's village may fail it, as declared villages do)."""
    from enrollment.models import Declaration
    from enrollment.selectors import declaration_eligibility
    from enrollment.services import declaration_save

    day = KARANGLEWAS_DECLARED
    if Declaration.objects.filter(village_id=data.KARANGLEWAS, declared_on=day).exists():
        return 0
    declaration = Declaration(
        village_id=data.KARANGLEWAS,
        declared_on=day,
        declared_by="Kepala KC Purwokerto",
        memorandum_number="MoU 17/KC-PWT/IX/2024",
        note="Deklarasi Desa Sadar Jaminan Sosial Ketenagakerjaan di Balai Desa Karanglewas.",
    )
    eligibility = declaration_eligibility(village_code=data.KARANGLEWAS, day=day)
    declaration_save(declaration=declaration, eligibility=eligibility)
    return 1


# --- Registrations ---------------------------------------------------------------------
def registrations_plan(villages: list[str], today: dt.date) -> Plan:
    """Every registration row of the demo: the stories, then the background where a story
    has not already taken the day (dates up to the day before `today`)."""
    plan: Plan = {}
    rng = random.Random(f"{data.SEED}:campaign:kerek")
    kerek = [code for code in villages if code.startswith(f"{KEREK}.")]
    _draw(plan, rng, [data.KARANGLO], Channel.MANDIRI, KARANGLO_BEFORE)
    _draw(plan, rng, [data.KARANGLO], Channel.MANDIRI, KARANGLO_AFTER)
    _draw(plan, rng, [data.KARANGLO], Channel.MANDIRI, KARANGLO_TAIL)
    others = [code for code in kerek if code != data.KARANGLO]
    _draw(plan, rng, others, Channel.MANDIRI, KEREK_BEFORE)
    _draw(plan, rng, others, Channel.MANDIRI, KEREK_AFTER)
    _draw(plan, rng, [data.KARANGLO], Channel.PERISAI, KARANGLO_AGENT_2018, AGENTS[0].code)
    rng = random.Random(f"{data.SEED}:campaign:banyumas")
    banyumas = [code for code in villages if code.startswith(f"{BANYUMAS}.")]
    took_up = [code for code in banyumas if rng.random() < BANYUMAS_SHARE]
    _draw(plan, rng, took_up, Channel.MANDIRI, BANYUMAS_BEFORE)
    _draw(plan, rng, took_up, Channel.MANDIRI, BANYUMAS_AFTER)
    for window in (KARANGLEWAS_AGENT_2024, KARANGLEWAS_AGENT_AFTER):
        _draw(plan, rng, [data.KARANGLEWAS], Channel.PERISAI, window, AGENTS[1].code)
    for key, value in _background(villages, today):
        plan.setdefault(key, value)
    return {key: plan[key] for key in sorted(plan) if key[0] < today}


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    for offset in range((last - first).days + 1):
        yield first + dt.timedelta(offset)


def _draw(plan: Plan, rng, villages: list[str], channel: str, window, agent: str = "") -> None:
    """Registrations in `villages` on a share of the window's days (an agent's on weekdays)."""
    first, last, share, fewest, most = window
    for village in villages:
        for day in _days(first, last):
            if (agent and day.weekday() >= 5) or rng.random() >= share:
                continue
            count = rng.randint(fewest, most)
            plan[(day, village, channel, agent)] = [count, contributions(rng, count)]


def contributions(rng: random.Random, residents: int) -> int:
    """First contributions of `residents` new BPU participants, each prepaying some months."""
    months, weights = zip(*PREPAID_MONTHS, strict=True)
    return MONTHLY_CONTRIBUTION * sum(rng.choices(months, weights, k=residents))


def _background(villages: list[str], today: dt.date) -> Iterator[tuple[tuple, list[int]]]:
    """About a third of the villages register residents on some days of the last 24 months:
    mostly on their own, sometimes at an event or otherwise, and through the story agents in
    their villages."""
    first, last = today - dt.timedelta(BACKGROUND_DAYS), today - dt.timedelta(1)
    agents = {story.village: story.code for story in AGENTS}
    for village in villages:
        rng = random.Random(f"{data.SEED}:campaign:{village}")
        if rng.random() >= BACKGROUND_SHARE and village not in agents:
            continue
        share, level = rng.uniform(0.15, 0.5), rng.randint(2, 6)
        month = first.replace(day=1)
        while month <= last:
            yield from _background_month(village, month, first, last, share, level, agents)
            month = (month + dt.timedelta(32)).replace(day=1)


def _background_month(village, month, first, last, share, level, agents):
    """One month of a village's background. Every day draws all it might keep, so a day's
    rows do not depend on where the window starts or ends."""
    rng = random.Random(f"{data.SEED}:campaign:{village}:{month:%Y-%m}")
    agent = agents.get(village, "")
    day = month
    while day.month == month.month:
        rows = [
            (Channel.MANDIRI, "", share, rng.randint(1, level)),
            (Channel.LAINNYA, "", 0.15 * share, rng.randint(1, 3)),
            (Channel.SOSIALISASI, "", 0.03 * share, rng.randint(1, 4)),
            (
                Channel.PERISAI,
                agent,
                0.5 if agent and day.weekday() < 5 else 0.0,
                rng.randint(1, 3),
            ),
        ]
        for channel, code, chance, count in rows:
            drawn, paid = rng.random(), contributions(rng, count)
            if first <= day <= last and drawn < chance:
                yield (day, village, channel, code), [count, paid]
        day += dt.timedelta(1)


def _save_registrations(plan: Plan, agents: dict[str, int]) -> int:
    villages = {key[1] for key in plan}
    existing = set(
        Registration.objects.filter(village_id__in=villages).values_list(
            "date", "village_id", "channel", "agent_id"
        )
    )
    new = []
    for (day, village, channel, agent_code), (count, paid) in plan.items():
        agent_id = agents[agent_code] if agent_code else None
        if (day, village, channel, agent_id) not in existing:
            new.append(
                Registration(
                    date=day,
                    village_id=village,
                    channel=channel,
                    agent_id=agent_id,
                    count=count,
                    contributions=paid,
                )
            )
    Registration.objects.bulk_create(new, batch_size=data.BATCH_SIZE)
    return len(new)
