"""The categories of post, and the posts in each: the one list everything else derives from.

A post's choices and its category (`villages.models.Post`), the order of categories and posts
on every page, the columns of the day's figures (`enrollment.models.VillageDay`), the Desa
Sadar criteria and their rule-set fields (`enrollment.models.RuleSet`, `enrollment.rules`),
the rule-set form, and the labels the roster import accepts all read this tuple.

Adding a category is one `Category(...)` below, then `manage.py makemigrations` (new choices,
new rule-set fields and day columns) and a new frozen copy of the summary's trigger SQL (the
day's row names each column; see `enrollment.summary` and the test that pins the copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class PostKind:
    """A post (jabatan): its code, its label, the Indonesian names the roster import accepts
    besides the code (the first is the one it writes), and who holds it: one person per
    village, one per unit (an RT or RW), or any number."""

    code: str
    label: StrOrPromise
    names: tuple[str, ...]
    holder: str = "many"  # "village", "unit" or "many"


@dataclass(frozen=True)
class Category:
    """A dashboard category of posts. `prefix` names its day columns and rule-set fields.
    A category with `who` has a Desa Sadar criterion ("All <who> covered"), labelled in the
    rule-set form by `criterion_label` and `min_pct_label`."""

    code: str
    prefix: str
    label: StrOrPromise
    posts: tuple[PostKind, ...]
    who: StrOrPromise | None = None
    criterion_label: StrOrPromise | None = None
    min_pct_label: StrOrPromise | None = None
    criterion_on_by_default: bool = False

    @property
    def has_criterion(self) -> bool:
        return self.who is not None


CATEGORIES: tuple[Category, ...] = (
    Category(
        "PERANGKAT",
        "perangkat",
        _("Village officials (perangkat desa)"),
        (
            PostKind(
                "KEPALA_DESA",
                _("Village head (Kepala Desa)"),
                ("Kepala Desa", "Lurah", "Kades"),
                "village",
            ),
            PostKind(
                "SEKRETARIS_DESA",
                _("Village secretary (Sekretaris Desa)"),
                ("Sekretaris Desa", "Sekdes"),
                "village",
            ),
            PostKind("KAUR", _("Head of affairs (Kepala Urusan)"), ("Kepala Urusan", "Kaur")),
            PostKind("KASI", _("Head of section (Kepala Seksi)"), ("Kepala Seksi", "Kasi")),
            PostKind("KEPALA_DUSUN", _("Hamlet head (Kepala Dusun)"), ("Kepala Dusun", "Kadus")),
        ),
        who=_("village officials"),
        criterion_label=_("village officials criterion"),
        min_pct_label=_("village officials covered at least (%)"),
        criterion_on_by_default=True,
    ),
    Category(
        "BPD",
        "bpd",
        _("Village consultative body (BPD)"),
        (
            PostKind("KETUA_BPD", _("BPD chair (Ketua BPD)"), ("Ketua BPD",), "village"),
            PostKind("ANGGOTA_BPD", _("BPD member (Anggota BPD)"), ("Anggota BPD",)),
        ),
        who=_("BPD members"),
        criterion_label=_("BPD criterion"),
        min_pct_label=_("BPD covered at least (%)"),
    ),
    Category(
        "RT_RW",
        "rt_rw",
        _("RT/RW officials"),
        (
            PostKind("KETUA_RW", _("RW head (Ketua RW)"), ("Ketua RW",), "unit"),
            PostKind(
                "SEKRETARIS_RW", _("RW secretary (Sekretaris RW)"), ("Sekretaris RW",), "unit"
            ),
            PostKind("KETUA_RT", _("RT head (Ketua RT)"), ("Ketua RT",), "unit"),
            PostKind(
                "SEKRETARIS_RT", _("RT secretary (Sekretaris RT)"), ("Sekretaris RT",), "unit"
            ),
        ),
        who=_("RT/RW officials"),
        criterion_label=_("RT/RW criterion"),
        min_pct_label=_("RT/RW covered at least (%)"),
    ),
    Category(
        "LKD",
        "lkd",
        _("Village community institutions (LKD)"),
        (
            PostKind(
                "PENGURUS_LKD",
                _("LKD board member (Pengurus LKD)"),
                ("Pengurus LKD", "PKK", "Karang Taruna", "LPMD", "Kader Posyandu"),
            ),
        ),
        who=_("LKD members"),
        criterion_label=_("LKD criterion"),
        min_pct_label=_("LKD covered at least (%)"),
    ),
    Category(
        "LINMAS",
        "linmas",
        _("Civil defence (Satlinmas)"),
        (PostKind("LINMAS", _("Civil defence guard (Satlinmas)"), ("Satlinmas", "Linmas")),),
        who=_("Satlinmas guards"),
        criterion_label=_("Satlinmas criterion"),
        min_pct_label=_("Satlinmas covered at least (%)"),
    ),
    Category(
        "LAINNYA",
        "lainnya",
        _("Other"),
        (
            PostKind(
                "PENGELOLA_BUMDES", _("BUMDes manager (Pengelola BUMDes)"), ("Pengelola BUMDes",)
            ),
            PostKind("LAINNYA", _("Other (Lainnya)"), ("Lainnya",)),
        ),
    ),
)

BY_CODE: dict[str, Category] = {category.code: category for category in CATEGORIES}
CATEGORY_ORDER: tuple[str, ...] = tuple(category.code for category in CATEGORIES)
POSTS: tuple[PostKind, ...] = tuple(post for category in CATEGORIES for post in category.posts)
CATEGORY_OF_POST: dict[str, str] = {
    post.code: category.code for category in CATEGORIES for post in category.posts
}
POST_ORDER: dict[str, int] = {post.code: index for index, post in enumerate(POSTS)}
CRITERION_CATEGORIES: tuple[Category, ...] = tuple(c for c in CATEGORIES if c.has_criterion)
