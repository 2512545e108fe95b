"""Contributions and claims for benchmarks (issue 15): for every regency of the scale, the years
2019 to 2025, village officials and vulnerable workers, as the branches report them
(shared/spec/finance-import.md).

Officials' rows are per program (JKK, JKM, JHT, JP); vulnerable workers' per program (JKK,
JKM) too, except in about a tenth of regencies, which report one SEMUA row a year instead.
At province and country scale each province also reports its own SEMUA row of vulnerable
workers for the last year (which the finance figures take instead of its regencies' sum).
Contributions grow a little each year; claims are a drawn share of them (some regencies pay
out more than they receive). Every figure depends only on the seed and the area's code, so a
regency comes out the same at every scale. The scale's rows are replaced: deleted with one
statement (without a history row each) and written with bulk_create.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from django.db import connection, transaction

from devdata.loadgen.draw import SCALES, _seed
from finance.models import FinanceRecord, Group, Program
from villages.models import Province, Regency

YEARS = range(2019, 2026)
OFFICIALS_SHARES = {"JKK": 0.30, "JKM": 0.25, "JHT": 0.30, "JP": 0.15}
VULNERABLE_SHARES = {"JKK": 0.55, "JKM": 0.45}
SEMUA_SHARE = 0.1  # of regencies: vulnerable workers as one SEMUA row a year
AVERAGE_CLAIM = 15_000_000  # rupiah a claim, for the claim counts


@dataclass
class FinanceCounts:
    records: int = 0
    regencies: int = 0
    provinces: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _thousands(amount: float) -> int:
    return int(round(amount / 1000)) * 1000


def draw_regency(seed: int, code: str) -> list[FinanceRecord]:
    """A regency's rows, every year and group."""
    rng = random.Random(_seed(seed, "finance", code))
    officials = rng.uniform(0.5, 5.0) * 10**9
    vulnerable = rng.uniform(0.05, 2.0) * 10**9
    semua = rng.random() < SEMUA_SHARE
    records = []
    for year in YEARS:
        growth = rng.uniform(1.02, 1.15)
        officials, vulnerable = officials * growth, vulnerable * growth
        ratio = rng.uniform(0.2, 3.0)
        records += _rows(code, year, Group.PENYELENGGARA_PEMERINTAHAN, officials, ratio, False)
        records += _rows(code, year, Group.PEKERJA_RENTAN, vulnerable, ratio, semua)
    return records


def _rows(
    code: str, year: int, group: str, contributions: float, ratio: float, semua: bool
) -> list[FinanceRecord]:
    shares = (
        {Program.SEMUA: 1.0}
        if semua
        else (OFFICIALS_SHARES if group == Group.PENYELENGGARA_PEMERINTAHAN else VULNERABLE_SHARES)
    )
    rows = []
    for program, share in shares.items():
        claims = _thousands(contributions * share * ratio)
        rows.append(
            FinanceRecord(
                year=year,
                area_code=code,
                group=group,
                program=program,
                contributions=_thousands(contributions * share),
                claims=claims,
                claim_count=claims // AVERAGE_CLAIM,
            )
        )
    return rows


def draw_province(seed: int, code: str) -> list[FinanceRecord]:
    """A province's own row: its vulnerable workers in the last year, all programs."""
    rng = random.Random(_seed(seed, "finance", code))
    contributions = rng.uniform(2.0, 20.0) * 10**9
    return _rows(code, YEARS[-1], Group.PEKERJA_RENTAN, contributions, rng.uniform(0.5, 2.5), True)


def generate_finance(*, scale: str, seed: int) -> FinanceCounts:
    """Replace the contributions and claims of the scale's regencies (and, above a regency,
    its provinces) with drawn ones."""
    started = time.monotonic()
    prefix = SCALES[scale]
    regencies = Regency.objects.order_by("code")
    provinces = Province.objects.order_by("code")
    if prefix:
        regencies = (
            regencies.filter(code=prefix)
            if len(prefix) == 5
            else regencies.filter(code__startswith=f"{prefix}.")
        )
        provinces = provinces.filter(code=prefix) if len(prefix) == 2 else provinces.none()
    regency_codes = list(regencies.values_list("code", flat=True))
    province_codes = list(provinces.values_list("code", flat=True))
    records = [r for code in regency_codes for r in draw_regency(seed, code)]
    records += [r for code in province_codes for r in draw_province(seed, code)]
    with transaction.atomic():
        _delete(prefix)
        FinanceRecord.objects.bulk_create(records, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the rows are new to the planner
            cursor.execute(f"ANALYZE {FinanceRecord._meta.db_table}")
    counts = FinanceCounts(len(records), len(regency_codes), len(province_codes))
    counts.seconds["finance"] = time.monotonic() - started
    return counts


def _delete(prefix: str) -> None:
    """The rows of the areas at `prefix` ("" everything; a province with its regencies)."""
    table = FinanceRecord._meta.db_table
    with connection.cursor() as cursor:
        if not prefix:
            cursor.execute(f"DELETE FROM {table}")
        else:
            cursor.execute(
                f"DELETE FROM {table} WHERE area_code = %s OR area_code LIKE %s",
                [prefix, f"{prefix}.%"],
            )
