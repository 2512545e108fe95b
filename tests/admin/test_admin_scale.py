"""The persons and memberships changelists at national scale: their order, the name search and
its trigram index (PostgreSQL), the estimated count of a whole table and the date drill-down
without scans — and through all of it, each user's scope."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enrollment.models import AreaSnapshot, Membership
from tests.factories import KARANGLEWAS, MembershipFactory, PersonFactory, PostFactory
from villages import admin_scale
from villages.admin_scale import EstimatedCountPaginator, query_estimate, table_estimate
from villages.models import Person
from villages.roles import user_role_set

KARANGLO = "35.23.08.2016"  # Tuban: outside Banyumas
PERSONS = reverse("admin:villages_person_changelist")
MEMBERSHIPS = reverse("admin:enrollment_membership_changelist")
postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
FUZZY = connection.vendor == "postgresql"  # a name search finds similar names too


def _migration():
    # A module whose name starts with a digit: imported by name.
    return __import__("villages.migrations.0005_person_name_trigram", fromlist=["Migration"])


@pytest.fixture
def people(db):
    """Created in this order, so that key order and name order differ: Sri Wahyuni
    (Banyumas), her namesake Sri Wahyuningsih (Tuban), Agus Salim (Banyumas)."""
    wahyuni = PostFactory(village_id=KARANGLEWAS, person=PersonFactory(name="Sri Wahyuni")).person
    tuban = PersonFactory(name="Sri Wahyuningsih", district_code="35.23.08")
    PostFactory(village_id=KARANGLO, person=tuban)
    agus = PostFactory(village_id=KARANGLEWAS, person=PersonFactory(name="Agus Salim")).person
    return SimpleNamespace(wahyuni=wahyuni, tuban=tuban, agus=agus)


@pytest.fixture
def memberships(people):
    """Keys in this order: Wahyuni JKM, Tuban JKK, Agus JKK, Wahyuni JKK."""
    return [
        MembershipFactory(person=people.wahyuni, program_id="JKM", paid_until=dt.date(2024, 5, 31)),
        MembershipFactory(person=people.tuban, program_id="JKK", paid_until=dt.date(2030, 1, 31)),
        MembershipFactory(person=people.agus, program_id="JKK", paid_until=dt.date(2026, 12, 31)),
        MembershipFactory(person=people.wahyuni, program_id="JKK", paid_until=dt.date(2026, 6, 30)),
    ]


def _login(username: str, **role) -> Client:
    client = Client()
    client.force_login(user_role_set(username=username, **role).user)
    return client


@pytest.fixture
def head(db):
    return _login("pusat", kind="head_office")


@pytest.fixture
def manager(db):
    return _login("manajer", kind="manager", area_codes=["33.02"])


def _rows(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


# Order -------------------------------------------------------------------------------------


def test_head_office_sees_persons_newest_first(head, people):
    assert _rows(head, PERSONS) == [people.agus, people.tuban, people.wahyuni]


def test_head_office_sees_memberships_newest_first(head, memberships):
    assert _rows(head, MEMBERSHIPS) == memberships[::-1]


def test_a_scoped_user_sees_persons_by_name(manager, people):
    assert _rows(manager, PERSONS) == [people.agus, people.wahyuni]


def test_a_scoped_user_sees_memberships_by_person_then_program(manager, memberships):
    wahyuni_jkm, _, agus_jkk, wahyuni_jkk = memberships
    assert _rows(manager, MEMBERSHIPS) == [agus_jkk, wahyuni_jkk, wahyuni_jkm]


def _column(client, url, name: str) -> int:
    """The index of a column, as the changelist's `o` parameter counts (after any checkbox)."""
    return client.get(url).context["cl"].list_display.index(name)


def test_columns_still_sort(head, memberships):
    # By the person's name; ties newest first.
    wahyuni_jkm, tuban_jkk, agus_jkk, wahyuni_jkk = memberships
    person = _column(head, MEMBERSHIPS, "person")
    assert _rows(head, MEMBERSHIPS, o=f"{person}") == [
        agus_jkk,
        wahyuni_jkk,
        wahyuni_jkm,
        tuban_jkk,
    ]
    assert _rows(head, MEMBERSHIPS, o=f"-{person}") == [
        tuban_jkk,
        wahyuni_jkk,
        wahyuni_jkm,
        agus_jkk,
    ]
    name = _column(head, PERSONS, "name")
    assert [p.name for p in _rows(head, PERSONS, o=f"{name}")] == [
        "Agus Salim",
        "Sri Wahyuni",
        "Sri Wahyuningsih",
    ]


# Search ------------------------------------------------------------------------------------


def test_head_office_finds_persons_by_part_of_the_name_in_any_case(head, people):
    # Found by name, in name order whatever the case (not newest first); on PostgreSQL the
    # closest first, and a similar name after (tests/admin/test_admin_person_search.py).
    assert _rows(head, PERSONS, q="wahyuni") == [people.wahyuni, people.tuban]
    similar = [people.wahyuni] if FUZZY else []
    assert _rows(head, PERSONS, q="SRI WAHYUNING") == [people.tuban, *similar]
    assert _rows(head, PERSONS, q="Budi") == []


def test_search_results_are_in_name_order_whatever_the_case(head, manager, people):
    lower = PostFactory(village_id=KARANGLEWAS, person=PersonFactory(name="bambang sri")).person
    upper = PostFactory(village_id=KARANGLEWAS, person=PersonFactory(name="BUDI SRI")).person
    expected = [lower, upper, people.wahyuni]  # bambang < BUDI < Sri, ignoring case
    assert _rows(manager, PERSONS, q="sri") == expected
    assert _rows(head, PERSONS, q="sri") == [*expected, people.tuban]


def test_a_scoped_user_finds_only_the_namesake_in_scope(manager, people):
    assert _rows(manager, PERSONS, q="Wahyuni") == [people.wahyuni]
    # On PostgreSQL "Wahyuningsih" is similar to "Sri Wahyuni", in scope; never the other.
    assert _rows(manager, PERSONS, q="Wahyuningsih") == ([people.wahyuni] if FUZZY else [])


def test_memberships_are_found_by_the_persons_name_within_scope(head, manager, memberships):
    wahyuni_jkm, tuban_jkk, _, wahyuni_jkk = memberships
    assert _rows(head, MEMBERSHIPS, q="wahyuni") == [wahyuni_jkk, wahyuni_jkm, tuban_jkk]
    assert _rows(manager, MEMBERSHIPS, q="wahyuni") == [wahyuni_jkk, wahyuni_jkm]
    assert _rows(manager, MEMBERSHIPS, q="Wahyuningsih") == []


# The trigram index -------------------------------------------------------------------------


@postgresql
@pytest.mark.django_db
def test_the_migration_creates_the_trigram_index_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'villages_person_name_trgm'"
        )
        (indexdef,) = cursor.fetchone()
    assert indexdef == (
        "CREATE INDEX villages_person_name_trgm ON public.villages_person "
        "USING gin (upper((name)::text) gin_trgm_ops)"
    )


@postgresql
def test_the_admin_search_can_use_the_trigram_index(head, memberships):
    # Tiny tables are read whole, or walked along their primary key; forbidding both shows
    # whether the index fits the query Django writes (UPPER("villages_person"."name"::text)
    # LIKE UPPER('%…%')). Which the planner picks otherwise depends on the statistics that
    # tests run before have left.
    for url in (PERSONS, MEMBERSHIPS):
        queryset = head.get(url, {"q": "Wahyuni"}).context["cl"].queryset
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_indexscan")
        assert "Bitmap Index Scan on villages_person_name_trgm" in plan, plan


@sqlite
@pytest.mark.django_db
def test_the_migration_does_nothing_on_sqlite():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'villages_person_name_trgm'")
        assert cursor.fetchall() == []
    executed = []
    editor = SimpleNamespace(connection=connection, execute=executed.append)
    migration = _migration()
    migration.create_index(None, editor)
    migration.drop_index(None, editor)
    assert executed == []


def test_the_migration_builds_and_drops_the_index_concurrently_on_postgresql():
    executed = []
    editor = SimpleNamespace(
        connection=SimpleNamespace(vendor="postgresql"), execute=executed.append
    )
    migration = _migration()
    migration.create_index(None, editor)
    migration.drop_index(None, editor)
    assert executed == [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS villages_person_name_trgm ON villages_person "
        "USING gin (UPPER(name::text) gin_trgm_ops)",
        "DROP INDEX CONCURRENTLY IF EXISTS villages_person_name_trgm",
    ]
    # CONCURRENTLY cannot run inside a transaction.
    assert migration.Migration.atomic is False


# The count ---------------------------------------------------------------------------------


@pytest.fixture
def stale_statistics(people, monkeypatch):
    """PostgreSQL's statistics say 3 persons; 2 more have come since (5 in all).

    The statistics are given, not made with ANALYZE: ANALYZE writes pg_class outside the
    test's transaction, so an analyzed (near-)empty villages_person would stay "empty" for
    the rest of the run, and PostgreSQL would re-plan its foreign-key checks as sequential
    scans (the demo's 48,000 checks then took minutes). `planner_rows` itself is tested on a
    table no foreign key involves (below)."""
    monkeypatch.setattr(
        admin_scale,
        "planner_rows",
        lambda connection, table: 3 if table == "villages_person" else None,
    )
    PostFactory(village_id=KARANGLEWAS, person=PersonFactory(name="Budi Santoso"))
    PersonFactory(name="Budi Hartono")  # no post yet
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_from", 1)
    return people


@postgresql
def test_head_offices_whole_table_is_counted_from_the_statistics(head, stale_statistics):
    response = head.get(PERSONS)
    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.estimated, Person.objects.count()) == (3, True, 5)
    assert "≈ 3" in response.content.decode()


@pytest.mark.parametrize(
    "params,expected",
    [({"q": "Budi"}, 2), ({"q": "Sri"}, 2), ({"sex": "L"}, 5), ({"state": "none"}, 5)],
)
def test_a_small_search_or_filter_is_counted_exactly(
    head, stale_statistics, params, expected, monkeypatch
):
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_from", 100_000)
    response = head.get(PERSONS, params)
    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.estimated) == (expected, False)
    assert "≈" not in response.content.decode()


def test_a_small_scoped_list_is_counted_exactly(manager, stale_statistics, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_from", 100_000)
    cl = manager.get(PERSONS).context["cl"]
    # Wahyuni, Agus and Budi Santoso hold posts in Banyumas; Budi Hartono (no post yet) was
    # not entered in Banyumas, so he is not theirs.
    assert (cl.result_count, cl.paginator.estimated) == (3, False)


@postgresql
@pytest.mark.parametrize("who,params", [("manager", {}), ("head", {"q": "Budi"})])
def test_a_big_scoped_or_searched_list_is_counted_from_the_plan(
    request, stale_statistics, who, params
):
    """Over `estimate_from` rows (1 here), a scoped or searched list takes the planner's
    estimate of its own query (EXPLAIN) instead of COUNT(*)."""
    with CaptureQueriesContext(connection) as queries:
        response = request.getfixturevalue(who).get(PERSONS, params)
    cl = response.context["cl"]
    assert cl.paginator.estimated is True
    assert cl.result_count == query_estimate(cl.queryset) >= 1
    assert f"≈ {cl.result_count}" in response.content.decode()
    sql = [q["sql"] for q in queries]
    assert not [s for s in sql if "COUNT(*)" in s]
    assert [s for s in sql if s.startswith("EXPLAIN (FORMAT JSON)")]


@sqlite
def test_sqlite_always_counts_exactly(head, stale_statistics):
    cl = head.get(PERSONS).context["cl"]
    assert (cl.result_count, cl.paginator.estimated) == (5, False)
    assert table_estimate(Person.objects.all()) is None


@postgresql
def test_small_tables_are_counted_exactly(head, stale_statistics, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_from", 100_000)
    cl = head.get(PERSONS).context["cl"]
    assert (cl.result_count, cl.paginator.estimated) == (5, False)


@postgresql
@pytest.mark.django_db
def test_the_estimate_is_pg_class_reltuples_once_analyzed():
    # AreaSnapshot: no foreign key points to it or from it, so analyzing it here changes no
    # later test's plans (see stale_statistics).
    AreaSnapshot.objects.bulk_create(
        AreaSnapshot(area_code=f"{i:02d}", month=dt.date(2026, 10, 1), posts=1, covered=0)
        for i in range(12)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE enrollment_areasnapshot")
    assert admin_scale.planner_rows(connection, "enrollment_areasnapshot") == 12
    assert table_estimate(AreaSnapshot.objects.order_by("-pk")) == 12
    assert table_estimate(AreaSnapshot.objects.filter(posts=1)) is None


@postgresql
@pytest.mark.django_db
def test_the_estimate_is_only_for_a_plain_whole_table(monkeypatch):
    monkeypatch.setattr(admin_scale, "planner_rows", lambda connection, table: 0)
    assert table_estimate(Person.objects.order_by("-pk")) == 0
    assert table_estimate(Person.objects.select_related()) == 0
    assert table_estimate(Person.objects.filter(sex="L")) is None
    assert table_estimate(Person.objects.distinct()) is None
    assert table_estimate(Person.objects.all()[:10]) is None
    assert table_estimate([Person()]) is None


# The date drill-down -----------------------------------------------------------------------


def _hierarchy_links(response) -> list[str]:
    html = response.content.decode()
    start = html.index('<nav class="toplinks">')
    nav = html[start : html.index("</nav>", start)]
    return [part.split('"', 1)[0].replace("&amp;", "&") for part in nav.split('href="')[1:]]


def test_the_years_run_from_the_first_to_the_last_date_without_a_scan(head, memberships):
    with CaptureQueriesContext(connection) as queries:
        response = head.get(MEMBERSHIPS)
    assert _hierarchy_links(response) == [f"?paid_until__year={year}" for year in range(2024, 2031)]
    assert not [q["sql"] for q in queries if "DISTINCT" in q["sql"]]


def test_a_scoped_user_is_offered_the_tables_years_and_sees_only_their_rows(manager, memberships):
    # The years run to 2030 (Tuban's membership, not the manager's): the two ends of the
    # table's index, not a scan of the manager's rows. 2030 holds nothing of theirs.
    links = _hierarchy_links(manager.get(MEMBERSHIPS))
    assert links == [f"?paid_until__year={year}" for year in range(2024, 2031)]
    response = manager.get(MEMBERSHIPS, {"paid_until__year": "2030"})
    assert list(response.context["cl"].result_list) == []
    response = manager.get(MEMBERSHIPS, {"paid_until__year": "2026"})
    assert list(response.context["cl"].result_list) == [memberships[2], memberships[3]]


def test_a_year_offers_its_months_and_a_month_its_days(head, memberships):
    links = _hierarchy_links(head.get(MEMBERSHIPS, {"paid_until__year": "2026"}))
    assert links[0] == "?"  # back to all dates
    assert links[1:] == [f"?paid_until__month={m}&paid_until__year=2026" for m in range(1, 13)]
    response = head.get(MEMBERSHIPS, {"paid_until__year": "2026", "paid_until__month": "2"})
    links = _hierarchy_links(response)
    assert links[0] == "?paid_until__year=2026"
    assert len(links[1:]) == 28
    assert links[-1] == "?paid_until__day=28&paid_until__month=2&paid_until__year=2026"
    assert [m.pk for m in response.context["cl"].result_list] == []
    response = head.get(MEMBERSHIPS, {"paid_until__year": "2026", "paid_until__month": "6"})
    assert [m.pk for m in response.context["cl"].result_list] == [memberships[3].pk]


def test_rows_of_one_year_open_on_its_months(head, people):
    MembershipFactory(person=people.agus, paid_until=dt.date(2026, 3, 31))
    MembershipFactory(person=people.wahyuni, paid_until=dt.date(2026, 11, 30))
    links = _hierarchy_links(head.get(MEMBERSHIPS))
    assert links[1:] == [f"?paid_until__month={m}&paid_until__year=2026" for m in range(1, 13)]


def test_no_dates_no_choices(head, people):
    Membership.objects.create(person=people.agus, program_id="JKK")
    assert _hierarchy_links(head.get(MEMBERSHIPS)) == []


# Filter by regency -------------------------------------------------------------------------

PERSON_REGENCY = "posts__village__district__regency"
MEMBERSHIP_REGENCY = "person__posts__village__district__regency"


def test_head_office_filters_persons_by_the_regency_of_their_posts(head, people):
    # Sri Wahyuni holds a second post in Banyumas: she is listed once.
    PostFactory(village_id="33.02.03.2001", person=people.wahyuni, code="PENGURUS_LKD")
    assert _rows(head, PERSONS, **{PERSON_REGENCY: "33.02"}) == [people.agus, people.wahyuni]
    assert _rows(head, PERSONS) == [people.agus, people.tuban, people.wahyuni]  # newest first
    assert _rows(head, PERSONS, **{PERSON_REGENCY: "35.23"}) == [people.tuban]
    assert _rows(head, PERSONS, **{PERSON_REGENCY: "36.04"}) == []


def test_head_office_filters_memberships_by_the_regency_of_their_holders(head, memberships):
    PostFactory(village_id="33.02.03.2001", person=memberships[0].person, code="PENGURUS_LKD")
    # Filtered by an area, the list keeps the model's order (by name), as a scoped user's does.
    assert _rows(head, MEMBERSHIPS, **{MEMBERSHIP_REGENCY: "33.02"}) == [
        memberships[2],
        memberships[3],
        memberships[0],
    ]
    assert _rows(head, MEMBERSHIPS, **{MEMBERSHIP_REGENCY: "35.23"}) == [memberships[1]]


@pytest.mark.parametrize(
    "url,parameter", [(PERSONS, PERSON_REGENCY), (MEMBERSHIPS, MEMBERSHIP_REGENCY)]
)
def test_a_manager_filtering_by_a_regency_outside_their_scope_gets_404(
    manager, memberships, url, parameter
):
    assert manager.get(url, {parameter: "35.23"}).status_code == 404
    assert manager.get(url, {parameter: "33.02"}).status_code == 200


def test_the_regency_filter_counts_exactly(head, memberships):
    response = head.get(MEMBERSHIPS, {MEMBERSHIP_REGENCY: "33.02"})
    assert response.context["cl"].paginator.estimated is False
    assert response.context["cl"].result_count == 3
