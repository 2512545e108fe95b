"""Two officers saving at once through the admin, each on a connection of its own
(PostgreSQL; SQLite lets one writer in at a time).

Adding two rows with the same unique values: both forms pass their unique checks before
either inserts (a barrier in `pre_save` holds each until both got there), the second insert
waits for the first to commit and fails on the constraint. The admin runs the second form
again: it gets the form's own message, keeps what was typed, and one row is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client
from django.urls import reverse

from enrollment.models import Declaration
from tests.admin.helpers import form_data
from tests.enrollment.test_summary_concurrency import elsewhere
from tests.factories import BranchOfficeFactory
from villages.models import BranchOffice, DistrictTarget, Regency, RegionalOffice
from villages.roles import user_role_set

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has a single writer at a time"
)

JATILAWANG, KARANGLEWAS = "33.02.03", "33.02.03.2003"
BRANCH = "Purwokerto (race)"
# Its own regional office: a committed one named as the demo's would outlive the test and
# make load_demo find it (tests/devdata/test_load_demo.py counts what the demo creates).
REGIONAL = "Kanwil (race)"
OFFICERS = ["staf_race_1", "staf_race_2"]


@pytest.fixture
def officers(db) -> Iterator[list[int]]:
    """Two branch officers of Banyumas, committed; removed afterwards with what they wrote."""

    def create() -> list[int]:
        branch = BranchOfficeFactory.create(name=BRANCH, regional_office__name=REGIONAL)
        branch.regencies.set(Regency.objects.filter(code="33.02"))
        return [
            user_role_set(username=name, kind="branch_staff", branch_name=BRANCH).user.pk
            for name in OFFICERS
        ]

    def remove() -> None:
        DistrictTarget.objects.filter(district_id=JATILAWANG).delete()
        DistrictTarget.history.filter(district_id=JATILAWANG).delete()
        Declaration.objects.filter(village_id=KARANGLEWAS).delete()
        Declaration.history.filter(village_id=KARANGLEWAS).delete()
        User.objects.filter(username__in=OFFICERS).delete()
        BranchOffice.objects.filter(name=BRANCH).delete()
        RegionalOffice.objects.filter(name=REGIONAL).delete()

    elsewhere(remove)
    try:
        yield elsewhere(create)
    finally:
        elsewhere(remove)


def shown_form(response):
    """The form of the page sent back. The test client records every template rendered while
    its request runs, in any thread: the other officer's empty add page may come first. The
    page's own is the last: the winner's save answers with a redirect, which renders none."""
    contexts = [c for c in response.context if "adminform" in c]
    return contexts[-1]["adminform"].form


def at_once(model, user_ids: list[int], post: Callable[[Client, int], object]) -> list:
    """Each officer posts on a thread of their own; both wait in `pre_save` until both got
    there, so that both forms were checked before either row was inserted."""
    barrier = threading.Barrier(len(user_ids), timeout=20)
    seen: list[int] = []

    def hold(sender, instance, **kwargs):
        seen.append(1)
        barrier.wait()

    results: list = [None] * len(user_ids)

    def run(index: int) -> None:
        try:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(User.objects.get(pk=user_ids[index]))
            results[index] = post(client, index)
        except BaseException as error:  # reported by the test
            results[index] = error
        finally:
            connection.close()

    pre_save.connect(hold, sender=model, weak=False)
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(user_ids))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        pre_save.disconnect(hold, sender=model)
    assert len(seen) == len(user_ids), f"both saves must reach the insert: {results}"
    return results


def test_two_officers_adding_one_districts_target_at_once(officers):
    add = reverse("admin:villages_districttarget_add")

    def post(client: Client, index: int):
        pct = ["60", "75"][index]
        data = form_data(client.get(add), district=JATILAWANG, year="2026", officials_pct=pct)
        response = client.post(add, data)
        if response.status_code != 200:
            return response.status_code, [], None
        form = shown_form(response)
        return 200, list(form.non_field_errors()), form["officials_pct"].value()

    results = at_once(DistrictTarget, officers, post)
    assert sorted(r[0] for r in results) == [200, 302]
    loser = next(r for r in results if r[0] == 200)
    assert loser[1] == ["This district already has targets for that year."], loser
    assert loser[2] in ("60", "75")  # what the officer typed is still in the form
    rows = elsewhere(lambda: list(DistrictTarget.objects.values_list("district_id", "year")))
    assert rows == [(JATILAWANG, 2026)]
    assert elsewhere(lambda: DistrictTarget.history.filter(district_id=JATILAWANG).count()) == 1


def test_two_officers_declaring_one_village_on_one_day_at_once(officers):
    add = reverse("admin:enrollment_declaration_add")

    def post(client: Client, index: int):
        data = form_data(
            client.get(add),
            village=KARANGLEWAS,
            declared_on="11/09/2026",
            declared_by="Kepala KC Purwokerto",
            confirm_ineligible="on",
            note=f"officer {index + 1}",
        )
        response = client.post(add, data)
        if response.status_code == 200:
            return 200, list(shown_form(response).non_field_errors())
        return response.status_code, []

    results = at_once(Declaration, officers, post)
    assert sorted(r[0] for r in results) == [200, 302]
    loser = next(r for r in results if r[0] == 200)
    assert loser[1] == ["This village was already declared on that day."], loser
    assert elsewhere(lambda: Declaration.objects.filter(village_id=KARANGLEWAS).count()) == 1
