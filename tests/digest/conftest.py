"""Shared for the weekly mail's tests: a work list in two regencies, and its recipients.

The week of Monday 16/11/2026, sent afterwards: the lists are of its Sunday, 22/11/2026
(lapsing: paid through at most 22/12/2026; in arrears: ended on or after 22/08/2026), the
day of the work list's own tests (tests/enrollment/test_work_list.py):
- Karanglewas (33.02.03.2003): Sutrisno, Kaur Keuangan, paid to 10/12/2026: lapsing; Romini,
  Anggota BPD, paid to 31/10/2026: in arrears; the Kepala Desa, paid to 31/12/2026: not listed.
- Gunungwetan (33.02.03.2001): Paijo, Kepala Dusun and Linmas, JKK to 15/12/2026 and JKM to
  31/12/2027: lapsing; Tukiyem, Ketua RT, paid to 31/01/2026: ended.
- Karanglo (35.23.08.2016, Tuban): Warsito, Kaur, paid to 01/12/2026: lapsing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from tests.factories import BranchOfficeFactory, PersonFactory, PostFactory, covered
from villages.models import Regency
from villages.roles import user_role_set

WEEK = dt.date(2026, 11, 16)
KARANGLEWAS, GUNUNGWETAN, PEKUNCEN = "33.02.03.2003", "33.02.03.2001", "33.02.03.2002"
KARANGLO = "35.23.08.2016"


@pytest.fixture
def work(db) -> None:
    kades = PostFactory(code="KEPALA_DESA", village_id=KARANGLEWAS, person__name="Sugeng Riyadi")
    covered(kades.person)
    sutrisno = PersonFactory(name="Sutrisno", phone="081234567890")
    PostFactory(person=sutrisno, village_id=KARANGLEWAS, code="KAUR", unit="Keuangan")
    covered(sutrisno, until=dt.date(2026, 12, 10))
    romini = PersonFactory(name="Romini", sex="P")
    PostFactory(person=romini, village_id=KARANGLEWAS, code="ANGGOTA_BPD")
    covered(romini, until=dt.date(2026, 10, 31))
    paijo = PersonFactory(name="Paijo", phone="085712345678")
    PostFactory(person=paijo, village_id=GUNUNGWETAN, code="KEPALA_DUSUN", unit="Dusun Krajan")
    PostFactory(person=paijo, village_id=GUNUNGWETAN, code="LINMAS")
    covered(paijo, until=dt.date(2026, 12, 15), programs=("JKK",))
    covered(paijo, until=dt.date(2027, 12, 31), programs=("JKM",))
    tukiyem = PersonFactory(name="Tukiyem", sex="P")
    PostFactory(person=tukiyem, village_id=GUNUNGWETAN, code="KETUA_RT", unit="RT 001 / RW 001")
    covered(tukiyem, until=dt.date(2026, 1, 31))
    warsito = PersonFactory(name="Warsito", district_code="35.23.08", phone="081311112222")
    PostFactory(person=warsito, village_id=KARANGLO, code="KAUR")
    covered(warsito, until=dt.date(2026, 12, 1))


def branch_staff(username: str, email: str, *, branch: str = "Purwokerto", regency="33.02"):
    office = BranchOfficeFactory.create(name=branch)
    office.regencies.set(Regency.objects.filter(code=regency))
    user = user_role_set(username=username, kind="branch_staff", branch_name=branch).user
    User.objects.filter(pk=user.pk).update(email=email)
    user.refresh_from_db()
    return user


def secretary(username: str, email: str, village: str = KARANGLEWAS) -> User:
    user = user_role_set(username=username, kind="village_secretary", area_codes=[village]).user
    User.objects.filter(pk=user.pk).update(email=email)
    user.refresh_from_db()
    return user


@pytest.fixture
def people(work) -> dict[str, User]:
    """Everyone the sending looks at: two who receive, one each way who does not."""
    return {
        "staf": branch_staff("staf", "staf@kc-purwokerto.example"),
        "sekdes": secretary("sekdes", "sekdes@karanglewas.example"),
        "staf.tuban": branch_staff(
            "staf.tuban", "staf@kc-tuban.example", branch="Tuban", regency="35.23"
        ),
        "sekdes.pekuncen": secretary("sekdes.pekuncen", "sekdes@pekuncen.example", PEKUNCEN),
        "sekdes.tanpa": secretary("sekdes.tanpa", "", GUNUNGWETAN),
        "manajer": _with_email(
            user_role_set(username="manajer", kind="manager", area_codes=["33.02"]).user,
            "manajer@banyumas.example",
        ),
        "pusat": _with_email(
            user_role_set(username="pusat", kind="head_office").user, "pusat@bpjs.example"
        ),
    }


def _with_email(user: User, email: str) -> User:
    User.objects.filter(pk=user.pk).update(email=email)
    user.refresh_from_db()
    return user
