"""Hardening: deploy checks, lockout, session lifetime, headers, the admin's path."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory
from villages.roles import user_role_set

PASSWORD = "kata-sandi-uji-123"
ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_passes_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "off",
        "SECRET_KEY": "k" * 30 + "-production-like-secret-key-" + "x" * 20,
        "ALLOWED_HOSTS": "bpjs-desa.example.id",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_off_without_a_secret_key_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"DEBUG": "off", "ENV_FILE": "/nonexistent/.env"})
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
            "'bpjs_desa.settings'; from django.conf import settings; settings.SECRET_KEY",
        ],
        cwd="/tmp",
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_five_failed_logins_lock_the_account_even_with_the_right_password(client):
    UserFactory(username="ani", password=PASSWORD, is_staff=True)
    url = reverse("login")
    for _ in range(5):
        response = client.post(url, {"username": "ani", "password": "salah-salah-salah"})
    response = client.post(url, {"username": "ani", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_good_login_after_a_few_failures_works(client):
    UserFactory(username="ani", password=PASSWORD, is_staff=True)
    for _ in range(3):
        client.post(reverse("login"), {"username": "ani", "password": "salah-salah-salah"})
    response = client.post(reverse("login"), {"username": "ani", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.fixture
def manager_client(client, db):
    user_role_set(username="manajer", kind="manager", area_codes=["33.02"], password=PASSWORD)
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="manajer"))
    return client


def _age_session(client, idle: int, total: int) -> None:
    session = client.session
    now = int(time.time())
    session["session_started_at"] = now - total
    session["session_seen_at"] = now - idle
    session.save()


@pytest.mark.parametrize(
    "idle,total,logged_in",
    [
        (60, 3600, True),
        (30 * 60 + 5, 3600, False),  # idle for more than 30 minutes
        (60, 12 * 3600 + 5, False),  # active, but more than 12 hours since log-in
    ],
)
def test_sessions_end_after_idle_time_or_absolute_lifetime(manager_client, idle, total, logged_in):
    manager_client.get(reverse("admin:index"))
    _age_session(manager_client, idle, total)
    response = manager_client.get(reverse("admin:index"))
    assert (response.status_code == 200) is logged_in
    if not logged_in:
        assert response.status_code == 302
        assert "_auth_user_id" not in manager_client.session


@pytest.mark.django_db
def test_a_password_change_ends_other_sessions(client):
    user = UserFactory(username="ani", password=PASSWORD, is_staff=True, is_superuser=True)
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200
    user.set_password("kata-sandi-baru-456")
    user.save()
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize("password", ["pendek123", "password123", "1234567890123"])
def test_weak_passwords_are_refused(password):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.django_db
def test_responses_carry_a_content_security_policy(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


def test_the_admin_path_is_configurable():
    env = {**os.environ, "ADMIN_URL": "kelola-rahasia/"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
            "'bpjs_desa.settings'; django.setup(); from django.urls import reverse; "
            "print(reverse('admin:index'))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "/kelola-rahasia/"
    assert settings.ADMIN_URL == "admin/"
