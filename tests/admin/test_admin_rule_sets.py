"""Desa Sadar rule sets in the admin: a national set (no regency) rules every regency without
its own, so only head office and superusers add one or make a set national; a manager sets
rules for the regencies of their own area only."""

import pytest
from django.urls import reverse

from enrollment.models import RuleSet
from tests.admin.helpers import form_data

ADD = reverse("admin:enrollment_ruleset_add")
NATIONAL = "Only head office sets national rules: choose a regency of your area."
NOT_YOURS = "You may only set rules for a regency of your area."


def _add(client, regency: str):
    page = client.get(ADD)
    data = form_data(page, name="Aturan", year="2027", regency=regency, minimum_programs=["JKK"])
    return client.post(ADD, data)


def _change(client, rule_set: RuleSet, regency: str):
    url = reverse("admin:enrollment_ruleset_change", args=[rule_set.pk])
    return client.post(url, form_data(client.get(url), regency=regency))


def _errors(response) -> dict:
    assert response.status_code == 200
    return response.context["adminform"].form.errors


@pytest.fixture
def banyumas_set(db):
    rule_set = RuleSet.objects.create(name="Banyumas 2027", year=2027, regency_id="33.02")
    rule_set.minimum_programs.set(["JKK", "JKM"])
    return rule_set


def test_a_manager_adds_a_set_for_a_regency_of_their_area(banyumas_manager):
    assert _add(banyumas_manager, "33.02").status_code == 302
    assert list(RuleSet.objects.values_list("regency_id", "year")) == [("33.02", 2027)]


def test_a_manager_cannot_add_a_national_set(banyumas_manager):
    assert _errors(_add(banyumas_manager, "")) == {"regency": [NATIONAL]}
    assert RuleSet.objects.count() == 0


def test_a_manager_cannot_add_a_set_for_a_regency_out_of_their_area(banyumas_manager):
    assert list(_errors(_add(banyumas_manager, "35.23"))) == ["regency"]
    assert RuleSet.objects.count() == 0


def test_a_district_manager_cannot_set_rules_for_the_whole_regency(district_manager):
    # The regency is offered to them (it lies above their district), but is not theirs.
    assert _errors(_add(district_manager, "33.02")) == {"regency": [NOT_YOURS]}
    assert RuleSet.objects.count() == 0


def test_a_manager_cannot_make_their_set_national(banyumas_manager, banyumas_set):
    assert _errors(_change(banyumas_manager, banyumas_set, "")) == {"regency": [NATIONAL]}
    assert RuleSet.objects.get().regency_id == "33.02"


def test_a_manager_cannot_move_their_set_out_of_their_area(banyumas_manager, banyumas_set):
    assert list(_errors(_change(banyumas_manager, banyumas_set, "35.23"))) == ["regency"]
    assert RuleSet.objects.get().regency_id == "33.02"


def test_a_manager_changes_their_own_set(banyumas_manager, banyumas_set):
    url = reverse("admin:enrollment_ruleset_change", args=[banyumas_set.pk])
    response = banyumas_manager.post(url, form_data(banyumas_manager.get(url), name="Baru"))
    assert response.status_code == 302
    assert RuleSet.objects.get().name == "Baru"


def test_head_office_adds_a_national_set_and_makes_a_set_national(head_office, banyumas_set):
    assert _add(head_office, "").status_code == 302
    national = RuleSet.objects.get(regency=None)
    assert (national.year, list(national.minimum_programs.values_list("code", flat=True))) == (
        2027,
        ["JKK"],
    )
    national.delete()
    assert _change(head_office, banyumas_set, "").status_code == 302
    assert RuleSet.objects.get().regency_id is None


def test_a_superuser_adds_a_national_set(root):
    assert _add(root, "").status_code == 302
    assert RuleSet.objects.get().regency_id is None
