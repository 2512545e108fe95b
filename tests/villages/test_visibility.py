"""`Model.objects.visible_to(user)` for every model on the map: the row in the user's scope,
not the one outside it; everything for head office; nothing for a user without a role."""

import pytest
from django.apps import apps

from tests.test_permission_matrix import _objects, _users

MAPPED = sorted(
    (m for m in apps.get_models() if hasattr(m, "visible_by") and not m._meta.proxy),
    key=lambda m: m._meta.label,
)


def test_the_models_on_the_map():
    assert [m._meta.label for m in MAPPED] == [
        "campaign.OutreachEvent",
        "campaign.PerisaiAgent",
        "campaign.Registration",
        "enrollment.CoverageSnapshot",
        "enrollment.Declaration",
        "enrollment.Membership",
        "enrollment.RuleSet",
        "finance.FinanceRecord",
        "villages.District",
        "villages.DistrictTarget",
        "villages.Person",
        "villages.Post",
        "villages.Province",
        "villages.Regency",
        "villages.RegencyTarget",
        "villages.Village",
    ]


@pytest.mark.parametrize("model", MAPPED, ids=lambda m: m._meta.model_name)
def test_a_manager_sees_the_row_in_scope_and_not_the_other(db, model):
    users = _users()
    inside, outside = _objects(users)[model._meta.model_name]
    seen = set(model.objects.visible_to(users["manager"]).values_list("pk", flat=True))
    assert inside in seen
    assert outside not in seen
    everything = set(model.objects.visible_to(users["head_office"]).values_list("pk", flat=True))
    assert {inside, outside} <= everything
    assert not model.objects.visible_to(users["no_role"]).exists()


def test_a_national_rule_set_is_seen_by_every_scoped_user(db):
    from enrollment.models import RuleSet

    users = _users()
    national = RuleSet.objects.create(name="Nasional", year=2026)
    assert national in RuleSet.objects.visible_to(users["village_secretary"])
