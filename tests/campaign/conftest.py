"""Shared by the registrations import tests: English messages, a file builder, the agents of
Banyumas and Tuban, and a Banyumas branch officer."""

import csv
import datetime as dt
import io

import pytest
from django.utils import translation

from tests.factories import BranchOfficeFactory, PerisaiAgentFactory
from villages.models import Regency
from villages.roles import user_role_set

KARANGLEWAS = "33.02.03.2003"  # Banyumas
GUNUNGWETAN = "33.02.03.2001"  # Banyumas
KARANGLO = "35.23.08.2016"  # Tuban
TODAY = dt.date(2024, 5, 1)
HEADER = ["tanggal", "kode_desa", "kanal", "jumlah", "kode_agen", "iuran"]


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the msgids; the interface itself is Indonesian."""
    with translation.override("en"):
        yield


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


@pytest.fixture
def agents(db):
    """PRS-3302-001 serves Karanglewas from 2024; PRS-3523-001 is Tuban's."""
    banyumas = PerisaiAgentFactory(code="PRS-3302-001", regency_id="33.02")
    banyumas.villages.set([KARANGLEWAS])
    tuban = PerisaiAgentFactory(code="PRS-3523-001", regency_id="35.23")
    tuban.villages.set([KARANGLO])
    return {"banyumas": banyumas, "tuban": tuban}


@pytest.fixture
def staff_user(db):
    """A Banyumas branch officer (KC Purwokerto)."""
    BranchOfficeFactory(name="Purwokerto").regencies.set(Regency.objects.filter(code="33.02"))
    return user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user
