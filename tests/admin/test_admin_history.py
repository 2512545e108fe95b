"""History: every change to posts and memberships through the admin's bulk actions keeps
an entry with who and when; ended posts stay."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Membership
from tests.factories import BranchOfficeFactory, MembershipFactory, PostFactory
from villages.models import Post, Regency
from villages.roles import user_role_set

KARANGLEWAS, KARANGLO = "33.02.03.2003", "35.23.08.2016"


@pytest.fixture
def officer(client, db):
    branch = BranchOfficeFactory(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    role = user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto")
    client.force_login(role.user)
    return client


def test_ending_terms_in_bulk_keeps_the_posts_and_their_history(officer):
    posts = [PostFactory(code="KASI", village_id=KARANGLEWAS) for _ in range(3)]
    ended_before = PostFactory(
        code="KAUR",
        village_id=KARANGLEWAS,
        term_start=dt.date(2019, 1, 1),
        term_end=dt.date(2020, 1, 1),
    )
    response = officer.post(
        reverse("admin:villages_post_changelist"),
        {"action": "end_terms", "_selected_action": [p.pk for p in [*posts, ended_before]]},
    )
    assert response.status_code == 302
    today = timezone.localdate()
    assert [Post.objects.get(pk=p.pk).term_end for p in posts] == [today] * 3
    assert Post.objects.get(pk=ended_before.pk).term_end == dt.date(2020, 1, 1)
    latest = Post.history.filter(id=posts[0].pk).latest()
    assert (latest.history_user.username, latest.term_end, latest.history_change_reason) == (
        "staf",
        today,
        "ended in bulk",
    )
    assert Post.history.filter(id=ended_before.pk).count() == 1  # untouched: only its creation


def test_a_bulk_action_cannot_reach_a_foreign_post(officer):
    foreign = PostFactory(code="KASI", village_id=KARANGLO)
    officer.post(
        reverse("admin:villages_post_changelist"),
        {"action": "end_terms", "_selected_action": [foreign.pk]},
    )
    assert Post.objects.get(pk=foreign.pk).term_end is None


def test_marking_memberships_checked_keeps_history(officer):
    post = PostFactory(code="KASI", village_id=KARANGLEWAS)
    membership = MembershipFactory(person=post.person)
    officer.post(
        reverse("admin:enrollment_membership_changelist"),
        {"action": "verify_with_bpjs", "_selected_action": [membership.pk]},
    )
    membership.refresh_from_db()
    assert (membership.verified_on, membership.verified_source) == (
        timezone.localdate(),
        "bpjs",
    )
    latest = Membership.history.filter(id=membership.pk).latest()
    assert (latest.history_user.username, latest.verified_source) == ("staf", "bpjs")
    assert Membership.history.filter(id=membership.pk).count() == 2
