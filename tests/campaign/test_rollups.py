"""The campaign's rollups (campaign.rollups): kept exact by triggers on every kind of write,
checked against a rebuild, and the province and country figures read from them equal to the
same figures summed from the registrations, for periods cut anywhere in a month and rates
starting mid-month."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from campaign.models import (
    AgentDay,
    AgentMonth,
    CommissionRate,
    EventUplift,
    OutreachEvent,
    ProvinceDay,
    Registration,
    RegistrationDay,
    RegistrationMonth,
)
from campaign.period import Period
from campaign.rollups import rebuild_rollups, rollup_drift
from campaign.selectors import agents as agents_selector
from campaign.selectors import campaign_for_area
from campaign.selectors import registrations as registrations_selector
from tests.campaign.conftest import GUNUNGWETAN, KARANGLEWAS, KARANGLO, known_area
from tests.factories import OutreachEventFactory, PerisaiAgentFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

NO_DRIFT = {
    "campaign_registrationday": 0,
    "campaign_registrationmonth": 0,
    "campaign_provinceday": 0,
    "campaign_agentday": 0,
    "campaign_agentmonth": 0,
    "campaign_eventuplift": 0,
}
DAY = dt.date(2024, 4, 24)
MAY = dt.date(2024, 5, 1)


def _day_rows():
    return list(
        RegistrationDay.objects.order_by("regency", "date", "channel").values_list(
            "province", "regency", "date", "channel", "count", "contributions"
        )
    )


# --- Triggers ------------------------------------------------------------------------------


def test_an_insert_adds_to_every_rollup():
    agent = PerisaiAgentFactory(villages=[KARANGLEWAS])
    RegistrationFactory(date=DAY, channel="PERISAI", agent=agent, count=3, contributions=50_400)
    RegistrationFactory(date=DAY, village_id=GUNUNGWETAN, channel="PERISAI", agent=agent, count=2)
    assert _day_rows() == [("33", "33.02", DAY, "PERISAI", 5, 67_200)]
    assert list(RegistrationMonth.objects.values_list("month", "count", "contributions")) == [
        (dt.date(2024, 4, 1), 5, 67_200)
    ]
    assert list(ProvinceDay.objects.values_list("province", "date", "count")) == [("33", DAY, 5)]
    assert list(AgentDay.objects.values_list("agent_id", "regency", "date", "count")) == [
        (agent.pk, "33.02", DAY, 5)
    ]
    assert list(AgentMonth.objects.values_list("agent_id", "month", "contributions")) == [
        (agent.pk, dt.date(2024, 4, 1), 67_200)
    ]
    assert rollup_drift() == NO_DRIFT


def test_an_update_moves_figures_to_another_village_day_channel_and_agent():
    first, second = PerisaiAgentFactory(), PerisaiAgentFactory()
    row = RegistrationFactory(date=DAY, channel="PERISAI", agent=first, count=3, contributions=9)
    RegistrationFactory(date=DAY, channel="MANDIRI", count=1, contributions=1)
    Registration.objects.filter(pk=row.pk).update(
        village_id=KARANGLO, date=MAY, channel="SOSIALISASI", agent=second, count=4
    )
    assert _day_rows() == [
        ("33", "33.02", DAY, "MANDIRI", 1, 1),
        ("35", "35.23", MAY, "SOSIALISASI", 4, 9),
    ]
    assert list(AgentDay.objects.values_list("agent_id", "regency", "date", "count")) == [
        (second.pk, "35.23", MAY, 4)
    ]
    assert rollup_drift() == NO_DRIFT


def test_a_delete_takes_away_and_leaves_no_empty_rows():
    agent = PerisaiAgentFactory()
    kept = RegistrationFactory(date=DAY, channel="MANDIRI", count=2, contributions=7)
    gone = RegistrationFactory(date=DAY, channel="PERISAI", agent=agent, count=3)
    gone.delete()
    assert _day_rows() == [("33", "33.02", DAY, "MANDIRI", 2, 7)]
    assert not AgentDay.objects.exists() and not AgentMonth.objects.exists()
    kept.delete()
    assert not RegistrationDay.objects.exists() and not ProvinceDay.objects.exists()
    assert rollup_drift() == NO_DRIFT


def test_a_bulk_insert_update_and_delete_keep_every_rollup_exact():
    rnd = random.Random(7)
    agents = [PerisaiAgentFactory(), PerisaiAgentFactory()]
    villages = [KARANGLEWAS, GUNUNGWETAN, KARANGLO, "33.01.01.2001"]
    rows, seen = [], set()
    for _ in range(120):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(120))
        agent = rnd.choice([None, *agents])
        channel = "PERISAI" if agent else rnd.choice(["MANDIRI", "LAINNYA", "SOSIALISASI"])
        village = rnd.choice(villages)
        key = (day, village, channel, agent)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            Registration(
                date=day,
                village_id=village,
                channel=channel,
                agent=agent,
                count=rnd.randint(1, 9),
                contributions=rnd.randint(0, 200_000),
            )
        )
    Registration.objects.bulk_create(rows)
    Registration.objects.filter(channel="MANDIRI").update(count=5)
    Registration.objects.filter(date__lt=dt.date(2024, 2, 1)).delete()
    assert Registration.objects.exists()
    assert rollup_drift() == NO_DRIFT


def test_uplift_follows_registrations_event_days_and_villages():
    event = OutreachEventFactory(date=DAY, villages=[KARANGLEWAS])
    RegistrationFactory(date=DAY - dt.timedelta(days=1), count=2)
    RegistrationFactory(date=DAY, village_id=GUNUNGWETAN, count=7)
    assert EventUplift.objects.get(event_id=event.pk).registered_before == 2
    event.villages.add(GUNUNGWETAN)
    uplift = EventUplift.objects.get(event_id=event.pk)
    assert (uplift.registered_before, uplift.registered_after) == (2, 7)
    OutreachEvent.objects.filter(pk=event.pk).update(date=DAY - dt.timedelta(days=1))
    uplift = EventUplift.objects.get(event_id=event.pk)
    assert (uplift.registered_before, uplift.registered_after) == (0, 9)
    event.villages.remove(KARANGLEWAS)
    assert rollup_drift() == NO_DRIFT
    event.villages.clear()
    event.delete()
    assert not EventUplift.objects.exists()
    assert rollup_drift() == NO_DRIFT


def test_the_check_command_passes_and_fails_when_out_of_step():
    RegistrationFactory(date=DAY, count=2)
    call_command("check_campaign_rollups")
    RegistrationDay.objects.update(count=3)
    with pytest.raises(CommandError):
        call_command("check_campaign_rollups")
    assert rollup_drift() == {**NO_DRIFT, "campaign_registrationday": 2}  # kept and rebuilt
    call_command("check_campaign_rollups", "--rebuild")
    assert rollup_drift() == NO_DRIFT
    assert _day_rows() == [("33", "33.02", DAY, "MANDIRI", 2, 16_800)]


def test_rebuild_fills_the_rollups_the_triggers_keep():
    RegistrationFactory(date=DAY, count=2)
    RegistrationFactory(date=MAY, village_id=KARANGLO, count=3)
    before = _day_rows()
    RegistrationDay.objects.all().delete()
    rebuild_rollups()
    assert _day_rows() == before


# --- Read from the rollups = summed from the registrations ---------------------------------


@pytest.fixture
def scattered():
    """Registrations on many days of 2024 in two provinces, agents among them, a rate that
    starts mid-March and one that starts on 1 July, and events."""
    CommissionRate.objects.update_or_create(
        valid_from=dt.date(2024, 3, 17), defaults={"rate_pct": Decimal("6.50")}
    )
    CommissionRate.objects.update_or_create(
        valid_from=dt.date(2024, 7, 1), defaults={"rate_pct": Decimal("8.25")}
    )
    rnd = random.Random(11)
    agents = [
        PerisaiAgentFactory(villages=[KARANGLEWAS]),
        PerisaiAgentFactory(code="PRS-3523-009", regency_id="35.23", villages=[KARANGLO]),
    ]
    villages = [KARANGLEWAS, GUNUNGWETAN, KARANGLO, "33.01.01.2001", "35.23.08.2001"]
    rows, seen = [], set()
    for _ in range(400):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(366))
        village = rnd.choice(villages)
        agent = rnd.choice([None, *agents])
        channel = "PERISAI" if agent else rnd.choice(["MANDIRI", "LAINNYA", "SOSIALISASI"])
        if (day, village, channel, agent) in seen:
            continue
        seen.add((day, village, channel, agent))
        rows.append(
            Registration(
                date=day,
                village_id=village,
                channel=channel,
                agent=agent,
                count=rnd.randint(1, 9),
                contributions=rnd.randint(0, 300_001),
            )
        )
    Registration.objects.bulk_create(rows)
    OutreachEventFactory(date=dt.date(2024, 3, 3), villages=[KARANGLEWAS, GUNUNGWETAN])
    OutreachEventFactory(date=dt.date(2024, 8, 30), regency_id="35.23", villages=[KARANGLO])


def _raw(monkeypatch, code: str, period: Period):
    with monkeypatch.context() as patch:
        patch.setattr(registrations_selector, "ROLLUP_LEVELS", ())
        patch.setattr(agents_selector, "ROLLUP_LEVELS", ())
        return campaign_for_area(area=known_area(code), period=period)


PERIODS = [
    Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),  # whole months
    Period(dt.date(2024, 1, 17), dt.date(2024, 11, 3)),  # cut at both ends
    Period(dt.date(2024, 3, 2), dt.date(2024, 3, 30)),  # within one month
    Period(dt.date(2024, 2, 29), dt.date(2024, 7, 1)),  # a day of each end month
    Period(dt.date(2024, 3, 17), dt.date(2024, 6, 30)),  # from a rate's first day
]


@pytest.mark.parametrize("code", ["", "33", "35"])
@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}..{p.end}")
def test_figures_from_the_rollups_equal_the_registrations_summed(
    scattered, monkeypatch, code, period
):
    kept = campaign_for_area(area=known_area(code), period=period)
    raw = _raw(monkeypatch, code, period)
    assert kept.registrations == raw.registrations
    assert kept.agents == raw.agents
    assert kept.events == raw.events
    assert kept.children == raw.children
    assert kept.branches == raw.branches
    assert kept.commission == raw.commission
    assert kept.registrations.total.registrations > 0
