"""Full identifiers shown in the admin are logged with the area of the person they belong to:
a person's NIK on their page, a membership's KPJ number on its page, and both on past versions."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from enrollment.models import Membership
from tests.factories import MembershipFactory, PersonFactory, PostFactory
from villages.models import AccessLog

KARANGLEWAS, GUNUNGWETAN = "33.02.03.2003", "33.02.03.2001"


def _log() -> list[tuple]:
    rows = AccessLog.objects.order_by("pk")
    return list(rows.values_list("user__username", "action", "area_code", "rows", "what"))


@pytest.fixture
def holder(db):
    return PostFactory(village_id=KARANGLEWAS).person


def test_a_full_kpj_on_the_membership_page_is_logged_with_the_village(banyumas_staff, holder):
    membership = MembershipFactory(person=holder, kpj_number="18012345678")
    url = reverse("admin:enrollment_membership_change", args=[membership.pk])
    assert "18012345678" in banyumas_staff.get(url).content.decode()
    assert _log() == [
        ("staf", "full_identifiers", KARANGLEWAS, 1, f"admin membership {membership.pk}")
    ]


def test_a_membership_page_without_a_kpj_is_not_logged(banyumas_staff, holder):
    membership = MembershipFactory(person=holder, kpj_number="")
    url = reverse("admin:enrollment_membership_change", args=[membership.pk])
    assert banyumas_staff.get(url).status_code == 200
    assert _log() == []


def test_a_masked_kpj_is_not_logged(banyumas_manager, holder):
    membership = MembershipFactory(person=holder, kpj_number="18012345678")
    url = reverse("admin:enrollment_membership_change", args=[membership.pk])
    assert "18012345678" not in banyumas_manager.get(url).content.decode()
    assert _log() == []


def test_a_past_version_of_a_membership_is_logged(banyumas_staff, holder):
    membership = MembershipFactory(person=holder, kpj_number="18012345678")
    version = Membership.history.get(id=membership.pk).history_id
    url = reverse("admin:enrollment_membership_simple_history", args=[membership.pk, version])
    assert "18012345678" in banyumas_staff.get(url).content.decode()
    assert _log() == [
        (
            "staf",
            "full_identifiers",
            KARANGLEWAS,
            1,
            f"admin membership {membership.pk} version {version}",
        )
    ]


def test_a_person_page_is_logged_with_the_village_of_their_posts(banyumas_staff, holder):
    PostFactory(village_id=KARANGLEWAS, person=holder, code="KASI")
    banyumas_staff.get(reverse("admin:villages_person_change", args=[holder.pk]))
    assert _log() == [("staf", "full_identifiers", KARANGLEWAS, 1, f"admin person {holder.pk}")]


def test_a_person_with_posts_in_two_villages_is_logged_with_their_district(banyumas_staff, holder):
    PostFactory(village_id=GUNUNGWETAN, person=holder, code="KASI")
    banyumas_staff.get(reverse("admin:villages_person_change", args=[holder.pk]))
    assert _log() == [("staf", "full_identifiers", "33.02.03", 1, f"admin person {holder.pk}")]


def test_a_person_without_a_post_is_logged_with_where_they_were_entered(banyumas_staff):
    person = PersonFactory(created_in="33.02")
    banyumas_staff.get(reverse("admin:villages_person_change", args=[person.pk]))
    version = person.history.get().history_id
    banyumas_staff.get(reverse("admin:villages_person_simple_history", args=[person.pk, version]))
    assert _log() == [
        ("staf", "full_identifiers", "33.02", 1, f"admin person {person.pk}"),
        ("staf", "full_identifiers", "33.02", 1, f"admin person {person.pk} version {version}"),
    ]


def test_head_office_sees_a_person_of_two_provinces_logged_for_the_country(head_office, holder):
    # Head office holds view_full_nik only when a superuser grants it for a purpose.
    user = User.objects.get(username="pusat")
    user.user_permissions.add(Permission.objects.get(codename="view_full_nik"))
    PostFactory(village_id="35.23.08.2016", person=holder, code="KASI")
    head_office.get(reverse("admin:villages_person_change", args=[holder.pk]))
    assert _log() == [("pusat", "full_identifiers", "", 1, f"admin person {holder.pk}")]
