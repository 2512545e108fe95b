"""The dashboards' cache (enrollment.page_cache): a second reader is served the data part the
first rendered, with a fixed few queries, until a write moves the data version; what the part
shows of the user is in its key.

The data is the small district of tests/enrollment/conftest.py (Kec. Jatilawang): as of
22/11/2026, Karanglewas has 4 current posts, 2 of them covered.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.template import Context, Template
from django.test import Client

from enrollment import page_cache
from enrollment.models import Membership
from tests.enrollment.conftest import KARANGLEWAS
from villages.models import AccessLog
from villages.nik import mask_nik
from villages.roles import user_role_set

Q = "?as_of=2026-11-22"
VILLAGE = f"/desa/{KARANGLEWAS}/"
PAGES = ["/", "/wilayah/33/", "/wilayah/33.02/", "/wilayah/33.02.03/", VILLAGE]
MAIN = re.compile(r'<main id="content"[^>]*>.*</main>', re.S)


def main(response) -> str:
    """The page's data part and what surrounds it inside <main> (no header, no CSRF token)."""
    found = MAIN.search(response.content.decode())
    assert found, "no <main> on the page"
    return found.group(0)


def client_for(username: str, kind: str, areas=(), full_nik: bool = False) -> Client:
    role = user_role_set(username=username, kind=kind, area_codes=list(areas))
    if full_nik:
        role.user.user_permissions.add(Permission.objects.get(codename="view_full_nik"))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(role.user)
    return client


def fragment(response) -> page_cache.Fragment:
    return response.context["fragment"]


# --- Hits and misses ---------------------------------------------------------------------


# On a hit: the session and the user (2), the user's role (1), the data version (1); below
# the country the area (1); below a province the areas above it, for the breadcrumbs (1); on
# the village page also the permission to see full identifiers (2: the user's, the groups').
HIT_QUERIES = {"/": 4, "/wilayah/33/": 5, "/wilayah/33.02/": 6, "/wilayah/33.02.03/": 6}
HIT_QUERIES[VILLAGE] = 8


@pytest.mark.parametrize("url", PAGES)
def test_a_second_reader_gets_the_same_page_from_the_cache_in_a_few_queries(
    staff_client, district, url, django_assert_num_queries
):
    first = staff_client.get(url + Q)
    assert fragment(first).hit is False
    assert "coverage" in first.context  # computed
    with django_assert_num_queries(HIT_QUERIES[url]):
        second = staff_client.get(url + Q)
    assert second.status_code == 200
    assert fragment(second).hit is True
    assert "coverage" not in second.context  # nothing computed
    assert main(second) == main(first)


def test_a_hit_is_the_page_an_uncached_rendering_shows(staff_client, district, settings):
    staff_client.get(VILLAGE + Q)
    cached = main(staff_client.get(VILLAGE + Q))
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    uncached = staff_client.get(VILLAGE + Q)
    assert fragment(uncached).hit is False
    assert main(uncached) == cached


def test_a_write_moves_the_version_and_the_next_request_shows_it(staff_client, district):
    before = staff_client.get(VILLAGE + Q)
    assert re.search(r"<dt>Covered</dt>\s*<dd>2</dd>", main(before))
    version = page_cache.versions()
    Membership.objects.filter(person=district["kades"].person).update(
        paid_until=dt.date(2026, 1, 31)
    )
    assert page_cache.versions() != version
    after = staff_client.get(VILLAGE + Q)
    assert fragment(after).hit is False
    assert re.search(r"<dt>Covered</dt>\s*<dd>1</dd>", main(after))
    assert fragment(staff_client.get(VILLAGE + Q)).hit is True


def test_each_day_and_each_order_has_its_own_entry(staff_client, district):
    staff_client.get("/wilayah/33.02/" + Q)
    assert fragment(staff_client.get("/wilayah/33.02/?as_of=2026-11-21")).hit is False
    ranked = staff_client.get("/wilayah/33.02/" + Q + "&sort=villages_enrolled")
    assert fragment(ranked).hit is False
    assert fragment(staff_client.get("/wilayah/33.02/" + Q + "&sort=other")).hit is True
    assert fragment(staff_client.get(VILLAGE + Q)).hit is False
    assert fragment(staff_client.get(VILLAGE + Q + "&status=ended")).hit is False


def test_each_language_has_its_own_entry(staff_client, district):
    english = staff_client.get("/wilayah/33.02.03/" + Q)
    indonesian = staff_client.get("/wilayah/33.02.03/" + Q, HTTP_ACCEPT_LANGUAGE="id")
    assert fragment(indonesian).hit is False
    assert "Coverage by category" in main(english)
    assert "Cakupan per kategori" in main(indonesian)


def test_an_unusable_day_is_neither_looked_up_nor_kept(staff_client, district):
    for _ in range(2):
        response = staff_client.get("/wilayah/33.02/?as_of=kemarin")
        assert fragment(response).key is None
        assert fragment(response).hit is False


def test_inside_a_transaction_of_the_application_the_cache_is_not_used(district):
    assert page_cache.versions() is not None  # the test's own transaction does not count
    with transaction.atomic():
        assert page_cache.versions() is None


# --- What the part shows of the user -----------------------------------------------------


def test_a_secretary_never_gets_the_roster_with_full_identifiers(district):
    nik = district["kades"].person.nik
    staff = client_for("staf", "manager", ["33.02"], full_nik=True)
    secretary = client_for("sekdes", "village_secretary", [KARANGLEWAS])
    shown = staff.get(VILLAGE + Q)
    assert nik in main(shown)
    masked = secretary.get(VILLAGE + Q)
    assert fragment(masked).hit is False
    assert nik not in main(masked)
    assert mask_nik(nik) in main(masked)
    assert fragment(staff.get(VILLAGE + Q)).hit is True
    assert fragment(secretary.get(VILLAGE + Q)).hit is True
    assert nik not in main(secretary.get(VILLAGE + Q))


def test_full_identifiers_served_from_the_cache_are_logged_each_time(district):
    staff = client_for("staf", "manager", ["33.02"], full_nik=True)
    for _ in range(3):
        staff.get(VILLAGE + Q)
    assert (
        list(AccessLog.objects.values_list("action", "area_code", "rows"))
        == [("full_identifiers", KARANGLEWAS, 4)] * 3
    )


def test_the_list_of_a_users_areas_is_keyed(district):
    several = client_for("kanwil", "manager", ["33.02", "35.23"])
    other = client_for("kanwil2", "manager", ["33.02", "35.23"])
    one = client_for("manajer", "manager", ["33.02"])  # roles are data: all written first
    listed = several.get("/wilayah/33.02/" + Q)
    assert "Your areas" in main(listed)
    alone = one.get("/wilayah/33.02/" + Q)
    assert fragment(alone).hit is False
    assert "Your areas" not in main(alone)
    assert fragment(other.get("/wilayah/33.02/" + Q)).hit is True


def test_the_rule_sets_link_of_staff_is_keyed(district):
    staff = client_for("pusat", "head_office")
    secretary = client_for("sekdes", "village_secretary", [KARANGLEWAS])
    assert "/admin/enrollment/ruleset/" in main(staff.get(VILLAGE + Q))
    page = secretary.get(VILLAGE + Q)
    assert fragment(page).hit is False
    assert "/admin/enrollment/ruleset/" not in main(page)


def test_the_cached_part_sees_the_viewer_and_not_the_request():
    template = Template(
        "{% load page_cache %}{{ user.username }}|{% cached_data %}"
        "{{ user.username }}|{{ user.is_staff }}|{{ request.path }}|{{ perms }}|{% csrf_token %}"
        "{% endcached_data %}"
    )
    viewer = page_cache.Viewer(is_staff=True)
    part = page_cache.Fragment(key="k", viewer=viewer)
    context = Context({"user": {"username": "budi"}, "request": {"path": "/x/"}, "fragment": part})
    context["perms"], context["csrf_token"] = "all", "secret"
    assert template.render(context) == "budi||True|||"
    assert part.html == "|True|||"
