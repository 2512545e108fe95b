"""The dashboards' cache under real concurrency (PostgreSQL): a write not yet committed
changes neither the version nor the page readers get; its commit shows on the next request;
writers and readers in several processes end on the page an uncached rendering shows.

These tests commit through their own connections (threads and processes), outside the test
transaction, and remove everything they wrote at the end (`committed`, as the summary's).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import re
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client

from enrollment import page_cache
from enrollment.models import Membership
from tests.enrollment import page_cache_workers
from tests.enrollment.test_summary_concurrency import VILLAGES, _person, _url, committed, elsewhere
from villages.models import AccessLog
from villages.roles import user_role_set

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has a single writer at a time"
)
__all__ = ["committed"]  # the fixture, imported for these tests

READER = "pembaca.cache"
AS_OF = "?as_of=2026-11-30"
DISTRICT = "/wilayah/33.02.03/" + AS_OF
VILLAGE = f"/desa/{VILLAGES[0]}/" + AS_OF


@pytest.fixture
def reader(committed):
    """A head-office user, committed; removed afterwards."""
    elsewhere(lambda: user_role_set(username=READER, kind="head_office"))
    try:
        yield READER
    finally:
        elsewhere(_remove_reader)


def _remove_reader() -> None:
    AccessLog.objects.filter(user__username=READER).delete()
    User.objects.filter(username=READER).delete()


def _covered(response) -> int:
    found = re.search(r"<dt>Covered</dt>\s*<dd>(\d+)</dd>", response.content.decode())
    assert found, "no covered figure on the page"
    return int(found.group(1))


def test_an_uncommitted_write_is_seen_by_no_reader_and_its_commit_by_the_next(committed, reader):
    """Two real connections, ordered by a barrier: the writer changes a membership and
    waits; the reader asks the pages (from the cache) and the version; the writer commits;
    the reader's next request shows the change."""
    person = elsewhere(_person, committed, VILLAGES[0], 201)
    barrier = threading.Barrier(2, timeout=30)
    seen: dict[str, Any] = {}

    def write():
        with transaction.atomic():
            Membership.objects.filter(person=person).update(paid_until=dt.date(2026, 1, 31))
            barrier.wait()  # 1: written, not committed
            barrier.wait()  # 2: the reader has read
        barrier.wait()  # 3: committed

    def read():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(User.objects.get(username=reader))
        seen["before"] = [client.get(page) for page in (VILLAGE, DISTRICT)]
        seen["version"] = page_cache.versions()
        barrier.wait()  # 1
        seen["during"] = [client.get(page) for page in (VILLAGE, DISTRICT)]
        seen["version during"] = page_cache.versions()
        barrier.wait()  # 2
        barrier.wait()  # 3
        seen["after"] = [client.get(page) for page in (VILLAGE, DISTRICT)]
        seen["version after"] = page_cache.versions()

    threads = [threading.Thread(target=elsewhere, args=(work,)) for work in (write, read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [_covered(r) for r in seen["before"]] == [1, 1]
    assert [_covered(r) for r in seen["during"]] == [1, 1]
    assert [r.context["fragment"].hit for r in seen["during"]] == [True, True]
    assert seen["version during"] == seen["version"]
    assert [_covered(r) for r in seen["after"]] == [0, 0]
    assert [r.context["fragment"].hit for r in seen["after"]] == [False, False]
    assert seen["version after"] != seen["version"]


# --- Several processes -------------------------------------------------------------------

WRITERS, WRITES, READERS = 3, 20, 2
PAGES = [DISTRICT, VILLAGE, f"/desa/{VILLAGES[1]}/" + AS_OF, f"/desa/{VILLAGES[2]}/" + AS_OF]


def test_readers_and_writers_in_several_processes_end_on_the_uncached_page(
    committed, reader, tmp_path: Path
):
    """3 writer processes commit 20 transactions each over 24 people in 11 villages while
    2 reader processes ask the district's page and three villages' again and again; then
    each reader's pages, as its cache holds them, equal the pages computed afresh."""
    people = [elsewhere(_person, committed, VILLAGES[i % 11], 300 + i).pk for i in range(24)]
    url, done = _url(connection.settings_dict), str(tmp_path / "done")
    ready = [str(tmp_path / f"ready{n}") for n in range(READERS)]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter, its own connection
    with ProcessPoolExecutor(WRITERS + READERS, mp_context=context) as pool:
        reads = [
            pool.submit(page_cache_workers.read, url, reader, PAGES, ready[n], done, 240)
            for n in range(READERS)
        ]
        writes = [
            pool.submit(page_cache_workers.write, url, seed, people, WRITES, ready)
            for seed in range(WRITERS)
        ]
        written = [w.result(timeout=240) for w in writes]
        Path(done).touch()
        read = [r.result(timeout=300) for r in reads]
    assert [w["committed"] for w in written] == [WRITES] * WRITERS, written
    assert [(r["differ"], r["errors"]) for r in read] == [([], 0)] * READERS, read
    assert sum(r["hits"] for r in read) > 0, read  # the cache served pages among the writes
