"""The registry of categories is the one list: everything that names categories or posts
derives from it, in its order."""

from django.contrib import admin

from enrollment.models import DAY_COLUMNS, RuleSet
from enrollment.rules import CATEGORY_CRITERIA
from villages.categories import (
    CATEGORIES,
    CATEGORY_OF_POST,
    CATEGORY_ORDER,
    CRITERION_CATEGORIES,
    POST_ORDER,
)
from villages.models import SINGLE_HOLDER_POSTS, Post


def test_post_choices_are_the_registry_in_order():
    assert Post.Category.values == list(CATEGORY_ORDER)
    assert Post.Code.values == list(POST_ORDER)
    assert CATEGORY_ORDER == ("PERANGKAT", "BPD", "RT_RW", "LKD", "LINMAS", "LAINNYA")
    assert CATEGORY_OF_POST["KETUA_RT"] == "RT_RW"
    assert {
        "KEPALA_DESA",
        "SEKRETARIS_DESA",
        "KETUA_BPD",
        "KETUA_RW",
        "SEKRETARIS_RW",
        "KETUA_RT",
        "SEKRETARIS_RT",
    } == SINGLE_HOLDER_POSTS


def test_every_category_has_its_day_columns():
    assert DAY_COLUMNS[:5] == (
        "perangkat_posts",
        "perangkat_covered",
        "perangkat_lapsing",
        "perangkat_arrears",
        "perangkat_ended",
    )
    assert DAY_COLUMNS[-3:] == ("lainnya_covered_30", "lainnya_covered_60", "lainnya_covered_90")
    assert len(DAY_COLUMNS) == (5 + 3) * len(CATEGORIES)


def test_every_criterion_category_has_its_rule_set_fields_criterion_and_form_row():
    assert [c.code for c in CRITERION_CATEGORIES] == ["PERANGKAT", "BPD", "RT_RW", "LKD", "LINMAS"]
    fields = {f.name: f for f in RuleSet._meta.get_fields()}
    for category in CRITERION_CATEGORIES:
        assert fields[f"{category.prefix}_enabled"].default is category.criterion_on_by_default
        assert fields[f"{category.prefix}_min_pct"].verbose_name == category.min_pct_label
    assert [key for key, _p, _c in CATEGORY_CRITERIA] == [
        "perangkat_covered",
        "bpd_covered",
        "rt_rw_covered",
        "lkd_covered",
        "linmas_covered",
    ]
    rows = admin.site._registry[RuleSet].fieldsets[1][1]["fields"]
    assert rows == [(f"{c.prefix}_enabled", f"{c.prefix}_min_pct") for c in CRITERION_CATEGORIES]
