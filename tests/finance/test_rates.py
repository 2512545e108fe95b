"""The contribution rates as data: the rate in force on a day, and a month's contribution
computed from it — the minimum BPU package of domain.md, Rp 16.800 on Rp 1.000.000."""

import datetime as dt
from decimal import Decimal

import pytest

from finance.models import ContributionRate
from finance.selectors import rate_monthly_amount, rates_in_force

pytestmark = pytest.mark.django_db


def test_the_minimum_bpu_package_is_rp_16800():
    rates = rates_in_force(day=dt.date(2024, 1, 1))
    jkk, jkm = rates[("BPU", "JKK", None)], rates[("BPU", "JKM", None)]
    amounts = [rate_monthly_amount(rate=r, income=1_000_000) for r in (jkk, jkm)]
    assert amounts == [10_000, 6_800]
    assert sum(amounts) == 16_800
    # Below Rp 1.000.000 the JKK minimum applies; above it, 1 %.
    assert rate_monthly_amount(rate=jkk, income=500_000) == 10_000
    assert rate_monthly_amount(rate=jkk, income=2_345_650) == 23_457  # 23.456,5 half up
    assert rate_monthly_amount(rate=rates[("BPU", "JHT", None)], income=1_000_000) == 20_000


def test_pu_rates_by_risk_class():
    rates = rates_in_force(day=dt.date(2024, 1, 1))
    wage = 2_000_000
    assert [
        rate_monthly_amount(rate=rates[("PU", "JKK", c)], income=wage) for c in range(1, 6)
    ] == [4_800, 10_800, 17_800, 25_400, 34_800]
    assert [
        rate_monthly_amount(rate=rates[("PU", p, None)], income=wage) for p in ("JKM", "JHT", "JP")
    ] == [6_000, 114_000, 60_000]


def test_a_new_rate_applies_from_its_day_and_the_old_one_before():
    ContributionRate.objects.create(
        scheme="BPU", program="JKM", flat_amount=7_000, valid_from=dt.date(2025, 1, 1)
    )
    before = rates_in_force(day=dt.date(2024, 12, 31))[("BPU", "JKM", None)]
    after = rates_in_force(day=dt.date(2025, 1, 1))[("BPU", "JKM", None)]
    assert (before.flat_amount, after.flat_amount) == (6_800, 7_000)
    assert rates_in_force(day=dt.date(2015, 6, 30)) == {}
    assert ContributionRate.objects.get(pk=after.pk).history.count() == 1
    assert before.pct is None and after.pct is None
    assert Decimal("0.30") == rates_in_force(day=dt.date(2025, 1, 1))[("PU", "JKM", None)].pct
