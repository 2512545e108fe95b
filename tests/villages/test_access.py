"""Scopes by role, and add_user."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import BranchOfficeFactory, RegionalOfficeFactory, UserFactory
from villages.access import Scope, scope_for
from villages.models import Regency, Role, Village
from villages.roles import user_role_set

PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def purwokerto(db):
    branch = BranchOfficeFactory(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code__in=["33.02", "33.03"]))
    return branch


def test_anonymous_and_roleless_users_see_nothing(db):
    assert scope_for(AnonymousUser()) == Scope()
    assert scope_for(UserFactory(is_staff=True)) == Scope()
    assert Scope().covers("33.02") is False
    assert Scope().covers("") is False


def test_superuser_and_head_office_see_everything(db):
    assert scope_for(UserFactory(is_superuser=True)).everything is True
    role = user_role_set(username="pusat", kind="head_office")
    assert scope_for(role.user) == Scope(everything=True, role="head_office")
    assert scope_for(role.user).covers("") is True


def test_branch_staff_see_the_regencies_of_their_branch(purwokerto):
    role = user_role_set(username="staf", kind="branch_staff", branch_name="purwokerto")
    scope = scope_for(role.user)
    assert scope.prefixes == ("33.02", "33.03")
    assert scope.covers("33.02") and scope.covers("33.02.03.2003") and scope.covers("33.03.01")
    assert not scope.covers("33") and not scope.covers("33.04") and not scope.covers("")
    # "33.02" must not cover "33.020…"-like codes of a sibling: prefixes end at a dot.
    assert not scope.covers("33.021")
    assert Village.objects.filter(scope.village_q()).count() == 331 + Village.objects.filter(
        code__startswith="33.03."
    ).count()
    assert role.user.is_staff is True
    assert role.user.has_perm("villages.change_person") is True
    assert role.user.has_perm("villages.delete_person") is False
    assert role.user.has_perm("villages.view_full_nik") is True


def test_regional_office_sees_the_regencies_of_its_branches(purwokerto):
    tuban = BranchOfficeFactory(name="Tuban", regional_office=RegionalOfficeFactory(name="Jatim"))
    tuban.regencies.set(Regency.objects.filter(code="35.23"))
    role = user_role_set(
        username="kanwil", kind="regional_office",
        regional_office_name=purwokerto.regional_office.name,
    )
    assert scope_for(role.user).prefixes == ("33.02", "33.03")
    assert role.user.has_perm("villages.change_person") is False
    assert role.user.has_perm("villages.view_person") is True


def test_manager_sees_assigned_areas_read_only(db):
    role = user_role_set(username="manajer", kind="manager", area_codes=["3302", "33.02.03", "35"])
    scope = scope_for(role.user)
    assert scope.prefixes == ("33.02", "35")  # 33.02.03 lies inside 33.02
    assert scope.home == "33.02"  # the first of the areas
    assert role.user.has_perm("villages.view_post") is True
    assert role.user.has_perm("villages.change_post") is False
    assert role.user.has_perm("villages.view_full_nik") is False


def test_village_secretary_sees_one_village_and_no_admin(db):
    role = user_role_set(username="sekdes", kind="village_secretary", area_codes=["3302032003"])
    scope = scope_for(role.user)
    assert scope.prefixes == ("33.02.03.2003",)
    assert scope.home == "33.02.03.2003"
    assert scope.covers("33.02.03.2003") and not scope.covers("33.02.03.2001")
    assert not scope.covers("33.02.03")
    assert role.user.is_staff is False


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"kind": "village_secretary", "area_codes": ["33.02"]},
         "A village secretary has exactly one village: give its code."),
        ({"kind": "manager"},
         "A manager needs at least one area: a province, regency or district code."),
        ({"kind": "manager", "area_codes": ["99.99"]},
         "No province, regency, district or village has the code 99.99."),
        ({"kind": "branch_staff", "branch_name": "Atlantis"},
         "No branch office is named Atlantis. Known: —."),
        ({"kind": "branch_staff"}, "Branch staff need a branch office."),
    ],
)
def test_bad_roles_are_refused_and_write_nothing(db, kwargs, message):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as error:
        user_role_set(username="baru", **kwargs)
    assert message in error.value.messages
    assert not User.objects.filter(username="baru").exists()


def test_add_user_command_creates_and_updates(purwokerto, monkeypatch, capsys):
    monkeypatch.setenv("ADD_USER_PASSWORD", PASSWORD)
    call_command("add_user", "ani", "--role", "manager", "--area", "33.02")
    user = User.objects.get(username="ani")
    assert user.check_password(PASSWORD)
    assert scope_for(user).prefixes == ("33.02",)
    call_command("add_user", "ani", "--role", "branch_staff", "--branch", "Purwokerto")
    user = User.objects.get(username="ani")
    assert user.role.kind == Role.Kind.BRANCH_STAFF
    assert list(user.role.areas.values_list("code", flat=True)) == []
    assert [g.name for g in user.groups.all()] == ["Staf cabang"]


def test_add_user_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("ADD_USER_PASSWORD", "12345")
    with pytest.raises(CommandError):
        call_command("add_user", "lemah", "--role", "head_office")
    assert not User.objects.filter(username="lemah").exists()


def test_add_user_with_an_unknown_area_is_a_command_error(db, monkeypatch):
    monkeypatch.setenv("ADD_USER_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="99"):
        call_command("add_user", "x", "--role", "manager", "--area", "99")


def test_head_office_reads_our_access_log_not_the_login_log(db):
    user = user_role_set(username="pusat", kind="head_office").user
    assert user.has_perm("villages.view_accesslog") is True
    assert user.has_perm("axes.view_accesslog") is False
    assert user.has_perm("villages.delete_accesslog") is False


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("33.02", "33.02"),
        ("3302", "33.02"),
        ("33.02.03.2003", "33.02.03.2003"),
        ("33.0.2", None),  # the digits of a real code, dotted wrongly
        (".", None),
        ("35.23", None),  # real, outside the scope
        ("99", None),
    ],
)
def test_visible_area_is_the_area_in_scope_or_none(django_user_model, code, found):
    from villages.access import visible_area
    from villages.roles import user_role_set

    user_role_set(username="manajer", kind="manager", area_codes=["33.02"])
    user = django_user_model.objects.get(username="manajer")
    area = visible_area(user, code)
    assert (area.code if area else None) == found


def test_has_scope_only_for_users_with_a_role(django_user_model):
    from django.contrib.auth.models import AnonymousUser

    from villages.access import has_scope

    nobody = django_user_model.objects.create_user("tanpa-peran")
    boss = django_user_model.objects.create_superuser("super", password="x-very-long-pw")
    assert [has_scope(AnonymousUser()), has_scope(nobody), has_scope(boss)] == [
        False,
        False,
        True,
    ]
