"""Shared for the campaign tests: English labels, helpers to name areas, the admin's personas
(from tests/admin) and a place for uploaded files."""

import pytest
from django.utils import translation

from tests.admin.conftest import (  # noqa: F401 - fixtures
    banyumas_manager,
    banyumas_staff,
    district_manager,
    head_office,
    purwokerto,
    root,
)
from villages.selectors import Area, area_get

KARANGLEWAS = "33.02.03.2003"  # Kec. Jatilawang, Banyumas
GUNUNGWETAN = "33.02.03.2001"  # Kec. Jatilawang, Banyumas
CIRAHAB = "33.02.01.2001"  # Kec. Lumbir, Banyumas
KARANGLO = "35.23.08.2016"  # Kec. Kerek, Tuban


def known_area(code: str) -> Area:
    area = area_get(code=code)
    assert area is not None, f"no area {code!r} in the test database"
    return area


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
