"""The data version (villages.data_version): every table the pages read carries its trigger,
installed by migrate; every committed write moves the version, and nothing else does.

SQLite moves it once per row written; PostgreSQL once per transaction, at its commit. The
PostgreSQL writes here commit on a connection of their own (a thread), outside the test's
transaction, and are undone the same way.
"""

from __future__ import annotations

import threading

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.checks import Tags, run_checks
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, transaction
from django.db.models import F

from villages import data_version
from villages.models import AccessLog, BranchOffice, DataChange, Province, Regency, RegionalOffice

POSTGRES = connection.vendor == "postgresql"
APPS = ("villages", "enrollment", "campaign", "finance")


def elsewhere(function):
    """Run `function` in a transaction of its own connection (a thread), committed."""
    outcome: dict = {}

    def run():
        try:
            with transaction.atomic():
                outcome["value"] = function()
        except BaseException as error:  # handed to the caller
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def number() -> int:
    version = data_version.current()
    assert version is not None
    return int(version.split(".")[1])


def moved_by(write) -> int:
    """How far `write` moves the version this connection reads."""
    before = number()
    if POSTGRES:
        elsewhere(write)
    else:
        write()
    return number() - before


def _tables_with_trigger() -> set[str]:
    with connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'villages_data_changed' AND t.tgenabled = 'A' "
                "AND t.tgtype = 60"
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'villages_data_changed_%' GROUP BY tbl_name HAVING count(*) = 3"
        )
        return {row[0] for row in cursor.fetchall()}


# --- Every table ---------------------------------------------------------------------------


def test_every_table_of_the_apps_the_pages_read_carries_the_trigger(db):
    tables = {
        model._meta.db_table
        for label in APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }
    unwatched = {
        "villages_dataversion",
        "villages_datachange",
        "villages_accesslog",
        "enrollment_importrecord",
        "finance_financeimport",
    }
    assert set(data_version.UNWATCHED) == unwatched
    assert _tables_with_trigger() == tables - unwatched
    assert data_version.missing() == []


def test_a_table_that_lost_its_trigger_is_reported_and_migrate_puts_it_back(db):
    with connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute("DROP TRIGGER villages_data_changed ON villages_province")
        else:
            cursor.execute("DROP TRIGGER villages_data_changed_villages_province_update")
    assert data_version.missing() == ["villages_province"]
    warnings = run_checks(tags=[Tags.database], databases=["default"])
    assert [(w.id, w.msg) for w in warnings if w.id.startswith("villages.")] == [
        ("villages.W001", "Tables without the data version's trigger: villages_province.")
    ]
    emit_post_migrate_signal(0, False, "default")
    assert data_version.missing() == []
    assert "villages_province" in _tables_with_trigger()


# --- Writes move it ------------------------------------------------------------------------


def _insert():
    Province.objects.create(code="97", name="Uji")


def _bulk_insert():
    Province.objects.bulk_create([Province(code=f"9{n}", name="Uji") for n in range(3)])


def _update():
    Province.objects.filter(code__in=["33", "35", "36"]).update(name=F("name"))


def _insert_and_delete():
    _insert()
    Province.objects.filter(code="97").delete()


def _raw_sql():
    with connection.cursor() as cursor:
        cursor.execute("UPDATE villages_regency SET name = name WHERE code LIKE '36.%%'")


def _many_to_many():
    office = BranchOffice.objects.create(
        name="Uji", regional_office=RegionalOffice.objects.create(name="Uji")
    )
    office.regencies.add("33.02", "33.03")


def _undo():
    BranchOffice.objects.filter(name="Uji").delete()
    RegionalOffice.objects.filter(name="Uji").delete()
    Province.objects.filter(code__startswith="9").delete()


# SQLite: one per row (Banten has 8 regencies); PostgreSQL: one per committed transaction.
WRITES = {
    "insert": (_insert, 1),
    "bulk insert": (_bulk_insert, 3),
    "update": (_update, 3),
    "insert, then delete": (_insert_and_delete, 2),
    "raw SQL": (_raw_sql, 8),
    "many-to-many": (_many_to_many, 4),
}


@pytest.mark.parametrize("name", WRITES)
def test_a_write_moves_the_version(db, name):
    write, rows = WRITES[name]
    try:
        assert moved_by(write) == (1 if POSTGRES else rows)
    finally:
        if POSTGRES:
            elsewhere(_undo)
    assert Regency.objects.filter(code__startswith="36.").count() == 8


def test_the_access_log_and_reads_leave_it_where_it_is(db):
    make = lambda: User.objects.create(username="pembaca")  # noqa: E731
    user = elsewhere(make) if POSTGRES else make()

    def log_and_read():
        AccessLog.objects.create(user=user, action=AccessLog.Action.EXPORT, area_code="33")
        list(Province.objects.all())

    try:
        assert moved_by(log_and_read) == 0
    finally:
        if POSTGRES:
            elsewhere(lambda: (AccessLog.objects.filter(user=user).delete(), user.delete()))


def test_within_a_transaction_each_write_moves_the_version_its_connection_sees(db):
    with transaction.atomic():
        before = data_version.current()
        _update()
        once = data_version.current()
        _update()
        assert len({before, once, data_version.current()}) == 3


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL: TRUNCATE, replication role, commits")
class TestOnPostgres:
    def test_a_truncate_moves_it(self, db):
        def truncate():
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE finance_financerecord")

        assert moved_by(truncate) == 1

    def test_a_bulk_load_with_triggers_off_moves_it(self, db):
        def replica():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            _update()

        assert moved_by(replica) == 1

    def test_it_moves_at_commit_and_not_before(self, db):
        written, go_on = threading.Event(), threading.Event()

        def write():
            _update()
            written.set()
            assert go_on.wait(10)

        before = number()
        thread = threading.Thread(target=elsewhere, args=(write,))
        thread.start()
        try:
            assert written.wait(10)
            assert number() == before  # written, not committed: nobody else sees it
        finally:
            go_on.set()
            thread.join()
        assert number() == before + 1

    def test_writers_never_wait_for_one_another_on_it(self, db):
        """One writer stays open; another commits a write to other rows meanwhile, without
        waiting for any lock (lock_timeout would refuse it)."""
        written, go_on = threading.Event(), threading.Event()

        def hold():
            _update()
            written.set()
            assert go_on.wait(10)

        def other():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            _raw_sql()

        before = number()
        thread = threading.Thread(target=elsewhere, args=(hold,))
        thread.start()
        try:
            assert written.wait(10)
            elsewhere(other)
            assert number() == before + 1  # the other's commit, while the first is open
        finally:
            go_on.set()
            thread.join()
        assert number() == before + 2

    def test_a_rolled_back_write_leaves_it(self, db):
        def write_and_fail():
            _update()
            raise RuntimeError("rolled back")

        before = number()
        with pytest.raises(RuntimeError):
            elsewhere(write_and_fail)
        assert number() == before

    def test_folding_keeps_the_version(self, db):
        elsewhere(_update)
        elsewhere(_update)
        before = number()
        data_version.fold()
        assert DataChange.objects.count() == 0
        assert number() == before
