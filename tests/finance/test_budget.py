"""The village budget planner (finance.budget, /anggaran/<code>/).

The rates are those of the data migration (finance 0002): BPU JKK 1 % of the declared income
with a Rp 10.000 minimum, JKM Rp 6.800 flat, JHT 2 %; JP has no BPU rate and is costed at
the PU rate, 3 %. At the default income, Rp 1.000.000: JKK 10.000, JKM 6.800, JHT 20.000,
JP 30.000 a month.

Karanglewas (33.02.03.2003), on DAY:
- A: Kepala Desa; JKK + JKM paid by APBDes.
- B: Sekretaris Desa and Kaur (one person, two posts); JKK only, paid by APBD.
- C: Kasi; no membership.
- D: Kepala Dusun; JKK paid by the person (mandiri) but paid only to 31/01/2026: not current.
- Ketua BPD: nobody; the one vacant single post (full strength = 4 persons + 1).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enrollment.models import RuleSet
from finance.budget import (
    Budget,
    Cost,
    Holder,
    area_budget,
    monthly_amounts,
    plan_cost,
)
from finance.models import ContributionRate
from finance.selectors import rates_in_force
from tests.factories import MembershipFactory, PersonFactory, PostFactory
from villages.access import visible_area
from villages.models import Regency, Village

DAY = dt.date(2026, 6, 1)
KARANGLEWAS = "33.02.03.2003"
GUNUNGWETAN = "33.02.03.2001"
DISTRICT, REGENCY = "33.02.03", "33.02"


def _area(code):
    from villages.selectors import area_get

    return area_get(code=code)


def _post(village, *codes, memberships=(), paid_until=dt.date(2026, 12, 31)):
    person = PersonFactory()
    for code in codes:
        PostFactory(person=person, village_id=village, code=code)
    for program, source in memberships:
        MembershipFactory(
            person=person, program_id=program, funding_source=source, paid_until=paid_until
        )
    return person


@pytest.fixture
def karanglewas(db):
    _post(KARANGLEWAS, "KEPALA_DESA", memberships=[("JKK", "APBDES"), ("JKM", "APBDES")])
    _post(KARANGLEWAS, "SEKRETARIS_DESA", "KAUR", memberships=[("JKK", "APBD")])
    _post(KARANGLEWAS, "KASI")
    _post(
        KARANGLEWAS,
        "KEPALA_DUSUN",
        memberships=[("JKK", "MANDIRI")],
        paid_until=dt.date(2026, 1, 31),
    )


def _by_payer(apbdes=0, apbd=0, mandiri=0, lainnya=0):
    return {"APBDES": apbdes, "APBD": apbd, "MANDIRI": mandiri, "LAINNYA": lainnya}


# --- The calculation -------------------------------------------------------------------------


def test_a_village_budget_against_the_hand_calculation(karanglewas):
    plan = area_budget(area=_area(KARANGLEWAS), day=DAY)
    (village,) = plan.rows
    assert (village.people, village.vacant) == (4, 1)
    assert village.min_programs == ("JKK", "JKM")  # no rule set: the default
    # Minimum, filled: 4 persons × (10.000 + 6.800) = 67.200 a month, 806.400 a year.
    # A: APBDes. B: APBD (JKK its own; JKM that of B's JKK). C and D: the default, APBDes.
    assert village.minimum.by_program == {"JKK": 40_000, "JKM": 27_200, "JHT": 0, "JP": 0}
    assert village.minimum.by_payer == _by_payer(apbdes=50_400, apbd=16_800)
    assert (village.minimum.monthly, village.minimum.yearly) == (67_200, 806_400)
    # Full strength: + the Ketua BPD, 16.800 by APBDes: 84.000 a month, 1.008.000 a year.
    assert village.minimum_full.by_payer == _by_payer(apbdes=67_200, apbd=16_800)
    assert (village.minimum_full.monthly, village.minimum_full.yearly) == (84_000, 1_008_000)
    # No wider set chosen: the minimum.
    assert village.chosen == village.minimum
    # Paid now: A's JKK 10.000 + JKM 6.800 (APBDes), B's JKK 10.000 (APBD); D's has lapsed.
    assert village.now.by_program == {"JKK": 20_000, "JKM": 6_800, "JHT": 0, "JP": 0}
    assert village.now.by_payer == _by_payer(apbdes=16_800, apbd=10_000)
    assert (village.now.monthly, village.now.yearly) == (26_800, 321_600)
    assert village.gap == 67_200 - 26_800
    assert plan.total.minimum == village.minimum


def test_the_wider_set_and_the_chosen_payer(karanglewas):
    plan = area_budget(
        area=_area(KARANGLEWAS),
        day=DAY,
        programs=("JKK", "JKM", "JHT", "JP"),
        default_payer="LAINNYA",
    )
    village = plan.rows[0]
    # 10.000 + 6.800 + 20.000 + 30.000 = 66.800 a person a month; 4 persons: 267.200.
    assert village.chosen.by_program == {"JKK": 40_000, "JKM": 27_200, "JHT": 80_000, "JP": 120_000}
    # A: APBDes (its own source for all programs); B: APBD; C and D: the chosen payer.
    assert village.chosen.by_payer == _by_payer(apbdes=66_800, apbd=66_800, lainnya=133_600)
    assert village.chosen.yearly == 12 * 267_200 == 3_206_400
    # Full strength: + 66.800 by the chosen payer.
    assert village.chosen_full.monthly == 334_000
    assert village.chosen_full.by_payer["LAINNYA"] == 200_400
    # The minimum stays the rule set's.
    assert village.minimum.monthly == 67_200


def test_the_rule_sets_minimum_programs(karanglewas):
    rule_set = RuleSet.objects.create(name="Nasional 2026", year=2026)
    rule_set.minimum_programs.set(["JKK", "JKM", "JHT"])
    village = area_budget(area=_area(KARANGLEWAS), day=DAY).rows[0]
    assert village.min_programs == ("JHT", "JKK", "JKM")
    # 4 × (10.000 + 6.800 + 20.000) = 147.200.
    assert village.minimum.monthly == 147_200


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        # JKK 1 %: 5.000 is below the minimum: 10.000. JHT 2 %: 10.000. JP 3 %: 15.000.
        (500_000, {"JKK": 10_000, "JKM": 6_800, "JHT": 10_000, "JP": 15_000}),
        # JKK 12.345,50 → 12.346 (half up); JHT 24.691,00; JP 37.036,50 → 37.037.
        (1_234_550, {"JKK": 12_346, "JKM": 6_800, "JHT": 24_691, "JP": 37_037}),
        # JKK 12.345,25 → 12.345; JHT 24.690,50 → 24.691; JP 37.035,75 → 37.036.
        (1_234_525, {"JKK": 12_345, "JKM": 6_800, "JHT": 24_691, "JP": 37_036}),
    ],
)
def test_rounding_half_up_per_person_and_program(db, income, expected):
    assert monthly_amounts(rates_in_force(day=DAY), income=income) == expected


# --- PU, by risk class --------------------------------------------------------------------

WAGE = 2_345_678
# PU on Rp 2.345.678, risk class 3 (the rates of finance 0002), rounded half up:
# JKK 0,89 % = 20.876,5342 → 20.877; JKM 0,30 % = 7.037,034 → 7.037;
# JHT 5,7 % = 133.703,646 → 133.704; JP 3 % = 70.370,34 → 70.370. A person: 231.988.
PU3 = {"JKK": 20_877, "JKM": 7_037, "JHT": 133_704, "JP": 70_370}


def test_pu_amounts_by_risk_class(db):
    rates = rates_in_force(day=DAY)
    assert monthly_amounts(rates, income=WAGE, scheme="PU", risk_class=3) == PU3
    # JKK by class on Rp 2.000.000: 0,24 / 0,54 / 0,89 / 1,27 / 1,74 %.
    assert [
        monthly_amounts(rates, income=2_000_000, scheme="PU", risk_class=c)["JKK"]
        for c in (1, 2, 3, 4, 5)
    ] == [4_800, 10_800, 17_800, 25_400, 34_800]
    # BPU on the same income: JKK 1 %, JKM flat, JHT 2 %, JP at the PU rate.
    assert monthly_amounts(rates, income=WAGE) == {
        "JKK": 23_457,
        "JKM": 6_800,
        "JHT": 46_914,
        "JP": 70_370,
    }


def test_a_pu_village_budget_against_the_hand_calculation(karanglewas):
    plan = area_budget(
        area=_area(KARANGLEWAS),
        day=DAY,
        income=WAGE,
        programs=("JKK", "JKM", "JHT", "JP"),
        scheme="PU",
        risk_class=3,
    )
    (village,) = plan.rows
    assert plan.amounts == PU3
    assert (village.people, village.vacant) == (4, 1)
    # Minimum (JKK + JKM), 4 persons: 4 × (20.877 + 7.037) = 4 × 27.914 = 111.656.
    assert village.minimum.by_program == {"JKK": 83_508, "JKM": 28_148, "JHT": 0, "JP": 0}
    assert village.minimum.monthly == 111_656
    # Chosen, every program: 4 × 231.988 = 927.952 a month, 11.135.424 a year. A pays from
    # APBDes, B from APBD (its JKK's source), C and D the default (APBDes).
    assert village.chosen.by_program == {
        "JKK": 83_508,
        "JKM": 28_148,
        "JHT": 534_816,
        "JP": 281_480,
    }
    assert village.chosen.by_payer == _by_payer(apbdes=695_964, apbd=231_988)
    assert (village.chosen.monthly, village.chosen.yearly) == (927_952, 11_135_424)
    # Full strength: + the Ketua BPD, 231.988 by APBDes: 1.159.940 a month.
    assert village.chosen_full.monthly == 1_159_940
    assert village.chosen_full.by_payer == _by_payer(apbdes=927_952, apbd=231_988)
    # Paid now: A's JKK + JKM (APBDes) 27.914, B's JKK (APBD) 20.877; D's has lapsed.
    assert village.now.by_payer == _by_payer(apbdes=27_914, apbd=20_877)
    assert village.now.monthly == 48_791


def test_a_later_rate_changes_the_budget_from_its_day(karanglewas):
    ContributionRate.objects.create(
        scheme="PU", program="JKK", risk_class=3, pct="1.00", valid_from=dt.date(2026, 7, 1)
    )
    ContributionRate.objects.create(  # another class: not read
        scheme="PU", program="JKK", risk_class=4, pct="9.00", valid_from=dt.date(2026, 6, 1)
    )

    def jkk(day):
        plan = area_budget(area=_area(KARANGLEWAS), day=day, income=WAGE, scheme="PU", risk_class=3)
        return plan.amounts["JKK"], plan.total.minimum.by_program["JKK"]

    # Before 01/07/2026, 0,89 %: 20.877 a person; from it, 1 % of 2.345.678 = 23.456,78
    # → 23.457; 4 persons.
    assert jkk(dt.date(2026, 6, 30)) == (20_877, 4 * 20_877)
    assert jkk(dt.date(2026, 7, 1)) == (23_457, 4 * 23_457)


def test_rounding_is_per_person_not_on_the_total(db):
    # Two persons at 1.234.550: JKK 2 × 12.346 = 24.692 (not 1 % of 2.469.100 = 24.691).
    amounts = monthly_amounts(rates_in_force(day=DAY), income=1_234_550)
    cost = plan_cost(
        [Holder(), Holder()], programs=("JKK",), amounts=amounts, default_payer="APBDES"
    )
    assert cost.by_program["JKK"] == 24_692


def test_no_rate_before_2015_is_a_clear_error(db):
    from finance.budget import RateMissing

    with pytest.raises(RateMissing):
        monthly_amounts(rates_in_force(day=dt.date(2010, 1, 1)), income=1_000_000)


# --- Areas: the sum of their villages ------------------------------------------------------


@pytest.fixture
def banyumas(karanglewas):
    _post(GUNUNGWETAN, "KEPALA_DESA", memberships=[("JKK", "APBD"), ("JKM", "APBD")])
    _post(GUNUNGWETAN, "KETUA_RT")
    other = Village.objects.filter(code__startswith="33.02.01.").order_by("code").first()
    _post(other.code, "KETUA_BPD", memberships=[("JKM", "LAINNYA")])
    return other.code


def _sum(rows) -> Budget:
    total = Budget("", "")
    for row in rows:
        total += row
    return total


def _figures(budget: Budget) -> tuple:
    costs = (budget.minimum, budget.minimum_full, budget.chosen, budget.chosen_full, budget.now)
    return (budget.people, budget.vacant, *[(c.by_program, c.by_payer) for c in costs])


def test_district_and_regency_budgets_are_the_sums_of_their_villages(banyumas):
    programs = ("JKK", "JKM", "JHT")
    district = area_budget(area=_area(DISTRICT), day=DAY, programs=programs)
    regency = area_budget(area=_area(REGENCY), day=DAY, programs=programs)
    villages = Village.objects.filter(code__startswith=f"{DISTRICT}.").count()
    assert [row.code for row in district.rows] == sorted(
        Village.objects.filter(code__startswith=f"{DISTRICT}.").values_list("code", flat=True)
    )
    assert _figures(district.total) == _figures(_sum(district.rows))
    # 6 persons in the district; 3 single posts a village, 2 of them held (Kepala Desa and
    # Sekretaris Desa in Karanglewas, Kepala Desa in Gunungwetan: 3 held).
    assert (district.total.people, district.total.vacant) == (6, 3 * villages - 3)
    # Minimum, filled: 6 × 16.800 = 100.800 a month.
    assert district.total.minimum.monthly == 100_800
    # Each district row of the regency is that district's budget.
    row = next(r for r in regency.rows if r.code == DISTRICT)
    assert _figures(row) == _figures(district.total)
    assert _figures(regency.total) == _figures(_sum(regency.rows))
    # The regency: every village, one by one, sums to the same.
    one_by_one = _sum(
        area_budget(area=_area(code), day=DAY, programs=programs).total
        for code in (KARANGLEWAS, GUNUNGWETAN, banyumas)
    )
    assert regency.total.minimum == one_by_one.minimum
    assert regency.total.chosen == one_by_one.chosen
    assert regency.total.now == one_by_one.now
    # 7 persons × (10.000 + 6.800 + 20.000) = 257.600 a month, 3.091.200 a year.
    assert (regency.total.chosen.monthly, regency.total.chosen.yearly) == (257_600, 3_091_200)


def test_a_province_budget_is_the_sum_of_its_regencies(banyumas):
    # A holder in Cilacap (33.01), besides the Banyumas ones.
    cilacap = Village.objects.filter(code__startswith="33.01.").order_by("code").first()
    _post(cilacap.code, "KEPALA_DESA", memberships=[("JKK", "LAINNYA")])
    choices = {"programs": ("JKK", "JKM", "JHT", "JP"), "scheme": "PU", "risk_class": 3}
    province = area_budget(area=_area("33"), day=DAY, income=WAGE, **choices)
    assert province.row_level == "regency"
    assert [row.code for row in province.rows] == sorted(
        set(
            Village.objects.filter(code__startswith="33.").values_list(
                "district__regency_id", flat=True
            )
        )
    )
    for code in ("33.01", REGENCY, "33.03"):
        regency = area_budget(area=_area(code), day=DAY, income=WAGE, **choices)
        row = next(r for r in province.rows if r.code == code)
        assert _figures(row) == _figures(regency.total)
        assert row.name == regency.area.name
    assert _figures(province.total) == _figures(_sum(province.rows))
    # 8 persons × 231.988 = 1.855.904 a month; the Cilacap head's by LAINNYA.
    assert province.total.people == 8
    assert province.total.chosen.monthly == 1_855_904
    assert province.total.chosen.by_payer["LAINNYA"] == 2 * 231_988  # + Banyumas' Ketua BPD
    villages = Village.objects.filter(code__startswith="33.").count()
    assert province.total.vacant == 3 * villages - 5


def test_a_person_with_posts_in_two_villages_counts_in_each(db):
    person = _post(KARANGLEWAS, "KAUR", "KASI", memberships=[("JKK", "APBD")])
    PostFactory(person=person, village_id=GUNUNGWETAN, code="KETUA_RT")
    for code in (KARANGLEWAS, GUNUNGWETAN):
        village = area_budget(area=_area(code), day=DAY).total
        assert (village.people, village.minimum.by_payer["APBD"]) == (1, 16_800)
    district = area_budget(area=_area(DISTRICT), day=DAY)
    assert (district.total.people, district.total.minimum.by_payer["APBD"]) == (2, 33_600)
    row = area_budget(area=_area(REGENCY), day=DAY).rows[2]
    assert (row.code, row.people, row.now.monthly) == (DISTRICT, 2, 20_000)


def test_the_number_of_queries_is_fixed(banyumas, django_assert_num_queries):
    rule_set = RuleSet.objects.create(name="Nasional 2026", year=2026)
    rule_set.minimum_programs.set(["JKK", "JKM"])
    # Rates, rule sets (and their programs), villages, single posts held, holders (posts with
    # their memberships); a regency: its districts' names.
    regency, district, village = _area(REGENCY), _area(DISTRICT), _area(KARANGLEWAS)
    with django_assert_num_queries(7):
        area_budget(area=regency, day=DAY)
    with django_assert_num_queries(6):
        area_budget(area=district, day=DAY)
    with django_assert_num_queries(6):
        area_budget(area=village, day=DAY)
    # A province: its regencies' names.
    province = _area("33")
    with django_assert_num_queries(7):
        area_budget(area=province, day=DAY, scheme="PU", risk_class=5)


def test_cost_sums():
    cost = Cost()
    cost.add("JKK", "APBD", 10)
    cost += cost.__class__(by_program={"JKK": 5}, by_payer={"APBD": 5})
    assert (cost.monthly, cost.by_payer["APBD"]) == (15, 15)


# --- The page ------------------------------------------------------------------------------


def _client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def current(db):
    """Karanglewas today: A covered (JKK + JKM, APBDes) to a month from now; C uncovered."""
    until = timezone.localdate() + dt.timedelta(days=30)
    _post(
        KARANGLEWAS,
        "KEPALA_DESA",
        memberships=[("JKK", "APBDES"), ("JKM", "APBDES")],
        paid_until=until,
    )
    _post(KARANGLEWAS, "KASI")


def test_the_village_note(current, users):
    response = _client(users["village_secretary"]).get(f"/anggaran/{KARANGLEWAS}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "budget note for the village meeting (Musdes)" in html
    # Minimum, filled: 2 × 16.800 = 33.600 a month, 403.200 a year (English formats).
    assert "Rp\xa033,600" in html and "Rp\xa0403,200" in html
    # Full strength: + Sekretaris Desa and Ketua BPD: 4 × 16.800 = 67.200.
    assert "Rp\xa067,200" in html
    # Paid now: 16.800.
    assert "Rp\xa016,800" in html


def test_the_village_note_in_indonesian(current, users):
    client = _client(users["village_secretary"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "id"
    html = client.get(f"/anggaran/{KARANGLEWAS}/", {"programs": ["JKK", "JKM", "JHT"]})
    html = html.content.decode()
    # 2 × 36.800 = 73.600 a month.
    assert "Rp\xa073.600" in html
    assert "Musdes" in html


def test_the_form_chooses_programs_income_and_payer(current, users):
    client = _client(users["manager"])
    response = client.get(
        f"/anggaran/{KARANGLEWAS}/",
        {"programs": ["JKK", "JKM", "JHT"], "income": "2000000", "payer": "APBD"},
    )
    plan = response.context["plan"]
    # JKK 20.000 + JKM 6.800 + JHT 40.000 = 66.800 a person; 2 persons.
    assert plan.total.chosen.monthly == 133_600
    # C has no source: the chosen payer, APBD.
    assert plan.total.chosen.by_payer["APBD"] == 66_800


@pytest.mark.parametrize(
    "query",
    [{"income": "-5"}, {"income": "lots"}, {"payer": "BANK"}, {"programs": ["JKP"]}],
)
def test_bad_input_says_so_and_keeps_the_defaults(current, users, query):
    response = _client(users["manager"]).get(f"/anggaran/{KARANGLEWAS}/", query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["plan"].choices.income == 1_000_000
    assert response.context["plan"].total.chosen.monthly == 33_600


def test_the_area_page_rows_and_total(current, users):
    response = _client(users["manager"]).get(f"/anggaran/{DISTRICT}/")
    assert response.status_code == 200
    plan = response.context["plan"]
    assert len(plan.rows) == Village.objects.filter(code__startswith=f"{DISTRICT}.").count()
    assert plan.total.minimum.monthly == 33_600
    response = _client(users["manager"]).get(f"/anggaran/{REGENCY}/")
    assert response.context["plan"].total.minimum.yearly == 403_200
    assert "Rp\xa0403,200" in response.content.decode()


def test_the_province_page_has_a_row_per_regency(current, users):
    # Jawa Tengah's 8,563 villages are more than EXPORT_JOB_MIN_VILLAGES: its rows are a
    # job's result (test_budget_page_jobs), shown once the job has run.
    from jobs.tasks import run_job

    client = _client(users["province_manager"])
    waiting = client.get("/anggaran/33/?scheme=PU&risk_class=2")
    assert waiting.templates[0].name == "finance/budget_pending.html"
    run_job.call(waiting.context["job"].pk)
    response = client.get("/anggaran/33/?scheme=PU&risk_class=2")
    assert response.status_code == 200
    plan = response.context["plan"]
    assert [row.code for row in plan.rows] == sorted(
        Regency.objects.filter(code__startswith="33.").values_list("code", flat=True)
    )
    # PU class 2 on Rp 1.000.000: JKK 0,54 % = 5.400, JKM 0,30 % = 3.000; 2 persons.
    assert plan.amounts == {"JKK": 5_400, "JKM": 3_000, "JHT": 57_000, "JP": 30_000}
    assert plan.total.minimum.monthly == 2 * 8_400
    html = response.content.decode()
    assert '<th scope="col">Regency / city</th>' in html
    assert f'href="/anggaran/{REGENCY}/?scheme=PU&amp;risk_class=2"' in html
    assert "JKK at risk class 2" in html and "JKK Rp\xa05,400" in html


def test_the_undotted_code_redirects(current, users):
    response = _client(users["manager"]).get("/anggaran/330203/?income=5")
    assert response.status_code == 302
    assert response["Location"] == f"/anggaran/{DISTRICT}/?income=5"


@pytest.mark.parametrize(
    ("role", "code", "status"),
    [
        ("village_secretary", KARANGLEWAS, 200),
        ("village_secretary", GUNUNGWETAN, 404),
        ("village_secretary", DISTRICT, 404),
        ("manager", KARANGLEWAS, 200),
        ("manager", DISTRICT, 200),
        ("manager", REGENCY, 200),
        ("manager", "35.23", 404),
        ("manager", "35.23.08", 404),
        ("manager", "99.99", 404),
        ("head_office", "35.23", 200),
        ("head_office", "33", 200),
        ("head_office", "35", 200),
        ("province_manager", "33", 200),
        ("province_manager", "33.02.03.2003", 200),
        ("province_manager", "35", 404),
        ("manager", "33", 404),
        ("village_secretary", "33", 404),
        ("head_office", "", 404),  # the country: not planned
    ],
)
def test_scoping(current, users, role, code, status):
    assert _client(users[role]).get(f"/anggaran/{code}/").status_code == status


def test_anonymous_goes_to_the_login_and_post_is_not_allowed(current, users):
    response = _client().get(f"/anggaran/{KARANGLEWAS}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    for code in (KARANGLEWAS, DISTRICT, REGENCY):
        assert _client(users["manager"]).post(f"/anggaran/{code}/").status_code == 405
    assert _client(users["province_manager"]).post("/anggaran/33/").status_code == 405


def test_the_page_queries_do_not_grow_with_the_villages(current, users):
    client = _client(users["manager"])
    client.get(f"/anggaran/{REGENCY}/")  # warm the session and caches
    with CaptureQueriesContext(connection) as before:
        client.get(f"/anggaran/{REGENCY}/")
    for village in Village.objects.filter(code__startswith="33.02.0").order_by("code")[:20]:
        _post(village.code, "KEPALA_DESA", memberships=[("JKK", "APBDES")])
    with CaptureQueriesContext(connection) as after:
        client.get(f"/anggaran/{REGENCY}/")
    assert len(after) == len(before)


def test_links_from_the_village_page_and_the_dashboards(current, users):
    client = _client(users["manager"])
    assert (
        f'href="/anggaran/{KARANGLEWAS}/"' in client.get(f"/desa/{KARANGLEWAS}/").content.decode()
    )
    assert f'href="/anggaran/{DISTRICT}/"' in client.get(f"/wilayah/{DISTRICT}/").content.decode()
    assert f'href="/anggaran/{REGENCY}/"' in client.get(f"/wilayah/{REGENCY}/").content.decode()
    html = _client(users["head_office"]).get("/wilayah/33/").content.decode()
    assert 'href="/anggaran/33/"' in html
    html = _client(users["head_office"]).get("/").content.decode()
    assert "/anggaran/" not in html


def test_visible_area_is_what_scopes_the_page(users):
    assert visible_area(users["village_secretary"], DISTRICT) is None
