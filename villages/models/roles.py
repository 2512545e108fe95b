"""Users' roles and the areas each role covers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from villages.models.offices import BranchOffice, RegionalOffice

if TYPE_CHECKING:
    pass



class Role(models.Model):
    """What a user may see and do: a role and the areas it covers."""

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        REGIONAL_OFFICE = "regional_office", _("Regional office")
        BRANCH_STAFF = "branch_staff", _("Branch staff")
        MANAGER = "manager", _("Manager")
        VILLAGE_SECRETARY = "village_secretary", _("Village secretary")

    user = models.OneToOneField(
        "auth.User", on_delete=models.CASCADE, related_name="role", verbose_name=_("user")
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    branch = models.ForeignKey(
        BranchOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("branch office"),
        help_text=_("Branch staff see the regencies their branch serves."),
    )
    regional_office = models.ForeignKey(
        RegionalOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("regional office"),
        help_text=_("Regional office staff see the regencies of its branches."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="branch_staff") | Q(branch__isnull=False),
                name="%(app_label)s_%(class)s_branch_staff_has_branch",
                violation_error_message=_("Branch staff need a branch office."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="regional_office") | Q(regional_office__isnull=False),
                name="%(app_label)s_%(class)s_regional_has_office",
                violation_error_message=_("Regional office staff need a regional office."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_kind_display()}"


class RoleArea(models.Model):
    """An area a role covers, by Kemendagri code: a province, regency, district or village."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("area code"), max_length=13)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "code"],
                name="%(app_label)s_%(class)s_unique_code",
                violation_error_message=_("This area is already assigned."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        from villages.selectors import area_get

        area = area_get(code=self.code) if self.code else None
        if area is None:
            raise ValidationError(
                {
                    "code": _("No province, regency, district or village has the code %(code)s.")
                    % {"code": self.code}
                }
            )
        self.code = area.code  # dotted form
