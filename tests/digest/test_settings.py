"""Mail settings from the environment: the console in development, a mail server (EMAIL_URL,
or EMAIL_HOST and friends) otherwise; the sender and the site's address for the links."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from digest.links import absolute_url

ROOT = Path(__file__).resolve().parent.parent.parent
NAMES = [
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "DEFAULT_FROM_EMAIL",
    "SITE_URL",
]
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def _settings(**environ: str) -> dict:
    """The mail settings read from `environ` alone (no .env file, none of ours inherited)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "SITE_URL"))}
    env.update({"ENV_FILE": "/nonexistent/.env", "SECRET_KEY": "k" * 50, **environ})
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'bpjs_desa.settings'; "
        "from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {NAMES!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_development_prints_mails_on_the_console():
    got = _settings(DEBUG="on")
    assert got["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert (got["SITE_URL"], got["DEFAULT_FROM_EMAIL"]) == (
        "http://127.0.0.1:8000",
        "bpjs-desa <noreply@localhost>",
    )


def test_an_email_url_names_the_mail_server():
    got = _settings(DEBUG="on", EMAIL_URL="smtp+tls://bpjs:rahasia@mail.example.go.id:587")
    assert {k: got[k] for k in NAMES[:7]} == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "mail.example.go.id",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "bpjs",
        "EMAIL_HOST_PASSWORD": "rahasia",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


def test_production_reads_the_mail_server_piece_by_piece():
    got = _settings(
        DEBUG="off",
        EMAIL_HOST="mail.example.go.id",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="bpjs",
        EMAIL_HOST_PASSWORD="rahasia",
        EMAIL_USE_TLS="on",
        DEFAULT_FROM_EMAIL="BPJS Desa <daftar-kerja@desa.example.go.id>",
        SITE_URL="https://desa.example.go.id/",
    )
    assert got == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "mail.example.go.id",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "bpjs",
        "EMAIL_HOST_PASSWORD": "rahasia",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "DEFAULT_FROM_EMAIL": "BPJS Desa <daftar-kerja@desa.example.go.id>",
        "SITE_URL": "https://desa.example.go.id",
    }


def test_production_without_a_site_url_sends_no_mail_with_broken_links(settings):
    assert _settings(DEBUG="off")["SITE_URL"] == ""
    settings.SITE_URL = ""
    with pytest.raises(ImproperlyConfigured, match="Set SITE_URL"):
        absolute_url("/daftar-kerja/")
