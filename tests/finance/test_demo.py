"""The demo's contributions and claims: Banyumas' vulnerable workers in 2022 and 2023, as
the field reported them, created once."""

from dataclasses import dataclass

import pytest

from devdata.demo_finance import demo_finance_load
from finance.selectors import FinanceYear, finance_by_year
from villages.selectors import area_get


@dataclass
class Counts:
    finance_records: int = 0


@pytest.mark.django_db
def test_the_demo_tells_banyumas_figures_once():
    first, second = Counts(), Counts()
    demo_finance_load(result=first)
    demo_finance_load(result=second)
    assert (first.finance_records, second.finance_records) == (2, 0)
    years = finance_by_year(area=area_get(code="33.02"))
    assert years == [
        FinanceYear(2022, "PEKERJA_RENTAN", 500_000_000, 1_500_000_000, None),
        FinanceYear(2023, "PEKERJA_RENTAN", 500_000_000, 2_500_000_000, None),
    ]
    assert [y.claims_per_contribution_pct for y in years] == [300.0, 500.0]
