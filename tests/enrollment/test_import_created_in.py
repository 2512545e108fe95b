"""A person the roster import creates is entered in the village of their first row: the
staff of that area see them (villages.access.persons_q) whatever becomes of the post."""

import pytest

from enrollment.imports.engine import roster_import
from tests.factories import BranchOfficeFactory, PersonFactory
from tests.fixtures.roster.build import KEDIRI, PANGEBATAN, csv_bytes, nik, row
from villages.models import Person, Regency
from villages.roles import user_role_set


@pytest.fixture
def branch_staff(db):
    branch = BranchOfficeFactory(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    return user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user


def test_a_new_person_is_entered_in_the_village_of_their_first_row(branch_staff):
    stored = PersonFactory(nik=nik(3), name="Warga Tiga")
    rows = [
        row(nik=nik(1)),
        row(nik=nik(2), nama="Warga Dua", kode_desa=PANGEBATAN),
        row(nik=nik(1), jabatan="KASI", kode_desa=PANGEBATAN),
        row(nik=nik(3), nama="Warga Tiga"),
    ]
    result = roster_import(data=csv_bytes(rows), file_name="roster.csv", user=branch_staff)
    assert result.written is True, result.plan.errors
    assert dict(Person.objects.values_list("nik", "created_in")) == {
        nik(1): KEDIRI,
        nik(2): PANGEBATAN,
        nik(3): None,  # already stored: where they were entered is not rewritten
    }
    assert stored.history.count() == 1
    person = Person.objects.get(nik=nik(1))
    assert person.history.get().created_in == KEDIRI


def test_an_updated_person_keeps_where_they_were_entered(branch_staff):
    person = PersonFactory(nik=nik(1), name="Nama Lama", created_in="33.02")
    result = roster_import(data=csv_bytes([row()]), file_name="roster.csv", user=branch_staff)
    assert result.written is True, result.plan.errors
    person.refresh_from_db()
    assert (person.name, person.created_in) == ("Warga Satu", "33.02")
    assert [(h.name, h.created_in) for h in person.history.order_by("history_id")] == [
        ("Nama Lama", "33.02"),
        ("Warga Satu", "33.02"),
    ]
