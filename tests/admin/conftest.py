"""Personas for admin tests, each with a client of its own (two may post in one test): head
office, the superuser, and the Banyumas users — branch staff of KC Purwokerto, a manager of
33.02, a manager of one Banyumas district. Messages are asserted in English."""

import pytest
from django.test import Client
from django.utils import translation

from tests.factories import BranchOfficeFactory, UserFactory
from villages.models import Regency
from villages.roles import user_role_set


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def head_office(db) -> Client:
    return _client(user_role_set(username="pusat", kind="head_office").user)


@pytest.fixture
def root(db) -> Client:
    return _client(UserFactory(username="root", is_staff=True, is_superuser=True))


@pytest.fixture
def purwokerto(db):
    branch = BranchOfficeFactory(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    return branch


@pytest.fixture
def banyumas_staff(purwokerto) -> Client:
    return _client(
        user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user
    )


@pytest.fixture
def banyumas_manager(db) -> Client:
    return _client(user_role_set(username="manajer", kind="manager", area_codes=["33.02"]).user)


@pytest.fixture
def district_manager(db) -> Client:
    return _client(user_role_set(username="camat", kind="manager", area_codes=["33.02.03"]).user)
