from villages.routers import PrimaryReplicaRouter, read_db


def test_reads_stay_on_the_primary_without_a_replica(settings):
    assert "replica" not in settings.DATABASES
    assert read_db() == "default"


def test_dashboards_read_from_the_replica_when_there_is_one(settings, monkeypatch):
    monkeypatch.setitem(settings.DATABASES, "replica", settings.DATABASES["default"])
    assert read_db() == "replica"


def test_writes_and_migrations_go_to_the_primary():
    router = PrimaryReplicaRouter()
    assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) is None
    assert router.allow_migrate("default", "enrollment") is True
    assert router.allow_migrate("replica", "enrollment") is False
