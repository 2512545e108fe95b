"""A pytest plugin that counts the requests the test client makes, by status class, and
prints the counts per test module at the end: `pytest -p bench.count_requests …`. Used to
report how many requests an adversarial run (the permission matrix, the junk ids) made."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

_counts: dict[str, Counter] = defaultdict(Counter)
_current = {"module": ""}


def pytest_configure(config):
    from django.test import Client

    original = Client.request

    def request(self, **kwargs):
        response = original(self, **kwargs)
        _counts[_current["module"]][f"{response.status_code // 100}xx"] += 1
        return response

    Client.request = request


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _current["module"] = item.module.__name__


def pytest_terminal_summary(terminalreporter):
    for module, counts in sorted(_counts.items()):
        total = sum(counts.values())
        terminalreporter.write_line(f"requests {module}: {total} {dict(sorted(counts.items()))}")
