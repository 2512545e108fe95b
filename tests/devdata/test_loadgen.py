"""The load generator: deterministic, valid rows on the real regions, and a command that will
not write over existing posts unless told how."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from devdata import loadgen
from enrollment.models import CoverageDay, Membership, VillageDay
from enrollment.summary import rebuild_summary
from villages.models import Person, Post, Village
from villages.nik import parse_nik

TODAY = dt.date(2026, 11, 22)


def _villages(prefix: str) -> list[tuple[str, str]]:
    rows = Village.objects.filter(code__startswith=prefix).order_by("code")
    return list(rows.values_list("code", "kind"))


def test_the_draw_is_deterministic_and_independent_of_the_chunk(db):
    villages = _villages("33.02.03.")
    first = loadgen.draw_batch(1, TODAY, 0, 0, villages)
    again = loadgen.draw_batch(1, TODAY, 0, 0, villages)
    assert first == again
    # A village draws the same posts inside a larger run as on its own.
    alone = loadgen.draw_batch(1, TODAY, 0, 0, villages[-1:])
    assert [p[2:] for p in alone.posts] == [p[2:] for p in first.posts if p[2] == villages[-1][0]]
    assert loadgen.draw_batch(2, TODAY, 0, 0, villages) != first


def test_the_draw_follows_the_village_structure(db):
    batch = loadgen.draw_batch(1, TODAY, 0, 0, _villages("33.02.03."))
    per_village = Counter(p[2] for p in batch.posts)
    assert len(per_village) == 11
    assert all(40 <= n <= 110 for n in per_village.values())
    codes = Counter(p[3] for p in batch.posts)
    assert codes["KEPALA_DESA"] == codes["SEKRETARIS_DESA"] == 11
    assert codes["KETUA_RT"] > codes["KETUA_RW"] > 0
    assert len(batch.memberships) > 1.5 * len(batch.posts)
    # Paid-until dates spread around today: covered, lapsing soon, in arrears, ended.
    until = [m[5] for m in batch.memberships]
    assert any(TODAY <= u <= TODAY + dt.timedelta(days=30) for u in until)
    assert any(TODAY - dt.timedelta(days=90) <= u < TODAY for u in until)
    assert any(u > TODAY + dt.timedelta(days=30) for u in until)
    assert any(u < TODAY - dt.timedelta(days=120) for u in until)


def test_the_regency_scale_writes_valid_unique_rows(db):
    counts = loadgen.generate(scale="regency", today=TODAY)
    assert counts.villages == 331
    assert Post.objects.count() == counts.posts > 331 * 40
    assert Person.objects.count() == counts.persons
    assert Membership.objects.count() == counts.memberships
    niks = list(Person.objects.values_list("nik", "sex", "birth_date"))
    assert len({nik for nik, _sex, _born in niks}) == len(niks)
    for nik, sex, born in niks[:: max(1, len(niks) // 500)]:
        facts = parse_nik(nik)
        assert facts is not None, nik
        assert (facts.sex, facts.birth_date) == (sex, born)
        assert nik[6:12] != "0000"
    for post in Post.objects.order_by("?")[:50]:
        post.full_clean()
    # The summary the generator built matches a rebuild from the rows.
    before = _summary()
    rebuild_summary()
    assert _summary() == before


def _summary() -> list:
    with connection.cursor() as cursor:
        cursor.execute(_SUMMARY)
        return sorted(cursor.fetchall(), key=repr)


_SUMMARY = "SELECT village_id, category, term_start, term_end, enrolled, until, posts FROM " + (
    "enrollment_coveragesummary"
)


def test_the_command_refuses_a_database_with_posts(db, monkeypatch):
    monkeypatch.setitem(loadgen.SCALES, "regency", "33.02.03")  # one district is enough here
    call_command("generate_load", "--scale", "regency", "--today", "2026-11-22")
    posts = Post.objects.count()
    with pytest.raises(CommandError, match="--force .* --append"):
        call_command("generate_load", "--scale", "regency")
    call_command("generate_load", "--scale", "regency", "--today", "2026-11-22", "--force")
    assert Post.objects.count() == posts


def test_province_scale_needs_postgresql(db):
    if connection.vendor == "postgresql":
        pytest.skip("runs on SQLite only")
    with pytest.raises(ValueError, match="PostgreSQL"):
        loadgen.generate(scale="province", today=TODAY)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's statistics")
def test_the_day_rows_have_statistics_after_a_load(db, monkeypatch):
    # The day's rows are written after the load's ANALYZE; a table never analyzed made the
    # province page plan a nested loop over them (273 ms instead of 10).
    monkeypatch.setitem(loadgen.SCALES, "regency", "33.02.03")
    loadgen.generate(scale="regency", today=TODAY)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class "
            "WHERE relname IN ('enrollment_villageday', 'enrollment_coverageday')"
        )
        statistics = dict(cursor.fetchall())

    assert statistics == {
        "enrollment_villageday": VillageDay.objects.count(),
        "enrollment_coverageday": CoverageDay.objects.count(),
    }
    villages = Village.objects.filter(code__startswith="33.02.03.").count()
    assert VillageDay.objects.count() == villages
