"""Roles: the Django groups and permissions that go with each role, and assigning a role."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from villages.models import BranchOffice, RegionalOffice, Role, RoleArea

READ = ["view"]
EDIT = ["view", "add", "change"]
_DATA = ["village", "person", "post", "membership", "declaration", "regencytarget"]
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
GROUP_NAMES = {
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
            content_type__app_label__in=["villages", "enrollment"],
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
    area_codes: list[str] = (),  # type: ignore[assignment]
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
    role.save()
    _set_areas(role, area_codes)
    role_apply(role)
    return role


def role_apply(role: Role) -> None:
    """Give the user what the role implies: the admin only for staff roles, and its group."""
    user = role.user
    user.is_staff = role.kind != Role.Kind.VILLAGE_SECRETARY
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


def _set_areas(role: Role, codes) -> None:
    areas = []
    for code in codes:
        area = RoleArea(role=role, code=code)
        area.clean()
        areas.append(area)
    if role.kind == Role.Kind.VILLAGE_SECRETARY and (len(areas) != 1 or len(areas[0].code) != 13):
        raise ValidationError(_("A village secretary has exactly one village (--area CODE)."))
    if role.kind == Role.Kind.MANAGER and not areas:
        raise ValidationError(_("A manager needs at least one regency or province (--area)."))
    role.areas.all().delete()
    RoleArea.objects.bulk_create(areas)
