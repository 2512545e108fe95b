"""The campaign in the demo: the seed stories with their exact figures, a background that
reaches every level, deterministic and idempotent.

The campaign part of `load_demo` runs once for the module on the offices it needs (rolled
back at the end); the whole demo's second run is tested in test_load_demo.py."""

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Sum

from campaign.models import Channel, OutreachEvent, PerisaiAgent, Registration
from devdata.demo import DemoResult, _load_offices, demo_villages
from devdata.demo_campaign import demo_campaign_load, registrations_plan
from devdata.demo_data import KARANGLEWAS, KARANGLO
from enrollment.models import Declaration
from villages.models import Village

TODAY = dt.date(2026, 3, 15)
KEREK_DAY = dt.date(2018, 7, 9)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def campaign(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        _load_offices(DemoResult())
        result = DemoResult()
        demo_campaign_load(today=TODAY, result=result)
        yield result
        transaction.set_rollback(True)


def registered(village_prefix: str, first: dt.date, last: dt.date, **filters) -> int:
    rows = Registration.objects.filter(
        village__code__startswith=village_prefix, date__gte=first, date__lte=last, **filters
    )
    return rows.aggregate(n=Sum("count"))["n"] or 0


def attendance(event: OutreachEvent) -> dict[str, int]:
    return dict(event.attendance.values_list("category", "count"))


def test_the_first_run_reports_what_it_created(campaign):
    assert (campaign.outreach_events, campaign.attendance, campaign.perisai_agents) == (2, 6, 2)
    assert campaign.declarations == 1
    assert campaign.registrations == Registration.objects.count() == 41_155


def test_a_second_run_creates_nothing(campaign):
    before = Registration.objects.count(), OutreachEvent.objects.count()
    again = DemoResult()
    demo_campaign_load(today=TODAY, result=again)
    assert again.total == 0
    assert (Registration.objects.count(), OutreachEvent.objects.count()) == before
    assert PerisaiAgent.objects.count() == 2 and Declaration.objects.count() == 1


def test_the_kerek_outreach_at_balai_desa_karanglo(campaign):
    event = OutreachEvent.objects.get(date=KEREK_DAY)
    assert event.title == "Sosialisasi aparatur desa se-Kecamatan Kerek"
    assert (event.place_village_id, event.place_name) == (KARANGLO, "Balai Desa Karanglo")
    assert (event.regency_id, event.branch.name) == ("35.23", "Tuban")
    kerek = set(Village.objects.filter(district_id="35.23.08").values_list("code", flat=True))
    assert set(event.villages.values_list("code", flat=True)) == kerek
    assert len(kerek) == 17
    assert attendance(event) == {"PERANGKAT": 112, "BPD": 51, "LKD": 17}
    assert event.attendees == 180


def test_the_banyumas_outreach_for_bpd_rt_rw_and_lkd(campaign):
    event = OutreachEvent.objects.get(date=dt.date(2024, 4, 24))
    assert (event.regency_id, event.branch.name) == ("33.02", "Purwokerto")
    assert event.place_name == "Pendopo Si Panji, Purwokerto"
    assert event.villages.count() == Village.objects.filter(district__regency_id="33.02").count()
    assert attendance(event) == {"BPD": 327, "RT_RW": 614, "LKD": 298}


def test_the_agents_of_karanglo_and_karanglewas(campaign):
    agents = {
        a.code: (a.name, a.regency_id, list(a.villages.values_list("code", flat=True)))
        for a in PerisaiAgent.objects.all()
    }
    assert agents == {
        "PRS-3523-001": ("Siti Mukaromah", "35.23", [KARANGLO]),
        "PRS-3302-001": ("Joko Wibowo", "33.02", [KARANGLEWAS]),
    }
    karanglo = PerisaiAgent.objects.get(code="PRS-3523-001")
    assert karanglo.active_from == dt.date(2018, 9, 3) and karanglo.serves_on(TODAY)
    by_agent = dict(
        Registration.objects.filter(date__year=2018, channel=Channel.PERISAI)
        .values_list("agent__code")
        .annotate(n=Sum("count"))
    )
    assert by_agent == {"PRS-3523-001": 174}  # Karanglo's first four months
    karanglewas_2024 = Registration.objects.filter(agent__code="PRS-3302-001", date__year=2024)
    assert karanglewas_2024.filter(date__lt=dt.date(2024, 4, 24)).count() > 10


def test_karanglo_registers_about_fifteen_a_day_after_the_outreach(campaign):
    month = (KEREK_DAY, KEREK_DAY + dt.timedelta(days=29))
    before = (KEREK_DAY - dt.timedelta(days=30), KEREK_DAY - dt.timedelta(days=1))
    assert registered(KARANGLO, *month, channel=Channel.MANDIRI) == 471  # 15,7 a day
    assert registered(KARANGLO, *month) == 471
    assert registered(KARANGLO, *before) == 28
    six_weeks = Registration.objects.filter(
        village_id=KARANGLO, date__range=(KEREK_DAY, dt.date(2018, 8, 19))
    )
    counts = list(six_weeks.values_list("count", flat=True))
    assert len(counts) == 42 and min(counts) >= 12 and max(counts) <= 18 and sum(counts) == 653


def test_the_other_kerek_villages_register_fewer_but_more_after(campaign):
    month = (KEREK_DAY, KEREK_DAY + dt.timedelta(days=29))
    before = (KEREK_DAY - dt.timedelta(days=30), KEREK_DAY - dt.timedelta(days=1))
    assert (registered("35.23.08.", *before), registered("35.23.08.", *month)) == (121, 1319)
    others = Registration.objects.filter(
        village__district_id="35.23.08", date__range=month
    ).exclude(village_id=KARANGLO)
    assert others.values("village_id").distinct().count() == 16


def test_every_perisai_row_names_an_agent_serving_its_village(campaign):
    rows = Registration.objects.filter(channel=Channel.PERISAI).select_related("agent")
    assert rows.count() > 100
    for row in rows:
        assert row.agent.villages.filter(code=row.village_id).exists()
        assert row.agent.regency_id == row.village_id[:5]
        assert row.agent.active_from <= row.date < TODAY
    assert not Registration.objects.exclude(channel=Channel.PERISAI).filter(agent__isnull=False)


def test_contributions_are_whole_months_of_the_minimum_package(campaign):
    for count, paid in Registration.objects.values_list("count", "contributions"):
        assert paid % 16_800 == 0 and count * 16_800 <= paid <= count * 12 * 16_800


def test_the_background_reaches_every_level_of_the_demo(campaign):
    last_year = Registration.objects.filter(date__gte=TODAY - dt.timedelta(days=365))
    villages = set(last_year.values_list("village_id", flat=True))
    by_area = Counter(code[:8] if code.startswith(("35", "36")) else code[:5] for code in villages)
    assert set(by_area) == {"33.02", "35.23.08", "36.04.19"}
    demo = demo_villages().count()
    assert 0.25 * demo < len(villages) < 0.5 * demo
    assert Registration.objects.latest("date").date == TODAY - dt.timedelta(days=1)


def test_karanglewas_declared_on_11_september_2024(campaign):
    declaration = Declaration.objects.get(village_id=KARANGLEWAS)
    assert declaration.declared_on == dt.date(2024, 9, 11)
    assert declaration.rule_set_name  # recorded how it stood, as the admin does


def test_a_day_draws_the_same_rows_whatever_today_is(db):
    villages = list(demo_villages().values_list("code", flat=True))
    first = registrations_plan(villages, TODAY)
    later = registrations_plan(villages, TODAY + dt.timedelta(days=40))
    common = set(first) & set(later)
    assert len(common) > 0.9 * len(first)
    assert all(first[key] == later[key] for key in common)
    assert max(key[0] for key in later) == TODAY + dt.timedelta(days=39)
