"""The Desa Sadar rules as pure functions: officials still to cover, and what "near" is."""

from decimal import Decimal

import pytest

from enrollment.rules import Figures, Near, Rules, VillageFacts, evaluate, people_to_cover

NO_FACTS = VillageFacts(None, None, False, None, None, "")


@pytest.mark.parametrize(
    "posts,covered,minimum,expected",
    [
        (11, 2, Decimal(100), 9),
        (11, 11, Decimal(100), 0),
        (11, 12, Decimal(100), 0),  # never below zero
        (3, 2, Decimal("66.67"), 1),  # 2 of 3 is 66.666…%: one more needed
        (3, 2, Decimal("66.66"), 0),
        (7, 0, Decimal(50), 4),  # ceil(3.5)
        (8, 0, Decimal(50), 4),
        (10, 0, Decimal("0.01"), 1),
        (10, 0, Decimal(0), 0),
        (0, 0, Decimal(100), 0),  # no posts: nobody to cover (the criterion fails all the same)
    ],
)
def test_people_to_cover_rounds_up_to_whole_officials(posts, covered, minimum, expected):
    assert people_to_cover(posts, covered, minimum) == expected


def test_a_category_criterion_says_how_many_officials_are_missing():
    rules = Rules(
        name="Uji",
        categories=(("PERANGKAT", Decimal(100)), ("BPD", Decimal(60))),
        facts=("bumdes_active",),
    )
    figures = {"PERANGKAT": Figures(11, 2), "BPD": Figures(5, 3)}
    result = evaluate(rules, figures, NO_FACTS)
    assert [(c.key, c.passed, c.people_missing) for c in result] == [
        ("perangkat_covered", False, 9),
        ("bpd_covered", True, 0),
        ("bumdes_active", False, 0),
    ]


@pytest.mark.parametrize(
    "failing,people,near",
    [
        (0, 0, False),  # a candidate is not "near"
        (1, 0, True),  # a missing fact only
        (1, 2, True),
        (1, 3, False),
        (2, 0, False),
        (2, 1, False),
    ],
)
def test_near_by_default_is_one_criterion_and_at_most_two_officials(failing, people, near):
    assert Near().holds(failing, people) is near


def test_near_follows_the_rule_set():
    assert Near(max_failing=2, max_people=5).holds(2, 5) is True
    assert Near(max_failing=2, max_people=5).holds(3, 0) is False
    assert Near(max_failing=0, max_people=5).holds(1, 0) is False


def test_a_rule_set_row_gives_its_near_setting(db):
    from enrollment.models import RuleSet

    rule_set = RuleSet.objects.create(
        name="Banyumas", year=2026, near_max_failing=2, near_max_people=4
    )
    assert Rules.from_model(rule_set).near == Near(2, 4)
    assert Rules.from_model(RuleSet.objects.create(name="Baru", year=2027)).near == Near(1, 2)
    assert Rules.default(2026).near == Near(1, 2)
