"""Who may see what: the one place where a user's scope is decided.

Every page, API endpoint, export, admin queryset, autocomplete and import asks here:
`has_scope` (may this user read figures at all), `visible_area` (the area a URL names, if
theirs), and, for querysets, `Model.objects.visible_to(user)` (villages.visibility), built on
`persons_q` and the scope's `village_q` / `area_q` — nowhere else decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from villages.models import Post, Regency, Role

if TYPE_CHECKING:
    from villages.selectors import Area

# The attribute a user's scope is kept in for the rest of the request.
_CACHE = "_bpjs_scope"


@dataclass(frozen=True)
class Scope:
    """The areas a user may see: everything, or the areas below some dotted codes."""

    everything: bool = False
    prefixes: tuple[str, ...] = ()
    role: str = ""

    def covers(self, code: str) -> bool:
        """Whether the area `code` ("" is the country) lies inside the scope."""
        if self.everything:
            return True
        return bool(code) and any(code == p or code.startswith(f"{p}.") for p in self.prefixes)

    def village_q(self, field: str = "code") -> Q:
        """Rows whose village code (at `field`) lies inside the scope."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for prefix in self.prefixes:
            q |= Q(**{field: prefix}) | Q(**{f"{field}__startswith": f"{prefix}."})
        return q

    def area_q(self, field: str = "code") -> Q:
        """Regions (provinces, regencies, districts) inside the scope, or above it: a user
        may pick their own province in a filter, but sees only their own figures below it."""
        if self.everything:
            return Q()
        q = self.village_q(field)
        for prefix in self.prefixes:
            parts = prefix.split(".")
            q |= Q(**{f"{field}__in": [".".join(parts[:i]) for i in range(1, len(parts))]})
        return q

    def sees_area(self, code: str) -> bool:
        """Whether `code` may be named in a filter: inside the scope, or above it."""
        return self.covers(code) or (
            bool(code) and any(p.startswith(f"{code}.") for p in self.prefixes)
        )

    def holds_whole(self, width: int) -> bool:
        """Whether a whole area with a dotted code of `width` characters or fewer (2 a
        province, 5 a regency) lies inside the scope: the national standing shows a user
        the regencies or provinces of their own (enrollment.ranking_views)."""
        return self.everything or any(len(prefix) <= width for prefix in self.prefixes)

    @property
    def home(self) -> str:
        """The area a user lands on: the country, or their first area."""
        if self.everything or not self.prefixes:
            return ""
        return self.prefixes[0]


def has_scope(user) -> bool:
    """Whether `user` may read any figures at all: logged in, with a role or as superuser.
    Pages answer 403 and the API 403 when not (anonymous users are asked to log in)."""
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    return scope.everything or bool(scope.prefixes)


def visible_area(user, code: str) -> Area | None:
    """The area with this Kemendagri code (dotted or not; "" is the country) if `user` may
    see it, else None. Pages, exports and the API answer None with the same 404 as an
    unknown code, so a code outside the scope reveals nothing."""
    from villages.selectors import area_get

    area = area_get(code=code)
    if area is None or area.code.replace(".", "") != code.replace(".", ""):
        return None
    if code and area.level == "country":  # "." and the like
        return None
    return area if scope_for(user).covers(area.code) else None


def may_see_full_nik(user) -> bool:
    """Whether NIK, KPJ and phone numbers are shown to `user` in full rather than masked."""
    return user.has_perm("villages.view_full_nik")


def persons_q(user) -> Q:
    """Persons the user may see: holders of a post (current or ended) in the scope, and
    persons entered in the scope (`Person.created_in`) — staff find a person they have just
    entered, to give them a post. A person entered elsewhere with no post is not theirs."""
    scope = scope_for(user)
    if scope.everything:
        return Q()
    held = Post.objects.filter(scope.village_q("village__code")).values("person_id")
    return Q(pk__in=held) | scope.village_q("created_in")


def scope_for(user) -> Scope:
    """The user's scope, computed once per request."""
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = _compute(user)
        if user.is_authenticated:
            setattr(user, _CACHE, cached)
    return cached


def _compute(user) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True, role="superuser")
    role = Role.objects.filter(user=user).select_related("branch", "regional_office").first()
    if role is None:
        return Scope()
    if role.kind == Role.Kind.HEAD_OFFICE:
        return Scope(everything=True, role=role.kind)
    codes = set(role.areas.values_list("code", flat=True))
    if role.kind == Role.Kind.BRANCH_STAFF and role.branch is not None:
        codes |= set(role.branch.regencies.values_list("code", flat=True))
    if role.kind == Role.Kind.REGIONAL_OFFICE and role.regional_office_id:
        codes |= set(
            Regency.objects.filter(branches__regional_office=role.regional_office_id).values_list(
                "code", flat=True
            )
        )
    return Scope(prefixes=_outermost(codes), role=role.kind)


def _outermost(codes: set[str]) -> tuple[str, ...]:
    """Drop codes that lie inside another code of the set: 33 covers 33.02."""
    keep = [c for c in codes if not any(c != o and c.startswith(f"{o}.") for o in codes)]
    return tuple(sorted(keep))


def access_log(*, user, action: str, area_code: str = "", rows: int = 0, what: str = "") -> None:
    """Record a display of full identifiers or an export, by an authenticated user."""
    from villages.models import AccessLog

    if user.is_authenticated:
        AccessLog.objects.create(
            user=user, action=action, area_code=area_code, rows=rows, what=what[:200]
        )
