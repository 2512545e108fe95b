import pytest
from django.core.cache import caches

from villages.services import regions_load

# Real regions for the demo provinces (Jawa Tengah, Jawa Timur, Banten), loaded once per
# test database; each test's changes roll back on top of them.
TEST_PROVINCES = ["33", "35", "36"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        regions_load(province_codes=TEST_PROVINCES)


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    """Files a test uploads (an event's photo) go to its own folder, not the project's."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with the dashboards' cache empty: a test's writes are rolled back, so
    the next test may reach the same data version with other data (which committed writes,
    outside tests, never do)."""
    caches["default"].clear()
