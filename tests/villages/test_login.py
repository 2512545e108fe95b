"""The login form's refusal, in the interface's language: Django's Indonesian catalogue says
"nama pengguna" twice (its own words, then the field's name); the project's catalogue fixes it."""

import re

import pytest
from django.urls import reverse

from villages.roles import user_role_set

PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def manager(db):
    return user_role_set(
        username="manajer", kind="manager", area_codes=["33.02"], password=PASSWORD
    ).user


def _alerts(response) -> list[str]:
    page = response.content.decode()
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in re.findall(r"<p class=\"alert\"[^>]*>(.*?)</p>", page, re.S)
    ]


def test_a_wrong_password_names_the_username_field_once(client, manager):
    response = client.post(reverse("login"), {"username": "manajer", "password": "salah"})
    assert response.status_code == 200
    assert _alerts(response) == [
        "Masukkan nama pengguna dan kata sandi yang benar. Huruf besar dan kecil dibedakan "
        "pada keduanya."
    ]


def test_the_admin_login_says_it_once_too(client, manager):
    response = client.post(reverse("admin:login"), {"username": "manajer", "password": "salah"})
    assert response.status_code == 200
    errors = [str(error) for error in response.context["form"].non_field_errors()]
    assert errors == [
        "Masukkan nama pengguna dan kata sandi yang benar untuk akun staf. Huruf besar dan "
        "kecil dibedakan pada keduanya."
    ]


def test_in_english_the_message_is_django_s_own(client, manager):
    response = client.post(
        reverse("login"), {"username": "manajer", "password": "salah"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert _alerts(response) == [
        "Please enter a correct username and password. Note that both fields may be case-sensitive."
    ]
