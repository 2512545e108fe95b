"""Who may do what with the finance figures, by role (the areas are villages.access's):
branch staff and head office import and correct the figures of their areas; regional
offices and managers read them; only head office edits the contribution rates; nobody but a
superuser deletes."""

from __future__ import annotations

from villages.access import scope_for
from villages.models import Role

READERS = {
    "superuser",
    Role.Kind.HEAD_OFFICE,
    Role.Kind.REGIONAL_OFFICE,
    Role.Kind.BRANCH_STAFF,
    Role.Kind.MANAGER,
}
EDITORS = {"superuser", Role.Kind.HEAD_OFFICE, Role.Kind.BRANCH_STAFF}
RATE_EDITORS = {"superuser", Role.Kind.HEAD_OFFICE}


def _role(user) -> str:
    if not user.is_authenticated or not user.is_staff:
        return ""
    return scope_for(user).role


def finance_may_read(user) -> bool:
    return _role(user) in READERS


def finance_may_edit(user) -> bool:
    """Import, add and correct figures (of the user's own areas)."""
    return _role(user) in EDITORS


def rates_may_edit(user) -> bool:
    return _role(user) in RATE_EDITORS
