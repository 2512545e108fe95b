"""The roster import has no phone column (its format is a contract): it keeps a stored
person's phone, in the person and in the history row it writes, and gives new persons none."""

import pytest

from enrollment.imports.engine import roster_import
from tests.factories import BranchOfficeFactory, PersonFactory
from tests.fixtures.roster.build import csv_bytes, nik, row
from villages.models import Person, Regency
from villages.roles import user_role_set


@pytest.fixture
def branch_staff(db):
    branch = BranchOfficeFactory(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    return user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user


def test_an_import_keeps_the_phone_of_a_person_it_updates(branch_staff):
    person = PersonFactory(nik=nik(1), name="Nama Lama", phone="081234567890")
    rows = [row(), row(nik=nik(2), nama="Warga Dua", jabatan="KASI")]
    result = roster_import(data=csv_bytes(rows), file_name="roster.csv", user=branch_staff)
    assert result.written is True, result.plan.errors
    assert dict(Person.objects.values_list("name", "phone")) == {
        "Warga Satu": "081234567890",
        "Warga Dua": "",
    }
    assert [(h.name, h.phone) for h in person.history.order_by("history_id")] == [
        ("Nama Lama", "081234567890"),
        ("Warga Satu", "081234567890"),
    ]
    assert Person.objects.get(nik=nik(2)).history.get().phone == ""
