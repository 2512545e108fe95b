"""The running total behind "residents enrolled on their own" (`campaign.self_enrolled`): the
triggers keep it equal to a rebuild after every kind of write (SQLite and PostgreSQL), the
value read from it on any day equals the definition summed from the raw rows, and
`manage.py check_self_enrolled` finds a total out of step and rebuilds it.

Concurrent writers: tests/campaign/test_self_enrolled_concurrency.py (PostgreSQL)."""

import datetime as dt
import io
import random

import pytest
from django.core.management import CommandError, call_command

from campaign import self_enrolled
from campaign.criteria import self_enrolled_on
from campaign.migrations import _sql_self_enrolled_total as frozen
from campaign.models import Registration, VillageSelfEnrolled
from villages.models import Village

from .conftest import CIRAHAB, GUNUNGWETAN, KARANGLEWAS

pytestmark = pytest.mark.django_db

SINCE = dt.date(2026, 7, 1)
VILLAGES = [KARANGLEWAS, GUNUNGWETAN, CIRAHAB]


def _kept() -> dict[str, tuple[int, dt.date]]:
    return {
        row.village_id: (row.since_figure, row.last_date)
        for row in VillageSelfEnrolled.objects.filter(village_id__in=VILLAGES)
    }


def _from_rows() -> dict[str, tuple[int, dt.date]]:
    """The totals summed in Python from the registrations and the villages' old days."""
    since = dict(Village.objects.values_list("code", "self_enrolled_updated_on"))
    result: dict[str, tuple[int, dt.date]] = {}
    for r in Registration.objects.filter(village_id__in=VILLAGES):
        total, last = result.get(r.village_id, (0, r.date))
        after = since[r.village_id] is None or r.date > since[r.village_id]
        result[r.village_id] = (total + (r.count if after else 0), max(last, r.date))
    return result


def _register(day: dt.date, count: int, village=KARANGLEWAS, channel="MANDIRI"):
    return Registration.objects.create(date=day, village_id=village, channel=channel, count=count)


def _old_figure(village: str, residents: int | None, on: dt.date | None) -> None:
    row = Village.objects.get(code=village)
    row.self_enrolled_residents, row.self_enrolled_updated_on = residents, on
    row.save()


def _assert_kept() -> None:
    assert _kept() == _from_rows()
    assert self_enrolled.drift() == 0


def test_every_kind_of_write_keeps_the_totals():
    _old_figure(KARANGLEWAS, 500, SINCE)
    a = _register(SINCE, 7)  # on the old figure's day: already in it
    b = _register(SINCE + dt.timedelta(1), 11)
    c = _register(SINCE + dt.timedelta(5), 13, village=GUNUNGWETAN)  # no old figure
    assert _kept() == {
        KARANGLEWAS: (11, SINCE + dt.timedelta(1)),
        GUNUNGWETAN: (13, SINCE + dt.timedelta(5)),
    }
    _assert_kept()

    b.count = 20  # a figure imported again
    b.save()
    a.date = SINCE + dt.timedelta(3)  # moved after the old figure's day
    a.save()
    assert _kept()[KARANGLEWAS] == (27, SINCE + dt.timedelta(3))
    c.village_id = CIRAHAB  # moved to another village
    c.save()
    assert GUNUNGWETAN not in _kept()
    assert _kept()[CIRAHAB] == (13, SINCE + dt.timedelta(5))
    _assert_kept()

    Registration.objects.filter(village_id=KARANGLEWAS).update(count=2)  # one statement
    assert _kept()[KARANGLEWAS] == (4, SINCE + dt.timedelta(3))
    Registration.objects.bulk_create(
        [
            Registration(
                date=SINCE + dt.timedelta(d), village_id=GUNUNGWETAN, channel="LAINNYA", count=d
            )
            for d in range(1, 6)
        ]  # fmt: skip
    )
    assert _kept()[GUNUNGWETAN] == (15, SINCE + dt.timedelta(5))
    _assert_kept()

    _old_figure(KARANGLEWAS, 500, SINCE + dt.timedelta(2))  # counted later: b is in it now
    assert _kept()[KARANGLEWAS] == (2, SINCE + dt.timedelta(3))
    _old_figure(GUNUNGWETAN, 40, SINCE + dt.timedelta(5))  # every registration in it
    assert _kept()[GUNUNGWETAN] == (0, SINCE + dt.timedelta(5))
    _old_figure(KARANGLEWAS, None, None)  # no old figure: all registrations count
    assert _kept()[KARANGLEWAS] == (4, SINCE + dt.timedelta(3))
    _assert_kept()

    Registration.objects.filter(village_id=GUNUNGWETAN).delete()
    c.delete()
    assert _kept() == {KARANGLEWAS: (4, SINCE + dt.timedelta(3))}
    _assert_kept()


def _definition(village: Village, day: dt.date) -> int | None:
    """The criterion's definition (docs/desa-sadar-criteria.md) from the raw rows."""
    since = village.self_enrolled_updated_on
    rows = Registration.objects.filter(village_id=village.code, date__lte=day)
    if since is not None:
        rows = rows.filter(date__gt=since)
    added = sum(rows.values_list("count", flat=True))
    if village.self_enrolled_residents is not None:
        return village.self_enrolled_residents + added
    return added if rows.exists() else None


def test_the_value_on_any_day_equals_the_definition():
    draw = random.Random(14)
    start = dt.date(2026, 6, 1)
    for village in VILLAGES:
        for day in sorted(draw.sample(range(120), 40)):
            _register(start + dt.timedelta(day), draw.randint(1, 30), village=village)
    _old_figure(KARANGLEWAS, 300, SINCE)  # between the registrations
    _old_figure(CIRAHAB, 90, start + dt.timedelta(200))  # after every registration
    # Gunungwetan: no old figure.
    days = [start + dt.timedelta(n) for n in range(-3, 130, 4)] + [SINCE, dt.date(2027, 1, 1)]
    seen = set()
    for day in days:
        read = dict(
            Village.objects.filter(code__in=VILLAGES).values_list("code", self_enrolled_on(day))
        )
        for village in Village.objects.filter(code__in=VILLAGES):
            expected = _definition(village, day)
            assert read[village.code] == expected, (village.code, day)
            seen.add(expected is None)
    assert seen == {True, False}  # both "not recorded" and figures were compared


def test_check_finds_a_total_out_of_step_and_rebuild_mends_it():
    _register(SINCE, 5)
    _register(SINCE, 6, village=GUNUNGWETAN)
    out = io.StringIO()
    call_command("check_self_enrolled", stdout=out)
    assert out.getvalue() == "campaign_villageselfenrolled: 0 rows differ\n"

    VillageSelfEnrolled.objects.filter(village_id=KARANGLEWAS).update(since_figure=9)
    VillageSelfEnrolled.objects.filter(village_id=GUNUNGWETAN).delete()
    assert self_enrolled.drift() == 3  # one kept wrong, its rebuild, one missing
    with pytest.raises(CommandError, match="differ from a rebuild"):
        call_command("check_self_enrolled", stdout=io.StringIO())
    assert _kept()[KARANGLEWAS] == (9, SINCE)  # the check changed nothing

    out = io.StringIO()
    call_command("check_self_enrolled", "--rebuild", stdout=out)
    assert out.getvalue() == "campaign_villageselfenrolled: rebuilt\n"
    assert _kept() == {KARANGLEWAS: (5, SINCE), GUNUNGWETAN: (6, SINCE)}
    assert self_enrolled.drift() == 0


def test_writes_with_the_triggers_off_are_mended_by_a_rebuild():
    from django.db import transaction

    with transaction.atomic(), self_enrolled.triggers_off():
        _register(SINCE, 5)
    assert _kept() == {}
    assert self_enrolled.drift() == 1
    self_enrolled.rebuild()
    assert _kept() == {KARANGLEWAS: (5, SINCE)}
    _register(SINCE + dt.timedelta(1), 1)  # the triggers are back
    assert _kept() == {KARANGLEWAS: (6, SINCE + dt.timedelta(1))}


def test_the_migration_installs_what_the_module_makes():
    """The migration's frozen SQL is today's: change both together (a new migration)."""
    assert self_enrolled._pg_install() == frozen.PG_INSTALL
    assert self_enrolled._pg_uninstall() == frozen.PG_UNINSTALL
    assert self_enrolled._sqlite_install() == frozen.SQLITE_INSTALL
    assert self_enrolled._sqlite_uninstall() == frozen.SQLITE_UNINSTALL
    assert frozen.REBUILD[1] == self_enrolled._recompute(None)


def test_the_load_generator_leaves_the_totals_right():
    """Its bulk write runs without the triggers (COPY as a replica on PostgreSQL, after a wipe
    by TRUNCATE, which fires no delete trigger), then rebuilds every total: a stale one
    goes."""
    from devdata.loadgen import campaign as gen

    villages = list(
        Village.objects.filter(code__startswith="33.02.03.").values_list("code", "kind")
    )
    Village.objects.filter(code=KARANGLEWAS).update(
        self_enrolled_residents=10, self_enrolled_updated_on=dt.date(2026, 9, 1)
    )
    VillageSelfEnrolled.objects.create(village_id=CIRAHAB, since_figure=99, last_date=SINCE)
    gen.generate_campaign(villages=villages, seed=3, today=dt.date(2026, 11, 22))
    assert self_enrolled.drift() == 0
    kept = dict(VillageSelfEnrolled.objects.values_list("village_id", "since_figure"))
    assert kept, "the generator drew registrations"
    assert CIRAHAB not in kept  # outside the villages drawn: no registrations now
    for code, _kind in villages:
        since = dt.date(2026, 9, 1) if code == KARANGLEWAS else dt.date(1, 1, 1)
        rows = Registration.objects.filter(village_id=code, date__gt=since)
        assert kept.get(code, 0) == sum(rows.values_list("count", flat=True))
