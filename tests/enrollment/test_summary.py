"""The coverage summary stays exactly equal to a straightforward computation from posts and
memberships, at every level and on any day, whatever writes the rows: a model save, a bulk
update, a bulk insert, a delete.

The data: the generator's draw for Kec. Jatilawang (33.02.03, 11 villages, about 650 posts)
and one village of Kec. Ajibarang (33.02.04), written with the triggers on (a bulk insert).
"""

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from campaign.models import PerisaiAgent, Registration
from devdata import loadgen
from enrollment.models import (
    DAY_CATEGORIES,
    DAY_COLUMNS,
    DAY_FORECAST_COLUMNS,
    CoverageDay,
    CoverageSummary,
    Declaration,
    Membership,
    Program,
    RuleSet,
    SharedHolderPost,
    VillageDay,
    arrears_since,
)
from enrollment.rules import DEFAULT_MIN_PROGRAMS, FORECAST_DAYS, Figures
from enrollment.selectors import (
    LAPSING_WINDOW,
    coverage_for_area,
    figures_by_village,
    people_count,
    rules_in_force,
)
from enrollment.summary import day_in_store, rebuild_summary, roll_day
from villages.categories import CATEGORY_ORDER
from villages.models import Post, Village
from villages.services import posts_end

from .conftest import known_area

AS_OF = dt.date(2026, 11, 22)
DAYS = [AS_OF, AS_OF + dt.timedelta(days=45), AS_OF - dt.timedelta(days=400), dt.date(2028, 3, 1)]
AREAS = ["", "33", "33.02", "33.02.03", "33.02.03.2003", "33.02.04"]


@pytest.fixture
def roster(db):
    villages = list(
        Village.objects.filter(code__startswith="33.02.03.").values_list("code", "kind")
    )
    villages.append(
        Village.objects.filter(code__startswith="33.02.04.").values_list("code", "kind").first()
    )
    batch = loadgen.draw_batch(7, AS_OF, 0, 0, sorted(villages))
    loadgen.write_batch(batch)  # the triggers on, as an import's bulk insert
    return batch


def reference(code: str, day: dt.date, min_programs=None) -> dict:
    """By-category figures, per-child figures and distinct people, the plain way."""
    min_programs = min_programs or {}
    paid: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for m in Membership.objects.all():
        if m.paid_until and (m.enrolled_on is None or m.enrolled_on <= day):
            paid[m.person_id][m.program_id] = m.paid_until
    by_category: dict[str, Figures] = defaultdict(Figures)
    children: dict[str, Figures] = defaultdict(Figures)
    # Per village and category: the posts covered on each of the forecast's days ahead.
    ahead: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(FORECAST_DAYS))
    people = set()
    # Per village: its perangkat posts and those covered (villages enrolled).
    perangkat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    child_length = {0: 2, 2: 5, 5: 8, 8: 13, 13: 13}[len(code)]
    for post in Post.objects.all():
        inside = post.village_id == code or post.village_id.startswith(f"{code}.") or not code
        if not inside or not post.is_current(day):
            continue
        programs = min_programs.get(post.village_id[:5], DEFAULT_MIN_PROGRAMS)
        held = paid[post.person_id]
        until = min(held[p] for p in programs) if all(p in held for p in programs) else None
        figures = Figures(
            1,
            int(until is not None and until >= day),
            int(until is not None and day <= until <= day + LAPSING_WINDOW),
            int(until is not None and arrears_since(day) <= until < day),
            int(until is not None and until < arrears_since(day)),
        )
        for index, days in enumerate(FORECAST_DAYS):
            ahead[post.village_id, post.category][index] += int(
                until is not None and until >= day + dt.timedelta(days=days)
            )
        by_category[post.category].add(figures)
        children[post.village_id[:child_length]].add(figures)
        if post.category == "PERANGKAT":
            perangkat[post.village_id][0] += 1
            perangkat[post.village_id][1] += figures.covered
        people.add(post.person_id)
    return {
        "by_category": {c: by_category.get(c, Figures()) for c in CATEGORY_ORDER},
        "children": dict(children),
        "people": len(people),
        "ahead": {key: tuple(n) for key, n in ahead.items() if any(n)},
        "enrolled": _villages_enrolled(perangkat, child_length),
    }


def _villages_enrolled(perangkat: dict[str, list[int]], child_length: int) -> dict:
    """Child → (villages enrolled, villages with every perangkat post covered), the plain
    way; children with neither left out."""
    result: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for village, (posts, covered) in perangkat.items():
        result[village[:child_length]][0] += int(covered > 0)
        result[village[:child_length]][1] += int(posts > 0 and covered == posts)
    return {child: tuple(n) for child, n in result.items() if any(n)}


def assert_matches_reference(days=DAYS, min_programs=None) -> None:
    """Every area on every day equals the reference three ways: from the figures of the day
    as the triggers kept them (when the day is the one kept), summed from the summary, and
    from the figures of the day freshly rolled."""
    for day in days:
        expected = {code: reference(code, day, min_programs) for code in AREAS}
        check_ahead(day, expected[""]["ahead"], min_programs)
        if day_in_store() == day:
            kept = day_rows(day)
            check_areas(day, expected)
            CoverageDay.objects.all().delete()
            roll_day(day)
            assert day_rows(day) == kept, day  # the triggers kept exactly what a roll makes
        CoverageDay.objects.all().delete()
        check_areas(day, expected)
        roll_day(day)
        check_areas(day, expected)


def check_areas(day: dt.date, expected: dict) -> None:
    for code in AREAS:
        area = known_area(code)
        if area.level == "village":
            result = coverage_for_area(area=known_area(code[:8]), as_of=day)
            [row] = [r for r in result.children if r.area.code == code]
            assert row.figures == expected[code]["children"].get(code, Figures()), (code, day)
            village_enrolled = (row.villages_enrolled, row.villages_officials_covered)
            assert village_enrolled == expected[code]["enrolled"].get(code, (0, 0)), (code, day)
            continue
        result = coverage_for_area(area=area, as_of=day)
        assert dict(result.by_category) == expected[code]["by_category"], (code, day)
        children = {r.area.code: r.figures for r in result.children if r.figures.posts}
        assert children == expected[code]["children"], (code, day)
        assert result.people == expected[code]["people"], (code, day)
        enrolled = {
            r.area.code: (r.villages_enrolled, r.villages_officials_covered)
            for r in result.children
            if r.villages_enrolled or r.villages_officials_covered
        }
        assert enrolled == expected[code]["enrolled"], (code, day)
        assert result.villages_enrolled == sum(n for n, _all in enrolled.values())
        assert result.villages_officials_covered == sum(n for _n, n in enrolled.values())
        assert people_count(area=area, day=day) == expected[code]["people"], (code, day)


def check_ahead(day: dt.date, expected: dict, min_programs=None) -> None:
    """Each village's posts covered on the forecast's days ahead, as the selectors read them
    per village and (for the default minimum programs, on the day kept) as the day's rows
    keep them, equal the reference."""
    country = known_area("")
    figures = figures_by_village(
        area=country, day=day, rules=rules_in_force(area=country, year=day.year), ahead=True
    )
    read = {
        (village, category): item.covered_ahead
        for village, categories in figures.items()
        for category, item in categories.items()
        if any(item.covered_ahead)
    }
    assert read == expected, day
    if min_programs or day_in_store() != day:
        return
    kept = {}
    for village, *counts in VillageDay.objects.filter(day=day).values_list(
        "village_id", *DAY_FORECAST_COLUMNS
    ):
        for index, (category, _prefix) in enumerate(DAY_CATEGORIES):
            n = tuple(counts[index * len(FORECAST_DAYS) : (index + 1) * len(FORECAST_DAYS)])
            if any(n):
                kept[village, category] = n
    assert kept == expected, day


def day_rows(day: dt.date) -> list[tuple]:
    return sorted(VillageDay.objects.filter(day=day).values_list("village_id", *DAY_COLUMNS))


def summary_rows() -> list[tuple]:
    return sorted(
        CoverageSummary.objects.values_list(
            "village_id", "category", "term_start", "term_end", "enrolled", "until", "posts"
        ),
        key=repr,
    )


def test_the_bulk_insert_keeps_the_summary_exact_on_any_day(roster):
    assert len(roster.posts) > 600
    assert_matches_reference()


def test_the_triggers_agree_with_a_rebuild(roster):
    kept = summary_rows()
    holders = sorted(SharedHolderPost.objects.values_list("person_id", "village_id"))
    rebuild_summary()
    assert summary_rows() == kept
    assert sorted(SharedHolderPost.objects.values_list("person_id", "village_id")) == holders
    assert holders  # the draw gives some people two posts


def test_an_admin_style_save_of_a_membership_shows_at_once(roster):
    roll_day(AS_OF)  # then the triggers keep the day's figures
    membership = Membership.objects.filter(program_id="JKM", paid_until__lt=AS_OF).first()
    with transaction.atomic():
        membership.paid_until = dt.date(2027, 6, 30)
        membership.full_clean()
        membership.save()
    assert_matches_reference(days=[AS_OF, dt.date(2027, 6, 30)])
    Membership.objects.filter(pk=membership.pk).delete()
    assert_matches_reference(days=[AS_OF])


def test_ending_posts_shows_at_once(roster, django_user_model):
    roll_day(AS_OF)  # then the triggers keep the day's figures
    user = django_user_model.objects.create(username="staff")
    posts = Post.objects.filter(village_id="33.02.03.2003", category="RT_RW")
    assert posts_end(posts=posts, day=AS_OF - dt.timedelta(days=1), user=user) > 0
    assert_matches_reference(days=[AS_OF, AS_OF - dt.timedelta(days=10)])


def test_an_import_style_bulk_write_shows_at_once(roster):
    roll_day(AS_OF)  # then the triggers keep the day's figures
    lapsed = list(Membership.objects.filter(paid_until__lt=AS_OF)[:40])
    for membership in lapsed:
        membership.paid_until = dt.date(2027, 1, 31)
    Membership.objects.bulk_update(lapsed, ["paid_until"])
    uncovered = Post.objects.exclude(person__memberships__program_id="JKK")[:20]
    Membership.objects.bulk_create(
        Membership(person_id=post.person_id, program_id="JKK", paid_until=dt.date(2027, 2, 28))
        for post in uncovered
    )
    moved = Post.objects.filter(village_id="33.02.03.2003", code="LINMAS").first()
    moved.village_id = "33.02.03.2001"
    moved.save()
    assert_matches_reference(days=[AS_OF, dt.date(2027, 2, 15)])


def test_a_regency_set_other_than_the_default_is_computed_live(roster):
    rule_set = RuleSet.objects.create(name="Banyumas 2026", year=2026, regency_id="33.02")
    rule_set.minimum_programs.set(["JKK"])
    assert_matches_reference(days=[AS_OF], min_programs={"33.02": ("JKK",)})


def test_queries_stay_constant_with_the_summary(roster, django_assert_max_num_queries):
    for code in ("", "33", "33.02", "33.02.03"):
        with django_assert_max_num_queries(10):
            coverage_for_area(area=known_area(code), as_of=AS_OF)


# Rule sets that put villages on both sides of each criterion, at awkward percentages, and
# of the "near" setting (criteria failed, officials still to cover).
RULE_SETS: list[dict[str, Any]] = [
    {"perangkat_min_pct": Decimal("50")},
    {
        "perangkat_min_pct": Decimal("66.67"),
        "bpd_enabled": True,
        "bpd_min_pct": Decimal("60"),
        "rt_rw_enabled": True,
        "rt_rw_min_pct": Decimal("20"),
        "near_max_failing": 2,
        "near_max_people": 3,
    },
    {
        "perangkat_enabled": False,
        "lkd_enabled": True,
        "lkd_min_pct": Decimal("33.33"),
        "linmas_enabled": True,
        "linmas_min_pct": Decimal("0"),
        "near_max_people": 0,
    },
    {
        "perangkat_min_pct": Decimal("10"),
        "self_enrolled_enabled": True,
        "self_enrolled_min_pct": Decimal("12.5"),
        "require_bumdes": True,
        "require_perisai": True,
        "require_memorandum": True,
        "require_regulation": True,
        "near_max_failing": 3,
        "near_max_people": 5,
    },
    {"perangkat_enabled": False},  # no criterion: every village with posts is a candidate
]


def _profiles() -> None:
    """Village facts that pass and fail each fact criterion, and two declarations."""
    codes = sorted(set(Post.objects.values_list("village_id", flat=True)))  # the roster's
    for i, code in enumerate(codes):
        households = [None, 0, 400, 400, 1000][i % 5]
        Village.objects.filter(code=code).update(
            households=households,
            self_enrolled_residents=[None, 50, 49, 50, 200][i % 5] if households else None,
            self_enrolled_updated_on=dt.date(2026, 10, 1) if households else None,
            bumdes_active=i % 2 == 0,
            memorandum_signed_on=dt.date(2026, 1, 5) if i % 4 else None,
            contribution_regulation="Perdes 3/2026" if i != 5 else "",
        )
        _campaign(i, code, households)
    for code in codes[1:3]:
        Declaration.objects.create(village_id=code, declared_on=dt.date(2025, 8, 17))


# Agents serving a village on AS_OF or not: (active_from, active_until, active) by i % 6.
AGENT_DATES = [
    None,
    (dt.date(2020, 1, 1), None, True),
    (dt.date(2026, 1, 1), AS_OF, True),  # its last day
    (AS_OF, None, True),  # its first day
    (dt.date(2020, 1, 1), None, False),  # inactive
    (AS_OF + dt.timedelta(days=1), None, True),  # from the next day
]


def _campaign(i: int, code: str, households: int | None) -> None:
    """Perisai agents and registrations that make the campaign's criteria pass and fail on
    AS_OF: the old figure is dated 1 October 2026; registrations before it are counted in it,
    those after it up to AS_OF are added, those after AS_OF are not."""
    dates = AGENT_DATES[i % 6]
    if dates is not None:
        start, until, active = dates
        agent = PerisaiAgent.objects.create(
            code=f"PRS-{i:04d}",
            name=f"Agen {i}",
            regency_id=code[:5],
            active_from=start,
            active_until=until,
            active=active,
        )
        agent.villages.add(*Village.objects.filter(code=code))
    counts = {
        dt.date(2026, 9, 30): [0, 30, 0, 1, 0][i % 5],  # within the old figure
        dt.date(2026, 10, 1): [0, 0, 5, 1, 0][i % 5],  # the old figure's day: counted in it
        dt.date(2026, 10, 2): [0, 0, 1, 0, 0][i % 5],  # added
        AS_OF: [3, 0, 0, 0, 0][i % 5] if i % 2 else 0,  # added (when no old figure: alone)
        AS_OF + dt.timedelta(days=1): [0, 0, 20, 0, 0][i % 5],  # after the day
    }
    for day, count in counts.items():
        if count:
            Registration.objects.create(date=day, village_id=code, channel="MANDIRI", count=count)


def judged_by(rules: int, regency_rules: bool) -> None:
    """The national rule set `RULE_SETS[rules]`; with `regency_rules`, Banyumas judged by
    the next set in the list."""
    national = RuleSet.objects.create(name="Nasional", year=2026, **RULE_SETS[rules])
    minimum = Program.objects.filter(pk__in=DEFAULT_MIN_PROGRAMS)
    national.minimum_programs.set(minimum)
    if regency_rules:
        banyumas = RuleSet.objects.create(
            name="Banyumas", year=2026, regency_id="33.02", **RULE_SETS[(rules + 1) % 5]
        )
        banyumas.minimum_programs.set(minimum)


def _desa_sadar(area_code: str, forecast: int | None = None) -> tuple:
    result = coverage_for_area(area=known_area(area_code), as_of=AS_OF, forecast=forecast)
    listed = [
        (s.code, s.status, s.declared_on, [(c.key, c.passed, c.detail) for c in s.criteria])
        for s in result.listed
    ]
    children = {row.area.code: row.candidates for row in result.children}
    ahead = result.forecast
    forecast_ = (ahead.counts, ahead.declared_failing, ahead.villages, ahead.groups)
    return listed, result.counts, children, forecast_


@pytest.mark.parametrize("regency_rules", [False, True])
@pytest.mark.parametrize("rules", range(len(RULE_SETS)))
def test_desa_sadar_counted_in_sql_agrees_with_the_rules_in_python(roster, rules, regency_rules):
    _profiles()
    judged_by(rules, regency_rules)
    statuses, lost = set(), set()
    for code in ("", "33", "33.02", "33.02.03"):
        for forecast in (None, 2):  # every village of the forecast, or the first 2 of each
            CoverageDay.objects.all().delete()
            in_python = _desa_sadar(code, forecast)  # every village evaluated in Python
            roll_day(AS_OF)
            assert day_in_store() == AS_OF
            assert _desa_sadar(code, forecast) == in_python, code
            statuses |= {status for _code, status, *_rest in in_python[0]}
            lost |= {v.days for v in in_python[3][2]}
    if (rules, regency_rules) == (1, False):  # the test can tell them apart
        assert statuses == {"candidate", "near_candidate", "declared_failing"}
        assert lost == {0, 30, 60, 90}  # declared and failing, and lost within each horizon


def test_the_live_trigger_sql_is_the_newest_frozen_copy():
    """Migrations install frozen copies of the trigger SQL; `enrollment.summary` is what a
    rebuild and the tests use. They must be the same text, or a fresh database would run
    other triggers than the ones tested: change the SQL in a new migration with a new copy."""
    from enrollment import summary
    from enrollment.migrations import _sql_0006, _sql_0009, _sql_0012

    postgresql = summary._pg_install()
    assert postgresql[:1] == _sql_0012.PG_INSTALL
    assert postgresql[1:4] == _sql_0009.PG_INSTALL[1:4]
    assert postgresql[4:] == _sql_0006.PG_INSTALL[4:]
    sqlite = [s for s in _sql_0012.SQLITE_INSTALL if not s.startswith("DROP ")]
    assert summary._sqlite_install() == sqlite
    day = "DELETE FROM enrollment_villageday WHERE day = (SELECT day FROM enrollment_coverageday "
    assert [day + "WHERE id = 1)", summary._day_rows(None)] == _sql_0012.DAY_FILL


def test_check_summary_passes_when_kept_and_fails_when_out_of_step(roster):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("check_summary", stdout=out)
    assert out.getvalue().splitlines() == [
        "enrollment_coveragesummary: 0 rows differ",
        "enrollment_sharedholderpost: 0 rows differ",
        "enrollment_villageday: 0 rows differ",
    ]
    CoverageSummary.objects.filter(pk=CoverageSummary.objects.first().pk).delete()
    with pytest.raises(CommandError, match="differ from a rebuild"):
        call_command("check_summary", stdout=io.StringIO())


@pytest.mark.parametrize("seed", [3, 19, 58])
def test_villages_enrolled_in_sql_agree_with_a_plain_count(db, seed):
    """Villages enrolled and with every official covered, counted in SQL from the day's rows
    and in Python from the summary, equal a plain count over a few random rosters, at every
    level (a day kept and a day summed)."""
    villages = sorted(
        Village.objects.filter(code__startswith="33.02.03.").values_list("code", "kind")
    )
    loadgen.write_batch(loadgen.draw_batch(seed, AS_OF, 0, 0, villages))
    for day in (AS_OF, AS_OF + dt.timedelta(days=45)):
        expected = reference("33.02.03", day)["enrolled"]
        assert_matches_reference(days=[day])
        district = coverage_for_area(area=known_area("33.02.03"), as_of=day)
        assert district.villages == 11
        assert district.villages_enrolled == sum(n for n, _all in expected.values())
    # The draw covers some officials on AS_OF (the test can tell the counts apart).
    assert reference("33.02.03", AS_OF)["enrolled"]
