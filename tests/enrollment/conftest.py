"""Shared for the coverage tests: English labels, and a small district with known figures.

Kec. Jatilawang (33.02.03) has 11 villages; two get rosters:
- Karanglewas (33.02.03.2003): Kepala Desa covered (JKK+JKM paid to 2026-12-31),
  Sekretaris Desa with JKK only, a Kaur lapsing soon (paid to 2026-12-10), a BPD member in
  arrears (paid to 2026-10-31), and an ended Kaur (term ended 2025) who is not counted.
- Gunungwetan (33.02.03.2001): Kepala Desa covered who is also Pengurus LKD (two posts).
"""

import datetime as dt

import pytest
from django.utils import translation

from tests.factories import PersonFactory, PostFactory, covered
from villages.roles import user_role_set
from villages.selectors import Area, area_get

KARANGLEWAS = "33.02.03.2003"
GUNUNGWETAN = "33.02.03.2001"


def known_area(code: str) -> Area:
    """The area with this code, which the test database must hold."""
    area = area_get(code=code)
    assert area is not None, f"no area {code!r} in the test database"
    return area


@pytest.fixture(autouse=True)
def english():
    """Labels and details are asserted in English; the interface defaults to Indonesian."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff(db):
    """A head-office user: every area, identifiers masked."""
    return user_role_set(
        username="staf.cabang", kind="head_office", password="kata-sandi-uji-123"
    ).user


@pytest.fixture
def staff_client(client, staff):
    """Logged in as staff, asking for English pages (the default language is Indonesian)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(staff)
    return client


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def district(db):
    kades = PostFactory(
        code="KEPALA_DESA", village_id=KARANGLEWAS, person=PersonFactory(name="Sugeng Riyadi")
    )
    covered(kades.person)
    sekdes = PostFactory(
        code="SEKRETARIS_DESA",
        village_id=KARANGLEWAS,
        person=PersonFactory(name="Sri Hartuti", sex="P"),
    )
    covered(sekdes.person, programs=("JKK",))
    kaur = PostFactory(
        code="KAUR", village_id=KARANGLEWAS, unit="Keuangan", person=PersonFactory(name="Sutrisno")
    )
    covered(kaur.person, until=dt.date(2026, 12, 10))
    bpd = PostFactory(
        code="ANGGOTA_BPD", village_id=KARANGLEWAS, person=PersonFactory(name="Romini")
    )
    covered(bpd.person, until=dt.date(2026, 10, 31))
    PostFactory(
        code="KAUR",
        village_id=KARANGLEWAS,
        term_start=dt.date(2019, 1, 1),
        term_end=dt.date(2025, 1, 1),
    )
    other = PostFactory(
        code="KEPALA_DESA", village_id=GUNUNGWETAN, person=PersonFactory(name="Tarsono")
    )
    covered(other.person)
    PostFactory(code="PENGURUS_LKD", village_id=GUNUNGWETAN, person=other.person)
    return {"kades": kades, "sekdes": sekdes, "kaur": kaur, "bpd": bpd, "other": other}


# The Desa Sadar ladder (tests/enrollment/test_desa_sadar_*.py): three more villages of
# Jatilawang with 3, 3 and 11 perangkat posts, further and further from passing.
PEKUNCEN, KARANGANYAR, MARGASANA = "33.02.03.2002", "33.02.03.2004", "33.02.03.2005"


def officials_in(code: str, posts: int, covered_posts: int) -> None:
    """`posts` Kaur posts in the village, the first `covered_posts` of them covered."""
    for i in range(posts):
        post = PostFactory(code="KAUR", village_id=code)
        if i < covered_posts:
            covered(post.person)


@pytest.fixture
def ladder(district):
    """Pekuncen 2 of 11 covered, Karanganyar 1 of 3, Margasana 0 of 3 (declared in 2025)."""
    from enrollment.models import Declaration

    officials_in(PEKUNCEN, 11, 2)
    officials_in(KARANGANYAR, 3, 1)
    officials_in(MARGASANA, 3, 0)
    Declaration.objects.create(
        village_id=MARGASANA, declared_on=dt.date(2025, 8, 17), declared_by="Kepala KC"
    )
