"""Campaign migration 0005 and villages 0010: the Perisai agent named on a village becomes an
agent of the registry (nothing lost), and back."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from villages import data_version

BEFORE = [("villages", "0009_district_target"), ("campaign", "0004_role_permissions")]
AFTER = [("villages", "0010_remove_perisai_agent_fields")]
# Villages of a made-up regency 99.01 and one of 99.02, so no loaded region is needed.
NAMED = {
    "99.01.01.2002": ("Siti Mukaromah", dt.date(2018, 9, 3)),
    "99.01.01.2001": ("  Waluyo ", None),
    "99.02.01.2001": ("Ani", dt.date(2024, 4, 24)),
}


def _apps(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _regions(apps) -> None:
    Province = apps.get_model("villages", "Province")
    Regency = apps.get_model("villages", "Regency")
    District = apps.get_model("villages", "District")
    Village = apps.get_model("villages", "Village")
    province = Province.objects.create(code="99", name="Uji")
    for regency_code in ("99.01", "99.02"):
        regency = Regency.objects.create(code=regency_code, name=regency_code, province=province)
        district = District.objects.create(code=f"{regency_code}.01", name="K", regency=regency)
        for n in (1, 2, 3):
            code = f"{district.code}.200{n}"
            name, since = NAMED.get(code, ("", None))
            Village.objects.create(
                code=code,
                name=f"Desa {code}",
                kind="desa",
                district=district,
                perisai_agent_name=name,
                perisai_agent_since=since,
            )


@pytest.mark.django_db(transaction=True)
def test_the_agent_fields_move_into_the_registry_and_back():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        old = _apps(BEFORE)
        _regions(old)
        new = _apps(AFTER)
        Agent = new.get_model("campaign", "PerisaiAgent")
        agents = [
            (a.code, a.name, a.regency_id, a.active_from, a.active_until, a.active,
             [v.code for v in a.villages.all()])
            for a in Agent.objects.order_by("code")
        ]  # fmt: skip
        assert agents == [
            ("PRS-9901-001", "Waluyo", "99.01", dt.date(2000, 1, 1), None, True, ["99.01.01.2001"]),
            ("PRS-9901-002", "Siti Mukaromah", "99.01", dt.date(2018, 9, 3), None, True,
             ["99.01.01.2002"]),
            ("PRS-9902-001", "Ani", "99.02", dt.date(2024, 4, 24), None, True, ["99.02.01.2001"]),
        ]  # fmt: skip
        History = new.get_model("campaign", "HistoricalPerisaiAgent")
        assert History.objects.filter(history_type="+").count() == 3

        back = _apps(BEFORE)
        Village = back.get_model("villages", "Village")
        restored = dict(
            Village.objects.exclude(perisai_agent_name="").values_list("code", "perisai_agent_name")
        )
        assert restored == {
            "99.01.01.2002": "Siti Mukaromah",
            "99.01.01.2001": "Waluyo",
            "99.02.01.2001": "Ani",
        }
        since = dict(
            Village.objects.filter(code__in=NAMED).values_list("code", "perisai_agent_since")
        )
        assert since == {code: day for code, (_name, day) in NAMED.items()}
        assert back.get_model("campaign", "PerisaiAgent").objects.count() == 0
        assert back.get_model("campaign", "HistoricalPerisaiAgent").objects.count() == 0
    finally:
        MigrationExecutor(connection).migrate(latest)
        # As `migrate` does after migrating (post_migrate): villages 0011 going back took the
        # data version's triggers off every table.
        data_version.install()
    assert data_version.missing() == []
