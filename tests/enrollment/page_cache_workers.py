"""Writers and readers for the multi-process stress test of the dashboards' cache
(`test_page_cache_concurrency.py`). A module of its own that imports no model at the top: each
worker is a fresh interpreter that sets Django up against the test database first."""

from __future__ import annotations

import os
import random
import re
import time

MAIN = re.compile(r'<main id="content"[^>]*>.*</main>', re.S)


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpjs_desa.settings")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, and the context of each response


def write(url: str, seed: int, people: list[int], writes: int, ready: list[str]) -> dict:
    """One writer process: once the readers are `ready` (files), `writes` committed
    transactions drawn from the summary's stress writers (admin saves, bulk updates, COPY,
    moves, deletes), a short pause after each. Returns its counts."""
    _setup(url)
    _wait_for(ready)
    from django.db import connection, transaction
    from django.db.utils import DatabaseError
    from psycopg import Error as DriverError  # COPY goes to the driver unwrapped

    from enrollment.models import Membership
    from tests.enrollment import summary_writers
    from villages.models import Post

    summary_writers.Membership, summary_writers.Post = Membership, Post  # type: ignore[assignment]
    summary_writers.connection = connection  # type: ignore[assignment]
    draw = random.Random(seed)
    counts = {"committed": 0, "refused": 0}
    while counts["committed"] < writes:
        try:
            with transaction.atomic():
                draw.choice(summary_writers._WRITES)(draw, people)
            counts["committed"] += 1
        except (DatabaseError, DriverError):  # rolled back whole
            counts["refused"] += 1
        time.sleep(draw.random() / 5)  # readers get pages between some commits
    return counts


def _wait_for(files: list[str], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not all(os.path.exists(f) for f in files):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not all of {files} appeared")
        time.sleep(0.05)


def read(url: str, username: str, pages: list[str], ready: str, done: str, seconds: float) -> dict:
    """One reader process: says it is `ready` (a file), then asks the pages again and again
    until the file `done` exists; then the pages once as the cache has them and once
    computed afresh. Returns the pages that differed, and how many requests the cache
    served."""
    _setup(url)
    from django.contrib.auth.models import User
    from django.core.cache import caches
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username=username))
    for page in pages:
        client.get(page)
    open(ready, "w").close()
    counts = {"hits": 0, "misses": 0, "errors": 0}
    deadline = time.monotonic() + seconds
    while not os.path.exists(done) and time.monotonic() < deadline:
        for page in pages:
            response = client.get(page)
            if response.status_code != 200:
                counts["errors"] += 1
                continue
            counts["hits" if response.context["fragment"].hit else "misses"] += 1
    kept = [client.get(page) for page in pages]
    caches["default"].clear()
    fresh = [client.get(page) for page in pages]
    differ = [page for page, a, b in zip(pages, kept, fresh, strict=True) if _main(a) != _main(b)]
    last_hits = sum(response.context["fragment"].hit for response in kept)
    return {**counts, "last_hits": last_hits, "differ": differ}


def _main(response) -> str:
    found = MAIN.search(response.content.decode())
    return found.group(0) if found else ""
