"""Contributions and claims in the demo (issue 15): Banyumas' vulnerable workers paid Rp 500
million of contributions in 2022 and in 2023, against Rp 1.5 billion of claims in 2022 and
Rp 2.5 billion in 2023 (the figures the field reported). Idempotent: a row is found by its
key and only a missing one is created and counted."""

from __future__ import annotations

from typing import Any

from finance.models import FinanceRecord, Group, Program

BANYUMAS = "33.02"
# (year, contributions, claims), in rupiah, of PEKERJA_RENTAN, all programs.
BANYUMAS_VULNERABLE = [
    (2022, 500_000_000, 1_500_000_000),
    (2023, 500_000_000, 2_500_000_000),
]


def demo_finance_load(*, result: Any) -> None:
    for year, contributions, claims in BANYUMAS_VULNERABLE:
        _record, created = FinanceRecord.objects.get_or_create(
            year=year,
            area_code=BANYUMAS,
            group=Group.PEKERJA_RENTAN,
            program=Program.SEMUA,
            defaults={"contributions": contributions, "claims": claims},
        )
        result.finance_records += int(created)
