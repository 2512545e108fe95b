"""The load generator's contributions and claims (devdata.loadgen.finance): deterministic for a
seed, the same for a regency at every scale, within the import's rules, replaced on a rerun;
`generate_load --finance-only` leaves the roster and the campaign."""

from io import StringIO

import pytest
from django.core.management import call_command

from devdata.loadgen import finance as gen
from finance.models import FinanceRecord
from finance.selectors import finance_by_year
from villages.models import Post, Regency
from villages.selectors import area_get

pytestmark = pytest.mark.django_db
BANYUMAS = "33.02"


def _stored() -> list[tuple]:
    return list(
        FinanceRecord.objects.order_by("area_code", "year", "group", "program").values_list(
            "area_code", "year", "group", "program", "contributions", "claims", "claim_count"
        )
    )


def test_a_regency_draws_seven_years_of_both_groups():
    records = gen.draw_regency(7, BANYUMAS)
    keys = {(r.year, r.group, r.program) for r in records}
    assert {year for year, _group, _program in keys} == set(range(2019, 2026))
    officials = {p for _y, g, p in keys if g == "PENYELENGGARA_PEMERINTAHAN"}
    assert officials == {"JKK", "JKM", "JHT", "JP"}
    vulnerable = {p for _y, g, p in keys if g == "PEKERJA_RENTAN"}
    assert vulnerable in ({"JKK", "JKM"}, {"SEMUA"})
    for record in records:
        record.full_clean()  # a known regency, money ≥ 0, the year in range
        assert record.contributions % 1000 == 0 and record.claims % 1000 == 0
        assert record.claim_count == record.claims // gen.AVERAGE_CLAIM


def test_the_draw_depends_only_on_the_seed_and_the_code():
    def key(records):
        return [(r.year, r.group, r.program, r.contributions, r.claims) for r in records]

    assert key(gen.draw_regency(7, BANYUMAS)) == key(gen.draw_regency(7, BANYUMAS))
    assert key(gen.draw_regency(7, BANYUMAS)) != key(gen.draw_regency(8, BANYUMAS))


def test_province_scale_writes_its_regencies_and_the_province_and_replaces_them():
    regencies = Regency.objects.filter(code__startswith="33.").count()
    counts = gen.generate_finance(scale="province", seed=7)
    assert (counts.regencies, counts.provinces) == (regencies, 1)
    first = _stored()
    assert len(first) == counts.records
    assert {code for code, *_rest in first} == {
        *Regency.objects.filter(code__startswith="33.").values_list("code", flat=True),
        "33",
    }
    # The province's own row of 2025 (vulnerable workers) is the one the figures take.
    (own,) = [row for row in first if row[0] == "33"]
    assert own[1:4] == (2025, "PEKERJA_RENTAN", "SEMUA")
    year = next(
        y
        for y in finance_by_year(area=area_get(code="33"))
        if (y.year, y.group) == (2025, "PEKERJA_RENTAN")
    )
    assert (year.contributions, year.claims) == own[4:6]
    # A rerun replaces the rows; a regency comes out the same at regency scale.
    gen.generate_finance(scale="province", seed=7)
    assert _stored() == first
    banyumas = [row for row in first if row[0] == BANYUMAS]
    gen.generate_finance(scale="regency", seed=7)
    assert _stored() == first
    FinanceRecord.objects.exclude(area_code=BANYUMAS).delete()
    assert _stored() == banyumas


def test_the_command_can_replace_the_finance_figures_alone():
    out = StringIO()
    call_command("generate_load", scale="regency", finance_only=True, seed=2, stdout=out)
    assert out.getvalue().startswith("finance: 42 rows for 1 regencies and 0 provinces")
    assert FinanceRecord.objects.count() == len(gen.draw_regency(2, BANYUMAS)) == 42
    assert not Post.objects.exists()
