"""Every admin changelist, search, filter, add form, change form and history page loads for the
superuser, for every registered model, without a per-row query explosion."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from enrollment.models import (
    CoverageSnapshot,
    Declaration,
    ImportRecord,
    Membership,
    RuleSet,
)
from tests.admin.helpers import form_data
from tests.factories import (
    KARANGLEWAS,
    BranchOfficeFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)
from villages.models import AccessLog, DistrictTarget, Regency, RegencyTarget
from villages.roles import user_role_set

MODELS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in {"villages", "enrollment"}
)


@pytest.fixture
def superuser_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def one_of_each(db):
    post = PostFactory(code="KEPALA_DESA", unit="")
    MembershipFactory(person=post.person)
    branch = BranchOfficeFactory()
    branch.regencies.add(Regency.objects.get(code="33.02"))
    RegencyTarget.objects.create(regency_id="33.02", year=2024, target_pct=40, worker_base=700_000)
    DistrictTarget.objects.create(district_id="33.02.03", year=2026, officials_pct=60)
    rule_set = RuleSet.objects.create(name="Nasional 2026", year=2026)
    rule_set.minimum_programs.set(["JKK", "JKM"])
    Declaration.objects.create(
        village_id=KARANGLEWAS, declared_on=dt.date(2026, 3, 1), declared_by="Kepala KC"
    )
    role = user_role_set(username="manajer", kind="manager", area_codes=["33.02"])
    AccessLog.objects.create(user=role.user, action="export", area_code="33.02", rows=3)
    ImportRecord.objects.create(
        origin="command",
        status="imported",
        imported_at=timezone.now(),
        file_name="roster.csv",
        file_sha256="0" * 64,
    )
    CoverageSnapshot.objects.create(
        village_id=KARANGLEWAS,
        month=dt.date(2026, 10, 1),
        category="PERANGKAT",
        posts=1,
        covered=1,
    )
    return post


def _first_pk(app_label, model_name):
    model = next(
        m
        for m in admin.site._registry
        if m._meta.model_name == model_name and m._meta.app_label == app_label
    )
    return model, model.objects.order_by("pk").values_list("pk", flat=True).first()


@pytest.mark.django_db
@pytest.mark.parametrize("app_label,model_name", MODELS)
def test_changelist_search_and_forms_load(superuser_client, one_of_each, app_label, model_name):
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    assert superuser_client.get(changelist).status_code == 200
    assert superuser_client.get(changelist, {"q": "Karanglewas"}).status_code == 200
    add = superuser_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    # Snapshots are written by snapshot_coverage only, the access log by the app itself.
    assert add.status_code == (403 if model_name in {"coveragesnapshot", "accesslog"} else 200)
    _, pk = _first_pk(app_label, model_name)
    for view in ("change", "history"):
        url = reverse(f"admin:{app_label}_{model_name}_{view}", args=[pk])
        assert superuser_client.get(url).status_code == 200, url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name,params,expected",
    [
        ("admin:villages_village_changelist", {"district__regency": "33.02"}, 331),
        ("admin:villages_village_changelist", {"district": "33.02.03"}, 11),
        ("admin:villages_village_changelist", {"district__regency__province": "36"}, None),
        ("admin:villages_village_changelist", {"q": "3302032003"}, 1),
        ("admin:villages_post_changelist", {"village__district__regency": "33.02"}, 1),
        ("admin:villages_post_changelist", {"village__district__regency": "35.23"}, 0),
        ("admin:villages_post_changelist", {"category": "PERANGKAT", "term": "current"}, 1),
        ("admin:villages_post_changelist", {"term": "ended"}, 0),
        ("admin:enrollment_membership_changelist", {"state": "active"}, 1),
        ("admin:enrollment_membership_changelist", {"state": "ended"}, 0),
        ("admin:villages_person_changelist", {"state": "active", "category": "PERANGKAT"}, 1),
        ("admin:villages_person_changelist", {"state": "none"}, 0),
    ],
)
def test_filters_narrow_the_changelist(superuser_client, one_of_each, url_name, params, expected):
    response = superuser_client.get(reverse(url_name), params)
    assert response.status_code == 200
    if expected is not None:
        assert response.context["cl"].result_count == expected


@pytest.mark.django_db
def test_area_filters_render_as_autocomplete_not_a_dropdown(superuser_client, one_of_each):
    response = superuser_client.get(reverse("admin:villages_post_changelist"))
    html = response.content.decode()
    assert 'data-ajax--url="/admin/autocomplete/"' in html
    # No <option> per village: the 8,563 villages of Jawa Tengah alone would be listed.
    assert html.count("<option") < 100


@pytest.mark.django_db
def test_deleting_a_village_with_posts_is_refused(superuser_client, one_of_each):
    url = reverse("admin:villages_village_delete", args=[KARANGLEWAS])
    response = superuser_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert len(response.context["protected"]) == 2  # the Kepala Desa's post, the declaration


@pytest.mark.django_db
def test_deleting_a_person_with_coverage_is_refused(superuser_client, one_of_each):
    url = reverse("admin:villages_person_delete", args=[one_of_each.person.pk])
    response = superuser_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert len(response.context["protected"]) == 2  # the post and the membership
    assert one_of_each.person.__class__.objects.filter(pk=one_of_each.person.pk).exists()


@pytest.mark.django_db
def test_deleting_a_paid_membership_is_refused_with_a_reason(superuser_client, one_of_each):
    membership = Membership.objects.get()
    url = reverse("admin:enrollment_membership_delete", args=[membership.pk])
    response = superuser_client.post(url, {"post": "yes"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["protected"] == [
        f"JKK — {membership.person.name}: paid until 31/12/2026 — "
        "set the paid-until date instead of deleting"
    ]
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_a_membership_without_payment_data_can_be_deleted(superuser_client, one_of_each):
    membership = MembershipFactory(person=one_of_each.person, program_id="JKM", paid_until=None)
    url = reverse("admin:enrollment_membership_delete", args=[membership.pk])
    response = superuser_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_admin_edit_of_a_person_keeps_history(superuser_client, one_of_each):
    person = one_of_each.person
    url = reverse("admin:villages_person_change", args=[person.pk])
    data = form_data(superuser_client.get(url), name="Sugeng Riyadi")
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.name == "Sugeng Riyadi"
    assert [h.name for h in person.history.order_by("history_date")][-1] == "Sugeng Riyadi"
    assert person.history.latest().history_user.username == "root"
    assert person.birth_date == dt.date(1980, 4, 12)
