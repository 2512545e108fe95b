"""What a logged-in user is sent carries names and identifiers: no browser or proxy may keep
it (Cache-Control: private, no-store)."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from enrollment.models import ImportRecord
from tests.factories import PostFactory, UserFactory
from tests.fixtures.roster.build import EXAMPLE
from villages.roles import user_role_set

KARANGLEWAS = "33.02.03.2003"


@pytest.fixture
def manager(db):
    PostFactory(code="KEPALA_DESA", village_id=KARANGLEWAS)
    return user_role_set(username="manajer", kind="manager", area_codes=["33.02"]).user


@pytest.fixture
def logged_in(client, manager):
    client.force_login(manager)
    return client


@pytest.mark.parametrize(
    "name,args",
    [
        ("enrollment:area_dashboard", ["33.02"]),
        ("enrollment:area_export", ["33.02", "children", "csv"]),
        ("enrollment:village", [KARANGLEWAS]),
        ("enrollment:village_export", [KARANGLEWAS, "csv"]),
        ("enrollment:village_export", [KARANGLEWAS, "xlsx"]),
        ("api:coverage_area", [KARANGLEWAS]),
    ],
)
def test_pages_exports_and_the_api_are_not_cached(logged_in, name, args):
    response = logged_in.get(reverse(name, args=args))
    assert (response.status_code, response["Cache-Control"]) == (200, "private, no-store")


def test_an_api_response_to_a_token_is_not_cached(manager):
    token = Token.objects.create(user=manager)
    response = Client().get(
        reverse("api:coverage_area", args=[KARANGLEWAS]), HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert (response.status_code, response["Cache-Control"]) == (200, "private, no-store")


def test_admin_pages_are_not_cached(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for url in (reverse("admin:index"), reverse("admin:villages_person_changelist")):
        directives = set(client.get(url)["Cache-Control"].split(", "))
        assert {"private", "no-store"} <= directives


def test_an_import_report_is_not_cached(client, db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    upload = io.BytesIO(EXAMPLE.read_bytes())
    upload.name = "roster.csv"
    client.post(reverse("admin:enrollment_importrecord_upload"), {"file": upload})
    record = ImportRecord.objects.get(user=user)
    response = client.get(reverse("admin:enrollment_importrecord_report", args=[record.pk]))
    assert response.status_code == 200
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))


def test_an_anonymous_users_response_outside_the_admin_is_left_alone(client, db):
    response = client.get(reverse("api:coverage"))
    assert response.status_code == 401
    assert not response.has_header("Cache-Control")
