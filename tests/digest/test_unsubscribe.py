"""Stopping the weekly mail: the link in each mail (`/surel/berhenti/<token>/`, no login),
and each user's own e-mail settings (`/surel/`)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client
from django.urls import reverse

from digest.links import unsubscribe_token, user_for_token
from digest.models import DigestPreference
from tests.digest.conftest import secretary
from villages.roles import user_role_set

SETTINGS = reverse("digest:preferences")


@pytest.fixture
def sekdes(db) -> User:
    return secretary("sekdes", "sekdes@karanglewas.example")


def _url(token: str) -> str:
    return reverse("digest:unsubscribe", args=[token])


def _subscribed(user: User) -> bool | None:
    """The stored choice; None while the user has never made one (they receive it)."""
    return DigestPreference.objects.filter(user=user).values_list("subscribed", flat=True).first()


def _history(user: User) -> list[tuple[str, bool, str, int | None]]:
    rows = DigestPreference.history.filter(user=user).order_by("history_date")
    return list(
        rows.values_list("history_type", "subscribed", "history_change_reason", "history_user_id")
    )


# --- The link ------------------------------------------------------------------------------


def test_the_link_asks_first_and_changes_nothing(client, sekdes):
    response = client.get(_url(unsubscribe_token(sekdes)))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Akun sekdes menerima daftar kerja lewat surel setiap pekan. Hentikan?" in text
    assert '<input type="hidden" name="action" value="stop">' in text
    assert _subscribed(sekdes) is None
    assert "no-store" in response["Cache-Control"]


def test_posting_the_link_stops_the_mail_without_a_login(client, sekdes):
    response = client.post(_url(unsubscribe_token(sekdes)), {"action": "stop"})

    assert response.status_code == 200
    assert "Akun sekdes tidak lagi menerima surel mingguan." in response.content.decode()
    assert _subscribed(sekdes) is False
    assert _history(sekdes) == [("+", False, "stopped by the e-mail's link", None)]


def test_the_mail_programs_one_click_stops_it_without_a_csrf_token(sekdes):
    """RFC 8058: the mail program posts `List-Unsubscribe=One-Click`, with no cookie."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(_url(unsubscribe_token(sekdes)), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert _subscribed(sekdes) is False


def test_stopping_twice_keeps_one_change_and_resuming_is_a_second(client, sekdes):
    url = _url(unsubscribe_token(sekdes))
    client.post(url, {"action": "stop"})
    client.post(url, {"action": "stop"})
    response = client.post(url, {"action": "resume"})

    assert response.status_code == 200
    assert "Surel mingguan aktif kembali." in response.content.decode()
    assert _subscribed(sekdes) is True
    assert _history(sekdes) == [
        ("+", False, "stopped by the e-mail's link", None),
        ("~", True, "resumed by the e-mail's link", None),
    ]


def _altered(token: str) -> str:
    last = "A" if token[-1] != "A" else "B"
    return token[:-1] + last


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda user: _altered(unsubscribe_token(user)), id="signature altered"),
        pytest.param(lambda user: unsubscribe_token(user).split(":")[0], id="signature cut"),
        pytest.param(
            lambda user: signing.Signer(salt="other").sign(str(user.pk)), id="another salt"
        ),
        pytest.param(
            lambda user: signing.Signer(salt="digest.unsubscribe").sign("x1"), id="not a number"
        ),
        pytest.param(
            lambda user: signing.Signer(salt="digest.unsubscribe").sign(str(user.pk + 999)),
            id="no such user",
        ),
        pytest.param(lambda user: "Zm9v", id="rubbish"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_token_is_a_404_that_says_so_and_changes_nothing(client, sekdes, make, method):
    response = getattr(client, method)(_url(make(sekdes)), {"action": "stop"})

    assert response.status_code == 404
    text = response.content.decode()
    assert "Tautan ini tidak berlaku" in text
    assert f'href="{SETTINGS}"' in text
    assert _subscribed(sekdes) is None


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_link_answers_only_get_and_post(client, sekdes, method):
    response = getattr(client, method)(_url(unsubscribe_token(sekdes)))
    assert response.status_code == 405
    assert _subscribed(sekdes) is None


def test_the_token_names_its_user_and_no_other(sekdes):
    other = secretary("sekdes.lain", "lain@gunungwetan.example", "33.02.03.2001")
    assert user_for_token(unsubscribe_token(sekdes)) == sekdes
    assert user_for_token(unsubscribe_token(other)) == other
    assert unsubscribe_token(sekdes) != unsubscribe_token(other)


# --- The settings page ---------------------------------------------------------------------


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_settings_page_says_where_the_mail_goes(sekdes):
    response = _logged_in(sekdes).get(SETTINGS)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Setiap pekan daftar kerja dikirim ke sekdes@karanglewas.example." in text
    assert '<input type="hidden" name="action" value="stop">' in text


def test_a_user_stops_and_resumes_on_the_settings_page(sekdes):
    client = _logged_in(sekdes)
    response = client.post(SETTINGS, {"action": "stop"})

    assert (response.status_code, response["Location"]) == (302, SETTINGS)
    assert _subscribed(sekdes) is False
    text = client.get(SETTINGS).content.decode()
    assert (
        "Anda sudah menghentikan surel daftar kerja mingguan ke sekdes@karanglewas.example." in text
    )
    assert '<input type="hidden" name="action" value="resume">' in text

    client.post(SETTINGS, {"action": "resume"})

    assert _subscribed(sekdes) is True
    assert _history(sekdes) == [
        ("+", False, "stopped on the settings page", sekdes.pk),
        ("~", True, "resumed on the settings page", sekdes.pk),
    ]


def test_the_settings_page_changes_only_the_users_own_choice(sekdes):
    other = secretary("sekdes.lain", "lain@gunungwetan.example", "33.02.03.2001")
    _logged_in(other).post(SETTINGS, {"action": "stop"})

    assert (_subscribed(other), _subscribed(sekdes)) == (False, None)


def test_a_role_that_gets_no_mail_is_told_so(db):
    manager = user_role_set(username="manajer", kind="manager", area_codes=["33.02"]).user
    text = _logged_in(manager).get(SETTINGS).content.decode()

    assert "Peran Anda tidak dikirimi surel mingguan" in text
    assert 'name="action"' not in text


def test_a_recipient_without_an_address_is_told_to_ask_for_one(db):
    user = secretary("sekdes.tanpa", "")
    text = _logged_in(user).get(SETTINGS).content.decode()

    assert "Akun Anda tidak punya alamat surel" in text


def test_the_settings_page_needs_a_login(client, sekdes):
    response = client.post(SETTINGS, {"action": "stop"})

    assert (response.status_code, response["Location"]) == (302, f"/login/?next={SETTINGS}")
    assert client.get(SETTINGS).status_code == 302
    assert _subscribed(sekdes) is None


def test_the_settings_page_needs_the_csrf_token(sekdes):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sekdes)
    assert client.post(SETTINGS, {"action": "stop"}).status_code == 403
    assert _subscribed(sekdes) is None


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_settings_page_answers_only_get_and_post(sekdes, method):
    assert getattr(_logged_in(sekdes), method)(SETTINGS).status_code == 405
