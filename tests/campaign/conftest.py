"""Personas for the campaign's admin (from tests/admin) and a place for uploaded files."""

import pytest

from tests.admin.conftest import (  # noqa: F401 - fixtures
    banyumas_manager,
    banyumas_staff,
    district_manager,
    english,
    head_office,
    purwokerto,
    root,
)

KARANGLEWAS = "33.02.03.2003"  # Kec. Kedungbanteng, Banyumas: Purwokerto's
GUNUNGWETAN = "33.02.03.2001"
CIRAHAB = "33.02.01.2001"  # Kec. Lumbir, Banyumas
KARANGLO = "35.23.08.2016"  # Kec. Kerek, Tuban: outside Purwokerto's scope


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
