"""Lost updates: two change forms opened on the same version, saved one after the other. The
second save is refused with the name of who saved in between and when, on every change form
of a model that keeps history, and on the form that reverts to a past version."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Declaration, Membership, RuleSet
from tests.admin.helpers import form_data
from tests.factories import MembershipFactory, PostFactory
from villages.models import Person, Post, Role, Village
from villages.roles import user_role_set

KARANGLEWAS = "33.02.03.2003"


def _membership():
    return MembershipFactory(person=PostFactory(village_id=KARANGLEWAS).person)


def _rule_set():
    rule_set = RuleSet.objects.create(name="Banyumas", year=2027, regency_id="33.02")
    rule_set.minimum_programs.set(["JKK"])
    return rule_set


# model name -> (the object, a change from one form, a change from the other)
CASES = {
    "person": (lambda: PostFactory(village_id=KARANGLEWAS).person, "name", "Satu", "Dua"),
    "post": (lambda: PostFactory(village_id=KARANGLEWAS), "unit", "RT 001", "RT 002"),
    "membership": (_membership, "funding_source", "APBD", "MANDIRI"),
    "ruleset": (_rule_set, "name", "Satu", "Dua"),
    "declaration": (
        lambda: Declaration.objects.create(
            village_id=KARANGLEWAS, declared_on=dt.date(2026, 3, 1), declared_by="KC"
        ),
        "memorandum_number",
        "1/2026",
        "2/2026",
    ),
    # Villages are loaded without history: the first save writes their first record.
    "village": (lambda: Village.objects.get(code=KARANGLEWAS), "households", "100", "200"),
    "role": (
        lambda: user_role_set(username="ani", kind="manager", area_codes=["33.02"]),
        "areas-0-code",
        "35.23",
        "36.04",
    ),
}
APP = {"ruleset": "enrollment", "membership": "enrollment", "declaration": "enrollment"}
MODELS = {
    "person": Person,
    "post": Post,
    "membership": Membership,
    "ruleset": RuleSet,
    "declaration": Declaration,
    "village": Village,
    "role": Role,
}


def _expected_error(model, pk, username: str) -> str:
    latest = model.history.filter(**{model._meta.pk.attname: pk}).latest("history_id")
    at = timezone.localtime(latest.history_date).strftime("%d/%m/%Y %H:%M")
    assert str(timezone.get_current_timezone()) == "Asia/Jakarta"
    return (
        f"This record was changed by {username} at {at} since you opened it. Open it again to "
        "see that change, then make your edit again."
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_second_of_two_forms_opened_on_one_version_is_refused(head_office, root, name):
    make, field, first, second = CASES[name]
    obj = make()
    url = reverse(f"admin:{APP.get(name, 'villages')}_{name}_change", args=[obj.pk])
    page_a, page_b = head_office.get(url), root.get(url)

    assert head_office.post(url, form_data(page_a, **{field: first})).status_code == 302
    response = root.post(url, form_data(page_b, **{field: second}))

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [_expected_error(MODELS[name], obj.pk, "pusat")]
    assert form_data(head_office.get(url))[field] == first  # the first save stands
    # Opened again, on the new version, the form saves.
    assert root.post(url, form_data(root.get(url), **{field: second})).status_code == 302
    assert form_data(root.get(url))[field] == second


def test_two_tabs_of_one_branch_officer_on_a_membership(banyumas_staff):
    membership = _membership()
    url = reverse("admin:enrollment_membership_change", args=[membership.pk])
    tab_a, tab_b = banyumas_staff.get(url), banyumas_staff.get(url)
    data_a = form_data(tab_a, paid_until="31/12/2027")
    assert banyumas_staff.post(url, data_a).status_code == 302
    response = banyumas_staff.post(url, form_data(tab_b, paid_until="30/06/2027"))
    assert response.context["adminform"].form.non_field_errors() == [
        _expected_error(Membership, membership.pk, "staf")
    ]
    assert Membership.objects.get().paid_until == dt.date(2027, 12, 31)


def test_an_import_or_command_in_between_is_named_as_a_system_task(head_office):
    membership = _membership()
    url = reverse("admin:enrollment_membership_change", args=[membership.pk])
    page = head_office.get(url)
    membership.paid_until = dt.date(2028, 1, 31)
    membership.save()  # no user: a command
    response = head_office.post(url, form_data(page, funding_source="MANDIRI"))
    assert response.context["adminform"].form.non_field_errors() == [
        _expected_error(Membership, membership.pk, "a system task")
    ]
    assert Membership.objects.get().funding_source == "APBDES"


def test_a_revert_opened_before_a_save_is_refused(head_office, root):
    person = PostFactory(village_id=KARANGLEWAS).person
    version = person.history.get().history_id
    revert = reverse("admin:villages_person_simple_history", args=[person.pk, version])
    page = root.get(revert)
    change = reverse("admin:villages_person_change", args=[person.pk])
    head_office.post(change, form_data(head_office.get(change), name="Nama Baru"))
    response = root.post(revert, form_data(page))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        _expected_error(Person, person.pk, "pusat")
    ]
    assert Person.objects.get().name == "Nama Baru"
    # Opened again, the revert goes through.
    assert root.post(revert, form_data(root.get(revert))).status_code == 302
    assert Person.objects.get().name == person.name


def test_the_version_is_a_hidden_input_of_the_change_form(head_office):
    post = PostFactory(village_id=KARANGLEWAS)
    html = head_office.get(reverse("admin:villages_post_change", args=[post.pk])).content
    version = post.history.get().history_id
    assert (
        f'<input type="hidden" name="history_version" value="{version}" id="id_history_version">'
        in html.decode()
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_the_row_is_locked_before_the_version_is_compared(head_office):
    post = PostFactory(village_id=KARANGLEWAS)
    url = reverse("admin:villages_post_change", args=[post.pk])
    data = form_data(head_office.get(url), unit="RT 009")
    with CaptureQueriesContext(connection) as queries:
        assert head_office.post(url, data).status_code == 302
    sql = [q["sql"] for q in queries]
    lock = next(i for i, s in enumerate(sql) if s.endswith("FOR UPDATE"))
    assert 'FROM "villages_post"' in sql[lock]
    assert any("villages_historicalpost" in s for s in sql[lock + 1 :])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_a_save_that_writes_posts_takes_the_coverage_lock_before_any_row_lock(head_office):
    """The summary's write lock first (villages.locks): a save holding a row lock while it
    waits for the lock could deadlock with an import holding the lock and wanting the row."""
    post = PostFactory(village_id=KARANGLEWAS)
    url = reverse("admin:villages_post_change", args=[post.pk])
    data = form_data(head_office.get(url), unit="RT 009")
    with CaptureQueriesContext(connection) as queries:
        assert head_office.post(url, data).status_code == 302
    sql = [q["sql"] for q in queries]
    coverage = next(i for i, s in enumerate(sql) if "pg_advisory_xact_lock" in s)
    row = next(i for i, s in enumerate(sql) if s.endswith("FOR UPDATE"))
    assert coverage < row
    assert sql[coverage] == "SELECT pg_advisory_xact_lock(4245, 0)"
