"""The figures of the day (`VillageDay`): which day they are kept for, how the day moves
forward (`roll_day`, `manage.py roll_coverage_day`; a page never does), and that
reading them gives what the summary gives. The figures themselves are compared with a plain
computation after every kind of write in test_summary.py."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from enrollment.models import CoverageDay, VillageDay
from enrollment.selectors import coverage_for_area
from enrollment.summary import day_in_store, roll_day

from .conftest import GUNUNGWETAN, KARANGLEWAS, known_area

AS_OF = dt.date(2026, 11, 22)


def _result(day: dt.date) -> tuple:
    result = coverage_for_area(area=known_area("33.02"), as_of=day)
    return (
        result.totals,
        result.people,
        result.by_category,
        [
            (
                row.area.code,
                row.figures,
                row.candidates,
                row.villages_enrolled,
                row.villages_officials_covered,
            )
            for row in result.children
        ],
        [(s.code, s.status) for s in result.listed],
        result.counts,
    )


def test_rolling_fills_one_row_per_village_with_posts_held(district):
    assert day_in_store() is None
    assert roll_day(AS_OF) is True
    assert day_in_store() == AS_OF
    day = CoverageDay.objects.get()
    assert (day.day, day.lapsing_until, day.arrears_since) == (
        AS_OF,
        dt.date(2026, 12, 22),
        dt.date(2026, 8, 22),
    )
    assert (day.ahead_30, day.ahead_60, day.ahead_90) == (
        dt.date(2026, 12, 22),
        dt.date(2027, 1, 21),
        dt.date(2027, 2, 20),
    )
    rows = {row.village_id: row for row in VillageDay.objects.filter(day=AS_OF)}
    assert set(rows) == {GUNUNGWETAN, KARANGLEWAS}
    karanglewas = rows[KARANGLEWAS]
    # Kepala Desa covered, Sekretaris Desa without JKM, a Kaur lapsing; a BPD member in
    # arrears; the Kaur whose term ended is not held.
    assert (
        karanglewas.perangkat_posts,
        karanglewas.perangkat_covered,
        karanglewas.perangkat_lapsing,
        karanglewas.perangkat_arrears,
    ) == (3, 2, 1, 0)
    assert (karanglewas.bpd_posts, karanglewas.bpd_covered, karanglewas.bpd_arrears) == (1, 0, 1)
    assert (rows[GUNUNGWETAN].perangkat_covered, rows[GUNUNGWETAN].lkd_covered) == (1, 1)
    # Nobody's coverage ended before the arrears window; 30 days ahead only the Kepala Desa
    # (paid to 31/12/2026) is still covered, 60 days ahead nobody.
    assert (karanglewas.perangkat_ended, karanglewas.bpd_ended) == (0, 0)
    assert (
        karanglewas.perangkat_covered_30,
        karanglewas.perangkat_covered_60,
        karanglewas.perangkat_covered_90,
    ) == (1, 0, 0)


def test_the_day_keeps_ended_posts(district):
    """On 01/02/2027 the BPD member paid to 31/10/2026 is past the 3 months of arrears
    (since 01/11/2026): ended; the others, paid to December, are in arrears."""
    day = dt.date(2027, 2, 1)
    roll_day(day)
    karanglewas = VillageDay.objects.get(day=day, village_id=KARANGLEWAS)
    assert (
        karanglewas.bpd_posts,
        karanglewas.bpd_covered,
        karanglewas.bpd_arrears,
        karanglewas.bpd_ended,
    ) == (1, 0, 0, 1)
    assert (karanglewas.perangkat_arrears, karanglewas.perangkat_ended) == (2, 0)
    from_day = _result(day)
    assert from_day[0].ended == 1
    CoverageDay.objects.all().delete()  # summed from the summary: the same
    assert _result(day) == from_day


def test_rolling_to_the_day_kept_does_nothing(district):
    assert roll_day(AS_OF) is True
    VillageDay.objects.filter(village_id=KARANGLEWAS).update(perangkat_posts=99)
    assert roll_day(AS_OF) is False
    assert VillageDay.objects.get(village_id=KARANGLEWAS).perangkat_posts == 99


def test_the_day_before_stays_for_readers_under_way_and_older_days_go(district):
    days = [AS_OF, AS_OF + dt.timedelta(days=1), AS_OF + dt.timedelta(days=2)]
    for day in days:
        roll_day(day)
    assert sorted(set(VillageDay.objects.values_list("day", flat=True))) == days[1:]
    assert day_in_store() == days[2]


def test_the_day_kept_and_the_summary_give_the_same_page(district):
    from_summary = _result(AS_OF)
    assert day_in_store() is None  # a day other than today does not roll
    roll_day(AS_OF)
    assert _result(AS_OF) == from_summary
    assert from_summary[0].posts == 6
    jatilawang = next(row for row in from_summary[3] if row[0] == "33.02.03")
    assert jatilawang[3:] == (2, 1)  # villages enrolled, with every official covered


def test_a_read_never_rolls_the_day_and_gives_the_same_figures(district):
    """Selectors only read: until the day is rolled (a job), today is summed from the
    summary; once rolled, it is read from the day's rows, with the same figures."""
    today = timezone.localdate()
    roll_day(AS_OF - dt.timedelta(days=30))
    before = _result(today)
    assert day_in_store() == AS_OF - dt.timedelta(days=30)
    assert VillageDay.objects.filter(day=today).count() == 0
    roll_day(today)
    assert _result(today) == before
    assert VillageDay.objects.filter(day=today).count() == 2


def test_a_day_kept_ahead_of_today_is_not_rolled_back(district):
    today = timezone.localdate()
    ahead = today + dt.timedelta(days=3)
    roll_day(ahead)
    coverage_for_area(area=known_area("33.02"), as_of=today)
    assert day_in_store() == ahead


def test_the_command_rolls_to_today_or_the_day_given(district):
    out = StringIO()
    call_command("roll_coverage_day", "--day", "2026-11-22", stdout=out)
    assert out.getvalue().startswith("22/11/2026: figures of the day made in ")
    assert out.getvalue().endswith("s (was none).\n")
    out = StringIO()
    call_command("roll_coverage_day", "--day", "2026-11-22", stdout=out)
    assert out.getvalue() == "22/11/2026 is already the day kept.\n"
    call_command("roll_coverage_day", stdout=StringIO())
    assert day_in_store() == timezone.localdate()


@pytest.mark.parametrize("value", ["22/11/2026", "2026-13-01", "besok"])
def test_the_command_refuses_a_day_it_cannot_read(db, value):
    with pytest.raises(CommandError, match="--day must look like 2026-11-23"):
        call_command("roll_coverage_day", "--day", value)
    assert day_in_store() is None
