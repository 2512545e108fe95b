"""Desa Sadar rule sets in the admin: a national set (no regency) rules every regency without
its own, so only head office and superusers add one or make a set national; a manager sets
rules for the regencies of their own area only."""

from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import RuleSet
from enrollment.rules import Rules
from enrollment.selectors import rules_in_force
from tests.admin.helpers import form_data
from villages.selectors import area_get

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


# --- The built-in default ---------------------------------------------------------------------

CHANGELIST = reverse("admin:enrollment_ruleset_changelist")


def _this_year() -> int:
    return timezone.localdate().year


def test_the_list_says_the_built_in_default_is_in_force_and_head_office_records_it(
    head_office, english
):
    year = _this_year()
    response = head_office.get(CHANGELIST)
    assert response.context["builtin_default"] == {
        "name": f"Default {year}",
        "year": year,
        "programs": "JKK + JKM",
        "add_url": f"{ADD}?name=Nasional+{year}&year={year}&minimum_programs=JKK%2CJKM",
    }
    assert f"so every page uses the built-in default, “Default {year}”" in response.text

    # The link opens the add form filled in with the default; saved as it is, it is the
    # national rule set, with the same rules under its own name.
    page = head_office.get(response.context["builtin_default"]["add_url"])
    assert head_office.post(ADD, form_data(page)).status_code == 302
    recorded = RuleSet.objects.get()
    assert (recorded.name, recorded.year, recorded.regency_id) == (f"Nasional {year}", year, None)
    country = area_get(code="")
    in_force = rules_in_force(area=country, year=year).national
    assert replace(in_force, name=f"Default {year}", builtin=True) == Rules.default(year)
    assert head_office.get(CHANGELIST).context["builtin_default"] is None


def test_a_manager_is_told_of_the_default_but_offered_no_national_set(banyumas_manager, english):
    response = banyumas_manager.get(CHANGELIST)
    assert response.context["builtin_default"]["add_url"] == ""
    assert "Head office records and edits the national rule set." in response.text


def test_an_earlier_national_set_is_the_one_in_force_and_no_default_is_shown(head_office):
    RuleSet.objects.create(name="Nasional 2024", year=2024)
    assert head_office.get(CHANGELIST).context["builtin_default"] is None


def test_a_regency_set_alone_leaves_the_default_in_force(head_office, banyumas_set):
    assert head_office.get(CHANGELIST).context["builtin_default"]["name"].startswith("Default")
