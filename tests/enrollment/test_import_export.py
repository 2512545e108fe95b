"""The roster export in the import format: export → import changes nothing; identifiers are
masked without the permission, and a masked file still imports without change."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation
from openpyxl import load_workbook

from enrollment.imports.engine import roster_import
from enrollment.imports.export import roster_csv, roster_rows, roster_xlsx
from enrollment.models import Membership
from tests.factories import BranchOfficeFactory, MembershipFactory, PostFactory, UserFactory
from tests.fixtures.roster.build import EXAMPLE, KEDIRI, TUBAN_VILLAGE
from villages.models import Person, Regency
from villages.roles import user_role_set

from .conftest import known_area

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def example(db):
    roster_import(data=EXAMPLE.read_bytes(), file_name="roster.csv")


def export_csv(code: str, user=None) -> bytes:
    return b"".join(roster_csv(roster_rows(area=known_area(code), user=user)))


def reimport(data: bytes, name: str = "ekspor.csv", user=None):
    result = roster_import(data=data, file_name=name, user=user)
    assert result.plan is not None, result.refused
    c = result.plan.counts
    return (c.created, c.updated, c.unchanged, c.invalid)


def test_the_export_is_the_import_format(example):
    lines = export_csv("33.02.18").decode("utf-8-sig").splitlines()

    assert lines[0] == (
        "kode_desa,nik,nama,jenis_kelamin,jabatan,unit,mulai_menjabat,akhir_menjabat,nomor_kpj,"
        "kategori_peserta,program,tanggal_daftar,iuran_sampai,sumber_iuran"
    )
    assert sorted(lines[1:]) == [
        "33.02.18.2001,3302181010700003,Warsito,L,Ketua RT,RT 003 / RW 001,2022-01-01,,,BPU,"
        "JKK JKM,2024-04-24,2026-10-31,APBD",
        "33.02.18.2001,3302181204780001,Sugeng Riyadi,L,Kepala Desa,,2022-02-01,2028-02-01,"
        "18012345678,PU,JKK JKM JHT,2020-03-01,2026-12-31,APBDES",
        "33.02.18.2001,3302184203750004,Romini,P,Anggota BPD,,2019-09-11,,,,,,,",
        "33.02.18.2001,3302185507850002,Sri Hartuti,P,Sekretaris Desa,,2019-06-10,,18012345679,"
        "PU,JKK JKM,2019-06-10,2026-12-31,APBDES",
    ]


def test_export_then_import_changes_nothing(example):
    assert reimport(export_csv(KEDIRI)) == (0, 0, 4, 0)


def test_an_xlsx_export_keeps_identifiers_as_text_and_dates_as_dates(example):
    rows = roster_rows(area=known_area(KEDIRI), user=None)
    sheet = load_workbook(io.BytesIO(roster_xlsx(rows))).active

    row = next(r for r in sheet.iter_rows(min_row=2) if r[2].value == "Sugeng Riyadi")
    assert (row[1].value, row[1].number_format) == ("3302181204780001", "@")
    assert (row[6].value, row[6].number_format) == (dt.datetime(2022, 2, 1), "DD/MM/YYYY")
    sheet_bytes = roster_xlsx(roster_rows(area=known_area(KEDIRI), user=None))
    assert reimport(sheet_bytes, "ekspor.xlsx") == (0, 0, 4, 0)


def test_programs_with_other_values_are_left_out_and_kept_on_import(example):
    sugeng = Person.objects.get(name="Sugeng Riyadi")
    Membership.objects.filter(person=sugeng, program_id="JHT").update(
        paid_until=dt.date(2025, 1, 31)
    )

    line = next(x for x in export_csv(KEDIRI).decode().splitlines() if "Sugeng" in x)
    assert ",JKK JKM," in line
    result = roster_import(data=export_csv(KEDIRI), file_name="ekspor.csv")

    assert (result.plan.counts.updated, result.plan.counts.unchanged) == (0, 4)
    assert [w.message[:34] for w in result.plan.warnings] == ["The row does not list JHT, which t"]
    assert Membership.objects.get(person=sugeng, program_id="JHT").paid_until == dt.date(
        2025, 1, 31
    )


@pytest.fixture
def masked_user(db):
    BranchOfficeFactory(name="Purwokerto").regencies.set(Regency.objects.filter(code="33.02"))
    user = user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user
    user.groups.clear()
    user.user_permissions.add(Permission.objects.get(codename="add_membership"))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


def test_a_masked_export_imports_back_without_change(example, masked_user):
    data = export_csv(KEDIRI, user=masked_user)
    assert b"330218******0001" in data and b"3302181204780001" not in data
    assert b"*******5678" in data and b"18012345678" not in data

    assert reimport(data, user=masked_user) == (0, 0, 4, 0)
    assert Person.objects.filter(nik__contains="*").count() == 0
    assert Membership.objects.filter(kpj_number__contains="*").count() == 0


def test_the_export_keeps_to_current_posts_in_the_users_area(example, masked_user):
    PostFactory(village_id=KEDIRI, term_start=dt.date(2016, 1, 1), term_end=dt.date(2020, 12, 31))
    MembershipFactory(person=PostFactory(village_id=TUBAN_VILLAGE).person)

    assert len(export_csv("33", user=masked_user).splitlines()) == 1 + 4
    assert len(export_csv("33.02.18").splitlines()) == 1 + 4
    assert len(list(roster_rows(area=known_area("35.23"), user=masked_user))) == 0
    assert len(list(roster_rows(area=known_area("35.23"), user=UserFactory()))) == 0
