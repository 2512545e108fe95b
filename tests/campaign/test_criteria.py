"""The Desa Sadar criteria read the campaign: "Perisai agent present" is an active agent
serving the village on the day; "residents enrolled on their own" is the village's old figure
(up to its date) plus the registrations after that date up to the day, or the registrations
alone. The village page (Python) and the lists (SQL) agree: see also
tests/enrollment/test_summary.py, which compares both over a whole roster with agents and
registrations."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from campaign.criteria import perisai_agent_present
from campaign.models import PerisaiAgent, Registration
from enrollment.models import RuleSet
from enrollment.selectors import coverage_for_village
from enrollment.selectors.standings import with_facts
from villages.models import Village
from villages.selectors import area_get

from .conftest import CIRAHAB, GUNUNGWETAN, KARANGLEWAS

pytestmark = pytest.mark.usefixtures("english")

DAY = dt.date(2026, 11, 22)
ONE = dt.timedelta(days=1)


@pytest.fixture
def rules(db):
    rule_set = RuleSet.objects.create(
        name="Kampanye 2026",
        year=2026,
        require_perisai=True,
        self_enrolled_enabled=True,
        self_enrolled_min_pct=Decimal(50),
    )
    rule_set.minimum_programs.set(["JKK", "JKM"])
    Village.objects.filter(code=KARANGLEWAS).update(households=100)
    return rule_set


def _criteria(day=DAY, code=KARANGLEWAS) -> dict:
    area = area_get(code=code)
    assert area is not None
    result = coverage_for_village(area=area, as_of=day)
    return {
        c.key: (c.passed, c.detail)
        for c in result.standing.criteria
        if c.key != "perangkat_covered"
    }


def _agent(village=KARANGLEWAS, code="PRS-3302-001", **fields) -> PerisaiAgent:
    fields.setdefault("active_from", DAY)
    agent = PerisaiAgent.objects.create(code=code, name="Siti", regency_id="33.02", **fields)
    agent.villages.set([village])
    return agent


def _registered(day, count, village=KARANGLEWAS, channel="MANDIRI") -> None:
    Registration.objects.create(date=day, village_id=village, channel=channel, count=count)


# --- Perisai agent present -----------------------------------------------------------------


def test_no_agent_fails(rules):
    assert _criteria()["perisai_agent"] == (False, "No Perisai agent recorded")


def test_an_agent_serves_from_the_first_day_to_the_last(rules):
    _agent(active_from=DAY, active_until=DAY + ONE)
    assert _criteria(DAY - ONE)["perisai_agent"][0] is False
    assert _criteria(DAY)["perisai_agent"] == (True, "Siti")
    assert _criteria(DAY + ONE)["perisai_agent"] == (True, "Siti")
    assert _criteria(DAY + 2 * ONE)["perisai_agent"][0] is False


def test_an_inactive_agent_or_one_serving_another_village_does_not_count(rules):
    _agent(active=False, active_from=DAY - 100 * ONE)
    _agent(village=GUNUNGWETAN, code="PRS-3302-002", active_from=DAY - 100 * ONE)
    assert _criteria()["perisai_agent"][0] is False
    assert _criteria(code=GUNUNGWETAN)["perisai_agent"] == (True, "Siti")


# --- Residents enrolled on their own -------------------------------------------------------


def _old_figure(count, on) -> None:
    Village.objects.filter(code=KARANGLEWAS).update(
        self_enrolled_residents=count, self_enrolled_updated_on=on
    )


def test_nothing_recorded_fails(rules):
    assert _criteria()["self_enrolled"] == (
        False,
        "Households or residents enrolled on their own not recorded",
    )


def test_the_old_figure_alone_as_before(rules):
    _old_figure(50, DAY - 30 * ONE)
    assert _criteria()["self_enrolled"] == (True, "50 of 100 households")


def test_registrations_after_the_old_figures_date_up_to_the_day_are_added(rules):
    _old_figure(40, DAY - 30 * ONE)
    _registered(DAY - 31 * ONE, 7)  # before its date: counted in it
    _registered(DAY - 30 * ONE, 7)  # on its date: counted in it
    _registered(DAY - 29 * ONE, 4, channel="LAINNYA")  # after: added (any channel)
    _registered(DAY, 6)  # the day itself: added
    _registered(DAY + ONE, 90)  # after the day: not yet
    assert _criteria()["self_enrolled"] == (True, "50 of 100 households")
    assert _criteria(DAY - ONE)["self_enrolled"] == (False, "44 of 100 households")


def test_without_an_old_figure_the_registrations_alone(rules):
    _registered(DAY - 20 * ONE, 30)
    _registered(DAY, 19)
    assert _criteria()["self_enrolled"] == (False, "49 of 100 households")
    _registered(DAY, 1, channel="SOSIALISASI")
    assert _criteria()["self_enrolled"] == (True, "50 of 100 households")
    # Before any registration: nothing recorded.
    assert _criteria(DAY - 21 * ONE)["self_enrolled"][0] is False
    assert _criteria(DAY - 21 * ONE)["self_enrolled"][1].startswith("Households or")


# --- The SQL twin over random villages -----------------------------------------------------


def _expected(code, day, agents, registrations, old) -> tuple:
    """The rules written out in Python over the rows made."""
    serving = [
        a
        for a in agents
        if code in a["villages"]
        and a["active"]
        and a["from"] <= day
        and (a["until"] is None or day <= a["until"])
    ]
    first = min(serving, key=lambda a: a["code"])["name"] if serving else None
    count, since = old.get(code, (None, None))
    added = sum(
        n
        for (d, v), n in registrations.items()
        if v == code and d <= day and (since is None or d > since)
    )
    has = any(v == code and d <= day for d, v in registrations)
    enrolled = count + added if count is not None else (added if has else None)
    return first, enrolled


def test_sql_agrees_with_the_rules_over_random_villages(db):
    rng = random.Random(14)
    codes = list(
        Village.objects.filter(district_id__in=["33.02.01", "33.02.03"]).values_list(
            "code", flat=True
        )
    )
    agents, registrations, old = [], {}, {}
    for i in range(40):
        start = DAY + rng.randint(-30, 3) * ONE
        agent = {
            "code": f"PRS-3302-{i:03d}",
            "name": f"Agen {i}",
            "from": start,
            "until": rng.choice([None, start + rng.randint(0, 10) * ONE]),
            "active": rng.random() < 0.8,
            "villages": rng.sample(codes, rng.randint(1, 3)),
        }
        row = PerisaiAgent.objects.create(
            code=agent["code"],
            name=agent["name"],
            regency_id="33.02",
            active_from=agent["from"],
            active_until=agent["until"],
            active=agent["active"],
        )
        row.villages.set(agent["villages"])
        agents.append(agent)
    for code in rng.sample(codes, len(codes) // 2):
        old[code] = (rng.randint(0, 50), DAY + rng.randint(-20, 5) * ONE)
        Village.objects.filter(code=code).update(
            self_enrolled_residents=old[code][0], self_enrolled_updated_on=old[code][1]
        )
    for _ in range(300):
        key = (DAY + rng.randint(-25, 5) * ONE, rng.choice(codes))
        registrations[key] = registrations.get(key, 0) + rng.randint(1, 9)
    for (day, code), count in registrations.items():
        Registration.objects.create(date=day, village_id=code, channel="MANDIRI", count=count)
    villages = Village.objects.filter(code__in=codes)
    for day in (DAY - 20 * ONE, DAY - ONE, DAY, DAY + 3 * ONE):
        rows = with_facts(villages, "code", day=day)
        got = {r["code"]: (r["perisai_agent"], r["self_enrolled"]) for r in rows}
        assert got == {c: _expected(c, day, agents, registrations, old) for c in codes}, day
        present = dict(villages.annotate(p=perisai_agent_present(day)).values_list("code", "p"))
        assert present == {c: got[c][0] is not None for c in codes}


def test_the_facts_of_a_village_are_read_in_a_fixed_number_of_queries(
    db, django_assert_num_queries
):
    for i, code in enumerate([KARANGLEWAS, GUNUNGWETAN, CIRAHAB]):
        _agent(village=code, code=f"PRS-3302-{i:03d}")
        _registered(DAY, 3, village=code)
    with django_assert_num_queries(1):
        rows = list(with_facts(Village.objects.filter(district_id="33.02.03"), "code", day=DAY))
    assert len(rows) > 2
