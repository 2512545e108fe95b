"""Logs: JSON lines on stderr with the request id; errors keep their traceback; security
events (403s, 404s, lockouts) are logged; the response names its request id."""

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import include, path, reverse

from tests.factories import UserFactory
from villages.log import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent.parent


def boom(request):
    raise ZeroDivisionError("pembagian dengan nol")


urlpatterns = [path("boom/", boom), path("", include("bpjs_desa.urls"))]


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict]]]:
    """The lines the configured stderr handler writes during the test, parsed."""
    handler = next(
        h
        for h in logging.getLogger("django").handlers
        if isinstance(h, logging.StreamHandler) and isinstance(h.formatter, JsonFormatter)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    lines: list[dict] = []

    def read() -> list[dict]:
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())
        return lines

    yield read
    handler.setStream(previous)


@pytest.mark.urls("tests.villages.test_log")
def test_a_server_error_is_logged_with_its_traceback_and_request_id(log_lines):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_X_REQUEST_ID="req-7f3a")
    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-7f3a"
    [record] = [r for r in log_lines() if r["logger"] == "django.request"]
    assert (record["level"], record["message"], record["request_id"]) == (
        "ERROR",
        "Internal Server Error: /boom/",
        "req-7f3a",
    )
    assert (record["status_code"], record["method"], record["path"]) == (500, "GET", "/boom/")
    assert record["traceback"].startswith("Traceback (most recent call last):")
    assert record["traceback"].endswith("ZeroDivisionError: pembagian dengan nol")


@pytest.mark.urls("tests.villages.test_log")
def test_a_request_without_an_id_gets_a_new_one(log_lines):
    response = Client(raise_request_exception=False).get("/boom/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert [r["request_id"] for r in log_lines()] == [request_id]


@pytest.mark.parametrize("header", ["a b", "x" * 129, "<script>", "ä"])
def test_an_unusable_request_id_is_replaced(client, header):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=header)
    assert response["X-Request-ID"] != header
    assert len(response["X-Request-ID"]) == 32


def test_a_not_found_outside_the_scope_is_a_logged_security_event(client, db, log_lines):
    from villages.roles import user_role_set

    role = user_role_set(username="sekdes", kind="village_secretary", area_codes=["33.02.03.2003"])
    client.force_login(role.user)
    response = client.get("/desa/35.23.08.2016/", HTTP_X_REQUEST_ID="req-404")
    assert response.status_code == 404
    [record] = log_lines()
    assert (record["level"], record["logger"], record["status_code"], record["request_id"]) == (
        "WARNING",
        "django.request",
        404,
        "req-404",
    )


def test_a_lockout_is_logged(client, db, settings, log_lines):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    UserFactory(username="ani", password="kata-sandi-uji-123")
    axes = logging.getLogger("axes").handlers[0]
    previous = axes.setStream(stream := io.StringIO())
    try:
        for _ in range(5):
            client.post(reverse("login"), {"username": "ani", "password": "salah"})
    finally:
        axes.setStream(previous)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    locking = [r for r in records if r["message"].startswith("AXES: Locking out")]
    assert [(r["level"], r["logger"]) for r in locking] == [("WARNING", "axes.handlers.database")]
    assert len(locking[0]["request_id"]) == 32


def test_admins_come_from_the_environment():
    env = {**os.environ, "ADMINS": "Ani Susanti <ani@example.go.id>, budi@example.go.id"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
            "'bpjs_desa.settings'; from django.conf import settings; print(settings.ADMINS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == (
        "[('Ani Susanti', 'ani@example.go.id'), ('', 'budi@example.go.id')]"
    )
