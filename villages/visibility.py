"""`Model.objects.visible_to(user)`: the rows of a scoped model that a user may see, after
NetBox's `RestrictedQuerySet.restrict`. Each scoped model says how its rows belong to the map
(`visible_by`); the decision itself is `villages.access`'s, and the admin's querysets,
foreign-key choices and autocompletes all ask here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


@dataclass(frozen=True)
class VisibleBy:
    """How a model's rows belong to the map: `field` holds a village code ("village"), an
    area code of a region shown above a user's scope too ("area"), a person ("person"), or
    a regency code that may be empty for a national row everyone sees ("regency_or_national"),
    or a regency code beside villages the row names (its many-to-many `villages`): a user sees
    the row when the regency or one of those villages is in their scope ("regency_or_villages":
    a district's manager or a village's secretary sees the outreach events held for their
    villages and the agents serving them)."""

    kind: Literal["village", "area", "person", "regency_or_national", "regency_or_villages"]
    field: str


class VisibleQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> VisibleQuerySet:
        """The rows `user` may see: all for head office and superusers, none without a role."""
        from villages.access import persons_q, scope_for

        scope = scope_for(user)
        if scope.everything:
            return self
        rule: VisibleBy = getattr(self.model, "visible_by")  # noqa: B009 - set by each model
        condition: Any
        if rule.kind == "person":
            persons = Q(persons_q(user))
            if rule.field == "pk":
                condition = persons
            else:
                from villages.models import Person

                held = Person.objects.filter(persons).values("pk")
                condition = Q(**{f"{rule.field}__in": held})
        elif rule.kind == "area":
            condition = scope.area_q(rule.field)
        elif rule.kind == "regency_or_villages":
            named = self.model._default_manager.filter(scope.village_q("villages__code"))
            condition = scope.village_q(rule.field) | Q(pk__in=named.values("pk"))
        elif rule.kind == "regency_or_national":
            condition = Q(**{f"{rule.field}__isnull": True}) | scope.village_q(rule.field)
        else:
            condition = scope.village_q(rule.field)
        return self.filter(condition)


VisibleManager = models.Manager.from_queryset(VisibleQuerySet)
