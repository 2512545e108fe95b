"""Shared for the finance tests: English messages (the msgids), the users of each role with
Banyumas (33.02) as the scoped roles' area, and CSV files."""

from typing import Any

import pytest
from django.utils import translation

from tests.factories import BranchOfficeFactory, UserFactory
from villages.models import Regency
from villages.roles import user_role_set

HEADER = "tahun,kode_wilayah,kelompok,program,iuran,klaim,jumlah_klaim"


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def users(db) -> dict:
    branch = BranchOfficeFactory.create(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    kinds: dict[str, dict[str, Any]] = {
        "head_office": {},
        "regional_office": {"regional_office_name": branch.regional_office.name},
        "branch_staff": {"branch_name": "Purwokerto"},
        "manager": {"area_codes": ["33.02"]},
        "village_secretary": {"area_codes": ["33.02.03.2003"]},
        "province_manager": {"area_codes": ["33"]},
    }
    found = {}
    for name, kw in kinds.items():
        kind = "manager" if name == "province_manager" else name
        found[name] = user_role_set(username=name, kind=kind, **kw).user
    found["superuser"] = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    found["no_role"] = UserFactory.create(username="warga", is_staff=True)
    return found
