"""Roles: the Django groups and permissions that go with each role, and assigning a role."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from villages.models import BranchOffice, RegionalOffice, Role, RoleArea

READ = ["view"]
EDIT = ["view", "add", "change"]
_DATA = [
    "village",
    "person",
    "post",
    "membership",
    "declaration",
    "regencytarget",
    "districttarget",
    "registration",  # campaign: residents' registrations, written by their import
]
_REFERENCE = [
    "province",
    "regency",
    "district",
    "branchoffice",
    "regionaloffice",
    "program",
    "ruleset",
    "coveragesnapshot",
]

# Model permissions per role (app label is looked up by model name). Nobody but a superuser
# deletes: posts and memberships are ended, not erased.
ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    Role.Kind.HEAD_OFFICE: {
        **dict.fromkeys(_DATA + _REFERENCE, EDIT),
        "accesslog": READ,
        "role": EDIT,
    },
    Role.Kind.REGIONAL_OFFICE: dict.fromkeys(_DATA + _REFERENCE, READ),
    Role.Kind.BRANCH_STAFF: {**dict.fromkeys(_REFERENCE, READ), **dict.fromkeys(_DATA, EDIT)},
    Role.Kind.MANAGER: {**dict.fromkeys(_DATA + _REFERENCE, READ), "ruleset": EDIT},
    Role.Kind.VILLAGE_SECRETARY: {},
}
# Fixed names (not translated labels), so a group is found again whatever the language.
GROUP_NAMES: dict[str, str] = {
    Role.Kind.HEAD_OFFICE: "Kantor pusat",
    Role.Kind.REGIONAL_OFFICE: "Kantor wilayah",
    Role.Kind.BRANCH_STAFF: "Staf cabang",
    Role.Kind.MANAGER: "Manajer",
    Role.Kind.VILLAGE_SECRETARY: "Sekretaris desa",
}
# Branch staff match people by NIK when they enter data; others see masked identifiers
# unless a superuser grants "villages.view_full_nik" for a purpose.
FULL_NIK_ROLES = {Role.Kind.BRANCH_STAFF}


def role_group(kind: str) -> Group:
    """The group of a role, with exactly the role's permissions (made or refreshed)."""
    group, _created = Group.objects.get_or_create(name=GROUP_NAMES[kind])
    wanted = [
        (f"{action}_{model}", model)
        for model, actions in ROLE_PERMISSIONS[kind].items()
        for action in actions
    ]
    # Our own apps only: django-axes has an "accesslog" model too.
    perms = list(
        Permission.objects.filter(
            content_type__app_label__in=["villages", "enrollment", "campaign"],
            codename__in=[codename for codename, _model in wanted],
        )
    )
    if kind in FULL_NIK_ROLES:
        perms += list(Permission.objects.filter(codename="view_full_nik"))
    group.permissions.set(perms)
    return group


@transaction.atomic
def user_role_set(
    *,
    username: str,
    kind: str,
    area_codes: Sequence[str] = (),
    branch_name: str | None = None,
    regional_office_name: str | None = None,
    password: str | None = None,
) -> Role:
    """Create or update a user with a role, its areas and its group. Raises ValidationError
    with a clear message on anything wrong, and then writes nothing."""
    if kind not in Role.Kind.values:
        raise ValidationError(_("Unknown role %(kind)s.") % {"kind": kind})
    user = User.objects.filter(username=username).first() or User(username=username)
    user.is_staff = kind != Role.Kind.VILLAGE_SECRETARY
    if password:
        password_validation.validate_password(password, user)
        user.set_password(password)
    user.save()
    role = Role.objects.filter(user=user).first() or Role(user=user)
    role.kind = kind
    role.branch = _named(BranchOffice, branch_name)
    role.regional_office = _named(RegionalOffice, regional_office_name)
    role.full_clean()
    areas = _clean_areas(role, area_codes)
    role_areas_check(kind=kind, codes=[area.code for area in areas])
    role.save()
    _set_areas(role, areas)
    role_apply(role)
    return role


def role_areas_check(*, kind: str, codes: list[str]) -> None:
    """The areas a role of `kind` needs (`codes`: known areas, dotted). The one rule for the
    admin and add_user: a role without the area it needs sees nothing, and a village
    secretary with no village has no admin either."""
    if kind == Role.Kind.VILLAGE_SECRETARY and (len(codes) != 1 or len(codes[0]) != 13):
        raise ValidationError(_("A village secretary has exactly one village: give its code."))
    if kind == Role.Kind.MANAGER and not codes:
        raise ValidationError(
            _("A manager needs at least one area: a province, regency or district code.")
        )


def role_change_check(*, editor, user: User, kind: str, before: Role | None) -> None:
    """Whether `editor` may give `user` the role `kind` (`before`: the stored role changed,
    if any). Nobody changes their own role; only a superuser gives, changes or takes away a
    head-office role, or touches a superuser's role: head office could otherwise give itself
    full identifiers, or lock a superuser out of the admin."""
    users = {user} | ({before.user} if before is not None else set())
    if editor in users:
        raise ValidationError(_("You cannot change your own role: ask another administrator."))
    if editor.is_superuser:
        return
    kinds = {kind} | ({before.kind} if before is not None else set())
    if Role.Kind.HEAD_OFFICE in kinds:
        raise ValidationError(_("Only a superuser gives, changes or removes a head-office role."))
    if any(u.is_superuser for u in users):
        raise ValidationError(_("Only a superuser changes the role of a superuser."))


def role_apply(role: Role) -> None:
    """Give the user what the role implies: the admin only for staff roles (a superuser keeps
    it whatever their role), and its group."""
    user = role.user
    user.is_staff = user.is_superuser or role.kind != Role.Kind.VILLAGE_SECRETARY
    user.save(update_fields=["is_staff"])
    user.groups.set([role_group(role.kind)])


def _named(model, name: str | None):
    if not name:
        return None
    found = model.objects.filter(name__iexact=name).first()
    if found is None:
        choices = ", ".join(model.objects.values_list("name", flat=True)[:20])
        raise ValidationError(
            _("No %(what)s is named %(name)s. Known: %(choices)s.")
            % {"what": model._meta.verbose_name, "name": name, "choices": choices or "—"}
        )
    return found


def _clean_areas(role: Role, codes: Sequence[str]) -> list[RoleArea]:
    areas = []
    for code in codes:
        area = RoleArea(role=role, code=code)
        area.clean()  # a known area, its code dotted
        areas.append(area)
    return areas


def _set_areas(role: Role, areas: list[RoleArea]) -> None:
    """Keep the role's areas that stay, delete and add the others one by one: each change
    is then in the areas' history."""
    wanted = {area.code for area in areas}
    for old in role.areas.exclude(code__in=wanted):
        old.delete()
    kept = set(role.areas.values_list("code", flat=True))
    for area in areas:
        if area.code not in kept:
            area.save()
            kept.add(area.code)
