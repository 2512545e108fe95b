"""The service's own pages: /healthz for load balancers, and 503 with Retry-After while the
database cannot be reached."""

from contextlib import contextmanager

import pytest
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from villages.roles import user_role_set

PASSWORD = "kata-sandi-uji-123"


@contextmanager
def unreachable_database():
    """The application's connection points at a database that is not there: PostgreSQL on a
    closed port, SQLite in a missing directory. Every query in the request fails to connect,
    as during a restart; the test's own connection is put back afterwards."""
    original = connections["default"]
    broken = dict(original.settings_dict)
    if original.vendor == "postgresql":
        broken.update(HOST="127.0.0.1", PORT="1")
    else:
        broken["NAME"] = "/nonexistent/bpjs-desa.sqlite3"
    connections["default"] = original.__class__(broken, alias="default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = original


@pytest.fixture
def manager(db):
    return user_role_set(username="manajer", kind="manager", area_codes=["33.02"]).user


# --- 503 while the database is unreachable ------------------------------------------------


def test_a_page_while_the_database_is_unreachable_is_a_503_with_retry_after(manager):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    with unreachable_database():
        response = client.get(reverse("enrollment:area_dashboard", args=["33.02"]))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Layanan sementara tidak tersedia" in page
    assert "Coba lagi dalam satu menit." in page


def test_an_api_call_while_the_database_is_unreachable_is_a_503(manager):
    token = Token.objects.create(user=manager)
    client = Client(raise_request_exception=False)
    with unreachable_database():
        response = client.get(
            reverse("api:coverage_area", args=["33.02"]), HTTP_AUTHORIZATION=f"Token {token.key}"
        )
    assert (response.status_code, response["Retry-After"]) == (503, "30")


@pytest.mark.urls("tests.villages.urls_failing")
def test_any_other_error_is_still_the_500_page(db):
    response = Client(raise_request_exception=False).get("/rusak/")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")


# --- /healthz ------------------------------------------------------------------------------


def test_healthz_answers_ok_without_login(client, db):
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.json()) == (200, {"database": "ok", "migrations": "ok"})
    assert "no-store" in response["Cache-Control"]


def test_healthz_answers_head(client, db):
    assert client.head(reverse("healthz")).status_code == 200


def test_healthz_refuses_other_methods(client, db):
    assert client.post(reverse("healthz")).status_code == 405


def test_healthz_fails_while_a_migration_is_not_applied(client, db):
    MigrationRecorder.Migration.objects.filter(app="enrollment").order_by("-id")[:1].get().delete()
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.json()) == (
        503,
        {"database": "ok", "migrations": "failing"},
    )


def test_healthz_fails_while_the_database_is_unreachable(client, db):
    with unreachable_database():
        response = client.get(reverse("healthz"))
    assert (response.status_code, response.json()) == (
        503,
        {"database": "failing", "migrations": "failing"},
    )
