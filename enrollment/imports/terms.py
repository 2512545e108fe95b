"""Terms of posts as the plan compares them: which stored term a row names, whether two terms
overlap (as `Post._check_single_holder` has it), whether a post is held on a day."""

from __future__ import annotations

import datetime as dt

from enrollment.imports.records import Holder, PostState


def term_changes(post: PostState | None, start: dt.date | None, end: dt.date | None) -> bool:
    return post is None or (post.term_start, post.term_end) != (start, end)


def pick(candidates: list[PostState], start: dt.date | None) -> PostState | None:
    """Which stored term a row names: the one with its start date, else the open one, else
    the latest unless it ended before the row's term starts (a new term)."""
    if not candidates:
        return None
    for post in candidates:
        if start is not None and post.term_start == start:
            return post
    for post in candidates:
        if post.term_end is None:
            return post
    latest = candidates[-1]
    if start is not None and latest.term_end is not None and latest.term_end < start:
        return None
    return latest


def overlaps(other: Holder, start: dt.date | None, end: dt.date | None) -> bool:
    """As Post._check_single_holder: a missing date is open on that side."""
    after_start = start is None or other.term_end is None or other.term_end >= start
    before_end = end is None or other.term_start is None or other.term_start <= end
    return after_start and before_end


def current(post: PostState, today: dt.date) -> bool:
    return (post.term_start is None or post.term_start <= today) and (
        post.term_end is None or post.term_end >= today
    )
