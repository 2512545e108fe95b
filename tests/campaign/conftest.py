"""Shared for the campaign tests: English labels, and helpers to name areas."""

import pytest
from django.utils import translation

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
