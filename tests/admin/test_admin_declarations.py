"""Declaring Desa Sadar in the admin checks the village against its rule set on the day
declared: a village that fails is declared only with an explicit confirmation, after the form
has listed the criteria it fails, and the declaration records how the village stood."""

import datetime as dt

import pytest
from django.urls import reverse

from enrollment.models import Declaration
from tests.admin.helpers import form_data
from tests.factories import PostFactory, covered

ADD = reverse("admin:enrollment_declaration_add")
KARANGLEWAS = "33.02.03.2003"
DAY = dt.date(2026, 3, 2)
CONFIRM = "confirm_ineligible"


def _perangkat(covered_count: int, total: int) -> None:
    """`total` Kaur posts in Karanglewas, the first `covered_count` holders covered."""
    for index in range(total):
        post = PostFactory(code="KAUR", village_id=KARANGLEWAS)
        if index < covered_count:
            covered(post.person)


def _add(client, **changes):
    values = {
        "village": KARANGLEWAS,
        "declared_on": DAY.strftime("%d/%m/%Y"),
        "declared_by": "Kepala KC Purwokerto",
    }
    return client.post(ADD, form_data(client.get(ADD), **(values | changes)))


def _refusal(response) -> list[str]:
    assert response.status_code == 200
    return response.context["adminform"].form.errors[CONFIRM]


FAILING = [
    "Karanglewas does not meet the rule set “Default 2026” on 02/03/2026:",
    "All village officials covered: 1 of 4 covered",
    "Tick the box to declare it anyway: the declaration is then recorded as made while these "
    "criteria were not met.",
]


def test_a_failing_village_is_refused_with_the_criteria_it_fails(banyumas_staff, english):
    _perangkat(covered_count=1, total=4)
    assert _refusal(_add(banyumas_staff)) == FAILING
    assert Declaration.objects.count() == 0


def test_a_failing_village_is_declared_once_confirmed_and_recorded_as_such(banyumas_staff, english):
    _perangkat(covered_count=1, total=4)
    assert _add(banyumas_staff, **{CONFIRM: "on"}).status_code == 302
    declaration = Declaration.objects.get()
    assert (
        declaration.village_id,
        declaration.declared_on,
        declaration.eligible_when_declared,
        declaration.rule_set_name,
        declaration.failed_criteria,
    ) == (KARANGLEWAS, DAY, False, "Default 2026", "All village officials covered: 1 of 4 covered")
    # The history keeps what was recorded, and who declared it.
    record = declaration.history.get()
    assert (record.eligible_when_declared, record.history_user.username) == (False, "staf")


def test_a_village_that_passes_needs_no_confirmation(banyumas_staff, english):
    _perangkat(covered_count=3, total=3)
    assert _add(banyumas_staff).status_code == 302
    declaration = Declaration.objects.get()
    assert (
        declaration.eligible_when_declared,
        declaration.rule_set_name,
        declaration.failed_criteria,
    ) == (True, "Default 2026", "")


def test_a_village_without_posts_fails_for_want_of_data(banyumas_staff, english):
    assert _refusal(_add(banyumas_staff))[1] == "All village officials covered: no posts recorded"


def test_editing_a_note_keeps_what_was_recorded(banyumas_staff, english):
    _perangkat(covered_count=1, total=4)
    _add(banyumas_staff, **{CONFIRM: "on"})
    declaration = Declaration.objects.get()
    url = reverse("admin:enrollment_declaration_change", args=[declaration.pk])
    page = banyumas_staff.get(url)
    assert page.status_code == 200
    assert banyumas_staff.post(url, form_data(page, note="MoU ditandatangani")).status_code == 302
    declaration.refresh_from_db()
    assert (declaration.note, declaration.eligible_when_declared) == ("MoU ditandatangani", False)


def test_moving_the_day_checks_the_village_again(banyumas_staff, english):
    _perangkat(covered_count=1, total=4)
    _add(banyumas_staff, **{CONFIRM: "on"})
    declaration = Declaration.objects.get()
    url = reverse("admin:enrollment_declaration_change", args=[declaration.pk])
    response = banyumas_staff.post(
        url, form_data(banyumas_staff.get(url), declared_on="03/03/2026")
    )
    assert _refusal(response)[0] == (
        "Karanglewas does not meet the rule set “Default 2026” on 03/03/2026:"
    )
    assert Declaration.objects.get().declared_on == DAY


@pytest.mark.parametrize("field", ["eligible_when_declared", "rule_set_name", "failed_criteria"])
def test_the_recorded_standing_cannot_be_posted(banyumas_staff, english, field):
    _perangkat(covered_count=1, total=4)
    _add(banyumas_staff, **{CONFIRM: "on", field: "1"})
    assert Declaration.objects.get().eligible_when_declared is False


def test_a_village_out_of_scope_cannot_be_declared(banyumas_staff, english):
    response = _add(banyumas_staff, village="35.23.08.2016")  # Karanglo, Tuban
    assert list(response.context["adminform"].form.errors) == ["village"]
    assert Declaration.objects.count() == 0
