"""BPJS Ketenagakerjaan's regional offices and the branch offices under them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from villages.models.regions import Regency

if TYPE_CHECKING:
    pass



class RegionalOffice(models.Model):
    """A regional office of BPJS Ketenagakerjaan (Kantor Wilayah); there are 11."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("regional office")
        verbose_name_plural = _("regional offices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BranchOffice(models.Model):
    """A branch office (Kantor Cabang or Kantor Cabang Perintis) serving one or more regencies."""

    class Kind(models.TextChoices):
        KC = "KC", _("Kantor Cabang")
        KCP = "KCP", _("Kantor Cabang Perintis")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices, default=Kind.KC)
    regional_office = models.ForeignKey(
        RegionalOffice,
        on_delete=models.PROTECT,
        related_name="branches",
        verbose_name=_("regional office"),
    )
    regencies = models.ManyToManyField(
        Regency, related_name="branches", blank=True, verbose_name=_("regencies served")
    )

    class Meta:
        verbose_name = _("branch office")
        verbose_name_plural = _("branch offices")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"
