"""Malformed ids in admin URLs: every pattern of the admin, with junk in each of its
arguments, answers like an unknown id (404), or the redirect or 403 the role gets anyway,
never a 500. The patterns come from `admin.site.get_urls()`, so a new admin view is covered
without being listed here."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RegexPattern

from tests.test_permission_matrix import ROLES, World, _objects, _users

JUNK = ["abc", "-1", "99999999999999999999", "%00", "1.5"]
# `<conv:name>` or `<name>` in a route; a capturing group in a regular expression.
ROUTE_ARG = re.compile(r"<(?:\w+:)?\w+>")
REGEX_ARG = re.compile(r"\((?!\?:)[^)]*\)")


def _routes(patterns=None, prefix: str = "") -> list[tuple[str, int]]:
    """(route with `{}` for each argument, number of arguments) for every admin pattern
    that takes an argument."""
    routes = []
    for pattern in admin.site.get_urls() if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, prefix + _template(pattern)[0])
            continue
        route, count = _template(pattern)
        if count and isinstance(pattern, URLPattern) and not _catch_all(pattern):
            routes.append((prefix + route, count))
    return routes


def _template(pattern) -> tuple[str, int]:
    text = str(pattern.pattern)
    if isinstance(pattern.pattern, RegexPattern):
        text = text.removeprefix("^").removesuffix("$")
        return REGEX_ARG.subn("{}", text)
    return ROUTE_ARG.subn("{}", text)


def _catch_all(pattern: URLPattern) -> bool:
    # The admin's last pattern answers any path (404 or a slash redirect); the app index
    # takes an app label from a fixed list.
    return pattern.name in (None, "app_list") and isinstance(pattern.pattern, RegexPattern)


def _urls(world_pks: dict[str, object]) -> list[str]:
    """Every route with junk in each argument; a two-argument route (a past version of an
    object) also with a real object id and a junk version."""
    urls = []
    for route, count in _routes():
        for junk in JUNK:
            urls.append(route.format(*[junk] * count))
            real = world_pks.get(route.split("/")[1])
            if count == 2 and real is not None:
                urls.append(route.format(real, junk))
    return [f"/{settings.ADMIN_URL}{url}" for url in urls]


@pytest.fixture
def world(db) -> World:
    """The permission matrix's users (every role) and objects in and out of their scope."""
    users = _users()
    return World(users=users, objects=_objects(users))


def test_the_admin_has_argument_patterns_to_try():
    routes = dict(_routes())
    assert routes["villages/person/{}/history/"] == 1
    assert routes["villages/person/{}/history/{}/"] == 2
    assert routes["enrollment/importrecord/{}/report/"] == 1
    assert len(routes) > 90


@pytest.mark.parametrize("role", ROLES)
def test_junk_ids_are_never_a_server_error(world, role):
    users = world.users
    pks = {model: pks[0] for model, pks in world.objects.items()}
    client = Client(raise_request_exception=False)
    if users[role] is not None:
        client.force_login(users[role])
    urls = _urls(pks)
    got = {url: client.get(url).status_code for url in urls}
    # 301: a junk id that the route's converter refuses falls to the admin's catch-all,
    # which appends a slash; 405: a POST-only view refuses the GET before any lookup.
    wrong = {url: status for url, status in got.items() if status not in (301, 302, 403, 404, 405)}
    assert wrong == {}, "\n".join(f"{status} {url}" for url, status in sorted(wrong.items()))


@pytest.mark.parametrize(
    "url",
    [
        "villages/person/abc/history/",
        "villages/post/1.5/history/",
        "villages/role/abc/history/",
        "villages/regencytarget/abc/history/",
        "enrollment/membership/%00/history/",
        "villages/village/%00/history/",
        "villages/village/33.02.03.2003/history/abc/",
    ],
)
def test_a_malformed_id_in_a_history_view_is_not_found(world, url):
    client = Client()
    client.force_login(world.users["superuser"])
    assert client.get(f"/{settings.ADMIN_URL}{url}").status_code == 404
