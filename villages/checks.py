"""The data version's triggers: installed after every migrate, and checked."""

from __future__ import annotations

from django.core import checks
from django.db import connections, router

from villages import data_version


def _ready(using: str) -> bool:
    """Whether `using` is migrated here and holds the version's table."""
    if not router.allow_migrate(using, "villages"):
        return False
    return "villages_dataversion" in connections[using].introspection.table_names()


def install_data_version(sender, using: str = "default", **kwargs) -> None:
    """post_migrate: the version row and the trigger on every watched table (new ones too)."""
    if _ready(using):
        data_version.install(using)


def data_version_triggers(databases=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check --database default`: every watched table carries the trigger."""
    problems: list[checks.CheckMessage] = []
    for using in databases or []:
        if not _ready(using):
            continue
        lacking = data_version.missing(using)
        if lacking:
            problems.append(
                checks.Warning(
                    f"Tables without the data version's trigger: {', '.join(lacking)}.",
                    hint="Run manage.py migrate: it installs the triggers after migrating.",
                    id="villages.W001",
                )
            )
    return problems
