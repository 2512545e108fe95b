import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages and labels are asserted in English; the interface defaults to Indonesian."""
    with translation.override("en"):
        yield
