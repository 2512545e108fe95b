"""Shared for the campaign tests: English labels, helpers to name areas, and for the
registrations import a file builder, the agents of Banyumas and Tuban, stored registrations
and a Banyumas branch officer."""

import csv
import datetime as dt
import io

import pytest
from django.utils import translation

from tests.factories import BranchOfficeFactory, PerisaiAgentFactory, RegistrationFactory
from villages.models import Regency
from villages.roles import user_role_set
from villages.selectors import Area, area_get

KARANGLEWAS = "33.02.03.2003"  # Kec. Jatilawang, Banyumas
GUNUNGWETAN = "33.02.03.2001"  # Kec. Jatilawang, Banyumas
KARANGLO = "35.23.08.2016"  # Kec. Kerek, Tuban


def known_area(code: str) -> Area:
    area = area_get(code=code)
    assert area is not None, f"no area {code!r} in the test database"
    return area


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- The registrations import ----------------------------------------------------------------

TODAY = dt.date(2024, 5, 1)
HEADER = ["tanggal", "kode_desa", "kanal", "jumlah", "kode_agen", "iuran"]


def csv_bytes(rows, header=HEADER, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def row(
    tanggal="24/04/2024", kode_desa=KARANGLEWAS, kanal="MANDIRI", jumlah="15", kode_agen="",
    iuran="",
) -> list[str]:  # fmt: skip
    return [tanggal, kode_desa, kanal, jumlah, kode_agen, iuran]


def stored_registration(**values):
    """A stored registration of Karanglewas on 24/04/2024 (the day `row` gives), MANDIRI, 15
    residents, no contributions, unless `values` say otherwise."""
    defaults = {"date": dt.date(2024, 4, 24), "village_id": KARANGLEWAS, "channel": "MANDIRI",
                "count": 15, "contributions": 0}  # fmt: skip
    return RegistrationFactory(**{**defaults, **values})


@pytest.fixture
def agents(db):
    """PRS-3302-001 serves Karanglewas from 2024; PRS-3523-001 is Tuban's."""
    banyumas = PerisaiAgentFactory(
        code="PRS-3302-001", regency_id="33.02", active_from=dt.date(2024, 1, 1)
    )
    banyumas.villages.set([KARANGLEWAS])
    tuban = PerisaiAgentFactory(code="PRS-3523-001", regency_id="35.23")
    tuban.villages.set([KARANGLO])
    return {"banyumas": banyumas, "tuban": tuban}


@pytest.fixture
def staff_user(db):
    """A Banyumas branch officer (KC Purwokerto)."""
    BranchOfficeFactory(name="Purwokerto").regencies.set(Regency.objects.filter(code="33.02"))
    return user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user
