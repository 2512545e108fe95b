"""Login lockout behind the reverse proxy: the client's address from X-Forwarded-For (only
as far as the proxies are trusted), a lockout per username and address, a limit per address
on any usernames, and a cool-off that ends on time."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import UserFactory
from villages.lockout import client_ip

PASSWORD = "kata-sandi-uji-123"
WRONG = "salah-salah-salah"
PROXY = "127.0.0.1"
OWNER, STRANGER = "198.51.100.7", "203.0.113.9"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # Every attempt hashes a password, known user or not: dozens of attempts per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def _login(client, username: str, password: str, address: str, via_proxy: bool = True):
    """A login POST from `address`, through the proxy (which appends it to the header) or
    straight to the application."""
    if via_proxy:
        meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address}
    else:
        meta = {"REMOTE_ADDR": address}
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


# --- The client's address --------------------------------------------------------------


@pytest.mark.parametrize(
    "count,forwarded,expected",
    [
        (0, "203.0.113.9", PROXY),  # no proxy trusted: the header is the client's own words
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged entry on the left is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # a load balancer, then nginx
        (2, "203.0.113.9", PROXY),  # fewer entries than proxies: not through them all
        (1, "", PROXY),
        (1, "bukan-alamat", PROXY),
        (1, "203.0.113.9:51234", "203.0.113.9"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_from_the_right_as_far_as_proxies_are_trusted(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_lockouts_are_recorded_for_the_forwarded_address(client, db, behind_proxy):
    _login(client, "ani", WRONG, STRANGER)
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [("ani", STRANGER)]


def test_without_trusted_proxies_a_forged_header_does_not_escape_the_lockout(client, db):
    UserFactory(username="ani", password=PASSWORD)
    statuses = [
        client.post(
            reverse("login"),
            {"username": "ani", "password": WRONG if n < 5 else PASSWORD},
            REMOTE_ADDR=STRANGER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",  # a new address every time, in words
        ).status_code
        for n in range(6)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429]


# --- Who is locked out -------------------------------------------------------------------


def test_a_stranger_elsewhere_cannot_lock_the_owner_out(client, db, behind_proxy):
    UserFactory(username="ani", password=PASSWORD)
    for _ in range(6):
        response = _login(client, "ani", WRONG, STRANGER)
    assert response.status_code == 429  # the stranger is locked out
    response = _login(client, "ani", PASSWORD, OWNER)
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_password_spraying_from_one_address_is_stopped(client, db, behind_proxy):
    UserFactory(username="budi", password=PASSWORD)
    # Four tries on each of five accounts: no account reaches its own limit of five, but the
    # twentieth failure from the address locks the address out, as the fifth would an account.
    statuses = [
        _login(client, f"akun{n}", WRONG, STRANGER).status_code for n in range(5) for _ in range(4)
    ]
    assert statuses == [200] * 19 + [429]
    assert _login(client, "budi", PASSWORD, STRANGER).status_code == 429
    assert _login(client, "budi", PASSWORD, OWNER).status_code == 302


def test_an_office_behind_one_address_survives_a_few_forgotten_passwords(client, db, behind_proxy):
    UserFactory(username="budi", password=PASSWORD)
    for n in range(4):  # four colleagues, four failures each: 16, under the address limit
        for _ in range(4):
            _login(client, f"rekan{n}", WRONG, OWNER)
    assert _login(client, "budi", PASSWORD, OWNER).status_code == 302


# --- The cool-off ------------------------------------------------------------------------


def _age_attempts(minutes: int) -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=minutes))


def test_the_lockout_ends_after_the_cool_off(client, db, behind_proxy):
    UserFactory(username="ani", password=PASSWORD)
    for _ in range(5):
        _login(client, "ani", WRONG, STRANGER)
    assert _login(client, "ani", PASSWORD, STRANGER).status_code == 429
    _age_attempts(61)
    assert _login(client, "ani", PASSWORD, STRANGER).status_code == 302


@pytest.mark.parametrize("password", [PASSWORD, WRONG])
def test_an_attempt_during_the_lockout_does_not_restart_the_cool_off(
    client, db, behind_proxy, password
):
    UserFactory(username="ani", password=PASSWORD)
    for _ in range(5):
        _login(client, "ani", WRONG, STRANGER)
    _age_attempts(50)
    assert _login(client, "ani", password, STRANGER).status_code == 429  # still locked
    _age_attempts(11)  # an hour and a minute after the fifth failure
    assert _login(client, "ani", PASSWORD, STRANGER).status_code == 302
