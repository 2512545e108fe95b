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
