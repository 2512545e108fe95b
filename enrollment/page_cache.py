"""The dashboards' cache: the data part of an area's or a village's page, rendered once per
data version and shared by every reader who would see the same thing.

A view reads the data version first (`versions`, one query per database it reads), then
everything else; on a miss it computes the page and stores what `{% cached_data %}` rendered
under a key of the page, the area, the query, the language, today, the `Viewer` and the
version. Why no reader can see a stale figure: docs/architecture.md, "Many readers".

Inside `{% cached_data %}` the template sees `user` as the `Viewer` (the facts of the user in
the key, nothing else) and no `request`, `perms`, `csrf_token` or `messages`: what the part
shows can depend on the user only through the key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import caches
from django.db import connections
from django.utils import timezone, translation

from villages import data_version
from villages.routers import read_db

CACHE = "default"
# Entries of an old version are never asked for again; the bound of the cache evicts them.
TIMEOUT = 24 * 60 * 60


@dataclass(frozen=True)
class Viewer:
    """What of the user the cached part of a page may depend on; all of it is in the key."""

    is_staff: bool = False
    full_nik: bool = False
    # The user's areas, listed on the dashboards when there are several.
    areas: tuple[str, ...] = ()


@dataclass
class Fragment:
    """The data part of one page: from the cache (`hit`), or rendered now and then stored."""

    key: str | None
    viewer: Viewer
    html: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    hit: bool = False

    def store(self) -> None:
        """After rendering a miss: keep what `{% cached_data %}` rendered."""
        if self.key and not self.hit and self.html is not None:
            caches[CACHE].set(self.key, {"html": self.html, "meta": self.meta}, TIMEOUT)


def versions() -> tuple[str, ...] | None:
    """The data version of each database the pages read (the primary, and the replica when
    there is one), read before anything else. None when the cache must not be used: inside a
    transaction of the application, whose own uncommitted writes it would see, or when a
    database has no version row."""
    found = []
    for using in sorted({"default", read_db()}):
        if _in_transaction(using):
            return None
        version = data_version.current(using)
        if version is None:
            return None
        found.append(version)
    return tuple(found)


def _in_transaction(using: str) -> bool:
    """Whether the connection is inside a transaction the application opened. A test case's
    own transaction does not count (Django's durable atomic blocks reason the same way): to
    the code under test it is the outside world, and the tests empty the cache."""
    connection = connections[using]
    if connection.in_atomic_block:
        blocks = connection.atomic_blocks
        return any(not getattr(block, "_from_testcase", False) for block in blocks)
    return not connection.get_autocommit()


def page_fragment(
    *, version: tuple[str, ...] | None, page: str, code: str, params: dict, viewer: Viewer
) -> Fragment:
    """The cached data part of `page` for the area `code`, or an empty one to render; without
    a version, one that is neither looked up nor stored."""
    if version is None:
        return Fragment(key=None, viewer=viewer)
    parts = [
        page,
        code,
        list(version),
        translation.get_language(),
        timezone.localdate().isoformat(),
        params,
        asdict(viewer),
    ]
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    key = f"page:{digest}"
    cached = caches[CACHE].get(key)
    if cached is None:
        return Fragment(key=key, viewer=viewer)
    return Fragment(key=key, viewer=viewer, html=cached["html"], meta=cached["meta"], hit=True)
