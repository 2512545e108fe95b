"""The campaign's calculations: uplift windows at their boundaries, commission rounding and
rates, sums equal to their parts at every level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from campaign.models import CommissionRate
from campaign.period import Period
from campaign.selectors import (
    agent_results,
    campaign_for_area,
    commission_round,
    events_in,
    rates_in,
)
from tests.campaign.conftest import GUNUNGWETAN, KARANGLEWAS, KARANGLO, known_area
from tests.factories import (
    BranchOfficeFactory,
    OutreachEventFactory,
    PerisaiAgentFactory,
    RegistrationFactory,
)
from villages.models import Regency

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 4, 24)
YEAR_2024 = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def _on(offset: int, count: int, village: str = KARANGLEWAS, channel: str = "MANDIRI"):
    return RegistrationFactory(
        date=DAY + dt.timedelta(days=offset), village_id=village, channel=channel, count=count
    )


# --- Uplift --------------------------------------------------------------------------------


def test_uplift_counts_30_days_before_and_30_from_the_event_day():
    event = OutreachEventFactory(date=DAY, villages=[KARANGLEWAS])
    _on(-31, 1000)  # outside: 31 days before
    _on(-30, 1)  # the first day before
    _on(-1, 2)  # the last day before
    _on(0, 10)  # the event day counts as after
    _on(29, 20)  # the last day after
    _on(30, 2000)  # outside
    [row] = events_in(area=known_area("33.02"), period=YEAR_2024)
    assert (row.id, row.before, row.after, row.difference) == (event.pk, 3, 30, 27)


def test_uplift_counts_only_the_events_villages():
    OutreachEventFactory(date=DAY, villages=[KARANGLEWAS])
    _on(1, 5)
    _on(1, 7, village=GUNUNGWETAN)  # same district, not an event village
    [row] = events_in(area=known_area("33.02.03"), period=YEAR_2024)
    assert (row.before, row.after) == (0, 5)


def test_uplift_of_each_of_two_events_sharing_a_village():
    first = OutreachEventFactory(date=DAY, villages=[KARANGLEWAS, GUNUNGWETAN])
    second = OutreachEventFactory(date=DAY + dt.timedelta(days=10), villages=[KARANGLEWAS])
    _on(5, 4)  # after the first, before the second
    _on(12, 6, village=GUNUNGWETAN)  # after the first only (not the second's village)
    rows = {
        row.id: (row.before, row.after)
        for row in events_in(area=known_area("33.02"), period=YEAR_2024)
    }
    assert rows == {first.pk: (0, 10), second.pk: (4, 0)}


def test_events_listed_touch_the_area_within_the_period():
    inside = OutreachEventFactory(
        date=DAY, villages=[KARANGLEWAS], attendance={"BPD": 12, "LKD": 3}
    )
    OutreachEventFactory(date=DAY, villages=[GUNUNGWETAN])  # another village
    OutreachEventFactory(date=dt.date(2023, 12, 31), villages=[KARANGLEWAS])  # before
    rows = events_in(area=known_area(KARANGLEWAS), period=YEAR_2024)
    assert [(r.id, r.attendees, r.villages) for r in rows] == [(inside.pk, 15, [KARANGLEWAS])]


# --- Commission ----------------------------------------------------------------------------


def test_commission_rounds_half_up_to_whole_rupiah():
    assert commission_round(Decimal("75000.45")) == 75000
    assert commission_round(Decimal("75000.50")) == 75001
    assert commission_round(Decimal("0.49")) == 0


def test_agent_commission_is_rounded_once_from_the_exact_sum():
    agent = PerisaiAgentFactory(villages=[KARANGLEWAS])
    RegistrationFactory(agent=agent, channel="PERISAI", count=60, contributions=1_000_000)
    RegistrationFactory(
        agent=agent, channel="PERISAI", count=1, contributions=6, date=dt.date(2024, 5, 2)
    )
    rates = rates_in(YEAR_2024)
    result = agent_results(area=known_area("33.02"), period=YEAR_2024, rates=rates)
    assert result == {agent.pk: (61, 1_000_006, 75_000)}  # 75,000.45


def test_agent_commission_half_rupiah_rounds_up():
    agent = PerisaiAgentFactory(villages=[KARANGLEWAS])
    RegistrationFactory(agent=agent, channel="PERISAI", count=1, contributions=1_000_020)
    rates = rates_in(YEAR_2024)
    result = agent_results(area=known_area("33.02"), period=YEAR_2024, rates=rates)
    assert result == {agent.pk: (1, 1_000_020, 75_002)}  # 75,001.50


def test_commission_takes_the_rate_in_force_on_each_registrations_day():
    CommissionRate.objects.create(valid_from=dt.date(2024, 7, 1), rate_pct=Decimal("10.00"))
    CommissionRate.objects.create(valid_from=dt.date(2025, 1, 1), rate_pct=Decimal("5.00"))
    agent = PerisaiAgentFactory(villages=[KARANGLEWAS])
    for day in (dt.date(2024, 6, 30), dt.date(2024, 7, 1)):
        RegistrationFactory(agent=agent, channel="PERISAI", date=day, contributions=100_000)
    rates = rates_in(YEAR_2024)
    assert [(r.valid_from, r.rate_pct) for r in rates] == [
        (dt.date(2000, 1, 1), Decimal("7.50")),
        (dt.date(2024, 7, 1), Decimal("10.00")),
    ]
    result = agent_results(area=known_area("33.02"), period=YEAR_2024, rates=rates)
    assert result == {agent.pk: (2, 200_000, 7_500 + 10_000)}


def test_registrations_without_an_agent_earn_no_commission():
    RegistrationFactory(channel="MANDIRI", contributions=1_000_000)
    figures = campaign_for_area(area=known_area("33.02"), period=YEAR_2024)
    assert (figures.registrations.total.contributions, figures.commission) == (1_000_000, 0)


def test_agents_listed_serve_the_area_in_the_period_or_registered_there():
    serving = PerisaiAgentFactory(code="PRS-A", villages=[KARANGLEWAS])
    PerisaiAgentFactory(code="PRS-B", villages=[KARANGLEWAS], active_from=dt.date(2025, 1, 1))
    PerisaiAgentFactory(code="PRS-C", villages=[GUNUNGWETAN])  # another village
    elsewhere = PerisaiAgentFactory(code="PRS-D", villages=[GUNUNGWETAN])
    RegistrationFactory(agent=elsewhere, channel="PERISAI", count=2, contributions=33_600)
    figures = campaign_for_area(area=known_area(KARANGLEWAS), period=YEAR_2024)
    assert [
        (a.code, a.villages, a.registrations, a.contributions, a.commission) for a in figures.agents
    ] == [
        ("PRS-A", [KARANGLEWAS], 0, 0, 0),
        ("PRS-D", [GUNUNGWETAN], 2, 33_600, 2_520),
    ]
    assert serving.pk


# --- Sums ----------------------------------------------------------------------------------


@pytest.fixture
def spread():
    """Registrations in two provinces, several regencies, districts and villages, every
    channel, over two years."""
    agent = PerisaiAgentFactory(villages=[KARANGLEWAS])
    tuban = PerisaiAgentFactory(code="PRS-3523-001", regency_id="35.23", villages=[KARANGLO])
    rows = [
        (dt.date(2024, 1, 5), KARANGLEWAS, "PERISAI", agent, 3, 50_400),
        (dt.date(2024, 2, 29), KARANGLEWAS, "MANDIRI", None, 7, 117_600),
        (dt.date(2024, 2, 29), GUNUNGWETAN, "SOSIALISASI", None, 11, 184_800),
        (dt.date(2024, 6, 1), "33.02.04.2001", "LAINNYA", None, 2, 33_600),
        (dt.date(2024, 12, 31), "33.01.01.2001", "MANDIRI", None, 5, 84_000),
        (dt.date(2024, 7, 9), KARANGLO, "PERISAI", tuban, 13, 218_401),
        (dt.date(2024, 7, 10), "35.23.08.2001", "SOSIALISASI", None, 17, 285_600),
        (dt.date(2023, 12, 31), KARANGLEWAS, "MANDIRI", None, 1000, 0),  # before the period
        (dt.date(2025, 1, 1), KARANGLO, "MANDIRI", None, 1000, 0),  # after
    ]
    for day, village, channel, who, count, contributions in rows:
        RegistrationFactory(
            date=day,
            village_id=village,
            channel=channel,
            agent=who,
            count=count,
            contributions=contributions,
        )


def _figures(code: str):
    return campaign_for_area(area=known_area(code), period=YEAR_2024)


@pytest.mark.parametrize("code", ["", "33", "35", "33.02", "33.02.03", "35.23.08", KARANGLEWAS])
def test_by_channel_and_by_month_add_up_to_the_total(spread, code):
    figures = _figures(code)
    total = figures.registrations.total
    assert sum(total.by_channel.values()) == total.registrations
    assert sum(n for _m, n in figures.registrations.by_month) == total.registrations
    assert sum(n for _d, n in figures.registrations.by_day) == total.registrations
    assert len(figures.registrations.by_month) == 12
    assert len(figures.registrations.by_day) == 366


@pytest.mark.parametrize("code", ["", "33", "35", "33.02", "33.02.03", "35.23.08"])
def test_children_add_up_to_their_parent(spread, code):
    figures = _figures(code)
    total = figures.registrations.total
    assert sum(c.tally.registrations for c in figures.children) == total.registrations
    assert sum(c.tally.contributions for c in figures.children) == total.contributions
    for channel, count in total.by_channel.items():
        assert sum(c.tally.by_channel[channel] for c in figures.children) == count
    for child in figures.children:  # and each child row is the child's own figures
        assert child.tally == _figures(child.area.code).registrations.total


def test_totals_at_every_level(spread):
    expected = {
        "": (58, 974_401),
        "33": (28, 470_400),
        "33.02": (23, 386_400),
        "33.02.03": (21, 352_800),
        KARANGLEWAS: (10, 168_000),
        "35": (30, 504_001),
        "35.23.08": (30, 504_001),
    }
    got = {
        code: (f.registrations.total.registrations, f.registrations.total.contributions)
        for code in expected
        for f in [_figures(code)]
    }
    assert got == expected
    assert _figures("").registrations.total.by_channel == {
        "PERISAI": 16,
        "MANDIRI": 12,
        "SOSIALISASI": 28,
        "LAINNYA": 2,
    }
    assert _figures("").commission == 3_780 + 16_380  # 50,400 and 218,401 × 7.5 %


def test_branches_sum_their_regencies_events_and_agents(spread):
    purwokerto = BranchOfficeFactory(name="Purwokerto")
    purwokerto.regencies.set(Regency.objects.filter(code="33.02"))
    tuban = BranchOfficeFactory(name="Tuban", regional_office__name="Kanwil Jawa Timur")
    tuban.regencies.set(Regency.objects.filter(code="35.23"))
    OutreachEventFactory(date=dt.date(2024, 2, 1), villages=[KARANGLEWAS], branch=purwokerto)
    figures = _figures("")
    rows = {
        b.name: (
            b.tally.registrations,
            b.tally.contributions,
            b.commission,
            b.events,
            b.before,
            b.after,
        )
        for b in figures.branches
    }
    assert rows == {
        "Kantor Cabang Purwokerto": (23, 386_400, 3_780, 1, 3, 7),
        "Kantor Cabang Tuban": (30, 504_001, 16_380, 0, 0, 0),
    }
    assert [b.name for b in _figures("33.02").branches] == ["Kantor Cabang Purwokerto"]
    assert _figures("33.02.03").branches == []
