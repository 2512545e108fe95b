"""The load generator's campaign rows: deterministic for a seed, within the model's rules
(PERISAI names an agent of the village's regency serving it, no two rows for one key), about
two years of daily rows where a village has any, replaced rather than added to on a rerun."""

import datetime as dt
from collections import Counter
from io import StringIO

from django.core.management import call_command

from campaign.models import EventAttendance, OutreachEvent, PerisaiAgent, Registration
from devdata.loadgen import campaign as gen
from villages.models import Village

TODAY = dt.date(2026, 11, 22)
BANYUMAS = "33.02."


def _villages(prefix: str) -> list[tuple[str, str]]:
    rows = Village.objects.filter(code__startswith=prefix).order_by("code")
    return list(rows.values_list("code", "kind"))


def _rows(seed: int, codes: list[str]) -> list[tuple]:
    rows: list[tuple] = []
    for code in codes:
        plan = gen.village_plan(seed, code, TODAY)
        rows += gen.draw_registrations(seed, TODAY, plan, 1, gen.event_day(seed, code[:8], TODAY))
    return rows


def _stored() -> list[tuple]:
    return sorted(
        Registration.objects.values_list(
            "date", "village_id", "channel", "agent__code", "count", "contributions"
        )
    )


def test_the_draw_is_deterministic_for_a_seed(db):
    codes = [code for code, _kind in _villages(BANYUMAS)][:60]
    first = _rows(7, codes)
    assert first == _rows(7, codes)
    assert _rows(8, codes) != first
    # A village draws the same rows on its own as among others.
    assert _rows(7, codes[-1:]) == [row for row in first if row[1] == codes[-1]]


def test_a_share_of_villages_registers_on_about_half_the_days(db):
    codes = [code for code, _kind in _villages(BANYUMAS)]
    plans = [gen.village_plan(1, code, TODAY) for code in codes]
    active = [plan for plan in plans if plan.active]
    assert 0.2 < len(active) / len(plans) < 0.4
    rows = _rows(1, [plan.code for plan in active])
    days = Counter(row[1] for row in {(row[0], row[1]) for row in rows})
    assert all(0.2 * gen.DAYS < n < 0.8 * gen.DAYS for n in days.values())
    per_day = len(rows) / sum(days.values())
    assert 1.3 < per_day < 1.8  # one to three channels a day
    assert min(row[0] for row in rows) == TODAY - dt.timedelta(days=gen.DAYS)
    assert max(row[0] for row in rows) == TODAY - dt.timedelta(days=1)


def test_the_generated_rows_respect_the_models_rules(db):
    counts = gen.generate_campaign(villages=_villages(BANYUMAS), seed=3, today=TODAY)
    assert Registration.objects.count() == counts.registrations > 50_000
    assert PerisaiAgent.objects.count() == counts.agents > 0
    assert OutreachEvent.objects.count() == counts.events
    rows = list(
        Registration.objects.values_list("date", "village_id", "channel", "agent_id", "count")
    )
    assert len({row[:4] for row in rows}) == len(rows)  # no two rows for one key
    assert all(row[4] >= 1 for row in rows)
    agents = {
        agent.pk: (
            agent.regency_id,
            agent.active_from,
            set(agent.villages.values_list("pk", flat=True)),
        )
        for agent in PerisaiAgent.objects.prefetch_related("villages")
    }
    for day, village, channel, agent_id, _count in rows:
        assert (channel == "PERISAI") == (agent_id is not None)
        if agent_id:
            regency, since, served = agents[agent_id]
            assert regency == village[:5] and village in served and since <= day
    # One event per district with registrations, held for all the district's villages.
    districts = {village[:8] for _day, village, *_rest in rows}
    events = OutreachEvent.objects.prefetch_related("villages")
    assert {event.place_village_id[:8] for event in events} == districts
    for event in events:
        assert {v.code[:8] for v in event.villages.all()} == {event.place_village_id[:8]}
    assert EventAttendance.objects.count() == 4 * counts.events


def test_a_rerun_replaces_the_rows_with_the_same_ones(db):
    villages = _villages("33.02.03.")
    gen.generate_campaign(villages=villages, seed=5, today=TODAY)
    first, agents = _stored(), PerisaiAgent.objects.count()
    gen.generate_campaign(villages=villages, seed=5, today=TODAY)
    assert _stored() == first and PerisaiAgent.objects.count() == agents
    assert OutreachEvent.objects.count() == 1


def test_registrations_rise_in_the_month_after_the_districts_event(db):
    codes = [code for code, _kind in _villages(BANYUMAS)]
    before = after = 0
    for code in codes:
        plan = gen.village_plan(1, code, TODAY)
        event = gen.event_day(1, code[:8], TODAY)
        if not plan.active or event - dt.timedelta(days=30) < TODAY - dt.timedelta(gen.DAYS):
            continue
        for day, *_rest, count, _paid in gen.draw_registrations(1, TODAY, plan, 1, event):
            before += count if event - dt.timedelta(days=30) <= day < event else 0
            after += count if event <= day < event + dt.timedelta(days=30) else 0
    assert after > 2 * before > 0


def test_the_command_can_replace_the_campaign_alone(db):
    out = StringIO()
    call_command(
        "generate_load", scale="regency", today=TODAY, campaign_only=True, seed=2, stdout=out
    )
    text = out.getvalue()
    assert f"{Registration.objects.count():,} registrations" in text
    assert "of 331 villages registering" in text
