"""Every Perisai agent named on a village (`Village.perisai_agent_name` and
`perisai_agent_since`, removed by villages 0010) becomes a row of the registry: one agent per
village, coded PRS-<regency>-<number> per regency in order of village code, active from the
day given (1 January 2000 when none was), serving that village. Each gets its first history
record, with the reason below.

Backwards: each village gets back the name and day of the agent serving it (the migrated
one first; 1 January 2000 back to no day), and the migrated agents without registrations are
deleted."""

import datetime
from collections import defaultdict

from django.db import migrations
from django.utils import timezone

UNKNOWN_SINCE = datetime.date(2000, 1, 1)
REASON = "Migrated from the village's Perisai agent field"
BATCH = 1000


def agents_from_villages(apps, schema_editor):
    Village = apps.get_model("villages", "Village")
    Agent = apps.get_model("campaign", "PerisaiAgent")
    named = (
        Village.objects.exclude(perisai_agent_name="")
        .order_by("code")
        .values_list("code", "perisai_agent_name", "perisai_agent_since", "district__regency_id")
    )
    taken = set(Agent.objects.values_list("code", flat=True))
    numbers: dict[str, int] = defaultdict(int)
    agents, served = [], []
    for village, name, since, regency in named.iterator(chunk_size=BATCH):
        if not name.strip():
            continue
        code = _next_code(regency, numbers, taken)
        agents.append(
            Agent(
                code=code,
                name=name.strip()[:100],
                regency_id=regency,
                active_from=since or UNKNOWN_SINCE,
                active=True,
            )
        )
        served.append(village)
    created = Agent.objects.bulk_create(agents, batch_size=BATCH)
    if created and created[0].pk is None:  # a database that returns no keys
        by_code = dict(
            Agent.objects.filter(code__in=[a.code for a in created]).values_list("code", "pk")
        )
        for agent in created:
            agent.pk = by_code[agent.code]
    Link = Agent.villages.through
    Link.objects.bulk_create(
        [Link(perisaiagent_id=a.pk, village_id=v) for a, v in zip(created, served)],
        batch_size=BATCH,
    )
    links = {}  # agent → (link id, village): each migrated agent serves one village
    for start in range(0, len(created), BATCH):
        some = [a.pk for a in created[start : start + BATCH]]
        for pk, agent, village in Link.objects.filter(perisaiagent_id__in=some).values_list(
            "pk", "perisaiagent_id", "village_id"
        ):
            links[agent] = (pk, village)
    _first_history(apps, created, links)


def _next_code(regency: str, numbers: dict, taken: set) -> str:
    while True:
        numbers[regency] += 1
        code = f"PRS-{regency.replace('.', '')}-{numbers[regency]:03d}"
        if code not in taken:
            taken.add(code)
            return code


def _first_history(apps, agents, links) -> None:
    History = apps.get_model("campaign", "HistoricalPerisaiAgent")
    HistoryVillages = apps.get_model("campaign", "HistoricalPerisaiAgent_villages")
    now = timezone.now()
    records = History.objects.bulk_create(
        [
            History(
                id=a.pk,
                code=a.code,
                name=a.name,
                nik="",
                phone="",
                regency_id=a.regency_id,
                active_from=a.active_from,
                active_until=None,
                active=True,
                history_date=now,
                history_type="+",
                history_change_reason=REASON,
            )
            for a in agents
        ],
        batch_size=BATCH,
    )
    if records and records[0].pk is None:
        by_agent = dict(
            History.objects.filter(history_change_reason=REASON).values_list("id", "history_id")
        )
        for record in records:
            record.pk = by_agent[record.id]
    HistoryVillages.objects.bulk_create(
        [
            HistoryVillages(
                id=links[r.id][0], history_id=r.pk, village_id=links[r.id][1], perisaiagent_id=r.id
            )
            for r in records
        ],
        batch_size=BATCH,
    )


def villages_from_agents(apps, schema_editor):
    Village = apps.get_model("villages", "Village")
    Agent = apps.get_model("campaign", "PerisaiAgent")
    History = apps.get_model("campaign", "HistoricalPerisaiAgent")
    migrated = set(
        History.objects.filter(history_change_reason=REASON).values_list("id", flat=True)
    )
    today = timezone.localdate()
    links = (
        Agent.villages.through.objects.filter(perisaiagent__active=True)
        .exclude(perisaiagent__active_until__lt=today)
        .values_list(
            "village_id", "perisaiagent_id", "perisaiagent__name", "perisaiagent__active_from"
        )
        .order_by("village_id", "perisaiagent__code")
    )
    chosen: dict[str, tuple] = {}
    for village, agent, name, since in links:
        if village not in chosen or (agent in migrated and chosen[village][0] not in migrated):
            chosen[village] = (agent, name, None if since == UNKNOWN_SINCE else since)
    for village, (_agent, name, since) in chosen.items():
        Village.objects.filter(code=village).update(
            perisai_agent_name=name, perisai_agent_since=since
        )
    HistoryVillages = apps.get_model("campaign", "HistoricalPerisaiAgent_villages")
    doomed = list(
        Agent.objects.filter(pk__in=migrated, registrations__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for start in range(0, len(doomed), BATCH):
        some = doomed[start : start + BATCH]
        Agent.villages.through.objects.filter(perisaiagent_id__in=some).delete()
        HistoryVillages.objects.filter(perisaiagent_id__in=some).delete()
        History.objects.filter(id__in=some).delete()
        Agent.objects.filter(pk__in=some).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0004_role_permissions"),
        ("villages", "0009_district_target"),
    ]

    operations = [migrations.RunPython(agents_from_villages, villages_from_agents)]
